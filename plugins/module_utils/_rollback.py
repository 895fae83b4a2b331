# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The way back: what a migration moved and where each domain goes when it is rolled back (internal use only).

Reads the state file (the records ``_nameservers.SubmissionLog`` writes: ``intent`` with ``kind`` and
``before``, ``submitted``/``not_sent``, ``completed`` with ``started``, ``report`` and ``kind``) and splits it
into runs at the ``completed`` records. The last closed migration is the one a rollback undoes; which of its
domains it moved comes from its report (the path in its ``completed`` record) or, when the report cannot be
read, from the journal's final results of its tasks. Nothing here calls the API or writes a file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json

from ansible_collections.aliyun.domain.plugins.module_utils._api import DETAIL_SUCCESS
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._journal import (
    InvalidJsonLine,
    JournalError,
    iter_json_lines,
    read_final_results,
)
# ALIYUN_DNS_TARGET: the per-domain target of a domain whose nameservers before the migration were Alibaba Cloud
# DNS's (the nameservers module's domain_nameservers takes it as AliyunDns=true).
from ansible_collections.aliyun.domain.plugins.module_utils._names import ALIYUN_DNS_TARGET, validate_domains
from ansible_collections.aliyun.domain.plugins.module_utils._nameservers import (
    COMPLETED_EVENT,
    Target,
    is_aliyun_dns,
)
from ansible_collections.aliyun.domain.plugins.module_utils._options import invalid_value, invalid_values

MIGRATION = 'migration'
ROLLBACK = 'rollback'
MOVED_STATUS = 'succeeded'

FINISH_FIRST = ('finish it first (re-run aliyun.domain.migrate_dns until nothing is pending) or abort it (the '
                'same playbook with dns_migration_abort=true)')
NOT_A_ROLLBACK_OF_A_ROLLBACK = ('a rollback is not rolled back: to move the domains again, run a new migration '
                                'with aliyun.domain.migrate_dns')
REASON_UNKNOWN_BEFORE = 'its nameservers before the migration are unknown (the state file recorded none)'
REASON_NO_NAMESERVERS_BEFORE = 'the registrar listed no nameservers for it before the migration'


class Run(object):
    """The records of one run of the state file: its intents, their outcomes and the ``completed`` record."""

    def __init__(self, number):
        self.number = number
        self.intents = []
        self.outcomes = {}
        self.completed = None

    @property
    def closed(self):
        return self.completed is not None

    @property
    def kind(self):
        if self.completed is not None and self.completed.get('kind'):
            return self.completed['kind']
        for intent in self.intents:
            if intent.get('kind'):
                return intent['kind']
        # records written before runs had a kind are migrations
        return MIGRATION

    @property
    def started(self):
        return (self.completed or {}).get('started')

    @property
    def report(self):
        return (self.completed or {}).get('report')

    def task_no(self, intent):
        return (self.outcomes.get(intent.get('id')) or {}).get('task_no')

    @property
    def task_nos(self):
        numbers = []
        for intent in self.intents:
            task_no = self.task_no(intent)
            if task_no and task_no not in numbers:
                numbers.append(task_no)
        return numbers

    @property
    def domains(self):
        """Every domain of the run's intents, in the order they were first recorded."""
        seen = []
        for intent in self.intents:
            for domain in intent.get('domains') or []:
                if domain not in seen:
                    seen.append(domain)
        return seen

    def before(self, domain):
        """The nameservers ``domain`` had before the run (the first intent that recorded them), or None."""
        for intent in self.intents:
            recorded = intent.get('before')
            if isinstance(recorded, dict) and recorded.get(domain) is not None:
                return list(recorded[domain])
        return None

    def submission(self, domain):
        """(task number, target display) of the last intent naming ``domain`` that was sent, else of the last one."""
        found = (None, None)
        for intent in self.intents:
            if domain in (intent.get('domains') or []):
                task_no = self.task_no(intent)
                if task_no or found[0] is None:
                    found = (task_no, Target.from_record(intent.get('target')).display())
        return found

    def summary(self):
        return {'kind': self.kind, 'closed': self.closed, 'started': self.started, 'report': self.report,
                'domains': len(self.domains), 'task_nos': self.task_nos}


