# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registrar pre-flight (issue 15): domains that cannot change are never submitted, and are named with their reason.

The emulator gives some domains a registrar state (``--domain-state``): the update prohibition lock on,
renewal or redemption required, expired, a registrant change or a transfer out pending, real-name
verification not passed, on hold, denied to the RAM user; one more name is not in the account at all.
The emulator's own records decide what was submitted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json

import pytest

TARGET = ['ns1.preflight.example', 'ns2.preflight.example']
# domain -> (emulator state, the reason the collection gives)
BLOCKED = {
    'example-00001.com': ('UpdateProhibitionLock:OPEN', 'update prohibition lock is on: turn it off in the console first'),
    'example-00002.com': ('DomainStatus:2', 'redemption required'),
    'example-00003.com': ('DomainStatus:1', 'renewal required'),
    'example-00004.com': ('ExpirationDateStatus:2', 'expired'),
    'example-00005.com': ('RegistrantUpdatingStatus:PENDING', 'registrant change pending'),
    'example-00006.com': ('TransferOutStatus:PENDING', 'transfer out pending'),
    'example-00007.com': ('RealNameStatus:FAILED', 'real-name verification not passed'),
    'example-00008.com': ('EmailVerificationClientHold:true', 'on hold until the registrant email is verified'),
    'example-00009.com': ('denied', 'access denied to this RAM user (Forbidden.RAM)'),
}
NOT_IN_ACCOUNT = 'not-mine.example'
FREE = ['example-00010.com', 'example-00011.com', 'example-00012.com']
DOMAINS = sorted(BLOCKED) + [NOT_IN_ACCOUNT] + FREE
EXPECTED_BLOCKED = dict((domain, reason) for domain, (_state, reason) in BLOCKED.items())
EXPECTED_BLOCKED[NOT_IN_ACCOUNT] = 'not in this account'


def emulator_args(*extra):
    args = ['--domains', '20', '--task-seconds', '0.5']
    for domain, (state, _reason) in sorted(BLOCKED.items()):
        args.extend(['--domain-state', '%s=%s' % (domain, state)])
    return tuple(args) + extra


def submissions(emulator):
    return emulator.stats(details=False).get('submissions_per_domain') or {}


CHANGE = """
- name: Change what can change
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Change the nameservers
      aliyun.domain.nameservers:
        domains: "{{ domains }}"
        nameservers: "{{ target }}"
        wait: "{{ not ansible_check_mode }}"
        wait_timeout: 60
        poll_interval: 0.5
      register: change
      ignore_errors: true
"""


@pytest.mark.parametrize('mode', ['detail', 'refuse'])
def test_domains_that_cannot_change_are_not_submitted_the_rest_are_and_the_module_fails_naming_them(
        emulator_factory, run_playbook, mode):
    # however the service would answer a batch naming such a domain, the collection never sends one
    emulator = emulator_factory(*emulator_args('--blocked-submission', mode))
    run = run_playbook(CHANGE, emulator=emulator, extra_vars={'domains': DOMAINS, 'target': TARGET})
    result = run.task('Change the nameservers')
    assert run.task_event('Change the nameservers')['status'] == 'failed'
    assert result['domains_blocked'] == EXPECTED_BLOCKED
    assert result['msg'].startswith('%d domain(s) cannot change and were not submitted: ' % len(EXPECTED_BLOCKED))
    for domain, reason in EXPECTED_BLOCKED.items():
        assert '%s (%s)' % (domain, reason) in result['msg']
    assert 'The other domains were submitted.' in result['msg']
    assert result['changed'] is True and result['domains_changed'] == FREE
    assert sorted(item['domain_name'] for item in result['task_results']) == FREE
    assert all(item['task_status'] == 'EXECUTE_SUCCESS' for item in result['task_results'])
    assert submissions(emulator) == dict((domain, 1) for domain in FREE)
    assert 'Traceback' not in run.stdout + run.stderr


def test_check_mode_reads_the_states_too_and_submits_nothing(emulator_factory, run_playbook):
    emulator = emulator_factory(*emulator_args())
    run = run_playbook(CHANGE, emulator=emulator, check=True, extra_vars={'domains': DOMAINS, 'target': TARGET})
    result = run.task('Change the nameservers')
    assert run.task_event('Change the nameservers')['status'] == 'failed'
    assert result['domains_blocked'] == EXPECTED_BLOCKED
    assert result['domains_changed'] == FREE
    assert submissions(emulator) == {}
    per_action = emulator.stats(details=False)['requests_per_action']
    # the states come from the by-name answers (the list's items do not carry the locks)
    assert per_action['QueryDomainByDomainName'] >= len(BLOCKED) + len(FREE)


def test_the_role_migrates_the_rest_reports_the_blocked_ones_with_their_reason_and_fails_at_the_end(
        emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory(*emulator_args())
    work = tmp_path / 'work'
    run = run_playbook('- import_playbook: aliyun.domain.migrate_dns\n', emulator=emulator, extra_vars={
        'dns_migration_domains': DOMAINS, 'dns_migration_nameservers': TARGET, 'dns_migration_work_dir': str(work),
        'dns_migration_wait_timeout': 60, 'dns_migration_poll_interval': 0.5})
    assert run.failed_tasks() == ['aliyun.domain.dns_migration : Fail for the domains that did not change'], run.output()
    failure = run.task('aliyun.domain.dns_migration : Fail for the domains that did not change')['msg']
    assert '%d domain(s) were not submitted' % len(EXPECTED_BLOCKED) in failure
    assert 'example-00001.com (update prohibition lock is on: turn it off in the console first)' in failure
    assert submissions(emulator) == dict((domain, 1) for domain in FREE)

    reports = glob.glob(str(work / 'reports' / 'dns-migration-*.json'))
    assert len(reports) == 1
    with open(reports[0], encoding='utf-8') as stream:
        report = json.load(stream)
    statuses = dict((row['domain'], (row['status'], row['error_msg'])) for row in report['domains'])
    for domain, reason in EXPECTED_BLOCKED.items():
        assert statuses[domain] == ('blocked', reason)
    assert all(statuses[domain][0] == 'succeeded' for domain in FREE)
    assert report['summary']['blocked'] == len(EXPECTED_BLOCKED) and report['summary']['succeeded'] == len(FREE)
    html = open(reports[0][:-len('.json')] + '.html', encoding='utf-8').read()
    assert 'transfer out pending' in html


def test_the_role_in_check_mode_reports_the_blocked_domains_and_submits_nothing(emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory(*emulator_args())
    run = run_playbook('- import_playbook: aliyun.domain.migrate_dns\n', emulator=emulator, check=True, extra_vars={
        'dns_migration_domains': DOMAINS, 'dns_migration_nameservers': TARGET, 'dns_migration_work_dir': str(tmp_path / 'w')})
    run.assert_success()
    assert submissions(emulator) == {}
    outcome = run.task('aliyun.domain.dns_migration : Show the outcome')['msg']
    assert '%d blocked' % len(EXPECTED_BLOCKED) in outcome
