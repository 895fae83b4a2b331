# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugins of the waiting modules: live progress lines on the controller (internal use only).

A module is a separate process whose output Ansible reads only when it ends. When it runs on the
controller (``connection: local``, ``delegate_to: localhost``), the action plugin names a file in a private
directory through the module's environment (``_progress.PROGRESS_FILE_ENV``); the module's ProgressReporter
appends its lines there, and a thread here shows each one with ``Display`` as it appears, so that the
terminal and ansible-runner/AWX job events see the wait advance. Everything else (arguments,
``module_defaults``, check mode, ``async``, the result) is the module's own, exactly as without this plugin;
on other connections, and with ``async``, the module runs without lines.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os
import shutil
import tempfile
import threading

from ansible.plugins.action.normal import ActionModule as NormalActionModule
from ansible.utils.display import Display

from ansible_collections.aliyun.domain.plugins.module_utils._progress import PROGRESS_FILE_ENV

display = Display()

# How often the file is read: a line shows within this, and the module writes one per 5 s at most.
TAIL_INTERVAL = 0.25


class ProgressLineTail(object):
    """Shows every complete line appended to ``path`` with ``show(line)``, from a thread, until ``stop()``."""

    def __init__(self, path, show, interval=TAIL_INTERVAL):
        self.path = path
        self.show = show
        self.interval = interval
        self._offset = 0
        self._partial = b''
        self._stopped = threading.Event()
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._run, name='aliyun.domain progress', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stops the thread, then shows what is left, a last line without its newline included."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
        self.read()
        if self._partial:
            self._show(self._partial)
            self._partial = b''

    def _run(self):
        while not self._stopped.wait(self.interval):
            self.read()

    def read(self):
        """Shows the complete lines appended since the last read; a missing file has none yet."""
        try:
            with open(self.path, 'rb') as stream:
                stream.seek(self._offset)
                chunk = stream.read()
        except OSError:
            return
        self._offset += len(chunk)
        *lines, self._partial = (self._partial + chunk).split(b'\n')
        for line in lines:
            self._show(line)

    def _show(self, raw):
        line = raw.decode('utf-8', 'replace').rstrip('\r')
        if line:
            self.show(line)


def runs_on_controller(connection):
    """True when modules run as processes of this machine, where they can write the controller's files."""
    return getattr(connection, 'transport', None) == 'local'


class ProgressActionModule(NormalActionModule):
    """ansible.builtin.normal (of the running ansible-core), showing the module's progress lines when it can."""

    def run(self, tmp=None, task_vars=None):
        live = not self._task.async_val and runs_on_controller(self._connection)
        with self._progress_lines(live):
            return super(ProgressActionModule, self).run(tmp, task_vars)

    @contextlib.contextmanager
    def _progress_lines(self, live):
        if not live:
            yield
            return
        directory = tempfile.mkdtemp(prefix='aliyun-domain-progress-')
        environment = self._task.environment
        self._task.environment = _with_progress_file(environment, os.path.join(directory, 'lines'))
        tail = ProgressLineTail(os.path.join(directory, 'lines'), display.display).start()
        try:
            yield
        finally:
            self._task.environment = environment
            tail.stop()
            shutil.rmtree(directory, ignore_errors=True)


def _with_progress_file(environment, path):
    """The task's ``environment`` (None, a dict or a list of them) with the progress file set last (it wins)."""
    if environment is None:
        environments = []
    elif isinstance(environment, list):
        environments = list(environment)
    else:
        environments = [environment]
    return environments + [{PROGRESS_FILE_ENV: path}]
