# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""aliyun.domain.cancel (issue 17) through real ansible-playbook runs against the emulator.

A CHG_DNS task of six domains: three are fast (done before the cancel arrives), three are stragglers
(``--slow-domains``: one try takes 400 s, so they stay WAITING_EXECUTE for its first quarter, emulator/README.md).
Cancelling the task cancels the stragglers, which never run: the registrar keeps their nameservers.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aliyun.domain.tests.integration.official_sdk import registrar_nameservers

FAST = ['example-00004.com', 'example-00005.com', 'example-00006.com']
SLOW = ['example-00001.com', 'example-00002.com', 'example-00003.com']
EMULATOR_ARGS = ('--domains', '10', '--task-seconds', '0.2', '--slow-domains', 'example-0000[1-3].com=400',
                 '--cancel-seconds', '0.5')

SUBMIT = """
- name: Submit a change with stragglers
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Submit
      aliyun.domain.nameservers:
        domains: "{{ domains }}"
        nameservers: [ns1.example.org, ns2.example.org]
        state_file: "{{ state_file }}"
      register: change

    - name: Wait for the fast ones (their results)
      aliyun.domain.domain_task_result:
        task_no: "{{ change.task_nos }}"
      register: results
      until: results.task_results | length >= fast | length
      retries: 60
      delay: 1
"""

CANCEL = """
- name: Cancel what has not started
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Cancel
      aliyun.domain.cancel:
        task_no: "{{ task_nos | default(omit) }}"
        state_file: "{{ state_file | default(omit) }}"
        wait: true
        wait_timeout: 60
        poll_interval: 0.2
        max_poll_interval: 0.5
      register: cancelled
"""


def cancel_requests(emulator):
    return emulator.stats(details=False)['requests_per_action'].get('CancelTask', 0)


def submit(emulator, run_playbook, state_file):
    before = dict((domain, registrar_nameservers(emulator, domain)) for domain in SLOW)
    run = run_playbook(SUBMIT, emulator=emulator,
                       extra_vars={'domains': SLOW + FAST, 'fast': FAST, 'state_file': str(state_file)})
    run.assert_success()
    return run.task('Submit')['task_nos'], before


def test_cancel_cancels_the_waiting_details_which_never_run(emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory(*EMULATOR_ARGS)
    state_file = tmp_path / 'state.jsonl'
    task_nos, before = submit(emulator, run_playbook, state_file)
    assert len(task_nos) == 1

    preview = run_playbook(CANCEL, emulator=emulator, extra_vars={'task_nos': task_nos}, check=True)
    preview.assert_success()
    predicted = preview.task('Cancel')
    assert predicted['changed'] is True and predicted['domains_cancelled'] == SLOW
    assert predicted['tasks'] == {task_nos[0]: 'INIT'}
    assert cancel_requests(emulator) == 0

    run = run_playbook(CANCEL, emulator=emulator, extra_vars={'state_file': str(state_file)})
    run.assert_success()
    result = run.task('Cancel')
    assert result['changed'] is True and result['task_nos'] == task_nos
    assert result['domains_cancelled'] == SLOW
    assert result['domains_already_run'] == dict((domain, 'EXECUTE_SUCCESS') for domain in FAST)
    assert result['tasks'] == {task_nos[0]: 'COMPLETE'}
    assert cancel_requests(emulator) == 1

    details = emulator.stats(task_no=task_nos[0])['task_details'].values()
    cancelled = sorted(record['domain'] for record in details if record['cancelled'])
    assert cancelled == SLOW
    assert all(record['status'] == 'EXECUTE_FAILURE' for record in details if record['cancelled'])
    for domain in SLOW:
        assert registrar_nameservers(emulator, domain) == before[domain]
    for domain in FAST:
        assert registrar_nameservers(emulator, domain) == ['ns1.example.org', 'ns2.example.org']

    again = run_playbook(CANCEL, emulator=emulator, extra_vars={'task_nos': task_nos})
    again.assert_success()
    assert again.task('Cancel')['changed'] is False and cancel_requests(emulator) == 1


def test_bad_input_fails_in_one_line_and_sends_nothing(emulator, run_playbook, tmp_path):
    state_file = tmp_path / 'state.jsonl'
    state_file.write_text('')
    for extra_vars in ({}, {'task_nos': ['T-1'], 'state_file': str(state_file)}):
        run = run_playbook(CANCEL, emulator=emulator, extra_vars=extra_vars)
        assert run.rc != 0, run.output()
        message = run.task('Cancel')['msg']
        assert '\n' not in message and message.startswith('Exactly one of task_no and state_file is required')
    assert cancel_requests(emulator) == 0
