# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The delegation checks of module_utils/_delegation.py against the emulator's DNS, over loopback.

Real UDP/TCP queries: the emulator serves the registry's parent zone and two provider nameservers,
and the checks must tell a serving target from a lame one, a matching DNSSEC key from a missing one,
and a parent that still refers to the old nameservers from one that has moved.
"""

from __future__ import absolute_import, division, print_function

import pytest

from emulator.process import EmulatorProcess
from ansible_collections.aliyun.domain.plugins.module_utils._delegation import (
    DelegationChecker, validate_nameserver_addresses, validate_servers)

PROVIDER = ['ns1.provider.test', 'ns2.provider.test']


@pytest.fixture(scope='module')
def emulator():
    process = EmulatorProcess('--domains', '4', '--task-seconds', '0.2', '--dns-port', '0',
                              *[argument for name in PROVIDER for argument in ('--dns-nameserver', name)])
    process.start()
    try:
        yield process
    finally:
        process.stop()


def _checker(emulator, **options):
    addresses = emulator.dns()
    nameserver_addresses = validate_nameserver_addresses(
        dict((name, [addresses['nameservers'][name]]) for name in PROVIDER), 'nameserver_addresses')
    return DelegationChecker(parent_servers=validate_servers([addresses['parent']], 'parent_nameservers'),
                             nameserver_addresses=nameserver_addresses, query_timeout=2, **options)


def test_preflight_passes_targets_that_serve_the_zone(emulator):
    result = _checker(emulator).preflight(['example-00001.com'], PROVIDER)['example-00001.com']
    assert result['verdict'] == 'ok', result
    assert [report['authoritative'] for report in result['nameservers']] == [True, True]


def test_preflight_blocks_a_lame_target_and_warns_on_a_serial_mismatch(emulator):
    emulator.configure_dns(domains={'example-00002.com': {'lame': [PROVIDER[1]]},
                                    'example-00003.com': {'serial_mismatch': True}})
    results = _checker(emulator).preflight(['example-00002.com', 'example-00003.com'], PROVIDER)
    lame = results['example-00002.com']
    assert lame['verdict'] == 'blocked'
    assert any(PROVIDER[1] in reason for reason in lame['blocked']), lame['blocked']
    assert not any(PROVIDER[0] in reason for reason in lame['blocked']), lame['blocked']
    mismatch = results['example-00003.com']
    assert mismatch['verdict'] == 'warning', mismatch
    assert any('serial' in warning for warning in mismatch['warnings'])


def test_preflight_blocks_a_signed_domain_whose_targets_lack_the_key(emulator):
    emulator.configure_dns(domains={'example-00004.com': {'signed': True}})
    signed = _checker(emulator).preflight(['example-00004.com'], PROVIDER)['example-00004.com']
    assert signed['verdict'] == 'ok', signed
    assert signed['signed'] and signed['dnssec']['matching_ds']
    emulator.configure_dns(domains={'example-00004.com': {'missing_dnskey': True}})
    missing = _checker(emulator).preflight(['example-00004.com'], PROVIDER)['example-00004.com']
    assert missing['verdict'] == 'blocked'
    assert missing['dnssec']['parent_ds'] and not missing['dnssec']['matching_ds']


def test_delegation_is_unverified_while_the_parent_refers_elsewhere(emulator):
    """Nothing was submitted: the parent still refers to the registrar's current nameservers."""
    result = _checker(emulator).delegation(['example-00001.com'], PROVIDER, wait=True, timeout=2)['example-00001.com']
    assert result['verified'] is False
    assert result['problems']
    assert result['checks'] >= 2