def read_state_records(path):
    """Every record of the state file at ``path`` in file order; an absent file has none."""
    try:
        with open(path, 'r') as handle:
            return [record for dummy, record in iter_json_lines(handle) if isinstance(record, dict)]
    except InvalidJsonLine as exc:
        raise DomainConfigError('state_file %s line %d is not JSON.' % (path, exc.line_no), option='state_file')
    except (IOError, OSError) as exc:
        if getattr(exc, 'errno', None) == errno.ENOENT:
            return []
        raise DomainConfigError('Cannot read state_file %s: %s' % (path, exc), option='state_file')


def split_runs(records):
    """The runs of a state file's records, split at ``completed`` records; runs without an intent are left out."""
    runs = []
    current = Run(1)
    for record in records:
        event = record.get('event')
        if event == COMPLETED_EVENT:
            current.completed = record
            if current.intents:
                runs.append(current)
            current = Run(len(runs) + 1)
        elif event == 'intent' and record.get('id'):
            current.intents.append(record)
        elif event in ('submitted', 'not_sent') and record.get('id'):
            current.outcomes[record['id']] = record
    if current.intents:
        runs.append(current)
    return runs


def read_runs(path):
    return split_runs(read_state_records(path))


def _read_report(path):
    """The JSON report at ``path``, or None when there is none to read."""
    if not path:
        return None
    try:
        with open(path, 'r') as handle:
            report = json.load(handle)
    except (IOError, OSError, ValueError):
        return None
    return report if isinstance(report, dict) and isinstance(report.get('domains'), list) else None


def _journal_statuses(journal, task_nos):
    """domain -> (status, task_no) from the journal's final results of ``task_nos`` (the latest result wins)."""
    try:
        results = sorted(read_final_results(journal, task_nos), key=lambda item: str(item.get('update_time') or ''))
    except JournalError as exc:
        raise DomainConfigError(exc.message, option='journal')
    statuses = {}
    for item in results:
        status = MOVED_STATUS if item.get('task_status_code') == DETAIL_SUCCESS else 'failed'
        statuses[item.get('domain_name')] = (status, item.get('task_no'))
    return statuses


def rollback_target(before):
    """The target that restores ``before`` (a list), or (None, reason) when there is none."""
    if before is None:
        return None, REASON_UNKNOWN_BEFORE
    if not before:
        return None, REASON_NO_NAMESERVERS_BEFORE
    if is_aliyun_dns(before):
        # The registrar assigns Alibaba Cloud DNS's servers itself (AliyunDns=true); sent back as hostnames
        # they would be a third-party delegation that merely names them.
        return ALIYUN_DNS_TARGET, None
    return list(before), None


def _run_statuses(run, journal):
    """(report or None, {domain: (status, task_no)}) of a closed run: from its report, else from the journal."""
    report = _read_report(run.report)
    if report is not None:
        statuses = {}
        for record in report['domains']:
            if isinstance(record, dict) and record.get('domain'):
                statuses[record['domain']] = (record.get('status'), record.get('task_no'))
        return report, statuses
    if not journal:
        raise DomainConfigError(
            'Cannot tell which domains the %s closed at %s moved: its report %s cannot be read and no journal was given.'
            % (run.kind, run.started or 'an unrecorded time', run.report or '(none recorded)'), option='journal')
    return None, _journal_statuses(journal, run.task_nos)


