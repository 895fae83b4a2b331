# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keeps the benchmark code from rotting: ``bench/run.py --quick`` must run every scenario and write its JSON.

Asserts correctness only (exit code, JSON shape, every variant verified its outcome); never timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# A long end-to-end run: `make test-fast` (pytest -m "not e2e") leaves it out.
pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
EXPECTED_SCENARIOS = {'drain', 'wait_latency', 'wait_shapes', 'wait_realtime', 'scale', 'emulator_throughput',
                      'rate_limit', 'delegation', 'inventory'}
ROW_KEYS = {'scenario', 'metric', 'ours', 'baseline', 'ratio', 'api_calls_ours', 'api_calls_baseline', 'met'}


def test_quick_bench_runs_every_scenario_and_writes_json(tmp_path):
    process = subprocess.run([sys.executable, str(REPO_ROOT / 'bench' / 'run.py'), '--quick', '--output', str(tmp_path)],
                             cwd=str(REPO_ROOT), capture_output=True, text=True, check=False, timeout=600)
    assert process.returncode == 0, process.stdout[-4000:] + process.stderr[-4000:]

    report = json.loads((tmp_path / 'latest.json').read_text())
    assert report['quick'] is True
    assert report['errors'] == {}
    assert set(report['scenarios']) == EXPECTED_SCENARIOS
    assert report['table'], 'the table has no rows'
    for row in report['table']:
        assert ROW_KEYS <= set(row), row
        assert isinstance(row['ours'], (int, float)) and row['ours'] >= 0, row

    drain = report['scenarios']['drain']
    assert set(drain['samples']) == {'%d ms' % round_trip for round_trip in drain['round_trips_ms']}
    assert len(drain['samples']) == 2, 'the drain runs on loopback and with an added round trip'
    for per_variant in drain['samples'].values():
        for variant in ('sdk', 'playbook', 'playbook_journal', 'client', 'client_batch'):
            assert per_variant[variant]['api_calls'][0] > 0, variant

    wait_latency = report['scenarios']['wait_latency']
    low, high = wait_latency['task_seconds']
    assert wait_latency['samples'], 'wait latency measured nothing'
    for sample in wait_latency['samples']:
        assert low <= sample['task_seconds'] <= high, sample
        for variant in ('until', 'module'):
            assert sample[variant]['api_calls'] > 0, variant

    shapes = report['scenarios']['wait_shapes']['samples']
    assert len(shapes) == 8, 'every task shape of issue 20 is simulated'
    for runs in shapes.values():
        assert runs and all(run['calls'] > 0 and run['idiom_calls'] > 0 and run['delay'] >= 0 for run in runs), runs

    realtime = report['scenarios']['wait_realtime']['samples']
    assert len(realtime) == 2, 'shape 1 and the compressed straggler run in real time'
    for runs in realtime.values():
        for variant in ('until', 'module'):
            assert runs and all(run[variant]['api_calls'] > 0 for run in runs), variant

    scale = report['scenarios']['scale']['samples']
    assert len(scale) == 2, 'scale runs at a tenth of the results and at all of them'
    for per_size in scale.values():
        for variant in ('full', 'journal'):
            assert per_size[variant][0]['module_rss_mib'] > 0, variant
            assert per_size[variant][0]['playbook_rss_mib'] > 0, variant

    paced = report['scenarios']['rate_limit']['samples']
    assert paced and all(sample['requests'] > 0 and 0 <= sample['throttled'] <= sample['requests'] for sample in paced), paced

    inventory = report['scenarios']['inventory']['samples']
    assert set(inventory) == {'with_dns', 'without_dns'}, 'the inventory runs with and without DnsList in the list'
    for per_variant in inventory.values():
        assert per_variant['calls_ours'][0] > 0 and per_variant['calls_baseline'][0] > 0, per_variant
    assert inventory['without_dns']['calls_ours'][0] > inventory['with_dns']['calls_ours'][0], 'no domain was read by name'

    assert 'scenario' in process.stdout and 'ours' in process.stdout, 'the table was not printed'
