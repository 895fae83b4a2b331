# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator over HTTP: signatures, every error path, formats, languages, faults and the control plane."""

import http.client
import json
import threading
import time
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from emulator.auth import signing
from emulator.client import utc_stamp

NS = ['ns1.new.example', 'ns2.new.example']
PAGE = {'PageNum': 1, 'PageSize': 20}


def submit(client, domains, **extra):
    params = {'DomainName': domains, 'AliyunDns': False, 'DomainNameServer': NS}
    params.update(extra)
    answer = client.call('SaveBatchTaskForModifyingDomainDns', params)
    assert answer.status == 200, answer
    return answer.body['TaskNo']


def wait_final(client, task_no, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = client.call('QueryTaskDetailList', {'TaskNo': task_no, 'PageNum': 1, 'PageSize': 100}).body['Data']['TaskDetail']
        if items and all(item['TaskStatusCode'] in (2, 3) for item in items):
            return items
        time.sleep(0.05)
    raise AssertionError('task %s did not finish' % task_no)


def control(url, name, payload=None):
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url + '/_emulator/' + name, data=data, method='POST' if data is not None else 'GET')
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.parametrize('signature', ['v3', 'v1'])
def test_round_trip_submit_query_poll_acknowledge(emulator, signature):
    client = emulator.client(signature=signature)
    task_no = submit(client, ['example-00001.com', 'example-00002.com'])
    items = wait_final(client, task_no)
    assert [item['TaskStatus'] for item in items] == ['EXECUTE_SUCCESS'] * 2
    tasks = client.call('QueryTaskList', PAGE).body['Data']['TaskInfo']
    assert tasks[0]['TaskNo'] == task_no and tasks[0]['TaskStatusCode'] == 3
    polled = client.call('PollTaskResult', dict(PAGE, TaskNo=task_no)).body
    assert polled['TotalItemNum'] == 2
    numbers = [item['TaskDetailNo'] for item in polled['Data']['TaskDetail']]
    assert client.call('AcknowledgeTaskResult', {'TaskDetailNo': numbers}).body['Result'] == 2
    assert client.call('AcknowledgeTaskResult', {'TaskDetailNo': numbers}).body['Result'] == 0
    assert client.call('PollTaskResult', PAGE).body['TotalItemNum'] == 0
    domain = client.call('QueryDomainByDomainName', {'DomainName': 'example-00001.com'}).body
    assert domain['DnsList'] == {'Dns': NS}
    listed = client.call('QueryDomainList', {'PageNum': 1, 'PageSize': 1, 'DomainName': 'example-00001.com'}).body
    assert listed['Data']['Domain'][0]['DnsList'] == {'DnsList': NS} and listed['TotalItemNum'] == 1
    stats = emulator.stats()
    assert stats['submissions_per_domain'] == {'example-00001.com': 1, 'example-00002.com': 1}
    assert stats['details_acknowledged'] == 2 and stats['results_awaiting_acknowledgement'] == 0
    assert all(record['ack_requests'] == 2 and record['acknowledged'] == 1 for record in stats['task_details'].values())


def test_aliyun_dns_sets_alibaba_nameservers(emulator):
    client = emulator.client()
    answer = client.call('SaveBatchTaskForModifyingDomainDns', {'DomainName': ['example-00003.com'], 'AliyunDns': True})
    wait_final(client, answer.body['TaskNo'])
    dns = client.call('QueryDomainByDomainName', {'DomainName': 'example-00003.com'}).body['DnsList']['Dns']
    assert dns == ['ns1.alidns.com', 'ns2.alidns.com']


@pytest.mark.parametrize('signature', ['v3', 'v1'])
def test_wrong_secret_is_signature_does_not_match(emulator, signature):
    answer = emulator.client(secret='not-the-secret', signature=signature).call('PollTaskResult', PAGE)
    assert (answer.status, answer.code) == (400, 'SignatureDoesNotMatch')
    expected = 'ACS3-HMAC-SHA256\n' if signature == 'v3' else 'POST&%2F&'
    assert 'server string to sign is:' + expected in answer.body['Message']
    assert answer.body['RequestId'] and answer.body['HostId'] and 'SignatureDoesNotMatch' in answer.body['Recommend']


def test_unknown_access_key(emulator):
    answer = emulator.client(key_id='nobody').call('PollTaskResult', PAGE)
    assert (answer.status, answer.code) == (404, 'InvalidAccessKeyId.NotFound')