class RollbackPlan(object):
    """What ``migration_info`` returns: the runs, the last migration's domains and the way back for a selection.

    The migration undone is the last one recorded, once closed; the rollback runs after it are parts of its
    rollback (10 chosen domains, then the rest), so the domains they rolled back are not rolled back again.
    Raises DomainConfigError (one line naming the option) when there is nothing a rollback may undo.
    """

    def __init__(self, state_file, journal=None, rollback_domains=None, unverified_only=False):
        self.state_file = state_file
        self.runs = read_runs(state_file)
        self.resuming = None
        self.migration, self.rollbacks = self._migration_to_undo()
        self.report, statuses = _run_statuses(self.migration, journal)
        self.journal = journal or (self.report or {}).get('journal')
        self.rolled_back = self._rolled_back()
        self.domains = self._domains(statuses)
        moved = [domain for domain, record in self.domains.items() if record['status'] == MOVED_STATUS]
        if self.rolled_back and all(domain in self.rolled_back for domain in moved):
            raise DomainConfigError(
                'Nothing to roll back: every domain the last migration in state_file %s moved was rolled back already '
                '(last rollback started %s); %s.' % (state_file, self.rollbacks[-1].started or 'at an unrecorded time',
                                                     NOT_A_ROLLBACK_OF_A_ROLLBACK), option='state_file')
        self.selected = self._select(moved, rollback_domains, unverified_only)
        self.rollback = {}
        self.not_rolled_back = {}
        for domain in self.selected:
            target, reason = rollback_target(self.domains[domain]['before'])
            if target is None:
                self.not_rolled_back[domain] = reason
            else:
                self.rollback[domain] = target

    def _migration_to_undo(self):
        where = 'state_file %s' % self.state_file
        migrations = [index for index, run in enumerate(self.runs) if run.kind == MIGRATION]
        if not migrations:
            raise DomainConfigError('Nothing to roll back: %s records no migration.' % where, option='state_file')
        migration = self.runs[migrations[-1]]
        if not migration.closed:
            raise DomainConfigError(
                'Cannot roll back: the latest migration in %s is still open (%d task(s) submitted, not closed): %s.'
                % (where, len(migration.task_nos), FINISH_FIRST), option='state_file')
        rollbacks = self.runs[migrations[-1] + 1:]
        if rollbacks and not rollbacks[-1].closed:
            # an interrupted rollback: resumed with the same plan (its recorded tasks are adopted, not sent again)
            self.resuming = rollbacks[-1]
            rollbacks = rollbacks[:-1]
        return migration, rollbacks

    def _rolled_back(self):
        """domain -> the start of the closed rollback that put it back (succeeded, or found there already)."""
        done = {}
        for run in self.rollbacks:
            dummy, statuses = _run_statuses(run, self.journal)
            for domain, (status, dummy_task_no) in statuses.items():
                if status in (MOVED_STATUS, 'unchanged'):
                    done[domain] = run.started
        return done

    def _domains(self, statuses):
        """domain -> {before, after, task_no, status, rolled_back} of every domain of the migration (report order first)."""
        run = self.migration
        nameservers = (self.report or {}).get('nameservers') or []
        records = {}
        for domain in list(statuses) + [domain for domain in run.domains if domain not in statuses]:
            task_no, after = run.submission(domain)
            status, result_task_no = statuses.get(domain, ('pending', None))
            records[domain] = {'before': run.before(domain), 'after': after or list(nameservers),
                               'task_no': result_task_no or task_no, 'status': status,
                               'rolled_back': domain in self.rolled_back}
        return records

    def _select(self, moved, rollback_domains, unverified_only):
        if rollback_domains and unverified_only:
            raise DomainConfigError('Give rollback_domains or unverified_only: true, not both.', option='rollback_domains')
        left = [domain for domain in moved if domain not in self.rolled_back]
        if unverified_only:
            if self.report is None:
                raise invalid_value('unverified_only', True, 'a migration whose report can be read (it names the '
                                    'unverified domains); the report %s cannot be read' % (self.migration.report,))
            unverified = set(self.report.get('unverified_domains') or [])
            return [domain for domain in left if domain in unverified]
        if not rollback_domains:
            return left
        listed = validate_domains(rollback_domains, 'rollback_domains')
        problems = []
        for domain in listed:
            record = self.domains.get(domain)
            if domain in self.rolled_back:
                problems.append('%s was rolled back already (rollback started %s)' % (domain, self.rolled_back[domain]))
            elif domain not in moved:
                problems.append('%s was not moved by the migration (%s)' % (
                    domain, record['status'] if record else 'not part of it'))
        if problems:
            raise invalid_values('rollback_domains', problems,
                                 'domains the last migration moved that are not rolled back yet (%d of them)' % len(left))
        return listed

    def result(self):
        return {
            'runs': [run.summary() for run in self.runs],
            'migration': self.migration.summary(),
            'resuming': self.resuming is not None,
            'domains': self.domains,
            'rollback': self.rollback,
            'not_rolled_back': self.not_rolled_back,
        }


def run_migration_info(params):
    """The module's result for its (already type-checked) parameters."""
    plan = RollbackPlan(params['state_file'], journal=params.get('journal'),
                        rollback_domains=params.get('rollback_domains'),
                        unverified_only=bool(params.get('unverified_only')))
    return plan.result()
