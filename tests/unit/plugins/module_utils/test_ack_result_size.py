# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the ack module returns stays proportional to what it needs: no number is listed twice for a
confirmed batch, and the echoed arguments keep only the keys of ``results`` the module reads."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aliyun.domain.plugins.module_utils import _ack as ack
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.task_result_fakes import (
    FakeClock,
    FakeTaskApi,
    make_client,
)

TASK = 'dddddddd-0000-4000-8000-000000000004'


def test_invocation_keeps_only_the_keys_of_results_the_module_reads():
    full = {'task_detail_no': 'N1', 'task_no': 'T1', 'domain_name': 'a.com', 'error_msg': 'The operation is successful.'}
    params = {'results': [full, {'task_detail_no': 'N2'}], 'task_detail_nos': None, 'batch_size': 100, 'access_key_id': 'id'}
    echoed = ack.invocation(params)['module_args']
    assert echoed['results'] == [{'task_detail_no': 'N1', 'task_no': 'T1'}, {'task_detail_no': 'N2'}]
    assert echoed['batch_size'] == 100 and echoed['access_key_id'] == 'id' and echoed['task_detail_nos'] is None
    # the caller's parameters are left as they were
    assert params['results'][0] is full and 'domain_name' in full


def test_invocation_without_results_is_the_parameters():
    params = {'results': None, 'task_detail_nos': ['N1']}
    assert ack.invocation(params) == {'module_args': params}


def test_only_batches_not_confirmed_list_their_numbers():
    clock = FakeClock()
    api = FakeTaskApi(clock)
    api.add_task(TASK, ['d%d.com' % index for index in range(5)], final_in=0)
    numbers = [detail.number for detail in api.details]
    api.fail_next(1, code='Forbidden.RAM', status=403, action='AcknowledgeTaskResult')
    api.calls[:] = []
    # the first batch is refused: nothing else is sent
    result = ack.acknowledge(make_client(api, clock), numbers, batch_size=2, concurrency=1).to_result()
    assert [batch['status'] for batch in result['batches']] == ['failed', 'not_sent', 'not_sent']
    assert [batch['task_detail_nos'] for batch in result['batches']] == [numbers[0:2], numbers[2:4], numbers[4:]]

    done = ack.acknowledge(make_client(api, clock), numbers, batch_size=2).to_result()
    assert [batch['status'] for batch in done['batches']] == ['confirmed'] * 3
    assert all('task_detail_nos' not in batch for batch in done['batches'])
    assert done['requested'] == numbers and done['remaining'] == []
