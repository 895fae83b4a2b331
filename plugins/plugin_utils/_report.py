# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns_migration report: one record per domain, the summary, the problems and the chart.

``build_migration_report()`` turns what a migration knows (the ``nameservers`` module's result, the final
results of its tasks, usually read from the journal, and the run's errors) into the report the role
writes as JSON and renders as HTML; ``report_view()`` gives the HTML template everything it draws.

Extension point: other steps of a migration add their per-domain findings as *annotation sections*,
``annotations={'preflight': {domain: {...}}, 'delegation': {domain: {...}}}``. Every domain's record
then carries one key per section (``record['delegation']``), the section's value for that domain or
``None``, so a section never collides with another or with the fields below. A section that feeds the
summary is named in ``SECTION_COUNTS`` (for example ``unverified``: records whose ``delegation`` says
``verified: false``). Blocked domains (never submitted, with a reason) come from ``blocked`` or the
submission's ``domains_blocked``.

An abort's report: the submission is the result of ``aliyun.domain.cancel`` (``task_nos``,
``domains_cancelled``, ``domains_already_run``, ``targets``). A domain it cancelled is ``cancelled`` unless its detail
succeeded after all; what had already run is reported by its result like any migration's domain.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.aliyun.domain.plugins.module_utils._api import DETAIL_SUCCESS, FINAL_DETAIL_CODES
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._journal import read_final_results
from ansible_collections.aliyun.domain.plugins.module_utils._names import ALIYUN_DNS_TARGET
from ansible_collections.aliyun.domain.plugins.module_utils._nameservers import SubmissionLog, Target
from ansible_collections.aliyun.domain.plugins.module_utils._options import validate_text

TITLE = 'DNS migration report'
# The fields of every domain's record, in this order; annotation sections come after them.
# nameservers_before: the registrar's list before the change (None: unknown); nameservers_after: the domain's target.
RECORD_FIELDS = ('domain', 'status', 'task_no', 'task_detail_no', 'task_status', 'try_count', 'error_msg',
                 'create_time', 'update_time', 'seconds', 'nameservers_before', 'nameservers_after')
# The order people read them in: what needs attention first.
STATUS_ORDER = ('failed', 'blocked', 'pending', 'cancelled', 'succeeded', 'unchanged')
SUMMARY_STATUSES = ('succeeded', 'failed', 'pending', 'unchanged', 'blocked', 'cancelled')
# Summary counts that come from annotation sections: name -> (section, predicate over the section's value).
SECTION_COUNTS = {
    'unverified': ('delegation', lambda value: isinstance(value, dict) and value.get('verified') is False),
}
# How many failed or blocked domains the problems line names before it says "and N more".
NAMED_IN_PROBLEMS = 20
# The API's times are service-local and to the second: 'YYYY-MM-DD HH:MM:SS', sometimes with more after.
API_TIME_FORMAT = '%Y-%m-%d %H:%M:%S'

UNCHANGED_MESSAGE = 'already on the requested nameservers'
PENDING_MESSAGE = 'no final result yet'
CANCELLED_MESSAGE = 'cancelled before it started (CancelTask)'

# The HTML chart: a fixed canvas (SVG user units) and its margins.
CHART_WIDTH, CHART_HEIGHT = 900, 260
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 48, 16, 12, 32
CHART_FRACTIONS = (0, 0.25, 0.5, 0.75, 1)


def _parse_time(value):
    if value is None:
        return None
    try:
        return datetime.datetime.strptime(str(value)[:19], API_TIME_FORMAT)
    except ValueError:
        return None


def _require(value, kind, option):
    if not isinstance(value, kind):
        raise DomainConfigError('Invalid value %r for option %s: expected a %s.' % (
            value, option, 'dict' if kind is dict else 'list'), option=option)
    return value


def _unique_names(names):
    # as Jinja's unique filter did: the first spelling, compared without case
    seen = set()
    for name in names:
        key = name.lower() if isinstance(name, str) else name
        if key not in seen:
            seen.add(key)
            yield name


