# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Overlapping requests: acknowledgement batches and PollTaskResult pages sent several at a time.

The real DomainClient runs its worker threads; only the HTTP exchange is replaced (the in-memory
task API, or a local HTTP server for paging). Threading events order the answers, so that each test
sees the interleaving it is about every time, without sleeping.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils import _ack as ack
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainApiError, DomainConfigError
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.local_http import json_response
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.local_http import make_client as make_http_client
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.task_result_fakes import (
    EVENT_TIMEOUT,
    make_client,
    seeded_api,
)


def when_all_arrived(api, numbers):
    """An event set once the batches starting with each of ``numbers`` have arrived."""
    done = threading.Event()

    def watch():
        if all(api.arrival(number).wait(EVENT_TIMEOUT) for number in numbers):
            done.set()

    threading.Thread(target=watch, daemon=True).start()
    return done


def test_batches_overlap_and_are_reported_in_order_with_their_own_answers(clock):
    api, numbers = seeded_api(clock, 12)
    # The first four batches answer only once all four are on their way: four requests at once.
    for number in numbers[:4]:
        api.hold[number] = when_all_arrived(api, numbers[:4])

    outcome = ack.acknowledge(make_client(api, clock), numbers, batch_size=1, concurrency=4)

    assert outcome.error is None
    assert [batch['status'] for batch in outcome.batches] == ['confirmed'] * 12
    assert [batch['result'] for batch in outcome.batches] == [1] * 12
    assert outcome.remaining == [] and outcome.acknowledged_count == 12 and outcome.changed
    by_number = dict((params['TaskDetailNo.1'], index) for index, (action, params) in enumerate(api.calls)
                     if action == 'AcknowledgeTaskResult')
    # each batch carries the RequestId of the answer to its own request
    assert [batch['request_id'] for batch in outcome.batches] == ['REQ-%06d' % (by_number[number] + 1) for number in numbers]
    assert max(count for _number, count in api.in_flight_at_arrival) == 4
    assert all(detail.acknowledged for detail in api.details)


def test_a_failure_starts_no_new_batch_and_batches_in_flight_are_reported(clock):
    api, numbers = seeded_api(clock, 6)
    failed_answer = threading.Event()
    # Batch 1 fails once batches 2 and 3 are on their way; those two answer only after the failure.
    api.refuse[numbers[1]] = 'Forbidden.RAM'
    api.hold[numbers[1]] = when_all_arrived(api, numbers[2:4])
    api.hold[numbers[2]] = api.hold[numbers[3]] = failed_answer

    original_handle = api.handle

    def handle(action, params):
        response = original_handle(action, params)
        if params.get('TaskDetailNo.1') == numbers[1]:
            failed_answer.set()
        return response

    api.handle = handle
    outcome = ack.acknowledge(make_client(api, clock), numbers, batch_size=1, concurrency=3)

    assert [batch['status'] for batch in outcome.batches] == ['confirmed', 'failed', 'confirmed', 'confirmed', 'not_sent', 'not_sent']
    assert api.count('AcknowledgeTaskResult') == 4
    assert outcome.remaining == [numbers[1], numbers[4], numbers[5]]
    assert outcome.acknowledged_count == 3 and outcome.changed
    assert outcome.error.code == 'Forbidden.RAM'
    assert outcome.batches[1]['error']['code'] == 'Forbidden.RAM'
    assert outcome.batches[1]['request_id'] == outcome.error.request_id
    assert '3 of 6 batches confirmed (3 results newly acknowledged), 3 numbers left' in outcome.failure_message()
    assert [detail.acknowledged for detail in api.details] == [True, False, True, True, False, False]
    result = outcome.to_result()
    # confirmed batches do not repeat their numbers; the others list them
    assert ['task_detail_nos' in batch for batch in result['batches']] == [False, True, False, False, True, True]
    assert result['batches'][4]['task_detail_nos'] == [numbers[4]]


def test_concurrency_one_is_strictly_sequential(clock):
    api, numbers = seeded_api(clock, 5)
    outcome = ack.acknowledge(make_client(api, clock), numbers, batch_size=1, concurrency=1)
    assert outcome.acknowledged_count == 5
    assert [count for _number, count in api.in_flight_at_arrival] == [1] * 5
    assert [params['TaskDetailNo.1'] for action, params in api.calls if action == 'AcknowledgeTaskResult'] == numbers


