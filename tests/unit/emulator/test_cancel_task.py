# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CancelTask: waiting details are cancelled, executing ones finish; TaskCancelStatus INIT -> CANCELLING -> COMPLETE."""

import json

import pytest
from alibabacloud_domain20180129 import client as domain_client
from alibabacloud_domain20180129 import models
from alibabacloud_tea_openapi import models as open_api_models

from emulator import api
from emulator.client import SignedClient
from emulator.options import Behaviour
from emulator.process import EmulatorProcess
from emulator.store import (ALREADY_CANCELLED, CANCELLED, DEFAULT_NAMESERVERS, TASK_ALREADY_COMPLETE, UNKNOWN_TASK, Store,
                            cancel_state, detail_state, task_state)

T0 = 1700000000.0
DOMAINS = ['example-%05d.com' % i for i in range(1, 5)]
NS = ['ns1.cancel.example', 'ns2.cancel.example']
SLOW = 'example-00004.com'
PAGE = {'PageNum': 1, 'PageSize': 100}


@pytest.fixture
def store(tmp_path):
    state = Store(str(tmp_path / 'state.sqlite3'), seed=3, final_view=api.final_view)
    state.seed_domains(DOMAINS)
    yield state
    state.close()


def by_domain(store, task_no, now):
    return dict((row['domain'], detail_state(row, now)) for row in store.task_details(task_no))


def test_waiting_details_are_cancelled_and_executing_ones_finish_as_scheduled(store):
    # one try takes 4 s (WAITING for the first second), the slow domain's 100 s (WAITING for 25 s)
    behaviour = Behaviour().updated({'task_seconds': 4, 'slow_domains': SLOW + '=100'})
    task_no = store.submit(DOMAINS, NS, behaviour, 'ip', T0)
    task = store.task(task_no)
    assert cancel_state(task, T0 + 1.5) == 0
    assert store.cancel(task_no, T0 + 1.5, cancel_seconds=2) == CANCELLED
    task = store.task(task_no)
    assert cancel_state(task, T0 + 1.5) == 1 and cancel_state(task, T0 + 3.49) == 1 and cancel_state(task, T0 + 3.5) == 2
    # the slow detail stays as it was until the cancellation completes, then fails with TryCount 0
    assert by_domain(store, task_no, T0 + 3.4)[SLOW] == (0, 0, T0)
    assert by_domain(store, task_no, T0 + 30)[SLOW] == (3, 0, T0 + 3.5)
    # the others were EXECUTING: they succeed at T0 + 4 as planned
    states = by_domain(store, task_no, T0 + 4)
    assert [states[domain][0] for domain in DOMAINS[:3]] == [2, 2, 2]
    # the task is complete once everything is final (no longer the slow detail's 100 s)
    assert task_state(store.task(task_no), T0 + 3.9) == 2 and task_state(store.task(task_no), T0 + 4) == 3
    # its stored PollTaskResult item is the cancelled one, in both languages
    total, rows = store.poll(T0 + 10, 1, 100, task_no=task_no)
    items = dict((row['domain'], json.loads(row['item'])) for row in rows)
    assert total == 4 and items[SLOW]['TaskStatus'] == 'EXECUTE_FAILURE' and items[SLOW]['TryCount'] == 0
    assert 'cancelled' in items[SLOW]['ErrorMsg'] and items[SLOW]['UpdateTime'] == api.service_time(T0 + 3.5)
    assert items[DOMAINS[0]]['TaskStatus'] == 'EXECUTE_SUCCESS'
    _total, rows = store.poll(T0 + 10, 1, 100, task_no=task_no, domain=SLOW, lang='zh')
    assert json.loads(rows[0]['item'])['ErrorMsg'] == '任务已取消，该域名的修改未执行。'
    # the cancelled domain keeps its nameservers, the others changed
    assert json.loads(store.domain(SLOW, T0 + 200)['dns']) == DEFAULT_NAMESERVERS
    assert json.loads(store.domain(DOMAINS[0], T0 + 200)['dns']) == NS
    assert store.delegation(SLOW, T0 + 200) != NS


