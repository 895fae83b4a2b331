# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TaskIsBeingProcessed (issue 15): the service refuses a batch naming a domain whose change is still in progress.

The change in progress is three days old, outside the task-list window the module searches before it
submits, so only the service's refusal reveals it. The module fails with one line naming the code and the
domains, records the batch as not sent and never re-sends it on its own.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

BUSY = 'example-00001.com'
FREE = 'example-00002.com'
DAY = 86400

PLAY = """
- name: Change two domains, one batch each
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Change the nameservers
      aliyun.domain.nameservers:
        domains: ["%s", "%s"]
        nameservers: [ns1.busy.example, ns2.busy.example]
        batch_size: 1
        state_file: "{{ state_file }}"
      register: change
      ignore_errors: true
""" % (FREE, BUSY)


def test_a_refused_batch_fails_in_one_line_naming_code_and_domains_and_is_never_resent(emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory('--domains', '5', '--task-seconds', '1')  # the emulator refuses by default
    emulator.seed(1, domains=[BUSY], task_seconds=4 * DAY, created_seconds_ago=3 * DAY)
    state_file = tmp_path / 'state.jsonl'

    run = run_playbook(PLAY, emulator=emulator, extra_vars={'state_file': str(state_file)})
    result = run.task('Change the nameservers')
    assert run.task_event('Change the nameservers')['status'] == 'failed'
    message = result['msg']
    assert '\n' not in message
    assert 'TaskIsBeingProcessed' in message and BUSY in message and 'RequestId' in message
    assert 'is not re-sent' in message and '1 domains were submitted before this batch' in message
    stats = emulator.stats(details=False)
    assert stats['submissions_per_domain'] == {FREE: 1}
    assert stats['errors_per_code'].get('TaskIsBeingProcessed') == 1
    records = [json.loads(line) for line in state_file.read_text().splitlines()]
    assert [record.get('code') for record in records if record['event'] == 'not_sent'] == ['TaskIsBeingProcessed']

    # a second run adopts the first batch from the state file and asks once more for the busy one only
    again = run_playbook(PLAY, emulator=emulator, extra_vars={'state_file': str(state_file)})
    second = again.task('Change the nameservers')
    assert second['domains_adopted'] == {FREE: result['task_nos'][0]}
    assert 'TaskIsBeingProcessed' in second['msg']
    stats = emulator.stats(details=False)
    assert stats['submissions_per_domain'] == {FREE: 1}
    assert stats['errors_per_code'].get('TaskIsBeingProcessed') == 2
