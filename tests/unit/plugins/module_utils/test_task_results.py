# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError, DomainWaitTimeout
from ansible_collections.aliyun.domain.plugins.module_utils._options import OptionAdapter
from ansible_collections.aliyun.domain.plugins.module_utils._task_results import (
    FailedTasksError,
    ResultCollector,
    ResultQuery,
    TASK_DETAIL_FIELDS,
    TaskResultRequest,
    convert_task_detail,
    fetch_result_page,
    iter_task_results,
    normalize_result_status,
    run_task_result,
    summarize,
    to_snake,
    validate_page_size,
)
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.task_result_fakes import (
    make_client,
)

DOMAINS = ['site-%04d.example' % index for index in range(2500)]


def request_for(**options):
    options.setdefault('page_size', 1000)
    return TaskResultRequest(OptionAdapter(options.get, options.__contains__))


def test_every_task_detail_field_is_converted_to_snake_case():
    raw = {'TaskNo': 't', 'TaskDetailNo': 'd', 'TaskType': 'CHG_DNS', 'TaskTypeDescription': u'修改DNS',
           'InstanceId': 'S1', 'DomainName': 'a.example', 'TaskStatus': 'EXECUTE_FAILURE', 'TaskStatusCode': '3',
           'TryCount': '2', 'ErrorMsg': 'locked', 'TaskResult': 'r', 'CreateTime': '2018-03-26 15:08:20',
           'UpdateTime': '2018-03-26 15:22:18', 'FailReason': 'registry'}

    result = convert_task_detail(raw)

    assert result == {
        'task_no': 't', 'task_detail_no': 'd', 'task_type': 'CHG_DNS', 'task_type_description': u'修改DNS',
        'instance_id': 'S1', 'domain_name': 'a.example', 'task_status': 'EXECUTE_FAILURE', 'task_status_code': 3,
        'try_count': 2, 'error_msg': 'locked', 'task_result': 'r', 'create_time': '2018-03-26 15:08:20',
        'update_time': '2018-03-26 15:22:18', 'fail_reason': 'registry',
    }


def test_missing_fields_are_present_as_none_and_status_code_follows_the_status_name():
    result = convert_task_detail({'TaskDetailNo': 'd', 'TaskStatus': 'EXECUTE_SUCCESS'})

    assert set(snake for _api, snake in TASK_DETAIL_FIELDS) <= set(result)
    assert result['error_msg'] is None
    assert result['task_status_code'] == 2


@pytest.mark.parametrize('name, snake', [('TaskDetailNo', 'task_detail_no'), ('RequestId', 'request_id'),
                                         ('HTTPStatus', 'http_status'), ('TryCount', 'try_count')])
def test_to_snake(name, snake):
    assert to_snake(name) == snake


@pytest.mark.parametrize('value, expected', [('success', 2), ('failure', 3), ('2', 2), (3, 3), ('SUCCESS', 2), (None, None)])
def test_result_status_accepts_names_and_codes(value, expected):
    assert normalize_result_status(value) == expected


@pytest.mark.parametrize('value', ['done', 1, '4'])
def test_bad_result_status_names_option_value_and_choices(value):
    with pytest.raises(DomainConfigError) as caught:
        normalize_result_status(value)
    assert str(caught.value) == 'Invalid value %r for option task_result_status: expected success, failure, 2 or 3.' % (value,)


@pytest.mark.parametrize('value', [0, 1001, -1, True, '10'])
def test_page_size_bounds(value):
    with pytest.raises(DomainConfigError, match=r'^Invalid value .* for option page_size: expected a whole number from 1 to 1000\.$'):
        validate_page_size(value)


def test_reads_every_page_and_converts(api, clock):
    api.add_task('task-big', DOMAINS[:2345], 0.0)
    client = make_client(api, clock)

    results = list(iter_task_results(client, task_no='task-big'))

    assert len(results) == 2345
    assert len(set(item['task_detail_no'] for item in results)) == 2345
    assert results[-1]['domain_name'] == DOMAINS[2344]
    assert api.count('PollTaskResult') == 3
    assert [params['PageSize'] for _action, params in api.calls] == ['1000'] * 3


