# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress lines of aliyun.domain.delegation_info (its action plugin), through ansible-playbook, against
the emulator's DNS: the registry's parent zone refers each domain to the new nameservers once its CHG_DNS
detail succeeded, and the details finish in two waves (6 s and 14 s after the submission), so the
post-flight's counts change while it waits (rounds after 0, 1, 3, 7, 15 s).

Without progress means a host on the test connection ``elsewhere`` (see test_progress_lines.py): both
hosts wait for the same domains at the same time and must find the same; every DNS query the emulator
answered is one the modules counted and returned.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import re

PROVIDER = ['ns1.provider.test', 'ns2.provider.test']
DOMAINS = ['example-%05d.com' % number for number in range(1, 13)]
# example-00001..00009 take 6 s, example-00010..00012 14 s
EMULATOR_ARGS = ('--domains', str(len(DOMAINS)), '--task-seconds', '6', '--slow-domains', 'example-0001?.com=14',
                 '--dns-port', '0') + tuple(argument for name in PROVIDER for argument in ('--dns-nameserver', name))
PARENT_TTL = 3600
CONNECTION_PLUGINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'connection_plugins')
DELEGATION_LINE = re.compile(r'^aliyun\.domain: verified at the parent: (\d+) of (\d+)(?: \((\d+) unverified\))?, '
                             r'(\d+) pending, \d+ (?:s|min) elapsed(?:, next check in \d+ (?:s|min))?$')
PREFLIGHT_LINE = re.compile(r'^aliyun\.domain: pre-flight: (\d+) of (\d+) domains checked(?: \((\d+) blocked\))?, '
                            r'\d+ (?:s|min) elapsed$')
WAIT_TASK = 'Wait until the parent zone refers every domain to the new nameservers'

PLAYBOOK = """
- name: Check and change the nameservers
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Add a host whose modules the action plugins treat as remote
      ansible.builtin.add_host:
        name: elsewhere
        ansible_connection: elsewhere
        ansible_python_interpreter: "{{ ansible_playbook_python }}"

    - name: Check that the new nameservers serve every domain
      aliyun.domain.delegation_info:
        domains: "{{ domains }}"
        nameservers: "{{ provider }}"
        parent_nameservers: ["{{ parent }}"]
        nameserver_addresses: "{{ addresses }}"
      register: preflight

    - name: Change the nameservers
      aliyun.domain.nameservers:
        domains: "{{ domains }}"
        nameservers: "{{ provider }}"

- name: Verify at the parent with and without progress lines
  hosts: localhost:elsewhere
  gather_facts: false
  tasks:
    - name: %s
      aliyun.domain.delegation_info:
        domains: "{{ domains }}"
        nameservers: "{{ provider }}"
        mode: delegation
        wait: true
        wait_timeout: 120
        parent_nameservers: ["{{ parent }}"]
""" % WAIT_TASK


def _stamp(text):
    return datetime.datetime.strptime(text, '%Y-%m-%dT%H:%M:%SZ')


def _found(result):
    """What the post-flight found, without when it found it (the hosts' rounds are milliseconds apart)."""
    records = {}
    for domain, record in result['domains'].items():
        records[domain] = dict((name, value) for name, value in record.items()
                               if name not in ('verified_at', 'old_nameservers_until', 'checks'))
    return records, result['summary'], result['cleared'], result['unverified'], result['reasons']


def test_delegation_wait_shows_progress_lines_and_finds_the_same(emulator_factory, run_playbook):
    emulator = emulator_factory(*EMULATOR_ARGS)
    emulator.configure_dns(parent_ttl=PARENT_TTL)
    addresses = emulator.dns()

    run = run_playbook(PLAYBOOK, emulator=emulator, env={'ANSIBLE_CONNECTION_PLUGINS': CONNECTION_PLUGINS},
                       extra_vars={'domains': DOMAINS, 'provider': PROVIDER, 'parent': addresses['parent'],
                                   'addresses': dict((name, [addresses['nameservers'][name]]) for name in PROVIDER)})

    run.assert_success()
    sections = run.progress_lines_by_task()
    # the pre-flight: the first checked domain and the end, nothing blocked
    checked = [PREFLIGHT_LINE.match(line) for line in sections['Check that the new nameservers serve every domain']]
    assert checked and all(checked), sections
    assert checked[-1].group(1, 2, 3) == ('12', '12', None)
    assert run.host_result('Check that the new nameservers serve every domain', 'localhost')['cleared'] == DOMAINS

    # the post-flight: several lines from the local host only, counts never going back, the end last
    lines = sections[WAIT_TASK]
    matches = [DELEGATION_LINE.match(line) for line in lines]
    assert all(matches), lines
    assert len(lines) >= 3, lines
    verified = [int(match.group(1)) for match in matches]
    assert verified == sorted(verified) and verified[0] < len(DOMAINS), lines
    # the whole first wave (the domains check in step: no line shows part of a round), before the second
    assert 9 in verified, lines
    assert {int(match.group(2)) for match in matches} == {len(DOMAINS)}
    assert lines[-1].startswith('aliyun.domain: verified at the parent: 12 of 12, 0 pending, '), lines
    assert all('next check in' in line for line in lines[:-1]) and 'next check in' not in lines[-1], lines
    assert len([line for line in lines if ', 0 pending' in line]) == 1, lines

    with_lines = run.host_result(WAIT_TASK, 'localhost')
    without_lines = run.host_result(WAIT_TASK, 'elsewhere')
    assert with_lines['summary'] == {'total': 12, 'verified': 12, 'unverified': 0, 'skipped': 0}
    assert _found(with_lines) == _found(without_lines)
    for result in (with_lines, without_lines):
        for record in result['domains'].values():
            assert record['parent_ns_ttl'] == PARENT_TTL
            assert _stamp(record['old_nameservers_until']) - _stamp(record['verified_at']) == \
                datetime.timedelta(seconds=PARENT_TTL)
    # The lines cost no query: every query the emulator's DNS answered is one the modules counted.
    counted = sum(event['result'].get('queries', 0) for event in run.events
                  if event.get('action') == 'aliyun.domain.delegation_info')
    assert emulator.dns()['queries'] == counted
    assert 'Traceback' not in run.stdout + run.stderr
