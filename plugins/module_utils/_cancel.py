# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cancelling what a task has not started yet (CancelTask), internal use only.

``CancelRequest`` validates the ``cancel`` module's options; ``run_cancel`` reads each task's details,
sends CancelTask for the tasks that still have a detail waiting (never in check mode, never for a task
whose cancellation already started), optionally waits until QueryTaskList says the cancellation is
COMPLETE, and reports per domain what was cancelled and what had already run.

From a state file, the tasks are those of the open migration; a submission recorded there whose answer was
lost (an intent without an outcome) is first looked up in the task list, as the nameservers module would
on a re-run, so that a task it did create is cancelled too. Before CancelTask is sent for a task of the
open run, a ``cancel`` record with the domains then waiting is appended to the state file: a later run
(an abort that timed out waiting, run again) still counts them as cancelled once their details have failed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import os
import time

from ansible_collections.aliyun.domain.plugins.module_utils._api import (
    CANCEL_COMPLETE,
    CANCEL_INIT,
    CANCEL_STATUS_NAMES,
    CANCEL_TASK,
    DETAIL_STATUS_NAMES,
    DETAIL_FAILURE,
    DETAIL_WAITING,
    as_int,
    detail_status_code,
)
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainApiError, DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._names import lenient_name
from ansible_collections.aliyun.domain.plugins.module_utils._nameservers import (
    CANCEL_EVENT,
    MIGRATION,
    SubmissionLog,
    Target,
    find_submitted_task,
    list_recent_tasks,
    task_details,
)
from ansible_collections.aliyun.domain.plugins.module_utils._options import invalid_value, validate_text
from ansible_collections.aliyun.domain.plugins.module_utils._waiter import TaskWaiter, validate_wait_options

INPUT_OPTIONS = ('task_no', 'state_file')
# CancelTask refused because every detail was final before the request: nothing to cancel, not an error.
TASK_ALREADY_COMPLETE = 'TaskAlreadyComplete'
# Without a detail's CreateTime, QueryTaskList is read this far back (it filters by creation day).
FALLBACK_LOOKBACK_MS = 30 * 24 * 3600 * 1000
SERVICE_TIME_FORMAT = '%Y-%m-%d %H:%M:%S'
CANCEL_CODE_NAMES = dict((code, name) for name, code in CANCEL_STATUS_NAMES.items())
DETAIL_CODE_NAMES = dict((code, name) for name, code in DETAIL_STATUS_NAMES.items())


class CancelRequest(object):
    """The validated options of the ``cancel`` module: the task numbers, ``wait`` and the wait options."""

    def __init__(self, options):
        get = options.get_option
        task_no, state_file = get('task_no'), get('state_file')
        if (task_no is None) == (state_file is None):
            raise DomainConfigError('Exactly one of task_no and state_file is required: the tasks to cancel, or the '
                                    'state file whose open migration recorded them.', option='task_no')
        self.state_file = None
        # with a state file: the kind of its open run (None when every run is closed) and the intents of that
        # run whose outcome was never recorded
        self.open_run_kind = None
        self.unsettled = []
        # task_no -> domains an earlier run recorded as waiting when it sent CancelTask
        self.recorded_cancels = {}
        # domain -> the target the open run's submission set for it (the domain_nameservers form)
        self.targets = {}
        # the state file, appended to (a ``cancel`` record) before CancelTask is sent; None with task_no
        self.state = None
        if task_no is not None:
            self.task_nos = validate_task_nos(task_no)
        else:
            self.state_file = validate_text(state_file, 'state_file', 'the path of a state file')
            if not os.path.isfile(self.state_file):
                raise invalid_value('state_file', state_file, 'the path of an existing state file')
            log = self.state = SubmissionLog(self.state_file)
            self.task_nos = _unique(log.task_nos())
            self.recorded_cancels = dict((task_no, set(domains)) for task_no, domains in log.cancels.items())
            if log.order:
                kinds = [log.intents[intent_id].get('kind') for intent_id in log.order]
                self.open_run_kind = next((kind for kind in kinds if kind), MIGRATION)
            for intent, task_no, event in log.submissions():
                if event == 'not_sent':
                    continue
                if not task_no:
                    self.unsettled.append(intent)
                if isinstance(intent.get('target'), dict):
                    target = Target.from_record(intent['target']).option_value()
                    self.targets.update((domain, target) for domain in intent.get('domains') or [])
        wait = options.get_option_default('wait', False)
        if not isinstance(wait, bool):
            raise invalid_value('wait', wait, 'a boolean')
        self.wait = wait
        self.wait_options = validate_wait_options(get('wait_timeout'), get('poll_interval'), get('max_poll_interval'))