def migration_results(results, task_nos):
    """The final results of ``task_nos`` among ``results``, by update time (the last one of a domain wins)."""
    wanted = set(task_nos)
    selected = [item for item in results
                if isinstance(item, dict) and item.get('task_no') in wanted and item.get('task_status_code') in FINAL_DETAIL_CODES]
    return sorted(selected, key=lambda item: str(item.get('update_time') or ''))


def _result_record(domain, item):
    status = 'succeeded' if item.get('task_status_code') == DETAIL_SUCCESS else 'failed'
    created, updated = _parse_time(item.get('create_time')), _parse_time(item.get('update_time'))
    seconds = round((updated - created).total_seconds(), 1) if created and updated else None
    return {
        'domain': domain, 'status': status, 'task_no': item.get('task_no'), 'task_detail_no': item.get('task_detail_no'),
        'task_status': item.get('task_status'), 'try_count': item.get('try_count'),
        'error_msg': item.get('error_msg') if status == 'failed' else '',
        'create_time': item.get('create_time'), 'update_time': item.get('update_time'), 'seconds': seconds,
    }


def _empty_record(domain, status, task_no, message):
    record = dict.fromkeys(RECORD_FIELDS)
    record.update(domain=domain, status=status, task_no=task_no, error_msg=message)
    return record


def _reason(record):
    message = record['error_msg'] or 'no error message'
    return message[:-1] if message.endswith('.') else message


def _named(records, verb):
    named = '; '.join('%s (%s)' % (record['domain'], _reason(record)) for record in records[:NAMED_IN_PROBLEMS])
    more = ' and %d more' % (len(records) - NAMED_IN_PROBLEMS) if len(records) > NAMED_IN_PROBLEMS else ''
    return '%d domain(s) %s: %s%s.' % (len(records), verb, named, more)


def _list_or_none(value):
    return list(value) if isinstance(value, (list, tuple)) else None


class _WayBack(object):
    """Each domain's nameservers before and after: the submission's ``nameservers_before`` and ``targets`` (the
    nameservers module's result; the cancel module's ``targets`` in the ``domain_nameservers`` form), else the
    state file's intents of the open migration (``before``) and the submission's single ``nameservers``; None
    when nothing says."""

    def __init__(self, submission, state_file):
        self.before = _require(submission.get('nameservers_before') or {}, dict, 'submission.nameservers_before')
        self.targets = _require(submission.get('targets') or {}, dict, 'submission.targets')
        self.nameservers = _list_or_none(submission.get('nameservers')) or None
        self.state_file = state_file
        self._recorded = None

    def recorded(self):
        """``{domain: list}`` from the state file's intents (older modules wrote none), the first known per domain."""
        if self._recorded is None:
            self._recorded = {}
            log = SubmissionLog(self.state_file, read_only=True) if self.state_file else None
            for intent_id in (log.order if log else []):
                before = log.intents[intent_id].get('before')
                for domain, names in (before.items() if isinstance(before, dict) else ()):
                    if isinstance(names, list) and domain not in self._recorded:
                        self._recorded[domain] = list(names)
        return self._recorded

    def fill(self, record):
        domain = record['domain']
        before = _list_or_none(self.before.get(domain))
        record['nameservers_before'] = before if before is not None else self.recorded().get(domain)
        target = self.targets.get(domain)
        if target == ALIYUN_DNS_TARGET:
            target = Target(aliyun_dns=True).display()
        after = _list_or_none(target)
        record['nameservers_after'] = after if after is not None else self.nameservers


def _validate_annotations(annotations):
    _require(annotations, dict, 'annotations')
    for section, values in annotations.items():
        if section in RECORD_FIELDS:
            raise DomainConfigError(
                'Invalid value %r for option annotations: a section may not be named like a field of every '
                "domain's record (%s)." % (section, ', '.join(RECORD_FIELDS)), option='annotations')
        if not isinstance(values, dict):
            raise DomainConfigError(
                'Invalid value %r for option annotations: section %s must map domains to their values.' % (values, section),
                option='annotations')
    return annotations


