# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Changing the nameservers of domains safely (internal use only).

Reading the nameservers a domain has now (names are validated and compared by ``_names``), deciding
which domains differ, and submitting CHG_DNS tasks in batches so that no submission is ever sent
twice: every submission is recorded (optionally in a JSON Lines state file) before it is sent, and a
submission whose fate is unknown is reconciled against the task list before anything else is decided.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time
import uuid

from ansible_collections.aliyun.domain.plugins.module_utils._api import (
    DETAIL_FAILURE,
    DETAIL_SUCCESS,
    DOMAIN_ITEMS,
    DOMAIN_LIST_PAGE_SIZE,
    MAX_PAGE_SIZE,
    QUERY_DOMAIN_LIST,
    QUERY_TASK_DETAIL_LIST,
    QUERY_TASK_LIST,
    SAVE_BATCH_TASK_FOR_MODIFYING_DOMAIN_DNS,
    TASK_COMPLETE,
    TASK_DETAIL_ITEMS,
    TASK_INFO_ITEMS,
    TASK_LIST_PAGE_SIZE,
    TASK_TYPE_CHANGE_DNS,
    as_int,
    is_pending_detail,
)
from ansible_collections.aliyun.domain.plugins.module_utils._domains import (
    REASON_NOT_IN_ACCOUNT,
    blocked_domains,
    nameserver_list,
    read_domain,
    read_domains,
)
from ansible_collections.aliyun.domain.plugins.module_utils._errors import (
    DomainApiError,
    DomainConfigError,
    DomainError,
)
from ansible_collections.aliyun.domain.plugins.module_utils._names import (
    ALIYUN_DNS_TARGET,
    SINGLE_TARGET_OPTIONS,
    lenient_name,
    nameserver_key,
    validate_domain_targets,
    validate_domains,
    validate_nameservers,
)
from ansible_collections.aliyun.domain.plugins.module_utils._journal import InvalidJsonLine, append_json_line, iter_json_lines
from ansible_collections.aliyun.domain.plugins.module_utils._options import invalid_value, validate_whole_number
from ansible_collections.aliyun.domain.plugins.module_utils._response import first_value
from ansible_collections.aliyun.domain.plugins.module_utils._task_results import (
    ResultCollector,
    convert_task_detail,
)
from ansible_collections.aliyun.domain.plugins.module_utils._waiter import validate_wait_options, wait_for_tasks

ALIYUN_DNS_SUFFIXES = ('.alidns.com', '.hichina.com')
ALIYUN_DNS_LABEL = 'Alibaba Cloud DNS'
# Up to this many domains are read one by one (QueryDomainByDomainName); more are read from the
# paged domain list, unless the list turns out to have more pages than domains are left to find.
FEW_DOMAINS = 5
# The API documents no limit on DomainName.N. A task of at most one page of details is waited for and read
# page by page like any other, and that is the bound of an acknowledgement batch too.
MAX_BATCH_SIZE = MAX_PAGE_SIZE
DAY_MS = 24 * 3600 * 1000
# How long a submission whose answer was lost may take to appear in the task list.
RECONCILE_DELAYS = (1.0, 2.0, 4.0)
# The service refuses a submission naming a domain that has a change in progress (a task this run did not
# find in the recent task list, or one submitted meanwhile): never re-sent, the run fails naming the domains.
IN_PROGRESS_CODES = frozenset(['TaskIsBeingProcessed'])
# After a change succeeds, reads may show the old nameservers for a while. Within this long after a closed
# run submitted a domain, a read that does not show that run's target is taken for such a lag when that task's
# detail for the domain succeeded: the domain is on that target (not submitted again when it is this run's
# target, and recorded with it as its nameservers before otherwise, e.g. by a rollback right after a migration).
READ_LAG_WINDOW_MS = 3600 * 1000
# A batch whose lost submission is proven absent from the task list is sent again, at most this often.
MAX_RESUBMISSIONS = 3


# ---------------------------------------------------------------------------------------------
# the target


def is_aliyun_dns(nameservers):
    key = nameserver_key(nameservers)
    return bool(key) and all(ns.endswith(ALIYUN_DNS_SUFFIXES) for ns in key)


