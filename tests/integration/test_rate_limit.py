# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns_migration role under a sustained request-rate limit (issue 15): the client paces itself.

The emulator admits 10 requests per second for the whole account (Throttling.User beyond that, as the
gateway does). The role moves 1,000 domains; the emulator's records then decide: at most one request in
ten was throttled, every domain was moved and reported, nothing was submitted twice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json

DOMAIN_COUNT = 1000
DOMAINS = ['example-%05d.com' % number for number in range(1, DOMAIN_COUNT + 1)]
TARGET = ['ns1.paced.example', 'ns2.paced.example']
RATE_LIMIT = 10


def test_a_migration_of_1000_domains_under_10_requests_per_second_is_throttled_at_most_one_request_in_ten(
        emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory('--domains', str(DOMAIN_COUNT), '--task-seconds', '1-3', '--rate-limit', str(RATE_LIMIT))
    work = tmp_path / 'work'
    run = run_playbook('- import_playbook: aliyun.domain.migrate_dns\n', emulator=emulator, timeout=1800, extra_vars={
        'dns_migration_domains': DOMAINS,
        'dns_migration_nameservers': TARGET,
        'dns_migration_work_dir': str(work),
        'dns_migration_wait_timeout': 900,
    })
    run.assert_success()

    stats = emulator.stats()
    throttled = stats['faults'].get('rate_limited', 0)
    assert throttled > 0, 'the limit was never reached: this test proves nothing'
    assert throttled <= 0.1 * stats['requests_total'], (throttled, stats['requests_total'], stats['requests_per_action'])

    # nothing lost, nothing submitted twice
    assert stats['submissions_per_domain'] == dict((domain, 1) for domain in DOMAINS)
    details = stats['task_details'].values()
    assert all(detail['status'] == 'EXECUTE_SUCCESS' and detail['acknowledged'] == 1 for detail in details)
    reports = glob.glob(str(work / 'reports' / 'dns-migration-*.json'))
    assert len(reports) == 1
    with open(reports[0], encoding='utf-8') as stream:
        report = json.load(stream)
    assert sorted(row['domain'] for row in report['domains']) == DOMAINS
    assert report['summary']['succeeded'] == DOMAIN_COUNT
