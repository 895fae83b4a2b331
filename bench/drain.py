# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scenario 1, drain: N completed details waiting in PollTaskResult; collect them all and confirm them all.

Baseline: the official SDK loop (bench/sdk_drain.py). Ours: the modules through ansible-playbook, once with
default settings (playbooks/drain.yml) and once the way the docs recommend for large backlogs, with a journal
and the largest acknowledgement batch (playbooks/drain_journal.yml); and the module_utils client directly
(bench/client_drain.py), with the default and with the largest acknowledgement batch. Each repetition runs
every variant once, in a rotating order, against a freshly reset and re-seeded emulator.

The whole drain runs once per network round trip of the settings: on loopback (0 ms), where client and
emulator share two CPUs and every figure is bounded by CPU time, and with a round trip that the emulator
adds to every API call (--latency-ms), as the service's endpoint over a network does. The emulator's own
CPU time is recorded per run, so that a figure bounded by the emulator can be told apart.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import (
    BenchError, api_calls_between, counters, credential_env, median, process_cpu_seconds, ratio, run_playbook, run_script,
    seed_completed_results, start_emulator,
)

BASELINE = 'sdk'
VARIANTS = ('sdk', 'playbook', 'playbook_journal', 'client', 'client_batch')
LABELS = {
    'floor': 'ansible-playbook floor: 2 module tasks, 0 results',
    'playbook': 'playbook, default settings',
    'playbook_journal': 'playbook, journal + ack batch_size 1000',
    'client': 'module_utils client directly',
    'client_batch': 'module_utils client, ack batch_size 1000',
}
# The ack module's largest batch (plugins/module_utils/_ack.py MAX_BATCH_SIZE).
LARGEST_ACK_BATCH = 1000


def _run_variant(variant, tree, env):
    if variant == 'sdk':
        return run_script('sdk_drain.py', [], env=env)
    if variant == 'client':
        return run_script('client_drain.py', [str(tree.root)], env=env)
    if variant == 'client_batch':
        return run_script('client_drain.py', [str(tree.root), LARGEST_ACK_BATCH], env=env)
    if variant == 'playbook':
        run = run_playbook(tree, 'drain.yml', env=env).check('drain playbook')
        return run.wall, {}
    journal = Path(tempfile.mkdtemp(prefix='bench-drain-', dir=str(tree.scratch))) / 'results.jsonl'
    run = run_playbook(tree, 'drain_journal.yml', extra_vars={'journal': str(journal), 'ack_batch_size': LARGEST_ACK_BATCH},
                       env=env).check('drain playbook with journal')
    with open(journal, 'rb') as lines:
        return run.wall, {'journal_lines': sum(1 for line in lines if line.strip())}


def _measure(variant, tree, env, emulator, results, log, label):
    """One run of ``variant`` against a freshly reset and re-seeded emulator; its outcome is checked, not trusted."""
    emulator.reset()
    seed_completed_results(emulator, results)
    before = counters(emulator)
    emulator_cpu_before = process_cpu_seconds(emulator.process.pid)
    wall, outcome = _run_variant(variant, tree, env)
    emulator_cpu_after = process_cpu_seconds(emulator.process.pid)
    after = counters(emulator)
    if after['results_awaiting_acknowledgement'] != 0:
        raise BenchError('drain/%s left %r results unacknowledged' % (variant, after['results_awaiting_acknowledgement']))
    confirmed = after['details_acknowledged'] - before['details_acknowledged']
    if confirmed != results:
        raise BenchError('drain/%s confirmed %r of %d results' % (variant, confirmed, results))
    if outcome.get('journal_lines', results) != results:
        raise BenchError('drain/%s journal holds %r of %d results' % (variant, outcome['journal_lines'], results))
    calls, per_action = api_calls_between(before, after)
    emulator_cpu = None
    if emulator_cpu_before is not None and emulator_cpu_after is not None:
        emulator_cpu = emulator_cpu_after - emulator_cpu_before
    log('drain %-8s %-16s %.2f s, %d API calls %s, emulator CPU %s s' % (
        label, variant, wall, calls, per_action, '-' if emulator_cpu is None else '%.2f' % emulator_cpu))
    return wall, calls, per_action, emulator_cpu


