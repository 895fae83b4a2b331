# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting until task details are final (internal use only).

The waiter counts what is still pending with QueryTaskDetailList (``TaskStatus`` filter, one-row
pages, ``TotalItemNum``) rather than reading PollTaskResult, so details acknowledged earlier still
count as final.  It measures how fast details finish and sleeps until completion is likely instead
of polling on a fixed beat: the estimate ``pending / rate`` sets the next sleep, bounded by
``poll_interval`` and ``max_poll_interval`` and never past the deadline.  While nothing has
finished yet there is no rate, and the sleep grows geometrically from ``poll_interval``.

A probe normally costs one call per unfinished task: the pending status that held more details last
time is counted first, and the other one is only asked when the first is empty (to prove the task is
done).  Throttling and transient errors never end a wait; only the deadline or a permanent error
(bad credentials, bad parameters) does.  All times come from a monotonic clock.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import time

from ansible_collections.aliyun.domain.plugins.module_utils._errors import (
    DomainConfigError,
    DomainError,
    DomainWaitTimeout,
)
from ansible_collections.aliyun.domain.plugins.module_utils._retry import should_retry

DETAIL_ACTION = 'QueryTaskDetailList'

# Task-detail status codes (TaskStatusCode); task (batch) codes are numbered differently.
STATUS_WAITING = 0
STATUS_EXECUTING = 1
STATUS_SUCCESS = 2
STATUS_FAILURE = 3
FINAL_STATUS_CODES = (STATUS_SUCCESS, STATUS_FAILURE)
STATUS_NAMES = {
    'WAITING_EXECUTE': STATUS_WAITING,
    'EXECUTING': STATUS_EXECUTING,
    'EXECUTE_SUCCESS': STATUS_SUCCESS,
    'EXECUTE_FAILURE': STATUS_FAILURE,
}
DEFAULT_WAIT_TIMEOUT = 900.0
DEFAULT_POLL_INTERVAL = 1.0
DEFAULT_MAX_POLL_INTERVAL = 30.0
# While nothing has finished there is no rate to go by; the sleep grows by this factor per poll.
NO_RATE_GROWTH = 2.0
# The share of the estimated remaining time slept: MAX_ESTIMATE_SHARE * k / (k + ESTIMATE_DAMPING)
# after k completions were measured (a rate from two completions is a guess, one from fifty is a
# forecast).  Waking a little early costs one call; waking late costs the user time.
MAX_ESTIMATE_SHARE = 0.9
ESTIMATE_DAMPING = 4.0
# The first probe of a task reads one page of its details: its size and, up to a page, every status.
FIRST_PROBE_PAGE_SIZE = 1000
# Pending domains named in a timeout message (all of them, up to one page per status, are returned).
NAMED_PENDING_DOMAINS = 10
PENDING_LISTING_PAGE_SIZE = 1000
# Time allowed after the deadline for the calls that describe where a timed-out wait stood.
TIMEOUT_REPORT_GRACE = 10.0


def validate_wait_options(timeout, poll_interval, max_poll_interval):
    """(timeout, poll_interval, max_poll_interval) as floats, defaults filled in; bad values name the option."""
    values = []
    for name, value, default in (('wait_timeout', timeout, DEFAULT_WAIT_TIMEOUT),
                                 ('poll_interval', poll_interval, DEFAULT_POLL_INTERVAL),
                                 ('max_poll_interval', max_poll_interval, DEFAULT_MAX_POLL_INTERVAL)):
        if value is None:
            value = default
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if isinstance(value, bool) or number is None or not math.isfinite(number) or number <= 0:
            raise DomainConfigError('%s: %r is not allowed; use a number of seconds greater than 0' % (name, value),
                                    option=name)
        values.append(number)
    if values[2] < values[1]:
        raise DomainConfigError('max_poll_interval: %r is not allowed; it must be at least poll_interval (%r)'
                                % (max_poll_interval, values[1]), option='max_poll_interval')
    return tuple(values)


