# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The way back (_rollback): runs of the state file, what the last migration moved, and the rollback's targets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._rollback import (
    REASON_UNKNOWN_BEFORE,
    RollbackPlan,
    read_runs,
    run_migration_info,
)

NEW = ['ns1.new.test', 'ns2.new.test']
OLD_A = ['NS2.old-a.test.', 'ns1.old-a.test']
OLD_B = ['ns1.old-b.test', 'ns2.old-b.test', 'ns3.old-b.test']
HICHINA = ['dns1.hichina.com', 'dns2.hichina.com']


class StateFile(object):
    """Writes state-file records in the format _nameservers.SubmissionLog writes them."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.path = str(tmp_path / 'state.jsonl')
        self.count = 0

    def write(self, record):
        with open(self.path, 'a') as handle:
            handle.write(json.dumps(record) + '\n')

    def intent(self, before, target=None, kind='migration', task_no=None, sent=True):
        self.count += 1
        intent_id = 'i-%d' % self.count
        record = {'event': 'intent', 'id': intent_id, 'time_ms': self.count, 'domains': list(before),
                  'target': {'aliyun_dns': False, 'nameservers': list(target or NEW)}, 'known_task_nos': []}
        if kind is not None:
            record['kind'] = kind
            record['before'] = before
        self.write(record)
        if sent:
            self.write({'event': 'submitted', 'id': intent_id, 'task_no': task_no or 'T-%d' % self.count})
        else:
            self.write({'event': 'not_sent', 'id': intent_id})
        return task_no or 'T-%d' % self.count

    def report(self, name, statuses, unverified=(), journal=None):
        path = str(self.tmp_path / name)
        records = [{'domain': domain, 'status': status, 'task_no': 'T-x'} for domain, status in statuses.items()]
        with open(path, 'w') as handle:
            json.dump({'title': 'DNS migration report', 'nameservers': NEW, 'journal': journal,
                       'unverified_domains': list(unverified), 'domains': records}, handle)
        return path

    def complete(self, started, report=None, kind=None):
        record = {'event': 'completed', 'started': started}
        if report:
            record['report'] = report
        if kind:
            record['kind'] = kind
        self.write(record)


@pytest.fixture
def state(tmp_path):
    return StateFile(tmp_path)


def migrated(state, statuses=None, unverified=()):
    """One closed migration of a.test (OLD_A), b.test (OLD_B), c.test (HICHINA), d.test (OLD_A)."""
    state.intent({'a.test': OLD_A, 'b.test': OLD_B})
    state.intent({'c.test': HICHINA, 'd.test': OLD_A})
    statuses = statuses or dict.fromkeys(['a.test', 'b.test', 'c.test', 'd.test'], 'succeeded')
    state.complete('2026-12-03T10:00:00Z', state.report('migration.json', statuses, unverified))


def plan(state, **options):
    return RollbackPlan(state.path, **options)


def test_runs_are_split_at_completed_records_with_their_kind(state):
    migrated(state)
    state.intent({'a.test': NEW}, target=OLD_A, kind='rollback')
    runs = read_runs(state.path)
    assert [(run.kind, run.closed, len(run.domains)) for run in runs] == [('migration', True, 4), ('rollback', False, 1)]
    assert runs[0].task_nos == ['T-1', 'T-2'] and runs[0].started == '2026-12-03T10:00:00Z'


def test_every_moved_domain_goes_back_to_its_exact_before_and_aliyun_dns_becomes_the_switch(state):
    migrated(state)
    result = plan(state).result()
    assert result['rollback'] == {'a.test': OLD_A, 'b.test': OLD_B, 'c.test': 'aliyun_dns', 'd.test': OLD_A}
    assert result['not_rolled_back'] == {}
    assert result['domains']['b.test'] == {'before': OLD_B, 'after': NEW, 'task_no': 'T-x', 'status': 'succeeded',
                                           'rolled_back': False}
    assert result['migration']['kind'] == 'migration' and result['resuming'] is False


def test_only_succeeded_domains_are_rolled_back(state):
    migrated(state, {'a.test': 'succeeded', 'b.test': 'failed', 'c.test': 'unchanged', 'd.test': 'blocked'})
    assert plan(state).rollback == {'a.test': OLD_A}


def test_listed_domains_and_a_listed_domain_that_did_not_move_is_refused_naming_it(state):
    migrated(state, {'a.test': 'succeeded', 'b.test': 'failed', 'c.test': 'succeeded', 'd.test': 'succeeded'})
    assert plan(state, rollback_domains=['D.test', 'a.test']).rollback == {'d.test': OLD_A, 'a.test': OLD_A}
    with pytest.raises(DomainConfigError) as caught:
        plan(state, rollback_domains=['a.test', 'b.test', 'x.test'])
    assert caught.value.option == 'rollback_domains'
    assert 'b.test was not moved by the migration (failed)' in caught.value.message
    assert 'x.test was not moved by the migration (not part of it)' in caught.value.message


def test_unverified_only_takes_the_reports_unverified_domains(state):
    migrated(state, unverified=['b.test', 'c.test'])
    assert plan(state, unverified_only=True).rollback == {'b.test': OLD_B, 'c.test': 'aliyun_dns'}
    with pytest.raises(DomainConfigError) as caught:
        plan(state, unverified_only=True, rollback_domains=['a.test'])
    assert caught.value.option == 'rollback_domains'


def test_an_unknown_before_is_not_rolled_back_and_says_why(state):
    state.intent({'a.test': None, 'b.test': OLD_B})
    state.intent({'c.test': OLD_A}, kind=None)  # written before intents had kind and before
    state.complete('2026-12-03T10:00:00Z', state.report('m.json', dict.fromkeys(['a.test', 'b.test', 'c.test'], 'succeeded')))
    result = plan(state).result()
    assert result['rollback'] == {'b.test': OLD_B}
    assert result['not_rolled_back'] == {'a.test': REASON_UNKNOWN_BEFORE, 'c.test': REASON_UNKNOWN_BEFORE}


def test_without_the_report_the_journal_says_what_moved(state, tmp_path):
    first, second = state.intent({'a.test': OLD_A, 'b.test': OLD_B}), state.intent({'c.test': HICHINA})
    state.complete('2026-12-03T10:00:00Z', str(tmp_path / 'gone.json'))
    journal = tmp_path / 'journal.jsonl'
    rows = [('a.test', first, 3, '2026-12-03 10:00:01'), ('a.test', first, 2, '2026-12-03 10:00:05'),
            ('b.test', first, 3, '2026-12-03 10:00:02'), ('c.test', second, 2, '2026-12-03 10:00:03'),
            ('c.test', 'T-other', 3, '2026-12-03 10:00:09')]
    journal.write_text(''.join(json.dumps({'task_detail_no': 'D-%d' % index, 'task_no': task_no, 'domain_name': domain,
                                           'task_status_code': code, 'update_time': time}) + '\n'
                               for index, (domain, task_no, code, time) in enumerate(rows)))
    result = plan(state, journal=str(journal)).result()
    assert result['rollback'] == {'a.test': OLD_A, 'c.test': 'aliyun_dns'}
    assert result['domains']['b.test']['status'] == 'failed'
    with pytest.raises(DomainConfigError) as caught:
        plan(state)
    assert caught.value.option == 'journal' and 'gone.json cannot be read' in caught.value.message


def test_refusals_name_the_state_file_and_say_what_to_do(state):
    with pytest.raises(DomainConfigError) as caught:
        plan(state)
    assert 'records no migration' in caught.value.message and caught.value.option == 'state_file'

    state.intent({'a.test': OLD_A})
    with pytest.raises(DomainConfigError) as caught:
        plan(state)
    assert caught.value.message.endswith('still open (1 task(s) submitted, not closed): finish it first '
                                         '(re-run aliyun.domain.migrate_dns until nothing is pending) or abort it '
                                         '(the same playbook with dns_migration_abort=true).')


def test_rollbacks_in_parts_and_then_a_rollback_of_the_rollback_is_refused(state):
    migrated(state)
    state.intent({'a.test': NEW, 'b.test': NEW}, kind='rollback')
    state.complete('2026-12-03T11:00:00Z', state.report('r1.json', {'a.test': 'succeeded', 'b.test': 'failed'}), kind='rollback')
    second = plan(state).result()
    assert second['rollback'] == {'b.test': OLD_B, 'c.test': 'aliyun_dns', 'd.test': OLD_A}
    assert second['domains']['a.test']['rolled_back'] is True
    with pytest.raises(DomainConfigError) as caught:
        plan(state, rollback_domains=['a.test'])
    assert 'a.test was rolled back already (rollback started 2026-12-03T11:00:00Z)' in caught.value.message

    state.intent({'b.test': NEW, 'c.test': NEW, 'd.test': NEW}, kind='rollback')
    state.complete('2026-12-03T12:00:00Z', state.report('r2.json', dict.fromkeys(['b.test', 'c.test', 'd.test'], 'succeeded')),
                   kind='rollback')
    with pytest.raises(DomainConfigError) as caught:
        plan(state)
    assert caught.value.option == 'state_file'
    assert 'a rollback is not rolled back: to move the domains again, run a new migration with aliyun.domain.migrate_dns' \
        in caught.value.message


def test_an_interrupted_rollback_is_resumed_with_the_same_plan(state):
    migrated(state)
    before = plan(state, rollback_domains=['a.test', 'c.test']).rollback
    state.intent({'a.test': NEW}, target=OLD_A, kind='rollback')
    resumed = plan(state, rollback_domains=['a.test', 'c.test'])
    assert resumed.rollback == before and resumed.result()['resuming'] is True


def test_a_new_migration_after_a_rollback_is_the_one_rolled_back_next(state):
    migrated(state)
    state.intent({'a.test': NEW}, kind='rollback')
    state.complete('2026-12-03T11:00:00Z', state.report('r.json', {'a.test': 'succeeded'}), kind='rollback')
    state.intent({'a.test': OLD_A}, target=['ns1.third.test', 'ns2.third.test'])
    state.complete('2026-12-03T12:00:00Z', state.report('m2.json', {'a.test': 'succeeded'}))
    assert plan(state).rollback == {'a.test': OLD_A}


def test_the_module_result_lists_every_run(state):
    migrated(state)
    result = run_migration_info({'state_file': state.path, 'journal': None, 'rollback_domains': None,
                                 'unverified_only': False})
    assert result['runs'] == [{'kind': 'migration', 'closed': True, 'started': '2026-12-03T10:00:00Z',
                               'report': str(state.tmp_path / 'migration.json'), 'domains': 4,
                               'task_nos': ['T-1', 'T-2']}]


def test_a_state_file_line_that_is_not_json_is_refused(state):
    with open(state.path, 'w') as handle:
        handle.write('{"event": "intent"\n{}\n')
    with pytest.raises(DomainConfigError) as caught:
        plan(state)
    assert caught.value.option == 'state_file' and 'line 1 is not JSON' in caught.value.message
