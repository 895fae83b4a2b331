# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signed PollTaskResult requests per second that the emulator answers for one keep-alive client.

    python bench/emulator_throughput.py [--results 10000] [--seconds 3] [--page-sizes 20,1000] [--json]

Starts its own emulator, seeds ``--results`` completed details, then sends V3-signed PollTaskResult
requests (PageNum 1) back to back over one connection for ``--seconds`` per page size. Every answer is
checked (HTTP 200, a full page), so a fast wrong answer cannot count. Target: >= 1000/s at PageSize 20.
"""

import argparse
import json
import os
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from emulator.client import SignedClient  # noqa: E402  pylint: disable=wrong-import-position
from emulator.process import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position


def measure(client, page_size, seconds, expected_items):
    params = {'PageNum': 1, 'PageSize': page_size}
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        answer = client.call('PollTaskResult', params)
        items = answer.body['Data']['TaskDetail'] if answer.status == 200 else None
        if items is None or len(items) != expected_items:
            raise SystemExit('PollTaskResult PageSize %d answered %r' % (page_size, answer))
        count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - started)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--results', type=int, default=10000, help='completed details waiting in PollTaskResult')
    parser.add_argument('--seconds', type=float, default=3.0, help='measuring time per page size')
    parser.add_argument('--page-sizes', default='20,1000', help='comma-separated PageSize values')
    parser.add_argument('--json', action='store_true', help='also print one JSON line with the figures')
    args = parser.parse_args(argv)
    page_sizes = [int(size) for size in args.page_sizes.split(',') if size.strip()]
    figures = {}
    with EmulatorProcess('--domains', '100', '--quiet') as emulator:
        emulator.seed(args.results)
        client = SignedClient(emulator.url, emulator.access_key_id, emulator.access_key_secret)
        try:
            for page_size in page_sizes:
                measure(client, page_size, min(0.3, args.seconds), min(page_size, args.results))  # warm-up
                figures[str(page_size)] = round(measure(client, page_size, args.seconds, min(page_size, args.results)), 1)
                print('PollTaskResult PageSize %d with %d stored results: %.0f signed requests/s (one keep-alive client)'
                      % (page_size, args.results, figures[str(page_size)]))
        finally:
            client.close()
    if args.json:
        print(json.dumps({'results': args.results, 'seconds': args.seconds, 'requests_per_second': figures}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
