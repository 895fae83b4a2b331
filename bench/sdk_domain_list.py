# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Baseline for the inventory: the official alibabacloud-domain20180129 client listing the account's domains.

Reads every page of QueryDomainList (PageSize 100, one after the other) and prints, as one JSON line, how many
domains it read and how many nameserver sets -- the straightforward script a user writes instead of an inventory.
"""

from __future__ import annotations

import json
import sys

from alibabacloud_domain20180129 import models

from sdk_drain import make_client  # pylint: disable=import-error

PAGE_SIZE = 100


def list_domains(client):
    nameservers = {}
    page_num = 1
    while True:
        body = client.query_domain_list(models.QueryDomainListRequest(page_num=page_num, page_size=PAGE_SIZE)).body
        for domain in body.data.domain:
            nameservers[domain.domain_name] = list(domain.dns_list.dns_list) if domain.dns_list else None
        if not body.next_page:
            break
        page_num += 1
    return {'domains': len(nameservers), 'with_nameservers': sum(1 for value in nameservers.values() if value)}


def main():
    print(json.dumps(list_domains(make_client())))
    return 0


if __name__ == '__main__':
    sys.exit(main())
