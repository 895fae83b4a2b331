# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting until task details are final (internal use only).

The first probe of a task reads QueryTaskDetailList: the task's size, its detail numbers and every
status, so details acknowledged earlier (gone from PollTaskResult) still count as final.  For a task
of up to one page (1,000 details) the later probes read PollTaskResult for the task instead (once a
detail is final or executing: before that only QueryTaskDetailList shows the service starting them): every
detail it returns is final, and once those plus the details already known final cover the whole
task, the same answer is the task's results, so no separate call collects them.  A PollTaskResult
probe that finds nothing new is followed by a QueryTaskDetailList probe, which also sees details
another tool acknowledged meanwhile: a wait never hangs on them.  Larger tasks are counted by
status (``TaskStatus`` filter, one-row pages, ``TotalItemNum``).

Sleeps, in three rules.  Until details finish there is no rate, only their states: the first sleep goes
from twice ``poll_interval`` (every detail waiting to be executed) to half of it (every detail executing)
and doubles up to ``max_poll_interval`` while nothing finishes.  Once details finish, the end is predicted
(the pending details at the measured completion rate, from the UpdateTime stamps and the counts over time,
with the standard error of that prediction) and the waiter sleeps until the window of one and a half
errors around it opens; probes are spent inside that window, every quarter error or as close as the
budget allows, and one detail outliving its window (a straggler) is probed at a steady beat of 1.5 x
``poll_interval``.  Every sleep keeps the budget: at most ``max_poll_interval``, at least 0.3 % of the time
already waited (from 0.5 s up to ``poll_interval``), and after the first minute no more than
``60 / poll_interval + 1`` probe rounds in any minute.  Throttling and transient errors never end a wait; only
the deadline or a permanent error (bad credentials, bad parameters) does.  All times come from a monotonic clock.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import math
import time

from ansible_collections.aliyun.domain.plugins.module_utils._api import (
    DETAIL_EXECUTING,
    DETAIL_FAILURE,
    DETAIL_SUCCESS,
    DETAIL_WAITING,
    MAX_PAGE_SIZE,
    POLL_TASK_RESULT,
    QUERY_TASK_DETAIL_LIST,
    TASK_DETAIL_ITEMS,
    as_int,
    detail_status_code,
    extract_items,
    is_final_detail,
)
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainError, DomainWaitTimeout
from ansible_collections.aliyun.domain.plugins.module_utils._options import invalid_value, validate_seconds
from ansible_collections.aliyun.domain.plugins.module_utils._retry import should_retry

DEFAULT_WAIT_TIMEOUT = 900.0
# The first sleep while nothing has finished.  Shorter first sleeps cost calls on every task that is
# not done within seconds (a registrar's CHG_DNS task takes seconds to hours), while a task that is
# already done returns after the first probe, without sleeping.
DEFAULT_POLL_INTERVAL = 8.0
DEFAULT_MAX_POLL_INTERVAL = 30.0


def wait_argument_spec():
    """The argument spec of the options ``wait``, ``wait_timeout``, ``poll_interval``, ``max_poll_interval``."""
    return dict(
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='float', default=DEFAULT_WAIT_TIMEOUT),
        poll_interval=dict(type='float', default=DEFAULT_POLL_INTERVAL),
        max_poll_interval=dict(type='float', default=DEFAULT_MAX_POLL_INTERVAL),
    )


