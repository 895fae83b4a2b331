# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client's adaptive pacing (_retry.AdaptiveRateLimiter) against a service that limits the request rate.

The service is modelled like the gateway (and the emulator): a token bucket of RATE requests per second
with a burst of one second's worth; a refused request takes no token. Everything runs on a fake clock.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils import _ack as ack
from ansible_collections.aliyun.domain.plugins.module_utils._retry import AdaptiveRateLimiter
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.task_result_fakes import (
    FakeClock,
    FakeResponse,
    make_client,
    seeded_api,
)


class LimitedService(object):
    """Admits ``rate`` requests per second with a burst of one second's worth (at least one request)."""

    def __init__(self, clock, rate):
        self.clock = clock
        self.rate = rate
        self.tokens = max(1.0, float(rate))
        self.updated = clock()
        self.admitted = 0
        self.refused = 0

    def admit(self):
        now = self.clock()
        self.tokens = min(max(1.0, float(self.rate)), self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1.0:
            self.refused += 1
            return False
        self.tokens -= 1.0
        self.admitted += 1
        return True


def drive(limiter, service, clock, requests, seconds_per_request=0.005):
    """Send ``requests`` requests one after another as fast as the limiter lets them go; each takes some time."""
    for _index in range(requests):
        limiter.acquire()
        clock.now += seconds_per_request
        limiter.record(not service.admit())


def test_nothing_is_paced_before_the_first_throttling():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(clock=clock, sleep=clock.sleep)
    for _index in range(100):
        assert limiter.acquire() == 0.0
        assert limiter.record(False) is None
    assert clock.sleeps == [] and not limiter.enabled


@pytest.mark.parametrize('rate', [10, 50])
def test_under_a_sustained_limit_few_requests_are_throttled_and_the_rate_stays_near_the_limit(rate):
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(clock=clock, sleep=clock.sleep)
    service = LimitedService(clock, rate)
    started = clock()
    drive(limiter, service, clock, 60 * rate)

    assert limiter.enabled
    assert service.refused <= 0.05 * (service.admitted + service.refused), (service.admitted, service.refused)
    achieved = service.admitted / (clock() - started)
    # never faster than the limit allows (its burst aside), and not far below it either
    assert achieved <= rate * 1.05 + 1
    assert achieved >= rate * 0.75, achieved


def test_the_rate_recovers_when_the_limit_is_raised():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(clock=clock, sleep=clock.sleep)
    service = LimitedService(clock, 5)
    drive(limiter, service, clock, 300)
    slow = limiter.rate
    assert slow <= 10

    service.rate = 50
    started, admitted = clock(), service.admitted
    drive(limiter, service, clock, 1500)
    assert (service.admitted - admitted) / (clock() - started) >= 25
    assert limiter.rate > 4 * slow


def test_after_a_quiet_spell_the_rate_is_bounded_by_what_was_measured():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(clock=clock, sleep=clock.sleep)
    service = LimitedService(clock, 10)
    drive(limiter, service, clock, 300)
    clock.now += 600
    # one answer after ten minutes of nothing: the bucket does not open up for a burst
    limiter.acquire()
    assert limiter.record(False) <= 2 * AdaptiveRateLimiter.MAX_RATE_OVER_MEASURED


def test_the_worker_threads_of_one_client_share_the_pacing():
    clock = FakeClock()
    api, numbers = seeded_api(clock, 40)
    service = LimitedService(clock, 5)
    original_handle = api.handle

    def handle(action, params):
        if action == 'AcknowledgeTaskResult' and not service.admit():
            with api.lock:
                api.calls.append((action, params))
            return FakeResponse(400, {'Code': 'Throttling.User', 'Message': 'Request was denied due to user flow control.',
                                      'RequestId': 'REQ-THROTTLED'})
        return original_handle(action, params)

    api.handle = handle
    lines = []
    client = make_client(api, clock)
    client.log = lines.append
    outcome = ack.acknowledge(client, numbers, batch_size=1, concurrency=4)

    assert outcome.error is None and outcome.acknowledged_count == 40
    assert client.throttled and client.rate_limiter.enabled
    # the limiter made the workers wait (the fake clock's sleeps beyond the retries' backoff)
    assert sum(clock.sleeps) > 0
    assert api.count('AcknowledgeTaskResult') == 40 + service.refused
    assert any('throttled; pacing requests at' in line for line in lines)


def test_throttling_of_requests_sent_before_the_last_reduction_reduces_the_rate_once():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(clock=clock, sleep=clock.sleep)
    for _index in range(20):
        clock.now += 0.05
        limiter.record(False, clock())
    sent = clock()
    clock.now += 0.05
    first = limiter.record(True, sent)
    # three more requests of the same burst come back throttled: they were sent at the old rate
    for _index in range(3):
        assert limiter.record(True, sent) == first
    assert limiter.throttles == 4
    clock.now += 0.05
    assert limiter.record(True, clock() - 0.01) < first