def test_a_second_cancel_changes_nothing_and_unknown_or_complete_tasks_are_told_apart(store):
    behaviour = Behaviour().updated({'task_seconds': 4})
    task_no = store.submit(DOMAINS[:1], NS, behaviour, 'ip', T0)
    assert store.cancel(task_no, T0 + 0.5, cancel_seconds=1) == CANCELLED
    before = [tuple(row) for row in store.task_details(task_no)]
    assert store.cancel(task_no, T0 + 0.7, cancel_seconds=10) == ALREADY_CANCELLED
    assert [tuple(row) for row in store.task_details(task_no)] == before
    assert cancel_state(store.task(task_no), T0 + 1.5) == 2
    assert store.cancel('no-such-task', T0, cancel_seconds=1) == UNKNOWN_TASK
    done = store.submit(DOMAINS[1:2], NS, behaviour, 'ip', T0)
    assert store.cancel(done, T0 + 4, cancel_seconds=1) == TASK_ALREADY_COMPLETE
    assert cancel_state(store.task(done), T0 + 5) == 0


def submit(client, domains):
    params = {'AliyunDns': 'false', 'DomainNameServer.1': NS[0], 'DomainNameServer.2': NS[1]}
    params.update(('DomainName.%d' % index, domain) for index, domain in enumerate(domains, 1))
    return client.call('SaveBatchTaskForModifyingDomainDns', params).body['TaskNo']


def details(client, task_no):
    body = client.call('QueryTaskDetailList', dict(PAGE, TaskNo=task_no)).body
    return dict((item['DomainName'], item) for item in body['Data']['TaskDetail'])


def wait_until_final(client, task_no, domains):
    for _round in range(2000):
        items = details(client, task_no)
        if all(items[domain]['TaskStatusCode'] in (2, 3) for domain in domains):
            return items
    raise AssertionError('details of %s never became final' % task_no)


def task_info(client, task_no):
    body = client.call('QueryTaskList', PAGE).body
    return dict((item['TaskNo'], item) for item in body['Data']['TaskInfo'])[task_no]


def sdk_client(emulator):
    host, port = emulator.url.split('://', 1)[1].rsplit(':', 1)
    return domain_client.Client(open_api_models.Config(access_key_id='testid', access_key_secret='testsecret',
                                                       endpoint='%s:%s' % (host, port), protocol='http'))


def test_the_official_sdk_cancels_a_task_and_reads_its_cancel_status(start_emulator):
    emulator = start_emulator('--slow-domains', SLOW + '=600', '--cancel-seconds', '0')
    client = emulator.client()
    task_no = submit(client, DOMAINS)
    wait_until_final(client, task_no, DOMAINS[:3])
    sdk = sdk_client(emulator)
    answer = sdk.cancel_task(models.CancelTaskRequest(task_no=task_no, user_client_ip='192.0.2.7', lang='en'))
    assert answer.body.request_id
    listed = sdk.query_task_list(models.QueryTaskListRequest(page_num=1, page_size=10)).body.data.task_info
    (task,) = [item for item in listed if item.task_no == task_no]
    assert (task.task_cancel_status, task.task_cancel_status_code) == ('COMPLETE', 2)
    assert (task.task_status, task.task_status_code) == ('COMPLETE', 3)
    items = details(client, task_no)
    assert [items[domain]['TaskStatus'] for domain in DOMAINS] == ['EXECUTE_SUCCESS'] * 3 + ['EXECUTE_FAILURE']
    assert items[SLOW]['FailReason'] == items[SLOW]['ErrorMsg'] == api.DETAIL_MESSAGES['cancelled'][0]
    polled = client.call('PollTaskResult', dict(PAGE, TaskNo=task_no, TaskResultStatus=3)).body['Data']['TaskDetail']
    assert [item['DomainName'] for item in polled] == [SLOW]
    record = [value for value in emulator.stats()['task_details'].values() if value['domain'] == SLOW][0]
    assert record['cancelled'] and record['status'] == 'EXECUTE_FAILURE'
    dns = client.call('QueryDomainByDomainName', {'DomainName': SLOW}).body['DnsList']['Dns']
    assert dns == DEFAULT_NAMESERVERS
    assert emulator.stats(details=False)['requests_per_action']['CancelTask'] == 1