class Target(object):
    """The nameservers a change aims at: a list of hostnames, or Alibaba Cloud DNS."""

    def __init__(self, nameservers=None, aliyun_dns=False):
        self.aliyun_dns = bool(aliyun_dns)
        self.nameservers = [] if self.aliyun_dns else list(nameservers or [])
        self.key = 'aliyun_dns' if self.aliyun_dns else ','.join(nameserver_key(self.nameservers))

    def matches(self, current):
        if self.aliyun_dns:
            return is_aliyun_dns(current)
        return nameserver_key(current) == nameserver_key(self.nameservers)

    def display(self):
        return [ALIYUN_DNS_LABEL] if self.aliyun_dns else list(self.nameservers)

    def params(self):
        if self.aliyun_dns:
            return {'AliyunDns': True}
        return {'AliyunDns': False, 'DomainNameServer': list(self.nameservers)}

    def to_record(self):
        return {'aliyun_dns': self.aliyun_dns, 'nameservers': list(self.nameservers)}

    def option_value(self):
        """The target as the ``domain_nameservers`` options take it: the hostnames, or the string ``aliyun_dns``."""
        return ALIYUN_DNS_TARGET if self.aliyun_dns else list(self.nameservers)

    @classmethod
    def from_record(cls, record):
        record = record or {}
        return cls(record.get('nameservers'), record.get('aliyun_dns', False))


def validate_batch_size(value):
    return validate_whole_number(value, 'batch_size', maximum=MAX_BATCH_SIZE)


def chunks(items, size):
    """Consecutive slices of at most ``size`` items."""
    validate_batch_size(size)
    return [items[index:index + size] for index in range(0, len(items), size)]


# ---------------------------------------------------------------------------------------------
# reading what the API knows


def read_current_nameservers(client, domains):
    """Map each domain to the nameservers the registrar has now, in the registrar's order (None when the
    answer does not say: ``DnsList`` absent); domains not in the account are left out.

    Few domains are read one by one; many from the paged domain list, switching to one-by-one
    reads as soon as the list has more pages left than domains left to find.
    """
    wanted = set(domains)
    found = {}
    if len(domains) > FEW_DOMAINS:
        page_num = 1
        while True:
            items, envelope = client.fetch_page(QUERY_DOMAIN_LIST, {}, page_num, DOMAIN_LIST_PAGE_SIZE, DOMAIN_ITEMS)
            for item in items:
                name = lenient_name(item.get('DomainName'))
                if name in wanted and name not in found:
                    found[name] = nameserver_list(item)
            missing = len(wanted) - len(found)
            total_pages = as_int(envelope.get('TotalPageNum'))
            if not missing or not items or total_pages is None or page_num >= total_pages:
                break
            if total_pages - page_num > missing:
                break
            page_num += 1
    for domain in domains:
        if domain not in found:
            facts = read_domain(client, domain)
            if facts is not None:
                found[domain] = facts['DnsList']
    return found


def list_recent_tasks(client, since_ms, now_ms):
    """Task headers (QueryTaskList) created from the day before ``since_ms`` to the day after now.

    The API filters by whole days in an unstated time zone, hence the day of margin each side.
    """
    params = {'BeginCreateTime': int(since_ms) - DAY_MS, 'EndCreateTime': int(now_ms) + DAY_MS}
    return list(client.paginate(QUERY_TASK_LIST, params, items_path=TASK_INFO_ITEMS, dedupe_key='TaskNo',
                                page_size=TASK_LIST_PAGE_SIZE))


def task_details(client, task_no):
    return list(client.paginate(QUERY_TASK_DETAIL_LIST, {'TaskNo': task_no}, items_path=TASK_DETAIL_ITEMS,
                                dedupe_key='TaskDetailNo', page_size=MAX_PAGE_SIZE))


def _is_chg_dns(task):
    return str(task.get('TaskType') or TASK_TYPE_CHANGE_DNS).upper() == TASK_TYPE_CHANGE_DNS


def pending_changes(client, tasks, domains, skip_task_nos):
    """Domains of ``domains`` with a CHG_DNS detail still in progress, in a task not in ``skip_task_nos``.

    Returns ``{domain: task_no}``.  Only incomplete CHG_DNS tasks are opened.
    """
    wanted = set(domains)
    pending = {}
    for task in tasks:
        task_no = task.get('TaskNo')
        if not task_no or task_no in skip_task_nos or not _is_chg_dns(task):
            continue
        if as_int(task.get('TaskStatusCode')) == TASK_COMPLETE:
            continue
        for detail in task_details(client, task_no):
            name = lenient_name(detail.get('DomainName'))
            if name in wanted and is_pending_detail(detail):
                pending.setdefault(name, task_no)
    return pending


def find_submitted_task(client, domains, since_ms, known_task_nos, now_ms):
    """The task number of a CHG_DNS task for exactly ``domains`` that is not in ``known_task_nos``, or None."""
    wanted = set(domains)
    for task in list_recent_tasks(client, since_ms, now_ms):
        task_no = task.get('TaskNo')
        if not task_no or task_no in known_task_nos or not _is_chg_dns(task):
            continue
        task_num = as_int(task.get('TaskNum'))
        if task_num is not None and task_num != len(wanted):
            continue
        names = set(lenient_name(detail.get('DomainName')) for detail in task_details(client, task_no))
        if names == wanted:
            return task_no
    return None