# While nothing has finished there is no rate to go by; the sleep grows by this factor per poll.
NO_RATE_GROWTH = 2.0
# Before any detail is final the first sleep is poll_interval times a share going geometrically from the
# waiting share (no detail executing yet: the task has not started) to the executing share (every detail
# executing: their end is near) with the share of details executing ...
EXECUTING_SLEEP_SHARE = 0.5
WAITING_SLEEP_SHARE = 2.0
# ... and at least this many times the longest an executing detail waited before the service started it
# (UpdateTime - CreateTime): a service slow to start details is slow to finish them.  Short enough that the
# next probe tends to fall among the completions, whose pace then aims the probe after it: a probe that
# lands after the last completion has measured nothing and is late by however much it overshot.
EXECUTION_LAG_FACTOR = 1.5
# No sleep is shorter than this share of the time already waited (nor than SHORTEST_SLEEP, and the floor
# never exceeds poll_interval): a task that has run for an hour does not end to the second as predicted.
SHORTEST_SLEEP = 0.5
FLOOR_SHARE = 0.003
# The predicted end is ``pending / rate``.  The share p of n details final by now errs binomially, and it
# scales the whole span D of completions: the end's standard error is D * sqrt((1 - p) / k), k = p * n.
# The end is expected within this many standard errors either side of the prediction (the end window) ...
END_WINDOW_ERRORS = 1.5
# ... where probes come every this share of a standard error, or closer when the minute's budget allows ...
END_WINDOW_STEP = 0.25
# ... unless the wait has saved up no probes yet (it has probed at least once per straggler beat, as a
# short wait does): then one probe aims this many standard errors past the predicted end.
SHORT_WAIT_AIM = 1.0
# Errors above this many seconds are too wide to aim at even then: one probe before the end measures again.
SHORT_WAIT_REMEASURE = 3.0
# Below this many measured completions the prediction is a guess, and only part of it is slept.
FORECAST_COMPLETIONS = 4
# One detail left past its end window, or in a window too wide to predict anything (a step longer than
# max_poll_interval): a straggler.  Probes come at a steady beat of this many poll_intervals, sparser
# than a fixed ``until``/``delay`` loop's.
STRAGGLER_BEAT = 1.5
# The first minute of a wait is free of the per-minute budget: short tasks end within it, and probes
# aimed close to their end are what makes the wait move on soon after it.
BUDGET_FREE_SECONDS = 60.0
BUDGET_WINDOW = 60.0
# Seconds between a probe round's end and the calls it made, for the count of calls in a minute.
BUDGET_MARGIN = 0.05
# UpdateTime has one-second resolution: the last completion seen happened up to this long before a probe.
STAMP_SLACK = 0.5
# PollTaskResult probes that find nothing new in a row before a QueryTaskDetailList probe looks for
# details acknowledged elsewhere (which PollTaskResult no longer returns).
FRUITLESS_POLLS_BEFORE_LISTING = 2
# One page of QueryTaskDetailList or PollTaskResult (the documented maximum page size).
PAGE_SIZE = MAX_PAGE_SIZE
FIRST_PROBE_PAGE_SIZE = PAGE_SIZE
# Pending domains named in a timeout message (all of them, up to one page per status, are returned).
NAMED_PENDING_DOMAINS = 10
PENDING_LISTING_PAGE_SIZE = PAGE_SIZE
# Time allowed after the deadline for the calls that describe where a timed-out wait stood.
TIMEOUT_REPORT_GRACE = 10.0
SERVICE_TIME_FORMAT = '%Y-%m-%d %H:%M:%S'


def validate_wait_options(timeout, poll_interval, max_poll_interval):
    """(timeout, poll_interval, max_poll_interval) as floats, defaults filled in; bad values name the option."""
    values = []
    for name, value, default in (('wait_timeout', timeout, DEFAULT_WAIT_TIMEOUT),
                                 ('poll_interval', poll_interval, DEFAULT_POLL_INTERVAL),
                                 ('max_poll_interval', max_poll_interval, DEFAULT_MAX_POLL_INTERVAL)):
        values.append(validate_seconds(default if value is None else value, name, minimum=0, exclusive=True))
    if values[2] < values[1]:
        raise invalid_value('max_poll_interval', max_poll_interval,
                            'a number of seconds of at least poll_interval (%r)' % values[1])
    return tuple(values)


def count_task_details(client, task_no, status=None, deadline=None):
    """TotalItemNum of QueryTaskDetailList for one task, optionally for one TaskStatus."""
    body = client.call(QUERY_TASK_DETAIL_LIST, {'TaskNo': task_no, 'TaskStatus': status, 'PageNum': 1, 'PageSize': 1},
                       deadline=deadline)
    return as_int(body.get('TotalItemNum'), 0)


def _service_seconds(text):
    """Seconds of a service time stamp (``2018-03-26 15:22:18``) on the service's own clock, or None.

    Only differences between two stamps are used, so the service's time zone does not matter.
    """
    try:
        return calendar.timegm(time.strptime(str(text).strip(), SERVICE_TIME_FORMAT))
    except (TypeError, ValueError, OverflowError):
        return None