@pytest.mark.parametrize('signature', ['v3', 'v1'])
def test_replayed_nonce_is_refused(emulator, signature):
    client = emulator.client(signature=signature)
    assert client.call('PollTaskResult', PAGE, nonce='fixed-nonce-1').status == 200
    answer = client.call('PollTaskResult', PAGE, nonce='fixed-nonce-1')
    assert (answer.status, answer.code) == (400, 'SignatureNonceUsed')


@pytest.mark.parametrize('signature', ['v3', 'v1'])
def test_clock_skew_over_15_minutes_is_expired(emulator, signature):
    client = emulator.client(signature=signature)
    assert client.call('PollTaskResult', PAGE, stamp=utc_stamp(time.time() - 14 * 60)).status == 200
    for skew in (-16 * 60, 16 * 60):
        answer = client.call('PollTaskResult', PAGE, stamp=utc_stamp(time.time() + skew))
        assert (answer.status, answer.code) == (400, 'InvalidTimeStamp.Expired')
    answer = client.call('PollTaskResult', PAGE, stamp='yesterday')
    assert answer.code == 'InvalidTimeStamp.Format'


@pytest.mark.parametrize('signature', ['v3', 'v1'])
def test_sts_token_required_matching_and_expirable(start_emulator, signature):
    running = start_emulator('--access-key', 'STS.key:stssecret:token-1', '--access-key', 'plain:plainsecret')
    good = running.client(key_id='STS.key', secret='stssecret', token='token-1', signature=signature)
    assert good.call('PollTaskResult', PAGE).status == 200
    assert running.client(key_id='STS.key', secret='stssecret', signature=signature).call('PollTaskResult', PAGE).code == \
        'MissingSecurityToken'
    wrong = running.client(key_id='STS.key', secret='stssecret', token='token-2', signature=signature)
    assert wrong.call('PollTaskResult', PAGE).code == 'InvalidSecurityToken.MismatchWithAccessKey'
    assert running.client(key_id='plain', secret='plainsecret', signature=signature).call('PollTaskResult', PAGE).status == 200
    status, _config = control(running.url, 'config', {'expired_access_keys': ['STS.key'],
                                                      'access_keys': ['STS.fresh:freshsecret:token-3']})
    assert status == 200
    answer = good.call('PollTaskResult', PAGE)
    assert (answer.status, answer.code) == (400, 'InvalidSecurityToken.Expired')
    fresh = running.client(key_id='STS.fresh', secret='freshsecret', token='token-3', signature=signature)
    assert fresh.call('PollTaskResult', PAGE).status == 200


def test_v3_must_sign_every_acs_header(emulator):
    client = emulator.client()
    path, headers = client.signed_request('PollTaskResult', PAGE)
    headers['x-acs-extra'] = 'unsigned'
    answer = client.send('POST', path, headers)
    assert (answer.status, answer.code) == (400, 'IncompleteSignature')
    assert 'x-acs-extra' in answer.body['Message']
    headers = dict(headers)
    headers.pop('x-acs-extra')
    headers['Authorization'] = 'ACS3-HMAC-SHA256 garbage'
    assert client.send('POST', path, headers).code == 'IncompleteSignature'


def test_v3_body_is_covered_by_the_signature(emulator):
    client = emulator.client()
    path, headers = client.signed_request('PollTaskResult', PAGE)
    headers['Content-Type'] = 'application/x-www-form-urlencoded'
    answer = client.send('POST', path, headers, body=b'TaskNo=injected')
    assert answer.code == 'SignatureDoesNotMatch'


def test_v1_parameters_in_a_form_body_and_get(emulator):
    client = emulator.client(signature='v1')
    path, _headers = client.signed_request('PollTaskResult', PAGE)
    form = path[2:].encode()
    answer = client.send('POST', '/', {'Content-Type': 'application/x-www-form-urlencoded'}, body=form)
    assert answer.status == 200 and answer.body['PageSize'] == 20
    path, _headers = client.signed_request('PollTaskResult', PAGE, method='GET')
    assert client.send('GET', path).status == 200