# ---------------------------------------------------------------------------------------------
# the state file: submissions recorded before they are sent


COMPLETED_EVENT = 'completed'
CANCEL_EVENT = 'cancel'
# What a run is (the intent records' and the completed record's "kind"): a migration, or the rollback of one.
RUN_KINDS = ('migration', 'rollback')
MIGRATION = 'migration'


class SubmissionLog(object):
    """Submissions of the current run, kept in memory and optionally in a JSON Lines file.

    Records: ``intent`` (written and fsynced before the request is sent), then ``submitted`` with
    the task number, or ``not_sent``; ``cancel`` (the ``cancel`` module, before it sends CancelTask for a task
    of the open run: the domains then waiting, so that a re-run still knows them).  A ``completed`` record (``complete()``, through the module's
    ``close_migration`` option, e.g. by the dns_migration role after its report) closes a run:
    records before it are history.
    """

    def __init__(self, path=None, read_only=False):
        self.path = path
        self.read_only = read_only
        self.intents = {}
        self.order = []
        self.outcomes = {}
        # task_no -> the domains waiting when CancelTask was sent for it (``cancel`` records of the open run)
        self.cancels = {}
        # (intent, task_no) of the submissions of every closed run, in order: reads may still lag behind them
        self.closed = []
        if path and os.path.exists(path):
            self._load()

    def _load(self):
        try:
            with open(self.path, 'r') as handle:
                records = [record for dummy, record in iter_json_lines(handle)]
        except InvalidJsonLine as exc:
            raise DomainConfigError('state_file %s line %d is not JSON.' % (self.path, exc.line_no), option='state_file')
        except (IOError, OSError) as exc:
            raise DomainConfigError('Cannot read state_file %s: %s' % (self.path, exc), option='state_file')
        for record in records:
            self._apply(record)

    def _apply(self, record):
        event = record.get('event')
        if event == COMPLETED_EVENT:
            self.closed.extend((intent, task_no) for intent, task_no, dummy in self.submissions() if task_no)
            self.intents, self.order, self.outcomes, self.cancels = {}, [], {}, {}
        elif event == CANCEL_EVENT and record.get('task_no'):
            self.cancels.setdefault(record['task_no'], set()).update(record.get('domains') or [])
        elif event == 'intent' and record.get('id'):
            self.intents[record['id']] = record
            self.order.append(record['id'])
        elif event in ('submitted', 'not_sent') and record.get('id') in self.intents:
            self.outcomes[record['id']] = record

    def append(self, record):
        self._apply(record)
        if not self.path or self.read_only:
            return
        # On disk (fsynced) before the request it announces is sent; the journal's appender also cuts off a
        # line torn by a crash, so that this record does not end up glued to it.
        append_json_line(self.path, record, 'state_file', create_directory=True)

    def complete(self, started=None, report=None, kind=None):
        """Close the migration (the next run starts a new one); the ``completed`` record."""
        record = {'event': COMPLETED_EVENT}
        record.update((name, value) for name, value in (('started', started), ('report', report), ('kind', kind))
                      if value is not None)
        self.append(record)
        return record

    def submissions(self):
        """``(intent, task_no_or_None, outcome_event_or_None)`` in the order they were recorded."""
        for intent_id in self.order:
            outcome = self.outcomes.get(intent_id) or {}
            yield self.intents[intent_id], outcome.get('task_no'), outcome.get('event')

    def task_nos(self):
        return [task_no for dummy, task_no, dummy2 in self.submissions() if task_no]


# ---------------------------------------------------------------------------------------------
# planning and submitting