def _lag(detail):
    """Seconds from a detail's CreateTime to its UpdateTime (service clock), or None."""
    created, updated = _service_seconds(detail.get('CreateTime')), _service_seconds(detail.get('UpdateTime'))
    if created is None or updated is None:
        return None
    return max(0, updated - created)


def _format_seconds(seconds):
    return '%.1f s' % seconds


class UnknownTaskError(DomainError):
    """QueryTaskDetailList lists no detail for a task number: nothing will ever finish."""

    default_code = 'TaskNotFound'


class _TaskProgress(object):
    """What is known about one task: its details and which of them are final.

    Final statuses never change again, so the set of details seen final only grows: once it covers
    every detail of the task, every detail is final, whatever happened between two probes.
    (Counting the pending statuses could not prove that: a detail moving from WAITING_EXECUTE to
    EXECUTING between two calls would be in neither count.)  A task of one page is followed detail
    by detail; a larger one by the counts of its two final statuses.
    """

    def __init__(self, task_no):
        self.task_no = task_no
        self.total = None
        self.domains = None         # TaskDetailNo -> DomainName, for a task of one page
        self.final_numbers = set()
        self.failed_numbers = set()
        self.executing = 0          # details EXECUTING at the last QueryTaskDetailList probe
        self.execution_lag = None   # the longest any of them waited (UpdateTime - CreateTime) before executing
        self.stamps = {}            # TaskDetailNo -> UpdateTime (service seconds) of final details
        self.counts = {DETAIL_SUCCESS: 0, DETAIL_FAILURE: 0}
        self.done = False
        self.probes = 0
        self.results = None         # the PollTaskResult details that proved the task done
        self._fruitless_polls = 0

    @property
    def followed(self):
        return self.domains is not None

    @property
    def final(self):
        if self.followed:
            return len(self.final_numbers)
        return self.counts[DETAIL_SUCCESS] + self.counts[DETAIL_FAILURE]

    @property
    def pending(self):
        return max((self.total or 0) - self.final, 0)

    @property
    def failed(self):
        if self.followed:
            return len(self.failed_numbers)
        return self.counts[DETAIL_FAILURE]

    def pending_domains(self):
        if not self.followed:
            return []
        return [domain for number, domain in self.domains.items() if number not in self.final_numbers and domain]

    def probe(self, client, deadline):
        """Refresh what is final, in one call (two for a large task whose successes stalled)."""
        self.probes += 1
        if self.total is None:
            self.list_details(client, deadline)
        elif not self.followed:
            self._count(client, deadline)
        elif self._fruitless_polls >= FRUITLESS_POLLS_BEFORE_LISTING or not (self.final or self.executing):
            # Also while nothing is final or executing: only QueryTaskDetailList shows the service starting.
            self.list_details(client, deadline)
        else:
            try:
                self._poll(client, deadline)
            except DomainError:
                # If PollTaskResult keeps failing, QueryTaskDetailList may still answer.
                self._fruitless_polls = FRUITLESS_POLLS_BEFORE_LISTING
                raise

    def _note_final(self, detail):
        """Record a detail seen final; True when it was not known final before."""
        number = detail.get('TaskDetailNo')
        if number not in self.domains or not is_final_detail(detail):
            return False
        stamp = _service_seconds(detail.get('UpdateTime'))
        if stamp is not None:
            self.stamps[number] = stamp
        if number in self.final_numbers:
            return False
        self.final_numbers.add(number)
        if detail_status_code(detail) == DETAIL_FAILURE:
            self.failed_numbers.add(number)
        return True

    def list_details(self, client, deadline):
        """One page of QueryTaskDetailList: the task's size and, for up to a page of details, every status."""
        body = client.call(QUERY_TASK_DETAIL_LIST, {'TaskNo': self.task_no, 'PageNum': 1, 'PageSize': FIRST_PROBE_PAGE_SIZE},
                           deadline=deadline)
        total = as_int(body.get('TotalItemNum'), 0)
        details = extract_items(body, TASK_DETAIL_ITEMS)
        if self.total is None and total == 0 and not details:
            raise UnknownTaskError('Task %s has no details in QueryTaskDetailList: check the task number'
                                   % self.task_no)
        self._fruitless_polls = 0
        lags = [_lag(detail) for detail in details if detail_status_code(detail) == DETAIL_EXECUTING]
        self.executing = len(lags)
        lags = [lag for lag in lags if lag is not None]
        self.execution_lag = max(lags) if lags else None
        if len(details) >= total:
            if self.domains is None:
                self.domains = dict((detail.get('TaskDetailNo'), detail.get('DomainName')) for detail in details)
            for detail in details:
                self._note_final(detail)
            self.total = len(self.domains)
        elif self.followed:
            # The task grew past a page (it cannot; but if it did): count it from now on.
            self.domains = None
        if not self.followed:
            self.total = max(total, len(details))
            for status in self.counts:
                self.counts[status] = max(self.counts[status],
                                          count_task_details(client, self.task_no, status, deadline))
        self.done = self.final >= self.total

    def _poll(self, client, deadline):
        """PollTaskResult for the task: final details; when they complete the task, also its results."""
        body = client.call(POLL_TASK_RESULT, {'TaskNo': self.task_no, 'PageNum': 1, 'PageSize': PAGE_SIZE},
                           deadline=deadline)
        details = [detail for detail in extract_items(body, TASK_DETAIL_ITEMS) if detail.get('TaskNo') in (None, self.task_no)]
        new = sum(1 for detail in details if self._note_final(detail))
        self.done = self.final >= self.total
        if self.done and as_int(body.get('TotalItemNum'), 0) <= len(details):
            self.results = details
        # Nothing new: perhaps nothing finished, perhaps another tool acknowledged what did.  Only
        # QueryTaskDetailList tells the two apart.
        self._fruitless_polls = 0 if new or self.done else self._fruitless_polls + 1

    def _count(self, client, deadline):
        """A task over one page: count successes, and failures too when successes stalled."""
        before = self.counts[DETAIL_SUCCESS]
        self.counts[DETAIL_SUCCESS] = max(before, count_task_details(client, self.task_no, DETAIL_SUCCESS, deadline))
        stalled = self.final < self.total and self.counts[DETAIL_SUCCESS] == before
        # Nothing succeeded since the last probe: the rest may be failing.  Before anything at all has
        # finished, failures are no likelier than successes, so they are only counted every other probe.
        if stalled and (self.final > 0 or self.probes % 2 == 0):
            failed = count_task_details(client, self.task_no, DETAIL_FAILURE, deadline)
            self.counts[DETAIL_FAILURE] = max(self.counts[DETAIL_FAILURE], failed)
        self.done = self.final >= self.total


