# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drain through the collection's module_utils directly (no ansible-playbook): the same code the modules run.

Usage: python bench/client_drain.py COLLECTIONS_ROOT [BATCH_SIZE]
(COLLECTIONS_ROOT holds ansible_collections/aliyun/domain; BATCH_SIZE defaults to the ack module's default).
Credentials and the endpoint come from the ALIBABA_CLOUD_* environment variables. Prints one JSON line.
"""

from __future__ import annotations

import json
import sys


def main(argv):
    sys.path.insert(0, argv[1])
    # pylint: disable=import-outside-toplevel
    from ansible_collections.aliyun.domain.plugins.module_utils._ack import DEFAULT_BATCH_SIZE, acknowledge
    from ansible_collections.aliyun.domain.plugins.module_utils._client import DomainClient
    from ansible_collections.aliyun.domain.plugins.module_utils._options import OptionAdapter
    from ansible_collections.aliyun.domain.plugins.module_utils._task_results import iter_task_results

    client = DomainClient(OptionAdapter.from_dict({}))
    try:
        detail_nos = [item['task_detail_no'] for item in iter_task_results(client)]
        outcome = acknowledge(client, detail_nos, batch_size=int(argv[2]) if len(argv) > 2 else DEFAULT_BATCH_SIZE)
    finally:
        client.close()
    if outcome.error is not None:
        print(json.dumps({'error': str(outcome.error)}))
        return 1
    print(json.dumps({'collected': len(detail_nos), 'acknowledged': outcome.acknowledged_count, 'api_calls': client.api_calls}))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
