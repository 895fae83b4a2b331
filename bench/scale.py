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
# "Bounded memory": with a journal, ten times the results may cost at most this factor in module RSS.
BOUNDED_GROWTH = 1.25
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
    """Journal runs at a tenth of the results first (to see whether memory grows), then both variants at all."""
    emulator = start_emulator('--domains', '10')
    samples = {variant: [] for variant in VARIANTS}
    tenth = max(1, results // 10)
    try:
        seed_completed_results(emulator, tenth)
        samples['journal_tenth'] = []
        for repetition in range(repeats):
            outcome = _measure('journal', tree, emulator, tenth)
            samples['journal_tenth'].append(outcome)
            _log_outcome(log, 'journal', tenth, repetition, outcome)
        emulator.seed(results - tenth)
        for repetition in range(repeats):
            order = VARIANTS if repetition % 2 == 0 else tuple(reversed(VARIANTS))
            for variant in order:
                outcome = _measure(variant, tree, emulator, results)
                samples[variant].append(outcome)
                _log_outcome(log, variant, results, repetition, outcome)
    finally:
        emulator.stop()

    def medians(variant, key):
        return median([outcome[key] for outcome in samples[variant]])

    rows = []
    for key, label in (('module_rss_mib', 'module process'), ('playbook_rss_mib', 'ansible-playbook'),
                       ('worker_rss_mib', 'ansible worker'), ('wall', 'wall time')):
        ours, baseline = medians('journal', key), medians('full', key)
        rows.append(_row('scale %d: %s, journal vs full results' % (results, label),
                         'wall time (s)' if key == 'wall' else 'peak RSS (MiB)', ours, baseline, 'full results as facts',
                         medians('journal', 'api_calls'), medians('full', 'api_calls'), None))
    # Bounded: ten times the results may not cost the journal run noticeably more memory.
    at_all, at_tenth = medians('journal', 'module_rss_mib'), medians('journal_tenth', 'module_rss_mib')
    rows.append(_row('scale: module process with journal, %d vs %d results' % (results, tenth), 'peak RSS (MiB)',
                     at_all, at_tenth, 'same at a tenth of the results', medians('journal', 'api_calls'),
                     medians('journal_tenth', 'api_calls'), at_all <= at_tenth * BOUNDED_GROWTH,
                     'bounded: <= %.2f x the RSS at a tenth of the results' % BOUNDED_GROWTH))
    return {'name': 'scale', 'results': results, 'repeats': repeats, 'samples': samples, 'rows': rows}


def _log_outcome(log, variant, results, repetition, outcome):
    log('scale %-7s %6d results, run %d: module %.0f MiB, ansible-playbook %.0f MiB, worker %.0f MiB, %.1f s, %d API calls' % (
        variant, results, repetition + 1, outcome['module_rss_mib'], outcome['playbook_rss_mib'], outcome['worker_rss_mib'],
        outcome['wall'], outcome['api_calls']))


def _row(scenario, metric, ours, baseline, baseline_name, calls_ours, calls_baseline, met, target=None):
    return {
        'scenario': scenario, 'metric': metric, 'ours': ours, 'baseline': baseline, 'baseline_name': baseline_name,
        'ratio': ratio(ours, baseline), 'api_calls_ours': calls_ours, 'api_calls_baseline': calls_baseline,
        'target': target, 'met': met,
    }
