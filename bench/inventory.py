# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scenario 8, inventory: ``ansible-inventory --list`` with aliyun.domain.domains over thousands of domains.

Ours is the whole ``ansible-inventory`` process (start-up, every QueryDomainList page, hosts, groups, the JSON);
the baseline is the official SDK listing the same pages in a script (``sdk_domain_list.py``), so the ratio is the
price of getting an inventory instead of a dict. A second row answers the list without DnsList (older API
versions): every domain is then read by name as well.
"""

from __future__ import annotations

import json
import subprocess
import time

from bench.common import (BenchError, ansible_tool_path, api_calls_between, base_env, counters, credential_env, median,
                          ratio, run_script, start_emulator)


def _ansible_inventory(tree, source, env):
    started = time.perf_counter()
    process = subprocess.run([ansible_tool_path('ansible-inventory'), '-i', str(source), '--list'], env=env, cwd=str(tree.scratch),
                             capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise BenchError('ansible-inventory exited %d\n%s' % (process.returncode, process.stderr[-3000:]))
    return wall, len(json.loads(process.stdout)['_meta']['hostvars'])


def _measure(tree, domains, repeats, log, without_dns):
    arguments = ['--domains', domains, '--task-seconds', '0'] + (['--list-without-dns'] if without_dns else [])
    emulator = start_emulator(*arguments)
    try:
        source = tree.scratch / 'bench.aliyun_domain.yml'
        source.write_text('plugin: aliyun.domain.domains\n', encoding='utf-8')
        env = base_env(tree, dict(credential_env(emulator), ANSIBLE_INVENTORY_UNPARSED_FAILED='true'))
        samples = {'ours': [], 'baseline': [], 'calls_ours': [], 'calls_baseline': []}
        for repeat in range(repeats):
            # alternate which variant goes first, so that neither always meets a warm emulator
            order = ('baseline', 'ours') if repeat % 2 == 0 else ('ours', 'baseline')
            for variant in order:
                before = counters(emulator)
                if variant == 'ours':
                    wall, hosts = _ansible_inventory(tree, source, env)
                else:
                    wall, answer = run_script('sdk_domain_list.py', [], env=credential_env(emulator))
                    hosts = answer['domains']
                if hosts != domains:
                    raise BenchError('%s listed %d of %d domains' % (variant, hosts, domains))
                calls, _per_action = api_calls_between(before, counters(emulator))
                samples[variant].append(wall)
                samples['calls_' + variant].append(calls)
                log('inventory %s%s: %d domains in %.2f s, %d calls' % (
                    variant, ' (list without DnsList)' if without_dns else '', hosts, wall, calls))
    finally:
        emulator.stop()
    ours, baseline = median(samples['ours']), median(samples['baseline'])
    row = {
        'scenario': 'inventory --list, %d domains%s' % (domains, ', list without DnsList' if without_dns else ''),
        'metric': 'wall time of the process',
        'ours': ours, 'baseline': baseline, 'baseline_name': 'SDK QueryDomainList loop', 'ratio': ratio(ours, baseline),
        'api_calls_ours': median(samples['calls_ours']), 'api_calls_baseline': median(samples['calls_baseline']),
        # "thousands of domains load in a few seconds": read against the SDK script in the same run, as the load
        # of the machine moves both alike
        'target': None if without_dns else 'at most 2 x the SDK script',
        'met': None if without_dns else ratio(ours, baseline) <= 2.0,
    }
    return row, samples


def run(tree, domains, repeats, log):
    rows, samples = [], {}
    for without_dns in (False, True):
        row, measured = _measure(tree, domains, repeats, log, without_dns)
        rows.append(row)
        samples['without_dns' if without_dns else 'with_dns'] = measured
    return {'name': 'inventory', 'samples': samples, 'rows': rows}