def count_task_details(client, task_no, status=None, deadline=None):
    """TotalItemNum of QueryTaskDetailList for one task, optionally for one TaskStatus."""
    body = client.call(DETAIL_ACTION, {'TaskNo': task_no, 'TaskStatus': status, 'PageNum': 1, 'PageSize': 1},
                       deadline=deadline)
    return _as_count(body.get('TotalItemNum'))


def _as_count(value):
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _details_of(body):
    details = (body.get('Data') or {}).get('TaskDetail') or []
    return [details] if isinstance(details, dict) else list(details)


def _status_code(detail):
    code = detail.get('TaskStatusCode')
    if code is None:
        return STATUS_NAMES.get(detail.get('TaskStatus'))
    return _as_count(code)


def _format_seconds(seconds):
    return '%.1f s' % seconds


class UnknownTaskError(DomainError):
    """QueryTaskDetailList lists no detail for a task number: nothing will ever finish."""

    default_code = 'TaskNotFound'


class _TaskProgress(object):
    """What is known about one task: how many details it has and how many ended each way.

    Final statuses never change again, so counts of EXECUTE_SUCCESS and EXECUTE_FAILURE only grow:
    when ``succeeded + failed == total``, every detail is final, whatever happened between the two
    counts.  (Counting the pending statuses could not prove that: a detail moving from
    WAITING_EXECUTE to EXECUTING between two calls would be in neither count.)
    """

    def __init__(self, task_no):
        self.task_no = task_no
        self.total = None
        self.counts = {STATUS_SUCCESS: 0, STATUS_FAILURE: 0}
        self.done = False
        self.probes = 0

    @property
    def final(self):
        return self.counts[STATUS_SUCCESS] + self.counts[STATUS_FAILURE]

    @property
    def pending(self):
        return max((self.total or 0) - self.final, 0)

    def probe(self, client, deadline):
        """Refresh the counts: one call per probe while details keep succeeding, two when they stall."""
        if self.total is None:
            self._first_probe(client, deadline)
            return
        self.probes += 1
        before = self.counts[STATUS_SUCCESS]
        self.counts[STATUS_SUCCESS] = max(before, count_task_details(client, self.task_no, STATUS_SUCCESS, deadline))
        stalled = self.final < self.total and self.counts[STATUS_SUCCESS] == before
        # Nothing succeeded since the last probe: the rest may be failing.  Before anything at all has
        # finished, failures are no likelier than successes, so they are only counted every other probe.
        if stalled and (self.final > 0 or self.probes % 2 == 0):
            failed = count_task_details(client, self.task_no, STATUS_FAILURE, deadline)
            self.counts[STATUS_FAILURE] = max(self.counts[STATUS_FAILURE], failed)
        self.done = self.final >= self.total

    def _first_probe(self, client, deadline):
        """One page of details: the task's size and, for up to a page of details, every status."""
        body = client.call(DETAIL_ACTION, {'TaskNo': self.task_no, 'PageNum': 1, 'PageSize': FIRST_PROBE_PAGE_SIZE},
                           deadline=deadline)
        total = _as_count(body.get('TotalItemNum'))
        details = _details_of(body)
        if total == 0 and not details:
            raise UnknownTaskError('Task %s has no details in QueryTaskDetailList: check the task number'
                                   % self.task_no)
        if len(details) >= total:
            codes = [_status_code(detail) for detail in details]
            for status in self.counts:
                self.counts[status] = codes.count(status)
        else:
            for status in self.counts:
                self.counts[status] = count_task_details(client, self.task_no, status, deadline)
        self.total = max(total, len(details))
        self.done = self.final >= self.total