def test_filters_are_sent_in_api_names(api, clock):
    api.add_task('task-1', DOMAINS[:3], 0.0, failing=DOMAINS[1:2])
    client = make_client(api, clock)

    results = list(iter_task_results(client, task_no='task-1', domain_name=DOMAINS[1], result_status=3))

    assert [item['domain_name'] for item in results] == [DOMAINS[1]]
    sent = api.calls[-1][1]
    assert sent['TaskNo'] == 'task-1'
    assert sent['DomainName'] == DOMAINS[1]
    assert sent['TaskResultStatus'] == '3'
    assert 'InstanceId' not in sent

    by_instance = list(iter_task_results(client, instance_id=api.details[2].instance_id))
    assert [item['domain_name'] for item in by_instance] == [DOMAINS[2]]
    assert api.calls[-1][1]['InstanceId'] == api.details[2].instance_id


def test_one_page_comes_with_its_envelope(api, clock):
    api.add_task('task-1', DOMAINS[:25], 0.0)
    client = make_client(api, clock)

    results, envelope = fetch_result_page(client, 2, task_no='task-1', page_size=10)

    assert [item['domain_name'] for item in results] == DOMAINS[10:20]
    assert envelope == {'total_item_num': 25, 'current_page_num': 2, 'total_page_num': 3, 'page_size': 10,
                        'pre_page': True, 'next_page': True}


def test_summary_counts():
    summary = summarize([{'task_status_code': 2}, {'task_status_code': 3}, {'task_status_code': 2},
                         {'task_status_code': 1}])
    assert summary == {'total': 4, 'succeeded': 2, 'failed': 1, 'pending': 1}


def test_projection_queries_are_streamed_and_others_see_the_whole_list():
    results = [{'task_detail_no': str(n), 'domain_name': 'd%d' % n, 'task_status_code': 3 if n % 3 == 0 else 2}
               for n in range(10)]
    streamed = ResultQuery('[?task_status_code==`3`].domain_name')
    whole = ResultQuery('length([?task_status_code==`3`])')
    assert streamed.streamable and not whole.streamable

    collector = ResultCollector(query=streamed, keep_results=False)
    collector.consume(iter(results), chunk_size=4)
    assert collector.results == []
    assert collector.query_result() == ['d0', 'd3', 'd6', 'd9']

    collector = ResultCollector(query=whole, keep_results=False)
    collector.consume(iter(results), chunk_size=4)
    assert collector.query_result() == 4


def test_invalid_query_names_the_option():
    with pytest.raises(DomainConfigError, match=r"^query: '\[\?' is not a valid JMESPath expression"):
        ResultQuery('[?')


@pytest.mark.parametrize('expression, reason', [
    ('[invalid', 'the expression is incomplete'),
    ('a.!', 'column 2'),
    ('`bad', 'Unclosed ` delimiter'),
    ('nosuchfn(@)', 'Unknown function: nosuchfn()'),
    ('length(@, @)', 'Expected 1 argument for function length(), received 2'),
    ('[*].not_null()', 'Expected at least 1 argument for function not_null(), received 0'),
])
def test_a_query_that_cannot_work_is_refused_before_any_call_in_one_line(api, clock, expression, reason):
    client = make_client(api, clock)
    with pytest.raises(DomainConfigError) as caught:
        request_for(query=expression)
    message = str(caught.value)
    assert caught.value.option == 'query'
    assert message.startswith('query: %r is not a valid JMESPath expression: ' % expression)
    assert reason in message
    assert '\n' not in message
    assert client.api_calls == 0


