# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The way back (issue 17): aliyun.domain.rollback_dns through real ansible-playbook runs against the emulator.

50 domains with different nameservers before (seeded CHG_DNS results of "another tool", each set in its own
order) are migrated, then 10 chosen ones are rolled back and then the rest; the official SDK reads what the
registrar holds for every domain afterwards.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.aliyun.domain.tests.integration.official_sdk import official_sdk
from ansible_collections.aliyun.domain.tests.integration.role_runs import kill_playbook_when, latest_report
from ansible_collections.aliyun.domain.tests.integration.role_runs import role_vars as shared_role_vars

DOMAINS = ['example-%05d.com' % number for number in range(1, 51)]
NEW = ['ns1.new.example', 'ns2.new.example']
SETS = [['ns2.old-a.example', 'ns1.old-a.example'],
        ['ns3.old-b.example', 'ns1.old-b.example', 'ns2.old-b.example'],
        ['solo.old-c.example']]
# domains 46-50 keep the emulator's Alibaba Cloud DNS servers (dns1/dns2.hichina.com): they go back with AliyunDns=true
BEFORE = dict((domain, SETS[index % 3]) for index, domain in enumerate(DOMAINS[:45]))
ALIYUN_BEFORE = DOMAINS[45:]
CHOSEN = DOMAINS[0:4] + DOMAINS[20:23] + DOMAINS[44:47]
MIGRATE = '- import_playbook: aliyun.domain.migrate_dns\n'
ROLLBACK = '- import_playbook: aliyun.domain.rollback_dns\n'


def role_vars(work_dir, **extra):
    values = {'dns_migration_domains': DOMAINS}
    values.update(extra)
    return shared_role_vars(work_dir, values.pop('dns_migration_nameservers', NEW), batch_size=20, **values)


def seeded(emulator):
    for domain, nameservers in BEFORE.items():
        emulator.seed(1, domains=[domain], nameservers=nameservers, task_seconds=0)
    return emulator


def registrar_nameservers(emulator, domains):
    client, models = official_sdk(emulator)
    held = {}
    for domain in domains:
        body = client.query_domain_by_domain_name(models.QueryDomainByDomainNameRequest(domain_name=domain)).body
        held[domain] = list(body.dns_list.dns)
    return held


def submissions(emulator):
    return emulator.stats(details=False).get('submissions_per_domain') or {}


def rollback_report(work_dir):
    return latest_report(work_dir, prefix='dns-rollback')[0]


def assert_back(emulator, domains):
    held = registrar_nameservers(emulator, domains)
    for domain in domains:
        if domain in BEFORE:
            assert held[domain] == BEFORE[domain], domain
        else:
            assert held[domain] == ['ns1.alidns.com', 'ns2.alidns.com'], domain


def test_migrate_fifty_roll_back_ten_then_the_rest_then_refuse_a_third(emulator_factory, run_playbook, tmp_path):
    emulator = seeded(emulator_factory('--domains', '50', '--task-seconds', '0.2-0.4'))
    work = tmp_path / 'work'
    run_playbook(MIGRATE, emulator=emulator, extra_vars=role_vars(work)).assert_success()
    assert all(value == NEW for value in registrar_nameservers(emulator, DOMAINS).values())
    before_rollback = submissions(emulator)

    first = run_playbook(ROLLBACK, emulator=emulator, extra_vars=role_vars(work, dns_migration_rollback_domains=CHOSEN))
    first.assert_success()
    assert_back(emulator, CHOSEN)
    rest = [domain for domain in DOMAINS if domain not in CHOSEN]
    assert all(value == NEW for value in registrar_nameservers(emulator, rest).values())
    after_first = submissions(emulator)
    assert dict((domain, after_first[domain] - before_rollback.get(domain, 0)) for domain in CHOSEN) == dict.fromkeys(CHOSEN, 1)
    assert all(after_first.get(domain) == before_rollback.get(domain) for domain in rest)
    report = rollback_report(work)
    assert report['title'] == 'DNS rollback report' and report['summary']['succeeded'] == 10
    records = dict((record['domain'], record) for record in report['domains'])
    assert records[CHOSEN[0]]['nameservers_before'] == NEW
    assert records[CHOSEN[0]]['nameservers_after'] == BEFORE[CHOSEN[0]]

    second = run_playbook(ROLLBACK, emulator=emulator, extra_vars=role_vars(work))
    second.assert_success()
    assert_back(emulator, DOMAINS)
    after_second = submissions(emulator)
    assert dict((domain, after_second[domain] - before_rollback.get(domain, 0)) for domain in DOMAINS) == dict.fromkeys(DOMAINS, 1)
    assert rollback_report(work)['summary']['succeeded'] == 40

    third = run_playbook(ROLLBACK, emulator=emulator, extra_vars=role_vars(work))
    assert third.rc != 0
    message = third.task('aliyun.domain.dns_migration : Read the way back from the state file')['msg']
    assert 'a rollback is not rolled back: to move the domains again, run a new migration with aliyun.domain.migrate_dns' \
        in message
    assert submissions(emulator) == after_second


