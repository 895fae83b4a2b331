# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Records when each task starts and ends (epoch seconds) into $BENCH_TIMING_LOG, one JSON object a line.

The wait-latency benchmark compares these wall-clock stamps with the time the emulator recorded for the
last detail becoming final, so both sides use time.time() on the same machine.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = '''
name: bench_timing
type: aggregate
short_description: record task start and end times for the benchmarks
description:
  - Appends C({"task", "event", "time"}) lines to the file named by E(BENCH_TIMING_LOG).
requirements:
  - enabled in callbacks_enabled
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timing'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._log_path = os.environ.get('BENCH_TIMING_LOG')

    def _record(self, task, event, **extra):
        if not self._log_path:
            return
        record = {'task': task.get_name(), 'event': event, 'time': time.time()}
        record.update(extra)
        with open(self._log_path, 'a') as log:
            log.write(json.dumps(record) + '\n')

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._record(task, 'start')

    def v2_runner_on_ok(self, result):
        self._record(result._task, 'ok', attempts=result._result.get('attempts'))

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result._task, 'failed', attempts=result._result.get('attempts'))

    def v2_runner_retry(self, result):
        self._record(result._task, 'retry')
