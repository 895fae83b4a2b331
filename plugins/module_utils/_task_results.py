# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading task results from PollTaskResult (internal use only).

One place turns the API's TaskDetail objects into snake_case dicts, filters them, counts them and
streams them into a journal, so that the ``domain_task_result`` module, its lookup and the ``ack``
module read results the same way.  Memory stays bounded for huge collections when the caller does
not ask to keep every result (journal plus a streamable query).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import re
import traceback

try:
    import jmespath
    HAS_JMESPATH = True
    JMESPATH_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised only without jmespath
    jmespath = None
    HAS_JMESPATH = False
    JMESPATH_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.aliyun.domain.plugins.module_utils._api import (
    DETAIL_FAILURE,
    DETAIL_STATUS_NAMES,
    DETAIL_SUCCESS,
    MAX_PAGE_SIZE,
    POLL_TASK_RESULT,
    TASK_DETAIL_ITEMS,
    as_int,
)
from ansible_collections.aliyun.domain.plugins.module_utils._client import DEFAULT_CONCURRENCY
from ansible_collections.aliyun.domain.plugins.module_utils._errors import (
    DomainConfigError,
    DomainError,
    DomainWaitTimeout,
)
from ansible_collections.aliyun.domain.plugins.module_utils._journal import JournalWriter
from ansible_collections.aliyun.domain.plugins.module_utils._options import invalid_value, validate_text, validate_whole_number
from ansible_collections.aliyun.domain.plugins.module_utils._retry import should_retry
from ansible_collections.aliyun.domain.plugins.module_utils._waiter import TaskWaiter

# Every field of the API's TaskDetail, in the order the documentation lists them; each converted
# result carries all of them (None when the service left one out).
TASK_DETAIL_FIELDS = (
    ('TaskNo', 'task_no'),
    ('TaskDetailNo', 'task_detail_no'),
    ('TaskType', 'task_type'),
    ('TaskTypeDescription', 'task_type_description'),
    ('InstanceId', 'instance_id'),
    ('DomainName', 'domain_name'),
    ('TaskStatus', 'task_status'),
    ('TaskStatusCode', 'task_status_code'),
    ('TryCount', 'try_count'),
    ('ErrorMsg', 'error_msg'),
    ('TaskResult', 'task_result'),
    ('CreateTime', 'create_time'),
    ('UpdateTime', 'update_time'),
)
_KNOWN_FIELDS = dict(TASK_DETAIL_FIELDS)
_INTEGER_FIELDS = ('task_status_code', 'try_count')
_EMPTY_RESULT = dict((snake, None) for dummy, snake in TASK_DETAIL_FIELDS)

RESULT_STATUS_CHOICES = {'success': DETAIL_SUCCESS, 'failure': DETAIL_FAILURE, '2': DETAIL_SUCCESS, '3': DETAIL_FAILURE}
ENVELOPE_FIELDS = (
    ('TotalItemNum', 'total_item_num'),
    ('CurrentPageNum', 'current_page_num'),
    ('TotalPageNum', 'total_page_num'),
    ('PageSize', 'page_size'),
    ('PrePage', 'pre_page'),
    ('NextPage', 'next_page'),
)

_CAMEL_BOUNDARY = re.compile(r'(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])')


def to_snake(name):
    """``TaskDetailNo`` -> ``task_detail_no``; for fields the API may add later."""
    return _CAMEL_BOUNDARY.sub('_', name).lower()


def convert_task_detail(raw):
    """One TaskDetail object as a snake_case dict holding every documented field."""
    # Runs once per result (100,000 in a large drain): copy a template, look names up once.
    result = _EMPTY_RESULT.copy()
    known = _KNOWN_FIELDS
    for key, value in raw.items():
        name = known.get(key)
        result[name if name is not None else to_snake(key)] = value
    for name in _INTEGER_FIELDS:
        value = result[name]
        if value is not None and type(value) is not int:  # pylint: disable=unidiomatic-typecheck
            result[name] = as_int(value, value)
    if result['task_status_code'] is None and result['task_status'] in DETAIL_STATUS_NAMES:
        result['task_status_code'] = DETAIL_STATUS_NAMES[result['task_status']]
    return result


