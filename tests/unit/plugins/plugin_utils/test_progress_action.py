# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugins' tailing of the module's progress file, and the module's side of that file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import threading

from ansible_collections.aliyun.domain.plugins.module_utils._progress import (
    PROGRESS_FILE_ENV,
    ProgressFile,
    ProgressReporter,
    progress_from_environment,
)
from ansible_collections.aliyun.domain.plugins.plugin_utils._progress_action import (
    ProgressLineTail,
    _with_progress_file,
    runs_on_controller,
)


def append(path, data):
    with open(path, 'ab') as stream:
        stream.write(data)


def test_each_complete_line_once_in_order_and_a_torn_line_only_when_complete(tmp_path):
    path = str(tmp_path / 'lines')
    shown = []
    tail = ProgressLineTail(path, shown.append)
    tail.read()                                   # not written yet: nothing, no error
    append(path, b'aliyun.domain: one\naliyun.domain: tw')
    tail.read()
    assert shown == ['aliyun.domain: one']
    tail.read()                                   # nothing new: nothing shown again
    assert shown == ['aliyun.domain: one']
    append(path, b'o\n\naliyun.domain: three\n')
    tail.read()
    assert shown == ['aliyun.domain: one', 'aliyun.domain: two', 'aliyun.domain: three']


def test_stop_shows_what_came_after_the_last_read_even_without_a_newline(tmp_path):
    path = str(tmp_path / 'lines')
    shown = []
    tail = ProgressLineTail(path, shown.append, interval=3600).start()
    append(path, b'aliyun.domain: first\naliyun.domain: last')
    tail.stop()
    assert shown == ['aliyun.domain: first', 'aliyun.domain: last']


def test_the_thread_shows_lines_while_the_writer_is_still_running(tmp_path):
    path = str(tmp_path / 'lines')
    seen = threading.Event()
    shown = []

    def show(line):
        shown.append(line)
        seen.set()

    tail = ProgressLineTail(path, show, interval=0.01).start()
    try:
        append(path, b'aliyun.domain: live\n')
        assert seen.wait(30), 'the tail never showed the line'
        assert shown == ['aliyun.domain: live']
    finally:
        tail.stop()
    assert shown == ['aliyun.domain: live']


def test_undecodable_bytes_do_not_stop_the_lines(tmp_path):
    path = str(tmp_path / 'lines')
    shown = []
    tail = ProgressLineTail(path, shown.append)
    append(path, b'aliyun.domain: \xff\r\n')
    tail.stop()
    assert shown == [u'aliyun.domain: \ufffd']


def test_the_module_side_writes_reporter_lines_the_tail_shows(tmp_path):
    path = str(tmp_path / 'lines')
    reporter = progress_from_environment({PROGRESS_FILE_ENV: path})
    assert isinstance(reporter, ProgressReporter)
    reporter({'final': 0, 'failed': 0, 'total': 3, 'elapsed': 0.2, 'next_check': 4.0})
    reporter({'final': 3, 'failed': 1, 'total': 3, 'elapsed': 9.0, 'next_check': None})
    shown = []
    ProgressLineTail(path, shown.append).stop()
    assert shown == ['aliyun.domain: 0 of 3 details final, 3 pending, 0 s elapsed, next check in 4 s',
                     'aliyun.domain: 3 of 3 details final (1 failed), 0 pending, 9 s elapsed']


def test_no_file_named_no_reporter():
    assert progress_from_environment({}) is None
    assert progress_from_environment({PROGRESS_FILE_ENV: ''}) is None


def test_an_unwritable_file_ends_the_lines_not_the_module(tmp_path):
    writer = ProgressFile(str(tmp_path / 'missing-directory' / 'lines'))
    writer('aliyun.domain: lost')
    writer('aliyun.domain: lost too')
    assert writer.path is None
    assert not os.path.exists(str(tmp_path / 'missing-directory'))


class Connection(object):
    def __init__(self, transport):
        self.transport = transport


def test_only_the_local_connection_runs_modules_on_the_controller():
    assert runs_on_controller(Connection('local'))
    assert not runs_on_controller(Connection('ssh'))
    assert not runs_on_controller(Connection('elsewhere'))
    assert not runs_on_controller(object())


def test_the_progress_file_is_added_last_to_any_task_environment():
    entry = {PROGRESS_FILE_ENV: '/private/lines'}
    assert _with_progress_file(None, '/private/lines') == [entry]
    assert _with_progress_file({'A': '1'}, '/private/lines') == [{'A': '1'}, entry]
    environments = [{'A': '1'}, '{{ more }}']
    assert _with_progress_file(environments, '/private/lines') == [{'A': '1'}, '{{ more }}', entry]
    assert environments == [{'A': '1'}, '{{ more }}']
