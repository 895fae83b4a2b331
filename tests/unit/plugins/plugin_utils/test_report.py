# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration report (plugin_utils/_report.py) and its filters."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.aliyun.domain.plugins.filter.migration_report import FilterModule
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.plugins.plugin_utils import _report
from ansible_collections.aliyun.domain.plugins.plugin_utils._report import build_migration_report, report_view

TASK_1, TASK_2, OTHER_TASK = 'task-1', 'task-2', 'task-of-another-tool'


def result(domain, task_no=TASK_1, code=2, created='2026-12-02 10:00:00', updated='2026-12-02 10:00:05', message='', tries=1):
    return {'task_no': task_no, 'task_detail_no': 'detail-%s-%s' % (task_no, domain), 'domain_name': domain,
            'task_status_code': code, 'task_status': {1: 'EXECUTING', 2: 'EXECUTE_SUCCESS', 3: 'EXECUTE_FAILURE'}[code],
            'try_count': tries, 'error_msg': message, 'create_time': created, 'update_time': updated}


def submission(changed=(), adopted=None, unchanged=(), task_nos=(TASK_1,), **extra):
    values = {'task_nos': list(task_nos), 'domains_changed': list(changed), 'domains_adopted': dict(adopted or {}),
              'domains_unchanged': list(unchanged), 'nameservers': ['ns1.example.org', 'ns2.example.org']}
    values.update(extra)
    return values


def records(report):
    return dict((record['domain'], record) for record in report['domains'])


def test_every_domain_gets_one_record_with_its_status():
    report = build_migration_report(
        submission(changed=['a.com', 'b.com', 'c.com'], adopted={'d.com': TASK_2}, unchanged=['e.com'], task_nos=[TASK_1, TASK_2]),
        results=[result('a.com'), result('b.com', code=3, message='Registry refused.', tries=2), result('d.com', task_no=TASK_2)],
        generated_at='2026-12-02T10:00:00Z', acknowledged=3)
    rows = records(report)
    assert [record['domain'] for record in report['domains']] == ['a.com', 'b.com', 'c.com', 'd.com', 'e.com']
    assert dict((name, row['status']) for name, row in rows.items()) == {
        'a.com': 'succeeded', 'b.com': 'failed', 'c.com': 'pending', 'd.com': 'succeeded', 'e.com': 'unchanged'}
    assert rows['a.com']['error_msg'] == '' and rows['a.com']['seconds'] == 5.0
    assert rows['b.com']['error_msg'] == 'Registry refused.' and rows['b.com']['try_count'] == 2
    assert rows['c.com']['error_msg'] == 'no final result yet' and rows['c.com']['task_no'] is None
    assert rows['e.com']['error_msg'] == 'already on the requested nameservers' and rows['e.com']['seconds'] is None
    assert report['summary'] == {'total': 5, 'succeeded': 2, 'failed': 1, 'pending': 1, 'unchanged': 1, 'blocked': 0,
                                 'cancelled': 0, 'unverified': 0, 'acknowledged': 3, 'duration_seconds': 5.0}
    assert report['failed_domains'] == ['b.com'] and report['pending_domains'] == ['c.com']
    assert report['problems'] == '1 domain(s) failed: b.com (Registry refused). Still pending: c.com.'
    assert report['generated_at'] == '2026-12-02T10:00:00Z'
    assert list(rows['a.com'])[:len(_report.RECORD_FIELDS)] == list(_report.RECORD_FIELDS)
    json.dumps(report)


def test_an_adopted_domain_without_a_result_is_pending_on_its_task():
    report = build_migration_report(submission(adopted={'d.com': TASK_2}, task_nos=[TASK_2]), results=[])
    assert records(report)['d.com']['status'] == 'pending' and records(report)['d.com']['task_no'] == TASK_2


