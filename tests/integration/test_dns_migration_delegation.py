# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns_migration role's DNS pre-flight and post-flight, through migrate_dns, over loopback DNS.

The emulator is the registrar, the registry's parent zone and the target provider's two
nameservers (--dns-port, --dns-nameserver): a lame target and a signed domain whose targets lack
its key must be blocked and never submitted; every moved domain must be verified at the parent, or
the run fails at the end after acknowledging and reporting everything else.
"""

from __future__ import absolute_import, division, print_function

import datetime

from ansible_collections.aliyun.domain.tests.integration.role_runs import latest_report, role_vars

PROVIDER = ['ns1.provider.test', 'ns2.provider.test']
DOMAINS = ['example-%05d.com' % number for number in range(1, 6)]
LAME, NO_KEY = 'example-00002.com', 'example-00003.com'
MOVED = [domain for domain in DOMAINS if domain not in (LAME, NO_KEY)]
MIGRATE = '- import_playbook: aliyun.domain.migrate_dns\n'
PARENT_TTL = 7200


def _registry(emulator_factory, **dns):
    process = emulator_factory('--domains', '8', '--task-seconds', '0.2-0.5', '--dns-port', '0',
                               *[argument for name in PROVIDER for argument in ('--dns-nameserver', name)])
    process.configure_dns(parent_ttl=PARENT_TTL, domains={LAME: {'lame': [PROVIDER[1]]},
                                                          NO_KEY: {'signed': True, 'missing_dnskey': True}}, **dns)
    return process


def _vars(registry, work_dir, **extra):
    addresses = registry.dns()
    values = {
        'dns_migration_preflight': True, 'dns_migration_verify_delegation': True, 'dns_migration_delegation_timeout': 60,
        'dns_migration_parent_nameservers': [addresses['parent']],
        'dns_migration_nameserver_addresses': dict((name, [addresses['nameservers'][name]]) for name in PROVIDER),
        'dns_migration_domains': DOMAINS,
    }
    values.update(extra)
    return role_vars(work_dir, PROVIDER, batch_size=2, **values)


def _report(work_dir):
    return latest_report(work_dir)[0]


def _submitted(registry):
    return sorted(registry.stats(details=False).get('submissions_per_domain') or {})


def test_blocked_domains_are_not_submitted_and_moved_ones_are_verified(emulator_factory, run_playbook, tmp_path):
    registry = _registry(emulator_factory)
    run = run_playbook(MIGRATE, emulator=registry, extra_vars=_vars(registry, tmp_path / 'work'))
    # the blocked domains fail the run at the end, after the others were moved, confirmed and verified
    assert run.rc == 2, run.output()
    assert run.failed_tasks()[-1].endswith('Fail for the domains that did not change')
    assert _submitted(registry) == MOVED

    report = _report(tmp_path / 'work')
    summary = report['summary']
    assert (summary['succeeded'], summary['blocked'], summary['unverified'], summary['acknowledged']) == (3, 2, 0, 3)
    assert report['blocked_domains'] == [LAME, NO_KEY] and report['unverified_domains'] == []
    records = dict((record['domain'], record) for record in report['domains'])
    assert records[LAME]['status'] == 'blocked' and PROVIDER[1] in records[LAME]['error_msg']
    assert records[LAME]['preflight']['verdict'] == 'blocked'
    assert 'DNSKEY matching a DS' in records[NO_KEY]['error_msg']
    for domain in MOVED:
        record = records[domain]
        assert record['status'] == 'succeeded'
        assert record['preflight']['verdict'] == 'ok'
        assert record['delegation']['verified'] is True and record['delegation']['parent_ns_ttl'] == PARENT_TTL
        assert record['delegation']['old_nameservers'] == ['dns1.hichina.com', 'dns2.hichina.com']
        verified_at = datetime.datetime.strptime(record['delegation']['verified_at'], '%Y-%m-%dT%H:%M:%SZ')
        until = datetime.datetime.strptime(record['delegation']['old_nameservers_until'], '%Y-%m-%dT%H:%M:%SZ')
        assert until - verified_at == datetime.timedelta(seconds=PARENT_TTL)
    assert 'not verified' not in report['problems']
    assert LAME in report['problems'] and NO_KEY in report['problems']


def test_check_mode_runs_the_preflight_and_submits_nothing(emulator_factory, run_playbook, tmp_path):
    registry = _registry(emulator_factory)
    run = run_playbook(MIGRATE, emulator=registry, check=True, extra_vars=_vars(registry, tmp_path / 'work'))
    run.assert_success()
    assert _submitted(registry) == []
    preflight = run.task('aliyun.domain.dns_migration : Check in DNS that the target nameservers serve every domain (pre-flight)')
    assert preflight['blocked'] == [LAME, NO_KEY]


def test_a_parent_that_never_updates_fails_the_run_after_acknowledging(emulator_factory, run_playbook, tmp_path):
    registry = _registry(emulator_factory, propagation_delay=10 ** 6)
    run = run_playbook(MIGRATE, emulator=registry,
                       extra_vars=_vars(registry, tmp_path / 'work', dns_migration_domains=MOVED,
                                        dns_migration_delegation_timeout=2))
    assert run.rc == 2, run.output()
    report = _report(tmp_path / 'work')
    assert report['summary']['succeeded'] == 3 and report['summary']['acknowledged'] == 3
    assert report['summary']['unverified'] == 3 and report['unverified_domains'] == MOVED
    failure = run.task('aliyun.domain.dns_migration : Fail for the domains that did not change')
    assert 'not verified at the parent zone' in failure['msg']
    assert all(domain in failure['msg'] for domain in MOVED)
