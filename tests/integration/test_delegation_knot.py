# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""aliyun.domain.delegation_info through ansible-playbook against real DNS over loopback.

The target provider is Knot DNS (tests/integration/knot.py) serving zones this file generates, one
of them signed by Knot; the registry's parent zone is the emulator's DNS, which publishes the DS of
Knot's key for the signed zone and follows the registrar after a real CHG_DNS.
"""

from __future__ import absolute_import, division, print_function

import datetime

import pytest

from ansible_collections.aliyun.domain.tests.integration.knot import INSTALL_HINT, KnotServer, find_knotd, free_port

TARGETS = ['ns1.knot.test', 'ns2.knot.test']
SERVED = 'example-00001.com'       # plain zone on Knot
LAME = 'example-00002.com'         # Knot was never given the zone
SIGNED = 'example-00003.com'       # signed by Knot; the parent publishes the DS of Knot's KSK
OLD_KEYS = 'example-00004.com'     # DS at the parent from the old provider; Knot serves it unsigned
MOVED = 'example-00005.com'        # plain zone, moved by CHG_DNS in the post-flight tests
PARENT_TTL = 3600


@pytest.fixture(scope='module')
def knot(tmp_path_factory):
    if find_knotd() is None:
        pytest.fail(INSTALL_HINT)
    server = KnotServer(tmp_path_factory.mktemp('knot'), TARGETS,
                        {SERVED: {}, SIGNED: {'signed': True}, OLD_KEYS: {}, MOVED: {}})
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def registry(emulator_factory, knot):
    """The emulator (registrar and parent zone) with the DS records of the signed zones seeded."""
    process = emulator_factory('--domains', '6', '--task-seconds', '0.3', '--dns-port', '0')
    process.configure_dns(parent_ttl=PARENT_TTL, ds={SIGNED: knot.ds(SIGNED)},
                          domains={OLD_KEYS: {'signed': True}})
    return process


def _check_vars(registry, knot, domains, **more):
    variables = {'domains': domains, 'targets': TARGETS, 'parent': [registry.dns()['parent']],
                 'addresses': dict((name, [address]) for name, address in knot.addresses.items())}
    variables.update(more)
    return variables


PREFLIGHT = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Pre-flight
      aliyun.domain.delegation_info:
        domains: "{{ domains }}"
        nameservers: "{{ targets }}"
        parent_nameservers: "{{ parent }}"
        nameserver_addresses: "{{ addresses }}"
        skip_domains: "{{ skip | default([]) }}"
        query_timeout: 1
      register: preflight
"""


def test_preflight_catches_a_lame_target_and_a_dnssec_mismatch_in_check_mode(registry, knot, run_playbook):
    run = run_playbook(PREFLIGHT, check=True,
                       extra_vars=_check_vars(registry, knot, [SERVED, LAME, SIGNED, OLD_KEYS, MOVED], skip=[MOVED]))
    run.assert_success()
    result = run.task('Pre-flight')
    assert result['changed'] is False
    results = result['domains']
    assert results[SERVED]['verdict'] == 'ok', results[SERVED]
    assert [report['serial'] for report in results[SERVED]['nameservers']] == [2026010101, 2026010101]
    assert results[SERVED]['delegated_nameservers'] == ['dns1.hichina.com', 'dns2.hichina.com']
    assert result['cleared'] == [SERVED, SIGNED, MOVED] and sorted(result['reasons']) == [LAME, OLD_KEYS]

    lame = results[LAME]
    assert lame['verdict'] == 'blocked'
    assert len(lame['problems']) == 2 and all('lame delegation' in problem for problem in lame['problems'])

    signed = results[SIGNED]
    assert signed['verdict'] == 'ok', signed
    assert signed['signed'] is True and signed['dnssec']['matching_ds'] == signed['dnssec']['parent_ds'] != []

    old_keys = results[OLD_KEYS]
    assert old_keys['verdict'] == 'blocked'
    assert old_keys['signed'] is True and old_keys['dnssec']['matching_ds'] == []
    assert all('DNSKEY matching a DS' in problem for problem in old_keys['problems'])

    assert results[MOVED]['verdict'] == 'skipped'
    assert result['blocked'] == [LAME, OLD_KEYS]
    assert result['summary'] == {'total': 5, 'ok': 2, 'warning': 0, 'blocked': 2, 'skipped': 1}