class NameserverChange(object):
    """Plan and carry out a nameserver change for a list of domains.

    ``client`` is a DomainClient; ``clock_ms`` returns wall-clock milliseconds (task lists are
    filtered by creation day); ``sleep`` waits between reconciliation attempts. One change has one target;
    ``run_nameserver_change`` runs one per target of ``domain_nameservers`` on one SubmissionLog (``state``).
    """

    def __init__(self, client, domains, target, batch_size=100, state_file=None, log=None,
                 clock_ms=None, sleep=time.sleep, check_mode=False, kind=MIGRATION, state=None):
        self.client = client
        self.domains = list(domains)
        self.target = target
        self.batch_size = batch_size
        self.kind = kind
        # ``state``: a SubmissionLog shared with the changes of the other targets of one run (one state file)
        self.state = state if state is not None else SubmissionLog(state_file, read_only=check_mode)
        self.log = log or (lambda message: None)
        self.clock_ms = clock_ms or (lambda: int(time.time() * 1000))
        self.sleep = sleep
        # domain -> its nameservers exactly as the registrar listed them (None: the answer did not say)
        self.current = {}
        # domain -> the "before" an earlier run's intent recorded for it (adopted domains)
        self.recorded_before = {}
        self.unchanged = []
        self.to_submit = []
        self.adopted = {}
        self.blocked = {}
        # domain -> why it cannot change (the registrar pre-flight); never submitted
        self.domains_blocked = {}
        self._preflighted = set()
        self.task_nos = []
        self.submitted = {}
        self.submitting = False
        self.recent_tasks = None
        # domain -> the Target a closed run's task set while reads still show something else (_correct_lagging_reads)
        self.lagging = {}

    # planning ------------------------------------------------------------------------------

    def plan(self):
        """Read the current state and decide; sends nothing."""
        if len(self.domains) <= FEW_DOMAINS:
            # read one by one anyway: the by-name answers carry the states too
            states = read_domains(self.client, self.domains)
            self.current = dict((name, facts['DnsList']) for name, facts in states.found.items())
            self.domains_blocked = blocked_domains(states)
            self._preflighted = set(states.found)
        else:
            self.current = read_current_nameservers(self.client, self.domains)
            self.domains_blocked = dict((domain, REASON_NOT_IN_ACCOUNT) for domain in self.domains if domain not in self.current)
        self._reconcile_recorded()
        self._correct_lagging_reads()
        covered = {}
        for intent, task_no, dummy in self.state.submissions():
            if task_no and Target.from_record(intent.get('target')).key == self.target.key:
                recorded = intent.get('before') or {}
                for domain in intent.get('domains') or []:
                    covered.setdefault(domain, task_no)
                    if domain in recorded:
                        self.recorded_before.setdefault(domain, recorded[domain])
                if task_no not in self.task_nos:
                    self.task_nos.append(task_no)
        candidates = []
        for domain in self.domains:
            if domain in self.domains_blocked:
                continue
            if domain in covered:
                self.adopted[domain] = covered[domain]
            elif self._on_target(domain):
                self.unchanged.append(domain)
            else:
                candidates.append(domain)
        candidates = self._preflight(candidates)
        if candidates:
            self.recent_tasks = list_recent_tasks(self.client, self.clock_ms(), self.clock_ms())
            self.blocked = pending_changes(self.client, self.recent_tasks, candidates, set(self.state.task_nos()))
        self.to_submit = [domain for domain in candidates if domain not in self.blocked]
        return self

    def _correct_lagging_reads(self):
        """Reads lag behind a successful change: a domain whose read does not show the target of the latest closed
        run that submitted it within READ_LAG_WINDOW_MS is on the target of the latest of those whose detail for it
        succeeded (``self.lagging``), and ``self.current`` says so (None, unknown, for Alibaba Cloud DNS)."""
        now_ms = self.clock_ms()
        wanted = set(self.domains)
        recent = {}
        for intent, task_no in self.state.closed:
            if now_ms - (intent.get('time_ms') or 0) > READ_LAG_WINDOW_MS:
                continue
            target = Target.from_record(intent.get('target'))
            for domain in intent.get('domains') or []:
                if domain in wanted:
                    recent.setdefault(domain, []).append((task_no, target))
        suspect = dict((domain, changes) for domain, changes in recent.items()
                       if self.current.get(domain) is None or not changes[-1][1].matches(self.current[domain]))
        if not suspect:
            return
        succeeded = set()
        for task_no in sorted(set(task_no for changes in suspect.values() for task_no, dummy in changes)):
            for detail in task_details(self.client, task_no):
                if as_int(detail.get('TaskStatusCode')) == DETAIL_SUCCESS:
                    succeeded.add((task_no, lenient_name(detail.get('DomainName'))))
        for domain, changes in suspect.items():
            done = [target for task_no, target in changes if (task_no, domain) in succeeded]
            if done and (self.current.get(domain) is None or not done[-1].matches(self.current[domain])):
                self.lagging[domain] = done[-1]
                self.current[domain] = None if done[-1].aliyun_dns else list(done[-1].nameservers)
        if self.lagging:
            self.log('%d domains read without the nameservers a task set within the last hour (the reads lag): '
                     'taken as on them' % len(self.lagging))

    def _on_target(self, domain):
        """True when ``domain`` is on this change's target, as read (or as a lagging read is corrected)."""
        if domain in self.lagging:
            lagged = self.lagging[domain]
            return self.target.aliyun_dns if lagged.aliyun_dns else self.target.matches(lagged.nameservers)
        current = self.current.get(domain)
        return current is not None and self.target.matches(current)

    def _preflight(self, candidates):
        """The candidates that can change: each one's locks and statuses are read by name
        (QueryDomainByDomainName; the list's items do not carry them) and a domain that cannot change
        goes to ``domains_blocked`` with its reason. The by-name answer also has the latest nameservers."""
        unread = [domain for domain in candidates if domain not in self._preflighted]
        if not unread:
            return candidates
        states = read_domains(self.client, unread)
        self.domains_blocked.update(blocked_domains(states))
        # a lagging read by name does not undo the correction (_correct_lagging_reads)
        fresh = dict((domain, names) for domain, names in states.nameservers().items() if domain not in self.lagging)
        self.current.update(fresh)
        for domain in states.found:
            # known from the list beats unknown by name
            self.current.setdefault(domain, None)
        ready = []
        for domain in candidates:
            if domain in self.domains_blocked:
                continue
            if domain in fresh and self.target.matches(fresh[domain]):
                self.unchanged.append(domain)
            else:
                ready.append(domain)
        if self.domains_blocked:
            self.log('%d domains cannot change and are not submitted' % len(self.domains_blocked))
        return ready

    def _reconcile_recorded(self):
        """Settle intents of an earlier run whose outcome was never recorded."""
        for intent, task_no, event in list(self.state.submissions()):
            if task_no or event == 'not_sent':
                continue
            found = find_submitted_task(self.client, intent.get('domains') or [], intent.get('time_ms') or self.clock_ms(),
                                        set(intent.get('known_task_nos') or []) | set(self.state.task_nos()), self.clock_ms())
            if found:
                self.log('reconciled an earlier submission for %d domains: task %s' % (len(intent.get('domains') or []), found))
                self.state.append({'event': 'submitted', 'id': intent['id'], 'task_no': found, 'reconciled': True})
            else:
                self.state.append({'event': 'not_sent', 'id': intent['id'], 'reconciled': True})

    @property
    def changed(self):
        return bool(self.to_submit)

    def before(self, domain):
        """The nameservers ``domain`` had when this run read it, as the registrar listed them; None when unknown."""
        current = self.current.get(domain)
        return None if current is None else list(current)

    def nameservers_before(self):
        """domain -> nameservers before the change, for every domain read (an adopted domain: as its intent recorded)."""
        before = {}
        for domain in self.domains:
            if domain in self.adopted and domain in self.recorded_before:
                recorded = self.recorded_before[domain]
                before[domain] = None if recorded is None else list(recorded)
            elif domain in self.current:
                before[domain] = self.before(domain)
        return before

    def diff(self):
        before, after = {}, {}
        for domain in self.to_submit:
            before[domain] = sorted(nameserver_key(self.current.get(domain)))
            after[domain] = self.target.display()
        return {'before': before, 'after': after}

    # submitting ----------------------------------------------------------------------------

    def submit(self):
        """Send one CHG_DNS task per batch of ``to_submit``; raises SubmissionError on the first problem."""
        self.submitting = True
        known = set(task.get('TaskNo') for task in self.recent_tasks or [] if task.get('TaskNo'))
        for batch in chunks(self.to_submit, self.batch_size):
            task_no = self._submit_batch(batch, known)
            self.submitted[task_no] = batch
            if task_no not in self.task_nos:
                self.task_nos.append(task_no)
            self.log('submitted %d domains: task %s' % (len(batch), task_no))
        return self.task_nos

    def _submit_batch(self, batch, known):
        """The task number of ``batch``; a submission whose answer was lost is looked for in the task list
        and sent again only when a completed search shows that no task was created for it."""
        resubmissions = 0
        while True:
            known.update(self.state.task_nos())
            intent = {'event': 'intent', 'id': uuid.uuid4().hex, 'time_ms': self.clock_ms(), 'domains': batch,
                      'target': self.target.to_record(), 'known_task_nos': sorted(known), 'kind': self.kind,
                      'before': dict((domain, self.before(domain)) for domain in batch)}
            self.state.append(intent)
            params = {'DomainName': batch}
            params.update(self.target.params())
            try:
                body = self.client.call(SAVE_BATCH_TASK_FOR_MODIFYING_DOMAIN_DNS, params, mutating=True)
                task_no = first_value(body, 'TaskNo', 'taskNo')
                if not task_no:
                    raise DomainApiError(SAVE_BATCH_TASK_FOR_MODIFYING_DOMAIN_DNS, 'InvalidResponse', 'the answer has no TaskNo',
                                         request_id=first_value(body, 'RequestId', 'requestId'), ambiguous=True)
            except DomainError as exc:
                if not exc.ambiguous:
                    self.state.append({'event': 'not_sent', 'id': intent['id'], 'code': exc.code})
                    if exc.code in IN_PROGRESS_CODES:
                        raise InProgressError(exc, batch, self)
                    raise SubmissionError(exc, batch, self)
                task_no, searched = self._reconcile(intent, known)
                if not task_no:
                    if not searched:
                        raise SubmissionError(exc, batch, self, unresolved=True)
                    self.state.append({'event': 'not_sent', 'id': intent['id'], 'code': exc.code, 'reconciled': True})
                    if resubmissions == MAX_RESUBMISSIONS:
                        raise SubmissionError(exc, batch, self)
                    resubmissions += 1
                    self.log('no task was created for the lost submission of %d domains (%s); sending it again'
                             % (len(batch), exc.code))
                    continue
            self.state.append({'event': 'submitted', 'id': intent['id'], 'task_no': task_no})
            return task_no

    def _reconcile(self, intent, known):
        """``(task_no or None, searched)``: ``searched`` is True when a search of the task list completed."""
        searched = False
        for delay in RECONCILE_DELAYS:
            self.sleep(delay)
            try:
                found = find_submitted_task(self.client, intent['domains'], intent['time_ms'], known, self.clock_ms())
            except DomainError as exc:
                self.log('reconciliation attempt failed: %s' % (exc,))
                continue
            searched = True
            if found:
                self.log('the lost answer was task %s' % (found,))
                return found, True
        return None, searched

    def result(self):
        if self.submitting:
            sent = set(domain for batch in self.submitted.values() for domain in batch)
            changed = [domain for domain in self.to_submit if domain in sent]
        else:
            changed = list(self.to_submit)
        return {
            'task_nos': list(self.task_nos),
            'domains_changed': changed,
            'domains_unchanged': list(self.unchanged),
            'domains_adopted': dict(self.adopted),
            'domains_pending_elsewhere': dict(self.blocked),
            'domains_blocked': dict(self.domains_blocked),
            'nameservers': self.target.display(),
            'nameservers_before': self.nameservers_before(),
            'targets': dict((domain, self.target.display()) for domain in self.domains),
        }


