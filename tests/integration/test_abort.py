# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Aborting a half-finished migration (issue 17): the dns_migration role with dns_migration_abort=true,
through real ansible-playbook runs against the emulator.

Six domains are migrated: three are fast, three are stragglers (``--slow-domains``: one try takes 400 s, so they
wait to be executed for its first quarter, emulator/README.md). The migration's wait times out with the
stragglers pending, so the migration stays open; the abort cancels them (they never run and keep their
nameservers), acknowledges every result once, reports and closes the migration, after which a rollback and a
new migration both work.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

import pytest

from ansible_collections.aliyun.domain.tests.integration.official_sdk import registrar_nameservers
from ansible_collections.aliyun.domain.tests.integration.role_runs import latest_report, role_vars

FAST = ['example-00004.com', 'example-00005.com', 'example-00006.com']
SLOW = ['example-00001.com', 'example-00002.com', 'example-00003.com']
DOMAINS = SLOW + FAST
NEW = ['ns1.new.example', 'ns2.new.example']
# Alibaba Cloud DNS, as a domain the registrar manages there shows after a rollback (AliyunDns=true)
ALIYUN_DNS = ['ns1.alidns.com', 'ns2.alidns.com']
SLOW_DOMAINS = ('--slow-domains', 'example-0000[1-3].com=400')
MIGRATE = '- import_playbook: aliyun.domain.migrate_dns\n'
ROLLBACK = '- import_playbook: aliyun.domain.rollback_dns\n'
ABORT_TASK = 'aliyun.domain.dns_migration : Cancel what the open run\'s tasks have not started, and wait until the ' \
             'cancellation is complete'


def migration_vars(work, **extra):
    return role_vars(work, NEW, domains=DOMAINS, **extra)


def abort_vars(work, **extra):
    return migration_vars(work, dns_migration_abort=True, **extra)


def requests(emulator, action):
    return emulator.stats(details=False)['requests_per_action'].get(action, 0)


def submissions(emulator):
    return emulator.stats(details=False).get('submissions_per_domain') or {}


def state_records(work):
    with open(str(work / 'journal.jsonl.submissions')) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def migration_details(emulator):
    return [detail for detail in emulator.stats()['task_details'].values() if detail.get('source') == 'api']