MOVE_AND_VERIFY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Move the domains to Knot
      aliyun.domain.nameservers:
        domains: "{{ domains }}"
        nameservers: "{{ targets }}"
        wait: true
        wait_timeout: 120
        poll_interval: 0.5

    - name: Post-flight
      aliyun.domain.delegation_info:
        domains: "{{ domains }}"
        nameservers: "{{ targets }}"
        mode: delegation
        wait: true
        wait_timeout: "{{ delegation_timeout }}"
        parent_nameservers: "{{ parent }}"
        query_timeout: 1
      register: delegation
"""


def test_postflight_verifies_the_parent_after_a_real_change(registry, knot, run_playbook):
    # long enough that the first post-flight round still sees the old delegation
    registry.configure_dns(propagation_delay=12)
    run = run_playbook(MOVE_AND_VERIFY, emulator=registry,
                       extra_vars=_check_vars(registry, knot, [MOVED, SIGNED], delegation_timeout=120))
    run.assert_success()
    result = run.task('Post-flight')
    assert result['unverified'] == []
    assert result['summary'] == {'total': 2, 'verified': 2, 'unverified': 0, 'skipped': 0}
    moved = result['domains'][MOVED]
    assert moved['verdict'] == 'verified' and moved['problems'] == []
    assert moved['parent_ns_ttl'] == PARENT_TTL
    assert moved['old_nameservers'] == ['dns1.hichina.com', 'dns2.hichina.com']
    verified_at = datetime.datetime.strptime(moved['verified_at'], '%Y-%m-%dT%H:%M:%SZ')
    until = datetime.datetime.strptime(moved['old_nameservers_until'], '%Y-%m-%dT%H:%M:%SZ')
    assert until - verified_at == datetime.timedelta(seconds=PARENT_TTL)
    assert moved['checks'] >= 2   # the parent moved only after the propagation delay


def test_postflight_reports_a_parent_that_never_updates(registry, knot, run_playbook):
    registry.configure_dns(propagation_delay=10 ** 6)
    run = run_playbook(MOVE_AND_VERIFY, emulator=registry,
                       extra_vars=_check_vars(registry, knot, [MOVED], delegation_timeout=3))
    run.assert_success()
    result = run.task('Post-flight')
    assert result['unverified'] == [MOVED]
    moved = result['domains'][MOVED]
    assert moved['verdict'] == 'unverified' and moved['verified_at'] is None
    assert moved['current_nameservers'] == ['dns1.hichina.com', 'dns2.hichina.com']
    assert len(moved['problems']) == 1 and 'not the targets' in moved['problems'][0]
    assert moved['checks'] >= 2


BAD_AND_UNREACHABLE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: A resolver that is no address
      aliyun.domain.delegation_info:
        domains: [example-00001.com]
        nameservers: [ns1.knot.test]
        resolvers: [127.0.0.1, resolver.example]
      ignore_errors: true

    - name: A parent server nobody answers at
      aliyun.domain.delegation_info:
        domains: [example-00001.com, example-00003.com]
        nameservers: "{{ targets }}"
        nameserver_addresses: "{{ addresses }}"
        parent_nameservers: ["127.0.0.1:{{ closed_port }}"]
        query_timeout: 0.3
        query_retries: 0
      register: unreachable
"""


def test_bad_values_fail_naming_the_option_and_an_unreachable_parent_is_per_domain(knot, run_playbook):
    run = run_playbook(BAD_AND_UNREACHABLE, extra_vars={'targets': TARGETS, 'closed_port': free_port(),
                                                        'addresses': dict((n, [a]) for n, a in knot.addresses.items())})
    assert run.failed_tasks() == ['A resolver that is no address']
    bad = run.task('A resolver that is no address')
    assert "option resolvers" in bad['msg'] and "'resolver.example'" in bad['msg']
    assert 'Traceback' not in run.stdout + run.stderr
    unreachable = run.task('A parent server nobody answers at')
    assert unreachable['blocked'] == ['example-00001.com', 'example-00003.com']
    for record in unreachable['domains'].values():
        assert record['problems'] and 'DS records at the parent' in record['problems'][0]
        assert '127.0.0.1' in record['problems'][0]
