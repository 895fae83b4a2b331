# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""aliyun.domain.nameservers through real ansible-playbook runs against the emulator."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

SEVEN = ['example-%05d.com' % number for number in range(1, 8)]
TARGET = ['ns1.example.org', 'ns2.example.org']

IDEMPOTENCE = """
- name: Change, adopt and wait, then nothing to do
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Submit in batches
      aliyun.domain.nameservers:
        domains: "{{ domains }}"
        nameservers: [ns1.example.org, ns2.example.org]
        batch_size: 3
        state_file: "{{ state_file }}"
      register: first

    - name: Same again with the state file, waiting
      aliyun.domain.nameservers:
        domains: "{{ domains }}"
        nameservers: [NS2.example.org., ns1.EXAMPLE.org]
        state_file: "{{ state_file }}"
        wait: true
        # seconds as the other modules take them (once an int here, refusing 60.5)
        wait_timeout: 60.5
      register: second

    - name: Same again without the state file
      aliyun.domain.nameservers:
        domains: "{{ domains | map('upper') | list }}"
        nameservers: [ns2.example.org, ns1.example.org]
      register: third
"""


def submissions(emulator):
    return emulator.stats(details=False).get('submissions_per_domain') or {}


def test_batches_then_idempotent_with_and_without_state_file(emulator, run_playbook, tmp_path):
    state_file = tmp_path / 'state.jsonl'
    run = run_playbook(IDEMPOTENCE, emulator=emulator, diff=True,
                       extra_vars={'domains': SEVEN, 'state_file': str(state_file)})
    run.assert_success()
    first, second, third = run.task('Submit in batches'), run.task('Same again with the state file, waiting'), \
        run.task('Same again without the state file')
    assert first['changed'] is True
    assert len(first['task_nos']) == 3
    assert first['domains_changed'] == SEVEN
    assert first['diff']['before']['example-00001.com'] == ['dns1.hichina.com', 'dns2.hichina.com']
    assert first['diff']['after']['example-00007.com'] == TARGET

    assert second['changed'] is False
    assert second['task_nos'] == first['task_nos']
    assert sorted(second['domains_adopted']) == SEVEN
    assert second['summary'] == {'total': 7, 'succeeded': 7, 'failed': 0, 'pending': 0}
    assert sorted(item['domain_name'] for item in second['task_results']) == SEVEN

    assert third['changed'] is False
    assert third['task_nos'] == []
    assert third['domains_unchanged'] == SEVEN

    assert submissions(emulator) == dict((domain, 1) for domain in SEVEN)
    events = [json.loads(line)['event'] for line in state_file.read_text().splitlines()]
    assert events == ['intent', 'submitted'] * 3


CHECK = """
- name: Predict
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Would change two, leave one
      aliyun.domain.nameservers:
        domains: [example-00001.com, example-00002.com, example-00003.com]
        aliyun_dns: "{{ aliyun }}"
        nameservers: "{{ omit if aliyun else ['ns1.example.org', 'ns2.example.org'] }}"
        state_file: "{{ state_file }}"
      register: predicted
"""


def test_check_mode_predicts_and_submits_nothing(emulator, run_playbook, tmp_path):
    state_file = tmp_path / 'state.jsonl'
    run = run_playbook(CHECK, emulator=emulator, check=True, diff=True,
                       extra_vars={'aliyun': False, 'state_file': str(state_file)})
    run.assert_success()
    result = run.task('Would change two, leave one')
    assert result['changed'] is True
    assert result['domains_changed'] == ['example-00001.com', 'example-00002.com', 'example-00003.com']
    assert result['task_nos'] == []
    assert sorted(result['diff']['after']) == result['domains_changed']
    assert submissions(emulator) == {}
    assert not state_file.exists()


def test_domains_already_on_alibaba_cloud_dns_are_unchanged(emulator, run_playbook, tmp_path):
    run = run_playbook(CHECK, emulator=emulator, extra_vars={'aliyun': True, 'state_file': str(tmp_path / 's.jsonl')})
    run.assert_success()
    result = run.task('Would change two, leave one')
    assert result['changed'] is False
    assert result['domains_unchanged'] == ['example-00001.com', 'example-00002.com', 'example-00003.com']
    assert result['nameservers'] == ['Alibaba Cloud DNS']
    assert submissions(emulator) == {}


