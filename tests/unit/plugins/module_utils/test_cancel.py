# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cancelling what a task has not started (_cancel): CancelTask through the real client against a local HTTP fake."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils._cancel import CancelRequest, run_cancel
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainApiError, DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._nameservers import SubmissionLog
from ansible_collections.aliyun.domain.plugins.module_utils._options import OptionAdapter
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.local_http import (
    LocalHttpServer,
    Recorder,
    json_response,
    make_client,
)

NAMES = {0: 'WAITING_EXECUTE', 1: 'EXECUTING', 2: 'EXECUTE_SUCCESS', 3: 'EXECUTE_FAILURE'}
CANCEL_NAMES = {0: 'INIT', 1: 'CANCELLING', 2: 'COMPLETE'}


class FakeTasks(object):
    """Tasks as the service keeps them: CancelTask turns CANCELLING, the ``complete_after``-th QueryTaskList after
    it shows COMPLETE and the waiting details failed. ``cancel_answer`` replaces CancelTask's answer (it is still
    carried out unless ``cancel_carried_out`` is False)."""

    def __init__(self, tasks, complete_after=2):
        self.tasks = dict((task_no, {'details': dict(details), 'cancel': 0, 'lists': 0}) for task_no, details in tasks.items())
        self.complete_after = complete_after
        self.cancel_answer = None
        self.cancel_carried_out = True
        self.actions = []

    def __call__(self, request):
        action = request.action
        self.actions.append(action)
        query = request.query
        if action == 'QueryTaskDetailList':
            task = self.tasks.get(query['TaskNo'], {'details': {}})
            items = [{'TaskNo': query['TaskNo'], 'TaskDetailNo': '%s-%s' % (query['TaskNo'], domain), 'DomainName': domain,
                      'TaskStatusCode': code, 'TaskStatus': NAMES[code], 'CreateTime': '2026-12-03 10:00:00'}
                     for domain, code in sorted(task['details'].items())]
            return json_response({'RequestId': 'r', 'TotalItemNum': len(items), 'CurrentPageNum': 1,
                                  'TotalPageNum': 1, 'PageSize': 1000, 'Data': {'TaskDetail': items}})
        if action == 'QueryTaskList':
            items = []
            for task_no, task in sorted(self.tasks.items()):
                if task['cancel'] == 1:
                    task['lists'] += 1
                    if task['lists'] >= self.complete_after:
                        task['cancel'] = 2
                        for domain, code in task['details'].items():
                            if code == 0:
                                task['details'][domain] = 3
                items.append({'TaskNo': task_no, 'TaskType': 'CHG_DNS', 'TaskCancelStatusCode': task['cancel'],
                              'TaskCancelStatus': CANCEL_NAMES[task['cancel']]})
            return json_response({'RequestId': 'r', 'TotalItemNum': len(items), 'CurrentPageNum': 1,
                                  'TotalPageNum': 1, 'PageSize': 100, 'Data': {'TaskInfo': items}})
        if action == 'CancelTask':
            task = self.tasks.get(query['TaskNo'])
            if task is None:
                return json_response({'Code': 'TaskNotExist', 'Message': 'no such task', 'RequestId': 'e1'}, status=400)
            if all(code in (2, 3) for code in task['details'].values()):
                return json_response({'Code': 'TaskAlreadyComplete', 'Message': 'complete', 'RequestId': 'e2'}, status=400)
            if self.cancel_carried_out and task['cancel'] == 0:
                task['cancel'] = 1
            return self.cancel_answer or json_response({'RequestId': 'ok'})
        return json_response({'Code': 'Unexpected', 'Message': action, 'RequestId': 'x'}, status=400)


@pytest.fixture
def serve():
    servers = []

    def start(fake):
        server = LocalHttpServer(fake)
        servers.append(server)
        return make_client(server.url, Recorder())

    yield start
    for server in servers:
        server.close()


def request(**options):
    options.setdefault('poll_interval', 0.01)
    options.setdefault('max_poll_interval', 0.01)
    return CancelRequest(OptionAdapter.from_dict(options))


def mixed_task():
    return {'T-1': {'a.example': 0, 'b.example': 0, 'c.example': 1, 'd.example': 2}}


