# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The waiter against an in-memory task API behind the real DomainClient, on a fake clock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import random

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils._errors import (
    DomainApiError,
    DomainConfigError,
    DomainWaitTimeout,
)
from ansible_collections.aliyun.domain.plugins.module_utils._waiter import (
    SleepBudget,
    TaskWaiter,
    UnknownTaskError,
    validate_wait_options,
    wait_for_tasks,
)
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.task_result_fakes import (
    FakeClock,
    FakeTaskApi,
    make_client,
)

DOMAINS = ['site-%03d.example' % index for index in range(100)]


def spread(count, first, last):
    step = (last - first) / float(count - 1)
    return [first + index * step for index in range(count)]


def test_returns_once_every_detail_is_final_and_never_before(api, clock):
    api.add_task('task-a', DOMAINS, spread(100, 2.0, 20.0))
    finished_at = clock() + 20.0
    client = make_client(api, clock)

    report = TaskWaiter(client).wait_for_tasks(['task-a'])

    assert clock() >= finished_at
    # The last probe aims one standard error of the predicted end past it, after measuring once more.
    assert clock() - finished_at <= 2.0
    assert report['pending'] == 0
    assert report['total'] == 100
    assert report['task_nos'] == ['task-a']


def test_adapts_to_the_completion_rate_instead_of_polling_on_a_fixed_beat(api, clock):
    api.add_task('task-a', DOMAINS, spread(100, 0.5, 60.0))
    finished_at = clock() + 60.0
    client = make_client(api, clock)

    TaskWaiter(client, poll_interval=1, max_poll_interval=60).wait_for_tasks(['task-a'])

    # A fixed one-second beat would have made about 60 calls for the same promptness.
    assert api.count('QueryTaskDetailList') <= 12
    assert clock() - finished_at <= 1.5
    assert max(clock.sleeps) > 10


def test_sleeps_stay_between_poll_interval_and_max_poll_interval(api, clock):
    api.add_task('task-a', DOMAINS[:10], 500.0)
    client = make_client(api, clock)

    TaskWaiter(client, timeout=1000, poll_interval=2, max_poll_interval=45).wait_for_tasks(['task-a'])

    # Nothing finishes for 500 s: the sleeps back off to the cap and never pass it.
    assert all(0 < pause <= 45 for pause in clock.sleeps)
    assert len(api.calls) <= 500 / 45.0 + 8
    assert 0 <= clock() - 1500.0 <= 45 + 1


def test_already_final_task_costs_one_probe_and_no_sleep(api, clock):
    api.add_task('task-a', DOMAINS[:5], 1.0)
    clock.sleep(2)
    client = make_client(api, clock)

    report = wait_for_tasks(client, ['task-a'])

    assert clock.sleeps == [2]
    assert report['polls'] == 1
    assert api.count('QueryTaskDetailList') == 1


def test_details_acknowledged_earlier_still_count_as_final(api, clock):
    api.add_task('task-a', DOMAINS[:4], [1.0, 1.0, 30.0, 30.0])
    clock.sleep(2)
    for detail in api.details[:2]:
        detail.acknowledged = True
    client = make_client(api, clock)

    report = TaskWaiter(client).wait_for_tasks(['task-a'])

    assert report['total'] == 4
    assert clock() >= 1000.0 + 30.0


def test_failed_details_end_the_wait(api, clock):
    api.add_task('task-a', DOMAINS[:10], [5.0] * 8 + [12.0, 12.0], failing=DOMAINS[8:10])
    client = make_client(api, clock)

    TaskWaiter(client).wait_for_tasks(['task-a'])

    assert clock() >= 1000.0 + 12.0
    assert clock() - (1000.0 + 12.0) <= 8


def test_waits_for_every_task_of_several(api, clock):
    api.add_task('task-a', DOMAINS[:10], 3.0)
    api.add_task('task-b', DOMAINS[10:20], 9.0)
    client = make_client(api, clock)

    report = TaskWaiter(client).wait_for_tasks(['task-a', 'task-b'])

    assert clock() >= 1000.0 + 9.0
    assert report['total'] == 20