@pytest.mark.parametrize('expression, reason', [
    ('abs(@)', 'in function abs(), expected number, received array'),
    ('[*].abs(domain_name)', 'in function abs(), expected number, received string'),
    ('sort_by(@, &task_result)', 'in function sort_by(), expected string or number, received null'),
])
def test_a_query_that_fails_on_the_results_is_one_line_naming_the_option(api, clock, tmp_path, expression, reason):
    api.add_task('task-1', DOMAINS[:3], 0.0)
    journal = str(tmp_path / 'results.jsonl')
    request = request_for(task_no=['task-1'], journal=journal, query=expression)

    with pytest.raises(DomainConfigError) as caught:
        run_task_result(make_client(api, clock), request)

    message = str(caught.value)
    assert caught.value.option == 'query'
    assert message == 'query: %r cannot be evaluated on the results: %s' % (expression, reason)
    # the results themselves are not echoed into the message, and they were journaled before the query ran
    assert DOMAINS[0] not in message
    with open(journal, encoding='utf-8') as handle:
        assert sum(1 for _line in handle) == 3


def test_collector_filters_on_task_type_and_deduplicates():
    collector = ResultCollector(task_type='CHG_DNS')
    collector.add([{'task_detail_no': 'a', 'task_type': 'CHG_DNS', 'task_status_code': 2},
                   {'task_detail_no': 'b', 'task_type': 'ORDER_RENEW', 'task_status_code': 2},
                   {'task_detail_no': 'a', 'task_type': 'CHG_DNS', 'task_status_code': 2}])

    assert [item['task_detail_no'] for item in collector.results] == ['a']
    assert collector.summary['total'] == 1


@pytest.mark.parametrize('options, option', [
    ({'wait': True}, 'wait'),
    ({'wait': True, 'task_no': ['t'], 'page_num': 1}, 'page_num'),
    ({'task_no': ['a', 'b'], 'page_num': 2}, 'page_num'),
    ({'page_num': 0}, 'page_num'),
    ({'task_no': ['']}, 'task_no'),
    ({'domain_name': '  '}, 'domain_name'),
])
def test_request_validation_names_the_option(options, option):
    with pytest.raises(DomainConfigError) as caught:
        request_for(**options)
    assert caught.value.option == option
    message = str(caught.value)
    assert message.startswith(option + ': ') or message.startswith(option + ' ') or ' for option %s: ' % option in message


def test_run_waits_then_collects_journals_and_returns_everything(api, clock, tmp_path):
    api.add_task('task-1', DOMAINS[:30], [2.0 + index * 0.2 for index in range(30)])
    client = make_client(api, clock)
    journal = str(tmp_path / 'results.jsonl')

    result = run_task_result(client, request_for(task_no=['task-1'], wait=True, journal=journal))

    assert result['changed'] is False
    assert result['summary'] == {'total': 30, 'succeeded': 30, 'failed': 0, 'pending': 0}
    assert [item['domain_name'] for item in result['task_results']] == DOMAINS[:30]
    assert result['api_calls'] == client.api_calls == len(result['request_ids'])
    assert result['elapsed'] >= 7.8
    with open(journal, encoding='utf-8') as handle:
        assert len([json.loads(line) for line in handle]) == 30


def test_run_with_journal_and_query_returns_only_the_query(api, clock, tmp_path):
    api.add_task('task-1', DOMAINS[:1500], 0.0, failing=DOMAINS[5:7])
    client = make_client(api, clock)
    journal = str(tmp_path / 'results.jsonl')

    result = run_task_result(client, request_for(task_no=['task-1'], journal=journal,
                                                 query='[?task_status_code==`3`].domain_name'))

    assert result['task_results'] == []
    assert result['query_result'] == DOMAINS[5:7]
    assert result['summary']['total'] == 1500
    with open(journal, encoding='utf-8') as handle:
        assert sum(1 for _line in handle) == 1500


