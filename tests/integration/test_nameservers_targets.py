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