def run(tree, repeats, results, log, round_trips_ms=(0,)):
    """The drain at each network round trip (the emulator's --latency-ms; 0 is loopback)."""
    samples = {}
    rows = []
    for round_trip_ms in round_trips_ms:
        label = '%d ms' % round_trip_ms
        per_variant = samples[label] = {
            variant: {'wall': [], 'api_calls': [], 'per_action': [], 'emulator_cpu': []} for variant in VARIANTS + ('floor',)}
        emulator = start_emulator('--domains', '10', '--latency-ms', round_trip_ms)
        try:
            env = credential_env(emulator)
            for repetition in range(repeats):
                order = VARIANTS[repetition % len(VARIANTS):] + VARIANTS[:repetition % len(VARIANTS)]
                for variant in order:
                    wall, calls, per_action, emulator_cpu = _measure(variant, tree, env, emulator, results, log, label)
                    per_variant[variant]['wall'].append(wall)
                    per_variant[variant]['api_calls'].append(calls)
                    per_variant[variant]['per_action'].append(per_action)
                    per_variant[variant]['emulator_cpu'].append(emulator_cpu)
                # The fixed cost of ansible-playbook and two module processes, for reading the playbook rows.
                floor = run_playbook(tree, 'floor.yml', extra_vars={'task_no': 'T-NONE'}, env=env).check('floor playbook')
                per_variant['floor']['wall'].append(floor.wall)
                log('drain %-8s floor            %.2f s' % (label, floor.wall))
        finally:
            emulator.stop()
        rows.extend(_rows(per_variant, results, round_trip_ms))
    return {'name': 'drain', 'results': results, 'repeats': repeats, 'round_trips_ms': list(round_trips_ms),
            'samples': samples, 'rows': rows}


def _rows(per_variant, results, round_trip_ms):
    where = 'loopback' if not round_trip_ms else '%d ms round trip' % round_trip_ms
    baseline_wall = median(per_variant[BASELINE]['wall'])
    baseline_calls = median(per_variant[BASELINE]['api_calls'])
    baseline_cpu = median(per_variant[BASELINE]['emulator_cpu'])
    rows = []
    for variant in VARIANTS[1:]:
        ours_wall = median(per_variant[variant]['wall'])
        ours_calls = median(per_variant[variant]['api_calls'])
        rows.append({
            'scenario': 'drain %d, %s: %s' % (results, where, LABELS[variant]),
            'metric': 'wall time (s)',
            'round_trip_ms': round_trip_ms,
            'ours': ours_wall,
            'baseline': baseline_wall,
            'baseline_name': 'official SDK loop',
            'ratio': ratio(ours_wall, baseline_wall),
            'api_calls_ours': ours_calls,
            'api_calls_baseline': baseline_calls,
            'emulator_cpu_s_ours': median(per_variant[variant]['emulator_cpu']),
            'emulator_cpu_s_baseline': baseline_cpu,
            'target': 'ratio <= 0.5 and API calls <= baseline',
            'met': ours_wall <= 0.5 * baseline_wall and ours_calls <= baseline_calls,
        })
    floor_wall = median(per_variant['floor']['wall'])
    rows.append({
        'scenario': 'drain, %s: %s' % (where, LABELS['floor']), 'metric': 'wall time (s)', 'round_trip_ms': round_trip_ms,
        'ours': floor_wall, 'baseline': baseline_wall, 'baseline_name': 'official SDK loop',
        'ratio': ratio(floor_wall, baseline_wall), 'api_calls_ours': None, 'api_calls_baseline': None,
        'target': None, 'met': None,
    })
    return rows
