# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AcknowledgeTaskResult in batches, and its check-mode prediction (internal use only).

Acknowledging removes a result from PollTaskResult for good, for every tool of the account. So
the whole input is validated before the first call, only the numbers given are ever sent, and a
failure part-way reports exactly which batches were confirmed and which numbers are left.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aliyun.domain.plugins.module_utils._api import ACKNOWLEDGE_TASK_RESULT, MAX_PAGE_SIZE
from ansible_collections.aliyun.domain.plugins.module_utils._client import DEFAULT_CONCURRENCY, MAX_CONCURRENCY
from ansible_collections.aliyun.domain.plugins.module_utils._errors import (
    DomainConfigError,
    DomainResponseError,
)
from ansible_collections.aliyun.domain.plugins.module_utils._journal import read_final_results
from ansible_collections.aliyun.domain.plugins.module_utils._options import validate_whole_number
from ansible_collections.aliyun.domain.plugins.module_utils._response import first_value
from ansible_collections.aliyun.domain.plugins.module_utils._task_results import iter_task_results

DEFAULT_BATCH_SIZE = 100
# The API documents no limit; one page of results at most. Every number adds about 50 bytes to the
# signed URL (1000 make about 50 KB), so larger batches are refused here rather than discovered as a
# proxy's URL limit mid-run.
MAX_BATCH_SIZE = MAX_PAGE_SIZE

BATCH_CONFIRMED = 'confirmed'
BATCH_FAILED = 'failed'
BATCH_NOT_SENT = 'not_sent'

INPUT_OPTIONS = ('task_detail_nos', 'results', 'task_no')
# ``journal`` narrows ``task_no`` to what the journal holds, so it goes with task_no, never alone.
JOURNAL_OPTION = 'journal'
# Enough examples of bad input to fix a template in one go, few enough to stay one readable line.
MAX_REPORTED_PROBLEMS = 5


class AckRequest(object):
    """Validated input: the de-duplicated TaskDetailNo values in their first-seen order.

    ``task_no_by_detail`` maps a TaskDetailNo to its TaskNo where the input said so; check mode
    uses it to ask PollTaskResult per task instead of reading the whole account's list.
    ``task_nos`` is set when the input named tasks rather than details.
    """

    def __init__(self, source, task_detail_nos, task_no_by_detail=None, task_nos=None):
        self.source = source
        self.task_detail_nos = task_detail_nos
        self.task_no_by_detail = task_no_by_detail or {}
        self.task_nos = task_nos


class AckOutcome(object):
    """What an acknowledgement run did; ``error`` is the DomainError that stopped it, if any."""

    def __init__(self, requested, batches):
        self.requested = requested
        self.batches = batches
        self.error = None
        # Check mode only: the requested numbers PollTaskResult still returns.
        self.would_acknowledge = None

    @property
    def acknowledged_count(self):
        if self.would_acknowledge is not None:
            return len(self.would_acknowledge)
        return sum(batch['result'] or 0 for batch in self.batches)

    @property
    def changed(self):
        return self.acknowledged_count > 0

    @property
    def remaining(self):
        """Numbers not known to be confirmed: every number of a batch that failed or was not sent."""
        return [number for batch in self.batches if batch['status'] != BATCH_CONFIRMED for number in batch['task_detail_nos']]

    def to_result(self):
        result = {
            'changed': self.changed,
            'acknowledged_count': self.acknowledged_count,
            'requested': list(self.requested),
            'batches': [_batch_result(batch) for batch in self.batches],
            'remaining': self.remaining,
        }
        if self.would_acknowledge is not None:
            result['would_acknowledge'] = list(self.would_acknowledge)
        if self.error is not None:
            result['error'] = self.error.to_result()
        return result

    def failure_message(self):
        confirmed = sum(1 for batch in self.batches if batch['status'] == BATCH_CONFIRMED)
        return '%s; %d of %d batches confirmed (%d results newly acknowledged), %d numbers left: run again to finish' % (
            self.error, confirmed, len(self.batches), self.acknowledged_count, len(self.remaining))


def _batch_result(batch):
    """A batch as returned: the numbers of a confirmed batch are in ``requested`` already, so only
    the batches that were not confirmed list theirs (with 10,000 numbers, repeating them all doubled
    what every later task has to carry)."""
    result = dict(batch)
    if batch['status'] == BATCH_CONFIRMED:
        del result['task_detail_nos']
    return result


def _type_name(value):
    return 'null' if value is None else type(value).__name__


def _identifier_problem(where, value, what):
    """The reason ``value`` cannot be a TaskDetailNo/TaskNo, or None when it can."""
    if not isinstance(value, str):
        return '%s is %r (%s); a %s is a string, quote it in YAML' % (where, value, _type_name(value), what)
    if not value:
        return '%s is an empty string; a %s is required' % (where, what)
    if value != ''.join(value.split()):
        return '%s is %r; a %s contains no whitespace' % (where, value, what)
    return None


