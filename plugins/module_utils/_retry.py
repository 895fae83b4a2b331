# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which failures are worth another attempt, and how long to wait first (internal use only).

Classification is by the error's Code, never by HTTP status alone: the gateway answers
throttling with HTTP 400.  Authentication and parameter errors are never retried.  A call that
changes state is only re-sent when the service certainly did not act on it (throttled, service
unavailable, or the request never left this machine).

Under a sustained rate limit the client paces itself (``AdaptiveRateLimiter``): nothing is held back
until the service first throttles it; from then on every request of the client, from any of its
threads, waits for a token, and the rate adapts as in TCP CUBIC (and the AWS SDKs' adaptive retry
mode): down to 70 % of the rate at which the throttling came, then back up along a cubic curve that
flattens out near that rate and probes beyond it only slowly, never above twice the rate actually
measured.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import math
import random
import threading
import time

from ansible_collections.aliyun.domain.plugins.module_utils._errors import (
    DomainApiError,
    DomainResponseError,
    DomainTransportError,
)

THROTTLING_CODES = frozenset(['Throttling', 'Throttling.User', 'Throttling.Api'])
# Codes by which the gateway says it turned the request away without acting on it.
REJECTED_CODES = THROTTLING_CODES | frozenset(['ServiceUnavailable'])
# The service failed while handling the request: safe to repeat a read, unknown outcome for a write.
SERVER_FAULT_CODES = frozenset(['InternalError', 'UnknownError', 'ServiceUnavailable'])

DEFAULT_BASE_DELAY = 0.2
DEFAULT_MAX_DELAY = 20.0
# A server hint beyond this is not a hint we can honour inside one task.
MAX_RETRY_AFTER = 300.0


def should_retry(error, mutating=False):
    """True when ``error`` is transient and repeating the call cannot do harm."""
    if isinstance(error, DomainTransportError):
        return not error.permanent and not (mutating and error.sent)
    if isinstance(error, DomainResponseError):
        if mutating:
            return False
        status = error.http_status
        # a 5xx page from a proxy or a body cut short in transit; a 4xx page is a policy answer, not a blip
        return status is None or status >= 500 or 200 <= status < 300
    if isinstance(error, DomainApiError):
        code = error.api_code
        if code in REJECTED_CODES:
            return True
        if mutating:
            return False
        return code in SERVER_FAULT_CODES or (error.http_status is not None and error.http_status >= 500)
    return False


def parse_retry_after(value):
    """``x-acs-retry-after`` in milliseconds (as the official SDK reads it) to seconds, or None."""
    if value is None:
        return None
    try:
        millis = float(str(value).strip())
    except ValueError:
        return None
    if not math.isfinite(millis) or millis <= 0:
        return None
    return min(millis / 1000.0, MAX_RETRY_AFTER)


class RetryPolicy(object):
    """Full-jitter exponential backoff: attempt n sleeps rand() * min(max_delay, base_delay * 2**n)."""

    def __init__(self, max_retries=5, base_delay=DEFAULT_BASE_DELAY, max_delay=DEFAULT_MAX_DELAY, rand=random.random):
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.rand = rand

    def backoff(self, retry_number):
        """Seconds to sleep before retry ``retry_number`` (0 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** min(retry_number, 32)))
        return self.rand() * ceiling

    def delay(self, retry_number, retry_after=None):
        """The server's hint wins over the computed backoff when it asks for longer."""
        computed = self.backoff(retry_number)
        if retry_after is not None and retry_after > computed:
            return retry_after
        return computed

    def next_delay(self, error, retry_number, mutating=False, now=None, deadline=None, retry_after=None):
        """Seconds to sleep before trying again, or None when the call must give up with ``error``."""
        if retry_number >= self.max_retries or not should_retry(error, mutating):
            return None
        pause = self.delay(retry_number, retry_after)
        if deadline is not None and now is not None and now + pause > deadline:
            return None
        return pause