@pytest.mark.parametrize('action, params, code, message', [
    ('PollTaskResult', {'PageNum': 1}, 'MissingPageSize', 'PageSize is mandatory for this action.'),
    ('PollTaskResult', {'PageSize': 20}, 'MissingPageNum', 'PageNum is mandatory for this action.'),
    ('PollTaskResult', {'PageNum': 1, 'PageSize': 1001}, 'InvalidParameter', 'PageSize is not valid: 1001 (an integer from 1 to 1000)'),
    ('PollTaskResult', {'PageNum': 0, 'PageSize': 20}, 'InvalidParameter', 'PageNum is not valid: 0'),
    ('PollTaskResult', {'PageNum': 'one', 'PageSize': 20}, 'InvalidParameter', 'PageNum is not valid: one'),
    ('PollTaskResult', dict(PAGE, TaskResultStatus=1), 'InvalidParameter', 'TaskResultStatus is not valid: 1 (one of 2, 3)'),
    ('QueryTaskDetailList', PAGE, 'MissingTaskNo', 'TaskNo is mandatory'),
    ('QueryTaskDetailList', dict(PAGE, TaskNo='x', TaskStatus=9), 'InvalidParameter', 'TaskStatus is not valid: 9'),
    ('QueryTaskInfoHistory', {}, 'MissingPageSize', 'PageSize is mandatory'),
    ('QueryTaskList', {'PageNum': 1, 'PageSize': 5000}, 'InvalidParameter', 'PageSize is not valid: 5000'),
    ('AcknowledgeTaskResult', {}, 'MissingTaskDetailNo', 'TaskDetailNo is mandatory'),
    ('SaveBatchTaskForModifyingDomainDns', {'AliyunDns': True}, 'MissingDomainName', 'DomainName is mandatory'),
    ('SaveBatchTaskForModifyingDomainDns', {'DomainName': ['example-00001.com']}, 'MissingAliyunDns', 'AliyunDns'),
    ('SaveBatchTaskForModifyingDomainDns', {'DomainName': ['example-00001.com'], 'AliyunDns': 'maybe'},
     'InvalidParameter', 'AliyunDns is not valid: maybe (true or false)'),
    ('SaveBatchTaskForModifyingDomainDns', {'DomainName': ['example-00001.com'], 'AliyunDns': False},
     'MissingDomainNameServer', 'DomainNameServer is mandatory'),
    ('SaveBatchTaskForModifyingDomainDns', {'DomainName': ['bad domain'], 'AliyunDns': True},
     'InvalidParameter', 'DomainName is not valid: bad domain'),
    ('SaveBatchTaskForModifyingDomainDns', {'DomainName': ['example-00001.com'], 'AliyunDns': False,
                                            'DomainNameServer': ['ns1..example']}, 'InvalidParameter', 'DomainNameServer'),
    ('QueryDomainByDomainName', {}, 'MissingDomainName', 'DomainName is mandatory'),
    ('QueryDomainByDomainName', {'DomainName': 'other.example'}, 'DomainNotExist', 'other.example does not exist'),
    ('QueryDomainList', {'PageNum': 1, 'PageSize': 5, 'OrderKeyType': 'Name'}, 'InvalidParameter', 'OrderKeyType'),
    ('DeleteEverything', {}, 'InvalidAction.NotFound', 'Specified api is not found'),
])
def test_parameter_errors(emulator, action, params, code, message):
    answer = emulator.client().call(action, params)
    assert answer.code == code
    assert answer.status == (404 if code == 'InvalidAction.NotFound' else 400)
    assert message in answer.body['Message']
    assert set(answer.body) == {'RequestId', 'HostId', 'Code', 'Message', 'Recommend'}


def test_wrong_version(emulator):
    client = emulator.client(signature='v1')
    path, _headers = client.signed_request('PollTaskResult', dict(PAGE, Version='2017-12-18'))
    # the client put its own Version last; sign again with the wrong one in place
    query = dict(part.split('=', 1) for part in path[2:].split('&'))
    query.pop('Signature')
    query['Version'] = '2017-12-18'
    query = dict((k, urllib.parse.unquote(v)) for k, v in query.items())
    query['Signature'] = signing.v1_signature('POST', query, 'testsecret')
    answer = client.send('POST', '/?' + signing.canonical_query_string(query))
    assert (answer.status, answer.code) == (400, 'InvalidVersion')