def test_timeout_names_progress_pending_domains_and_elapsed_time(api, clock):
    api.add_task('task-a', DOMAINS[:12], [1.0] * 9 + [600.0] * 3)
    client = make_client(api, clock)

    with pytest.raises(DomainWaitTimeout) as caught:
        TaskWaiter(client, timeout=30).wait_for_tasks(['task-a'])

    message = str(caught.value)
    assert '9 of 12 details final' in message
    assert 'site-009.example, site-010.example, site-011.example' in message
    assert 'Timed out after 30.' in message
    progress = caught.value.progress
    assert progress['pending'] == 3
    assert progress['pending_domains'] == DOMAINS[9:12]
    assert 30 <= progress['elapsed'] < 31


def test_never_sleeps_past_the_deadline(api, clock):
    api.add_task('task-a', DOMAINS[:3], 600.0)
    client = make_client(api, clock)
    start = clock()

    with pytest.raises(DomainWaitTimeout):
        TaskWaiter(client, timeout=17, poll_interval=5, max_poll_interval=60).wait_for_tasks(['task-a'])

    assert sum(clock.sleeps) <= 17 + 1e-9
    assert clock() - start < 17 + 1


def test_throttling_beyond_the_client_retries_does_not_abort_the_wait(api, clock):
    api.add_task('task-a', DOMAINS[:5], 8.0)
    client = make_client(api, clock, max_retries=1)
    api.fail_next(3)
    api.fail_next(2, code='ServiceUnavailable', status=503, message='The request has failed due to a temporary failure.')

    report = TaskWaiter(client).wait_for_tasks(['task-a'])

    assert report['pending'] == 0
    assert clock() >= 1000.0 + 8.0
    assert not api.faults


def test_a_permanent_error_ends_the_wait_at_once(api, clock):
    api.add_task('task-a', DOMAINS[:5], 8.0)
    client = make_client(api, clock)
    api.fail_next(1, code='InvalidAccessKeyId.NotFound', status=404, message='Specified access key is not found.')

    with pytest.raises(DomainApiError) as caught:
        TaskWaiter(client).wait_for_tasks(['task-a'])

    assert caught.value.api_code == 'InvalidAccessKeyId.NotFound'
    assert clock.sleeps == []


def test_unknown_task_number_fails_instead_of_waiting(api, clock):
    client = make_client(api, clock)

    with pytest.raises(UnknownTaskError) as caught:
        TaskWaiter(client).wait_for_tasks(['no-such-task'])

    assert 'no-such-task' in str(caught.value)
    assert clock.sleeps == []


def test_wait_until_returns_what_the_probe_found(clock):
    answers = iter([None, None, [], {'found': 1}])
    client = make_client(FakeTaskApi(clock), clock)

    found = TaskWaiter(client, poll_interval=1).wait_until(lambda: next(answers), 'a result for domain_name=x')

    assert found == {'found': 1}
    assert clock.sleeps == [1, 2, 4]


def test_wait_until_times_out_with_what_it_waited_for(clock):
    client = make_client(FakeTaskApi(clock), clock)

    with pytest.raises(DomainWaitTimeout) as caught:
        TaskWaiter(client, timeout=10).wait_until(lambda: None, 'a result for domain_name=example.com')

    assert 'a result for domain_name=example.com' in str(caught.value)
    assert sum(clock.sleeps) == pytest.approx(10)


@pytest.mark.parametrize('timeout, poll, cap, option', [
    (0, 1, 30, 'wait_timeout'),
    (-5, 1, 30, 'wait_timeout'),
    ('soon', 1, 30, 'wait_timeout'),
    (900, 0, 30, 'poll_interval'),
    (900, True, 30, 'poll_interval'),
    (900, 10, 5, 'max_poll_interval'),
    (900, 1, float('inf'), 'max_poll_interval'),
])
def test_bad_wait_options_name_the_option_and_value(timeout, poll, cap, option):
    with pytest.raises(DomainConfigError) as caught:
        validate_wait_options(timeout, poll, cap)

    assert caught.value.option == option
    assert str(caught.value).startswith('Invalid value %r for option %s: expected a number of seconds ' % (
        {'wait_timeout': timeout, 'poll_interval': poll, 'max_poll_interval': cap}[option], option))


