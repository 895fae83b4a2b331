# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scenario 6, rate limit (issue 15): a migration under a sustained account-wide limit of requests per second.

The dns_migration role (playbooks/migrate_paced.yml, default settings) moves N domains while the emulator
admits RPS requests per second (Throttling.User beyond that). Measured by the emulator: the share of
requests that were throttled (target: at most 10 %), and the rate the run achieved over its busy time
against the limit. Every run is checked: each domain submitted once, every result acknowledged once.
"""

from __future__ import annotations

import tempfile

from bench.common import BenchError, credential_env, median, run_playbook, start_emulator

NAMESERVERS = ['ns1.paced.example.net', 'ns2.paced.example.net']
TARGET_SHARE = 0.10


def _one_run(tree, domains, rate, log):
    emulator = start_emulator('--domains', str(domains), '--task-seconds', '1-3', '--rate-limit', str(rate))
    try:
        # the names the emulator seeds with --domains N
        names = ['example-%05d.com' % number for number in range(1, domains + 1)]
        work = tempfile.mkdtemp(prefix='bench-paced-', dir=str(tree.scratch))
        run = run_playbook(tree, 'migrate_paced.yml', env=credential_env(emulator), extra_vars={
            'dns_migration_domains': names, 'dns_migration_nameservers': NAMESERVERS, 'dns_migration_work_dir': work,
            'dns_migration_wait_timeout': 1800,
            # this scenario measures the API's pacing; the emulator serves no DNS here
            'dns_migration_preflight': False, 'dns_migration_verify_delegation': False})
        stats = emulator.stats()
    finally:
        emulator.stop()
    if run.returncode != 0:
        raise BenchError('the paced migration failed (rc %s)\n%s' % (run.returncode, run.stdout[-3000:]))
    if stats['submissions_per_domain'] != dict((name, 1) for name in names):
        raise BenchError('a domain was submitted twice or not at all')
    if any(detail['acknowledged'] != 1 for detail in stats['task_details'].values()):
        raise BenchError('a result was not acknowledged exactly once')
    requests = stats['requests_total']
    throttled = stats['faults'].get('rate_limited', 0)
    log('rate limit %s/s, %d domains: %d of %d requests throttled (%.1f %%), %.0f s' % (
        rate, domains, throttled, requests, 100.0 * throttled / requests, run.wall))
    return {'requests': requests, 'throttled': throttled, 'share': throttled / float(requests), 'wall': run.wall,
            'per_action': stats['requests_per_action']}


def run(tree, repeats, domains, rate, log):
    samples = [_one_run(tree, domains, rate, log) for _index in range(repeats)]
    share = median([sample['share'] for sample in samples])
    rows = [{
        'scenario': 'rate limit %s/s: migration of %d domains (role)' % (rate, domains),
        'metric': 'throttled share of all requests',
        'ours': share, 'baseline': None, 'baseline_name': None, 'ratio': None,
        'api_calls_ours': median([sample['requests'] for sample in samples]), 'api_calls_baseline': None,
        'target': '<= %d %%' % (TARGET_SHARE * 100), 'met': share <= TARGET_SHARE,
    }]
    return {'name': 'rate_limit', 'samples': samples, 'rows': rows}