def _raise_problems(option, problems):
    shown = problems[:MAX_REPORTED_PROBLEMS]
    more = len(problems) - len(shown)
    suffix = ' (and %d more)' % more if more else ''
    raise DomainConfigError('Invalid value for option %s, nothing was acknowledged: %s%s' % (option, '; '.join(shown), suffix), option=option)


def _require_list(option, value, what):
    if not isinstance(value, (list, tuple)):
        raise DomainConfigError(
            'Invalid value %r for option %s, nothing was acknowledged: expected a list of %s, got %s' % (value, option, what, _type_name(value)),
            option=option)
    if not value:
        raise DomainConfigError(
            'Invalid value for option %s, nothing was acknowledged: the list is empty; name at least one %s' % (option, what), option=option)


def _identifiers(option, values, what):
    _require_list(option, values, what)
    problems = [problem for problem in (
        _identifier_problem('%s[%d]' % (option, index), value, what) for index, value in enumerate(values)) if problem]
    if problems:
        _raise_problems(option, problems)
    return _unique(values)


def _unique(values):
    seen = set()
    ordered = []
    for value in values:
        if value not in seen:
            seen.add(value)
            ordered.append(value)
    return ordered


def _from_results(results):
    _require_list('results', results, 'result with task_detail_no')
    problems = []
    task_detail_nos = []
    task_no_by_detail = {}
    for index, item in enumerate(results):
        where = 'results[%d]' % index
        if not isinstance(item, dict):
            problems.append('%s is %r (%s), not a dict with task_detail_no' % (where, item, _type_name(item)))
            continue
        if 'task_detail_no' not in item:
            problems.append('%s has no task_detail_no (keys: %s)' % (where, ', '.join(sorted(str(key) for key in item)) or 'none'))
            continue
        problem = _identifier_problem(where + '.task_detail_no', item['task_detail_no'], 'TaskDetailNo')
        if problem:
            problems.append(problem)
            continue
        task_detail_nos.append(item['task_detail_no'])
        task_no = item.get('task_no')
        if _identifier_problem('', task_no, 'TaskNo') is None:
            task_no_by_detail.setdefault(item['task_detail_no'], task_no)
    if problems:
        _raise_problems('results', problems)
    return AckRequest('results', _unique(task_detail_nos), task_no_by_detail)


def validate_batch_size(batch_size):
    return validate_whole_number(batch_size, 'batch_size', maximum=MAX_BATCH_SIZE)


def validate_concurrency(concurrency):
    return validate_whole_number(concurrency, 'concurrency', maximum=MAX_CONCURRENCY)


def parse_request(task_detail_nos=None, results=None, task_no=None, journal=None):
    """Validate the user's input as a whole; raise DomainConfigError naming every problem found.

    Exactly one of the three inputs must be given: there is deliberately no way to acknowledge
    results without naming them, because the list is shared by the whole account. ``journal``
    goes with ``task_no``: the final results of those tasks that the journal holds.
    """
    given = dict((name, value) for name, value in zip(INPUT_OPTIONS, (task_detail_nos, results, task_no)) if value is not None)
    if not given:
        raise DomainConfigError(
            'Nothing to acknowledge: give one of task_detail_nos, results or task_no '
            '(acknowledging every result of the account without naming them is not supported)')
    if len(given) > 1:
        raise DomainConfigError('Give only one of task_detail_nos, results and task_no, not %s' % ' and '.join(sorted(given)))
    if journal is not None and task_no is None:
        raise DomainConfigError(
            'Option journal needs task_no: the journal is read for the results of the tasks named there, '
            'not confirmed as a whole (got %s)' % ' and '.join(sorted(given)), option=JOURNAL_OPTION)
    if results is not None:
        return _from_results(results)
    if task_no is not None:
        if isinstance(task_no, str):
            task_no = [task_no]
        task_nos = _identifiers('task_no', task_no, 'TaskNo')
        if journal is not None:
            return from_journal(journal, task_nos)
        return AckRequest('task_no', [], task_nos=task_nos)
    return AckRequest('task_detail_nos', _identifiers('task_detail_nos', task_detail_nos, 'TaskDetailNo'))


def from_journal(path, task_nos):
    """The final results of ``task_nos`` that the journal at ``path`` holds, in journal order.

    A journal without such results (or no journal yet) gives an empty request: nothing of those
    tasks is known to be final, so nothing is confirmed. The records never pass through templating.
    """
    task_detail_nos = []
    task_no_by_detail = {}
    for record in read_final_results(path, task_nos):
        task_detail_nos.append(record['task_detail_no'])
        task_no_by_detail.setdefault(record['task_detail_no'], record['task_no'])
    return AckRequest(JOURNAL_OPTION, _unique(task_detail_nos), task_no_by_detail)


