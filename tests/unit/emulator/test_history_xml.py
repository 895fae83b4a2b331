# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The XML answers of the cursor-paged history actions (issue 15's fidelity list).

The SDK models read ``"Objects": [...]`` from JSON; the documented XML sample of QueryTaskInfoHistory nests
each object in an element named after its type (``<Objects><TaskInfoHistory>...</TaskInfoHistory></Objects>``,
QueryTaskDetailHistory's type is ``TaskDetailHistory``) and each cursor is one element holding the fields of
one object. Read back with that nesting, the XML answer must carry the same items as the JSON answer.
"""

import xml.etree.ElementTree as ET

import pytest
from alibabacloud_domain20180129 import models

from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainResponseError
from ansible_collections.aliyun.domain.plugins.module_utils._response import parse_response

CURSORS = ('CurrentPageCursor', 'NextPageCursor', 'PrePageCursor')
NAMESERVERS = {'AliyunDns': 'false', 'DomainNameServer.1': 'ns1.xml.example', 'DomainNameServer.2': 'ns2.xml.example'}


def fields(element):
    """An element holding only leaf elements as {tag: text}; a nested element fails the test."""
    read = {}
    for child in element:
        assert len(child) == 0, 'unexpected nesting under %s: %s' % (element.tag, child.tag)
        read[child.tag] = child.text or ''
    return read


def read_history_xml(raw, root_tag, item_tag):
    """The documented nesting read back into the JSON shape (values as text)."""
    root = ET.fromstring(raw)
    assert root.tag == root_tag
    answer = {'RequestId': root.findtext('RequestId'), 'PageSize': root.findtext('PageSize')}
    (objects,) = root.findall('Objects')
    assert all(child.tag == item_tag for child in objects), [child.tag for child in objects]
    answer['Objects'] = [fields(item) for item in objects]
    for name in CURSORS:
        found = root.findall(name)
        assert len(found) <= 1
        if found:
            answer[name] = fields(found[0])
    assert {child.tag for child in root} <= {'RequestId', 'PageSize', 'Objects'} | set(CURSORS)
    return answer


def as_text(body):
    """The JSON answer with every scalar as XML writes it."""
    if isinstance(body, dict):
        return dict((key, as_text(value)) for key, value in body.items() if key != 'RequestId')
    if isinstance(body, list):
        return [as_text(item) for item in body]
    if isinstance(body, bool):
        return 'true' if body else 'false'
    return '%s' % (body,)


def both(client, action, params):
    """(JSON body, XML read back) of the same request."""
    as_json = client.call(action, params).body
    raw = client.call(action, params, accept_json=False)
    assert raw.status == 200 and raw.headers['content-type'].startswith('text/xml')
    return as_json, raw.raw


def submit(client, *domains):
    params = dict(NAMESERVERS)
    params.update(('DomainName.%d' % index, domain) for index, domain in enumerate(domains, 1))
    return client.call('SaveBatchTaskForModifyingDomainDns', params).body['TaskNo']


def test_task_info_history_xml_nests_objects_and_cursors_as_documented(start_emulator):
    emulator = start_emulator('--task-seconds', '0')
    client = emulator.client(signature='v1')
    task_nos = [submit(client, 'example-%05d.com' % number) for number in (1, 2, 3)]
    first = client.call('QueryTaskInfoHistory', {'PageSize': 1}).body
    # the middle page has all three cursors
    params = {'PageSize': 1, 'CreateTimeCursor': first['NextPageCursor']['CreateTimeLong'],
              'TaskNoCursor': first['NextPageCursor']['TaskNo']}
    as_json, raw = both(client, 'QueryTaskInfoHistory', params)
    read = read_history_xml(raw, 'QueryTaskInfoHistoryResponse', 'TaskInfoHistory')
    assert set(CURSORS) <= set(as_json)
    assert read['RequestId']
    del read['RequestId']
    assert read == as_text(as_json)
    assert [item['TaskNo'] for item in read['Objects']] == [task_nos[1]]
    assert (read['PrePageCursor']['TaskNo'], read['NextPageCursor']['TaskNo']) == (task_nos[2], task_nos[0])
    # what the SDK model reads from the JSON answer is what the XML says
    parsed = models.QueryTaskInfoHistoryResponseBody().from_map(as_json)
    assert [item.task_no for item in parsed.objects] == [task_nos[1]]
    assert str(parsed.next_page_cursor.create_time_long) == read['NextPageCursor']['CreateTimeLong']

    # one object is still wrapped, and an empty page is an empty Objects element
    past = client.call('QueryTaskInfoHistory', {'PageSize': 5, 'EndCreateTime': 86400 * 1000}, accept_json=False)
    root = ET.fromstring(past.raw)
    assert [len(element) for element in root.findall('Objects')] == [0]
    assert client.call('QueryTaskInfoHistory', {'PageSize': 5, 'EndCreateTime': 86400 * 1000}).body['Objects'] == []


def test_task_detail_history_xml_nests_its_objects_the_same_way(start_emulator):
    emulator = start_emulator('--task-seconds', '0')
    client = emulator.client()
    task_no = submit(client, 'example-00001.com', 'example-00002.com', 'example-00003.com')
    params = {'TaskNo': task_no, 'PageSize': 1, 'DomainNameCursor': 'example-00002.com'}
    as_json, raw = both(client, 'QueryTaskDetailHistory', params)
    read = read_history_xml(raw, 'QueryTaskDetailHistoryResponse', 'TaskDetailHistory')
    del read['RequestId']
    assert read == as_text(as_json)
    assert [item['DomainName'] for item in read['Objects']] == ['example-00002.com']
    assert (read['PrePageCursor']['DomainName'], read['NextPageCursor']['DomainName']) == ('example-00001.com',
                                                                                           'example-00003.com')


def test_the_collections_client_reads_json_only_and_refuses_an_xml_answer_in_one_line(start_emulator):
    # The client always asks for JSON; an XML success (a gateway that ignored Accept) is one clear error, not
    # a half-read answer. XML errors are read (test_response_and_retry.py).
    emulator = start_emulator('--task-seconds', '0')
    client = emulator.client()
    submit(client, 'example-00001.com')
    raw = client.call('QueryTaskInfoHistory', {'PageSize': 5}, accept_json=False)
    with pytest.raises(DomainResponseError) as refused:
        parse_response('QueryTaskInfoHistory', raw.status, raw.headers, raw.raw)
    assert str(refused.value).count('\n') == 0 and 'XML body instead of JSON' in str(refused.value)
