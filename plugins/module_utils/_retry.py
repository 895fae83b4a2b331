# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which failures are worth another attempt, and how long to wait first (internal use only).

Classification is by the error's Code, never by HTTP status alone: the gateway answers
throttling with HTTP 400.  Authentication and parameter errors are never retried.  A call that
changes state is only re-sent when the service certainly did not act on it (throttled, service
unavailable, or the request never left this machine).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import random

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