def test_only_final_results_of_the_migrations_tasks_count_and_the_latest_wins():
    report = build_migration_report(submission(changed=['a.com', 'b.com']), results=[
        result('a.com', code=3, updated='2026-12-02 10:00:03', message='first try failed'),
        result('a.com', updated='2026-12-02 10:00:09'),
        result('b.com', task_no=OTHER_TASK),
        dict(result('b.com'), task_status_code=1),
    ])
    rows = records(report)
    assert rows['a.com']['status'] == 'succeeded' and rows['b.com']['status'] == 'pending'
    # both results of a.com are on the timeline, in the order they finished
    assert report['timeline'] == [[0, 0], [3.0, 1], [9.0, 2]]
    assert report['summary']['duration_seconds'] == 9.0


def test_the_journal_is_read_by_the_filter(tmp_path):
    journal = tmp_path / 'journal.jsonl'
    journal.write_text(''.join(json.dumps(item) + '\n' for item in [
        result('a.com'), result('b.com', task_no=OTHER_TASK), result('c.com', code=3, message='No.')]))
    report = build_migration_report(submission(changed=['a.com', 'c.com']), journal=str(journal), state_file='/state')
    assert [record['status'] for record in report['domains']] == ['succeeded', 'failed']
    assert report['journal'] == str(journal) and report['state_file'] == '/state'
    absent = build_migration_report(submission(changed=['a.com']), journal=str(tmp_path / 'absent.jsonl'))
    assert absent['domains'][0]['status'] == 'pending' and absent['timeline'] == [[0, 0]]
    assert absent['summary']['duration_seconds'] == 0


def test_a_journal_line_that_is_no_result_is_one_clear_error(tmp_path):
    journal = tmp_path / 'journal.jsonl'
    journal.write_text('{"event": "intent"}\n')
    with pytest.raises(AnsibleFilterError, match='journal .* line 1 is not a task result'):
        FilterModule().filters()['migration_report'](submission(changed=['a.com']), journal=str(journal))


def test_problems_name_twenty_failures_then_count_the_rest_and_end_with_the_errors():
    domains = ['f%02d.com' % number for number in range(23)]
    report = build_migration_report(submission(changed=domains),
                                    results=[result(domain, code=3, message='') for domain in domains],
                                    errors=['Timed out after 5 s', 'AcknowledgeTaskResult failed: X'])
    problems = report['problems']
    assert problems.startswith('23 domain(s) failed: f00.com (no error message); f01.com (no error message)')
    assert 'f19.com (no error message) and 3 more. ' in problems and 'f20.com' not in problems
    assert problems.endswith('Errors: Timed out after 5 s | AcknowledgeTaskResult failed: X')
    assert report['errors'] == ['Timed out after 5 s', 'AcknowledgeTaskResult failed: X']


def test_nothing_wrong_means_no_problems():
    report = build_migration_report(submission(changed=['a.com']), results=[result('a.com')])
    assert report['problems'] == '' and report['failed_domains'] == [] and report['pending_domains'] == []


def test_blocked_domains_get_records_counts_and_a_problem():
    report = build_migration_report(submission(changed=['a.com'], domains_blocked={'b.com': 'The domain is locked.'}),
                                    results=[result('a.com')])
    rows = records(report)
    assert rows['b.com']['status'] == 'blocked' and rows['b.com']['error_msg'] == 'The domain is locked.'
    assert report['summary']['blocked'] == 1 and report['summary']['total'] == 2
    assert report['blocked_domains'] == ['b.com']
    assert report['problems'] == '1 domain(s) were not submitted: b.com (The domain is locked).'
    explicit = build_migration_report(submission(changed=['a.com']), results=[result('a.com')], blocked={'c.com': 'Expired'})
    assert explicit['blocked_domains'] == ['c.com']


