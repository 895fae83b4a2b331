# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns_migration role and the migrate_dns / wait_task playbooks, end to end against the emulator."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os

import pytest

from ansible_collections.aliyun.domain.tests.integration.role_runs import kill_playbook_when, latest_report, role_vars

TARGET = ['ns1.example.org', 'ns2.example.org']
DOMAINS = ['example-%05d.com' % number for number in range(1, 13)]
FAILING = r'example-0000[45]\.com'
FAILED = ['example-00004.com', 'example-00005.com']

# The playbooks are called by their collection names, as users call them.
MIGRATE = '- import_playbook: aliyun.domain.migrate_dns\n'
WAIT_TASK = '- import_playbook: aliyun.domain.wait_task\n'


def migration_vars(work_dir, domains=None, **extra):
    return role_vars(work_dir, TARGET, domains=domains or DOMAINS, **extra)


def api_details(emulator):
    return [detail for detail in emulator.stats()['task_details'].values() if detail.get('source') == 'api']


def test_migration_submits_once_confirms_its_own_results_reports_and_fails_last(emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory('--domains', '20', '--task-seconds', '0.2-0.6', '--max-tries', '2', '--fail-domains', FAILING)
    others = emulator.seed(7)
    work = tmp_path / 'work'
    # one domain is already where it should be
    run_playbook("""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Pre-move one domain
      aliyun.domain.nameservers:
        domains: [example-00012.com]
        nameservers: [ns1.example.org, ns2.example.org]
        wait: true
""", emulator=emulator).assert_success()

    run = run_playbook(MIGRATE, emulator=emulator, extra_vars=migration_vars(work))
    assert run.rc != 0
    assert run.failed_tasks() == ['aliyun.domain.dns_migration : Fail for the domains that did not change']
    message = run.task('aliyun.domain.dns_migration : Fail for the domains that did not change')['msg']
    assert '2 domain(s) failed: example-00004.com (' in message and 'example-00005.com (' in message
    assert 'Report: ' in message

    report, path = latest_report(work)
    assert report['summary']['total'] == 12
    assert report['summary']['succeeded'] == 9
    assert report['summary']['failed'] == 2
    assert report['summary']['unchanged'] == 1
    assert report['summary']['pending'] == 0
    assert report['summary']['acknowledged'] == 11
    assert report['failed_domains'] == FAILED
    assert len(report['task_nos']) == 3
    assert report['timeline'][-1][1] == 11
    rows = dict((row['domain'], row) for row in report['domains'])
    assert rows['example-00012.com']['status'] == 'unchanged'
    assert rows['example-00004.com']['error_msg'] and rows['example-00004.com']['try_count'] == 2
    html = open(path[:-len('.json')] + '.html').read()
    assert '<svg' in html and 'example-00005.com' in html and '<script' not in html

    stats = emulator.stats()
    per_domain = stats['submissions_per_domain']
    assert per_domain == dict((domain, 1) for domain in DOMAINS)
    migrated = [detail for detail in api_details(emulator) if detail['task_no'] in report['task_nos']]
    assert len(migrated) == 11 and all(detail['acknowledged'] == 1 for detail in migrated)
    # the other tool's results are untouched, and so is the result of the pre-move
    assert stats['results_awaiting_acknowledgement'] == others['results'] + 1

    journal = [json.loads(line) for line in open(str(work / 'journal.jsonl'))]
    assert sorted(item['domain_name'] for item in journal if item['task_no'] in report['task_nos']) == sorted(DOMAINS[:11])
    state = [json.loads(line) for line in open(str(work / 'journal.jsonl.submissions'))]
    assert state[-1]['event'] == 'completed'

    # The next run is a new migration: only the failed domains are tried again.
    emulator.configure(fail_domains=None)
    again = run_playbook(MIGRATE, emulator=emulator, extra_vars=migration_vars(work))
    again.assert_success()
    report, dummy = latest_report(work)
    assert report['summary']['succeeded'] == 2 and report['summary']['unchanged'] == 10
    assert emulator.stats()['submissions_per_domain']['example-00004.com'] == 2
    assert emulator.stats()['submissions_per_domain']['example-00001.com'] == 1


def test_rerun_after_kill_between_submit_and_acknowledge_finishes_without_resubmitting(
        emulator_factory, run_playbook, ansible_env, venv_tool, tmp_path):
    emulator = emulator_factory('--domains', '20', '--task-seconds', '3-4')
    work = tmp_path / 'work'
    state_file = work / 'journal.jsonl.submissions'

    def submitted_everything():
        return state_file.exists() and state_file.read_text().count('"submitted"') == 3

    kill_playbook_when('aliyun.domain.migrate_dns', migration_vars(work), submitted_everything, ansible_env, venv_tool,
                       emulator, tmp_path)
    assert emulator.stats()['details_acknowledged'] == 0
    task_nos = [json.loads(line)['task_no'] for line in state_file.read_text().splitlines() if '"submitted"' in line]

    run = run_playbook(MIGRATE, emulator=emulator, extra_vars=migration_vars(work))
    run.assert_success()
    submit = run.task('aliyun.domain.dns_migration : Submit the nameserver change for the domains that need it')
    assert submit['changed'] is False
    assert submit['task_nos'] == task_nos
    report, dummy = latest_report(work)
    assert report['summary']['succeeded'] == 12 and report['summary']['acknowledged'] == 12
    assert report['task_nos'] == task_nos
    stats = emulator.stats()
    assert stats['submissions_per_domain'] == dict((domain, 1) for domain in DOMAINS)
    assert stats['details_acknowledged'] == 12


def test_rerun_after_kill_before_the_report_loses_no_result(emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory('--domains', '20', '--task-seconds', '0.2')
    work = tmp_path / 'work'
    # acknowledge every result, then lose the report and the completion record (as a kill right after the ack would)
    first = run_playbook(MIGRATE, emulator=emulator, extra_vars=migration_vars(work, domains=DOMAINS[:4]))
    first.assert_success()
    for path in glob.glob(str(work / 'reports' / '*')):
        os.remove(path)
    state_file = work / 'journal.jsonl.submissions'
    state_file.write_text(''.join(line + '\n' for line in state_file.read_text().splitlines()
                                  if '"completed"' not in line))
    run = run_playbook(MIGRATE, emulator=emulator, extra_vars=migration_vars(work, domains=DOMAINS[:4]))
    run.assert_success()
    report, dummy = latest_report(work)
    assert report['summary']['succeeded'] == 4 and report['summary']['acknowledged'] == 0
    assert emulator.stats()['submissions_per_domain'] == dict((domain, 1) for domain in DOMAINS[:4])


def test_check_mode_submits_nothing(emulator, run_playbook, tmp_path):
    run = run_playbook(MIGRATE, emulator=emulator, check=True, extra_vars=migration_vars(tmp_path / 'work'))
    run.assert_success()
    submit = run.task('aliyun.domain.dns_migration : Submit the nameserver change for the domains that need it')
    assert submit['changed'] is True and len(submit['domains_changed']) == 12
    assert emulator.stats()['submissions_per_domain'] == {}


@pytest.mark.parametrize('overrides, fragment', [
    ({'dns_migration_aliyun_dns': True}, 'exactly one of them'),
    ({'dns_migration_domains': ['good.example.com', 'bad_domain.com']}, "'bad_domain.com' label 'bad_domain' has characters other than"),
    ({'dns_migration_batch_size': 'many'}, 'dns_migration_batch_size'),
], ids=['both-targets', 'bad-domain', 'bad-type'])
def test_bad_input_stops_before_anything_is_sent(emulator, run_playbook, tmp_path, overrides, fragment):
    run = run_playbook(MIGRATE, emulator=emulator, extra_vars=migration_vars(tmp_path / 'work', **overrides))
    assert run.rc != 0
    assert fragment in run.stdout + run.stderr
    assert 'Traceback' not in run.stdout + run.stderr
    assert emulator.stats()['submissions_per_domain'] == {}


def test_wait_task_playbook_waits_journals_and_confirms(emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory('--domains', '5', '--task-seconds', '0.2', '--max-tries', '1', '--fail-domains', r'example-00002\.com')
    submitted = run_playbook("""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Submit
      aliyun.domain.nameservers:
        domains: [example-00001.com, example-00002.com]
        nameservers: [ns1.example.org, ns2.example.org]
      register: submitted
""", emulator=emulator)
    submitted.assert_success()
    task_no = submitted.task('Submit')['task_nos'][0]
    journal = tmp_path / 'results.jsonl'
    run = run_playbook(WAIT_TASK, emulator=emulator,
                       extra_vars={'task_no': task_no, 'journal': str(journal)})
    assert run.failed_tasks() == ['Fail for the domains that failed']
    assert 'example-00002.com' in run.task('Fail for the domains that failed')['msg']
    assert run.task('Confirm the results (read from the journal, so that a re-run loses nothing)')['acknowledged_count'] == 2
    assert len(journal.read_text().splitlines()) == 2
    assert emulator.stats()['details_acknowledged'] == 2


def test_wait_timeout_reports_pending_and_the_rerun_finishes(emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory('--domains', '10', '--task-seconds', '8')
    work = tmp_path / 'work'
    domains = DOMAINS[:3]
    first = run_playbook(MIGRATE, emulator=emulator, extra_vars=migration_vars(work, domains=domains, dns_migration_wait_timeout=1))
    # the wait fails (rescued), the run goes on to confirm and report, and fails at the very end
    assert first.rc != 0
    assert first.failed_tasks() == [
        'aliyun.domain.dns_migration : Wait until the registrar has finished every domain, journaling each result',
        'aliyun.domain.dns_migration : Fail for the domains that did not change']
    message = first.task('aliyun.domain.dns_migration : Fail for the domains that did not change')['msg']
    assert 'Still pending: example-00001.com, example-00002.com, example-00003.com.' in message
    assert 'Timed out' in message
    report, dummy = latest_report(work)
    assert report['summary']['pending'] == 3 and report['pending_domains'] == domains
    assert '"completed"' not in (work / 'journal.jsonl.submissions').read_text()

    second = run_playbook(MIGRATE, emulator=emulator, extra_vars=migration_vars(work, domains=domains))
    second.assert_success()
    report, dummy = latest_report(work)
    assert report['summary']['succeeded'] == 3 and report['summary']['acknowledged'] == 3
    assert emulator.stats()['submissions_per_domain'] == dict((domain, 1) for domain in domains)


def test_role_credentials_are_used_and_never_shown(emulator_factory, run_playbook, tmp_path):
    secret = 'Role-Only-Secret-7f3a9c'
    emulator = emulator_factory('--domains', '5', '--task-seconds', '0.2', '--access-key', 'roleid:%s' % secret)
    work = tmp_path / 'work'
    run = run_playbook(MIGRATE, emulator=emulator, verbosity=3,
                       env={'ALIBABA_CLOUD_ACCESS_KEY_ID': None, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET': None},
                       extra_vars=migration_vars(work, domains=DOMAINS[:2], dns_migration_connection={
                           'access_key_id': 'roleid', 'access_key_secret': secret}))
    run.assert_success()
    assert emulator.stats()['submissions_per_domain'] == dict((domain, 1) for domain in DOMAINS[:2])
    assert secret not in run.stdout + run.stderr
    assert secret not in json.dumps(run.events)
    for path in glob.glob(str(work / '**' / '*'), recursive=True):
        if os.path.isfile(path):
            with open(path) as handle:
                assert secret not in handle.read(), path


def test_without_acknowledging_results_stay_for_later(emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory('--domains', '5', '--task-seconds', '0.2')
    work = tmp_path / 'work'
    run = run_playbook(MIGRATE, emulator=emulator,
                       extra_vars=migration_vars(work, domains=DOMAINS[:3], dns_migration_acknowledge=False))
    run.assert_success()
    report, dummy = latest_report(work)
    assert report['summary']['succeeded'] == 3 and report['summary']['acknowledged'] == 0
    stats = emulator.stats(details=False)
    assert stats['details_acknowledged'] == 0 and stats['results_awaiting_acknowledgement'] == 3


def test_domains_already_on_alibaba_cloud_dns_need_nothing(emulator, run_playbook, tmp_path):
    work = tmp_path / 'work'
    run = run_playbook(MIGRATE, emulator=emulator, extra_vars=migration_vars(
        work, domains=DOMAINS[:3], dns_migration_nameservers=[], dns_migration_aliyun_dns=True))
    run.assert_success()
    report, dummy = latest_report(work)
    assert report['summary']['unchanged'] == 3 and report['task_nos'] == []
    assert report['nameservers'] == ['Alibaba Cloud DNS']
    assert emulator.stats(details=False)['submissions_per_domain'] == {}