WAIT_FAILURE = """
- name: Wait for one good and one bad domain
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Change and wait
      aliyun.domain.nameservers:
        domains: [example-00001.com, example-00002.com]
        nameservers: [ns1.example.org, ns2.example.org]
        wait: true
        wait_timeout: 60
      register: waited
      ignore_errors: true
"""


def test_wait_fails_naming_the_failed_domain(emulator_factory, run_playbook):
    emulator = emulator_factory('--domains', '5', '--task-seconds', '0.2', '--max-tries', '2',
                                '--fail-domains', r'example-00002\.com')
    run = run_playbook(WAIT_FAILURE, emulator=emulator)
    result = run.task('Change and wait')
    assert run.task_event('Change and wait')['status'] == 'failed'
    assert result['changed'] is True
    assert 'failed for 1 of 2 domains: example-00002.com:' in result['msg']
    assert result['summary'] == {'total': 2, 'succeeded': 1, 'failed': 1, 'pending': 0}
    assert len(result['task_nos']) == 1


BAD_INPUT = """
- name: Bad input
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Try it
      aliyun.domain.nameservers: "{{ arguments }}"
      register: attempt
      ignore_errors: true
"""


@pytest.mark.parametrize('arguments, fragments', [
    ({'domains': ['bad name.com', 'example-00001.com', 'localhost', '-x.com'], 'nameservers': TARGET},
     ["option domains", "'bad name.com'", "'localhost'", "'-x.com'"]),
    ({'domains': ['example-00001.com'], 'nameservers': ['192.0.2.53', 'ns_1.example.org']},
     ['option nameservers', "'192.0.2.53' is an IP address", "'ns_1.example.org'"]),
    ({'domains': ['example-00001.com'], 'nameservers': TARGET, 'aliyun_dns': True}, ['mutually exclusive']),
    ({'domains': ['example-00001.com']}, ['One of nameservers']),
    ({'domains': ['example-00001.com'], 'nameservers': TARGET, 'batch_size': 0}, ['batch_size', '0', 'from 1 to 1000']),
    ({'domains': [], 'nameservers': TARGET}, ['at least 1 domain']),
    ({'domain_nameservers': {'example-00001.com': TARGET}, 'domains': ['example-00002.com']},
     ['Option domain_nameservers is mutually exclusive with domains, nameservers and aliyun_dns (given: domains)']),
    ({'domain_nameservers': {'example-00001.com': 'ns1.example.org'}},
     ["Invalid value 'ns1.example.org' for option domain_nameservers.example-00001.com: expected a list of nameserver "
      "hostnames or the string aliyun_dns."]),
], ids=['domains', 'nameservers', 'both-targets', 'no-target', 'batch-size', 'empty', 'per-domain-and-domains',
        'per-domain-string'])
def test_bad_input_fails_clearly_and_submits_nothing(emulator, run_playbook, arguments, fragments):
    run = run_playbook(BAD_INPUT, emulator=emulator, extra_vars={'arguments': arguments})
    result = run.task('Try it')
    assert run.task_event('Try it')['status'] == 'failed'
    for fragment in fragments:
        assert fragment in result['msg']
    assert 'Traceback' not in run.stdout + run.stderr
    assert submissions(emulator) == {}


PENDING_ELSEWHERE = """
- name: A domain with someone else's pending change
  hosts: localhost
  gather_facts: false
  tasks:
    - name: First, without a state file
      aliyun.domain.nameservers:
        domains: [example-00001.com]
        nameservers: [ns1.example.org, ns2.example.org]
      register: first

    - name: Second, before the first finished
      aliyun.domain.nameservers:
        domains: [example-00001.com, example-00002.com]
        nameservers: [ns1.example.org, ns2.example.org]
      register: second
      ignore_errors: true
"""


def test_domain_with_a_pending_task_from_elsewhere_is_not_resubmitted(emulator_factory, run_playbook):
    emulator = emulator_factory('--domains', '5', '--task-seconds', '30')
    run = run_playbook(PENDING_ELSEWHERE, emulator=emulator)
    first, second = run.task('First, without a state file'), run.task('Second, before the first finished')
    assert run.task_event('Second, before the first finished')['status'] == 'failed'
    assert second['domains_pending_elsewhere'] == {'example-00001.com': first['task_nos'][0]}
    assert 'example-00001.com (task %s)' % first['task_nos'][0] in second['msg']
    assert submissions(emulator) == {'example-00001.com': 1}
