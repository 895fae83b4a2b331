# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NameserverChange against a small fake registrar behind a real HTTP server (mocked only at HTTP)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils._client import DomainClient
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._nameservers import (
    MAX_RESUBMISSIONS,
    NameserverChange,
    NameserverRequest,
    SubmissionError,
    Target,
    run_nameserver_change,
)
from ansible_collections.aliyun.domain.plugins.module_utils._options import OptionAdapter
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.local_http import LocalHttpServer, json_response

TARGET = Target(['ns1.example.org', 'ns2.example.org'])
OLD = ['dns1.hichina.com', 'dns2.hichina.com']


class FakeRegistrar(object):
    """Just enough of the Domain API: domains, CHG_DNS tasks that stay pending, and fault injection."""

    def __init__(self, count=10):
        self.domains = dict(('d%02d.com' % number, list(OLD)) for number in range(count))
        self.tasks = []
        self.calls = []
        self.drop_answer_of_submission = False
        # how many of the next submissions are lost before the service acts on them (the connection drops)
        self.lost_submissions = 0
        self.task_list_unavailable = False
        self.reject_submission = None
        # with reject_submission: how many submissions are accepted before the refusals start
        self.accepted_before_rejecting = 0
        # older answers spell the task number taskNo
        self.task_no_key = 'TaskNo'
        # name -> fields of the by-name answer (locks and statuses), or 'denied' (HTTP 403 Forbidden.RAM)
        self.states = {}
        # names whose answers (by name and in the list) carry no DnsList
        self.without_dns = set()
        # the target of each submission: 'aliyun_dns' or the DomainNameServer list
        self.targets_sent = []

    def add_task(self, domains, pending=True):
        task_no = 'T%d' % (len(self.tasks) + 1)
        code = 0 if pending else 2
        details = [{'TaskNo': task_no, 'TaskDetailNo': '%s-%s' % (task_no, name), 'DomainName': name, 'TaskType': 'CHG_DNS',
                    'TaskStatusCode': code, 'TaskStatus': 'WAITING_EXECUTE' if pending else 'EXECUTE_SUCCESS'}
                   for name in domains]
        self.tasks.append({'TaskNo': task_no, 'TaskType': 'CHG_DNS', 'TaskNum': len(domains),
                           'TaskStatusCode': 1 if pending else 3, 'details': details})
        return task_no

    def page(self, request, items, key):
        page_num = int(request.query['PageNum'])
        size = int(request.query['PageSize'])
        chunk = items[(page_num - 1) * size:page_num * size]
        total_pages = max(1, -(-len(items) // size))
        return json_response({'RequestId': 'r', 'TotalItemNum': len(items), 'CurrentPageNum': page_num,
                              'TotalPageNum': total_pages, 'PageSize': size, 'Data': {key: chunk}})

    def __call__(self, request):
        action = request.action
        self.calls.append(action)
        query = request.query
        if action == 'QueryDomainByDomainName':
            name = query['DomainName']
            if name not in self.domains:
                return json_response({'RequestId': 'r', 'Code': 'DomainNotExist', 'Message': 'no such domain'}, status=400)
            state = self.states.get(name) or {}
            if state == 'denied':
                return json_response({'RequestId': 'r', 'Code': 'Forbidden.RAM', 'Message': 'not authorized'}, status=403)
            body = {'RequestId': 'r', 'DomainName': name, 'DnsList': {'Dns': self.domains[name]}}
            if name in self.without_dns:
                del body['DnsList']
            body.update(state)
            return json_response(body)
        if action == 'QueryDomainList':
            items = [dict([('DomainName', name)] + ([] if name in self.without_dns else [('DnsList', {'DnsList': ns})]))
                     for name, ns in sorted(self.domains.items())]
            return self.page(request, items, 'Domain')
        if action == 'QueryTaskList':
            if self.task_list_unavailable:
                return json_response({'RequestId': 'r', 'Code': 'InternalError', 'Message': 'try later'}, status=500)
            items = [dict((k, v) for k, v in task.items() if k != 'details') for task in self.tasks]
            return self.page(request, items, 'TaskInfo')
        if action == 'QueryTaskDetailList':
            task = [task for task in self.tasks if task['TaskNo'] == query['TaskNo']][0]
            return self.page(request, task['details'], 'TaskDetail')
        if action == 'SaveBatchTaskForModifyingDomainDns':
            if self.reject_submission and len(self.tasks) >= self.accepted_before_rejecting:
                return json_response({'RequestId': 'rej', 'Code': self.reject_submission, 'Message': 'bad'}, status=400)
            domains = [value for name, value in sorted(query.items(), key=lambda kv: kv[0]) if name.startswith('DomainName.')]
            self.targets_sent.append('aliyun_dns' if query.get('AliyunDns') == 'true' else [
                query[name] for name in sorted((name for name in query if name.startswith('DomainNameServer.')),
                                               key=lambda name: int(name.split('.')[1]))])
            if self.lost_submissions:
                self.lost_submissions -= 1
                return None, None, None
            task_no = self.add_task(domains)
            if self.drop_answer_of_submission:
                return None, None, None
            return json_response({'RequestId': 'sub', self.task_no_key: task_no})
        return json_response({'RequestId': 'r', 'Code': 'InvalidAction.NotFound', 'Message': action}, status=404)


@pytest.fixture
def registrar():
    fake = FakeRegistrar()
    server = LocalHttpServer(fake)
    fake.url = server.url
    yield fake
    server.close()


def make_client(registrar):
    return DomainClient(OptionAdapter.from_dict({'access_key_id': 'id', 'access_key_secret': 'secret',
                                                 'endpoint': registrar.url, 'max_retries': 0}),
                        sleep=lambda seconds: None, environ={})


def make_change(registrar, domains, state_file=None, check_mode=False, batch_size=100, kind='migration'):
    return NameserverChange(make_client(registrar), domains, TARGET, batch_size=batch_size, state_file=state_file,
                            sleep=lambda seconds: None, check_mode=check_mode, kind=kind)


def state_records(path, event=None):
    records = [json.loads(line) for line in open(str(path))]
    return [record for record in records if event is None or record['event'] == event]


def submissions(registrar):
    return registrar.calls.count('SaveBatchTaskForModifyingDomainDns')


def test_few_domains_are_read_one_by_one_and_only_differing_ones_submitted(registrar):
    registrar.domains['d01.com'] = ['NS2.example.org.', 'ns1.example.org']
    change = make_change(registrar, ['d00.com', 'd01.com']).plan()
    assert registrar.calls.count('QueryDomainByDomainName') == 2 and 'QueryDomainList' not in registrar.calls
    assert change.unchanged == ['d01.com'] and change.to_submit == ['d00.com']
    assert change.diff() == {'before': {'d00.com': OLD}, 'after': {'d00.com': TARGET.nameservers}}
    change.submit()
    assert submissions(registrar) == 1
    assert registrar.tasks[0]['details'][0]['DomainName'] == 'd00.com'


def test_many_domains_are_read_from_the_domain_list_in_batches(registrar):
    domains = sorted(registrar.domains)[:7]
    change = make_change(registrar, domains, batch_size=3).plan()
    # the list gives the nameservers; each domain to change is then read by name for its locks and statuses
    assert registrar.calls.count('QueryDomainByDomainName') == 7 and registrar.calls.count('QueryDomainList') == 1
    change.submit()
    assert submissions(registrar) == 3
    assert [task['TaskNum'] for task in registrar.tasks] == [3, 3, 1]
    assert change.result()['task_nos'] == ['T1', 'T2', 'T3']
    assert change.result()['domains_changed'] == domains


def test_domain_list_paging_switches_to_single_reads_when_cheaper(registrar):
    # 1,000 domains in the account: 10 pages of 100. Eight wanted domains spread over the list:
    # after the first page, 9 pages are left for 6 domains, so single reads win.
    registrar.domains = dict(('d%04d.com' % number, ['dns1.hichina.com']) for number in range(1000))
    wanted = ['d0000.com', 'd0001.com'] + ['d%04d.com' % number for number in (150, 300, 450, 600, 750, 999)]
    change = make_change(registrar, wanted).plan()
    assert registrar.calls.count('QueryDomainList') == 1
    # six single reads for the nameservers, then the pre-flight of all eight
    assert registrar.calls.count('QueryDomainByDomainName') == 6 + 8
    assert sorted(change.to_submit) == sorted(wanted)


def test_domain_list_paging_continues_while_pages_are_fewer_than_missing_domains(registrar):
    registrar.domains = dict(('d%04d.com' % number, ['dns1.hichina.com']) for number in range(300))
    wanted = ['d%04d.com' % number for number in range(0, 300, 20)]
    make_change(registrar, wanted).plan()
    assert registrar.calls.count('QueryDomainList') == 3
    # no single reads for the nameservers: only the pre-flight of each wanted domain
    assert registrar.calls.count('QueryDomainByDomainName') == len(wanted)


def test_check_mode_plans_without_writing_the_state_file(registrar, tmp_path):
    state = tmp_path / 'state.jsonl'
    change = make_change(registrar, ['d00.com'], state_file=str(state), check_mode=True).plan()
    assert change.changed and not state.exists() and submissions(registrar) == 0


def test_unknown_domains_are_blocked_and_the_others_still_planned(registrar):
    change = make_change(registrar, ['d00.com', 'nope.com', 'gone.net']).plan()
    assert change.domains_blocked == {'nope.com': 'not in this account', 'gone.net': 'not in this account'}
    assert change.to_submit == ['d00.com']
    assert change.result()['domains_blocked'] == change.domains_blocked


@pytest.mark.parametrize('count', [3, 8], ids=['read-by-name', 'read-from-the-list'])
def test_domains_that_cannot_change_are_blocked_with_their_reason_and_never_submitted(registrar, count):
    names = sorted(registrar.domains)[:count]
    registrar.states = {
        names[0]: {'UpdateProhibitionLock': 'OPEN'},
        names[1]: 'denied',
        names[2]: {'TransferOutStatus': 'PENDING', 'UpdateProhibitionLock': 'CLOSE'},
    }
    change = make_change(registrar, names).plan()
    assert change.domains_blocked == {
        names[0]: 'update prohibition lock is on: turn it off in the console first',
        names[1]: 'access denied to this RAM user (Forbidden.RAM)',
        names[2]: 'transfer out pending',
    }
    assert change.to_submit == names[3:]
    change.submit()
    submitted = [detail['DomainName'] for task in registrar.tasks for detail in task['details']]
    assert submitted == names[3:]


def test_lost_answer_is_reconciled_from_the_task_list_not_resent(registrar, tmp_path):
    state = str(tmp_path / 'state.jsonl')
    registrar.drop_answer_of_submission = True
    change = make_change(registrar, ['d00.com', 'd01.com'], state_file=state).plan()
    change.submit()
    assert submissions(registrar) == 1
    assert change.task_nos == ['T1']
    events = [json.loads(line)['event'] for line in open(state)]
    assert events == ['intent', 'submitted']


def test_lost_submission_proven_absent_from_the_task_list_is_sent_again(registrar, tmp_path):
    state = str(tmp_path / 'state.jsonl')
    registrar.lost_submissions = 2
    change = make_change(registrar, ['d00.com', 'd01.com', 'd02.com'], state_file=state, batch_size=2).plan()
    change.submit()
    assert submissions(registrar) == 4
    assert [task['TaskNum'] for task in registrar.tasks] == [2, 1]
    assert change.task_nos == ['T1', 'T2']
    events = [json.loads(line)['event'] for line in open(state)]
    assert events == ['intent', 'not_sent', 'intent', 'not_sent', 'intent', 'submitted', 'intent', 'submitted']


def test_submission_lost_every_time_is_given_up_after_the_last_resubmission(registrar, tmp_path):
    state = str(tmp_path / 'state.jsonl')
    registrar.lost_submissions = MAX_RESUBMISSIONS + 5
    change = make_change(registrar, ['d00.com'], state_file=state).plan()
    with pytest.raises(SubmissionError) as caught:
        change.submit()
    assert not caught.value.unresolved
    assert submissions(registrar) == MAX_RESUBMISSIONS + 1 and registrar.tasks == []
    assert [json.loads(line)['event'] for line in open(state)] == ['intent', 'not_sent'] * (MAX_RESUBMISSIONS + 1)


def test_lost_submission_is_not_resent_when_the_task_list_cannot_be_searched_but_settled_by_the_next_run(registrar, tmp_path):
    state = str(tmp_path / 'state.jsonl')
    registrar.lost_submissions = 1
    change = make_change(registrar, ['d00.com'], state_file=state).plan()
    registrar.task_list_unavailable = True
    with pytest.raises(SubmissionError) as caught:
        change.submit()
    assert caught.value.unresolved and 'nothing was re-sent' in str(caught.value)
    assert submissions(registrar) == 1
    registrar.task_list_unavailable = False
    rerun = make_change(registrar, ['d00.com'], state_file=state).plan()
    assert rerun.to_submit == ['d00.com']
    rerun.submit()
    assert submissions(registrar) == 2
    events = [json.loads(line)['event'] for line in open(state)]
    assert events == ['intent', 'not_sent', 'intent', 'submitted']


def test_rerun_with_state_file_adopts_recorded_tasks(registrar, tmp_path):
    state = str(tmp_path / 'state.jsonl')
    first = make_change(registrar, ['d00.com', 'd01.com', 'd02.com'], state_file=state, batch_size=2).plan()
    first.submit()
    registrar.domains['d00.com'] = list(TARGET.nameservers)
    again = make_change(registrar, ['d00.com', 'd01.com', 'd02.com'], state_file=state).plan()
    assert not again.changed
    assert again.task_nos == ['T1', 'T2']
    assert again.adopted == {'d00.com': 'T1', 'd01.com': 'T1', 'd02.com': 'T2'}
    assert submissions(registrar) == 2


def test_completed_marker_starts_a_new_migration(registrar, tmp_path):
    state = tmp_path / 'state.jsonl'
    make_change(registrar, ['d00.com'], state_file=str(state)).plan().submit()
    registrar.tasks[0]['TaskStatusCode'] = 3
    registrar.tasks[0]['details'][0]['TaskStatusCode'] = 3
    with open(str(state), 'a') as handle:
        handle.write('{"event": "completed"}\n')
    retry = make_change(registrar, ['d00.com'], state_file=str(state)).plan()
    assert retry.to_submit == ['d00.com'] and retry.adopted == {}


def test_domain_with_a_foreign_pending_task_is_blocked(registrar):
    registrar.add_task(['d03.com', 'd04.com'])
    change = make_change(registrar, ['d03.com', 'd05.com']).plan()
    assert change.blocked == {'d03.com': 'T1'}
    assert change.to_submit == ['d05.com']


def test_rejected_submission_is_recorded_as_not_sent(registrar, tmp_path):
    state = str(tmp_path / 'state.jsonl')
    registrar.reject_submission = 'InvalidParameter'
    change = make_change(registrar, ['d00.com'], state_file=state).plan()
    with pytest.raises(SubmissionError) as caught:
        change.submit()
    assert not caught.value.unresolved
    assert 'InvalidParameter' in str(caught.value) and 'RequestId: rej' in str(caught.value)
    assert [json.loads(line)['event'] for line in open(state)] == ['intent', 'not_sent']


def test_a_task_number_spelled_taskno_is_accepted(registrar):
    registrar.task_no_key = 'taskNo'
    change = make_change(registrar, ['d00.com']).plan()
    change.submit()
    assert change.result()['task_nos'] == [registrar.tasks[0]['TaskNo']] and submissions(registrar) == 1


# the way back: what each domain had before, exactly as the registrar listed it


# the registrar's own spelling and order, different for every domain
ODD_ORDERS = {
    'd00.com': ['dns2.hichina.com', 'dns1.hichina.com'],
    'd01.com': ['NS1.Other.example.', 'ns3.other.example', 'ns2.other.example'],
    'd02.com': ['ns9.third.example'],
    'd03.com': ['dns1.hichina.com', 'dns2.hichina.com'],
    'd04.com': ['b.ns.example', 'a.ns.example'],
    'd05.com': ['x.ns.example', 'z.ns.example', 'y.ns.example'],
    'd06.com': ['ns2.example.org', 'ns1.example.org'],
}


@pytest.mark.parametrize('count', [3, 7], ids=['read-by-name', 'read-from-the-list'])
def test_intents_record_the_nameservers_before_exactly_and_in_order_and_the_kind(registrar, tmp_path, count):
    registrar.domains.update(ODD_ORDERS)
    state = tmp_path / 'state.jsonl'
    names = sorted(ODD_ORDERS)[:count]
    change = make_change(registrar, names, state_file=str(state), batch_size=2, kind='rollback').plan()
    change.submit()
    intents = state_records(state, 'intent')
    assert [intent['kind'] for intent in intents] == ['rollback'] * len(intents)
    recorded = {}
    for intent in intents:
        assert sorted(intent['before']) == sorted(intent['domains'])
        recorded.update(intent['before'])
    # d06.com already uses the target (in another order): unchanged, not submitted, yet read
    submitted = [name for name in names if name != 'd06.com']
    assert recorded == dict((name, ODD_ORDERS[name]) for name in submitted)
    assert change.result()['nameservers_before'] == dict((name, ODD_ORDERS[name]) for name in names)
    assert change.result()['targets'] == dict((name, TARGET.nameservers) for name in names)


@pytest.mark.parametrize('count', [2, 7], ids=['read-by-name', 'read-from-the-list'])
def test_nameservers_the_registrar_did_not_show_are_recorded_as_null_never_as_none(registrar, tmp_path, count):
    names = sorted(registrar.domains)[:count]
    registrar.without_dns = set(names[:1])
    state = tmp_path / 'state.jsonl'
    change = make_change(registrar, names, state_file=str(state)).plan()
    assert change.to_submit == names
    change.submit()
    [intent] = state_records(state, 'intent')
    assert intent['before'] == dict([(names[0], None)] + [(name, OLD) for name in names[1:]])
    assert intent['kind'] == 'migration'
    assert change.result()['nameservers_before'][names[0]] is None


def test_an_adopted_domain_reports_the_nameservers_its_intent_recorded(registrar, tmp_path):
    registrar.domains.update(ODD_ORDERS)
    state = str(tmp_path / 'state.jsonl')
    make_change(registrar, ['d00.com', 'd01.com'], state_file=state).plan().submit()
    # the task carried out: the registrar now shows the target
    registrar.domains['d00.com'] = list(TARGET.nameservers)
    again = make_change(registrar, ['d00.com', 'd01.com', 'd02.com'], state_file=state).plan()
    assert again.adopted == {'d00.com': 'T1', 'd01.com': 'T1'} and again.to_submit == ['d02.com']
    assert again.result()['nameservers_before'] == {
        'd00.com': ODD_ORDERS['d00.com'], 'd01.com': ODD_ORDERS['d01.com'], 'd02.com': ODD_ORDERS['d02.com']}


def test_blocked_domains_report_their_nameservers_when_read_domains_not_in_the_account_do_not(registrar):
    registrar.domains.update(ODD_ORDERS)
    registrar.states = {'d01.com': {'UpdateProhibitionLock': 'OPEN'}, 'd02.com': 'denied'}
    request = NameserverRequest(OptionAdapter.from_dict({
        'domains': ['d00.com', 'd01.com', 'd02.com', 'gone.example'], 'nameservers': TARGET.nameservers,
        'batch_size': 100, 'wait_timeout': 60, 'poll_interval': 8, 'max_poll_interval': 30, 'fail_on_blocked': False}))
    result = run_nameserver_change(make_client(registrar), request, check_mode=True)
    assert sorted(result['domains_blocked']) == ['d01.com', 'd02.com', 'gone.example']
    assert result['nameservers_before'] == {'d00.com': ODD_ORDERS['d00.com'], 'd01.com': ODD_ORDERS['d01.com']}
    assert sorted(result['targets']) == ['d00.com', 'd01.com', 'd02.com', 'gone.example']
    assert submissions(registrar) == 0


# per-domain targets (domain_nameservers): one change per target, one state file, one client


OTHER = ['ns1.other.example', 'ns2.other.example']
OLD_ELSEWHERE = ['b.ns.example', 'a.ns.example']
WAIT_OPTIONS = {'batch_size': 100, 'wait_timeout': 60, 'poll_interval': 8, 'max_poll_interval': 30, 'fail_on_blocked': True}


def per_domain_request(domain_nameservers, **options):
    values = dict(WAIT_OPTIONS, domain_nameservers=domain_nameservers)
    values.update(options)
    return NameserverRequest(OptionAdapter.from_dict(values))


def test_domains_are_grouped_by_target_in_the_order_each_target_is_first_seen():
    request = per_domain_request({'d00.com': TARGET.nameservers, 'd01.com': 'aliyun_dns', 'D02.com.': ['NS2.example.org.', 'ns1.example.org'],
                                  'd03.com': OTHER, 'd04.com': 'aliyun_dns'})
    assert [(target.key, domains) for target, domains in request.groups] == [
        (TARGET.key, ['d00.com', 'd02.com']), ('aliyun_dns', ['d01.com', 'd04.com']), (Target(OTHER).key, ['d03.com'])]
    assert request.groups[0][0].nameservers == TARGET.nameservers
    assert request.domains == ['d00.com', 'd02.com', 'd01.com', 'd04.com', 'd03.com']


@pytest.mark.parametrize('options, fragment', [
    ({'domains': ['d00.com']}, 'Option domain_nameservers is mutually exclusive with domains, nameservers and aliyun_dns '
                               '(given: domains)'),
    ({'nameservers': OTHER, 'aliyun_dns': True}, '(given: nameservers, aliyun_dns)'),
    ({'domain_nameservers': {}}, 'Invalid value {} for option domain_nameservers: expected a map of domain name to a list'),
    ({'domain_nameservers': {'d00.com': 'ns1.example.org'}},
     "Invalid value 'ns1.example.org' for option domain_nameservers.d00.com: expected a list of nameserver hostnames or "
     "the string aliyun_dns."),
    ({'domain_nameservers': {'d00.com': 7}}, 'Invalid value 7 for option domain_nameservers.d00.com'),
    ({'domain_nameservers': {'d00.com': []}}, 'option domain_nameservers.d00.com: expected a list of at least 1 nameserver'),
    ({'domain_nameservers': {'d00.com': ['192.0.2.1']}}, "option domain_nameservers.d00.com: '192.0.2.1' is an IP address"),
    ({'domain_nameservers': {'bad name.com': OTHER}}, "Invalid values for option domain_nameservers: 'bad name.com' label"),
    ({'domain_nameservers': {'d00.com': OTHER, 'D00.com': OTHER}}, 'd00.com is given twice'),
    ({'domain_nameservers': {'d00.com': OTHER}, 'close_migration': {}, 'state_file': 's'},
     'Options domain_nameservers and close_migration are mutually exclusive'),
], ids=['domains', 'targets', 'empty', 'string', 'number', 'empty-list', 'address', 'bad-domain', 'twice', 'close'])
def test_bad_per_domain_targets_are_refused_in_one_line_naming_the_option(options, fragment):
    options = dict(options)
    mapping = options.pop('domain_nameservers', {'d00.com': OTHER})
    with pytest.raises(DomainConfigError) as raised:
        per_domain_request(mapping, **options)
    assert fragment in str(raised.value) and '\n' not in str(raised.value)


def test_each_group_is_one_submission_to_its_own_target_and_the_results_are_merged(registrar, tmp_path):
    registrar.domains.update(ODD_ORDERS)
    state = tmp_path / 'state.jsonl'
    registrar.domains['d05.com'] = list(OTHER)
    # d03.com starts on Alibaba Cloud DNS (hichina.com): unchanged in the aliyun_dns group
    request = per_domain_request({'d00.com': TARGET.nameservers, 'd01.com': OTHER, 'd02.com': TARGET.nameservers,
                                  'd04.com': 'aliyun_dns', 'd05.com': OTHER, 'd03.com': 'aliyun_dns'}, state_file=str(state))
    result = run_nameserver_change(make_client(registrar), request, diff=True)
    assert registrar.targets_sent == [TARGET.nameservers, OTHER, 'aliyun_dns']
    assert [[detail['DomainName'] for detail in task['details']] for task in registrar.tasks] == [
        ['d00.com', 'd02.com'], ['d01.com'], ['d04.com']]
    assert result['changed'] is True and result['task_nos'] == ['T1', 'T2', 'T3']
    assert result['domains_changed'] == ['d00.com', 'd02.com', 'd01.com', 'd04.com']
    assert result['domains_unchanged'] == ['d05.com', 'd03.com']
    assert result['nameservers'] == []
    assert result['targets'] == {'d00.com': TARGET.nameservers, 'd02.com': TARGET.nameservers, 'd01.com': OTHER,
                                 'd05.com': OTHER, 'd04.com': ['Alibaba Cloud DNS'], 'd03.com': ['Alibaba Cloud DNS']}
    assert result['nameservers_before'] == dict((name, registrar.domains[name]) for name in result['targets'])
    assert result['diff']['after'] == dict((name, result['targets'][name]) for name in result['domains_changed'])
    assert sorted(result['diff']['before']) == sorted(result['domains_changed'])
    intents = state_records(state, 'intent')
    assert [(intent['target'], intent['domains'], intent['before']) for intent in intents] == [
        ({'aliyun_dns': False, 'nameservers': TARGET.nameservers}, ['d00.com', 'd02.com'],
         {'d00.com': ODD_ORDERS['d00.com'], 'd02.com': ODD_ORDERS['d02.com']}),
        ({'aliyun_dns': False, 'nameservers': OTHER}, ['d01.com'], {'d01.com': ODD_ORDERS['d01.com']}),
        ({'aliyun_dns': True, 'nameservers': []}, ['d04.com'], {'d04.com': ODD_ORDERS['d04.com']})]
    # the next run adopts every group's task from the one state file and sends nothing
    again = run_nameserver_change(make_client(registrar), request)
    assert again['changed'] is False and again['task_nos'] == ['T1', 'T2', 'T3'] and submissions(registrar) == 3
    assert again['domains_adopted'] == {'d00.com': 'T1', 'd02.com': 'T1', 'd01.com': 'T2', 'd04.com': 'T3'}


def test_one_shared_target_is_returned_as_nameservers(registrar):
    request = per_domain_request({'d00.com': TARGET.nameservers, 'd01.com': ['ns2.example.org', 'ns1.example.org']})
    result = run_nameserver_change(make_client(registrar), request, check_mode=True)
    assert result['nameservers'] == TARGET.nameservers and submissions(registrar) == 0
    assert result['domains_changed'] == ['d00.com', 'd01.com']


def test_a_run_interrupted_after_the_first_group_adopts_its_pending_task_and_submits_the_rest(registrar, tmp_path):
    state = str(tmp_path / 'state.jsonl')
    # the first group was submitted (its task still pending), then the run stopped
    make_change(registrar, ['d00.com'], state_file=state).plan().submit()
    request = per_domain_request({'d00.com': TARGET.nameservers, 'd01.com': OTHER}, state_file=state)
    result = run_nameserver_change(make_client(registrar), request)
    # the first group's task is this run's own: not a foreign pending task for either group
    assert result['domains_pending_elsewhere'] == {} and result['domains_adopted'] == {'d00.com': 'T1'}
    assert result['task_nos'] == ['T1', 'T2'] and result['domains_changed'] == ['d01.com']
    assert registrar.targets_sent == [TARGET.nameservers, OTHER]


def test_adoption_is_per_target_a_domain_recorded_for_another_target_is_submitted_again(registrar, tmp_path):
    state = str(tmp_path / 'state.jsonl')
    make_change(registrar, ['d00.com', 'd01.com'], state_file=state).plan().submit()
    for detail in registrar.tasks[0]['details']:
        detail['TaskStatusCode'] = 2
    registrar.tasks[0]['TaskStatusCode'] = 3
    request = per_domain_request({'d00.com': TARGET.nameservers, 'd01.com': OTHER}, state_file=state)
    result = run_nameserver_change(make_client(registrar), request)
    assert result['domains_adopted'] == {'d00.com': 'T1'} and result['domains_changed'] == ['d01.com']
    assert registrar.targets_sent == [TARGET.nameservers, OTHER]


def test_a_domain_pending_elsewhere_in_any_group_stops_every_group_before_anything_is_sent(registrar):
    registrar.add_task(['d02.com'])
    request = per_domain_request({'d00.com': TARGET.nameservers, 'd02.com': OTHER})
    with pytest.raises(DomainConfigError) as raised:
        run_nameserver_change(make_client(registrar), request)
    assert 'd02.com (task T1)' in str(raised.value) and submissions(registrar) == 0
    result = raised.value.result
    assert result['changed'] is False and result['domains_pending_elsewhere'] == {'d02.com': 'T1'}
    assert result['targets'] == {'d00.com': TARGET.nameservers, 'd02.com': OTHER}


def test_an_error_in_a_later_group_keeps_what_the_earlier_groups_submitted(registrar, tmp_path):
    state = tmp_path / 'state.jsonl'
    registrar.reject_submission = 'InvalidParameter'
    registrar.accepted_before_rejecting = 1
    request = per_domain_request({'d00.com': TARGET.nameservers, 'd01.com': OTHER, 'd02.com': 'aliyun_dns'},
                                 state_file=str(state))
    with pytest.raises(SubmissionError) as raised:
        run_nameserver_change(make_client(registrar), request)
    result = raised.value.result
    assert result['changed'] is True and result['task_nos'] == ['T1']
    # the second group's batch was refused, the third was never sent
    assert result['domains_changed'] == ['d00.com'] and submissions(registrar) == 2
    assert sorted(result['nameservers_before']) == ['d00.com', 'd01.com', 'd02.com']
    assert [record['event'] for record in state_records(state)] == ['intent', 'submitted', 'intent', 'not_sent']


def test_check_mode_sends_nothing_for_any_group_and_the_diff_shows_every_domain(registrar, tmp_path):
    state = tmp_path / 'state.jsonl'
    registrar.domains['d02.com'] = list(OLD_ELSEWHERE)
    request = per_domain_request({'d00.com': TARGET.nameservers, 'd01.com': OTHER, 'd02.com': 'aliyun_dns'},
                                 state_file=str(state))
    result = run_nameserver_change(make_client(registrar), request, check_mode=True, diff=True)
    assert result['changed'] is True and result['task_nos'] == [] and submissions(registrar) == 0 and not state.exists()
    assert result['diff'] == {'before': {'d00.com': OLD, 'd01.com': OLD, 'd02.com': sorted(OLD_ELSEWHERE)},
                              'after': {'d00.com': TARGET.nameservers, 'd01.com': OTHER, 'd02.com': ['Alibaba Cloud DNS']}}


def test_reads_lagging_behind_a_closed_runs_successful_change_are_corrected_the_latest_success_winning(registrar, tmp_path):
    # the fake registrar's reads never follow a change: every domain still reads OLD, d01 its third-party set
    x_target = ['ns1.x.test', 'ns2.x.test']
    registrar.domains['d01.com'] = ['ns1.elsewhere.test']
    first = registrar.add_task(['d00.com', 'd01.com', 'd02.com'], pending=False)
    registrar.tasks[0]['details'][2].update(TaskStatusCode=3, TaskStatus='EXECUTE_FAILURE')
    to_aliyun = registrar.add_task(['d01.com'], pending=False)
    failed = registrar.add_task(['d00.com'], pending=False)
    registrar.tasks[2]['details'][0].update(TaskStatusCode=3, TaskStatus='EXECUTE_FAILURE')
    now_ms = int(time.time() * 1000)
    state = tmp_path / 'state.jsonl'

    def intent(intent_id, domains, target):
        return {'event': 'intent', 'id': intent_id, 'time_ms': now_ms - 60000, 'domains': domains, 'target': target}
    records = [
        intent('i-1', ['d00.com', 'd01.com', 'd02.com'], {'aliyun_dns': False, 'nameservers': x_target}),
        {'event': 'submitted', 'id': 'i-1', 'task_no': first}, {'event': 'completed', 'kind': 'migration'},
        intent('i-2', ['d01.com'], {'aliyun_dns': True, 'nameservers': []}),
        {'event': 'submitted', 'id': 'i-2', 'task_no': to_aliyun},
        intent('i-3', ['d00.com'], {'aliyun_dns': False, 'nameservers': ['ns1.y.test']}),
        {'event': 'submitted', 'id': 'i-3', 'task_no': failed}, {'event': 'completed', 'kind': 'rollback'},
    ]
    state.write_text(''.join(json.dumps(record) + '\n' for record in records))

    change = make_change(registrar, ['d00.com', 'd01.com', 'd02.com', 'd03.com'], state_file=str(state)).plan()
    before = change.nameservers_before()
    # d00: its last change failed, the one before succeeded; d01: on Alibaba Cloud DNS (which servers: unknown);
    # d02: its change failed, the read is right; d03: never changed
    assert before == {'d00.com': x_target, 'd01.com': None, 'd02.com': OLD, 'd03.com': OLD}
    assert change.to_submit == ['d00.com', 'd01.com', 'd02.com', 'd03.com']
    # a change to the target a lagging domain is on already sends nothing for it
    aliyun = NameserverChange(make_client(registrar), ['d01.com'], Target(aliyun_dns=True), state_file=str(state),
                              sleep=lambda seconds: None).plan()
    assert aliyun.unchanged == ['d01.com'] and aliyun.to_submit == []
    # an hour later the reads are believed again
    later = NameserverChange(make_client(registrar), ['d00.com'], TARGET, state_file=str(state), sleep=lambda seconds: None,
                             clock_ms=lambda: now_ms + 2 * 3600 * 1000).plan()
    assert later.nameservers_before() == {'d00.com': OLD}
