# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""QueryDomainList answering without DnsList (issue 15): older API answers, and SDKs before 5.0.1, have no DnsList.

An absent field means *unknown*, never "no nameservers": the module reads those domains one by one, so a
re-run stays idempotent and ``--diff`` shows the nameservers the domains really have.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# more than FEW_DOMAINS (5): the module reads the paged domain list, not each domain by name
DOMAINS = ['example-%05d.com' % number for number in range(1, 9)]
TARGET = ['ns1.nolist.example', 'ns2.nolist.example']
OLD = ['dns1.hichina.com', 'dns2.hichina.com']

PLAY = """
- name: Change the domains, then ask again
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Change and wait
      aliyun.domain.nameservers:
        domains: "{{ domains }}"
        nameservers: "{{ target }}"
        wait: true
        wait_timeout: 120
        poll_interval: 0.5
      register: first

    - name: Same again
      aliyun.domain.nameservers:
        domains: "{{ domains }}"
        nameservers: "{{ target }}"
      register: second
"""


def test_a_list_without_dnslist_is_read_one_by_one_and_the_rerun_changes_nothing(emulator_factory, run_playbook):
    emulator = emulator_factory('--domains', '20', '--task-seconds', '0.3', '--list-without-dns')
    run = run_playbook(PLAY, emulator=emulator, diff=True, extra_vars={'domains': DOMAINS, 'target': TARGET})
    run.assert_success()
    first, second = run.task('Change and wait'), run.task('Same again')
    assert first['domains_changed'] == DOMAINS
    # the diff shows what the domains had, read by name, not an empty list
    assert all(first['diff']['before'][domain] == OLD for domain in DOMAINS), first['diff']['before']
    assert first['diff']['after'][DOMAINS[0]] == TARGET

    assert second['changed'] is False
    assert second['domains_unchanged'] == DOMAINS and second['task_nos'] == []
    stats = emulator.stats(details=False)
    assert stats['submissions_per_domain'] == dict((domain, 1) for domain in DOMAINS)
    calls = stats['requests_per_action']
    assert calls.get('QueryDomainList', 0) >= 2, calls
    # each run read every domain by name at least once (the list told nothing of their nameservers)
    assert calls.get('QueryDomainByDomainName', 0) >= 2 * len(DOMAINS), calls
