# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scenario 9, wait shapes in real time: two of issue 20's shapes against the emulator, ours against the idiom.

The fake-clock table (wait_shapes.py) says how the waiter spends calls over hours; this checks the same policy
end to end, with ansible-playbook, the module and the emulator's own clock. Each run submits a CHG_DNS task of
100 domains and waits for it with the playbooks of the wait-latency scenario (``wait: true`` with defaults, and
``until``/``retries``/``delay: 10``), both variants of a repetition on the same emulator seed:

- shape 1: details finishing uniformly in [T/2, T], T drawn in 5-20 s (``--task-seconds``);
- a compressed straggler: 99 details of 2-5 s and one slow domain of 55 s (``--slow-domains``).
"""

from __future__ import annotations

import random
import time

from bench.common import median, ratio, start_emulator
from bench.wait_latency import VARIANTS, _sdk_client, measure_wait, spread

DOMAINS = 100


def _shapes(settings):
    """(name, emulator settings for repetition i, longest detail in seconds) per shape."""
    low, high = settings['uniform_seconds']
    straggler = settings['straggler_seconds']
    quick, slow = settings['straggler_others']

    def uniform(index):
        whole = round(random.Random('wait realtime T %d' % index).uniform(low, high), 1)
        return {'task_seconds': spread(whole)}, whole

    def stragglers(_index):
        return {'task_seconds': [quick, slow], 'slow_domains': 'example-%05d.com=%g' % (DOMAINS, straggler)}, straggler

    return [('1 uniform [T/2, T], T %g-%g s' % (low, high), uniform),
            ('straggler: 99 details of %g-%g s, one of %g s' % (quick, slow, straggler), stragglers)]


def run(tree, settings, log):
    emulator = start_emulator('--domains', str(DOMAINS))
    domains = ['example-%05d.com' % number for number in range(1, DOMAINS + 1)]
    samples, rows = {}, []
    try:
        client = _sdk_client(emulator)
        for shape, configure in _shapes(settings):
            runs = []
            for repetition in range(settings['repetitions']):
                configuration, longest = configure(repetition)
                sample = {'settings': configuration}
                order = VARIANTS if repetition % 2 == 0 else tuple(reversed(VARIANTS))
                for variant in order:
                    started = time.time()
                    outcome = measure_wait(variant, tree, emulator, client, domains, configuration, longest,
                                           seed=repetition + 1, label='wait realtime')
                    sample[variant] = outcome
                    log('wait realtime %s, %-6s run %d: delay %.2f s, %d API calls %s (%.0f s)' % (
                        shape, variant, repetition + 1, outcome['delay'], outcome['api_calls'],
                        outcome['per_action'], time.time() - started))
                runs.append(sample)
            samples[shape] = runs
            rows.append(_row(shape, runs))
    finally:
        emulator.stop()
    return {'name': 'wait_realtime', 'settings': settings, 'samples': samples, 'rows': rows}


def _row(shape, runs):
    ours = median([sample['module']['delay'] for sample in runs])
    baseline = median([sample['until']['delay'] for sample in runs])
    ours_calls = sum(sample['module']['api_calls'] for sample in runs) / float(len(runs))
    baseline_calls = sum(sample['until']['api_calls'] for sample in runs) / float(len(runs))
    return {
        'scenario': 'wait realtime, %s (%d runs, emulator)' % (shape, len(runs)),
        'metric': 'median delay after last detail final (s)',
        'ours': ours, 'baseline': baseline, 'baseline_name': 'until/retries/delay: 10',
        'ratio': ratio(ours, baseline), 'api_calls_ours': ours_calls, 'api_calls_baseline': baseline_calls,
        'target': 'mean API calls per run <= baseline',
        'met': ours_calls <= baseline_calls,
    }
