# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scenario 3, scale: peak memory collecting N completed results.

Baseline: domain_task_result returning every result as facts (playbooks/scale_full.yml). Ours: the same
collection streamed into a ``journal`` with a ``query`` that keeps the returned facts small
(playbooks/scale_journal.yml). Measured per run: the module process's exact peak RSS (interpreter wrapper,
bench/rss_wrapper.py) and ansible-playbook's peak RSS (VmHWM polled from /proc), plus wall time -- at a
tenth of the results and at all of them, so that what grows with the number of results shows. Reading
PollTaskResult changes nothing, so the emulator is only ever seeded further.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from bench.common import (
    BenchError, api_calls_between, counters, credential_env, median, module_rss_interpreter, ratio, run_playbook,
    start_emulator,
)

VARIANTS = ('full', 'journal')
# "Bounded memory": with a journal, each further result may cost the module process at most this share of
# what it costs with full results (what remains is the de-duplication keys, a few hundred bytes a result).
BOUNDED_SHARE = 0.1
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
    """Both variants at a tenth of the results, then at all of them: the difference is what grows with N."""
    emulator = start_emulator('--domains', '10')
    tenth = max(1, results // 10)
    samples = {size: {variant: [] for variant in VARIANTS} for size in (tenth, results)}
    try:
        seeded = 0
        for size in (tenth, results):
            emulator.seed(size - seeded)
            seeded = size
            for repetition in range(repeats):
                order = VARIANTS if repetition % 2 == 0 else tuple(reversed(VARIANTS))
                for variant in order:
                    outcome = _measure(variant, tree, emulator, size)
                    samples[size][variant].append(outcome)
                    _log_outcome(log, variant, size, repetition, outcome)
    finally:
        emulator.stop()

    def medians(size, variant, key):
        return median([outcome[key] for outcome in samples[size][variant]])

    rows = []
    for key, label in (('module_rss_mib', 'module process'), ('playbook_rss_mib', 'ansible-playbook'),
                       ('worker_rss_mib', 'ansible worker'), ('wall', 'wall time')):
        rows.append(_row('scale %d: %s, journal vs full results' % (results, label),
                         'wall time (s)' if key == 'wall' else 'peak RSS (MiB)',
                         medians(results, 'journal', key), medians(results, 'full', key), 'full results as facts',
                         medians(results, 'journal', 'api_calls'), medians(results, 'full', 'api_calls'), None))
    # Bounded: what the module process needs for each further result, journal against full results.
    growth = {}
    for variant in VARIANTS:
        more_mib = medians(results, variant, 'module_rss_mib') - medians(tenth, variant, 'module_rss_mib')
        growth[variant] = max(more_mib, 0.0) * 1048576.0 / (results - tenth) if results > tenth else None
    rows.append(_row('scale %d vs %d: module RSS growth per result' % (results, tenth), 'bytes per result',
                     growth['journal'], growth['full'], 'full results as facts', None, None,
                     growth['journal'] is not None and growth['full'] is not None
                     and growth['journal'] <= BOUNDED_SHARE * growth['full'],
                     'bounded: journal growth <= %d%% of full results growth' % (BOUNDED_SHARE * 100)))
    return {'name': 'scale', 'results': results, 'tenth': tenth, 'repeats': repeats,
            'samples': {str(size): per_size for size, per_size in samples.items()}, 'rows': rows}


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