def test_annotation_sections_extend_every_record_and_feed_the_summary():
    report = build_migration_report(
        submission(changed=['a.com', 'b.com'], unchanged=['c.com']), results=[result('a.com'), result('b.com')],
        annotations={'delegation': {'a.com': {'verified': True, 'verified_at': '2026-12-02T10:01:00Z'},
                                    'b.com': {'verified': False, 'problems': ['parent still refers to the old servers']},
                                    'not-in-the-report.com': {'verified': False}},
                     'preflight': {'c.com': {'verdict': 'ok'}}})
    rows = records(report)
    assert rows['a.com']['delegation'] == {'verified': True, 'verified_at': '2026-12-02T10:01:00Z'}
    assert rows['c.com']['delegation'] is None and rows['c.com']['preflight'] == {'verdict': 'ok'}
    assert report['summary']['unverified'] == 1
    assert set(rows['a.com']) == set(_report.RECORD_FIELDS) | {'delegation', 'preflight'}


@pytest.mark.parametrize('arguments, fragment', [
    ({'annotations': {'status': {}}}, "Invalid value 'status' for option annotations"),
    ({'annotations': {'delegation': ['a.com']}}, 'section delegation must map domains'),
    ({'annotations': ['delegation']}, 'option annotations: expected a dict'),
    ({'acknowledged': -1}, 'Invalid value -1 for option acknowledged'),
    ({'acknowledged': 'many'}, "Invalid value 'many' for option acknowledged"),
    ({'results': 'a.com'}, "Invalid value 'a.com' for option results: expected a list"),
    ({'blocked': ['a.com']}, 'option blocked: expected a dict'),
    ({'errors': 'boom'}, 'option errors: expected a list'),
])
def test_bad_arguments_are_named(arguments, fragment):
    with pytest.raises(DomainConfigError) as raised:
        build_migration_report(submission(changed=['a.com']), **arguments)
    assert fragment in str(raised.value)


def test_the_filter_turns_errors_into_one_filter_error():
    with pytest.raises(AnsibleFilterError, match='aliyun.domain.migration_report: Invalid value None for option submission'):
        FilterModule().filters()['migration_report'](None)
    with pytest.raises(AnsibleFilterError, match='aliyun.domain.migration_report_view: .*option report'):
        FilterModule().filters()['migration_report_view']([])


def test_the_view_orders_records_for_people_and_draws_the_chart():
    report = build_migration_report(
        submission(changed=['z.com', 'b.com', 'y.com', 'a.com'], unchanged=['u.com'], domains_blocked={'x.com': 'Locked'}),
        results=[result('z.com', updated='2026-12-02 10:00:02'), result('y.com', code=3, updated='2026-12-02 10:00:04'),
                 result('a.com', updated='2026-12-02 10:00:20')])
    view = report_view(report)
    assert [(record['status'], record['domain']) for record in view['records']] == [
        ('failed', 'y.com'), ('blocked', 'x.com'), ('pending', 'b.com'), ('succeeded', 'a.com'), ('succeeded', 'z.com'),
        ('unchanged', 'u.com')]
    chart = view['chart']
    # 3 results in 20 s: the y axis goes to 4 (whole steps of 1), the x axis to 20 s
    assert [line['label'] for line in chart['y_lines']] == [0, 1, 2, 3, 4]
    assert [tick['label'] for tick in chart['x_ticks']] == ['0s', '5s', '10s', '15s', '20s']
    points = [tuple(float(value) for value in point.split(',')) for point in chart['points'].split(' ')]
    # one step per timeline point (two points each), x growing with time, y (downwards) with the count
    assert len(points) == 2 * len(report['timeline'])
    bottom, top = chart['top'] + chart['plot_height'], chart['top']
    assert points[0] == (chart['left'], bottom) and points[-1] == (chart['right_edge'], top + chart['plot_height'] / 4)
    assert [x for x, dummy in points] == sorted(x for x, dummy in points)
    assert [y for dummy, y in points] == sorted((y for dummy, y in points), reverse=True)
    assert chart['label'] == 'Results received over time: 3 of 4 within 20 seconds'
    assert chart['finals'] == 3


def test_no_results_no_chart():
    report = build_migration_report(submission(unchanged=['u.com'], task_nos=[]), results=[])
    assert report_view(report)['chart'] is None


