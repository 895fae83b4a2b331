# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""aliyun.domain.nameservers records the way back (issue 17) and gives domains targets of their own, through
real ansible-playbook runs against the emulator.

The emulator's domains get their nameservers from seeded CHG_DNS results of "another tool" (``POST
/_emulator/seed`` with ``nameservers``, emulator/README.md), each domain its own set in its own order, so that
a record that sorted, normalised or mixed up the sets would show.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.aliyun.domain.tests.integration.official_sdk import registrar_nameservers

TARGET = ['ns1.example.org', 'ns2.example.org']
# the nameservers each domain has before the change, in the order the registrar lists them
BEFORE = {
    'example-00001.com': ['dns2.hichina.com', 'dns1.hichina.com'],
    'example-00002.com': ['ns3.other.example', 'ns1.other.example', 'ns2.other.example'],
    'example-00003.com': ['ns9.third.example'],
    'example-00004.com': ['b.ns.example', 'a.ns.example'],
    'example-00005.com': ['dns1.hichina.com', 'dns2.hichina.com'],
    'example-00006.com': ['z.ns.example', 'x.ns.example', 'y.ns.example'],
    'example-00007.com': ['c.ns.example', 'b.ns.example', 'a.ns.example', 'd.ns.example'],
}
# already on the target, listed in the other order: read, unchanged, never submitted
ON_TARGET = {'example-00008.com': ['ns2.example.org', 'ns1.example.org']}


def seed_nameservers(emulator, nameservers_by_domain):
    for domain, nameservers in nameservers_by_domain.items():
        emulator.seed(1, domains=[domain], nameservers=nameservers, task_seconds=0)


def submissions(emulator):
    return emulator.stats(details=False).get('submissions_per_domain') or {}


def state_records(path, event=None):
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return [record for record in records if event is None or record['event'] == event]


RECORD = """
- name: Record the way back
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Change, recording what each domain had
      aliyun.domain.nameservers:
        domains: "{{ domains }}"
        nameservers: [ns1.example.org, ns2.example.org]
        batch_size: 3
        state_file: "{{ state_file }}"
        run_kind: "{{ kind }}"
      register: first

    - name: Again, adopting the recorded tasks, waiting
      aliyun.domain.nameservers:
        domains: "{{ domains }}"
        nameservers: [ns1.example.org, ns2.example.org]
        state_file: "{{ state_file }}"
        run_kind: "{{ kind }}"
        wait: true
        wait_timeout: 60
        poll_interval: 0.5
      register: second

    - name: Close the run
      aliyun.domain.nameservers:
        state_file: "{{ state_file }}"
        run_kind: "{{ kind }}"
        close_migration:
          report: reports/r.json
"""


def test_the_state_file_records_each_domains_nameservers_before_exactly_and_in_order(emulator, run_playbook, tmp_path):
    seed_nameservers(emulator, dict(BEFORE, **ON_TARGET))
    state_file = tmp_path / 'state.jsonl'
    domains = sorted(BEFORE) + sorted(ON_TARGET)
    run = run_playbook(RECORD, emulator=emulator,
                       extra_vars={'domains': domains, 'state_file': str(state_file), 'kind': 'rollback'})
    run.assert_success()
    first, second = run.task('Change, recording what each domain had'), run.task('Again, adopting the recorded tasks, waiting')

    intents = state_records(state_file, 'intent')
    assert len(intents) == 3 and [intent['kind'] for intent in intents] == ['rollback'] * 3
    recorded = {}
    for intent in intents:
        assert list(intent['before']) == intent['domains']
        recorded.update(intent['before'])
    assert recorded == BEFORE
    assert state_records(state_file)[-1] == {'event': 'completed', 'report': 'reports/r.json', 'kind': 'rollback'}

    assert first['domains_changed'] == sorted(BEFORE) and first['domains_unchanged'] == sorted(ON_TARGET)
    assert first['nameservers_before'] == dict(BEFORE, **ON_TARGET)
    assert first['targets'] == dict((domain, TARGET) for domain in domains)
    # the second run reads the domains on the target already; what they had before is what the state file kept
    assert sorted(second['domains_adopted']) == sorted(BEFORE)
    assert second['summary']['succeeded'] == len(BEFORE)
    assert second['nameservers_before'] == dict(BEFORE, **ON_TARGET)
    assert submissions(emulator) == dict((domain, 1) for domain in BEFORE)