class AdaptiveRateLimiter(object):
    """A token bucket shared by every thread of one client, its rate adapted to throttling (CUBIC).

    ``acquire()`` before each request (returns the seconds it waited); ``record(throttled)`` after each
    answer. ``clock``/``sleep`` are injectable so that tests run on a fake clock.
    """

    # The rate after a throttling answer, as a share of the rate at which it came.
    BETA = 0.7
    # How fast the rate grows back: rate(t) = R * (1 + SCALE * (t - K)**3), R the rate at throttling
    # and K the seconds until it is reached again (about 2 s). botocore's curve is the same at 10
    # requests/s, but in absolute units; relative to R the share of throttled requests is the same
    # under any limit (in absolute units a limit of 2/s would see every fourth request refused).
    SCALE = 0.04
    MIN_RATE = 0.5
    # Never more than this many times the rate the client actually achieved over the last second, so
    # that a quiet spell (a wait between probes) does not leave room for a burst.
    MAX_RATE_OVER_MEASURED = 2.0
    MEASURE_SECONDS = 1.0

    def __init__(self, clock=time.monotonic, sleep=time.sleep):
        self.clock = clock
        self.sleep = sleep
        self.enabled = False
        self.rate = None
        self.throttles = 0
        self._lock = threading.Lock()
        self._tokens = 0.0
        self._filled_at = None
        self._rate_at_throttling = 0.0
        self._recovery_seconds = 0.0
        self._throttled_at = None
        self._answers = collections.deque()

    def acquire(self):
        """Take a token, waiting for it if the bucket is empty; seconds waited (0 while not pacing)."""
        with self._lock:
            if not self.enabled:
                return 0.0
            self._refill(self.clock())
            # A reservation: tokens may go negative, each waiter sleeping until its own token is due,
            # so that threads queue in order without a condition variable (and a fake clock just works).
            self._tokens -= 1.0
            pause = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if pause > 0:
            self.sleep(pause)
        return pause

    def record(self, throttled, sent_at=None):
        """Adapt the rate to one answer to a request sent at ``sent_at``; the new rate (None while not pacing).

        A throttling answer to a request sent before the last reduction says nothing new (it was sent
        at the old rate), so it does not reduce the rate again: one reduction per burst, as in TCP.
        """
        with self._lock:
            now = self.clock()
            measured = self._measure(now)
            if throttled:
                self.throttles += 1
                if self.enabled and sent_at is not None and sent_at < self._throttled_at:
                    return self.rate
                at_throttling = measured if not self.enabled else min(measured, self.rate)
                self._rate_at_throttling = at_throttling
                self._recovery_seconds = ((1 - self.BETA) / self.SCALE) ** (1 / 3.0)
                self._throttled_at = now
                wanted = at_throttling * self.BETA
                self.enabled = True
            elif not self.enabled:
                return None
            else:
                since = now - self._throttled_at - self._recovery_seconds
                wanted = self._rate_at_throttling * (1 + self.SCALE * since ** 3)
            self._set_rate(min(wanted, self.MAX_RATE_OVER_MEASURED * measured), now)
            return self.rate

    def _measure(self, now):
        """Answers per second over the last MEASURE_SECONDS (this one included)."""
        answers = self._answers
        answers.append(now)
        while answers and answers[0] <= now - self.MEASURE_SECONDS:
            answers.popleft()
        return len(answers) / self.MEASURE_SECONDS

    def _refill(self, now):
        if self._filled_at is not None:
            capacity = max(1.0, self.rate)
            self._tokens = min(capacity, self._tokens + (now - self._filled_at) * self.rate)
        self._filled_at = now

    def _set_rate(self, rate, now):
        if self.rate is not None:
            # tokens earned so far are earned at the old rate
            self._refill(now)
        else:
            self._filled_at = now
        self.rate = max(self.MIN_RATE, rate)
        self._tokens = min(self._tokens, max(1.0, self.rate))
