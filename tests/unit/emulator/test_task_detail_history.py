# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""QueryTaskDetailHistory: a task's details page by page, following NextPageCursor, shaped as the SDK model reads it."""

from alibabacloud_domain20180129 import models

DOMAINS = ['example-%05d.com' % number for number in (5, 3, 1, 4, 2)]
NAMESERVERS = {'AliyunDns': 'false', 'DomainNameServer.1': 'ns1.history.example', 'DomainNameServer.2': 'ns2.history.example'}


def test_following_the_cursors_reads_every_detail_once_in_domain_order(start_emulator):
    emulator = start_emulator()
    client = emulator.client()
    params = dict(NAMESERVERS)
    params.update(('DomainName.%d' % index, domain) for index, domain in enumerate(DOMAINS, 1))
    task_no = client.call('SaveBatchTaskForModifyingDomainDns', params).body['TaskNo']
    seen, request = [], {'TaskNo': task_no, 'PageSize': 2}
    for _page in range(10):
        body = client.call('QueryTaskDetailHistory', request).body
        parsed = models.QueryTaskDetailHistoryResponseBody().from_map(body)
        seen.extend(item.domain_name for item in parsed.objects)
        assert all(item.task_no == task_no and item.task_detail_no for item in parsed.objects)
        if parsed.next_page_cursor is None:
            break
        request = {'TaskNo': task_no, 'PageSize': 2, 'DomainNameCursor': parsed.next_page_cursor.domain_name,
                   'TaskDetailNoCursor': parsed.next_page_cursor.task_detail_no}
    assert seen == sorted(DOMAINS)
    assert body['PrePageCursor']['DomainName'] == sorted(DOMAINS)[2]
    missing = client.call('QueryTaskDetailHistory', {'TaskNo': task_no})
    assert missing.code == 'MissingPageSize'
