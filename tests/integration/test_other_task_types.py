# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Results of other task types (issue 15): renewals and registrant changes of the account wait in PollTaskResult too.

The role moves its domains and confirms its own results only; the others stay for whoever owns them. The
module filters them out by ``task_type`` and shows each result's type.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOMAINS = ['example-%05d.com' % number for number in range(1, 21)]

READ_BY_TYPE = """
- name: Read the queue by task type
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Every type
      aliyun.domain.domain_task_result:
      register: every

    - name: Only nameserver changes
      aliyun.domain.domain_task_result:
        task_type: CHG_DNS
      register: ours
"""


def test_the_role_never_reads_or_confirms_results_of_other_task_types(emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory('--domains', '30', '--task-seconds', '0.3')
    emulator.seed(6, task_type='ORDER_RENEW', domains=['example-00025.com'], per_task=1)
    emulator.seed(4, task_type='CHG_HOLDER', domains=['example-00026.com'], per_task=1)

    listing = run_playbook(READ_BY_TYPE, emulator=emulator)
    listing.assert_success()
    every = listing.task('Every type')['task_results']
    assert sorted(set(item['task_type'] for item in every)) == ['CHG_HOLDER', 'ORDER_RENEW']
    assert listing.task('Only nameserver changes')['task_results'] == []

    run = run_playbook('- import_playbook: aliyun.domain.migrate_dns\n', emulator=emulator, extra_vars={
        'dns_migration_domains': DOMAINS, 'dns_migration_nameservers': ['ns1.types.example', 'ns2.types.example'],
        'dns_migration_work_dir': str(tmp_path / 'work'), 'dns_migration_poll_interval': 0.5})
    run.assert_success()
    stats = emulator.stats()
    others = [detail for detail in stats['task_details'].values() if detail['source'] == 'seed']
    assert len(others) == 10
    assert all(detail['acknowledged'] == 0 and detail['ack_requests'] == 0 for detail in others)
    ours = [detail for detail in stats['task_details'].values() if detail['source'] == 'api']
    assert sorted(detail['domain'] for detail in ours) == DOMAINS
    assert all(detail['acknowledged'] == 1 for detail in ours)
    assert stats['results_awaiting_acknowledgement'] == 10
