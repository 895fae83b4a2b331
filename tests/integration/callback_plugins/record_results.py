# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: appends every task result as one JSON line to $ALIYUN_DOMAIN_TEST_RESULTS.

It is enabled by the integration test harness (tests/integration/conftest.py) next to the normal
stdout callback, so tests can assert on structured results instead of parsing screen output.
Results arrive here already censored by ansible-core for ``no_log`` tasks.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: record_results
type: aggregate
short_description: Record task results as JSON lines for the integration tests
description:
  - Writes one JSON object per task result, loop item and play summary to the file named by the
    environment variable E(ALIYUN_DOMAIN_TEST_RESULTS). Does nothing when it is unset.
'''

import json
import os

from ansible.plugins.callback import CallbackBase

RESULTS_FILE_ENV = 'ALIYUN_DOMAIN_TEST_RESULTS'


def _result_dict(result):
    # ansible-core 2.19 made the cleaned result public as ``result``; older cores only have ``_result``.
    data = getattr(result, 'result', None)
    if data is None:
        data = result._result  # pylint: disable=protected-access
    return data


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'record_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._path = os.environ.get(RESULTS_FILE_ENV)

    def _write(self, record):
        if not self._path:
            return
        line = json.dumps(record, default=str, sort_keys=True)
        with open(self._path, 'a', encoding='utf-8') as stream:
            stream.write(line + '\n')

    def _record(self, event, status, result, item=False):
        task = result._task  # pylint: disable=protected-access
        data = _result_dict(result)
        self._write({
            'event': event,
            'status': status,
            'item': item,
            'task': task.get_name(),
            'name': task.name,
            'action': task.action,
            'host': result._host.get_name(),  # pylint: disable=protected-access
            'changed': bool(data.get('changed', False)),
            'ignore_errors': bool(task.ignore_errors),
            'result': data,
        })

    def v2_runner_on_ok(self, result):
        self._record('v2_runner_on_ok', 'ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record('v2_runner_on_failed', 'failed', result)

    def v2_runner_on_skipped(self, result):
        self._record('v2_runner_on_skipped', 'skipped', result)

    def v2_runner_on_unreachable(self, result):
        self._record('v2_runner_on_unreachable', 'unreachable', result)

    def v2_runner_item_on_ok(self, result):
        self._record('v2_runner_item_on_ok', 'ok', result, item=True)

    def v2_runner_item_on_failed(self, result):
        self._record('v2_runner_item_on_failed', 'failed', result, item=True)

    def v2_runner_item_on_skipped(self, result):
        self._record('v2_runner_item_on_skipped', 'skipped', result, item=True)

    def v2_playbook_on_stats(self, stats):
        summary = {host: stats.summarize(host) for host in sorted(stats.processed)}
        self._write({'event': 'v2_playbook_on_stats', 'status': 'stats', 'stats': summary})