def test_wait_option_defaults():
    assert validate_wait_options(None, None, None) == (900.0, 8.0, 30.0)


def test_a_task_larger_than_one_page_is_counted_by_status(api, clock):
    domains = ['big-%04d.example' % index for index in range(1500)]
    api.add_task('task-big', domains, spread(1500, 1.0, 10.0))
    client = make_client(api, clock)

    report = TaskWaiter(client).wait_for_tasks(['task-big'])

    assert report['total'] == 1500
    assert clock() >= 1000.0 + 10.0
    first_page, success_count, failure_count = [params for _action, params in api.calls[:3]]
    assert (first_page['PageSize'], 'TaskStatus' in first_page) == ('1000', False)
    assert (success_count['TaskStatus'], success_count['PageSize']) == ('2', '1')
    assert failure_count['TaskStatus'] == '3'


def test_a_transient_error_on_the_first_probe_only_delays_it(api, clock):
    api.add_task('task-a', DOMAINS[:10], 4.0)
    api.add_task('task-b', DOMAINS[10:20], 6.0)
    client = make_client(api, clock, max_retries=0)
    api.fail_next(1, code='InternalError', status=500, message='The request processing has failed.')

    report = TaskWaiter(client).wait_for_tasks(['task-a', 'task-b'])

    assert report['total'] == 20
    assert clock() >= 1000.0 + 6.0


def test_the_probe_that_proves_a_task_done_also_carries_its_results(api, clock):
    api.add_task('task-a', DOMAINS, spread(100, 10.0, 20.0))
    clock.sleep(3.5)
    client = make_client(api, clock)

    report = TaskWaiter(client).wait_for_tasks(['task-a'])

    actions = [action for action, _params in api.calls]
    assert actions[0] == 'QueryTaskDetailList'
    assert actions[-1] == 'PollTaskResult'
    assert sorted(detail['TaskDetailNo'] for detail in report['results']['task-a']) == \
        sorted(detail.number for detail in api.details)
    # The until idiom (delay: 10) polls at 3.5, 14.8 and 26.1 s: 3 calls, 6 s late.  Here: a first sleep
    # of half poll_interval (the details are executing), then sleeps aimed at the end predicted from the
    # UpdateTime stamps and the counts.
    assert clock.sleeps[1] == 4.0
    assert len(actions) <= 4
    assert 0 <= clock() - (1000.0 + 20.0) <= 1.0


def test_details_another_tool_acknowledged_meanwhile_do_not_stall_the_wait(api, clock):
    api.add_task('task-a', DOMAINS[:10], spread(10, 2.0, 6.0))
    for detail in api.details[:4]:
        detail.acknowledged = True   # acknowledged elsewhere the moment they finish: never in PollTaskResult
    client = make_client(api, clock)

    report = TaskWaiter(client, timeout=120, poll_interval=1, max_poll_interval=5).wait_for_tasks(['task-a'])

    assert report['pending'] == 0
    # Results carried by the wait can only be what PollTaskResult still returns: never the acknowledged ones.
    carried = set(detail['TaskDetailNo'] for detail in report['results'].get('task-a', []))
    assert carried <= set(detail.number for detail in api.details[4:])
    assert clock() - (1000.0 + 6.0) <= 6
    assert api.count('QueryTaskDetailList') >= 2


def test_a_poll_answer_with_details_missing_is_not_taken_for_the_results(api, clock):
    api.add_task('task-a', DOMAINS[:6], 1.0)
    clock.sleep(2)
    api.details[0].acknowledged = True   # acknowledged earlier: final, but no longer in PollTaskResult
    client = make_client(api, clock)

    report = TaskWaiter(client).wait_for_tasks(['task-a'])

    assert report['total'] == 6
    assert report['results'] == {}
    assert clock.sleeps == [2]


def test_polltaskresult_failing_falls_back_to_querytaskdetaillist(api, clock):
    api.add_task('task-a', DOMAINS[:5], [1.0, 1.0, 3.0, 3.0, 3.0])
    clock.sleep(1.5)
    client = make_client(api, clock, max_retries=0)
    api.fail_next(50, code='ServiceUnavailable', status=503, message='temporary failure', action='PollTaskResult')

    report = TaskWaiter(client, timeout=60, poll_interval=1).wait_for_tasks(['task-a'])

    assert report['pending'] == 0
    assert report['results'] == {}
    assert clock() - 1000.0 < 10