def wait_for_results(client, task_nos, timeout, poll_interval=None, max_poll_interval=None, log=None, progress=None):
    """Wait until every detail of ``task_nos`` is final; their results (snake_case) and a summary.

    Results are read from QueryTaskDetailList, which still lists details acknowledged earlier.
    """
    wait_for_tasks(client, task_nos, timeout=timeout, poll_interval=poll_interval, max_poll_interval=max_poll_interval,
                   log=log, progress=progress)
    collector = ResultCollector()
    for task_no in task_nos:
        collector.add([convert_task_detail(detail) for detail in task_details(client, task_no)])
    return {'task_results': collector.results, 'summary': collector.summary}


class SubmissionError(DomainError):
    """A batch could not be submitted; earlier batches were.  ``unresolved``: its fate is unknown."""

    def __init__(self, cause, batch, change, unresolved=False):
        self.cause = cause
        self.batch = batch
        self.unresolved = unresolved
        submitted = sum(len(domains) for domains in change.submitted.values())
        if unresolved:
            text = ('%s. The submission for %d domains (%s) may or may not have been accepted and no matching task was '
                    'found; nothing was re-sent. Run again with the same state_file (or after checking QueryTaskList) to '
                    'settle it.' % (cause, len(batch), ', '.join(batch[:10]) + (', ...' if len(batch) > 10 else '')))
        else:
            text = '%s (batch of %d domains starting with %s)' % (cause, len(batch), batch[0])
        if submitted:
            text += ' %d domains were submitted before this batch: tasks %s.' % (submitted, ', '.join(change.submitted))
        super(SubmissionError, self).__init__(text, code=cause.code, request_id=cause.request_id, ambiguous=unresolved)

    def to_result(self):
        return self.cause.to_result()


