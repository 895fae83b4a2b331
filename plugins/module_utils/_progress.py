# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress lines of a long wait, for people watching a terminal or an AWX job (internal use only).

The waiter reports after every probe round; a line is shown when the counts changed (at most one per
``MIN_CHANGE_GAP`` seconds) or when ``HEARTBEAT`` seconds passed without one, and always when the wait ends,
so a healthy wait and a hung one never look alike, and a fast wait never prints one line per API call.
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


class ProgressReporter(object):
    """Decides which of the waiter's reports become lines; ``emit(line)`` shows one."""

    def __init__(self, emit):
        self.emit = emit
        self._last_key = None
        self._last_elapsed = None

    def __call__(self, report):
        """``report``: ``elapsed``, ``next_check`` (None once the wait ended), and either ``final``,
        ``failed``, ``total`` (task numbers) or ``description`` (a wait for a matching result)."""
        elapsed = report['elapsed']
        ended = report.get('next_check') is None
        key = (report.get('final'), report.get('failed'), report.get('total'), report.get('description'))
        since = None if self._last_elapsed is None else elapsed - self._last_elapsed
        changed = key != self._last_key
        if not (since is None or ended and changed or since >= HEARTBEAT or changed and since >= MIN_CHANGE_GAP):
            return
        self._last_key, self._last_elapsed = key, elapsed
        if 'description' in report:
            line = format_search_progress(report['description'], elapsed, report.get('next_check'))
        else:
            line = format_task_progress(report['final'], report['failed'], report['total'], elapsed,
                                        report.get('next_check'))
        self.emit(line)


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