def convert_envelope(body):
    """The paging envelope of a PollTaskResult answer, in snake_case."""
    envelope = {}
    for api_name, snake in ENVELOPE_FIELDS:
        value = body.get(api_name, body.get(snake))
        envelope[snake] = value if api_name in ('PrePage', 'NextPage') else as_int(value, value)
    return envelope


def normalize_result_status(value, option='task_result_status'):
    """``success``/``failure`` (or the API's 2/3) -> the API's integer; None stays None."""
    if value is None:
        return None
    key = str(value).strip().lower()
    if key not in RESULT_STATUS_CHOICES:
        raise invalid_value(option, value, 'success, failure, 2 or 3')
    return RESULT_STATUS_CHOICES[key]


def validate_page_size(value, option='page_size'):
    return MAX_PAGE_SIZE if value is None else validate_whole_number(value, option, maximum=MAX_PAGE_SIZE)


def validate_page_num(value, option='page_num'):
    return None if value is None else validate_whole_number(value, option)


def poll_params(task_no=None, domain_name=None, instance_id=None, result_status=None):
    """The PollTaskResult filters in API names (None values are dropped by the client)."""
    return {
        'TaskNo': task_no,
        'DomainName': domain_name,
        'InstanceId': instance_id,
        'TaskResultStatus': result_status,
    }


def iter_task_results(client, task_no=None, domain_name=None, instance_id=None, result_status=None,
                      page_size=MAX_PAGE_SIZE, deadline=None, dedupe=True, concurrency=DEFAULT_CONCURRENCY):
    """Every result PollTaskResult returns for the filters, all pages, in snake_case.

    De-duplicated unless ``dedupe`` is false: a ResultCollector de-duplicates what it is given
    anyway, and one key set per 100,000 results is enough. ``concurrency`` 1 reads one page after
    the other, for callers that stop reading early.
    """
    params = poll_params(task_no, domain_name, instance_id, result_status)
    for raw in client.paginate(POLL_TASK_RESULT, params, items_path=TASK_DETAIL_ITEMS, dedupe_key='TaskDetailNo' if dedupe else None,
                               page_size=page_size, deadline=deadline, concurrency=concurrency):
        yield convert_task_detail(raw)


def fetch_result_page(client, page_num, task_no=None, domain_name=None, instance_id=None, result_status=None,
                      page_size=MAX_PAGE_SIZE):
    """One page of results and its paging envelope (snake_case)."""
    params = poll_params(task_no, domain_name, instance_id, result_status)
    items, envelope = client.fetch_page(POLL_TASK_RESULT, params, page_num, page_size, TASK_DETAIL_ITEMS)
    return [convert_task_detail(raw) for raw in items], convert_envelope(envelope)


def empty_summary():
    return {'total': 0, 'succeeded': 0, 'failed': 0, 'pending': 0}


def summarize(results, summary=None):
    """Add the results to a ``summary`` dict (total, succeeded, failed, pending) and return it."""
    summary = empty_summary() if summary is None else summary
    for result in results:
        code = result.get('task_status_code')
        summary['total'] += 1
        if code == DETAIL_SUCCESS:
            summary['succeeded'] += 1
        elif code == DETAIL_FAILURE:
            summary['failed'] += 1
        else:
            summary['pending'] += 1
    return summary


def _jmespath_reason(error):
    """What is wrong with an expression, in one line.

    jmespath's own messages draw a caret under the expression over three lines, and type errors
    print the value the function received, which can be every result.
    """
    exceptions = jmespath.exceptions
    if isinstance(error, exceptions.JMESPathTypeError):
        return 'in function %s(), expected %s, received %s' % (
            error.function_name, ' or '.join(error.expected_types), error.actual_type)
    if isinstance(error, exceptions.IncompleteExpressionError):
        return 'the expression is incomplete'
    if isinstance(error, exceptions.LexerError):
        return '%s (column %s)' % (error.message, error.lexer_position)
    if isinstance(error, exceptions.ParseError) and not isinstance(error, exceptions.ArityError):
        return '%s (column %s)' % (error.msg, error.lex_position)
    return ' '.join(str(error).split())