def test_waiting_details_are_cancelled_and_the_others_reported_as_already_run(serve):
    fake = FakeTasks(mixed_task())
    result = run_cancel(serve(fake), request(task_no=['T-1'], wait=True))
    assert result['changed'] is True
    assert result['domains_cancelled'] == ['a.example', 'b.example']
    assert result['domains_already_run'] == {'c.example': 'EXECUTING', 'd.example': 'EXECUTE_SUCCESS'}
    assert result['tasks'] == {'T-1': 'COMPLETE'} and result['task_nos'] == ['T-1']
    assert fake.actions.count('CancelTask') == 1
    assert fake.tasks['T-1']['details']['a.example'] == 3


def test_without_wait_the_cancellation_is_reported_under_way(serve):
    fake = FakeTasks(mixed_task(), complete_after=99)
    result = run_cancel(serve(fake), request(task_no='T-1'))
    assert result['changed'] is True and result['tasks'] == {'T-1': 'CANCELLING'}
    assert result['domains_cancelled'] == ['a.example', 'b.example']


def test_check_mode_sends_no_cancel_task_and_predicts_the_change(serve):
    fake = FakeTasks(mixed_task())
    result = run_cancel(serve(fake), request(task_no=['T-1'], wait=True), check_mode=True)
    assert 'CancelTask' not in fake.actions
    assert result['changed'] is True and result['tasks'] == {'T-1': 'INIT'}
    assert result['domains_cancelled'] == ['a.example', 'b.example']
    assert fake.tasks['T-1']['details']['a.example'] == 0


def test_a_task_with_nothing_waiting_is_not_sent_and_nothing_changes(serve):
    fake = FakeTasks({'T-1': {'a.example': 2, 'b.example': 1}})
    result = run_cancel(serve(fake), request(task_no=['T-1'], wait=True))
    assert 'CancelTask' not in fake.actions and result['changed'] is False
    assert result['domains_cancelled'] == []
    assert result['domains_already_run'] == {'a.example': 'EXECUTE_SUCCESS', 'b.example': 'EXECUTING'}


def test_a_second_run_sends_nothing_again(serve):
    fake = FakeTasks(mixed_task(), complete_after=99)
    client = serve(fake)
    run_cancel(client, request(task_no=['T-1']))
    again = run_cancel(client, request(task_no=['T-1']))
    assert fake.actions.count('CancelTask') == 1 and again['changed'] is False
    assert again['domains_cancelled'] == ['a.example', 'b.example']


def test_task_already_complete_is_not_an_error(serve):
    fake = FakeTasks({'T-1': {'a.example': 0}})
    original = fake.__call__

    def finished_meanwhile(req):
        if req.action == 'CancelTask':
            fake.tasks['T-1']['details']['a.example'] = 2
        return original(req)

    server = LocalHttpServer(finished_meanwhile)
    try:
        result = run_cancel(make_client(server.url, Recorder()), request(task_no=['T-1'], wait=True))
    finally:
        server.close()
    assert result['changed'] is False and result['domains_cancelled'] == []
    assert result['domains_already_run'] == {'a.example': 'EXECUTE_SUCCESS'}


def test_an_unknown_task_fails_with_the_api_error(serve):
    fake = FakeTasks(mixed_task())
    with pytest.raises(DomainApiError) as caught:
        run_cancel(serve(fake), request(task_no=['T-404']))
    assert 'TaskNotExist' in str(caught.value) and 'e1' in str(caught.value)


def test_an_ambiguous_answer_is_settled_by_the_cancel_status_and_not_sent_again(serve):
    fake = FakeTasks(mixed_task())
    fake.cancel_answer = json_response({'Code': 'InternalError', 'Message': 'oops', 'RequestId': 'e5'}, status=500)
    result = run_cancel(serve(fake), request(task_no=['T-1'], wait=True))
    assert fake.actions.count('CancelTask') == 1
    assert result['changed'] is True and result['tasks'] == {'T-1': 'COMPLETE'}
    assert result['domains_cancelled'] == ['a.example', 'b.example']