def test_sleeps_follow_the_prediction_below_poll_interval_near_the_end(api, clock):
    api.add_task('task-a', DOMAINS, spread(100, 0.0, 12.0))
    clock.sleep(6)
    client = make_client(api, clock)

    TaskWaiter(client, poll_interval=8).wait_for_tasks(['task-a'])

    assert clock.sleeps[1] < 8
    assert 0 <= clock() - (1000.0 + 12.0) <= 1.5


def first_sleeps(start_in):
    clock_ = FakeClock()
    api_ = FakeTaskApi(clock_)
    api_.add_task('task-a', DOMAINS[:10], 60.0, start_in=start_in)
    clock_.sleep(1)
    TaskWaiter(make_client(api_, clock_), poll_interval=8).wait_for_tasks(['task-a'])
    return clock_.sleeps[1:]


def test_first_sleep_follows_the_states_of_the_details():
    executing, waiting = first_sleeps(0.5), first_sleeps(20.0)

    # Details the service already executes end sooner than details still waiting to be executed.
    assert executing[0] < 8 < waiting[0]
    # While nothing finishes the sleeps grow, up to max_poll_interval.
    for sleeps in (executing, waiting):
        assert sleeps[1] > sleeps[0]
        assert max(sleeps) <= 30


@pytest.mark.parametrize('task_seconds, idiom_calls', [(5.0, 2), (20.0, 3), (40.0, 5), (60.0, 7)])
def test_moves_on_soon_after_the_end_with_no_more_calls_than_the_until_idiom(api, clock, task_seconds, idiom_calls):
    # Like make bench's wait latency scenario: details finish spread over [T/2, T], each executing for the
    # last three quarters of its time; the wait starts 2 s after the submission.  The idiom
    # (until/retries/delay: 10 around a poll) probes at 2, 12, 22 ... s.  On 40 s tasks every detail executes at
    # the second probe; a sleep aimed past the longest of them (2.5 times its start lag) overshot the end by 3 s.
    finals = spread(100, task_seconds / 2.0, task_seconds)
    api.add_task('task-a', DOMAINS, finals, start_in=[final / 4.0 for final in finals])
    clock.sleep(2)
    client = make_client(api, clock)

    TaskWaiter(client).wait_for_tasks(['task-a'])

    assert len(api.calls) <= idiom_calls
    assert 0 <= clock() - (1000.0 + task_seconds) <= 1.5


def test_probes_list_the_details_until_the_service_starts_them(api, clock):
    api.add_task('task-a', DOMAINS[:10], 60.0, start_in=20.0)
    client = make_client(api, clock)

    TaskWaiter(client, poll_interval=8).wait_for_tasks(['task-a'])

    actions = [action for action, _params in api.calls]
    # Waiting at 0 and 16 s, executing at 46 s: listed each time; then PollTaskResult proves the end.
    assert actions == ['QueryTaskDetailList', 'QueryTaskDetailList', 'QueryTaskDetailList', 'PollTaskResult']


def idiom_calls(wait_started, ended, delay=10.0):
    """Calls of the until/retries/delay idiom started at ``wait_started``: one poll per beat until one sees the end."""
    beats = 0
    while wait_started + beats * delay < ended:
        beats += 1
    return beats + 1


def most_calls_in_a_minute_after_the_first(times, started):
    late = [moment for moment in times if moment >= started + 60.0]
    return max([sum(1 for other in late if moment <= other <= moment + 60.0) for moment in late] or [0])


def straggler_and_long_tail():
    rng = random.Random(20)
    straggler = [rng.uniform(60.0, 300.0) for _index in range(99)] + [2700.0]
    long_tail = [600.0 * math.exp(0.6 * rng.gauss(0.0, 1.0)) for _index in range(100)]
    return [('straggler', straggler), ('long tail', long_tail)]