class InProgressError(SubmissionError):
    """The service refused a batch because a domain of it has a change in progress; nothing of it was submitted."""

    def __init__(self, cause, batch, change):
        super(InProgressError, self).__init__(cause, batch, change)
        named = ', '.join(batch[:10]) + (' and %d more' % (len(batch) - 10) if len(batch) > 10 else '')
        submitted = sum(len(domains) for domains in change.submitted.values())
        self.message = ('%s. A domain of this batch has a change in progress elsewhere (one of %s); the batch was not '
                        'submitted and is not re-sent. Wait for that task (QueryTaskList) and run again.%s' % (
                            cause, named, ' %d domains were submitted before this batch: tasks %s.' % (
                                submitted, ', '.join(change.submitted)) if submitted else ''))
        self.args = (self.message,)


# ---------------------------------------------------------------------------------------------
# the nameservers module


def target_from_options(nameservers, aliyun_dns):
    """The Target of options ``nameservers`` / ``aliyun_dns``: exactly one of them is given."""
    if aliyun_dns:
        if nameservers:
            raise DomainConfigError('Options nameservers and aliyun_dns=true are mutually exclusive: give one of them.',
                                    option='nameservers')
        return Target(aliyun_dns=True)
    if not nameservers:
        raise DomainConfigError('One of nameservers (a list of hostnames) or aliyun_dns=true is required.',
                                option='nameservers')
    return Target(validate_nameservers(nameservers))


