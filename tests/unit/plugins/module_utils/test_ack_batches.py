# -*- coding: utf-8 -*-
"""AcknowledgeTaskResult in batches and the check-mode prediction, with the real DomainClient.

Only the HTTP exchange is replaced (task_result_fakes.FakeSession): every assertion about what was
sent is made on the decoded request parameters.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils import _ack as ack
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.task_result_fakes import (
    FakeTaskApi,
    make_client,
)

OURS = 'aaaaaaaa-0000-4000-8000-000000000001'
THEIRS = 'bbbbbbbb-0000-4000-8000-000000000002'


@pytest.fixture
def api(clock):
    api = FakeTaskApi(clock)
    api.add_task(OURS, ['ours-%d.com' % index for index in range(5)], final_in=1)
    api.add_task(THEIRS, ['theirs-%d.com' % index for index in range(3)], final_in=1)
    clock.now += 2
    return api


def numbers_of(api, task_no):
    return [detail.number for detail in api.details if detail.task_no == task_no]


def sent_batches(api):
    """The TaskDetailNo.N values of every AcknowledgeTaskResult request, in order, as lists."""
    batches = []
    for action, params in api.calls:
        if action == 'AcknowledgeTaskResult':
            keys = sorted((key for key in params if key.startswith('TaskDetailNo.')), key=lambda key: int(key.split('.')[1]))
            batches.append([params[key] for key in keys])
    return batches


def unacknowledged(api, task_no):
    return [detail.number for detail in api.details if detail.task_no == task_no and not detail.acknowledged]


def test_confirms_exactly_the_numbers_given_in_batches(api, clock):
    ours = numbers_of(api, OURS)
    outcome = ack.acknowledge(make_client(api, clock), ours + ours[:2], batch_size=2)

    # Batches overlap (concurrency), so they may arrive in any order; each is sent once, as planned.
    assert sorted(sent_batches(api)) == [ours[0:2], ours[2:4], ours[4:5]]
    assert [batch['status'] for batch in outcome.batches] == ['confirmed'] * 3
    assert [batch['result'] for batch in outcome.batches] == [2, 2, 1]
    assert outcome.acknowledged_count == 5 and outcome.changed
    assert outcome.remaining == [] and outcome.error is None
    assert unacknowledged(api, OURS) == []
    assert unacknowledged(api, THEIRS) == numbers_of(api, THEIRS)
    assert all(batch['request_id'].startswith('REQ-') for batch in outcome.batches)


def test_one_at_a_time_sends_the_batches_in_order(api, clock):
    ours = numbers_of(api, OURS)
    outcome = ack.acknowledge(make_client(api, clock), ours, batch_size=2, concurrency=1)
    assert sent_batches(api) == [ours[0:2], ours[2:4], ours[4:5]]
    assert [batch['result'] for batch in outcome.batches] == [2, 2, 1]


def test_second_run_confirms_nothing_new_and_is_unchanged(api, clock):
    ours = numbers_of(api, OURS)
    ack.acknowledge(make_client(api, clock), ours)
    again = ack.acknowledge(make_client(api, clock), ours)
    assert again.acknowledged_count == 0
    assert not again.changed
    assert [batch['status'] for batch in again.batches] == ['confirmed']
    assert again.to_result()['changed'] is False


def test_transient_errors_are_retried_and_counted_once(api, clock):
    ours = numbers_of(api, OURS)
    api.fail_next(2, code='Throttling.User')
    client = make_client(api, clock)
    paced = []
    client.rate_limiter.sleep = paced.append
    outcome = ack.acknowledge(client, ours, batch_size=100)
    assert api.count('AcknowledgeTaskResult') == 3
    assert outcome.acknowledged_count == 5
    assert outcome.batches[0]['status'] == 'confirmed'
    # two backoffs, and each retry waited for the client's pacing
    assert len(clock.sleeps) == 2 and len(paced) == 2


class FailingOnCall(FakeTaskApi):
    """Refuses the n-th AcknowledgeTaskResult call (1-based) with a non-retryable error."""

    def __init__(self, clock, failing_call, code='Forbidden.RAM'):
        super(FailingOnCall, self).__init__(clock)
        self.failing_call = failing_call
        self.code = code

    def handle(self, action, params):
        if action == 'AcknowledgeTaskResult' and self.count('AcknowledgeTaskResult') + 1 == self.failing_call:
            self.fail_next(1, code=self.code, status=403, message='User not authorized to operate on the specified resource.')
        return super(FailingOnCall, self).handle(action, params)


def test_failure_in_the_middle_reports_batches_and_what_is_left(clock):
    api = FailingOnCall(clock, failing_call=2)
    api.add_task(OURS, ['ours-%d.com' % index for index in range(5)], final_in=1)
    clock.now += 2
    ours = numbers_of(api, OURS)

    outcome = ack.acknowledge(make_client(api, clock), ours, batch_size=2, concurrency=1)

    assert [batch['status'] for batch in outcome.batches] == ['confirmed', 'failed', 'not_sent']
    assert api.count('AcknowledgeTaskResult') == 2
    assert outcome.acknowledged_count == 2 and outcome.changed
    assert outcome.remaining == ours[2:]
    assert outcome.batches[1]['error']['code'] == 'Forbidden.RAM'
    assert outcome.batches[1]['request_id'] == outcome.error.request_id
    result = outcome.to_result()
    assert result['error']['code'] == 'Forbidden.RAM'
    message = outcome.failure_message()
    assert 'AcknowledgeTaskResult failed: Forbidden.RAM' in message
    assert '1 of 3 batches confirmed (2 results newly acknowledged), 3 numbers left' in message

    rerun = ack.acknowledge(make_client(api, clock), outcome.remaining, batch_size=2)
    assert rerun.error is None and rerun.acknowledged_count == 3
    assert unacknowledged(api, OURS) == []


class AnswerWithoutResult(FakeTaskApi):
    def _AcknowledgeTaskResult(self, params):
        super(AnswerWithoutResult, self)._AcknowledgeTaskResult(params)
        return {}


def test_an_answer_without_result_count_fails_the_batch(clock):
    api = AnswerWithoutResult(clock)
    api.add_task(OURS, ['a.com'], final_in=0)
    outcome = ack.acknowledge(make_client(api, clock), numbers_of(api, OURS))
    assert outcome.batches[0]['status'] == 'failed'
    assert outcome.error.code == 'InvalidResponse'
    assert 'no numeric Result' in str(outcome.error)
    assert outcome.remaining == numbers_of(api, OURS)


def test_task_no_input_resolves_to_that_tasks_final_results_only(clock):
    api = FakeTaskApi(clock)
    api.add_task(OURS, ['done.com', 'slow.com'], final_in=[1, 100])
    api.add_task(THEIRS, ['theirs.com'], final_in=1)
    clock.now += 2
    request = ack.resolve_task_nos(make_client(api, clock), ack.parse_request(task_no=OURS))
    assert request.task_detail_nos == numbers_of(api, OURS)[:1]
    assert request.task_no_by_detail == {numbers_of(api, OURS)[0]: OURS}
    assert api.count('AcknowledgeTaskResult') == 0


def test_check_mode_asks_per_task_and_confirms_nothing(api, clock):
    ours = numbers_of(api, OURS)
    ack.acknowledge(make_client(api, clock), ours[:2])
    api.calls[:] = []
    results = [{'task_detail_no': number, 'task_no': OURS} for number in ours]

    outcome = ack.predict(make_client(api, clock), ack.parse_request(results=results), batch_size=2)

    assert outcome.would_acknowledge == ours[2:]
    assert outcome.acknowledged_count == 3 and outcome.changed
    assert [call[1].get('TaskNo') for call in api.calls] == [OURS]
    assert api.count('AcknowledgeTaskResult') == 0
    assert unacknowledged(api, OURS) == ours[2:]
    assert [batch['status'] for batch in outcome.batches] == ['not_sent'] * 3
    assert outcome.to_result()['would_acknowledge'] == ours[2:]


def test_check_mode_predicts_unchanged_when_all_are_confirmed(api, clock):
    ours = numbers_of(api, OURS)
    ack.acknowledge(make_client(api, clock), ours)
    outcome = ack.predict(make_client(api, clock), ack.parse_request(task_detail_nos=ours))
    assert outcome.would_acknowledge == []
    assert not outcome.changed and outcome.acknowledged_count == 0


def test_check_mode_without_task_numbers_reads_the_list_until_all_are_found(clock):
    api = FakeTaskApi(clock)
    api.add_task(OURS, ['d%04d.com' % index for index in range(1500)], final_in=0)
    first_page = numbers_of(api, OURS)[:3]
    outcome = ack.predict(make_client(api, clock), ack.parse_request(task_detail_nos=first_page + ['unknown-number']))
    assert outcome.would_acknowledge == first_page
    polls = [params for action, params in api.calls if action == 'PollTaskResult']
    assert len(polls) == 2 and all('TaskNo' not in params for params in polls)

    api.calls[:] = []
    found_early = ack.predict(make_client(api, clock), ack.parse_request(task_detail_nos=first_page))
    assert found_early.would_acknowledge == first_page
    assert api.count('PollTaskResult') == 1


def test_check_mode_by_task_reads_poll_task_result_once(api, clock):
    client = make_client(api, clock)
    request = ack.resolve_task_nos(client, ack.parse_request(task_no=[OURS]))
    outcome = ack.predict(client, request)
    assert outcome.would_acknowledge == numbers_of(api, OURS)
    assert api.count('PollTaskResult') == 1
    assert api.count('AcknowledgeTaskResult') == 0