def test_a_blocked_domains_reasons_may_be_a_list_shared_by_two_checks():
    report = build_migration_report(submission(changed=['a.com']), results=[result('a.com')],
                                    blocked={'b.com': ['The domain is locked.', 'nameserver ns2.example.org is lame']})
    assert records(report)['b.com']['error_msg'] == 'The domain is locked.; nameserver ns2.example.org is lame'
    assert 'b.com (The domain is locked.; nameserver ns2.example.org is lame)' in report['problems']


def test_unverified_domains_are_a_problem_naming_the_parent_zones_answer():
    report = build_migration_report(
        submission(changed=['a.com', 'b.com']), results=[result('a.com'), result('b.com')],
        annotations={'delegation': {'a.com': {'verified': True, 'problems': []},
                                    'b.com': {'verified': False, 'problems': ['192.0.2.1 refers to ns1.old.test']}}})
    assert report['unverified_domains'] == ['b.com'] and report['summary']['unverified'] == 1
    assert report['problems'] == '1 domain(s) not verified at the parent zone: b.com (192.0.2.1 refers to ns1.old.test).'


# -- the way back: nameservers before -> after ----------------------------------------------------

HICHINA = ['dns2.hichina.com', 'dns1.hichina.com']   # as the registrar listed them: order kept
NEW = ['ns1.example.org', 'ns2.example.org']
ALIYUN = ['Alibaba Cloud DNS']


def way_back(report):
    return dict((record['domain'], (record['nameservers_before'], record['nameservers_after'])) for record in report['domains'])


def write_state_file(path, *records):
    path.write_text(''.join(json.dumps(record) + '\n' for record in records))
    return str(path)


def intent(intent_id, domains, before=None, **extra):
    record = {'event': 'intent', 'id': intent_id, 'time_ms': 1, 'domains': list(domains),
              'target': {'aliyun_dns': False, 'nameservers': NEW}, 'known_task_nos': []}
    if before is not None:
        record.update(kind='migration', before=before)
    record.update(extra)
    return record


def test_records_show_each_domains_nameservers_before_and_its_own_target_after():
    report = build_migration_report(
        submission(changed=['a.com', 'b.com'], unchanged=['c.com'], domains_blocked={'d.com': 'The domain is locked.'},
                   nameservers=[],   # per-domain targets: no single list
                   nameservers_before={'a.com': HICHINA, 'b.com': ['ns9.old.test'], 'c.com': NEW, 'd.com': None},
                   targets={'a.com': NEW, 'b.com': ALIYUN, 'c.com': NEW, 'd.com': NEW}),
        results=[result('a.com'), result('b.com')])
    assert way_back(report) == {'a.com': (HICHINA, NEW), 'b.com': (['ns9.old.test'], ALIYUN), 'c.com': (NEW, NEW),
                                'd.com': (None, NEW)}
    assert report['nameservers'] == []
    assert list(records(report)['a.com'])[:len(_report.RECORD_FIELDS)] == list(_report.RECORD_FIELDS)
    assert _report.RECORD_FIELDS[-2:] == ('nameservers_before', 'nameservers_after')
    # the view hands them to the page unchanged
    assert dict((row['domain'], (row['nameservers_before'], row['nameservers_after']))
                for row in report_view(report)['records']) == way_back(report)
    json.dumps(report)