class SleepBudget(object):
    """The hard bounds every sleep of a wait keeps, whatever the prediction asks for.

    No sleep exceeds ``max_poll_interval``, none is shorter than a floor that grows with the time already waited
    (``FLOOR_SHARE`` of it, from ``shortest`` up to ``poll_interval``), and after the first minute no 60 seconds
    hold more than ``60 / poll_interval + 1`` probe rounds (one call each for a task of up to one page).
    """

    def __init__(self, poll_interval, max_poll_interval, shortest):
        self.poll_interval = poll_interval
        self.max_poll_interval = max_poll_interval
        self.shortest = shortest
        self.per_minute = int(60.0 / poll_interval + 1)
        self.started = None
        self._late_probes = []     # when each probe round after the first minute ended

    def start(self, now):
        self.started = now
        self._late_probes = []

    def note_probe(self, now):
        """A probe round ended at ``now``."""
        if self.started is not None and now >= self.started + BUDGET_FREE_SECONDS:
            self._late_probes = self._late_probes[-self.per_minute:] + [now]

    def free(self, now):
        """Probe rounds the next minute still allows (at least one)."""
        if now + BUDGET_WINDOW < self.started + BUDGET_FREE_SECONDS:
            return float('inf')
        recent = sum(1 for moment in self._late_probes if moment > now - BUDGET_WINDOW)
        return max(self.per_minute - recent, 1)

    def floor(self, waited):
        """The shortest sleep allowed after ``waited`` seconds."""
        return min(max(FLOOR_SHARE * waited, self.shortest), self.poll_interval)

    def earliest(self, now):
        """The earliest time the next probe round may start without more than ``per_minute`` in any minute."""
        earliest = now
        late, count = self._late_probes, self.per_minute
        if len(late) >= count:
            earliest = max(earliest, late[-count] + BUDGET_WINDOW + BUDGET_MARGIN)
        # Leave the rounds after this one room within max_poll_interval: a burst that used up the minute
        # would otherwise force a sleep longer than the cap.  Probing every max_poll_interval from here on,
        # the round ``ahead`` rounds later must still keep the minute after the round count - ahead before this.
        for ahead in range(1, count):
            if len(late) >= count - ahead:
                earliest = max(earliest, late[ahead - count] + BUDGET_WINDOW + BUDGET_MARGIN
                               - ahead * self.max_poll_interval)
        return earliest

    def bound(self, interval, now):
        """``interval`` within the floor, the per-minute budget and ``max_poll_interval``."""
        interval = max(interval, self.floor(now - self.started))
        if now + interval >= self.started + BUDGET_FREE_SECONDS:
            interval = max(interval, self.earliest(now) - now)
        return min(interval, self.max_poll_interval)