def _unique(values):
    seen = set()
    return [value for value in values if not (value in seen or seen.add(value))]


def validate_task_nos(value):
    """A non-empty list of task numbers (non-empty strings), de-duplicated in input order."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        raise invalid_value('task_no', value, 'a non-empty list of task numbers')
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise invalid_value('task_no', item, 'a task number (a non-empty string)')
    return _unique(item.strip() for item in value)


def _created_ms(details):
    """Epoch milliseconds of the earliest detail's CreateTime (service clock), or None."""
    stamps = []
    for detail in details:
        try:
            stamps.append(calendar.timegm(time.strptime(str(detail.get('CreateTime')).strip(), SERVICE_TIME_FORMAT)))
        except (TypeError, ValueError, OverflowError):
            continue
    return min(stamps) * 1000 if stamps else None


class _Cancellation(object):
    def __init__(self, client, request, check_mode, log, clock_ms):
        self.client = client
        self.request = request
        self.check_mode = check_mode
        self.log = log
        self.clock_ms = clock_ms or (lambda: int(time.time() * 1000))
        self.since_ms = None

    def _log(self, message):
        if self.log is not None:
            self.log(message)

    def cancel_statuses(self):
        """{task_no: TaskCancelStatusCode} of the requested tasks that QueryTaskList shows."""
        now_ms = self.clock_ms()
        since = self.since_ms if self.since_ms is not None else now_ms - FALLBACK_LOOKBACK_MS
        wanted = set(self.request.task_nos)
        statuses = {}
        for task in list_recent_tasks(self.client, since, now_ms):
            if task.get('TaskNo') in wanted:
                code = as_int(task.get('TaskCancelStatusCode'))
                if code is None:
                    code = CANCEL_STATUS_NAMES.get(str(task.get('TaskCancelStatus') or '').upper(), CANCEL_INIT)
                statuses[task['TaskNo']] = code
        return statuses

    def send_cancel(self, task_no):
        """True when the service accepted CancelTask for ``task_no``, False when the task was already complete."""
        try:
            self.client.call(CANCEL_TASK, {'TaskNo': task_no}, mutating=True)
        except DomainApiError as error:
            if error.api_code == TASK_ALREADY_COMPLETE:
                self._log('cancel: task %s was already complete: nothing to cancel' % task_no)
                return False
            if not error.ambiguous:
                raise
            return self._settle(task_no, error)
        except Exception as error:  # a transport error after the request left: settled the same way
            if not getattr(error, 'ambiguous', False):
                raise
            return self._settle(task_no, error)
        return True

    def _settle(self, task_no, error):
        """An ambiguous CancelTask: the task's cancel status tells whether it was carried out (never re-sent)."""
        status = self.cancel_statuses().get(task_no, CANCEL_INIT)
        if status == CANCEL_INIT:
            raise error
        self._log('cancel: %s hid the answer to CancelTask %s; QueryTaskList shows %s: accepted'
                  % (getattr(error, 'code', error), task_no, CANCEL_CODE_NAMES.get(status, status)))
        return True

    def settle_unsettled(self):
        """Add the tasks that the state file's unsettled intents did create (read-only: QueryTaskList)."""
        for intent in self.request.unsettled:
            found = find_submitted_task(self.client, intent.get('domains') or [], intent.get('time_ms') or self.clock_ms(),
                                        set(intent.get('known_task_nos') or []) | set(self.request.task_nos),
                                        self.clock_ms())
            if found:
                self._log('cancel: the submission for %d domains whose answer was lost created task %s'
                          % (len(intent.get('domains') or []), found))
                self.request.task_nos.append(found)
            else:
                self._log('cancel: no task was created for the submission of %d domains whose answer was lost'
                          % len(intent.get('domains') or []))

    def run(self):
        request = self.request
        self.settle_unsettled()
        if not request.task_nos:  # an open migration that submitted nothing: nothing to cancel, no call
            return self._result({}, {}, {}, [], [])
        first = dict((task_no, task_details(self.client, task_no)) for task_no in request.task_nos)
        created = [ms for ms in (_created_ms(details) for details in first.values()) if ms is not None]
        self.since_ms = min(created) if created else None
        waiting = dict((task_no, set(lenient_name(d.get('DomainName')) for d in details
                                     if detail_status_code(d) == DETAIL_WAITING))
                       for task_no, details in first.items())
        statuses = self.cancel_statuses()
        accepted, sent = [], []
        for task_no in request.task_nos:
            if not waiting[task_no] and first[task_no]:
                # nothing waiting; a task without details is asked anyway: the service tells whether it exists
                continue
            if statuses.get(task_no, CANCEL_INIT) != CANCEL_INIT:
                # a cancellation already under way (an earlier run): sending again would change nothing
                self._log('cancel: task %s is already %s' % (task_no, CANCEL_CODE_NAMES.get(statuses[task_no])))
                continue
            if self.check_mode:
                continue
            sent.append(task_no)
            if request.state is not None:
                request.state.append({'event': CANCEL_EVENT, 'task_no': task_no, 'time_ms': self.clock_ms(),
                                      'domains': sorted(waiting[task_no])})
            if self.send_cancel(task_no):
                accepted.append(task_no)
        started = [task_no for task_no in request.task_nos if self.cancel_domains(task_no, waiting) and (
            task_no in accepted or statuses.get(task_no, CANCEL_INIT) != CANCEL_INIT)]
        if accepted or (request.wait and started):
            if request.wait and started:
                statuses = self._wait_until_complete(started)
            else:
                statuses = self.cancel_statuses()
        final = first
        if not self.check_mode and (sent or started):
            final = dict((task_no, task_details(self.client, task_no)) for task_no in request.task_nos)
        return self._result(final, waiting, statuses, started, accepted)

    def cancel_domains(self, task_no, waiting):
        """The domains of ``task_no`` a cancellation covers: waiting now, or when an earlier run cancelled it."""
        return waiting[task_no] | self.request.recorded_cancels.get(task_no, set())

    def _wait_until_complete(self, task_nos):
        timeout, poll_interval, max_poll_interval = self.request.wait_options
        waiter = TaskWaiter(self.client, timeout=timeout, poll_interval=poll_interval,
                            max_poll_interval=max_poll_interval, log=self.log)

        def probe():
            statuses = self.cancel_statuses()
            if all(statuses.get(task_no) == CANCEL_COMPLETE for task_no in task_nos):
                return statuses
            return None

        return waiter.wait_until(probe, 'the cancellation of %s' % ', '.join(task_nos))

    def _result(self, final, waiting, statuses, started, accepted):
        cancelled, already_run = [], {}
        for task_no in self.request.task_nos:
            covered = self.cancel_domains(task_no, waiting)
            for detail in final[task_no]:
                domain = lenient_name(detail.get('DomainName'))
                code = detail_status_code(detail)
                was_waiting = task_no in started or self.check_mode
                if domain in covered and was_waiting and code in (DETAIL_WAITING, DETAIL_FAILURE):
                    if domain not in cancelled:
                        cancelled.append(domain)
                else:
                    already_run[domain] = DETAIL_CODE_NAMES.get(code, str(detail.get('TaskStatus') or 'UNKNOWN'))
        tasks = dict((task_no, CANCEL_CODE_NAMES.get(statuses.get(task_no, CANCEL_INIT), 'INIT'))
                     for task_no in self.request.task_nos)
        return {
            'open_run_kind': self.request.open_run_kind,
            'targets': dict(self.request.targets),
            'changed': bool(accepted) or (self.check_mode and any(
                waiting[task_no] and statuses.get(task_no, CANCEL_INIT) == CANCEL_INIT for task_no in self.request.task_nos)),
            'task_nos': list(self.request.task_nos),
            'tasks': tasks,
            'domains_cancelled': cancelled,
            'domains_already_run': already_run,
        }


def run_cancel(client, request, check_mode=False, log=None, clock_ms=None):
    """Cancel what the tasks of ``request`` have not started; the module's result (see the module's RETURN)."""
    return _Cancellation(client, request, check_mode, log, clock_ms).run()
