# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The aliyun.domain.domain_task_result lookup through real ansible-playbook runs against the emulator."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

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


PROGRESS_LINE = re.compile(r'^aliyun\.domain: (\d+) of (\d+) details final(?: \((\d+) failed\))?, (\d+) pending, '
                           r'\d+ (?:s|min) elapsed(?:, next check in \d+ (?:s|min))?$')


def test_lookup_shows_progress_lines_at_default_verbosity(emulator, run_playbook):
    (task_no,) = emulator.seed(40, task_seconds='1-25', domains=['example-%05d.com' % n for n in range(1, 41)])['task_nos']

    run = run_playbook("""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Wait through the lookup
      ansible.builtin.set_fact:
        results: "{{ query('aliyun.domain.domain_task_result', task_no, poll_interval=1) }}"
""", emulator=emulator, extra_vars={'task_no': task_no})

    run.assert_success()
    assert len(run.task('Wait through the lookup')['ansible_facts']['results']) == 40
    lines = [line.strip() for line in run.stdout.splitlines() if line.strip().startswith('aliyun.domain: ')]
    counts = [PROGRESS_LINE.match(line) for line in lines]
    assert all(counts), lines
    assert len(lines) >= 3, lines
    finals = [int(match.group(1)) for match in counts]
    assert finals == sorted(finals)
    assert lines[-1].startswith('aliyun.domain: 40 of 40 details final, 0 pending')
    assert 'next check in' not in lines[-1]
    # Not one line per API call: the -vvv call lines are absent and lines stay below the probes made.
    assert 'waiting: ' not in run.stdout