def _check_functions(node):
    """Raise jmespath's own error for an unknown function or a wrong number of arguments.

    jmespath finds these only while evaluating, which for a waiting module is after the wait.
    """
    if node.get('type') == 'function_expression':
        name, given = node['value'], len(node['children'])
        spec = jmespath.functions.Functions.FUNCTION_TABLE.get(name)
        if spec is None:
            raise jmespath.exceptions.UnknownFunctionError('Unknown function: %s()' % name)
        signature = spec['signature']
        if signature and signature[-1].get('variadic'):
            if given < len(signature):
                raise jmespath.exceptions.VariadictArityError(len(signature), given, name)
        elif given != len(signature):
            raise jmespath.exceptions.ArityError(len(signature), given, name)
    for child in node.get('children') or ():
        if isinstance(child, dict):
            _check_functions(child)


class ResultQuery(object):
    """A jmespath expression over the list of results, evaluated on plain data.

    Expressions that project over the list (``[?...].field``, ``[*].field``) are evaluated page by
    page, so results need not be kept in memory to answer them.  Errors name the option, the
    expression and the reason in one line: syntax, unknown functions and argument counts when the
    query is built (before any API call), type errors when it meets the results.
    """

    def __init__(self, expression, option='query'):
        self.option = option
        if not HAS_JMESPATH:
            raise DomainConfigError('%s: the Python library jmespath is required but is not installed' % option,
                                    option=option)
        try:
            self.compiled = jmespath.compile(expression)
            _check_functions(self.compiled.parsed)
        except jmespath.exceptions.JMESPathError as exc:
            raise DomainConfigError('%s: %r is not a valid JMESPath expression: %s' % (option, expression, _jmespath_reason(exc)),
                                    option=option)
        self.expression = expression
        root = self.compiled.parsed
        self.streamable = (root.get('type') in ('projection', 'filter_projection')
                           and root['children'][0].get('type') == 'identity')

    def search(self, results):
        try:
            return self.compiled.search(results)
        except jmespath.exceptions.JMESPathError as exc:
            raise DomainConfigError('%s: %r cannot be evaluated on the results: %s'
                                    % (self.option, self.expression, _jmespath_reason(exc)), option=self.option)


class FailedTasksError(DomainError):
    """Waited details ended in EXECUTE_FAILURE; ``failures`` names the domains and their messages."""

    default_code = 'TaskFailed'

    def __init__(self, failures, total):
        self.failures = failures
        shown = '; '.join('%s: %s' % (item['domain_name'], item['error_msg'] or 'no error message')
                          for item in failures[:20])
        more = ' (and %d more)' % (len(failures) - 20) if len(failures) > 20 else ''
        super(FailedTasksError, self).__init__(
            '%d of %d details ended in EXECUTE_FAILURE: %s%s' % (len(failures), total, shown, more))