class TaskWaiter(object):
    """Waits for task details to become final; see the module docstring for the strategy."""

    def __init__(self, client, timeout=None, poll_interval=None, max_poll_interval=None, clock=None, sleep=None,
                 log=None, progress=None):
        self.client = client
        # progress(report): a narrow hook for _progress.ProgressReporter; called once per probe round.
        self.progress = progress
        self.timeout, self.poll_interval, self.max_poll_interval = validate_wait_options(
            timeout, poll_interval, max_poll_interval)
        self.shortest_interval = min(self.poll_interval, SHORTEST_SLEEP)
        self.budget = SleepBudget(self.poll_interval, self.max_poll_interval, self.shortest_interval)
        self.clock = clock or getattr(client, 'clock', None) or time.monotonic
        self.sleep = sleep or getattr(client, 'sleep', None) or time.sleep
        self.log = log
        self.polls = 0
        self.started = None
        self.deadline = None
        self._reset_estimate()

    def _log(self, message):
        if self.log is not None:
            self.log(message)

    def _report(self, **report):
        if self.progress is not None:
            self.progress(report)

    def _reset_estimate(self):
        self._anchor = None
        self._anchor_final = 0
        self._final = 0
        self._idle_probes = 0
        self._blind_interval = None
        self._first_blind_interval = self.poll_interval * WAITING_SLEEP_SHARE
        self._executing_seen = False
        self._prediction = None

    def _start(self):
        self.started = self.clock()
        self.deadline = self.started + self.timeout
        self.polls = 0
        self.budget.start(self.started)
        self._reset_estimate()

    def elapsed(self):
        return self.clock() - self.started

    # --- rate estimate ---------------------------------------------------------------------------

    def record(self, now, final, stamp_span=None):
        """Note that ``final`` details were final at ``now``.

        The rate is measured from the first completion: ``stamp_span`` (seconds between the earliest
        and the latest UpdateTime of the final details, on the service's clock) places it before the
        first probe that saw any; without stamps the measurement starts at that probe.
        """
        if final < self._final:
            # A count went back (a transient answer): measure anew.
            self._anchor = None
        if final > 0 and self._anchor is None:
            if stamp_span is not None and final > 1:
                # The first completion was stamp_span before the last one, which was about one interval
                # between completions before now (stamps have one-second resolution).
                gap = min(STAMP_SLACK, stamp_span / (final - 1)) if stamp_span > 0 else STAMP_SLACK
                self._anchor, self._anchor_final = now - stamp_span - gap, 1
            else:
                self._anchor, self._anchor_final = now, final
        self._idle_probes = 0 if final > self._final else self._idle_probes + 1
        self._final = final

    def note_execution(self, executing_share, execution_lag=None):
        """Note the share of details the service executes (0 to 1) and how long they waited before it started.

        Before anything is final these are all there is to go by: the more details already execute, the
        nearer their end; and the longer the service took to start them, the longer the task takes.
        """
        if self._anchor is not None or executing_share <= 0:
            return
        first = self.poll_interval * WAITING_SLEEP_SHARE * (
            EXECUTING_SLEEP_SHARE / WAITING_SLEEP_SHARE) ** min(executing_share, 1.0)
        first = max(first, EXECUTION_LAG_FACTOR * (execution_lag or 0))
        if self._blind_interval is None:
            self._first_blind_interval = first
        elif not self._executing_seen:
            self._blind_interval = min(self._blind_interval, first)
        self._executing_seen = True

    def rate(self, now):
        """(details finished per second, how many finished in the measured window) or (None, 0)."""
        if self._anchor is None:
            return None, 0
        finished = self._final - self._anchor_final
        if finished <= 0 or now <= self._anchor:
            return None, 0
        return finished / (now - self._anchor), finished

    def _predict_end(self, now, pending, rate, finished):
        """(the predicted end, its standard error), on the waiter's clock."""
        remaining = pending / rate
        # The share of details final so far errs binomially; it scales the whole span of completions.
        span = now - self._anchor + remaining
        return now + remaining, span * math.sqrt(pending / float(self._final + pending) / finished)

    def next_interval(self, now, pending):
        """Seconds to sleep before the next probe."""
        rate, finished = self.rate(now)
        if rate is not None and finished < FORECAST_COMPLETIONS:
            # A rate from a few completions is a guess: sleep part of the way and measure again.
            interval = pending / rate * finished / (finished + FORECAST_COMPLETIONS)
        elif rate is not None:
            if self._idle_probes == 0 or self._prediction is None:
                # Progress: predict the end anew.  Probes that find nothing new keep the prediction, so
                # that a detail outliving it is seen as a straggler.
                self._prediction = self._predict_end(now, pending, rate, finished)
            interval = self._toward_end(now, pending)
        elif self._anchor is not None:
            # Details have just started to finish: measure their pace over a short interval, longer
            # while nothing more finishes.
            interval = self.shortest_interval * NO_RATE_GROWTH ** min(self._idle_probes, 16)
        else:
            if self._blind_interval is None:
                self._blind_interval = self._first_blind_interval
            interval = self._blind_interval
            self._blind_interval = min(self._blind_interval * NO_RATE_GROWTH, self.max_poll_interval)
        interval = self.budget.bound(interval, now)
        return max(0.0, min(interval, self.deadline - now))

    def _toward_end(self, now, pending):
        """The sleep once the end is predicted: spend probes in its window, a steady beat on a straggler."""
        end, error = self._prediction
        opens, closes = end - END_WINDOW_ERRORS * error, end + END_WINDOW_ERRORS * error
        step = END_WINDOW_STEP * error
        beat = STRAGGLER_BEAT * self.poll_interval
        predicts = step < self.max_poll_interval
        if now < closes and self.polls + 1 > 1 + (now - self.started) / beat:
            if error > SHORT_WAIT_REMEASURE and end - error > now + self.budget.floor(now - self.started):
                # Far too uncertain to aim at: measure once more before the end, when far more are final.
                return end - error - now
            return end + SHORT_WAIT_AIM * error - now
        if now + self.budget.floor(now - self.started) < opens:
            return opens - now
        if predicts and now < closes:
            # Spread what the minute's budget still allows over the rest of the window.
            spread = min(closes - now, BUDGET_WINDOW) / self.budget.free(now)
            return min(max(step, spread), self.poll_interval)
        if pending == 1:
            # From the window's step up to the beat while the straggler has not ended, but never ahead of one
            # probe per beat since the wait began (max_poll_interval still bounds the sleep).
            due = self.started + self.polls * beat - now
            return max(min(step * NO_RATE_GROWTH ** min(self._idle_probes, 16), beat), due)
        if not predicts:
            return self.max_poll_interval
        # Several details left past their window: back off while nothing finishes.
        return self.poll_interval * NO_RATE_GROWTH ** min(self._idle_probes, 16)

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
                self._log('waiting: %s while probing task %s; still waiting' % (error.code, task.task_no))
        self.polls += 1
        self.budget.note_probe(self.clock())
        return fresh

    def _note_states(self, tasks, total):
        lags = [task.execution_lag for task in tasks if task.execution_lag is not None]
        self.note_execution(sum(task.executing for task in tasks) / float(total or 1), max(lags) if lags else None)

    @staticmethod
    def _stamp_span(tasks):
        stamps = [stamp for task in tasks for stamp in task.stamps.values()]
        if not stamps or any(task.final and not task.followed for task in tasks):
            return None
        return max(stamps) - min(stamps)

    def wait_for_tasks(self, task_nos):
        """Return a report dict once every detail of ``task_nos`` is final; raise DomainWaitTimeout otherwise.

        The report's ``results`` maps the task numbers whose last probe was a PollTaskResult answer
        proving them done to that answer (raw API details): those tasks' results, as of that moment.
        """
        self._start()
        tasks = [_TaskProgress(task_no) for task_no in task_nos]
        while True:
            fresh = self._probe_tasks(tasks)
            now = self.clock()
            final = sum(task.final for task in tasks)
            total = sum(task.total or 0 for task in tasks)
            if fresh and all(task.done for task in tasks):
                elapsed = now - self.started
                self._log('waiting: every detail of %s is final after %s (%d polls)'
                          % (', '.join(task_nos), _format_seconds(elapsed), self.polls))
                self._report(final=final, failed=sum(task.failed for task in tasks), total=total, elapsed=elapsed,
                             next_check=None)
                results = dict((task.task_no, task.results) for task in tasks if task.results is not None)
                return {'task_nos': list(task_nos), 'total': total, 'pending': 0, 'polls': self.polls,
                        'elapsed': elapsed, 'results': results}
            if fresh:
                self.record(now, final, self._stamp_span(tasks))
                self._note_states(tasks, total)
            if now >= self.deadline:
                raise self._timeout(tasks)
            interval = self.next_interval(now, sum(task.pending for task in tasks))
            self._log('waiting: %d of %d details final after %s; next poll in %s' % (
                final, total, _format_seconds(now - self.started), _format_seconds(interval)))
            self._report(final=final, failed=sum(task.failed for task in tasks), total=total,
                         elapsed=now - self.started, next_check=interval)
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
                if task.total is None or task.followed:
                    task.list_details(self.client, grace)
                if task.followed:
                    pending_domains.extend(task.pending_domains())
                    continue
                for status in (DETAIL_WAITING, DETAIL_EXECUTING):
                    pending_domains.extend(self._pending_domains(task.task_no, status, grace))
                for status in (DETAIL_SUCCESS, DETAIL_FAILURE):
                    task.counts[status] = max(task.counts[status],
                                              count_task_details(self.client, task.task_no, status, grace))
            except DomainError as error:
                if not should_retry(error):
                    raise
                exact = False
                if task.followed:
                    pending_domains.extend(task.pending_domains())
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
        body = self.client.call(QUERY_TASK_DETAIL_LIST, {'TaskNo': task_no, 'TaskStatus': status, 'PageNum': 1,
                                                         'PageSize': PENDING_LISTING_PAGE_SIZE}, deadline=deadline)
        return [detail.get('DomainName') for detail in extract_items(body, TASK_DETAIL_ITEMS) if detail.get('DomainName')]

    # --- waiting for anything else ---------------------------------------------------------------

    def wait_until(self, probe, description, restart=True):
        """Call ``probe()`` until it returns something truthy, which is returned.

        For waits with no task number (a result for a domain or instance): there is no rate to
        measure, so the sleep grows from ``poll_interval`` to ``max_poll_interval``.  With
        ``restart=False`` the deadline of the previous wait still holds: reading the results of a
        finished wait is retried through transient errors (sleeps growing from the shortest
        sleep), but not past that deadline.
        """
        if restart or self.started is None:
            self._start()
            # No details to go by: the sleep grows from poll_interval itself.
            self._blind_interval = self.poll_interval
        else:
            # Retrying a read after a finished wait: the client already retried; start short.
            self._reset_estimate()
            self._blind_interval = self.shortest_interval
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
            self.budget.note_probe(self.clock())
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
            if restart:
                self._report(description=description, elapsed=now - self.started, next_check=interval)
            self.sleep(interval)


def wait_for_tasks(client, task_nos, timeout=DEFAULT_WAIT_TIMEOUT, poll_interval=None,
                   max_poll_interval=DEFAULT_MAX_POLL_INTERVAL, clock=None, sleep=None, log=None, progress=None):
    """Block until every detail of ``task_nos`` is final; the report dict, or DomainWaitTimeout."""
    waiter = TaskWaiter(client, timeout=timeout, poll_interval=poll_interval, max_poll_interval=max_poll_interval,
                        clock=clock, sleep=sleep, log=log, progress=progress)
    return waiter.wait_for_tasks(task_nos)