# per-domain targets (domain_nameservers): two groups in one task, interleaved in the map

GROUP_A = ['ns1.group-a.example', 'ns2.group-a.example']
GROUP_B = ['ns1.group-b.example', 'ns2.group-b.example', 'ns3.group-b.example']
# three domains go to A, six to B (more than a few: read from the domain list), in one map, interleaved
PER_DOMAIN = dict([('example-%05d.com' % number, GROUP_A if number in (1, 4, 9) else GROUP_B) for number in range(1, 10)])

PER_DOMAIN_PLAYBOOK = """
- name: Targets of their own
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Each domain to its own target
      aliyun.domain.nameservers:
        domain_nameservers: "{{ per_domain }}"
        batch_size: 4
        state_file: "{{ state_file }}"
        wait: "{{ not ansible_check_mode }}"
        wait_timeout: 60
        poll_interval: 0.5
      register: change
"""


def test_two_groups_of_domains_each_end_at_their_own_target_in_one_task(emulator, run_playbook, tmp_path):
    state_file = tmp_path / 'state.jsonl'
    extra_vars = {'per_domain': PER_DOMAIN, 'state_file': str(state_file)}
    group_a = [domain for domain, target in PER_DOMAIN.items() if target == GROUP_A]
    group_b = [domain for domain, target in PER_DOMAIN.items() if target == GROUP_B]

    predicted = run_playbook(PER_DOMAIN_PLAYBOOK, emulator=emulator, extra_vars=extra_vars, check=True, diff=True)
    predicted.assert_success()
    check = predicted.task('Each domain to its own target')
    assert check['changed'] is True and check['task_nos'] == [] and check['domains_changed'] == group_a + group_b
    assert check['diff']['after'] == PER_DOMAIN
    assert check['diff']['before'] == dict((domain, ['dns1.hichina.com', 'dns2.hichina.com']) for domain in PER_DOMAIN)
    assert submissions(emulator) == {} and not state_file.exists()

    run = run_playbook(PER_DOMAIN_PLAYBOOK, emulator=emulator, extra_vars=extra_vars)
    run.assert_success()
    result = run.task('Each domain to its own target')
    assert result['changed'] is True
    # group A (3 domains) is one task, group B (6 domains, batch_size 4) two
    assert len(result['task_nos']) == 3 and len(set(result['task_nos'])) == 3
    assert result['domains_changed'] == group_a + group_b
    assert result['nameservers'] == [] and result['targets'] == PER_DOMAIN
    assert result['summary'] == {'total': 9, 'succeeded': 9, 'failed': 0, 'pending': 0}
    intents = state_records(state_file, 'intent')
    assert [(intent['domains'], intent['target']['nameservers']) for intent in intents] == [
        (group_a, GROUP_A), (group_b[:4], GROUP_B), (group_b[4:], GROUP_B)]
    for domain, target in PER_DOMAIN.items():
        assert registrar_nameservers(emulator, domain) == target

    again = run_playbook(PER_DOMAIN_PLAYBOOK, emulator=emulator, extra_vars=extra_vars)
    again.assert_success()
    rerun = again.task('Each domain to its own target')
    assert rerun['changed'] is False and rerun['task_nos'] == result['task_nos']
    assert sorted(rerun['domains_adopted']) == sorted(PER_DOMAIN)
    assert submissions(emulator) == dict((domain, 1) for domain in PER_DOMAIN)