def build_migration_report(submission, results=None, journal=None, state_file=None, errors=None, acknowledged=0,
                           generated_at=None, blocked=None, annotations=None, title=None):
    """The report of one migration, as the role writes it (JSON) and renders it (``report_view``).

    ``submission``: the result of ``aliyun.domain.nameservers`` (``task_nos``, ``domains_changed``,
    ``domains_adopted``, ``domains_unchanged``, ``nameservers``; ``domains_blocked`` when present), or of
    ``aliyun.domain.cancel`` for an abort (``task_nos``, ``domains_cancelled``, ``domains_already_run``, ``targets``).
    ``results``: task results (journal records); without them the journal at ``journal`` is read.
    Only the final results of the submission's tasks count. ``errors``: the run's error messages.
    ``acknowledged``: how many results this run newly confirmed. ``blocked``: ``{domain: reason}`` of
    domains that were not submitted. ``annotations``: see the module docstring. ``title``: the report's title
    (default ``TITLE``; a rollback's report says so). Every record's ``nameservers_before`` and
    ``nameservers_after`` come from the submission's ``nameservers_before`` and ``targets``, else from the
    ``state_file``'s intents and the submission's ``nameservers`` (see ``_WayBack``).
    """
    _require(submission, dict, 'submission')
    task_nos = list(submission.get('task_nos') or [])
    if results is None:
        results = list(read_final_results(journal, task_nos)) if journal else []
    else:
        _require(results, list, 'results')
    results = migration_results(results, task_nos)
    errors = list(_require(errors if errors is not None else [], list, 'errors'))
    if blocked is None:
        blocked = submission.get('domains_blocked') or {}
    _require(blocked, dict, 'blocked')
    annotations = _validate_annotations(annotations if annotations is not None else {})
    if isinstance(acknowledged, bool) or not isinstance(acknowledged, int) or acknowledged < 0:
        raise DomainConfigError('Invalid value %r for option acknowledged: expected a whole number from 0.' % (acknowledged,),
                                option='acknowledged')
    title = validate_text(title, 'title') or TITLE
    way_back = _WayBack(submission, state_file)
    adopted = submission.get('domains_adopted') or {}
    unchanged = list(submission.get('domains_unchanged') or [])
    cancelled = list(_require(submission.get('domains_cancelled') or [], list, 'submission.domains_cancelled'))
    already_run = _require(submission.get('domains_already_run') or {}, dict, 'submission.domains_already_run')

    by_domain = dict((item.get('domain_name'), item) for item in results)
    records = []
    for domain in _unique_names(list(submission.get('domains_changed') or []) + list(adopted) + cancelled
                                + list(already_run) + unchanged):
        if domain in cancelled and by_domain.get(domain, {}).get('task_status_code') != DETAIL_SUCCESS:
            record = _result_record(domain, by_domain[domain]) if domain in by_domain else _empty_record(
                domain, 'cancelled', None, CANCELLED_MESSAGE)
            record.update(status='cancelled', error_msg=record['error_msg'] or CANCELLED_MESSAGE)
            records.append(record)
        elif domain in by_domain:
            records.append(_result_record(domain, by_domain[domain]))
        elif domain in unchanged:
            records.append(_empty_record(domain, 'unchanged', None, UNCHANGED_MESSAGE))
        else:
            records.append(_empty_record(domain, 'pending', adopted.get(domain), PENDING_MESSAGE))
    reported = set(record['domain'] for record in records)
    # a blocked domain's reasons: one string, or a list (the registrar's and the DNS pre-flight's share it)
    records.extend(_empty_record(domain, 'blocked', None, reason if isinstance(reason, str) else '; '.join(reason))
                   for domain, reason in blocked.items() if domain not in reported)
    for record in records:
        way_back.fill(record)
        for section, values in annotations.items():
            record[section] = values.get(record['domain'])

    def having(status):
        return [record for record in records if record['status'] == status]

    failed, blocked_records, pending = having('failed'), having('blocked'), having('pending')
    # cancelled domains are what an abort asked for: reported (summary, cancelled_domains), not a problem
    problems = []
    if failed:
        problems.append(_named(failed, 'failed'))
    if blocked_records:
        problems.append(_named(blocked_records, 'were not submitted'))
    if pending:
        problems.append('Still pending: %s.' % ', '.join(record['domain'] for record in pending))
    unverified = [record for record in records if SECTION_COUNTS['unverified'][1](record.get('delegation'))]
    if unverified:
        problems.append('%d domain(s) not verified at the parent zone: %s.' % (len(unverified), '; '.join(
            '%s (%s)' % (record['domain'], '; '.join(record['delegation'].get('problems') or ['no answer']))
            for record in unverified[:NAMED_IN_PROBLEMS])))
    if errors:
        problems.append('Errors: %s' % ' | '.join(str(error) for error in errors))

    created = [stamp for stamp in (_parse_time(item.get('create_time')) for item in results) if stamp]
    updated = [_parse_time(item.get('update_time')) for item in results]
    start = min(created) if created else None
    end = max([stamp for stamp in updated if stamp] or [start]) if start else None
    summary = dict((status, len(having(status))) for status in SUMMARY_STATUSES)
    summary['total'] = len(records)
    for name, (section, counts) in SECTION_COUNTS.items():
        summary[name] = sum(1 for record in records if counts(record.get(section)))
    summary['acknowledged'] = acknowledged
    summary['duration_seconds'] = (end - start).total_seconds() if start else 0
    timeline = [[0, 0]]
    if start:
        timeline.extend([(stamp - start).total_seconds(), index]
                        for index, stamp in enumerate(updated, 1) if stamp)
    return {
        'title': title,
        'generated_at': generated_at or datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
        'nameservers': submission.get('nameservers') or [],
        'task_nos': task_nos,
        'journal': journal,
        'state_file': state_file,
        'summary': summary,
        'errors': errors,
        'failed_domains': [record['domain'] for record in failed],
        'pending_domains': [record['domain'] for record in pending],
        'blocked_domains': [record['domain'] for record in blocked_records],
        'cancelled_domains': [record['domain'] for record in having('cancelled')],
        'unverified_domains': [record['domain'] for record in unverified],
        'problems': ' '.join(problems),
        'timeline': timeline,
        'domains': records,
    }


