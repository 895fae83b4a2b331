# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scenario 7, delegation pre-flight: the DNS pre-flight of many domains over loopback (issue 16).

The emulator serves the registry's parent zone and two target nameservers (``--dns-port``); the
collection's ``DelegationChecker`` checks every domain (SOA of each target, its NS RRset, the DS at
the parent) with its default concurrency. The baseline is the same checker one domain at a time, in
the same run, so the ratio shows what the bounded concurrency buys against the same servers.
"""

from __future__ import annotations

import sys
import time

from bench.common import median, ratio

TARGETS = ['ns1.bench-provider.test', 'ns2.bench-provider.test']
TARGET_SECONDS = 5.0   # "a few seconds" for 1,000 domains (issue 16)


def run(tree, domains, repeats, log):
    sys.path.insert(0, str(tree.root))
    # pylint: disable=import-outside-toplevel
    from emulator.process import EmulatorProcess
    from ansible_collections.aliyun.domain.plugins.module_utils import _delegation

    process = EmulatorProcess('--domains', str(domains), '--dns-port', '0',
                              *[argument for name in TARGETS for argument in ('--dns-nameserver', name)])
    process.start()
    try:
        addresses = process.dns()
        names = ['example-%05d.com' % number for number in range(1, domains + 1)]
        options = {'parent_servers': _delegation.validate_servers([addresses['parent']], 'parent_nameservers'),
                   'nameserver_addresses': _delegation.validate_nameserver_addresses(
                       dict((name, [addresses['nameservers'][name]]) for name in TARGETS), 'nameserver_addresses')}

        def measure(concurrency):
            checker = _delegation.DelegationChecker(concurrency=concurrency, **options)
            started = time.monotonic()
            results = checker.preflight(names, TARGETS)
            elapsed = time.monotonic() - started
            verdicts = sorted(set(result['verdict'] for result in results.values()))
            if verdicts != ['ok']:
                raise RuntimeError('pre-flight verdicts %s, expected every domain ok' % verdicts)
            return {'seconds': elapsed, 'queries': checker.transport.queries}

        samples = {'ours': [], 'baseline': []}
        for repeat in range(repeats):
            order = ('ours', 'baseline') if repeat % 2 == 0 else ('baseline', 'ours')
            for variant in order:
                sample = measure(_delegation.DEFAULT_CONCURRENCY if variant == 'ours' else 1)
                samples[variant].append(sample)
                log('delegation pre-flight of %d domains, %s: %.2f s, %d queries'
                    % (domains, variant, sample['seconds'], sample['queries']))
    finally:
        process.stop()
    ours = median([sample['seconds'] for sample in samples['ours']])
    baseline = median([sample['seconds'] for sample in samples['baseline']])
    limit = TARGET_SECONDS * domains / 1000.0
    row = {'scenario': 'delegation pre-flight, %d domains, loopback (emulator DNS)' % domains,
           'metric': 'wall time (s)', 'ours': ours, 'baseline': baseline,
           'baseline_name': 'the same checks one domain at a time', 'ratio': ratio(ours, baseline),
           'api_calls_ours': median([sample['queries'] for sample in samples['ours']]),
           'api_calls_baseline': median([sample['queries'] for sample in samples['baseline']]),
           'target': '<= %g s (DNS queries in the calls columns)' % limit, 'met': ours <= limit}
    return {'name': 'delegation', 'domains': domains, 'samples': samples, 'rows': [row]}
