# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scenario 2, wait latency: how long after the last detail of a CHG_DNS task becomes final does the playbook move on?

A task of 100 domains is submitted (not measured; its details finish uniformly between T/2 and T, drawn anew for
each repetition and the same for both variants of one), then a
playbook waits for it: ours with ``wait: true`` and
default settings (playbooks/wait_module.yml), the baseline with the common ``until/retries/delay: 10`` idiom
around a non-waiting poll (playbooks/wait_until.yml). The delay is the start of the task after the wait
(recorded by the bench_timing callback) minus the time the emulator recorded for the last detail becoming
final; the API calls are everything the playbook sent.

The task time T is drawn for each repetition, stratified over the range (repetition i of n falls in the i-th
n-th of it), because the idiom's delay depends on where the end falls on its fixed beat: a task time that is a
multiple of ``delay`` puts one of its polls just after the end, and so does nothing about a real task's length.
"""

from __future__ import annotations

import bisect
import math
import random
import time
from urllib.parse import urlsplit

from bench.common import (
    ACCESS_KEY_ID, ACCESS_KEY_SECRET, BenchError, api_calls_between, counters, credential_env, median, ratio, run_playbook,
    start_emulator,
)

WAIT_TASK = 'Wait until every detail is final'
NEXT_TASK = 'Moved on'
VARIANTS = ('until', 'module')
PLAYBOOKS = {'until': 'wait_until.yml', 'module': 'wait_module.yml'}
NAMESERVERS = ['ns1.bench.example.net', 'ns2.bench.example.net']


def _sdk_client(emulator):
    # Imported here: only this scenario submits tasks, and the SDK import is slow.
    from alibabacloud_domain20180129.client import Client  # pylint: disable=import-outside-toplevel
    from alibabacloud_tea_openapi import models as open_api_models  # pylint: disable=import-outside-toplevel
    endpoint = urlsplit(emulator.url)
    return Client(open_api_models.Config(access_key_id=ACCESS_KEY_ID, access_key_secret=ACCESS_KEY_SECRET,
                                         endpoint=endpoint.netloc, protocol=endpoint.scheme))


def spread(task_seconds):
    """Details finish uniformly between half the task time and the task time, like a batch worked off in parallel.

    The last detail becomes final at (nearly) ``task_seconds``; the spread is what lets a waiter observe
    how fast details finish.
    """
    return [task_seconds / 2.0, float(task_seconds)]


def submit_chg_dns(client, domains):
    from alibabacloud_domain20180129 import models  # pylint: disable=import-outside-toplevel
    request = models.SaveBatchTaskForModifyingDomainDnsRequest(
        domain_name=list(domains), aliyun_dns=False, domain_name_server=NAMESERVERS)
    return client.save_batch_task_for_modifying_domain_dns(request).body.task_no


def last_final_time(emulator, task_no, expected):
    """Epoch seconds at which the last detail of task_no became final, as recorded by the emulator."""
    finals = emulator.detail_final_times(task_no)
    if len(finals) != expected or any(value is None for value in finals):
        raise BenchError('task %s: %d of %d details have a final time' % (task_no, len([v for v in finals if v]), expected))
    return max(finals)


def measure_wait(variant, tree, emulator, client, domains, configuration, longest, seed, label='wait'):
    """One wait of ``variant`` for a fresh CHG_DNS task under the emulator ``configuration``: its delay and calls.

    The same seed for both variants of a repetition: they wait for the same schedule of completions; each
    repetition draws another. Reset also restores the start-up options, so the configuration is set afterwards.
    ``longest`` (seconds, the slowest detail) sizes the idiom's retries.
    """
    emulator.reset(seed=seed)
    emulator.configure(**configuration)
    task_no = submit_chg_dns(client, domains)
    before = counters(emulator)
    extra_vars = {'task_no': task_no}
    if variant == 'until':
        extra_vars.update({'expected_details': len(domains), 'retries': int(math.ceil(longest / 10.0)) + 3})
    run = run_playbook(tree, PLAYBOOKS[variant], extra_vars=extra_vars, env=credential_env(emulator))
    run.check('%s/%s (task %s)' % (label, variant, task_no))
    after = counters(emulator)
    moved_on = run.task_event(NEXT_TASK, 'start')['time']
    final = last_final_time(emulator, task_no, len(domains))
    calls, per_action = api_calls_between(before, after)
    return {'delay': moved_on - final, 'api_calls': calls, 'per_action': per_action, 'wall': run.wall}


def task_times(low, high, repetitions):
    """One task time per repetition, stratified over [low, high] and reproducible: the i-th falls in the i-th slice."""
    width = (high - low) / float(repetitions)
    return [round(low + width * (index + random.Random('wait-latency task time %d' % index).random()), 1)
            for index in range(repetitions)]


def run(tree, task_seconds, repetitions, bands, domains_per_task, log):
    """task_seconds: (shortest, longest) task time; bands: edges of the task-time rows of the table."""
    emulator = start_emulator('--domains', str(domains_per_task))
    samples = []
    try:
        client = _sdk_client(emulator)
        domains = ['example-%05d.com' % number for number in range(1, domains_per_task + 1)]
        for repetition, seconds in enumerate(task_times(task_seconds[0], task_seconds[1], repetitions)):
            sample = {'task_seconds': seconds, 'seed': repetition + 1}
            order = VARIANTS if repetition % 2 == 0 else tuple(reversed(VARIANTS))
            for variant in order:
                started = time.time()
                outcome = measure_wait(variant, tree, emulator, client, domains, {'task_seconds': spread(seconds)}, seconds,
                                       seed=sample['seed'])
                sample[variant] = outcome
                log('wait %ss %-6s run %d: delay %.2f s, %d API calls %s (%.0f s)' % (
                    seconds, variant, repetition + 1, outcome['delay'], outcome['api_calls'],
                    outcome['per_action'], time.time() - started))
            samples.append(sample)
    finally:
        emulator.stop()

    rows = []
    if len(bands) > 2:
        by_band = {}
        for sample in samples:
            # The last band includes its upper edge.
            band = min(bisect.bisect_right(bands, sample['task_seconds']), len(bands) - 1)
            by_band.setdefault(band, []).append(sample)
        for band, in_band in sorted(by_band.items()):
            rows.append(_row('wait latency, tasks of %g-%g s (%d runs)' % (bands[band - 1], bands[band], len(in_band)),
                             in_band))
    rows.append(_row('wait latency, all task times %g-%g s (%d runs)' % (task_seconds[0], task_seconds[1], len(samples)),
                     samples))
    return {'name': 'wait_latency', 'domains_per_task': domains_per_task, 'task_seconds': list(task_seconds),
            'bands': list(bands), 'samples': samples, 'rows': rows}


def _row(scenario, samples):
    """Median delays of each variant over ``samples``, and the API calls each spent per run on average.

    Calls are compared by their mean (the total spent over the runs, per run): they are a budget, and a
    median of a few small whole numbers moves by one call with a single run.
    """
    ours_delay = median([sample['module']['delay'] for sample in samples])
    baseline_delay = median([sample['until']['delay'] for sample in samples])
    ours_calls, baseline_calls = _mean_calls(samples, 'module'), _mean_calls(samples, 'until')
    return {
        'scenario': scenario,
        'metric': 'median delay after last detail final (s)',
        'ours': ours_delay,
        'baseline': baseline_delay,
        'baseline_name': 'until/retries/delay: 10',
        'ratio': ratio(ours_delay, baseline_delay),
        'api_calls_ours': ours_calls,
        'api_calls_baseline': baseline_calls,
        'api_calls_median_ours': median([sample['module']['api_calls'] for sample in samples]),
        'api_calls_median_baseline': median([sample['until']['api_calls'] for sample in samples]),
        'target': 'ratio <= 0.25 and mean API calls per run <= baseline',
        'met': ours_delay is not None and baseline_delay is not None and ours_delay <= 0.25 * baseline_delay
        and ours_calls <= baseline_calls,
    }


def _mean_calls(samples, variant):
    return sum(sample[variant]['api_calls'] for sample in samples) / float(len(samples))
