# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make bench``: measure the collection against the official SDK and the ``until`` idiom.

Runs the scenarios (drain, wait latency, scale, emulator throughput), each alternating baseline and ours
several times against emulators it starts itself, prints one table of medians and writes the same, with
every sample, as JSON under bench/results/. A benchmark is not a test: missing a target is reported, not an
error. The exit code is non-zero only when a scenario could not run or produced a wrong outcome.

    python bench/run.py                  # the full run (about 15 minutes on 2 idle cores)
    python bench/run.py --quick          # tiny sizes, one repetition: checks the bench code itself
    python bench/run.py --only drain,wait_latency
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import delegation, drain, inventory, rate_limit, scale, wait_latency, wait_realtime, wait_shapes  # noqa: E402  pylint: disable=wrong-import-position
from bench.common import BENCH_DIR, REPO_ROOT, BenchError, CollectionTree  # noqa: E402  pylint: disable=wrong-import-position

SCENARIOS = ('drain', 'wait_latency', 'wait_shapes', 'wait_realtime', 'scale', 'emulator_throughput', 'rate_limit',
             'delegation', 'inventory')

FULL = {
    # 0 ms is loopback; 50 ms stands for a wide-area round trip to the service's endpoint (illustrative, not measured)
    'drain': {'results': 10000, 'repeats': 3, 'round_trips_ms': [0, 50]},
    # One task time drawn in each 5 s slice of 5-60 s (see bench/wait_latency.py); rows per band of task time
    'wait_latency': {'task_seconds': (5, 60), 'repetitions': 11, 'bands': [5, 20, 40, 60], 'domains_per_task': 100},
    # Task shapes of seconds to hours on a fake clock (bench/wait_shapes.py): hours cost seconds
    'wait_shapes': {'seeds': 20},
    # Two of those shapes in real time against the emulator (bench/wait_realtime.py), idiom alongside
    'wait_realtime': {'uniform_seconds': (5, 20), 'straggler_seconds': 55, 'straggler_others': (2, 5), 'repetitions': 2},
    'scale': {'results': 100000, 'repeats': 2},
    'emulator_throughput': {'results': 10000, 'seconds': 3},
    # issue 15: a 1,000-domain migration under an account-wide limit of 10 requests/s
    'rate_limit': {'domains': 1000, 'rate': 10, 'repeats': 1},
    # DNS pre-flight over loopback against the emulator's parent zone and target nameservers
    'delegation': {'domains': 1000, 'repeats': 3},
    # The account's domains as an inventory (bench/inventory.py)
    'inventory': {'domains': 5000, 'repeats': 3},
}
QUICK = {
    'drain': {'results': 200, 'repeats': 1, 'round_trips_ms': [0, 5]},
    'wait_latency': {'task_seconds': (1, 2), 'repetitions': 1, 'bands': [1, 2], 'domains_per_task': 3},
    'wait_shapes': {'seeds': 1},
    'wait_realtime': {'uniform_seconds': (1, 2), 'straggler_seconds': 4, 'straggler_others': (0.5, 1), 'repetitions': 1},
    'scale': {'results': 200, 'repeats': 1},
    'emulator_throughput': {'results': 200, 'seconds': 0.3},
    'rate_limit': {'domains': 50, 'rate': 10, 'repeats': 1},
    'delegation': {'domains': 20, 'repeats': 1},
    'inventory': {'domains': 50, 'repeats': 1},
}


def log(message):
    print('[%s] %s' % (time.strftime('%H:%M:%S'), message), file=sys.stderr, flush=True)


def run_emulator_throughput(settings):
    """Scenario 4: the emulator's own benchmark (bench/emulator_throughput.py, owned by the emulator)."""
    command = [sys.executable, str(BENCH_DIR / 'emulator_throughput.py'), '--results', str(settings['results']),
               '--seconds', str(settings['seconds']), '--json']
    process = subprocess.run(command, cwd=str(REPO_ROOT), capture_output=True, text=True, check=False)
    if process.returncode != 0:
        raise BenchError('emulator_throughput.py exited %d\n%s' % (process.returncode, process.stderr[-3000:]))
    lines = [line for line in process.stdout.splitlines() if line.strip().startswith('{')]
    if not lines:
        raise BenchError('emulator_throughput.py printed no JSON line:\n%s' % process.stdout[-3000:])
    measured = json.loads(lines[-1])
    rows = []
    for page_size, per_second in sorted(_requests_per_second(measured).items()):
        rows.append({
            'scenario': 'emulator PollTaskResult PageSize %s' % page_size,
            'metric': 'signed requests/s, one keep-alive client',
            'ours': per_second, 'baseline': None, 'baseline_name': None, 'ratio': None,
            'api_calls_ours': None, 'api_calls_baseline': None,
            'target': '>= 1000 req/s at PageSize 20' if str(page_size) == '20' else None,
            'met': per_second >= 1000 if str(page_size) == '20' else None,
        })
    return {'name': 'emulator_throughput', 'measured': measured, 'rows': rows}