def test_an_ambiguous_answer_to_a_cancel_not_carried_out_fails_without_resending(serve):
    fake = FakeTasks(mixed_task())
    fake.cancel_answer = json_response({'Code': 'InternalError', 'Message': 'oops', 'RequestId': 'e5'}, status=500)
    fake.cancel_carried_out = False
    with pytest.raises(DomainApiError) as caught:
        run_cancel(serve(fake), request(task_no=['T-1'], wait=True))
    assert fake.actions.count('CancelTask') == 1
    assert 'InternalError' in str(caught.value) and 'e5' in str(caught.value)


def test_state_file_cancels_the_tasks_of_the_open_migration_only(serve, tmp_path):
    path = tmp_path / 'state.jsonl'
    log = SubmissionLog(str(path))
    for intent_id, task_no in (('i-0', 'T-0'),):
        log.append({'event': 'intent', 'id': intent_id, 'domains': ['z.example']})
        log.append({'event': 'submitted', 'id': intent_id, 'task_no': task_no})
    log.complete()
    log.append({'event': 'intent', 'id': 'i-1', 'domains': ['a.example']})
    log.append({'event': 'submitted', 'id': 'i-1', 'task_no': 'T-1'})
    fake = FakeTasks(dict(mixed_task(), **{'T-0': {'z.example': 0}}))
    result = run_cancel(serve(fake), request(state_file=str(path), wait=True))
    assert result['task_nos'] == ['T-1'] and fake.tasks['T-0']['details']['z.example'] == 0
    assert result['domains_cancelled'] == ['a.example', 'b.example']


@pytest.mark.parametrize('options, message', [
    ({}, 'Exactly one of task_no and state_file is required'),
    ({'task_no': ['T-1'], 'state_file': 's'}, 'Exactly one of task_no and state_file is required'),
    ({'task_no': []}, "Invalid value [] for option task_no: expected a non-empty list of task numbers."),
    ({'task_no': [7]}, "Invalid value 7 for option task_no: expected a task number (a non-empty string)."),
    ({'task_no': ['  ']}, "Invalid value '  ' for option task_no: expected a task number (a non-empty string)."),
    ({'state_file': '/nonexistent/state.jsonl'},
     "Invalid value '/nonexistent/state.jsonl' for option state_file: expected the path of an existing state file."),
    ({'task_no': ['T-1'], 'wait': 'yes'}, "Invalid value 'yes' for option wait: expected a boolean."),
    ({'task_no': ['T-1'], 'wait_timeout': 0}, 'Invalid value 0 for option wait_timeout'),
    ({'task_no': ['T-1'], 'poll_interval': 5, 'max_poll_interval': 1}, 'Invalid value 1 for option max_poll_interval'),
], ids=['neither', 'both', 'empty', 'not-a-string', 'blank', 'missing-state-file', 'wait', 'timeout', 'intervals'])
def test_bad_input_is_refused_naming_the_option(options, message):
    options.setdefault('poll_interval', None)
    options.setdefault('max_poll_interval', None)
    with pytest.raises(DomainConfigError) as caught:
        CancelRequest(OptionAdapter.from_dict(options))
    assert message in str(caught.value)


def test_state_file_tells_the_open_runs_kind_and_none_once_it_is_closed(serve, tmp_path):
    path = tmp_path / 'state.jsonl'
    log = SubmissionLog(str(path))
    log.append({'event': 'intent', 'id': 'i-1', 'kind': 'rollback', 'domains': ['a.example']})
    log.append({'event': 'submitted', 'id': 'i-1', 'task_no': 'T-1'})
    assert request(state_file=str(path)).open_run_kind == 'rollback'
    log.complete(kind='rollback')
    closed = request(state_file=str(path))
    assert closed.open_run_kind is None and closed.task_nos == []
    fake = FakeTasks(mixed_task())
    result = run_cancel(serve(fake), closed)
    assert result['open_run_kind'] is None and result['task_nos'] == [] and fake.actions == []
    # intents written before runs had a kind are a migration's
    log.append({'event': 'intent', 'id': 'i-2', 'domains': ['a.example']})
    assert request(state_file=str(path)).open_run_kind == 'migration'