@pytest.mark.parametrize('value', [0, 17, -1, True, '4', 2.5, None])
def test_concurrency_out_of_range_names_option_value_and_range(value):
    with pytest.raises(DomainConfigError) as caught:
        ack.validate_concurrency(value)
    assert str(caught.value) == 'Invalid value %r for option concurrency: expected a whole number from 1 to 16.' % (value,)
    assert caught.value.option == 'concurrency'


def test_invalid_concurrency_sends_nothing(clock):
    api, numbers = seeded_api(clock, 3)
    with pytest.raises(DomainConfigError):
        ack.acknowledge(make_client(api, clock), numbers, concurrency=0)
    assert api.calls == []


# --- paging ----------------------------------------------------------------------------------------

def paged(total, page_size, hold_page=None, release=None, failing_page=None, repeat_on_page=None):
    """A PollTaskResult handler over ``total`` details.

    ``hold_page`` answers only once ``release`` is set; ``failing_page`` answers Forbidden.RAM;
    ``repeat_on_page`` carries the last detail of the page before it again (pages shift while others
    acknowledge).
    """
    details = [{'TaskDetailNo': 'D%03d' % index} for index in range(total)]

    def handler(request):
        page = int(request.query['PageNum'])
        if page == hold_page:
            assert release.wait(EVENT_TIMEOUT)
        if page == failing_page:
            return json_response({'RequestId': 'R-FAIL', 'Code': 'Forbidden.RAM', 'Message': 'User not authorized.'}, status=403)
        items = details[(page - 1) * page_size:page * page_size]
        if page == repeat_on_page:
            items = [details[(page - 1) * page_size - 1]] + items[1:]
        pages = (total + page_size - 1) // page_size
        return json_response({'RequestId': 'R-%d' % page, 'TotalItemNum': total, 'TotalPageNum': pages, 'PageSize': page_size,
                              'CurrentPageNum': page, 'NextPage': page < pages, 'Data': {'TaskDetail': items}})
    return handler


def test_pages_fetched_at_once_are_yielded_in_page_order_and_deduplicated(server):
    later_pages = threading.Event()
    arrived = []

    def released_when_later_pages_arrive(request):
        arrived.append(int(request.query['PageNum']))
        if {3, 4} <= set(arrived):
            later_pages.set()
        return inner(request)

    inner = paged(50, 10, hold_page=2, release=later_pages, repeat_on_page=4)
    server.handler = released_when_later_pages_arrive
    client = make_http_client(server.url)

    numbers = [item['TaskDetailNo'] for item in client.paginate('PollTaskResult', {}, page_size=10, concurrency=4)]

    # page 2 answered after pages 3 and 4, and page 4 repeated D029 in place of D030
    expected = ['D%03d' % index for index in range(50) if index != 30]
    assert numbers == expected
    assert sorted(arrived) == [1, 2, 3, 4, 5] and arrived[0] == 1
    assert client.api_calls == 5


def test_a_failing_page_raises_after_the_pages_before_it(server):
    server.handler = paged(50, 10, failing_page=3)
    client = make_http_client(server.url)
    received = []
    with pytest.raises(DomainApiError) as caught:
        for item in client.paginate('PollTaskResult', {}, page_size=10, concurrency=4):
            received.append(item['TaskDetailNo'])
    assert received == ['D%03d' % index for index in range(20)]
    assert caught.value.api_code == 'Forbidden.RAM' and caught.value.request_id == 'R-FAIL'
    # no page is requested after the failure is known; pages 4 and 5 may have been on their way already
    assert client.api_calls <= 5


def test_without_a_dedupe_key_every_item_is_yielded(server):
    server.handler = paged(30, 10, repeat_on_page=2)
    client = make_http_client(server.url)
    numbers = [item['TaskDetailNo'] for item in client.paginate('PollTaskResult', {}, page_size=10, dedupe_key=None)]
    assert numbers.count('D009') == 2 and len(numbers) == 30


def test_worker_threads_use_their_own_sessions_and_close_them(server):
    server.handler = paged(40, 10)
    client = make_http_client(server.url)
    assert len(list(client.paginate('PollTaskResult', {}, page_size=10, concurrency=3))) == 40
    worker_sessions = list(client._worker_sessions)
    assert worker_sessions and client.session not in worker_sessions
    client.close()
    assert client._worker_sessions == [] and client._pool is None