def invocation(params):
    """The module's ``invocation`` with ``results`` cut to the keys this module reads.

    Ansible echoes every argument back in the result; 10,000 full results handed over from
    domain_task_result would travel back whole, each of their strings searched for secrets on the way.
    """
    module_args = dict(params)
    if isinstance(module_args.get('results'), list):
        module_args['results'] = [
            dict((key, item[key]) for key in ('task_detail_no', 'task_no') if key in item) if isinstance(item, dict) else item
            for item in module_args['results']]
    return {'module_args': module_args}


def resolve_task_nos(client, request):
    """For ``task_no`` input: the TaskDetailNo of every result PollTaskResult returns for those tasks."""
    if request.task_nos is None:
        return request
    task_detail_nos = []
    for task_no in request.task_nos:
        for item in iter_task_results(client, task_no=task_no):
            task_detail_nos.append(item['task_detail_no'])
            request.task_no_by_detail.setdefault(item['task_detail_no'], task_no)
    request.task_detail_nos = _unique(task_detail_nos)
    return request


def plan_batches(task_detail_nos, batch_size):
    return [
        {
            'index': index,
            'task_detail_nos': task_detail_nos[start:start + batch_size],
            'status': BATCH_NOT_SENT,
            'result': None,
            'request_id': None,
        }
        for index, start in enumerate(range(0, len(task_detail_nos), batch_size))
    ]


def _confirmed_count(body):
    value = first_value(body, 'Result', 'result')
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise DomainResponseError(
            ACKNOWLEDGE_TASK_RESULT, message='the answer carries no numeric Result (got %r)' % (value,),
            request_id=first_value(body, 'RequestId', 'requestId'))
    return int(value)


def acknowledge(client, task_detail_nos, batch_size=DEFAULT_BATCH_SIZE, concurrency=DEFAULT_CONCURRENCY):
    """Send the numbers in batches, up to ``concurrency`` at once, and start none after one fails.

    Calls are not marked mutating: confirming a number twice only counts it once, so the client
    may retry a transient failure safely. Stopping (rather than carrying on) keeps a systematic
    error, such as missing permission, from being repeated for every batch; batches already in
    flight when one fails finish and are reported as they ended.
    """
    task_detail_nos = _unique(task_detail_nos)
    outcome = AckOutcome(task_detail_nos, plan_batches(task_detail_nos, validate_batch_size(batch_size)))

    def send(batch):
        body = client.call(ACKNOWLEDGE_TASK_RESULT, {'TaskDetailNo': batch['task_detail_nos']})
        # Parsed in the worker, so that an unusable answer stops new batches like any failure.
        return first_value(body, 'RequestId', 'requestId'), _confirmed_count(body)

    for batch, answer, error in client.run_ordered(send, outcome.batches, validate_concurrency(concurrency)):
        if error is not None:
            batch['status'] = BATCH_FAILED
            batch['request_id'] = error.request_id
            batch['error'] = error.to_result()
            if outcome.error is None:
                outcome.error = error
            continue
        batch['request_id'], batch['result'] = answer
        batch['status'] = BATCH_CONFIRMED
    return outcome


def find_unacknowledged(client, request):
    """The requested numbers PollTaskResult still returns, i.e. what acknowledging would change.

    Numbers whose task is known are looked up per task (few calls); the rest need the account's
    whole list, read page by page only until every one of them has been seen. A number missing
    from its task's results counts as already confirmed: the input's task number is trusted, as
    it comes from PollTaskResult itself.
    """
    wanted = set(request.task_detail_nos)
    present = set()
    task_nos = _unique(request.task_no_by_detail[number] for number in request.task_detail_nos if number in request.task_no_by_detail)
    for task_no in task_nos:
        for item in iter_task_results(client, task_no=task_no):
            if item['task_detail_no'] in wanted:
                present.add(item['task_detail_no'])
    unplaced = set(number for number in request.task_detail_nos if number not in request.task_no_by_detail)
    if unplaced:
        # One page after the other: the reading stops as soon as every number has been seen.
        for item in iter_task_results(client, concurrency=1):
            if item['task_detail_no'] in unplaced:
                present.add(item['task_detail_no'])
                unplaced.discard(item['task_detail_no'])
                if not unplaced:
                    break
    return [number for number in request.task_detail_nos if number in present]


def predict(client, request, batch_size=DEFAULT_BATCH_SIZE):
    """Check mode: confirm nothing; report the batches that would be sent and what would change."""
    outcome = AckOutcome(request.task_detail_nos, plan_batches(request.task_detail_nos, validate_batch_size(batch_size)))
    if request.task_nos is not None:
        # resolve_task_nos has just read these numbers from PollTaskResult: reading again adds nothing.
        outcome.would_acknowledge = list(request.task_detail_nos)
    else:
        outcome.would_acknowledge = find_unacknowledged(client, request)
    return outcome