def test_a_submission_whose_answer_was_lost_is_found_in_the_task_list_and_cancelled(serve, tmp_path):
    path = tmp_path / 'state.jsonl'
    log = SubmissionLog(str(path))
    # the answer to this submission was lost: T-1 (its four domains exactly) is the task it created
    log.append({'event': 'intent', 'id': 'i-1', 'kind': 'migration', 'time_ms': 1, 'known_task_nos': [],
                'domains': ['a.example', 'b.example', 'c.example', 'd.example']})
    # this one created nothing: no task has exactly its domains
    log.append({'event': 'intent', 'id': 'i-2', 'kind': 'migration', 'time_ms': 1, 'known_task_nos': [],
                'domains': ['e.example']})
    fake = FakeTasks(mixed_task())
    result = run_cancel(serve(fake), request(state_file=str(path), wait=True))
    assert result['task_nos'] == ['T-1'] and fake.actions.count('CancelTask') == 1
    assert result['domains_cancelled'] == ['a.example', 'b.example']
    assert result['domains_already_run'] == {'c.example': 'EXECUTING', 'd.example': 'EXECUTE_SUCCESS'}
    # no outcome is written for the intents; the cancellation is recorded before CancelTask is sent
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [record['event'] for record in records] == ['intent', 'intent', 'cancel']
    assert records[-1]['task_no'] == 'T-1' and records[-1]['domains'] == ['a.example', 'b.example']


def test_a_run_after_the_cancellation_still_counts_the_recorded_domains_as_cancelled(serve, tmp_path):
    path = tmp_path / 'state.jsonl'
    log = SubmissionLog(str(path))
    log.append({'event': 'intent', 'id': 'i-1', 'kind': 'migration', 'domains': ['a.example', 'b.example',
                                                                                 'c.example', 'd.example']})
    log.append({'event': 'submitted', 'id': 'i-1', 'task_no': 'T-1'})
    fake = FakeTasks(mixed_task())
    first = run_cancel(serve(fake), request(state_file=str(path)))   # no wait: CANCELLING
    assert first['tasks'] == {'T-1': 'CANCELLING'} and first['domains_cancelled'] == ['a.example', 'b.example']
    # the abort is run again once the cancellation is complete: nothing waits any more, nothing is sent again
    fake.tasks['T-1'].update(cancel=2)
    fake.tasks['T-1']['details'].update({'a.example': 3, 'b.example': 3, 'c.example': 3})
    again = run_cancel(serve(fake), request(state_file=str(path), wait=True))
    assert fake.actions.count('CancelTask') == 1 and again['changed'] is False
    assert again['domains_cancelled'] == ['a.example', 'b.example']
    # c.example was executing when the cancel came: its failure is its own
    assert again['domains_already_run'] == {'c.example': 'EXECUTE_FAILURE', 'd.example': 'EXECUTE_SUCCESS'}
    # a migration closed afterwards starts afresh: its records no longer count
    log.complete()
    assert request(state_file=str(path)).recorded_cancels == {}


def test_state_file_gives_each_domain_the_target_its_submission_set(serve, tmp_path):
    path = tmp_path / 'state.jsonl'
    log = SubmissionLog(str(path))
    log.append({'event': 'intent', 'id': 'i-1', 'domains': ['a.example', 'b.example'],
                'target': {'aliyun_dns': False, 'nameservers': ['ns1.new.test', 'ns2.new.test']}})
    log.append({'event': 'submitted', 'id': 'i-1', 'task_no': 'T-1'})
    log.append({'event': 'intent', 'id': 'i-2', 'domains': ['c.example'], 'target': {'aliyun_dns': True, 'nameservers': []}})
    log.append({'event': 'submitted', 'id': 'i-2', 'task_no': 'T-2'})
    # never sent: not a target of this run
    log.append({'event': 'intent', 'id': 'i-3', 'domains': ['d.example'], 'target': {'aliyun_dns': True, 'nameservers': []}})
    log.append({'event': 'not_sent', 'id': 'i-3'})
    result = run_cancel(serve(FakeTasks({'T-1': {'a.example': 2, 'b.example': 2}, 'T-2': {'c.example': 2}})),
                        request(state_file=str(path)))
    assert result['targets'] == {'a.example': ['ns1.new.test', 'ns2.new.test'], 'b.example': ['ns1.new.test', 'ns2.new.test'],
                                 'c.example': 'aliyun_dns'}
    assert run_cancel(serve(FakeTasks({'T-1': {}})), request(task_no=['T-1']))['targets'] == {}
