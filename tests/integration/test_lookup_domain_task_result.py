# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The aliyun.domain.domain_task_result lookup through real ansible-playbook runs against the emulator."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SEED_AND_LOOK_UP = """
- name: Create a task and look its results up
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Seed
      ansible.builtin.uri:
        url: "{{ emulator_url }}/_emulator/seed"
        method: POST
        body_format: json
        body: {results: 4, task_seconds: 4, domains: [example-00001.com, example-00002.com, example-00003.com, example-00004.com]}
      register: seeded

    - name: Without waiting
      ansible.builtin.set_fact:
        early: "{{ query('aliyun.domain.domain_task_result', seeded.json.task_nos, wait=false) }}"

    - name: Waiting
      ansible.builtin.set_fact:
        results: "{{ lookup('aliyun.domain.domain_task_result', seeded.json.task_nos, poll_interval=0.2, wantlist=true) }}"

    - name: Query
      ansible.builtin.set_fact:
        domains: "{{ query('aliyun.domain.domain_task_result', seeded.json.task_nos[0], query='[*].domain_name') }}"
        count: "{{ lookup('aliyun.domain.domain_task_result', *seeded.json.task_nos, query='length(@)') }}"
"""


def test_lookup_with_and_without_waiting(emulator, run_playbook):
    run = run_playbook(SEED_AND_LOOK_UP, emulator=emulator, extra_vars={'emulator_url': emulator.url}, verbosity=1)

    run.assert_success()
    facts = run.task('Waiting')['ansible_facts']
    assert run.task('Without waiting')['ansible_facts']['early'] == []
    assert sorted(item['domain_name'] for item in facts['results']) == ['example-%05d.com' % n for n in range(1, 5)]
    assert {item['task_status'] for item in facts['results']} == {'EXECUTE_SUCCESS'}
    assert set(facts['results'][0]) >= {'task_no', 'task_detail_no', 'task_type', 'task_type_description', 'instance_id',
                                        'domain_name', 'task_status', 'task_status_code', 'try_count', 'error_msg',
                                        'task_result', 'create_time', 'update_time'}
    query_facts = run.task('Query')['ansible_facts']
    assert sorted(query_facts['domains']) == ['example-%05d.com' % n for n in range(1, 5)]
    assert int(query_facts['count']) == 4
    # Progress at -v
    assert 'aliyun.domain: waiting: every detail of' in run.stdout
    assert 'aliyun.domain: 4 results (4 succeeded, 0 failed)' in run.stdout


def test_lookup_errors_are_one_clear_line(emulator_factory, run_playbook):
    emulator = emulator_factory('--domains', '5', '--task-seconds', '0')
    (task_no,) = emulator.seed(3, task_seconds=0, fail_domains='example-00002', domains=[
        'example-00001.com', 'example-00002.com', 'example-00003.com'])['task_nos']

    run = run_playbook("""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Failed detail
      ansible.builtin.debug:
        msg: "{{ lookup('aliyun.domain.domain_task_result', task_no) }}"
      ignore_errors: true
    - name: Failures as data
      ansible.builtin.debug:
        msg: "{{ query('aliyun.domain.domain_task_result', task_no, fail_on_failure=false, task_result_status='failure') }}"
    - name: Bad page size
      ansible.builtin.debug:
        msg: "{{ lookup('aliyun.domain.domain_task_result', task_no, page_size=0) }}"
      ignore_errors: true
    - name: Wrong secret
      ansible.builtin.debug:
        msg: "{{ lookup('aliyun.domain.domain_task_result', task_no, access_key_secret='wrong') }}"
      ignore_errors: true
""", emulator=emulator, extra_vars={'task_no': task_no})

    assert '1 of 3 details ended in EXECUTE_FAILURE: example-00002.com: ' in run.task('Failed detail')['msg']
    assert [item['domain_name'] for item in run.task('Failures as data')['msg']] == ['example-00002.com']
    assert 'Invalid value 0 for option page_size: expected a whole number from 1 to 1000.' in run.task('Bad page size')['msg']
    wrong = run.task('Wrong secret')['msg']
    assert 'SignatureDoesNotMatch' in wrong and 'RequestId' in wrong
    assert 'wrong' not in wrong.replace('SignatureDoesNotMatch', '')
    assert 'Traceback' not in run.stdout + run.stderr