def wait_until_the_cancelled_details_failed(emulator, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if all(detail['status'] == 'EXECUTE_FAILURE' for detail in migration_details(emulator) if detail['domain'] in SLOW):
            return
        time.sleep(0.5)
    raise AssertionError('the cancellation did not complete within %d s' % timeout)


def start_a_migration_that_leaves_the_stragglers_pending(emulator_factory, run_playbook, tmp_path, cancel_seconds):
    """(emulator, work directory, each domain's nameservers before, submissions per domain) of an open migration."""
    emulator = emulator_factory('--domains', '10', '--task-seconds', '0.2', '--cancel-seconds', str(cancel_seconds),
                                *SLOW_DOMAINS)
    work = tmp_path / 'work'
    before = dict((domain, registrar_nameservers(emulator, domain)) for domain in DOMAINS)
    run = run_playbook(MIGRATE, emulator=emulator, extra_vars=migration_vars(work, dns_migration_wait_timeout=3))
    assert run.rc != 0
    report, dummy = latest_report(work)
    assert sorted(report['pending_domains']) == SLOW and report['summary']['succeeded'] == 3
    assert state_records(work)[-1]['event'] != 'completed'
    return emulator, work, before, submissions(emulator)


def test_abort_cancels_the_waiting_details_acknowledges_once_closes_and_the_way_back_still_works(
        emulator_factory, run_playbook, tmp_path):
    emulator, work, before, submitted = start_a_migration_that_leaves_the_stragglers_pending(
        emulator_factory, run_playbook, tmp_path, cancel_seconds=0.5)

    preview = run_playbook(MIGRATE, emulator=emulator, check=True, extra_vars=abort_vars(work))
    preview.assert_success()
    assert preview.task(ABORT_TASK)['domains_cancelled'] == SLOW
    assert 'Check mode: 3 would be cancelled, 3 started or finished already of 6 domains; nothing cancelled' \
        in preview.output()
    assert requests(emulator, 'CancelTask') == 0 and state_records(work)[-1]['event'] != 'completed'

    run = run_playbook(MIGRATE, emulator=emulator, extra_vars=abort_vars(work))
    run.assert_success()
    assert requests(emulator, 'CancelTask') == 1
    assert submissions(emulator) == submitted, 'an abort submits nothing'
    report, path = latest_report(work, prefix='dns-migration-abort')
    assert report['title'] == 'DNS migration report (aborted)'
    summary = report['summary']
    assert (summary['cancelled'], summary['succeeded'], summary['failed'], summary['pending'], summary['total']) == \
        (3, 3, 0, 0, 6)
    assert sorted(report['cancelled_domains']) == SLOW and report['problems'] == ''
    records = dict((record['domain'], record) for record in report['domains'])
    for domain in DOMAINS:
        assert records[domain]['nameservers_before'] == before[domain] and records[domain]['nameservers_after'] == NEW
    html = open(path[:-len('.json')] + '.html').read()
    assert 'Aborted: 3 cancelled before they started' in html and '<script' not in html
    assert 'Results received (succeeded, failed or cancelled) over time, 6 in all' in html
    assert 'Aborted the migration: 3 cancelled, 3 changed, 0 failed, 0 pending' in run.output()

    details = migration_details(emulator)
    assert sorted(detail['domain'] for detail in details if detail['cancelled']) == SLOW
    assert all(detail['status'] == 'EXECUTE_FAILURE' for detail in details if detail['cancelled'])
    # every result of the migration's task acknowledged exactly once, over the two runs
    assert len(details) == 6 and all(detail['acknowledged'] == 1 for detail in details)
    for domain in SLOW:
        assert registrar_nameservers(emulator, domain) == before[domain]
    for domain in FAST:
        assert registrar_nameservers(emulator, domain) == NEW
    closed = state_records(work)[-1]
    assert closed['event'] == 'completed' and closed['kind'] == 'migration' and closed['report'] == path

    again = run_playbook(MIGRATE, emulator=emulator, extra_vars=abort_vars(work))
    again.assert_success()
    assert 'Nothing to abort: every run recorded in' in again.output()
    assert requests(emulator, 'CancelTask') == 1 and state_records(work)[-1] == closed

    # a new migration would move the cancelled domains only
    plan = run_playbook(MIGRATE, emulator=emulator, check=True, extra_vars=migration_vars(work))
    plan.assert_success()
    assert 'Check mode: 3 would change, 3 already done, 0 blocked of 6 domains; nothing submitted' in plan.output()

    # the rollback puts back what changed before the abort, and nothing else
    rollback = run_playbook(ROLLBACK, emulator=emulator, extra_vars=migration_vars(work))
    rollback.assert_success()
    rolled_back = submissions(emulator)
    assert dict((domain, rolled_back.get(domain, 0) - submitted.get(domain, 0)) for domain in DOMAINS) == \
        dict((domain, 1 if domain in FAST else 0) for domain in DOMAINS)
    assert latest_report(work, prefix='dns-rollback')[0]['summary']['succeeded'] == 3
    for domain in FAST:
        assert registrar_nameservers(emulator, domain) == ALIYUN_DNS
    for domain in SLOW:
        assert registrar_nameservers(emulator, domain) == before[domain]


def test_an_abort_that_timed_out_runs_again_without_cancelling_twice_then_a_new_migration_sends_the_rest(
        emulator_factory, run_playbook, tmp_path):
    # the cancellation takes 4 s to complete: an abort allowed 1 s stops before it is complete
    emulator, work, before, submitted = start_a_migration_that_leaves_the_stragglers_pending(
        emulator_factory, run_playbook, tmp_path, cancel_seconds=4)

    cut_short = run_playbook(MIGRATE, emulator=emulator, extra_vars=abort_vars(work, dns_migration_wait_timeout=1))
    assert cut_short.rc != 0
    assert 'the cancellation of' in cut_short.task(ABORT_TASK)['msg']
    assert requests(emulator, 'CancelTask') == 1 and state_records(work)[-1]['event'] == 'cancel'
    # run again once the cancellation is complete: nothing is waiting any more, only the state file remembers
    wait_until_the_cancelled_details_failed(emulator)

    finished = run_playbook(MIGRATE, emulator=emulator, extra_vars=abort_vars(work))
    finished.assert_success()
    assert requests(emulator, 'CancelTask') == 1
    report, dummy = latest_report(work, prefix='dns-migration-abort')
    assert sorted(report['cancelled_domains']) == SLOW and report['summary']['succeeded'] == 3
    assert state_records(work)[-1]['event'] == 'completed'

    # the new migration submits the cancelled domains again, and only them (they are stragglers again: pending)
    rerun = run_playbook(MIGRATE, emulator=emulator, extra_vars=migration_vars(work, dns_migration_wait_timeout=2))
    assert rerun.rc != 0
    resubmitted = submissions(emulator)
    assert dict((domain, resubmitted.get(domain, 0) - submitted.get(domain, 0)) for domain in DOMAINS) == \
        dict((domain, 1 if domain in SLOW else 0) for domain in DOMAINS)
    rerun_report, dummy = latest_report(work)
    assert sorted(rerun_report['pending_domains']) == SLOW
    for domain in SLOW:
        assert registrar_nameservers(emulator, domain) == before[domain]


def test_an_abort_at_vvvv_shows_no_secret(emulator_factory, run_playbook, tmp_path):
    from ansible_collections.aliyun.domain.tests.integration.test_secrets import KEY_ID, SECRET, TOKEN, leaks

    emulator = emulator_factory('--domains', '10', '--task-seconds', '0.2', '--cancel-seconds', '0.5', *SLOW_DOMAINS,
                                '--access-key', '%s:%s:%s' % (KEY_ID, SECRET, TOKEN))
    work = tmp_path / 'work'
    connection = {'dns_migration_connection': {'access_key_id': KEY_ID, 'access_key_secret': SECRET, 'security_token': TOKEN}}
    first = run_playbook(MIGRATE, emulator=emulator, extra_vars=migration_vars(work, dns_migration_wait_timeout=3, **connection))
    assert first.rc != 0 and state_records(work)[-1]['event'] != 'completed'
    run = run_playbook(MIGRATE, emulator=emulator, verbosity=4, extra_vars=abort_vars(work, **connection))
    run.assert_success()
    assert '<localhost> EXEC' in run.stdout and requests(emulator, 'CancelTask') == 1   # really -vvvv, really cancelled
    assert leaks({'stdout': run.stdout, 'stderr': run.stderr, 'recorded results': json.dumps(run.events)}, tmp_path) == []


def dns_vars(emulator, work, **extra):
    """The DNS checks on, against the emulator's parent zone and the provider's nameservers (the NEW ones)."""
    addresses = emulator.dns()
    return dict(dns_migration_preflight=True, dns_migration_verify_delegation=True, dns_migration_delegation_timeout=3,
                dns_migration_parent_nameservers=[addresses['parent']],
                dns_migration_nameserver_addresses=dict((name, [addresses['nameservers'][name]]) for name in NEW),
                **extra)


@pytest.mark.parametrize('parent_updates', [True, False], ids=['parent-delegates', 'parent-never-updates'])
def test_an_abort_verifies_at_the_parent_zone_the_domains_that_changed_before_it(emulator_factory, run_playbook,
                                                                                 tmp_path, parent_updates):
    emulator = emulator_factory('--domains', '10', '--task-seconds', '0.2', '--cancel-seconds', '0.5', *SLOW_DOMAINS,
                                '--dns-port', '0', *[argument for name in NEW for argument in ('--dns-nameserver', name)])
    work = tmp_path / 'work'
    first = run_playbook(MIGRATE, emulator=emulator,
                         extra_vars=migration_vars(work, **dns_vars(emulator, work, dns_migration_wait_timeout=3)))
    assert first.rc != 0 and state_records(work)[-1]['event'] != 'completed'
    if not parent_updates:
        # from now on the parent zone still refers every changed domain to its old nameservers
        emulator.configure_dns(propagation_delay=3600)

    run = run_playbook(MIGRATE, emulator=emulator, extra_vars=abort_vars(work, **dns_vars(emulator, work)))
    report, dummy = latest_report(work, prefix='dns-migration-abort')
    records = dict((record['domain'], record) for record in report['domains'])
    assert sorted(report['cancelled_domains']) == SLOW
    assert all(records[domain]['delegation'] is None for domain in SLOW), 'a cancelled domain did not move'
    if parent_updates:
        run.assert_success()
        assert all(records[domain]['delegation']['verified'] is True for domain in FAST)
        assert report['summary']['unverified'] == 0
    else:
        assert run.rc != 0 and run.failed_tasks()[-1].endswith('Fail for the domains that did not change')
        assert sorted(report['unverified_domains']) == FAST and report['summary']['unverified'] == 3
        assert 'not verified at the parent zone' in report['problems']
    # verified or not, nothing is left to wait for: the run is closed
    assert state_records(work)[-1]['event'] == 'completed'


def test_an_open_rollback_is_aborted_and_a_later_rollback_puts_back_only_what_it_cancelled(
        emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory('--domains', '10', '--task-seconds', '0.2', '--cancel-seconds', '0.5')
    work = tmp_path / 'work'
    before = dict((domain, registrar_nameservers(emulator, domain)) for domain in DOMAINS)
    run_playbook(MIGRATE, emulator=emulator, extra_vars=migration_vars(work)).assert_success()
    # the rollback's tasks for three of the domains straggle: its wait times out, the rollback stays open
    emulator.configure(slow_domains='example-0000[1-3].com=400')
    rollback = run_playbook(ROLLBACK, emulator=emulator, extra_vars=migration_vars(work, dns_migration_wait_timeout=3))
    assert rollback.rc != 0 and state_records(work)[-1]['event'] != 'completed'
    submitted = submissions(emulator)

    abort = run_playbook(ROLLBACK, emulator=emulator, extra_vars=abort_vars(work))
    abort.assert_success()
    assert submissions(emulator) == submitted, 'an abort submits nothing'
    report, path = latest_report(work, prefix='dns-rollback-abort')
    assert report['title'] == 'DNS rollback report (aborted)'
    assert sorted(report['cancelled_domains']) == SLOW and report['summary']['succeeded'] == 3
    closed = state_records(work)[-1]
    assert closed['event'] == 'completed' and closed['kind'] == 'rollback' and closed['report'] == path
    for domain in SLOW:
        assert registrar_nameservers(emulator, domain) == NEW
    for domain in FAST:
        assert registrar_nameservers(emulator, domain) == ALIYUN_DNS

    # the next rollback is a part of the same way back: the three the abort cancelled, and only them
    emulator.configure(slow_domains=[])
    rest = run_playbook(ROLLBACK, emulator=emulator, extra_vars=migration_vars(work))
    rest.assert_success()
    after = submissions(emulator)
    assert dict((domain, after.get(domain, 0) - submitted.get(domain, 0)) for domain in DOMAINS) == \
        dict((domain, 1 if domain in SLOW else 0) for domain in DOMAINS)
    for domain in DOMAINS:
        assert registrar_nameservers(emulator, domain) == ALIYUN_DNS, domain
    assert before[SLOW[0]] == ['dns1.hichina.com', 'dns2.hichina.com']   # Alibaba Cloud DNS before: back with AliyunDns