def test_xml_unless_json_is_asked_for(emulator):
    client = emulator.client(signature='v1')
    submit(client, ['example-00004.com'])
    answer = client.call('QueryTaskList', PAGE, accept_json=False)
    assert answer.headers['content-type'].startswith('text/xml')
    root = ET.fromstring(answer.raw)
    assert root.tag == 'QueryTaskListResponse'
    assert root.find('./Data/TaskInfo/TaskType').text == 'CHG_DNS'
    assert root.find('./RequestId').text
    error = ET.fromstring(client.call('PollTaskResult', {'PageNum': 1}, accept_json=False).raw)
    assert error.tag == 'Error' and error.find('Code').text == 'MissingPageSize'
    assert error.find('Recommend').text.endswith('Keyword=MissingPageSize&source=PopGw')
    v3 = emulator.client()
    assert v3.call('PollTaskResult', PAGE, accept_json=False).headers['content-type'].startswith('text/xml')
    assert v3.call('PollTaskResult', PAGE).headers['content-type'].startswith('application/json')
    # PollTaskResult items are stored as JSON text when submitted; the XML answer must still list their fields
    wait_final(v3, submit(v3, ['example-00005.com']))
    polled = ET.fromstring(v3.call('PollTaskResult', dict(PAGE, DomainName='example-00005.com'), accept_json=False).raw)
    assert polled.tag == 'PollTaskResultResponse'
    assert [detail.find('DomainName').text for detail in polled.findall('./Data/TaskDetail')] == ['example-00005.com']
    assert polled.find('./Data/TaskDetail/TaskStatus').text == 'EXECUTE_SUCCESS'
    assert polled.find('./Data/TaskDetail/TryCount').text == '0'


def test_lang_zh(start_emulator):
    running = start_emulator('--task-seconds', '0')
    client = running.client()
    task_no = submit(client, ['example-00001.com'])
    item = client.call('PollTaskResult', dict(PAGE, TaskNo=task_no, Lang='zh')).body['Data']['TaskDetail'][0]
    assert item['TaskTypeDescription'] == '修改DNS'
    assert client.call('PollTaskResult', dict(PAGE, TaskNo=task_no)).body['Data']['TaskDetail'][0]['TaskTypeDescription'] == \
        'DNS Modification'
    error = client.call('PollTaskResult', {'PageNum': 1, 'Lang': 'zh'}).body
    assert error['Code'] == 'MissingPageSize' and '必填' in error['Message']


def test_poll_parameters_filter(start_emulator):
    running = start_emulator('--task-seconds', '0', '--fail-domains', '0000[12]')
    client = running.client()
    first = submit(client, ['example-00001.com', 'example-00003.com'])
    submit(client, ['example-00002.com', 'example-00004.com'])
    assert client.call('PollTaskResult', PAGE).body['TotalItemNum'] == 4
    assert client.call('PollTaskResult', dict(PAGE, TaskNo=first)).body['TotalItemNum'] == 2
    failed = client.call('PollTaskResult', dict(PAGE, TaskResultStatus=3)).body['Data']['TaskDetail']
    assert sorted(item['DomainName'] for item in failed) == ['example-00001.com', 'example-00002.com']
    assert all(item['TaskStatus'] == 'EXECUTE_FAILURE' and item['TryCount'] == 5 and item['ErrorMsg'] for item in failed)
    one = client.call('PollTaskResult', dict(PAGE, DomainName='EXAMPLE-00003.com')).body['Data']['TaskDetail']
    assert [item['DomainName'] for item in one] == ['example-00003.com']
    by_instance = client.call('PollTaskResult', dict(PAGE, InstanceId=one[0]['InstanceId'], TaskType=1)).body
    assert by_instance['TotalItemNum'] == 1
    paged = client.call('PollTaskResult', {'PageNum': 2, 'PageSize': 3}).body
    assert (paged['TotalPageNum'], paged['PrePage'], paged['NextPage'], len(paged['Data']['TaskDetail'])) == (2, True, False, 1)


def test_task_info_history_cursor(start_emulator):
    running = start_emulator('--task-seconds', '0')
    client = running.client()
    task_nos = [submit(client, ['example-%05d.com' % i]) for i in range(1, 6)]
    seen, params = [], {'PageSize': 2}
    while True:
        body = client.call('QueryTaskInfoHistory', params).body
        seen.extend(obj['TaskNo'] for obj in body['Objects'])
        if 'NextPageCursor' not in body:
            break
        params = {'PageSize': 2, 'CreateTimeCursor': body['NextPageCursor']['CreateTimeLong'],
                  'TaskNoCursor': body['NextPageCursor']['TaskNo']}
    assert seen == list(reversed(task_nos))
    assert body['PrePageCursor']['TaskNo'] == task_nos[2]