class NameserverRequest(object):
    """The validated options of the ``nameservers`` module.

    Every option, the wait options included, is checked before the first call: a bad one found after
    the submission would leave a task running that nobody waits for.
    """

    def __init__(self, options):
        get = options.get_option
        self.state_file = get('state_file') or None
        self.run_kind = validate_run_kind(options.get_option_default('run_kind', MIGRATION))
        self.close_migration = get('close_migration')
        per_domain = get('domain_nameservers')
        if self.close_migration is not None:
            for name in ('domains', 'domain_nameservers'):
                if get(name) is not None:
                    raise DomainConfigError('Options %s and close_migration are mutually exclusive: a migration is '
                                            'closed by a task of its own, after its report.' % name, option='close_migration')
            self._validate_close()
            return
        if per_domain is not None:
            # {domain: hostnames or None (Alibaba Cloud DNS)} in input order; refuses domains/nameservers/aliyun_dns
            targets = validate_domain_targets(per_domain, dict((name, get(name)) for name in SINGLE_TARGET_OPTIONS))
            self.groups = group_by_target((domain, Target(names, names is None)) for domain, names in targets.items())
        elif get('domains') is None:
            raise DomainConfigError('One of domains (with nameservers or aliyun_dns=true) or domain_nameservers is required '
                                    '(unless close_migration closes a migration).', option='domains')
        else:
            self.groups = [(target_from_options(get('nameservers'), get('aliyun_dns')), validate_domains(get('domains')))]
        self.domains = [domain for dummy, domains in self.groups for domain in domains]
        self.batch_size = validate_batch_size(get('batch_size'))
        self.wait_options = validate_wait_options(get('wait_timeout'), get('poll_interval'), get('max_poll_interval'))
        self.wait = bool(get('wait'))
        self.fail_on_blocked = bool(get('fail_on_blocked'))

    def _validate_close(self):
        if not self.state_file:
            raise DomainConfigError('Option close_migration needs state_file: it closes the migration recorded there.',
                                    option='close_migration')
        for name, value in sorted(self.close_migration.items()):
            if value is not None and not isinstance(value, str):
                raise DomainConfigError('Invalid value %r for option close_migration.%s: expected a string.' % (value, name),
                                        option='close_migration')
        closing = dict(self.close_migration)
        closing['kind'] = validate_run_kind(closing.get('kind') or self.run_kind, 'close_migration.kind')
        self.close_migration = closing


def validate_run_kind(value, option='run_kind'):
    if value not in RUN_KINDS:
        raise invalid_value(option, value, 'one of %s' % ', '.join(RUN_KINDS))
    return value


def group_by_target(pairs):
    """``[(Target, [domains])]`` from ``(domain, Target)`` pairs: one group per target (same ``key``: order, case
    and a trailing dot do not matter), in the order each target is first seen, its domains in input order."""
    groups = {}
    order = []
    for domain, target in pairs:
        if target.key not in groups:
            groups[target.key] = (target, [])
            order.append(target.key)
        groups[target.key][1].append(domain)
    return [groups[key] for key in order]


def close_migration(request, check_mode=False):
    """For ``close_migration``: append the ``completed`` record to the state file; no API call."""
    log = SubmissionLog(request.state_file, read_only=check_mode)
    result = empty_change_result()
    result.update(changed=True, completed=log.complete(**request.close_migration), api_calls=0, request_ids=[])
    return result


def empty_change_result():
    """The module's result before anything is known (also returned when the options are refused)."""
    return {'changed': False, 'task_nos': [], 'domains_changed': [], 'domains_unchanged': [], 'domains_adopted': {},
            'domains_pending_elsewhere': {}, 'domains_blocked': {}, 'nameservers': [], 'nameservers_before': {},
            'targets': {}}


class PendingElsewhereError(DomainConfigError):
    """Some domains have a CHG_DNS task in progress that this module did not submit; nothing was submitted."""

    def __init__(self, blocked):
        super(PendingElsewhereError, self).__init__(
            'These domains already have a CHG_DNS task in progress that this module did not submit: %s. '
            'Nothing was submitted. Wait for those tasks (aliyun.domain.domain_task_result with wait: true) '
            'and run again.' % ', '.join('%s (task %s)' % item for item in sorted(blocked.items())),
            option='domains')


class ChangeFailedError(DomainError):
    """The registrar carried out the tasks and failed some domains: no API error (the result has no ``error``)."""

    default_code = 'TaskFailed'

    def __init__(self, failed, total):
        self.failed = failed
        super(ChangeFailedError, self).__init__('The nameserver change failed for %d of %d domains: %s' % (
            len(failed), total, '; '.join('%s: %s' % (item.get('domain_name'), item.get('error_msg')) for item in failed)))


