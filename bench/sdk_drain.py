# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Baseline for the drain: the official alibabacloud-domain20180129 client doing the straightforward loop.

Reads every page of PollTaskResult (PageSize 1000), then confirms everything with AcknowledgeTaskResult in
batches of 100 -- what a user writes in a script. Credentials and the endpoint come from the same environment
variables our modules read. Prints one JSON line: collected, acknowledged.
"""

from __future__ import annotations

import json
import os
import sys
from urllib.parse import urlsplit

from alibabacloud_domain20180129 import models
from alibabacloud_domain20180129.client import Client
from alibabacloud_tea_openapi import models as open_api_models

PAGE_SIZE = 1000
ACK_BATCH = 100


def make_client():
    endpoint = urlsplit(os.environ['ALIBABA_CLOUD_DOMAIN_ENDPOINT'])
    return Client(open_api_models.Config(
        access_key_id=os.environ['ALIBABA_CLOUD_ACCESS_KEY_ID'],
        access_key_secret=os.environ['ALIBABA_CLOUD_ACCESS_KEY_SECRET'],
        endpoint=endpoint.netloc,
        protocol=endpoint.scheme,
    ))


def drain(client):
    detail_nos = []
    page_num = 1
    while True:
        body = client.poll_task_result(models.PollTaskResultRequest(page_num=page_num, page_size=PAGE_SIZE)).body
        detail_nos.extend(detail.task_detail_no for detail in body.data.task_detail)
        if not body.next_page:
            break
        page_num += 1
    acknowledged = 0
    for start in range(0, len(detail_nos), ACK_BATCH):
        request = models.AcknowledgeTaskResultRequest(task_detail_no=detail_nos[start:start + ACK_BATCH])
        acknowledged += client.acknowledge_task_result(request).body.result
    return {'collected': len(detail_nos), 'acknowledged': acknowledged}


def main():
    print(json.dumps(drain(make_client())))
    return 0


if __name__ == '__main__':
    sys.exit(main())