def _requests_per_second(measured):
    per_page_size = measured.get('requests_per_second') or measured
    return {str(size): float(value) for size, value in per_page_size.items() if str(size).isdigit()}


def format_number(value):
    if value is None:
        return '-'
    if isinstance(value, bool):
        return 'yes' if value else 'NO'
    if float(value).is_integer() or abs(value) >= 100:
        return '%.0f' % value
    return '%.2f' % value


def format_calls(row):
    if row.get('api_calls_ours') is None:
        return '-'
    return '%s / %s' % (format_number(row['api_calls_ours']), format_number(row.get('api_calls_baseline')))


def render_table(rows):
    header = ('scenario', 'metric', 'ours', 'baseline', 'ratio', 'API calls ours/base', 'target met')
    body = [(row['scenario'], row['metric'], format_number(row['ours']), format_number(row['baseline']),
             format_number(row['ratio']), format_calls(row), format_number(row['met'])) for row in rows]
    widths = [max(len(str(line[i])) for line in [header] + body) for i in range(len(header))]

    def line(cells):
        return '| ' + ' | '.join(str(cell).ljust(width) for cell, width in zip(cells, widths)) + ' |'

    separator = '|' + '|'.join('-' * (width + 2) for width in widths) + '|'
    return '\n'.join([line(header), separator] + [line(cells) for cells in body])


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='tiny sizes and one repetition, to check the bench code')
    parser.add_argument('--only', default=','.join(SCENARIOS),
                        help='comma-separated scenarios to run (default: all of %s)' % ', '.join(SCENARIOS))
    parser.add_argument('--output', type=Path, default=BENCH_DIR / 'results',
                        help='directory for the JSON result (default: bench/results)')
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(',') if name.strip()]
    unknown = sorted(set(args.only) - set(SCENARIOS))
    if unknown:
        parser.error('unknown scenario(s) %s; choose from %s' % (', '.join(unknown), ', '.join(SCENARIOS)))
    return args


def run_scenario(name, settings, tree):
    if name == 'drain':
        return drain.run(tree, settings['repeats'], settings['results'], log, settings['round_trips_ms'])
    if name == 'wait_latency':
        return wait_latency.run(tree, settings['task_seconds'], settings['repetitions'], settings['bands'],
                                settings['domains_per_task'], log)
    if name == 'wait_shapes':
        return wait_shapes.run(tree, settings['seeds'], log)
    if name == 'wait_realtime':
        return wait_realtime.run(tree, settings, log)
    if name == 'scale':
        return scale.run(tree, settings['repeats'], settings['results'], log)
    if name == 'rate_limit':
        return rate_limit.run(tree, settings['repeats'], settings['domains'], settings['rate'], log)
    if name == 'delegation':
        return delegation.run(tree, settings['domains'], settings['repeats'], log)
    if name == 'inventory':
        return inventory.run(tree, settings['domains'], settings['repeats'], log)
    return run_emulator_throughput(settings)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sizes = QUICK if args.quick else FULL
    started = time.time()
    report = {
        'command': 'python bench/run.py' + (' --quick' if args.quick else '') + (
            ' --only %s' % ','.join(args.only) if args.only != list(SCENARIOS) else ''),
        'started': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(started)),
        'machine': {'python': platform.python_version(), 'platform': platform.platform(), 'cpus': os.cpu_count(),
                    'load_average_at_start': os.getloadavg()},
        'quick': args.quick,
        'scenarios': {},
        'errors': {},
    }
    with CollectionTree() as tree:
        for name in args.only:
            log('scenario %s: %s' % (name, sizes[name]))
            try:
                report['scenarios'][name] = run_scenario(name, sizes[name], tree)
            except (BenchError, OSError, ValueError, KeyError, RuntimeError) as error:
                log('scenario %s could not run: %s' % (name, error))
                report['errors'][name] = ''.join(traceback.format_exception_only(type(error), error)).strip()
    report['elapsed'] = time.time() - started
    report['machine']['load_average_at_end'] = os.getloadavg()
    rows = [row for scenario in report['scenarios'].values() for row in scenario['rows']]
    report['table'] = rows

    args.output.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(started))
    result_file = args.output / ('bench-%s%s.json' % (stamp, '-quick' if args.quick else ''))
    result_file.write_text(json.dumps(report, indent=2, sort_keys=True) + '\n')
    (args.output / 'latest.json').write_text(json.dumps(report, indent=2, sort_keys=True) + '\n')

    print(render_table(rows))
    print('\n%s in %.0f s; load average %.1f at the start, %.1f at the end (%d CPUs); results in %s' % (
        report['command'], report['elapsed'], report['machine']['load_average_at_start'][0],
        report['machine']['load_average_at_end'][0], report['machine']['cpus'], result_file))
    for name, error in report['errors'].items():
        print('ERROR in %s: %s' % (name, error.splitlines()[-1]))
    return 1 if report['errors'] else 0


if __name__ == '__main__':
    sys.exit(main())