class DomainsBlockedError(DomainError):
    """Some domains cannot change (locked, expired, not in the account, ...): they were not submitted, the others were."""

    default_code = 'DomainsBlocked'
    # how many domains the message names before it says "and N more"
    NAMED = 20

    def __init__(self, domains_blocked, submitted):
        self.domains_blocked = domains_blocked
        named = sorted(domains_blocked.items())
        listed = '; '.join('%s (%s)' % item for item in named[:self.NAMED])
        more = ' and %d more' % (len(named) - self.NAMED) if len(named) > self.NAMED else ''
        super(DomainsBlockedError, self).__init__('%d domain(s) cannot change and were not submitted: %s%s. %s' % (
            len(named), listed, more,
            'The other domains were submitted.' if submitted else 'Nothing else needed a change.'))


def run_nameserver_change(client, request, log=None, check_mode=False, diff=False, progress=None):
    """Plan, submit and (if asked) wait as ``request`` says; the module's result dict.

    One NameserverChange per target (``request.groups``), all on one client and one SubmissionLog: every group
    is planned before anything is sent (a domain pending elsewhere refuses the whole run), then the groups
    submit in turn, and one wait covers every task number. Failures raise a DomainError whose ``result``
    attribute holds what was decided and submitted so far, every group's (``changed`` is true exactly when
    something was submitted; a group that an error kept from submitting lists no ``domains_changed``).
    """
    state = SubmissionLog(request.state_file, read_only=check_mode)
    changes = []
    unsent = []
    result = empty_change_result()
    try:
        for target, domains in request.groups:
            change = NameserverChange(client, domains, target, batch_size=request.batch_size, log=log,
                                      check_mode=check_mode, kind=request.run_kind, state=state)
            changes.append(change)
            change.plan()
        result.update(merge_change_results(changes))
        pending_elsewhere = result['domains_pending_elsewhere']
        if pending_elsewhere:
            raise PendingElsewhereError(pending_elsewhere)
        changed = any(change.changed for change in changes)
        result['changed'] = changed
        if diff:
            result['diff'] = merge_diffs(change.diff() for change in changes)
        waits = request.wait and result['task_nos']
        if check_mode or not changed and not waits:
            _raise_if_blocked(result, request)
            return result
        unsent = [change for change in changes if change.changed]
        while unsent:
            unsent[0].submit()
            unsent.pop(0)
        result.update(merge_change_results(changes))
        if request.wait and result['task_nos']:
            waited = wait_for_results(client, result['task_nos'], *request.wait_options, log=log, progress=progress)
            result.update(waited)
            failed = [item for item in waited['task_results'] if item.get('task_status_code') == DETAIL_FAILURE]
            if failed:
                raise ChangeFailedError(failed, len(waited['task_results']))
        _raise_if_blocked(result, request)
    except DomainError as error:
        if changes:
            # the group that failed reports what it sent; the groups after it sent nothing
            result.update(merge_change_results(changes, unsent=unsent[1:]))
            result['changed'] = any(change.submitted for change in changes)
        error.result = result
        raise
    return result


def merge_change_results(changes, unsent=()):
    """One result of the changes of one run (one per target): lists and task numbers concatenated in group order,
    dicts merged; ``nameservers`` the target's display when there is one group, else [] (``targets`` tells).
    ``unsent``: changes kept from submitting by an error, whose ``domains_changed`` were not sent."""
    merged = dict((key, []) for key in ('task_nos', 'domains_changed', 'domains_unchanged'))
    merged.update((key, {}) for key in MERGED_DICTS)
    for change in changes:
        part = change.result()
        if change in unsent:
            part['domains_changed'] = []
        merged['task_nos'].extend(task_no for task_no in part['task_nos'] if task_no not in merged['task_nos'])
        merged['domains_changed'].extend(part['domains_changed'])
        merged['domains_unchanged'].extend(part['domains_unchanged'])
        for key in MERGED_DICTS:
            merged[key].update(part[key])
    merged['nameservers'] = changes[0].target.display() if len(changes) == 1 else []
    return merged


MERGED_DICTS = ('domains_adopted', 'domains_pending_elsewhere', 'domains_blocked', 'nameservers_before', 'targets')


def merge_diffs(diffs):
    merged = {'before': {}, 'after': {}}
    for diff in diffs:
        merged['before'].update(diff['before'])
        merged['after'].update(diff['after'])
    return merged


def _raise_if_blocked(result, request):
    """Fail at the end, after the other domains were submitted (and waited for), naming those that cannot change."""
    if result['domains_blocked'] and request.fail_on_blocked:
        raise DomainsBlockedError(result['domains_blocked'], bool(result['domains_changed']))