class ResultCollector(object):
    """Receives results chunk by chunk: filters, counts, journals, queries, and keeps them if asked."""

    def __init__(self, task_type=None, journal=None, query=None, keep_results=True, sole_writer=False):
        self.task_type = task_type
        self.journal = journal
        # The only collector writing to ``journal``: its ``seen`` keeps the journal free of repeats, so
        # the writer need not keep a second set of the same numbers. Collectors sharing a writer leave
        # that to the writer.
        self.sole_writer = sole_writer
        self.query = query
        self.keep_results = keep_results or (query is not None and not query.streamable)
        self.results = []
        self.summary = empty_summary()
        self.failures = []
        self.seen = set()
        self._streamed = []

    def add(self, chunk):
        accepted = []
        for result in chunk:
            key = result.get('task_detail_no')
            if key in self.seen:
                continue
            if self.task_type and result.get('task_type') != self.task_type:
                continue
            self.seen.add(key)
            accepted.append(result)
            if result.get('task_status_code') == DETAIL_FAILURE:
                self.failures.append({'domain_name': result.get('domain_name'), 'error_msg': result.get('error_msg'),
                                      'task_detail_no': key, 'task_no': result.get('task_no')})
        if not accepted:
            return
        summarize(accepted, self.summary)
        if self.journal is not None:
            self.journal.append(accepted, unique=self.sole_writer)
        if self.query is not None and self.query.streamable:
            # A projection over the list is the concatenation of its projections over the chunks.
            self._streamed.extend(self.query.search(accepted) or [])
        if self.keep_results:
            self.results.extend(accepted)

    def consume(self, iterator, chunk_size=MAX_PAGE_SIZE):
        chunk = []
        for result in iterator:
            chunk.append(result)
            if len(chunk) >= chunk_size:
                self.add(chunk)
                chunk = []
        self.add(chunk)

    def query_result(self):
        if self.query is None:
            return None
        if self.query.streamable:
            return self._streamed
        return self.query.search(self.results)


def _optional_text(options, name):
    return validate_text(options.get_option(name) if options.has_option(name) else None, name)


def _task_numbers(value, option='task_no'):
    if value is None:
        return []
    values = value if isinstance(value, (list, tuple)) else [value]
    numbers = []
    for item in values:
        number = validate_text(item, option, expected='task numbers as non-empty strings')
        if number is None:
            raise invalid_value(option, item, 'task numbers as non-empty strings')
        if number not in numbers:
            numbers.append(number)
    return numbers


class TaskResultRequest(object):
    """The validated options of ``domain_task_result`` (module and lookup alike)."""

    def __init__(self, options, task_nos=None):
        get = options.get_option
        self.task_nos = _task_numbers(get('task_no') if options.has_option('task_no') else None)
        for number in _task_numbers(task_nos, option='terms'):
            if number not in self.task_nos:
                self.task_nos.append(number)
        self.domain_name = _optional_text(options, 'domain_name')
        self.instance_id = _optional_text(options, 'instance_id')
        self.result_status = normalize_result_status(get('task_result_status'))
        self.page_num = validate_page_num(get('page_num'))
        self.page_size = validate_page_size(get('page_size'))
        self.task_type = _optional_text(options, 'task_type')
        self.journal = get('journal') or None
        expression = _optional_text(options, 'query')
        self.query = ResultQuery(expression) if expression else None
        self.wait = bool(get('wait'))
        self.fail_on_failure = get('fail_on_failure') is not False
        self.wait_timeout = get('wait_timeout')
        self.poll_interval = get('poll_interval')
        self.max_poll_interval = get('max_poll_interval')
        if self.page_num is not None and self.wait:
            raise DomainConfigError('page_num: %r cannot be combined with wait: true; waiting collects every page'
                                    % self.page_num, option='page_num')
        if self.page_num is not None and len(self.task_nos) > 1:
            raise DomainConfigError('page_num: %r needs at most one task_no, got %d' % (self.page_num, len(self.task_nos)),
                                    option='page_num')
        if self.wait and not (self.task_nos or self.domain_name or self.instance_id):
            raise DomainConfigError('wait: true needs task_no, domain_name or instance_id to know what to wait for',
                                    option='wait')

    @property
    def keep_results(self):
        """Results are returned unless the journal holds them and a query says what the play needs."""
        return not (self.journal and self.query is not None)

    def filters(self, task_no=None):
        return dict(task_no=task_no, domain_name=self.domain_name, instance_id=self.instance_id,
                    result_status=self.result_status)

    def describe_match(self):
        named = (('domain_name', self.domain_name), ('instance_id', self.instance_id))
        parts = ['%s=%s' % (name, value) for name, value in named if value]
        return 'a result for %s' % ' '.join(parts)