def test_check_mode_submits_nothing_and_diff_shows_the_way_back(emulator_factory, run_playbook, tmp_path):
    emulator = seeded(emulator_factory('--domains', '50', '--task-seconds', '0.2'))
    work = tmp_path / 'work'
    domains = DOMAINS[:3]
    run_playbook(MIGRATE, emulator=emulator, extra_vars=role_vars(work, dns_migration_domains=domains)).assert_success()
    before = submissions(emulator)
    run = run_playbook(ROLLBACK, emulator=emulator, check=True, diff=True, extra_vars=role_vars(work))
    run.assert_success()
    assert submissions(emulator) == before
    assert all(value == NEW for value in registrar_nameservers(emulator, domains).values())
    output = run.output()
    for domain in domains:
        assert domain in output
    assert 'ns1.old-b.example' in output and 'ns1.new.example' in output


def test_an_open_migration_is_not_rolled_back(emulator_factory, run_playbook, tmp_path):
    emulator = seeded(emulator_factory('--domains', '50', '--task-seconds', '8'))
    work = tmp_path / 'work'
    first = run_playbook(MIGRATE, emulator=emulator,
                         extra_vars=role_vars(work, dns_migration_domains=DOMAINS[:2], dns_migration_wait_timeout=1))
    assert first.rc != 0
    run = run_playbook(ROLLBACK, emulator=emulator, extra_vars=role_vars(work))
    assert run.rc != 0
    message = run.task('aliyun.domain.dns_migration : Read the way back from the state file')['msg']
    assert 'still open' in message
    assert ('finish it first (re-run aliyun.domain.migrate_dns until nothing is pending) or abort it (the same '
            'playbook with dns_migration_abort=true)') in message


def test_an_interrupted_rollback_finishes_on_the_rerun_without_submitting_twice(emulator_factory, run_playbook, tmp_path):
    emulator = seeded(emulator_factory('--domains', '50', '--task-seconds', '0.2'))
    work = tmp_path / 'work'
    domains = DOMAINS[:6]
    run_playbook(MIGRATE, emulator=emulator, extra_vars=role_vars(work, dns_migration_domains=domains)).assert_success()
    before = submissions(emulator)
    # the rollback's tasks outlast its wait: submitted, not finished, the run is not closed
    emulator.configure(task_seconds=6)
    first = run_playbook(ROLLBACK, emulator=emulator, extra_vars=role_vars(work, dns_migration_wait_timeout=1))
    assert first.rc != 0
    assert '"kind": "rollback"' in (work / 'journal.jsonl.submissions').read_text()
    second = run_playbook(ROLLBACK, emulator=emulator, extra_vars=role_vars(work))
    second.assert_success()
    assert_back(emulator, domains)
    after = submissions(emulator)
    assert dict((domain, after[domain] - before.get(domain, 0)) for domain in domains) == dict.fromkeys(domains, 1)
    # one task per former nameserver set (three sets among six domains)
    records = [json.loads(line) for line in (work / 'journal.jsonl.submissions').read_text().splitlines()]
    rollback_tasks = [record for record in records if record.get('event') == 'intent' and record.get('kind') == 'rollback']
    assert len(rollback_tasks) == 3