def test_an_older_submission_takes_before_from_the_open_migrations_intents_and_after_from_its_nameservers(tmp_path):
    state_file = write_state_file(
        tmp_path / 'state.jsonl',
        intent('old-1', ['a.com'], before={'a.com': ['ns1.long-ago.test']}),   # a closed migration: history
        {'event': 'submitted', 'id': 'old-1', 'task_no': 'old-task'},
        {'event': 'completed', 'started': '2026-12-01T00:00:00Z'},
        intent('i-1', ['a.com', 'b.com'], before={'a.com': HICHINA, 'b.com': None}),
        {'event': 'not_sent', 'id': 'i-1'},
        intent('i-2', ['a.com', 'b.com'], before={'a.com': ['changed.meanwhile.test'], 'b.com': ['ns3.old.test']}),
        {'event': 'submitted', 'id': 'i-2', 'task_no': TASK_1})
    older = submission(changed=['a.com', 'b.com'], unchanged=['c.com'])   # no nameservers_before, no targets
    report = build_migration_report(older, results=[result('a.com'), result('b.com')], state_file=state_file)
    # the first known list of the open migration; c.com was never in an intent (unchanged): unknown
    assert way_back(report) == {'a.com': (HICHINA, NEW), 'b.com': (['ns3.old.test'], NEW), 'c.com': (None, NEW)}
    # a submission that knows a domain's list wins over the state file; one that says null falls back to it
    knowing = dict(older, nameservers_before={'a.com': ['ns5.read.test'], 'b.com': None})
    assert way_back(build_migration_report(knowing, results=[], state_file=state_file))['a.com'][0] == ['ns5.read.test']
    assert way_back(build_migration_report(knowing, results=[], state_file=state_file))['b.com'][0] == ['ns3.old.test']


def test_a_state_file_older_than_the_before_records_or_none_at_all_leaves_before_unknown(tmp_path):
    state_file = write_state_file(tmp_path / 'state.jsonl', intent('i-1', ['a.com']),
                                  {'event': 'submitted', 'id': 'i-1', 'task_no': TASK_1})
    for where in (state_file, None, str(tmp_path / 'absent.jsonl')):
        report = build_migration_report(submission(changed=['a.com']), results=[result('a.com')], state_file=where)
        assert way_back(report) == {'a.com': (None, NEW)}
    nothing = build_migration_report(submission(changed=['a.com'], nameservers=[]), results=[])
    assert way_back(nothing) == {'a.com': (None, None)}


def test_the_title_defaults_to_a_migration_and_a_rollback_can_say_so():
    assert build_migration_report(submission(changed=['a.com']), results=[])['title'] == 'DNS migration report'
    rollback = FilterModule().filters()['migration_report'](submission(changed=['a.com']), results=[],
                                                            title='DNS rollback report')
    assert rollback['title'] == 'DNS rollback report'


@pytest.mark.parametrize('arguments, fragment', [
    ({'title': ''}, "Invalid value '' for option title: expected a non-empty string."),
    ({'title': ['x']}, "option title"),
    ({'annotations': {'nameservers_before': {}}}, "Invalid value 'nameservers_before' for option annotations"),
])
def test_bad_way_back_arguments_are_named(arguments, fragment):
    with pytest.raises(DomainConfigError) as raised:
        build_migration_report(submission(changed=['a.com']), results=[], **arguments)
    assert fragment in str(raised.value)


def test_a_submission_whose_way_back_is_no_map_is_named():
    with pytest.raises(DomainConfigError, match='option submission.nameservers_before: expected a dict'):
        build_migration_report(submission(changed=['a.com'], nameservers_before=['a.com']), results=[])
    with pytest.raises(DomainConfigError, match='option submission.targets: expected a dict'):
        build_migration_report(submission(changed=['a.com'], targets='ns1.example.org'), results=[])


def cancellation(cancelled=(), already_run=None, task_nos=(TASK_1,), targets=None):
    """The result of aliyun.domain.cancel, as an abort hands it to the report (targets: every domain to NEW)."""
    domains = list(cancelled) + list(already_run or {})
    return {'task_nos': list(task_nos), 'tasks': dict((task_no, 'COMPLETE') for task_no in task_nos),
            'domains_cancelled': list(cancelled), 'domains_already_run': dict(already_run or {}),
            'open_run_kind': 'migration', 'changed': True,
            'targets': targets if targets is not None else dict((domain, list(NEW)) for domain in domains)}


