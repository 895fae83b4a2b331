# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads that lag behind writes (issue 15): after a change succeeded, the domain still reads with its old nameservers.

The role migrates and closes the migration; a re-run within the lag reads the old nameservers again and
must not submit those domains a second time: the state file knows which task changed them, and that
task's details say they succeeded.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json

from emulator.client import SignedClient

DOMAINS = ['example-%05d.com' % number for number in range(1, 9)]
TARGET = ['ns1.lag.example', 'ns2.lag.example']
OLD = ['dns1.hichina.com', 'dns2.hichina.com']


def test_a_rerun_while_reads_still_show_the_old_nameservers_submits_nothing_again(emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory('--domains', '10', '--task-seconds', '0.3', '--read-lag', '600')
    work = tmp_path / 'work'
    extra_vars = {'dns_migration_domains': DOMAINS, 'dns_migration_nameservers': TARGET,
                  'dns_migration_work_dir': str(work), 'dns_migration_poll_interval': 0.5}
    first = run_playbook('- import_playbook: aliyun.domain.migrate_dns\n', emulator=emulator, extra_vars=extra_vars)
    first.assert_success()
    stats = emulator.stats()
    assert all(detail['status'] == 'EXECUTE_SUCCESS' for detail in stats['task_details'].values())

    # the change succeeded, yet the registrar's reads still show the old nameservers
    client = SignedClient(emulator.url, key_id=emulator.access_key_id, secret=emulator.access_key_secret)
    try:
        answer = client.call('QueryDomainByDomainName', {'DomainName': DOMAINS[0]}).body
    finally:
        client.close()
    assert answer['DnsList']['Dns'] == OLD

    second = run_playbook('- import_playbook: aliyun.domain.migrate_dns\n', emulator=emulator, extra_vars=extra_vars)
    second.assert_success()
    assert emulator.stats(details=False)['submissions_per_domain'] == dict((domain, 1) for domain in DOMAINS)
    reports = sorted(glob.glob(str(work / 'reports' / 'dns-migration-*.json')))
    with open(reports[-1], encoding='utf-8') as stream:
        report = json.load(stream)
    assert report['summary']['unchanged'] == len(DOMAINS) and report['task_nos'] == []


def test_a_rollback_right_after_the_migration_goes_back_although_reads_still_show_the_old_nameservers(
        emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory('--domains', '10', '--task-seconds', '0.3', '--read-lag', '600')
    work = tmp_path / 'work'
    extra_vars = {'dns_migration_domains': DOMAINS, 'dns_migration_nameservers': TARGET,
                  'dns_migration_work_dir': str(work), 'dns_migration_poll_interval': 0.5}
    run_playbook('- import_playbook: aliyun.domain.migrate_dns\n', emulator=emulator, extra_vars=extra_vars).assert_success()

    # reads still show the nameservers the rollback goes back to: only the state file knows they are not there;
    # in two parts, so that the second one's domains were last changed by the migration, not by the last closed run
    rollback = '- import_playbook: aliyun.domain.rollback_dns\n'
    run_playbook(rollback, emulator=emulator, extra_vars=dict(extra_vars, dns_migration_rollback_domains=DOMAINS[:3])
                 ).assert_success()
    assert emulator.stats(details=False)['submissions_per_domain'] == dict(
        (domain, 2 if domain in DOMAINS[:3] else 1) for domain in DOMAINS)
    run_playbook(rollback, emulator=emulator, extra_vars=extra_vars).assert_success()
    assert emulator.stats(details=False)['submissions_per_domain'] == dict((domain, 2) for domain in DOMAINS)
    records = [json.loads(line) for line in (work / 'journal.jsonl.submissions').read_text().splitlines()]
    rollback_intents = [record for record in records if record.get('event') == 'intent' and record.get('kind') == 'rollback']
    # the way back of the rollback records what the domains really had: the migration's target, not the lagging read
    assert all(before == TARGET for intent in rollback_intents for before in intent['before'].values())

    emulator.configure(read_lag=0)
    client = SignedClient(emulator.url, key_id=emulator.access_key_id, secret=emulator.access_key_secret)
    try:
        held = [client.call('QueryDomainByDomainName', {'DomainName': domain}).body['DnsList']['Dns'] for domain in DOMAINS]
    finally:
        client.close()
    assert held == [['ns1.alidns.com', 'ns2.alidns.com']] * len(DOMAINS)   # Alibaba Cloud DNS before: AliyunDns=true
