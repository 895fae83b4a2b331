# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault run (make test-faults): the dns_migration role moves 1,000 domains while the emulator limits the
request rate, throttles, fails, drops connections, slows down and is restarted in the middle of the wait.

Afterwards the emulator's own records decide: every domain reported once with the right status, each of
our results confirmed exactly once, another tool's results untouched, and no domain submitted twice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import glob
import json
import os
import threading
import time

import pytest

# A long end-to-end run: `make test-fast` (pytest -m "not e2e") leaves it out.
pytestmark = pytest.mark.e2e

DOMAIN_COUNT = 1000
DOMAINS = ['example-%05d.com' % number for number in range(1, DOMAIN_COUNT + 1)]
# These fail every try, so they end in EXECUTE_FAILURE after --max-tries.
FAILING_DOMAINS = ['example-00017.com', 'example-00500.com', 'example-00999.com']
FAILING_PATTERN = r'^example-(00017|00500|00999)\.com$'
BATCH_SIZE = 100
OTHER_TOOL_RESULTS = 40
TARGET = ['ns1.faults.example', 'ns2.faults.example']

FAULT_ARGS = (
    '--domains', str(DOMAIN_COUNT),
    # a few seconds per try: the restart lands while most details are still running
    '--task-seconds', '2-5',
    '--max-tries', '2',
    '--fail-domains', FAILING_PATTERN,
    # The service throttles by rate, per account: a limit the client must pace itself under, plus rare
    # throttling at random (random throttling at a high rate would only measure how slow the pacing gets).
    '--rate-limit', '20',
    '--throttle-rate', '0.03',
    # reads show the old nameservers for a while after a change succeeded
    '--read-lag', '5',
    '--retry-after-ms', '20',
    '--error-rate', '0.1',
    '--reset-rate', '0.05',
    '--seed', '20260409',
)
LATENCY_SPIKE_MS = 400
LATENCY_SPIKE_SECONDS = 1.5

MIGRATE = '- import_playbook: aliyun.domain.migrate_dns\n'