def _chart(report):
    summary, timeline = report['summary'], report.get('timeline') or []
    if len(timeline) < 2:
        return None
    # a cancelled detail's final result is a result received too
    finals = summary['succeeded'] + summary['failed'] + summary.get('cancelled', 0)
    plot_width = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    max_x = max(timeline[-1][0], 1)
    max_y = max((finals + 3) // 4, 1) * 4
    x_format = '%.1fs' if max_x < 10 else '%.0fs'

    def y_of(count):
        return CHART_TOP + plot_height - count / max_y * plot_height

    points, previous = [], 0
    for seconds, count in timeline:
        # a step: along at the previous count, then up at the time of the result
        x = CHART_LEFT + seconds / max_x * plot_width
        points.append('%.1f,%.1f %.1f,%.1f' % (x, y_of(previous), x, y_of(count)))
        previous = count
    return {
        'width': CHART_WIDTH, 'height': CHART_HEIGHT, 'left': CHART_LEFT, 'top': CHART_TOP,
        'plot_width': plot_width, 'plot_height': plot_height, 'right_edge': CHART_LEFT + plot_width,
        'centre': CHART_LEFT + plot_width / 2, 'x_labels_y': CHART_HEIGHT - CHART_BOTTOM + 16, 'x_title_y': CHART_HEIGHT - 4,
        'label': 'Results received over time: %d of %d within %.0f seconds' % (
            finals, summary['total'] - summary['unchanged'] - summary.get('blocked', 0), max_x),
        'finals': finals,
        'y_lines': [{'y': '%.1f' % y_of(fraction * max_y), 'text_y': '%.1f' % (y_of(fraction * max_y) + 4),
                     'label': int(fraction * max_y)} for fraction in CHART_FRACTIONS],
        'x_ticks': [{'x': '%.1f' % (CHART_LEFT + fraction * plot_width), 'label': x_format % (fraction * max_x)}
                    for fraction in CHART_FRACTIONS],
        'points': ' '.join(points),
    }


def report_view(report):
    """What the HTML page draws: the chart (``None`` without results) and the records in reading order."""
    _require(report, dict, 'report')
    order = dict((status, index) for index, status in enumerate(STATUS_ORDER))
    records = sorted(report.get('domains') or [], key=lambda record: (order.get(record['status'], len(order)), record['domain']))
    return {'chart': _chart(report), 'records': records}