class TaskWaiter(object):
    """Waits for task details to become final; see the module docstring for the strategy."""

    def __init__(self, client, timeout=None, poll_interval=None, max_poll_interval=None, clock=None, sleep=None,
                 log=None):
        self.client = client
        self.timeout, self.poll_interval, self.max_poll_interval = validate_wait_options(
            timeout, poll_interval, max_poll_interval)
        self.clock = clock or getattr(client, 'clock', None) or time.monotonic
        self.sleep = sleep or getattr(client, 'sleep', None) or time.sleep
        self.log = log
        self.polls = 0
        self.started = None
        self.deadline = None
        self._window = []
        self._blind_interval = self.poll_interval

    def _log(self, message):
        if self.log is not None:
            self.log(message)

    def _start(self):
        self.started = self.clock()
        self.deadline = self.started + self.timeout
        self.polls = 0
        self._window = []
        self._blind_interval = self.poll_interval

    def elapsed(self):
        return self.clock() - self.started

    # --- rate estimate ---------------------------------------------------------------------------

    def record(self, now, final, first=False):
        """Note how many details were final at ``now``.

        The rate is measured only over samples taken while details were finishing: from the first
        sample (when some details had already finished before the wait began) or from the first
        sample that saw a detail finish.  A quiet stretch before that would only dilute it.
        """
        window = self._window
        if window and final < window[-1][1]:
            # A count went back (the other pending status was an estimate): measure anew.
            window[:] = []
        if window or (first and final > 0):
            window.append((now, final))
        elif self._last_final is not None and final > self._last_final:
            window.append((now, final))
        self._last_final = final

    _last_final = None

    def rate(self):
        """(details finished per second, how many finished in the measured window) or (None, 0)."""
        if len(self._window) < 2:
            return None, 0
        (start, first), (now, last) = self._window[0], self._window[-1]
        finished = last - first
        if finished <= 0 or now <= start:
            return None, 0
        return finished / (now - start), finished

    def next_interval(self, now, pending):
        """Seconds to sleep before the next probe."""
        rate, finished = self.rate()
        if rate is not None:
            remaining = pending / rate
            interval = remaining * MAX_ESTIMATE_SHARE * finished / (finished + ESTIMATE_DAMPING)
        elif self._window:
            # Details have just started to finish: measure their pace over the shortest interval.
            interval = self.poll_interval
        else:
            interval = self._blind_interval
            self._blind_interval = min(self._blind_interval * NO_RATE_GROWTH, self.max_poll_interval)
        interval = max(self.poll_interval, min(interval, self.max_poll_interval))
        return max(0.0, min(interval, self.deadline - now))

    # --- waiting for task numbers ----------------------------------------------------------------

    def _probe_tasks(self, tasks):
        """Probe every unfinished task; returns False when a transient error left a count stale."""
        fresh = True
        for task in tasks:
            if task.done:
                continue
            try:
                task.probe(self.client, self.deadline)
            except DomainError as error:
                if not should_retry(error):
                    raise
                fresh = False
                self._log('waiting: %s while counting task %s; still waiting' % (error.code, task.task_no))
        self.polls += 1
        return fresh

    def wait_for_tasks(self, task_nos):
        """Return a report dict once every detail of ``task_nos`` is final; raise DomainWaitTimeout otherwise."""
        self._start()
        tasks = [_TaskProgress(task_no) for task_no in task_nos]
        first = True
        while True:
            fresh = self._probe_tasks(tasks)
            now = self.clock()
            if fresh and all(task.done for task in tasks):
                elapsed = now - self.started
                self._log('waiting: every detail of %s is final after %s (%d polls)'
                          % (', '.join(task_nos), _format_seconds(elapsed), self.polls))
                return {'task_nos': list(task_nos), 'total': sum(task.total for task in tasks), 'pending': 0,
                        'polls': self.polls, 'elapsed': elapsed}
            pending = sum(task.pending for task in tasks)
            if fresh:
                self.record(now, sum(task.final for task in tasks), first=first)
                first = False
            if now >= self.deadline:
                raise self._timeout(tasks)
            interval = self.next_interval(now, pending)
            self._log('waiting: %d of %d details final after %s; next poll in %s' % (
                sum(task.final for task in tasks), sum(task.total or 0 for task in tasks),
                _format_seconds(now - self.started), _format_seconds(interval)))
            self.sleep(interval)

    def _timeout(self, tasks):
        """DomainWaitTimeout saying how many details are final, which domains are pending, and for how long."""
        elapsed = self.elapsed()
        grace = self.clock() + TIMEOUT_REPORT_GRACE
        pending_domains = []
        exact = True
        for task in tasks:
            if task.done:
                continue
            try:
                if task.total is None:
                    task.total = count_task_details(self.client, task.task_no, None, grace)
                for status in (STATUS_WAITING, STATUS_EXECUTING):
                    pending_domains.extend(self._pending_domains(task.task_no, status, grace))
                for status in (STATUS_SUCCESS, STATUS_FAILURE):
                    task.counts[status] = max(task.counts[status],
                                              count_task_details(self.client, task.task_no, status, grace))
            except DomainError as error:
                if not should_retry(error):
                    raise
                exact = False
        total = sum(task.total or 0 for task in tasks)
        final = sum(task.final for task in tasks)
        named = ', '.join(pending_domains[:NAMED_PENDING_DOMAINS])
        if len(pending_domains) > NAMED_PENDING_DOMAINS:
            named += ' and %d more' % (len(pending_domains) - NAMED_PENDING_DOMAINS)
        message = 'Timed out after %s waiting for task %s: %d of %d details final' % (
            _format_seconds(elapsed), ', '.join(task.task_no for task in tasks), final, total)
        if named:
            message += '; pending: %s' % named
        if not exact:
            message += ' (counts partly from before the last transient error)'
        progress = {
            'task_nos': [task.task_no for task in tasks],
            'final': final,
            'total': total,
            'pending': total - final,
            'pending_domains': pending_domains,
            'elapsed': elapsed,
            'polls': self.polls,
        }
        return DomainWaitTimeout(message, progress=progress)

    def _pending_domains(self, task_no, status, deadline):
        """The domain names of the task's details in ``status`` (up to one page)."""
        body = self.client.call(DETAIL_ACTION, {'TaskNo': task_no, 'TaskStatus': status, 'PageNum': 1,
                                                'PageSize': PENDING_LISTING_PAGE_SIZE}, deadline=deadline)
        return [detail.get('DomainName') for detail in _details_of(body) if detail.get('DomainName')]

    # --- waiting for anything else ---------------------------------------------------------------

    def wait_until(self, probe, description, restart=True):
        """Call ``probe()`` until it returns something truthy, which is returned.

        For waits with no task number (a result for a domain or instance): there is no rate to
        measure, so the sleep grows from ``poll_interval`` to ``max_poll_interval``.  With
        ``restart=False`` the deadline of the previous wait still holds: reading the results of a
        finished wait is retried through transient errors, but not past that deadline.
        """
        if restart or self.started is None:
            self._start()
        else:
            self._blind_interval = self.poll_interval
        last_error = None
        while True:
            try:
                outcome = probe()
            except DomainError as error:
                if not should_retry(error):
                    raise
                outcome = None
                last_error = error
                self._log('waiting: %s while looking for %s; still waiting' % (error.code, description))
            self.polls += 1
            now = self.clock()
            if outcome:
                return outcome
            if now >= self.deadline:
                elapsed = now - self.started
                message = 'Timed out after %s waiting for %s' % (_format_seconds(elapsed), description)
                if last_error is not None:
                    message += ' (last error: %s)' % last_error
                raise DomainWaitTimeout(message, progress={'elapsed': elapsed, 'polls': self.polls, 'final': 0,
                                                           'total': 0, 'pending': None, 'pending_domains': []})
            interval = self.next_interval(now, 0)
            self._log('waiting: no %s yet after %s; next poll in %s'
                      % (description, _format_seconds(now - self.started), _format_seconds(interval)))
            self.sleep(interval)


def wait_for_tasks(client, task_nos, timeout=DEFAULT_WAIT_TIMEOUT, poll_interval=None,
                   max_poll_interval=DEFAULT_MAX_POLL_INTERVAL, clock=None, sleep=None, log=None):
    """Block until every detail of ``task_nos`` is final; the report dict, or DomainWaitTimeout."""
    waiter = TaskWaiter(client, timeout=timeout, poll_interval=poll_interval, max_poll_interval=max_poll_interval,
                        clock=clock, sleep=sleep, log=log)
    return waiter.wait_for_tasks(task_nos)