def test_run_fails_on_failed_details_but_returns_and_journals_all_results(api, clock, tmp_path):
    api.add_task('task-1', DOMAINS[:5], 1.0, failing=DOMAINS[3:4])
    client = make_client(api, clock)
    journal = str(tmp_path / 'results.jsonl')

    with pytest.raises(FailedTasksError) as caught:
        run_task_result(client, request_for(task_no=['task-1'], wait=True, journal=journal))

    assert str(caught.value) == ('1 of 5 details ended in EXECUTE_FAILURE: %s: The domain is locked by the registry.'
                                 % DOMAINS[3])
    assert len(caught.value.result['task_results']) == 5
    assert caught.value.result['failed_domains'] == [DOMAINS[3]]
    with open(journal, encoding='utf-8') as handle:
        assert sum(1 for _line in handle) == 5


def test_reading_after_a_wait_is_retried_through_transient_errors(api, clock):
    api.add_task('task-1', DOMAINS[:5], 2.0)
    client = make_client(api, clock, max_retries=1)
    api.fail_next(5, code='ServiceUnavailable', status=503, message='temporary failure', action='PollTaskResult')

    result = run_task_result(client, request_for(task_no=['task-1'], wait=True))

    assert result['summary']['total'] == 5
    assert not api.faults


def test_reading_after_a_wait_gives_up_at_the_deadline_naming_the_last_error(api, clock):
    api.add_task('task-1', DOMAINS[:5], 2.0)
    client = make_client(api, clock, max_retries=0)
    api.fail_next(1000, code='ServiceUnavailable', status=503, message='temporary failure', action='PollTaskResult')

    with pytest.raises(DomainWaitTimeout) as caught:
        run_task_result(client, request_for(task_no=['task-1'], wait=True, wait_timeout=30))

    assert 'the results to be read' in str(caught.value)
    assert 'ServiceUnavailable' in str(caught.value)
    assert 30 <= clock() - 1000.0 < 31


def test_failed_details_are_data_when_fail_on_failure_is_off(api, clock):
    api.add_task('task-1', DOMAINS[:5], 1.0, failing=DOMAINS[3:4])
    client = make_client(api, clock)

    result = run_task_result(client, request_for(task_no=['task-1'], wait=True, fail_on_failure=False))

    assert result['summary']['failed'] == 1


def test_run_timeout_returns_the_final_results_and_the_pending_count(api, clock, tmp_path):
    api.add_task('task-1', DOMAINS[:6], [1.0] * 4 + [900.0] * 2)
    client = make_client(api, clock)
    journal = str(tmp_path / 'results.jsonl')

    with pytest.raises(DomainWaitTimeout) as caught:
        run_task_result(client, request_for(task_no=['task-1'], wait=True, wait_timeout=20, journal=journal))

    result = caught.value.result
    assert result['summary'] == {'total': 4, 'succeeded': 4, 'failed': 0, 'pending': 2}
    assert result['pending_domains'] == DOMAINS[4:6]
    assert '4 of 6 details final' in str(caught.value)
    with open(journal, encoding='utf-8') as handle:
        assert sum(1 for _line in handle) == 4


def test_run_waits_for_a_result_of_a_domain(api, clock):
    api.add_task('task-1', DOMAINS[:3], [1.0, 6.0, 1.0])
    client = make_client(api, clock)

    result = run_task_result(client, request_for(domain_name=DOMAINS[1], wait=True))

    assert [item['domain_name'] for item in result['task_results']] == [DOMAINS[1]]
    assert clock() >= 1006.0


def test_run_one_page_returns_the_envelope(api, clock):
    api.add_task('task-1', DOMAINS[:7], 0.0)
    client = make_client(api, clock)

    result = run_task_result(client, request_for(task_no=['task-1'], page_num=2, page_size=5))

    assert [item['domain_name'] for item in result['task_results']] == DOMAINS[5:7]
    assert (result['total_item_num'], result['current_page_num'], result['total_page_num']) == (7, 2, 2)
    assert result['pre_page'] is True and result['next_page'] is False