def test_throttling_answers_400_with_retry_after(emulator):
    client = emulator.client()
    assert control(emulator.url, 'config', {'throttle_rate': 1, 'retry_after_ms': 250})[0] == 200
    answer = client.call('PollTaskResult', PAGE)
    assert (answer.status, answer.code, answer.headers['x-acs-retry-after']) == (400, 'Throttling.User', '250')
    assert answer.body['Message'] == 'Request was denied due to user flow control.'
    control(emulator.url, 'config', {'throttle_rate': 0})
    assert client.call('PollTaskResult', PAGE).status == 200
    assert emulator.stats()['faults']['throttled'] == 1


def test_server_errors_change_nothing(emulator):
    client = emulator.client()
    control(emulator.url, 'config', {'error_rate': 1})
    codes = set()
    for _attempt in range(6):
        answer = client.call('SaveBatchTaskForModifyingDomainDns', {'DomainName': ['example-00001.com'], 'AliyunDns': True})
        assert answer.status in (500, 503)
        codes.add(answer.code)
    assert codes <= {'ServiceUnavailable', 'InternalError'} and codes
    assert emulator.stats()['tasks'] == 0


def test_reset_rate_drops_connections(emulator):
    client = emulator.client()
    control(emulator.url, 'config', {'reset_rate': 1})
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        client.call('PollTaskResult', PAGE)
    control(emulator.url, 'config', {'reset_rate': 0})
    assert client.call('PollTaskResult', PAGE).status == 200
    assert emulator.stats()['responses_per_status']['reset'] == 1


def test_faults_are_deterministic_for_a_seed(start_emulator):
    sequences = []
    for seed in (5, 5, 6):
        running = start_emulator('--seed', seed, '--throttle-rate', '0.5')
        client = running.client()
        sequences.append([client.call('PollTaskResult', PAGE).status for _attempt in range(24)])
    assert sequences[0] == sequences[1]
    assert sequences[0] != sequences[2]
    assert set(sequences[0]) == {200, 400}


def test_control_plane(emulator):
    status, health = control(emulator.url, 'health')
    assert status == 200 and health['status'] == 'ok' and health['url'] == emulator.url
    status, config = control(emulator.url, 'config', {'task_seconds': '0-0.1', 'latency_ms': 1})
    assert status == 200 and config['task_seconds'] == '0-0.1' and config['latency_ms'] == 1
    status, error = control(emulator.url, 'config', {'failure_rate': 2})
    assert status == 400 and error['error'] == "failure_rate 2: expected a probability between 0 and 1"
    status, error = control(emulator.url, 'nonsense', {})
    assert status == 404 and 'README' in error['error']
    status, seeded = control(emulator.url, 'seed', {'results': 25})
    assert status == 200 and len(seeded['task_nos']) == 3  # 10 domains: one task names each domain once
    stats = emulator.stats()
    assert stats['results_awaiting_acknowledgement'] == 25 and stats['submissions_per_domain'] == {}
    assert {record['source'] for record in stats['task_details'].values()} == {'seed'}
    assert 'task_details' not in emulator.stats(details=False)
    assert control(emulator.url, 'seed', {'results': 0})[0] == 400
    status, _answer = control(emulator.url, 'reset', {})
    stats = emulator.stats()
    assert status == 200 and stats['details'] == 0 and stats['config']['task_seconds'] == 0.2 and stats['requests_total'] == 0


def test_reset_with_a_seed_repeats_or_varies_the_schedules(emulator):
    def durations(seed):
        assert control(emulator.url, 'reset', {'seed': seed})[0] == 200
        assert control(emulator.url, 'config', {'task_seconds': [10, 100]})[0] == 200
        task_no = submit(emulator.client(), ['example-%05d.com' % number for number in range(1, 11)])
        records = emulator.emulator.stats_json(task_no=task_no)['task_details'].values()
        return sorted(round(record['final_at'] - record['submitted_at'], 6) for record in records)

    first = durations(1)
    assert durations(1) == first
    assert durations(2) != first
    assert len(set(first)) == 10
    status, error = control(emulator.url, 'reset', {'seed': -1})
    assert status == 400 and error['error'] == 'reset: seed -1: expected a whole number >= 0'
    status, error = control(emulator.url, 'reset', {'seeds': 1})
    assert status == 400 and 'reset: expected nothing or {"seed": N}' in error['error']


