# -*- coding: utf-8 -*-
"""Validation of what the ack module is asked to confirm: all of it is checked before any call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.aliyun.domain.plugins.module_utils import _ack as ack
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._journal import JournalError

DETAIL_A = '15fee9d10d514bada66bd08c5723c583'
DETAIL_B = '25fee9d10d514bada66bd08c5723c584'
DETAIL_C = '35fee9d10d514bada66bd08c5723c585'
TASK_1 = 'b95bc334-f7d8-4f39-8a62-4c4302a243d8'
TASK_2 = 'c95bc334-f7d8-4f39-8a62-4c4302a243d9'


def test_task_detail_nos_are_deduplicated_in_first_seen_order():
    request = ack.parse_request(task_detail_nos=[DETAIL_B, DETAIL_A, DETAIL_B, DETAIL_C, DETAIL_A])
    assert request.source == 'task_detail_nos'
    assert request.task_detail_nos == [DETAIL_B, DETAIL_A, DETAIL_C]
    assert request.task_no_by_detail == {}
    assert request.task_nos is None


def test_results_keep_their_task_numbers_for_check_mode():
    results = [
        {'task_detail_no': DETAIL_A, 'task_no': TASK_1, 'domain_name': 'a.com'},
        {'task_detail_no': DETAIL_B},
        {'task_detail_no': DETAIL_A, 'task_no': TASK_2},
        {'task_detail_no': DETAIL_C, 'task_no': None},
    ]
    request = ack.parse_request(results=results)
    assert request.source == 'results'
    assert request.task_detail_nos == [DETAIL_A, DETAIL_B, DETAIL_C]
    assert request.task_no_by_detail == {DETAIL_A: TASK_1}


def test_task_no_names_tasks_not_details():
    request = ack.parse_request(task_no=[TASK_1, TASK_2, TASK_1])
    assert request.source == 'task_no'
    assert request.task_nos == [TASK_1, TASK_2]
    assert request.task_detail_nos == []


@pytest.mark.parametrize('kwargs, expected', [
    ({}, 'Nothing to acknowledge: give one of task_detail_nos, results or task_no'),
    ({'task_detail_nos': [DETAIL_A], 'task_no': [TASK_1]}, 'Give only one of task_detail_nos, results and task_no, not task_detail_nos and task_no'),
    ({'task_detail_nos': []}, 'option task_detail_nos, nothing was acknowledged: the list is empty'),
    ({'results': []}, 'option results, nothing was acknowledged: the list is empty'),
    ({'task_no': []}, 'option task_no, nothing was acknowledged: the list is empty'),
    ({'task_detail_nos': DETAIL_A}, "Invalid value '%s' for option task_detail_nos, nothing was acknowledged: expected a list" % DETAIL_A),
    ({'results': {'task_results': []}}, 'expected a list of result with task_detail_no, got dict'),
    ({'task_detail_nos': [DETAIL_A, 123]}, 'task_detail_nos[1] is 123 (int); a TaskDetailNo is a string, quote it in YAML'),
    ({'task_detail_nos': [1.5e10]}, 'task_detail_nos[0] is 15000000000.0 (float)'),
    ({'task_detail_nos': [True]}, 'task_detail_nos[0] is True (bool)'),
    ({'task_detail_nos': [None]}, 'task_detail_nos[0] is None (null)'),
    ({'task_detail_nos': ['']}, 'task_detail_nos[0] is an empty string'),
    ({'task_detail_nos': [' %s' % DETAIL_A]}, "task_detail_nos[0] is ' %s'; a TaskDetailNo contains no whitespace" % DETAIL_A),
    ({'task_no': [TASK_1, 7]}, 'task_no[1] is 7 (int); a TaskNo is a string'),
    ({'results': [{'task_detail_no': DETAIL_A}, {'domain_name': 'a.com', 'task_no': TASK_1}]},
     'results[1] has no task_detail_no (keys: domain_name, task_no)'),
    ({'results': [{}]}, 'results[0] has no task_detail_no (keys: none)'),
    ({'results': [DETAIL_A]}, "results[0] is '%s' (str), not a dict with task_detail_no" % DETAIL_A),
    ({'results': [{'task_detail_no': 42}]}, 'results[0].task_detail_no is 42 (int)'),
])
def test_bad_input_is_one_clear_error(kwargs, expected):
    with pytest.raises(DomainConfigError) as caught:
        ack.parse_request(**kwargs)
    assert expected in str(caught.value)
    assert '\n' not in str(caught.value)


def test_every_bad_element_is_reported_up_to_a_limit():
    values = [DETAIL_A] + list(range(8))
    with pytest.raises(DomainConfigError) as caught:
        ack.parse_request(task_detail_nos=values)
    message = str(caught.value)
    assert caught.value.option == 'task_detail_nos'
    assert 'task_detail_nos[1] is 0 (int)' in message
    assert 'task_detail_nos[5] is 4 (int)' in message
    assert 'task_detail_nos[6]' not in message
    assert message.endswith('(and 3 more)')


@pytest.mark.parametrize('value', [0, -1, 1001, True, '10', 2.5, None])
def test_batch_size_outside_1_to_1000_is_refused(value):
    with pytest.raises(DomainConfigError) as caught:
        ack.validate_batch_size(value)
    assert 'option batch_size: expected a whole number from 1 to 1000' in str(caught.value)
    assert caught.value.option == 'batch_size'


@given(numbers=st.lists(st.sampled_from(['d%02d' % index for index in range(30)]), min_size=1, max_size=200),
       batch_size=st.integers(min_value=1, max_value=1000))
def test_batches_cover_each_number_once_in_order(numbers, batch_size):
    request = ack.parse_request(task_detail_nos=numbers)
    batches = ack.plan_batches(request.task_detail_nos, batch_size)
    flattened = [number for batch in batches for number in batch['task_detail_nos']]
    assert flattened == request.task_detail_nos
    assert len(set(flattened)) == len(flattened)
    assert all(0 < len(batch['task_detail_nos']) <= batch_size for batch in batches)
    assert [batch['index'] for batch in batches] == list(range(len(batches)))
    assert all(batch['status'] == ack.BATCH_NOT_SENT for batch in batches)


def _write_journal(path, records, torn_tail=''):
    path.write_text(''.join(json.dumps(record) + '\n' for record in records) + torn_tail)
    return str(path)


def test_journal_gives_exactly_the_final_results_of_the_named_tasks(tmp_path):
    journal = _write_journal(tmp_path / 'journal.jsonl', [
        {'task_detail_no': DETAIL_A, 'task_no': TASK_1, 'task_status_code': 2},
        {'task_detail_no': DETAIL_B, 'task_no': TASK_2, 'task_status_code': 3},
        {'task_detail_no': DETAIL_C, 'task_no': TASK_1, 'task_status_code': 1},
        {'task_detail_no': 'other', 'task_no': 'another-task', 'task_status_code': 2},
    ], torn_tail='{"task_detail_no": "torn')
    request = ack.parse_request(task_no=[TASK_1, TASK_2], journal=journal)
    assert request.source == 'journal'
    assert request.task_detail_nos == [DETAIL_A, DETAIL_B]
    assert request.task_no_by_detail == {DETAIL_A: TASK_1, DETAIL_B: TASK_2}
    assert request.task_nos is None


def test_an_absent_journal_confirms_nothing(tmp_path):
    request = ack.parse_request(task_no=TASK_1, journal=str(tmp_path / 'absent.jsonl'))
    assert request.task_detail_nos == []


def test_journal_needs_task_no(tmp_path):
    with pytest.raises(DomainConfigError, match='Option journal needs task_no') as raised:
        ack.parse_request(task_detail_nos=[DETAIL_A], journal=str(tmp_path / 'journal.jsonl'))
    assert raised.value.option == 'journal'


def test_a_journal_line_that_is_no_result_fails_before_any_call(tmp_path):
    journal = tmp_path / 'journal.jsonl'
    journal.write_text('{"event": "intent"}\n')
    with pytest.raises(JournalError, match='line 1 is not a task result'):
        ack.parse_request(task_no=[TASK_1], journal=str(journal))