def test_an_abort_reports_the_cancelled_domains_apart_and_not_as_a_problem(tmp_path):
    state_file = write_state_file(
        tmp_path / 'state.jsonl',
        intent('i-1', ['a.com', 'b.com', 'c.com', 'd.com'],
               before={'a.com': ['ns1.old.test'], 'b.com': ['ns2.old.test'], 'c.com': HICHINA, 'd.com': None}),
        {'event': 'submitted', 'id': 'i-1', 'task_no': TASK_1})
    report = build_migration_report(
        cancellation(cancelled=['a.com', 'b.com'], already_run={'c.com': 'EXECUTE_SUCCESS', 'd.com': 'EXECUTE_FAILURE'}),
        results=[result('a.com', code=3, message='cancelled'), result('b.com', code=3, message=''),
                 result('c.com'), result('d.com', code=3, message='Registry refused.')],
        state_file=state_file, title='DNS migration report (aborted)')
    rows = records(report)
    assert [rows[domain]['status'] for domain in ('a.com', 'b.com', 'c.com', 'd.com')] == \
        ['cancelled', 'cancelled', 'succeeded', 'failed']
    assert rows['a.com']['error_msg'] == 'cancelled' and rows['b.com']['error_msg'] == _report.CANCELLED_MESSAGE
    assert rows['a.com']['task_no'] == TASK_1
    summary = report['summary']
    assert (summary['cancelled'], summary['succeeded'], summary['failed'], summary['total']) == (2, 1, 1, 4)
    assert report['cancelled_domains'] == ['a.com', 'b.com'] and report['failed_domains'] == ['d.com']
    # only the failure is a problem: the cancellations are what the abort asked for
    assert 'd.com' in report['problems'] and 'a.com' not in report['problems'] and 'b.com' not in report['problems']
    # the way back: before as the open migration's intents recorded it, after the target the cancel result gives
    assert way_back(report) == {'a.com': (['ns1.old.test'], NEW), 'b.com': (['ns2.old.test'], NEW),
                                'c.com': (HICHINA, NEW), 'd.com': (None, NEW)}
    assert report['nameservers'] == [] and report['title'] == 'DNS migration report (aborted)'
    assert [row['status'] for row in report_view(report)['records']] == ['failed', 'cancelled', 'cancelled', 'succeeded']


def test_a_cancelled_domain_whose_detail_succeeded_after_all_is_succeeded_and_check_mode_has_no_results():
    report = build_migration_report(cancellation(cancelled=['a.com']), results=[result('a.com')])
    assert records(report)['a.com']['status'] == 'succeeded' and report['summary']['cancelled'] == 0
    predicted = build_migration_report(cancellation(cancelled=['a.com'], already_run={'b.com': 'EXECUTING'}), results=[])
    rows = records(predicted)
    assert rows['a.com']['status'] == 'cancelled' and rows['a.com']['error_msg'] == _report.CANCELLED_MESSAGE
    assert rows['b.com']['status'] == 'pending' and predicted['pending_domains'] == ['b.com']


def test_a_cancellation_whose_lists_are_no_lists_is_named():
    with pytest.raises(DomainConfigError, match='option submission.domains_cancelled: expected a list'):
        build_migration_report({'task_nos': [TASK_1], 'domains_cancelled': 'a.com'}, results=[])
    with pytest.raises(DomainConfigError, match='option submission.domains_already_run: expected a dict'):
        build_migration_report({'task_nos': [TASK_1], 'domains_already_run': ['a.com']}, results=[])


def test_an_aborts_alibaba_cloud_dns_target_shows_as_such_after():
    report = build_migration_report(cancellation(already_run={'a.com': 'EXECUTE_SUCCESS', 'b.com': 'EXECUTE_SUCCESS'},
                                                 targets={'a.com': 'aliyun_dns', 'b.com': NEW}),
                                    results=[result('a.com'), result('b.com')])
    assert way_back(report) == {'a.com': (None, ALIYUN), 'b.com': (None, NEW)}