def test_concurrent_acknowledgements_confirm_each_detail_once(start_emulator):
    running = start_emulator('--task-seconds', '0', '--domains', '40')
    control(running.url, 'seed', {'results': 40})
    numbers = list(running.stats()['task_details'])
    results = []

    def acknowledge():
        client = running.client()
        results.append(client.call('AcknowledgeTaskResult', {'TaskDetailNo': numbers}).body['Result'])

    threads = [threading.Thread(target=acknowledge) for _attempt in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 40 and len(results) == 4
    assert running.stats()['details_acknowledged'] == 40


def test_stats_details_of_one_task(start_emulator):
    running = start_emulator('--task-seconds', '0')
    client = running.client()
    first = submit(client, ['example-00001.com', 'example-00002.com'])
    submit(client, ['example-00003.com'])
    details = running.emulator.stats_json(task_no=first)['task_details']
    assert sorted(record['domain'] for record in details.values()) == ['example-00001.com', 'example-00002.com']
    status, answer = control(running.url, 'stats?task_no=' + first)
    assert status == 200 and set(answer['task_details']) == set(details)


def test_readers_never_see_half_a_change(start_emulator):
    running = start_emulator('--domains', '50')
    totals, stop = set(), threading.Event()

    def poll():
        client = running.client()
        while not stop.is_set():
            totals.add(client.call('PollTaskResult', {'PageNum': 1, 'PageSize': 1}).body['TotalItemNum'])

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        for round_number in range(1, 4):
            assert control(running.url, 'seed', {'results': 2000, 'per_task': 50})[0] == 200
            totals.add(running.client().call('PollTaskResult', {'PageNum': 1, 'PageSize': 1}).body['TotalItemNum'])
            assert 2000 * round_number in totals
    finally:
        stop.set()
        reader.join(10)
    # each seeding of 40 tasks is one transaction: no reader saw a count between two whole seedings
    assert totals <= {0, 2000, 4000, 6000}


def wait_for_stats(running, predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while not predicate(running.stats(details=False)):
        assert time.monotonic() < deadline, running.stats(details=False)['ack_rendezvous']
        time.sleep(0.01)


def test_ack_rendezvous_holds_acknowledgements_until_a_second_client_arrives(start_emulator):
    running = start_emulator('--task-seconds', '0')
    control(running.url, 'seed', {'results': 6})
    numbers = sorted(running.stats()['task_details'])
    status, _config = control(running.url, 'config', {'ack_rendezvous': 2})
    assert status == 200
    results = {}

    def acknowledge(name, batch, client_ip):
        body = running.client().call('AcknowledgeTaskResult', {'TaskDetailNo': batch, 'UserClientIp': client_ip}).body
        results[name] = body['Result']

    # two calls of one client at once do not meet the rendezvous on their own
    first = [threading.Thread(target=acknowledge, args=('first-%d' % index, numbers[2 * index:2 * index + 2], '192.0.2.1'))
             for index in range(2)]
    for thread in first:
        thread.start()
    wait_for_stats(running, lambda stats: stats['ack_rendezvous']['waiting'] == 2)
    # held: nothing confirmed and the calls unanswered until a second client arrives
    assert all(thread.is_alive() for thread in first) and running.stats()['details_acknowledged'] == 0
    acknowledge('second', numbers[4:], '192.0.2.2')
    for thread in first:
        thread.join(10)
    assert results == {'first-0': 2, 'first-1': 2, 'second': 2}
    expected = {'parties': 0, 'waiting': 0, 'released': 3, 'clients': 2, 'timed_out': False}
    assert running.stats(details=False)['ack_rendezvous'] == expected
    # the gate stays open afterwards
    assert running.client().call('AcknowledgeTaskResult', {'TaskDetailNo': numbers}).body['Result'] == 0


def test_ack_rendezvous_lets_a_lone_client_go_after_its_seconds(start_emulator):
    running = start_emulator('--task-seconds', '0')
    control(running.url, 'seed', {'results': 2})
    numbers = sorted(running.stats()['task_details'])
    assert control(running.url, 'config', {'ack_rendezvous': 2, 'ack_rendezvous_seconds': 0.2})[0] == 200
    assert running.client().call('AcknowledgeTaskResult', {'TaskDetailNo': numbers}).body['Result'] == 2
    expected = {'parties': 0, 'waiting': 0, 'released': 1, 'clients': 1, 'timed_out': True}
    assert running.stats(details=False)['ack_rendezvous'] == expected
    status, error = control(running.url, 'config', {'ack_rendezvous': -1})
    assert status == 400 and error['error'] == 'ack_rendezvous -1: expected a whole number >= 0'
