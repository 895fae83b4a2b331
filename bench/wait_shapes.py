# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scenario 5, wait shapes: the real TaskWaiter and DomainClient on a fake clock, over task shapes of seconds to hours.

The task API is the unit tests' in-memory model (tests/unit/plugins/module_utils/task_result_fakes.py) behind the
real DomainClient, so hours of waiting cost seconds. The baseline is the ``until``/``retries``/``delay: 10`` idiom on
the same schedule: one poll (one call) at the wait's start and every 10 s until one sees the last detail final.
The wait starts 2 s after the submission; each detail executes for the last three quarters of its time.
"""

from __future__ import annotations

import math
import random
import sys

from bench.common import median, ratio

IDIOM_DELAY = 10.0
WAIT_STARTS_AFTER = 2.0
# Issue 20's targets: where the completions so far predict the end, half the idiom's median delay; elsewhere
# (stragglers, long tails) the idiom's plus this; never a run later than max_poll_interval plus a second.
PREDICTABLE_SHAPES = ('1', '2', '3', '6')
PREDICTABLE_DELAY_RATIO = 0.5
UNPREDICTABLE_EXTRA_DELAY = 5.0
WORST_DELAY_OVER_CAP = 1.0


def _uniform(rng, count, low, high):
    return [rng.uniform(low, high) for _index in range(count)]


def _uniform_half_to_whole(rng, count, low, high):
    """Task times uniform in [T/2, T], with T itself drawn uniformly from [low, high]."""
    whole = rng.uniform(low, high)
    return _uniform(rng, count, whole / 2, whole)


SHAPES = {
    '1 uniform [T/2, T], T 5-20 s': lambda rng: _uniform_half_to_whole(rng, 100, 5, 20),
    '2 uniform [T/2, T], T 20-60 s': lambda rng: _uniform_half_to_whole(rng, 100, 20, 60),
    '3 uniform 1-10 min': lambda rng: _uniform(rng, 100, 60, 600),
    '4 lognormal, median 10 min, sigma 0.6': lambda rng: [600 * math.exp(0.6 * rng.gauss(0, 1)) for _i in range(100)],
    '5 90 % at 5 min +- 10 s, 10 % at 20-40 min': lambda rng: _uniform(rng, 90, 290, 310) + _uniform(rng, 10, 1200, 2400),
    '6 uniform 1-2 h': lambda rng: _uniform(rng, 100, 3600, 7200),
    '7 10 domains, uniform 1-60 min': lambda rng: _uniform(rng, 10, 60, 3600),
    '8 99 done by 5 min, one straggler at 45 min': lambda rng: _uniform(rng, 99, 60, 300) + [2700.0],
}


def _idiom(started, ended):
    beats = max(0, int(math.ceil((ended - started) / IDIOM_DELAY)))
    return beats + 1, started + beats * IDIOM_DELAY - ended


def _one_run(modules, finals):
    fakes, waiter_module = modules
    clock = fakes.FakeClock()
    api = fakes.FakeTaskApi(clock)
    domains = ['site-%03d.example' % index for index in range(len(finals))]
    submitted = clock()
    api.add_task('task-a', domains, finals, start_in=[final / 4.0 for final in finals])
    clock.sleep(WAIT_STARTS_AFTER)
    started = clock()
    waiter_module.TaskWaiter(fakes.make_client(api, clock), timeout=4 * 3600).wait_for_tasks(['task-a'])
    ended = submitted + max(finals)
    idiom_calls, idiom_delay = _idiom(started, ended)
    return {'calls': len(api.calls), 'delay': clock() - ended, 'idiom_calls': idiom_calls, 'idiom_delay': idiom_delay}


def run(tree, seeds, log):
    sys.path.insert(0, str(tree.root))
    # pylint: disable=import-outside-toplevel
    from ansible_collections.aliyun.domain.plugins.module_utils import _waiter
    from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils import task_result_fakes
    rows, samples = [], {}
    worst_allowed = _waiter.DEFAULT_MAX_POLL_INTERVAL + WORST_DELAY_OVER_CAP
    for shape, draw in SHAPES.items():
        runs = [_one_run((task_result_fakes, _waiter), draw(random.Random('%s/%d' % (shape, seed)))) for seed in range(seeds)]
        samples[shape] = runs
        ours_calls = sum(run_['calls'] for run_ in runs) / float(len(runs))
        idiom_calls = sum(run_['idiom_calls'] for run_ in runs) / float(len(runs))
        ours_delay, idiom_delay = median([r['delay'] for r in runs]), median([r['idiom_delay'] for r in runs])
        worst = max(r['delay'] for r in runs)
        log('wait shape %s: calls %.1f / %.1f, median delay %.1f / %.1f s, worst delay %.1f s' % (
            shape, ours_calls, idiom_calls, ours_delay, idiom_delay, worst))
        if shape.split()[0] in PREDICTABLE_SHAPES:
            delay_target, delay_met = 'median delay <= 0.5 x baseline', ours_delay <= PREDICTABLE_DELAY_RATIO * idiom_delay
        else:
            delay_target, delay_met = 'median delay <= baseline + 5 s', ours_delay <= idiom_delay + UNPREDICTABLE_EXTRA_DELAY
        rows.append({
            'scenario': 'wait shape %s (%d seeds, fake clock)' % (shape, seeds),
            'metric': 'median delay after last detail final (s)',
            'ours': ours_delay, 'baseline': idiom_delay, 'baseline_name': 'until/retries/delay: 10',
            'ratio': ratio(ours_delay, idiom_delay), 'api_calls_ours': ours_calls, 'api_calls_baseline': idiom_calls,
            'worst_delay': worst,
            'target': '%s, worst <= %.0f s, mean API calls <= baseline' % (delay_target, worst_allowed),
            'met': delay_met and worst <= worst_allowed and ours_calls <= idiom_calls,
        })
    total_ours = sum(row['api_calls_ours'] for row in rows)
    total_idiom = sum(row['api_calls_baseline'] for row in rows)
    rows.append({'scenario': 'wait shapes, all (fake clock)', 'metric': 'mean API calls per run, summed over shapes',
                 'ours': total_ours, 'baseline': total_idiom, 'baseline_name': 'until/retries/delay: 10',
                 'ratio': ratio(total_ours, total_idiom), 'api_calls_ours': total_ours, 'api_calls_baseline': total_idiom,
                 'target': 'ratio <= 0.5', 'met': total_ours <= 0.5 * total_idiom})
    return {'name': 'wait_shapes', 'seeds': seeds, 'samples': samples, 'rows': rows}
