# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""JSON Lines journal of task results (internal use only).

A result that has been acknowledged is gone from PollTaskResult for good, so every result is written
here, durably, before anything may confirm it.  One JSON object per line, one line per task detail,
never two lines for the same ``task_detail_no``.  Only the task-detail fields are written: a journal
never holds credentials.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import os

try:
    import fcntl
    HAS_FCNTL = True
except ImportError:  # pragma: no cover - not a POSIX system
    HAS_FCNTL = False

from ansible_collections.aliyun.domain.plugins.module_utils._api import FINAL_DETAIL_CODES
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainError

JOURNAL_KEY = 'task_detail_no'


class JournalError(DomainError):
    """The journal file cannot be read or written; the message names the file."""

    default_code = 'JournalError'


def _record_key(record, path):
    key = record.get(JOURNAL_KEY) if isinstance(record, dict) else None
    if not key:
        raise JournalError('journal %s: refusing to write a record without %s: %r' % (path, JOURNAL_KEY, record))
    return key


class InvalidJsonLine(ValueError):
    """A line of a JSON Lines file that is not JSON, and not the torn last line of an interrupted write."""

    def __init__(self, line_no):
        super(InvalidJsonLine, self).__init__('line %d is not valid JSON' % line_no)
        self.line_no = line_no


def iter_json_lines(handle):
    """Yield ``(line number, value)`` of an open JSON Lines file, skipping blank lines and a torn last line.

    Only the last line of a file can lack its newline, so such a line is a write cut short by a crash and was
    never acted upon; any other line that is not JSON raises InvalidJsonLine.
    """
    for line_no, raw in enumerate(handle, 1):
        text = raw.strip()
        if not text:
            continue
        try:
            value = json.loads(text)
        except ValueError:
            if raw.endswith('\n'):
                raise InvalidJsonLine(line_no)
            continue
        yield line_no, value


def _parse_lines(handle, path):
    """Yield the records of an open journal; a torn last line (a crash mid-write) is skipped."""
    try:
        for line_no, record in iter_json_lines(handle):
            if not isinstance(record, dict) or JOURNAL_KEY not in record:
                raise JournalError('journal %s: line %d is not a task result (no %s)' % (path, line_no, JOURNAL_KEY))
            yield record
    except InvalidJsonLine as exc:
        raise JournalError('journal %s: line %d is not valid JSON' % (path, exc.line_no))


def _complete_length(path, chunk_size=65536):
    """Bytes of the file up to and including its last newline (the whole file when it ends with one)."""
    with open(path, 'rb') as handle:
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        position = end
        while position > 0:
            start = max(0, position - chunk_size)
            handle.seek(start)
            chunk = handle.read(position - start)
            if position == end and chunk.endswith(b'\n'):
                return end
            newline = chunk.rfind(b'\n')
            if newline >= 0:
                return start + newline + 1
            position = start
        return 0


def read_journal(path):
    """Every record of the journal at ``path``, in file order; an absent file is an empty journal."""
    try:
        with open(path, 'r', encoding='utf-8') as handle:
            yield from _parse_lines(handle, path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return
        raise JournalError('journal %s: cannot read: %s' % (path, exc.strerror or exc))


def read_final_results(path, task_nos):
    """The final results of ``task_nos`` in the journal at ``path``, in file order (ack and the report read these)."""
    wanted = set(task_nos)
    for record in read_journal(path):
        if record.get('task_no') in wanted and record.get('task_status_code') in FINAL_DETAIL_CODES:
            yield record


class LineAppender(object):
    """A JSON Lines file open for appending, the one durable writer of the collection's files.

    ``open()`` locks the file (``flock``: two runs sharing it never interleave), lets ``read``
    see the lines already there, and cuts off a line torn by a crash mid-write (it was never acted
    upon, and a line appended after it would be glued to it).  ``write(lines, sync=True)`` flushes
    and fsyncs before it returns; ``close()`` always does.  ``label`` names the file in errors.
    """

    def __init__(self, path, label='journal', create_directory=False):
        self.path = path
        self.label = label
        self.create_directory = create_directory
        self._handle = None

    def _error(self, text, exc=None):
        reason = ': %s' % (exc.strerror or exc) if exc is not None else ''
        return JournalError('%s %s: %s%s' % (self.label, self.path, text, reason))

    def open(self, read=None):
        directory = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(directory):
            if not self.create_directory:
                raise self._error('directory %s does not exist' % directory)
            try:
                os.makedirs(directory)
            except OSError as exc:
                if not os.path.isdir(directory):
                    raise self._error('cannot create directory %s' % directory, exc)
        try:
            self._handle = open(self.path, 'a+', encoding='utf-8')
        except OSError as exc:
            raise self._error('cannot open for writing', exc)
        try:
            if HAS_FCNTL:
                fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX)
            if read is not None:
                self._handle.seek(0)
                read(self._handle)
            complete = _complete_length(self.path)
            if complete < os.path.getsize(self.path):
                os.ftruncate(self._handle.fileno(), complete)
            self._handle.seek(0, os.SEEK_END)
        except Exception:
            self._handle.close()
            self._handle = None
            raise
        return self

    def write(self, lines, sync=False):
        try:
            self._handle.write(''.join(lines))
            self._handle.flush()
            if sync:
                os.fsync(self._handle.fileno())
        except OSError as exc:
            raise self._error('cannot write', exc)

    def close(self):
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        try:
            handle.flush()
            os.fsync(handle.fileno())
        except OSError as exc:
            raise self._error('cannot flush to disk', exc)
        finally:
            handle.close()


def append_json_line(path, record, label, create_directory=False):
    """Append one record to a JSON Lines file and fsync it before returning (a record that must be on disk first)."""
    appender = LineAppender(path, label, create_directory).open()
    try:
        appender.write([json.dumps(record, sort_keys=True, ensure_ascii=False) + '\n'], sync=True)
    finally:
        appender.close()


class JournalWriter(object):
    """Appends results to a journal, skipping every ``task_detail_no`` already in the file.

    Use as a context manager: the file is locked (so two runs sharing a journal never interleave or
    duplicate), read once for the numbers it already holds, appended to page by page, and flushed and
    fsynced on close (a LineAppender).
    """

    def __init__(self, path):
        self.path = path
        self.known = set()
        self.written = 0
        self._file = LineAppender(path)

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.close()
        return False

    def open(self):
        def read_known(handle):
            for record in _parse_lines(handle, self.path):
                self.known.add(record[JOURNAL_KEY])

        # A torn last line holds no usable record: its detail is not in ``known``, so it is written again whole.
        self._file.open(read=read_known)

    def append(self, records, unique=False):
        """Write the records not yet in the journal; returns how many were written.

        ``unique=True``: the caller guarantees that no number repeats across its calls (a
        ResultCollector keeps its own set), so only the numbers read from the file are checked and
        the writer keeps no second set of this run's numbers.
        """
        lines = []
        for record in records:
            key = _record_key(record, self.path)
            if key in self.known:
                continue
            if not unique:
                self.known.add(key)
            lines.append(json.dumps(record, sort_keys=True, ensure_ascii=False) + '\n')
        if lines:
            self._file.write(lines)
            self.written += len(lines)
        return len(lines)

    def close(self):
        self._file.close()


def append_journal(path, records):
    """Append ``records`` to the journal at ``path`` durably; returns how many lines were new."""
    with JournalWriter(path) as writer:
        return writer.append(records)