def _collect(client, request, collector, deadline=None, task_nos=None):
    for task_no in task_nos or request.task_nos or [None]:
        collector.consume(iter_task_results(client, page_size=request.page_size, deadline=deadline, dedupe=False,
                                            **request.filters(task_no)))


def _collect_what_is_final(client, request, collector):
    """After a timeout: the results that are final, as far as the service answers now."""
    try:
        _collect(client, request, collector)
    except DomainError as error:
        if not should_retry(error):
            raise


def _result_of(request, collector, client, started):
    result = {'changed': False, 'summary': collector.summary}
    result['task_results'] = collector.results if request.keep_results else []
    if request.query is not None:
        result['query_result'] = collector.query_result()
    result['request_ids'] = list(client.request_ids)
    result['api_calls'] = client.api_calls
    result['elapsed'] = round(client.clock() - started, 3)
    return result


@contextlib.contextmanager
def _journal_writer(path):
    """An open JournalWriter for ``path`` (None without a path), flushed and synced on the way out."""
    if not path:
        yield None
        return
    with JournalWriter(path) as writer:
        yield writer


def _wait_and_collect(client, request, collector, log, progress=None):
    """Wait as the request says and collect into ``collector``; (collector, DomainWaitTimeout or None)."""
    waiter = TaskWaiter(client, request.wait_timeout, request.poll_interval, request.max_poll_interval, log=log,
                        progress=progress)
    if not request.task_nos:
        def probe():
            attempt = ResultCollector(request.task_type, collector.journal, request.query, request.keep_results)
            _collect(client, request, attempt, deadline=waiter.deadline)
            return attempt if attempt.summary['total'] else None

        try:
            return waiter.wait_until(probe, request.describe_match()), None
        except DomainWaitTimeout as error:
            return collector, error
    try:
        report = waiter.wait_for_tasks(request.task_nos)
    except DomainWaitTimeout as error:
        _collect_what_is_final(client, request, collector)
        return collector, error
    # The waiter's last PollTaskResult answer for a task is its results when nothing narrows them further.
    proven = {} if (request.domain_name or request.instance_id or request.result_status) else report['results']
    unread = [task_no for task_no in request.task_nos if task_no not in proven]
    for task_no in request.task_nos:
        if task_no in proven:
            collector.add([convert_task_detail(detail) for detail in proven[task_no]])
    if unread:
        # Every detail is final: reading them is retried through transient errors until the same deadline.
        waiter.wait_until(lambda: _collect(client, request, collector, task_nos=unread) or True,
                          'the results to be read', restart=False)
    return collector, None


def run_task_result(client, request, log=None, progress=None):
    """Wait (if asked) and collect results as ``request`` says; the module's result dict.

    Failures raise a DomainError whose ``result`` attribute (when present) holds everything collected
    so far, so that a failing task still returns and journals every result.
    """
    started = client.clock()
    wait_error = envelope = None
    with _journal_writer(request.journal) as writer:
        collector = ResultCollector(request.task_type, writer, request.query, request.keep_results, sole_writer=True)
        if request.page_num is not None:
            task_no = request.task_nos[0] if request.task_nos else None
            items, envelope = fetch_result_page(client, request.page_num, page_size=request.page_size,
                                                **request.filters(task_no))
            collector.add(items)
        elif request.wait:
            collector, wait_error = _wait_and_collect(client, request, collector, log, progress)
        else:
            _collect(client, request, collector)

    result = _result_of(request, collector, client, started)
    if envelope is not None:
        result.update(envelope)
    if wait_error is not None:
        where = wait_error.progress
        result['summary']['pending'] = where.get('pending') or 0
        result['pending_domains'] = where.get('pending_domains', [])
        wait_error.result = result
        raise wait_error
    if request.wait and request.fail_on_failure and collector.failures:
        error = FailedTasksError(collector.failures, collector.summary['total'])
        result['failed_domains'] = [item['domain_name'] for item in collector.failures]
        error.result = result
        raise error
    return result
