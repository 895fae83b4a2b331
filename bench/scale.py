# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scenario 3, scale: peak memory collecting N completed results.

Baseline: domain_task_result returning every result as facts (playbooks/scale_full.yml). Ours: the same
collection streamed into a ``journal`` with a ``query`` that keeps the returned facts small
(playbooks/scale_journal.yml). Measured per run: the module process's exact peak RSS (interpreter wrapper,
bench/rss_wrapper.py) and ansible-playbook's peak RSS (VmHWM polled from /proc), plus wall time.
Reading PollTaskResult changes nothing, so the emulator is seeded once.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from bench.common import (
    BenchError, api_calls_between, counters, credential_env, median, module_rss_interpreter, ratio, run_playbook,
    seed_completed_results, start_emulator,
)

VARIANTS = ('full', 'journal')
PLAYBOOKS = {'full': 'scale_full.yml', 'journal': 'scale_journal.yml'}


def _journal_lines(path):
    with open(path, 'rb') as journal:
        return sum(1 for line in journal if line.strip())


def _measure(variant, tree, emulator, results):
    work = Path(tempfile.mkdtemp(prefix='bench-scale-', dir=str(tree.scratch)))
    rss_log = work / 'module-rss.jsonl'
    journal = work / 'results.jsonl'
    extra_vars = {'ansible_python_interpreter': module_rss_interpreter(work, rss_log)}
    if variant == 'journal':
        extra_vars['journal'] = str(journal)
    before = counters(emulator)
    run = run_playbook(tree, PLAYBOOKS[variant], extra_vars=extra_vars, env=credential_env(emulator), measure_rss=True)
    run.check('scale/%s' % variant)
    after = counters(emulator)
    if variant == 'journal' and _journal_lines(journal) != results:
        raise BenchError('scale/journal: the journal holds %d lines, expected %d' % (_journal_lines(journal), results))
    module_rss = [json.loads(line)['max_rss_kib'] for line in rss_log.read_text().splitlines() if line.strip()]
    if not module_rss:
        raise BenchError('scale/%s: no module process was measured' % variant)
    calls, per_action = api_calls_between(before, after)
    return {
        'module_rss_mib': max(module_rss) / 1024.0,
        'playbook_rss_mib': run.peak_rss_kib / 1024.0,
        'worker_rss_mib': (run.worker_rss_kib or 0) / 1024.0,
        'wall': run.wall,
        'api_calls': calls,
        'per_action': per_action,
    }


def run(tree, repeats, results, log):
    emulator = start_emulator('--domains', '10')
    samples = {variant: [] for variant in VARIANTS}
    try:
        seed_completed_results(emulator, results)
        for repetition in range(repeats):
            order = VARIANTS if repetition % 2 == 0 else tuple(reversed(VARIANTS))
            for variant in order:
                outcome = _measure(variant, tree, emulator, results)
                samples[variant].append(outcome)
                log('scale %-7s run %d: module %.0f MiB, ansible-playbook %.0f MiB, worker %.0f MiB, %.1f s, %d API calls' % (
                    variant, repetition + 1, outcome['module_rss_mib'], outcome['playbook_rss_mib'],
                    outcome['worker_rss_mib'], outcome['wall'], outcome['api_calls']))
    finally:
        emulator.stop()

    def medians(variant, key):
        return median([outcome[key] for outcome in samples[variant]])

    rows = []
    for key, label in (('module_rss_mib', 'module process'), ('playbook_rss_mib', 'ansible-playbook'),
                       ('worker_rss_mib', 'ansible worker'), ('wall', 'wall time (s)')):
        ours, baseline = medians('journal', key), medians('full', key)
        rows.append({
            'scenario': 'scale %d: %s' % (results, label),
            'metric': 'peak RSS (MiB)' if key != 'wall' else 'wall time (s)',
            'ours': ours,
            'baseline': baseline,
            'baseline_name': 'full results as facts',
            'ratio': ratio(ours, baseline),
            'api_calls_ours': medians('journal', 'api_calls'),
            'api_calls_baseline': medians('full', 'api_calls'),
            'target': 'bounded memory with journal' if key != 'wall' else None,
            'met': None,
        })
    return {'name': 'scale', 'results': results, 'repeats': repeats, 'samples': samples, 'rows': rows}