@pytest.mark.parametrize('shape, finals', straggler_and_long_tail())
# The idiom to compare with: issue 20's delay: 10 next to the defaults, else delay: poll_interval.
@pytest.mark.parametrize('poll_interval, max_poll_interval, idiom_delay', [(None, None, 10), (5, 20, 5), (15, 60, 15)])
def test_a_long_wait_keeps_the_budget_and_the_cap(api, clock, shape, finals, poll_interval, max_poll_interval,
                                                  idiom_delay):
    api.add_task('task-a', DOMAINS, finals, start_in=[final / 4.0 for final in finals])
    clock.sleep(2)
    started = clock()
    client = make_client(api, clock)
    waiter = TaskWaiter(client, timeout=4 * 3600, poll_interval=poll_interval, max_poll_interval=max_poll_interval)

    waiter.wait_for_tasks(['task-a'])

    ended = 1000.0 + max(finals)
    per_minute = 60.0 / waiter.poll_interval + 1
    assert most_calls_in_a_minute_after_the_first(api.call_times, started) <= per_minute, shape
    assert len(api.calls) <= idiom_calls(started, ended, idiom_delay), shape
    assert all(pause <= waiter.max_poll_interval for pause in clock.sleeps), shape
    assert 0 <= clock() - ended <= waiter.max_poll_interval + 1, shape


def test_progress_hook_sees_each_probe_round_and_the_end_without_extra_calls(api, clock):
    api.add_task('task-a', DOMAINS, spread(100, 2.0, 200.0), failing=DOMAINS[:3])
    plain = make_client(api, clock)
    TaskWaiter(plain).wait_for_tasks(['task-a'])

    api.add_task('task-b', DOMAINS, spread(100, 2.0, 200.0), failing=DOMAINS[:3])
    reports = []
    client = make_client(api, clock)
    report = TaskWaiter(client, progress=reports.append).wait_for_tasks(['task-b'])

    assert len(reports) == report['polls']
    assert client.api_calls == plain.api_calls
    assert [item['final'] for item in reports] == sorted(item['final'] for item in reports)
    assert all(item['next_check'] is not None for item in reports[:-1])
    assert reports[-1]['next_check'] is None
    assert (reports[-1]['final'], reports[-1]['failed'], reports[-1]['total']) == (100, 3, 100)


@pytest.mark.parametrize('poll_interval, max_poll_interval', [(8.0, 30.0), (5.0, 20.0), (15.0, 60.0), (2.0, 2.0)])
def test_the_budget_bounds_any_sequence_of_wished_sleeps(poll_interval, max_poll_interval):
    # Whatever the prediction wishes for (here: random sleeps of 0 to 100 s), the sleeps that come out keep
    # the cap, the shortest sleep, and the per-minute budget after the first minute.
    rng = random.Random(7)
    budget = SleepBudget(poll_interval, max_poll_interval, min(0.5, poll_interval))
    now = started = 1000.0
    budget.start(started)
    probes = []
    while now < started + 4 * 3600:
        probes.append(now)
        budget.note_probe(now)
        wished = rng.choice([0.0, rng.uniform(0, 5), rng.uniform(0, 100)])
        sleep = budget.bound(wished, now)
        assert min(poll_interval, 0.5) <= sleep <= max_poll_interval
        now += sleep + 0.01

    assert most_calls_in_a_minute_after_the_first(probes, started) <= 60.0 / poll_interval + 1


@pytest.mark.parametrize('wait_starts_after', [2.0, 5.0, 10.0, 15.0, 20.0, 25.0])
def test_a_straggler_within_the_first_minute_costs_no_more_calls_than_the_idiom(api, clock, wait_starts_after):
    # The bench's compressed straggler: 99 details of 2-5 s and one of 55 s, the wait starting when
    # ansible-playbook gets to it.  The waiter saves nothing on so short a wait, so it must not run ahead.
    rng = random.Random(int(wait_starts_after))
    finals = [rng.uniform(2.0, 5.0) for _index in range(99)] + [55.0]
    api.add_task('task-a', DOMAINS, finals, start_in=0.5)
    clock.sleep(wait_starts_after)
    started = clock()

    TaskWaiter(make_client(api, clock)).wait_for_tasks(['task-a'])

    assert len(api.calls) <= idiom_calls(started, 1055.0)
    assert 0 <= clock() - 1055.0 <= 30 + 1
