# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""aliyun.domain.delegation_info with per-domain targets (domain_nameservers), through ansible-playbook,
against the emulator's DNS: two groups of domains with different targets, provider A's nameservers and
Alibaba Cloud DNS (served by the emulator under those names), each domain checked against its own.

The emulator's provider nameservers serve every registered domain unless a domain is lame at one of them:
a domain lame at a server of the *other* group's targets must stay cleared, one lame at its own is blocked.
After the registrar moved the cleared domains (one nameservers task per target), the post-flight verifies
both groups at the parent in one check: one progress count over every domain, one wait deadline.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

PROVIDER = ['ns1.provider-a.test', 'ns2.provider-a.test']
ALIDNS = ['ns1.alidns.com', 'ns2.alidns.com']
EMULATOR_ARGS = ('--domains', '6', '--task-seconds', '0.2', '--dns-port', '0') + tuple(
    argument for name in PROVIDER + ALIDNS for argument in ('--dns-nameserver', name))
D1, D2, D3, D4, D5 = ['example-%05d.com' % number for number in range(1, 6)]
# input order interleaves the groups: the result keeps it
TARGETS = {D1: PROVIDER, D2: 'aliyun_dns', D3: PROVIDER, D4: 'aliyun_dns', D5: PROVIDER}
PARENT_TTL = 1800
PREFLIGHT = 'Check every domain against its own targets'
POSTFLIGHT = 'Verify both groups at the parent'

PLAYBOOK = """
- name: Per-domain targets
  hosts: localhost
  gather_facts: false
  tasks:
    - name: %s
      aliyun.domain.delegation_info:
        domain_nameservers: "{{ targets }}"
        parent_nameservers: ["{{ parent }}"]
        nameserver_addresses: "{{ addresses }}"
      register: preflight

    - name: Move the cleared domains of provider A
      aliyun.domain.nameservers:
        domains: "{{ preflight.cleared | select('in', provider_domains) | list }}"
        nameservers: "{{ provider }}"
        poll_interval: 0.2
        max_poll_interval: 1

    # as a list: the module counts the emulator's seeded dns1/dns2.hichina.com as Alibaba Cloud DNS already
    - name: Move the cleared domains of Alibaba Cloud DNS
      aliyun.domain.nameservers:
        domains: "{{ preflight.cleared | reject('in', provider_domains) | list }}"
        nameservers: "{{ alidns }}"
        poll_interval: 0.2
        max_poll_interval: 1

    - name: %s
      aliyun.domain.delegation_info:
        domain_nameservers: "{{ targets }}"
        skip_domains: ["%s"]
        mode: delegation
        wait: true
        wait_timeout: 8
        parent_nameservers: ["{{ parent }}"]
        old_nameservers: "{{ preflight.delegated_nameservers }}"
""" % (PREFLIGHT, POSTFLIGHT, D4)


def test_two_groups_are_checked_against_their_own_targets_in_one_check(emulator_factory, run_playbook):
    emulator = emulator_factory(*EMULATOR_ARGS)
    # D2 (Alibaba Cloud DNS) is lame at provider A's server: not one of its targets, so it does not matter;
    # D3 is lame at provider A (its own target) and D4 at Alibaba Cloud DNS (its own): both blocked
    emulator.configure_dns(parent_ttl=PARENT_TTL, domains={D2: {'lame': [PROVIDER[0]]}, D3: {'lame': [PROVIDER[1]]},
                                                           D4: {'lame': [ALIDNS[0]]}})
    addresses = emulator.dns()
    run = run_playbook(PLAYBOOK, emulator=emulator, extra_vars={
        'targets': TARGETS, 'provider': PROVIDER, 'alidns': ALIDNS, 'parent': addresses['parent'],
        'provider_domains': [domain for domain, target in TARGETS.items() if target == PROVIDER],
        'addresses': dict((name, [addresses['nameservers'][name]]) for name in PROVIDER + ALIDNS)})
    run.assert_success()

    preflight = run.task(PREFLIGHT)
    assert list(preflight['domains']) == list(TARGETS)
    assert preflight['blocked'] == [D3, D4] and preflight['cleared'] == [D1, D2, D5]
    assert any(PROVIDER[1] in reason for reason in preflight['reasons'][D3]), preflight['reasons']
    assert any(ALIDNS[0] in reason for reason in preflight['reasons'][D4]), preflight['reasons']
    assert not any(PROVIDER[0] in reason for reasons in preflight['reasons'].values() for reason in reasons)
    assert [report['name'] for report in preflight['domains'][D2]['nameservers']] == ALIDNS
    assert preflight['targets'] == dict((domain, ALIDNS if target == 'aliyun_dns' else PROVIDER)
                                        for domain, target in TARGETS.items())
    assert preflight['nameservers'] == []
    assert preflight['summary']['total'] == 5 and preflight['summary']['blocked'] == 2
    # one count over both groups: the last line is the end of all five
    assert run.progress_lines_by_task()[PREFLIGHT][-1].startswith('aliyun.domain: pre-flight: 5 of 5 domains checked (2 blocked),')

    delegation = run.task(POSTFLIGHT)
    records = delegation['domains']
    assert list(records) == list(TARGETS)
    assert [records[domain]['verdict'] for domain in TARGETS] == ['verified', 'verified', 'unverified', 'skipped',
                                                                  'verified']
    for domain in (D1, D2, D5):
        assert records[domain]['parent_ns_ttl'] == PARENT_TTL
        assert records[domain]['current_nameservers'] == delegation['targets'][domain]
        assert records[domain]['old_nameservers'] == ['dns1.hichina.com', 'dns2.hichina.com']
    # D3 was never moved: the parent still refers it to the registrar's old nameservers, after the one deadline
    assert records[D3]['current_nameservers'] == ['dns1.hichina.com', 'dns2.hichina.com']
    assert records[D3]['checks'] >= 2
    assert delegation['unverified'] == [D3] and delegation['cleared'] == [D1, D2, D4, D5]
    assert delegation['summary'] == {'total': 5, 'verified': 3, 'unverified': 1, 'skipped': 1}
    lines = run.progress_lines_by_task()[POSTFLIGHT]
    assert lines and all(' of 4' in line for line in lines), lines   # the four checked domains, never a group
    assert lines[-1].startswith('aliyun.domain: verified at the parent: 3 of 4 (1 unverified), 0 pending,'), lines
