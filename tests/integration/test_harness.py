# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The integration harness itself, in three ansible-playbook runs: the environment the modules see (emulator,
credentials, HOME, check mode) and the censoring of no_log results; failures, loops and ignored errors as
recorded, from a playbook given by path; and a playbook given by its collection name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

HEALTH_PLAYBOOK = """
- name: Emulator health over HTTP
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read the emulator health
      ansible.builtin.uri:
        url: "{{ lookup('ansible.builtin.env', 'ALIBABA_CLOUD_DOMAIN_ENDPOINT') }}/_emulator/health"
        return_content: true
      # uri skips itself in check mode; the run below is in check mode to prove --check reaches ansible.
      check_mode: false
      register: health

    - name: Show what the modules will see
      ansible.builtin.debug:
        msg:
          home: "{{ lookup('ansible.builtin.env', 'HOME') }}"
          access_key_id: "{{ lookup('ansible.builtin.env', 'ALIBABA_CLOUD_ACCESS_KEY_ID') }}"
          check_mode: "{{ ansible_check_mode }}"
          run_label: "{{ run_label }}"

    - name: Handle the secret
      ansible.builtin.debug:
        msg: "{{ lookup('ansible.builtin.env', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET') }}"
      no_log: true
"""

FAILING_PLAYBOOK = """
- name: A play that fails half-way
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Succeed first
      ansible.builtin.set_fact:
        reached: true

    - name: Fail but carry on
      ansible.builtin.fail:
        msg: tolerated failure
      ignore_errors: true

    - name: Loop over three items
      ansible.builtin.debug:
        msg: "item {{ item }}"
      loop: [1, 2, 3]

    - name: Fail on purpose
      ansible.builtin.fail:
        msg: the harness must report this

    - name: Never reached
      ansible.builtin.debug:
        msg: unreachable
"""


def test_environment_seen_by_the_modules_and_no_log_censoring(emulator, run_playbook, collections_path):
    run = run_playbook(HEALTH_PLAYBOOK, emulator=emulator, extra_vars={'run_label': 'harness'}, check=True).assert_success()

    health = run.task('Read the emulator health')
    assert health['status'] == 200
    assert health['url'].startswith(emulator.url)
    assert isinstance(health['json'], dict)

    seen = run.task('Show what the modules will see')['msg']
    assert seen['access_key_id'] == 'testid'
    assert seen['run_label'] == 'harness'
    assert seen['check_mode'] is True
    assert os.path.isdir(seen['home'])
    assert seen['home'] != os.path.expanduser('~')
    assert run.failed_tasks() == []
    assert run.stats()['localhost']['failures'] == 0
    assert os.path.isdir(os.path.join(collections_path, 'ansible_collections', 'aliyun', 'domain', 'plugins'))

    assert 'censored' in run.task('Handle the secret')
    assert 'testsecret' not in repr(run.events)
    assert 'testsecret' not in run.stdout


def test_failures_of_a_playbook_given_by_path_are_recorded(run_playbook, tmp_path):
    playbook = tmp_path / 'given.yml'
    playbook.write_text(FAILING_PLAYBOOK, encoding='utf-8')

    run = run_playbook(str(playbook))

    assert run.rc == 2
    assert run.failed_tasks() == ['Fail but carry on', 'Fail on purpose']
    assert run.task('Fail on purpose')['msg'] == 'the harness must report this'
    assert run.task_event('Fail but carry on')['ignore_errors'] is True
    assert run.task('Succeed first')['ansible_facts'] == {'reached': True}
    assert [item['msg'] for item in run.items('Loop over three items')] == ['item 1', 'item 2', 'item 3']
    assert 'Never reached' not in run.task_names()
    assert 'the harness must report this' in run.stdout
    assert run.stats()['localhost']['failures'] == 1
    try:
        run.assert_success()
    except AssertionError as failure:
        assert 'Fail on purpose' in str(failure)
        assert 'the harness must report this' in str(failure)
    else:
        raise AssertionError('assert_success() accepted a failed run')
    try:
        run_playbook(str(tmp_path / 'missing.yml'))
    except FileNotFoundError as missing:
        assert 'missing.yml' in str(missing)
    else:
        raise AssertionError('a missing playbook path was run as YAML text')


def test_the_collection_under_test_is_the_one_ansible_finds(ansible_env, run_playbook):
    galaxy = os.path.join(os.path.dirname(sys.executable), 'ansible-galaxy')
    listed = subprocess.run([galaxy, 'collection', 'list', 'aliyun.domain', '--format', 'json'], env=ansible_env,
                            capture_output=True, text=True, check=False)
    assert listed.returncode == 0, listed.stderr
    found = {name: info for collections in json.loads(listed.stdout).values() for name, info in collections.items()}
    assert found['aliyun.domain']['version'] == '0.1.0'
    assert not any(key.startswith('ALICLOUD_') for key in ansible_env)

    by_name = run_playbook('aliyun.domain.wait_task', tags=['never-matches'])
    assert by_name.rc == 0, by_name.output()
    assert by_name.task_names() == []
    assert 'aliyun.domain.wait_task' in by_name.command