def test_cancelling_lasts_the_configured_time_and_the_waiting_detail_stays_waiting(start_emulator):
    emulator = start_emulator('--slow-domains', SLOW + '=600', '--cancel-seconds', '600')
    client = emulator.client()
    task_no = submit(client, [DOMAINS[0], SLOW])
    wait_until_final(client, task_no, DOMAINS[:1])
    assert task_info(client, task_no)['TaskCancelStatus'] == 'INIT'
    assert client.call('CancelTask', {'TaskNo': task_no}).status == 200
    info = task_info(client, task_no)
    assert (info['TaskCancelStatus'], info['TaskCancelStatusCode'], info['TaskStatusCode']) == ('CANCELLING', 1, 2)
    assert details(client, task_no)[SLOW]['TaskStatus'] == 'WAITING_EXECUTE'
    assert client.call('PollTaskResult', dict(PAGE, TaskNo=task_no, DomainName=SLOW)).body['TotalItemNum'] == 0
    # asking again is no error and changes nothing
    assert client.call('CancelTask', {'TaskNo': task_no}).status == 200
    assert task_info(client, task_no)['TaskCancelStatus'] == 'CANCELLING'
    assert emulator.emulator.behaviour.to_json()['cancel_seconds'] == 600


def test_unknown_complete_and_missing_task_numbers_are_refused(start_emulator):
    emulator = start_emulator('--task-seconds', '0')
    client = emulator.client()
    done = submit(client, DOMAINS[:1])
    unknown = client.call('CancelTask', {'TaskNo': 'f0000000-0000-4000-8000-000000000000'})
    assert (unknown.status, unknown.code) == (400, 'TaskNotExist')
    assert 'f0000000-0000-4000-8000-000000000000' in unknown.body['Message'] and unknown.body['RequestId']
    complete = client.call('CancelTask', {'TaskNo': done, 'Lang': 'zh'})
    assert (complete.status, complete.code) == (400, 'TaskAlreadyComplete')
    assert '已完成' in complete.body['Message']
    assert task_info(client, done)['TaskCancelStatusCode'] == 0
    assert client.call('CancelTask', {}).code == 'MissingTaskNo'
    xml = client.call('CancelTask', {'TaskNo': done, 'Format': 'XML'})
    assert b'<Code>TaskAlreadyComplete</Code>' in xml.raw


def test_a_cancel_survives_a_restart_with_state(tmp_path):
    with EmulatorProcess('--domains', '5', '--task-seconds', '0.2', '--slow-domains', SLOW + '=600',
                         '--cancel-seconds', '0', state=tmp_path / 'state.db') as emulator:
        client = SignedClient(emulator.url)
        try:
            task_no = submit(client, DOMAINS)
            wait_until_final(client, task_no, DOMAINS[:3])
            assert client.call('CancelTask', {'TaskNo': task_no}).status == 200
        finally:
            client.close()
        emulator.restart()
        client = SignedClient(emulator.url)
        try:
            assert task_info(client, task_no)['TaskCancelStatus'] == 'COMPLETE'
            assert details(client, task_no)[SLOW]['TaskStatus'] == 'EXECUTE_FAILURE'
            polled = client.call('PollTaskResult', dict(PAGE, TaskNo=task_no, DomainName=SLOW)).body['Data']['TaskDetail']
            assert 'cancelled' in polled[0]['ErrorMsg']
            assert client.call('CancelTask', {'TaskNo': task_no}).status == 200
        finally:
            client.close()
