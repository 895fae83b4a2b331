# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns_migration report's way back (issue 17): every record's nameservers before -> after, in the JSON
and in the HTML page, through aliyun.domain.migrate_dns against the emulator.

One domain starts on nameservers of its own, listed in an order that is not sorted, so that "before" must be
the registrar's list exactly; the others start on the emulator's seeded dns1/dns2.hichina.com.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import html
import json
import os

import yaml

from ansible_collections.aliyun.domain.plugins.modules import nameservers as nameservers_module

TARGET = ['ns1.example.org', 'ns2.example.org']
DOMAINS = ['example-%05d.com' % number for number in range(1, 5)]
OWN = ['ns9.before.test', 'ns1.before.test']   # not sorted: the registrar's order is kept
SEEDED = ['dns1.hichina.com', 'dns2.hichina.com']
MIGRATE = '- import_playbook: aliyun.domain.migrate_dns\n'
PRE_MOVE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Give one domain nameservers of its own
      aliyun.domain.nameservers:
        domains: [%s]
        nameservers: %s
        wait: true
        poll_interval: 0.2
""" % (DOMAINS[0], json.dumps(OWN))


def _report(work_dir):
    reports = sorted(glob.glob(os.path.join(str(work_dir), 'reports', 'dns-migration-*.json')))
    assert reports, 'no report written'
    with open(reports[-1]) as handle:
        return json.load(handle), reports[-1][:-len('.json')] + '.html'


def test_the_report_shows_each_domains_nameservers_before_and_after(emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory('--domains', str(len(DOMAINS)), '--task-seconds', '0.2')
    run_playbook(PRE_MOVE, emulator=emulator).assert_success()
    work = tmp_path / 'work'
    run_playbook(MIGRATE, emulator=emulator, extra_vars={
        'dns_migration_domains': DOMAINS, 'dns_migration_nameservers': TARGET, 'dns_migration_work_dir': str(work),
        'dns_migration_wait_timeout': 120, 'dns_migration_poll_interval': 0.2,
        'dns_migration_max_poll_interval': 1}).assert_success()

    report, page = _report(work)
    rows = dict((record['domain'], record) for record in report['domains'])
    assert sorted(rows) == DOMAINS and report['summary']['succeeded'] == len(DOMAINS)
    assert all(rows[domain]['nameservers_after'] == TARGET for domain in DOMAINS)
    # before comes from the nameservers module's nameservers_before (or its state file's intents): once the
    # module returns it, the report must show the registrar's lists exactly; before that it says unknown
    documented = 'nameservers_before' in yaml.safe_load(nameservers_module.RETURN)
    expected = dict((domain, (OWN if domain == DOMAINS[0] else SEEDED) if documented else None) for domain in DOMAINS)
    assert dict((domain, rows[domain]['nameservers_before']) for domain in DOMAINS) == expected

    with open(page) as handle:
        text = handle.read()
    assert 'Nameservers before &rarr; after' in text
    for domain in DOMAINS:
        row = text[text.index('<td class="nowrap">%s</td>' % domain):]
        row = row[:row.index('</tr>')]
        before = html.escape(', '.join(expected[domain])) if expected[domain] else 'unknown'
        assert '<code>%s</code> &rarr; <code>%s</code>' % (before, ', '.join(TARGET)) in row, row
