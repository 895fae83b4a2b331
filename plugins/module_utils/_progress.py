# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress lines of a long wait, for people watching a terminal or an AWX job (internal use only).

The waiter reports after every probe round, the delegation checks (``_delegation.py``) after every
domain's round of DNS queries; a line is shown when the counts changed (at most one per ``MIN_CHANGE_GAP``
seconds) or when ``HEARTBEAT`` seconds passed without one, and always when the wait ends, so a healthy
wait and a hung one never look alike, and a fast wait never prints one line per API call or DNS query.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

PREFIX = 'aliyun.domain: '
HEARTBEAT = 60.0
MIN_CHANGE_GAP = 5.0
# A module learns from this environment variable where to append its lines: the action plugin of the same
# name sets it (a file in a private directory of the controller) only when the module runs on the controller,
# and shows each line as it appears. The file holds progress lines only.
PROGRESS_FILE_ENV = '_ALIYUN_DOMAIN_PROGRESS_FILE'


def format_duration(seconds):
    """``45 s`` under two minutes, ``4 min`` from there."""
    seconds = max(0.0, float(seconds))
    if seconds < 120:
        return '%d s' % round(seconds)
    return '%d min' % (seconds // 60)


def format_task_progress(final, failed, total, elapsed, next_check=None):
    line = '%d of %d details final' % (final, total)
    if failed:
        line += ' (%d failed)' % failed
    line += ', %d pending, %s elapsed' % (max(total - final, 0), format_duration(elapsed))
    if next_check is not None:
        line += ', next check in %s' % format_duration(next_check)
    return PREFIX + line


def format_search_progress(description, elapsed, next_check=None):
    line = 'no %s yet, %s elapsed' % (description, format_duration(elapsed))
    if next_check is not None:
        line += ', next check in %s' % format_duration(next_check)
    return PREFIX + line


def format_delegation_progress(verified, unverified, total, elapsed, next_check=None):
    """The post-flight: domains the parent zone refers to the targets, and those given up on."""
    line = 'verified at the parent: %d of %d' % (verified, total)
    if unverified:
        line += ' (%d unverified)' % unverified
    line += ', %d pending, %s elapsed' % (max(total - verified - unverified, 0), format_duration(elapsed))
    if next_check is not None:
        line += ', next check in %s' % format_duration(next_check)
    return PREFIX + line


def format_preflight_progress(checked, blocked, total, elapsed):
    line = 'pre-flight: %d of %d domains checked' % (checked, total)
    if blocked:
        line += ' (%d blocked)' % blocked
    return PREFIX + line + ', %s elapsed' % format_duration(elapsed)


def format_report(report):
    """The line of one report (see ProgressReporter)."""
    check = report.get('check')
    if check == 'delegation':
        return format_delegation_progress(report['verified'], report['unverified'], report['total'], report['elapsed'],
                                          report.get('next_check'))
    if check == 'preflight':
        return format_preflight_progress(report['checked'], report['blocked'], report['total'], report['elapsed'])
    if 'description' in report:
        return format_search_progress(report['description'], report['elapsed'], report.get('next_check'))
    return format_task_progress(report['final'], report['failed'], report['total'], report['elapsed'],
                                report.get('next_check'))


# What a report says about time; everything else in it is counts, whose change is worth a line.
_TIMING = ('elapsed', 'next_check', 'ended')


class ProgressReporter(object):
    """Decides which reports become lines; ``emit(line)`` shows one."""

    def __init__(self, emit):
        self.emit = emit
        self._last_key = None
        self._last_elapsed = None

    def __call__(self, report):
        """``report``: ``elapsed``, ``next_check`` (the sleep about to start; None once the wait ended), and
        either ``final``, ``failed``, ``total`` (task numbers), ``description`` (a wait for a matching result),
        or ``check`` with its counts: ``delegation`` (``verified``, ``unverified``, ``total``) or ``preflight``
        (``checked``, ``blocked``, ``total``). A report with ``ended`` says itself whether the work ended (the
        checks have no next check without ``wait``, nor in the pre-flight)."""
        elapsed = report['elapsed']
        ended = report['ended'] if 'ended' in report else report.get('next_check') is None
        key = tuple(sorted((name, value) for name, value in report.items() if name not in _TIMING))
        since = None if self._last_elapsed is None else elapsed - self._last_elapsed
        changed = key != self._last_key
        if not (since is None or ended and changed or since >= HEARTBEAT or changed and since >= MIN_CHANGE_GAP):
            return
        self._last_key, self._last_elapsed = key, elapsed
        self.emit(format_report(report))


class ProgressFile(object):
    """``emit`` for ProgressReporter in a module: appends each line to the action plugin's file.

    Progress is a courtesy: a file that cannot be written (a ``become`` user without access, say) only
    ends the lines, never the module's work.
    """

    def __init__(self, path):
        self.path = path

    def __call__(self, line):
        if self.path is None:
            return
        try:
            with open(self.path, 'ab') as stream:
                stream.write(line.encode('utf-8', 'replace') + b'\n')
        except (IOError, OSError):
            self.path = None


def progress_from_environment(environ=None):
    """A ProgressReporter writing to the file the action plugin named, or None when it named none."""
    path = (os.environ if environ is None else environ).get(PROGRESS_FILE_ENV)
    return ProgressReporter(ProgressFile(path)) if path else None