def _records(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as stream:
        return [json.loads(line) for line in stream if line.strip().startswith('{') and line.strip().endswith('}')]


def _progress_reads(emulator):
    """How many calls the waiter's kind of reads have had (after the submissions, only the wait makes them)."""
    per_action = emulator.stats(details=False)['requests_per_action']
    return per_action.get('QueryTaskDetailList', 0) + per_action.get('PollTaskResult', 0)


def _wait_for(condition, what, running, limit=300.0):
    """Poll ``condition`` until it holds; fail if the playbook ended first or nothing happens for ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while not condition():
        if not running():
            pytest.fail('the playbook ended before %s' % what)
        if time.monotonic() > deadline:
            pytest.fail('%s did not happen within %.0f seconds' % (what, limit))
        time.sleep(0.05)


def test_migration_of_1000_domains_survives_throttling_errors_resets_latency_and_a_restart(emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory(*FAULT_ARGS, state=tmp_path / 'emulator.sqlite')
    other_tool = emulator.seed(OTHER_TOOL_RESULTS)
    work = tmp_path / 'work'
    state_file = str(work / 'journal.jsonl.submissions')
    extra_vars = {
        'dns_migration_domains': DOMAINS,
        'dns_migration_nameservers': TARGET,
        'dns_migration_batch_size': BATCH_SIZE,
        'dns_migration_work_dir': str(work),
        'dns_migration_wait_timeout': 300,
        'dns_migration_poll_interval': 0.2,
        'dns_migration_max_poll_interval': 1,
        # with a fifth of the calls answered by a fault, five retries leave a few of the calls failing
        'dns_migration_connection': {'max_retries': 15, 'timeout': 5},
    }

    outcome = {}

    def migrate():
        outcome['run'] = run_playbook(MIGRATE, emulator=emulator, extra_vars=extra_vars, timeout=900)

    playbook = threading.Thread(target=migrate)
    playbook.start()
    try:
        running = playbook.is_alive
        batches = DOMAIN_COUNT // BATCH_SIZE

        _wait_for(lambda: any(record.get('event') == 'intent' for record in _records(state_file)), 'the first submission', running)
        emulator.configure(latency_ms=LATENCY_SPIKE_MS)
        time.sleep(LATENCY_SPIKE_SECONDS)
        emulator.configure(latency_ms=0)

        _wait_for(lambda: sum(record.get('event') == 'submitted' for record in _records(state_file)) == batches,
                  'all %d submissions' % batches, running)
        progress_reads = _progress_reads(emulator)
        _wait_for(lambda: _progress_reads(emulator) > progress_reads, 'the first progress check of the wait', running)
        before_restart = emulator.stats(details=False)
        emulator.restart()
    finally:
        playbook.join()

    run = outcome['run']
    assert before_restart['details_pending'] > 0, 'the restart came after the wait, not in the middle of it'

    # The role fails last, for the domains that failed for good, and for nothing else.
    assert run.failed_tasks() == ['aliyun.domain.dns_migration : Fail for the domains that did not change'], run.output()
    assert 'Traceback' not in run.stdout + run.stderr

    reports = sorted(glob.glob(str(work / 'reports' / 'dns-migration-*.json')))
    assert len(reports) == 1
    with open(reports[0], encoding='utf-8') as stream:
        report = json.load(stream)
    reported = collections.Counter(row['domain'] for row in report['domains'])
    assert sorted(reported) == sorted(DOMAINS)
    assert set(reported.values()) == {1}
    statuses = dict((row['domain'], row['status']) for row in report['domains'])
    assert sorted(domain for domain, status in statuses.items() if status == 'failed') == FAILING_DOMAINS
    assert all(status == 'succeeded' for domain, status in statuses.items() if domain not in FAILING_DOMAINS)
    assert report['summary']['pending'] == 0
    assert report['summary']['succeeded'] == DOMAIN_COUNT - len(FAILING_DOMAINS)
    assert report['errors'] == []

    stats = emulator.stats()
    # The faults really happened, before and after the restart (which starts the counters from zero).
    for faults in (before_restart['faults'], stats['faults']):
        assert faults['errors'] > 0 and faults['resets'] > 0, faults
    assert before_restart['faults'].get('throttled', 0) + stats['faults'].get('throttled', 0) > 0
    assert before_restart['faults'].get('rate_limited', 0) + stats['faults'].get('rate_limited', 0) > 0

    # Nothing was submitted twice.
    assert stats['submissions_per_domain'] == dict((domain, 1) for domain in DOMAINS)
    ours = dict((number, detail) for number, detail in stats['task_details'].items() if detail['source'] == 'api')
    assert sorted(detail['domain'] for detail in ours.values()) == sorted(DOMAINS)
    assert sorted(set(detail['task_no'] for detail in ours.values())) == sorted(report['task_nos'])

    # Every one of our results was confirmed, each exactly once, and the right final status was reported.
    assert [number for number, detail in ours.items() if detail['acknowledged'] != 1] == []
    assert report['summary']['acknowledged'] <= DOMAIN_COUNT
    for detail in ours.values():
        expected = 'EXECUTE_FAILURE' if detail['domain'] in FAILING_DOMAINS else 'EXECUTE_SUCCESS'
        assert detail['status'] == expected, detail
        assert statuses[detail['domain']] == ('failed' if expected == 'EXECUTE_FAILURE' else 'succeeded')

    # The other tool's results are still waiting for it, untouched.
    theirs = [detail for detail in stats['task_details'].values() if detail['source'] == 'seed']
    assert len(theirs) == other_tool['results'] == OTHER_TOOL_RESULTS
    assert all(detail['acknowledged'] == 0 and detail['ack_requests'] == 0 for detail in theirs)
    assert stats['results_awaiting_acknowledgement'] == OTHER_TOOL_RESULTS

    # The journal holds each of our results once: nothing confirmed was lost.
    journal = [record for record in _records(str(work / 'journal.jsonl')) if record.get('task_no') in report['task_nos']]
    assert collections.Counter(record['task_detail_no'] for record in journal) == collections.Counter(list(ours))


LOOKUP_UNDER_FAULTS = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    aliyun.domain.nameservers: {max_retries: 15}
    aliyun.domain.ack: {max_retries: 15}
  tasks:
    - name: Submit
      aliyun.domain.nameservers:
        domains: "{{ domains }}"
        nameservers: "{{ target }}"
        batch_size: 50
        state_file: "{{ work_dir }}/submissions.jsonl"
      register: submitted

    - name: Wait through the lookup, journaling
      ansible.builtin.set_fact:
        results: >-
          {{ query('aliyun.domain.domain_task_result', *submitted.task_nos, max_retries=15, poll_interval=0.2,
                   max_poll_interval=1, fail_on_failure=false, journal=work_dir ~ '/journal.jsonl') }}

    - name: Confirm what the lookup returned
      aliyun.domain.ack:
        results: "{{ results }}"
        batch_size: 25
      register: confirmed
"""


def test_lookup_and_modules_under_faults_return_and_confirm_every_result_once(emulator_factory, run_playbook, tmp_path):
    domains = DOMAINS[:200]
    emulator = emulator_factory(*(FAULT_ARGS[2:] + ('--domains', '200')))
    emulator.seed(OTHER_TOOL_RESULTS)
    work = tmp_path / 'work'
    work.mkdir()
    run = run_playbook(LOOKUP_UNDER_FAULTS, emulator=emulator, extra_vars={'domains': domains, 'target': TARGET, 'work_dir': str(work)})
    run.assert_success()

    stats = emulator.stats()
    assert stats['faults']['throttled'] > 0 and stats['faults']['errors'] > 0 and stats['faults']['resets'] > 0, stats['faults']
    assert stats['submissions_per_domain'] == dict((domain, 1) for domain in domains)
    ours = dict((number, detail) for number, detail in stats['task_details'].items() if detail['source'] == 'api')
    results = run.task('Wait through the lookup, journaling')['ansible_facts']['results']
    assert sorted(item['task_detail_no'] for item in results) == sorted(ours)
    assert sorted(item['domain_name'] for item in results if item['task_status_code'] == 3) == FAILING_DOMAINS[:1]
    journal = _records(str(work / 'journal.jsonl'))
    assert sorted(record['task_detail_no'] for record in journal) == sorted(ours)
    assert all(detail['acknowledged'] == 1 for detail in ours.values())
    assert stats['results_awaiting_acknowledgement'] == OTHER_TOOL_RESULTS
    assert all(detail['ack_requests'] == 0 for detail in stats['task_details'].values() if detail['source'] == 'seed')