def test_a_rollback_killed_mid_submission_finishes_on_the_rerun_without_submitting_twice(
        emulator_factory, run_playbook, ansible_env, venv_tool, tmp_path):
    emulator = seeded(emulator_factory('--domains', '50', '--task-seconds', '0.2'))
    work = tmp_path / 'work'
    domains = DOMAINS[:6]
    run_playbook(MIGRATE, emulator=emulator, extra_vars=role_vars(work, dns_migration_domains=domains)).assert_success()
    before = submissions(emulator)
    state_file = work / 'journal.jsonl.submissions'
    migration_submissions = state_file.read_text().count('"submitted"')
    emulator.configure(task_seconds=3)

    def first_rollback_task_recorded():
        # three former sets, three rollback submissions: killed after the first, the others maybe under way
        return state_file.read_text().count('"submitted"') > migration_submissions

    kill_playbook_when('aliyun.domain.rollback_dns', role_vars(work), first_rollback_task_recorded, ansible_env, venv_tool,
                       emulator, tmp_path)
    records = [json.loads(line) for line in state_file.read_text().splitlines()]
    assert records[-1]['event'] != 'completed' and any(record.get('kind') == 'rollback' for record in records)

    rerun = run_playbook(ROLLBACK, emulator=emulator, extra_vars=role_vars(work))
    rerun.assert_success()
    assert_back(emulator, domains)
    after = submissions(emulator)
    assert dict((domain, after[domain] - before.get(domain, 0)) for domain in domains) == dict.fromkeys(domains, 1)
    report = rollback_report(work)
    assert report['summary']['succeeded'] == 6 and report['summary']['acknowledged'] == 6


def test_with_the_dns_checks_the_old_provider_is_checked_first_and_the_parent_zone_is_verified(emulator_factory, run_playbook,
                                                                                               tmp_path):
    old, new = ['ns1.old.test', 'ns2.old.test'], ['ns1.new.test', 'ns2.new.test']
    registry = emulator_factory('--domains', '8', '--task-seconds', '0.2-0.4', '--dns-port', '0',
                                *[argument for name in old + new for argument in ('--dns-nameserver', name)])
    domains = DOMAINS[:4]
    for domain in domains:
        registry.seed(1, domains=[domain], nameservers=old, task_seconds=0)
    addresses = registry.dns()
    checks = {
        'dns_migration_preflight': True, 'dns_migration_verify_delegation': True, 'dns_migration_delegation_timeout': 60,
        'dns_migration_parent_nameservers': [addresses['parent']],
        'dns_migration_nameserver_addresses': dict((name, [addresses['nameservers'][name]]) for name in old + new),
    }
    work = tmp_path / 'work'
    run_playbook(MIGRATE, emulator=registry,
                 extra_vars=role_vars(work, dns_migration_domains=domains, dns_migration_nameservers=new, **checks)).assert_success()
    run = run_playbook(ROLLBACK, emulator=registry, extra_vars=role_vars(work, **checks))
    run.assert_success()
    preflight = run.task('aliyun.domain.dns_migration : Check in DNS that the target nameservers serve every domain (pre-flight)')
    assert preflight['cleared'] == domains
    assert all(sorted(server['name'] for server in record['nameservers']) == old for record in preflight['domains'].values())
    assert registrar_nameservers(registry, domains) == dict.fromkeys(domains, old)
    report = rollback_report(work)
    assert report['summary']['succeeded'] == 4 and report['summary']['unverified'] == 0
    for record in report['domains']:
        assert record['delegation']['verified'] is True
        assert record['nameservers_after'] == old


def test_a_rollback_in_which_no_domain_can_go_back_fails_naming_them_and_submits_nothing(
        emulator_factory, run_playbook, tmp_path):
    emulator = seeded(emulator_factory('--domains', '50', '--task-seconds', '0.2'))
    work = tmp_path / 'work'
    domains = DOMAINS[:2]
    run_playbook(MIGRATE, emulator=emulator, extra_vars=role_vars(work, dns_migration_domains=domains)).assert_success()
    # a state file written before the nameservers before a change were recorded
    state_file = work / 'journal.jsonl.submissions'
    records = [json.loads(line) for line in state_file.read_text().splitlines()]
    for record in records:
        record.pop('before', None)
    state_file.write_text(''.join(json.dumps(record) + '\n' for record in records))
    before = submissions(emulator)

    run = run_playbook(ROLLBACK, emulator=emulator, extra_vars=role_vars(work))
    assert run.rc != 0
    message = run.task('aliyun.domain.dns_migration : Fail when no selected domain can go back')['msg']
    assert message.startswith('Nothing rolled back: none of the 2 selected domain(s) of the migration of ')
    for domain in domains:
        assert domain in message
    assert 'its nameservers before the migration are unknown' in message
    assert submissions(emulator) == before
    assert all(value == NEW for value in registrar_nameservers(emulator, domains).values())
