# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two playbooks at the same time in one account: overlapping confirmations, and two migrations side by side.

The emulator's records decide: each detail confirmed exactly once in total, nobody's results touched by the
other, and the two runs really overlapped in time (else the test would prove nothing).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import threading
import time

RESULTS = 500
FIRST = slice(0, 300)
SECOND = slice(200, 480)
# Small batches, a little latency and some throttling: many interleaved AcknowledgeTaskResult calls.
CONCURRENT_EMULATOR_ARGS = ('--domains', '40', '--task-seconds', '0.3-1', '--latency-ms', '15', '--throttle-rate', '0.1',
                            '--retry-after-ms', '20')

# Both playbooks meet at a barrier (each writes its ready file, then waits for the go file), so that the second
# has read the results before anything is confirmed; the emulator's ack_rendezvous then starts their
# confirmations at the same instant, however long each module took to start (user_client_ip tells the two
# playbooks apart, as each sends several batches at a time).
BARRIER = """
    - name: Ready
      ansible.builtin.copy:
        content: ""
        dest: "{{ ready }}"
        mode: "0600"

    - name: Wait for the other playbook
      ansible.builtin.wait_for:
        path: "{{ go }}"
        timeout: 120
"""

ACK_BY_NUMBER = """
- hosts: localhost
  gather_facts: false
  tasks:
""" + BARRIER + """
    - name: Confirm by task detail number
      aliyun.domain.ack:
        task_detail_nos: "{{ numbers }}"
        batch_size: 2
        max_retries: 10
        timeout: 120
        user_client_ip: 192.0.2.1
      register: confirmed
"""

ACK_BY_RESULT = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Read the results of the tasks
      aliyun.domain.domain_task_result:
        task_no: "{{ task_nos }}"
        max_retries: 10
      register: read
""" + BARRIER + """
    - name: Confirm the chosen results, in the order of numbers
      aliyun.domain.ack:
        results: "{{ numbers | map('extract', dict(read.task_results | map(attribute='task_detail_no') | zip(read.task_results))) | list }}"
        batch_size: 2
        max_retries: 10
        timeout: 120
        user_client_ip: 192.0.2.2
"""


def run_together(run_playbook, tmp_path, *runs):
    """Run the (playbook, kwargs) pairs at once in threads; a run's extra variables may name ``ready`` and ``go``
    files (the BARRIER tasks): ``go`` is written once every ``ready`` file exists."""
    outcomes = [None] * len(runs)

    def start(index, playbook, arguments):
        outcomes[index] = run_playbook(playbook, **arguments)

    threads = []
    for index, (playbook, arguments) in enumerate(runs):
        thread = threading.Thread(target=start, args=(index, playbook, arguments))
        thread.start()
        threads.append(thread)
        # run_playbook numbers its run directories; let each run claim its own before the next starts
        deadline = time.monotonic() + 30
        while not (tmp_path / ('playbook-run-%d' % (index + 1))).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    barriers = [arguments['extra_vars'] for dummy, arguments in runs if 'go' in arguments.get('extra_vars', {})]
    while barriers and any(thread.is_alive() for thread in threads):
        if all(os.path.exists(variables['ready']) for variables in barriers):
            for variables in barriers:
                with open(variables['go'], 'w', encoding='utf-8'):
                    pass
            break
        time.sleep(0.02)
    for thread in threads:
        thread.join()
    return outcomes


def overlap(first_times, second_times):
    """True when the two sets of instants interleave (each started before the other ended)."""
    return min(first_times) < max(second_times) and min(second_times) < max(first_times)


def test_two_playbooks_confirm_overlapping_results_at_once_each_detail_exactly_once(emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory(*CONCURRENT_EMULATOR_ARGS)
    seeded = emulator.seed(RESULTS, per_task=100)
    details = emulator.stats()['task_details']
    numbers = sorted(details, key=lambda number: (details[number]['task_no'], number))
    first, second = numbers[FIRST], numbers[SECOND]
    shared = [number for number in first if number in set(second)]
    only_first = [number for number in first if number not in set(shared)]
    only_second = [number for number in second if number not in set(shared)]
    # Each run's first batch holds two numbers of its own, then both runs confirm the shared numbers in the same order.
    first_order = only_first[:2] + shared + only_first[2:]
    second_order = only_second[:2] + shared + only_second[2:]
    # The emulator holds the first AcknowledgeTaskResult calls until the other playbook's have arrived too and then
    # answers them all at once, however differently long the two playbooks took to get there.
    emulator.configure(ack_rendezvous=2, ack_rendezvous_seconds=60)
    barrier = {'go': str(tmp_path / 'go')}

    by_number, by_result = run_together(
        run_playbook, tmp_path,
        (ACK_BY_NUMBER, {'emulator': emulator, 'extra_vars': dict(barrier, numbers=first_order, ready=str(tmp_path / 'first.ready'))}),
        (ACK_BY_RESULT, {'emulator': emulator, 'extra_vars': dict(barrier, numbers=second_order, task_nos=seeded['task_nos'],
                                                                  ready=str(tmp_path / 'second.ready'))}))

    by_number.assert_success()
    by_result.assert_success()
    stats = emulator.stats()
    rendezvous = stats['ack_rendezvous']
    assert rendezvous['clients'] == 2 and not rendezvous['timed_out'], 'the two playbooks did not start confirming at once: %r' % rendezvous
    first_result = by_number.task('Confirm by task detail number')
    second_result = by_result.task('Confirm the chosen results, in the order of numbers')
    assert first_result['requested'] == first_order and second_result['requested'] == second_order
    assert first_result['remaining'] == [] and second_result['remaining'] == []

    union = set(first) | set(second)
    details = stats['task_details']
    assert sorted(number for number, detail in details.items() if detail['acknowledged'] == 1) == sorted(union)
    # Each detail was newly confirmed once in total: the two counts add up to the union, not more.
    assert first_result['acknowledged_count'] + second_result['acknowledged_count'] == len(union)
    assert stats['results_awaiting_acknowledgement'] == RESULTS - len(union)
    # The overlap was asked for by both, the rest by one of them only.
    assert all(details[number]['ack_requests'] >= 2 for number in shared)
    assert all(details[number]['ack_requests'] == 0 for number in set(numbers) - union)

    first_times = [details[number]['acknowledged_at'] for number in only_first]
    second_times = [details[number]['acknowledged_at'] for number in only_second]
    assert overlap(first_times, second_times), 'the two playbooks did not run at the same time'


def migration(work_dir, domains):
    return {
        'dns_migration_domains': domains,
        'dns_migration_nameservers': ['ns1.concurrent.example', 'ns2.concurrent.example'],
        'dns_migration_batch_size': 5,
        'dns_migration_work_dir': str(work_dir),
        'dns_migration_poll_interval': 0.2,
        'dns_migration_max_poll_interval': 1,
        'dns_migration_connection': {'max_retries': 10},
    }


# Tasks long enough that each migration is still waiting when the other submits, however unevenly the two
# ansible-playbook processes start on a loaded machine (the overlap is what this test is about).
SIDE_BY_SIDE_EMULATOR_ARGS = ('--domains', '40', '--task-seconds', '8-10', '--latency-ms', '15', '--throttle-rate', '0.1',
                              '--retry-after-ms', '20')


def test_two_migrations_side_by_side_confirm_only_their_own_results(emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory(*SIDE_BY_SIDE_EMULATOR_ARGS)
    others = emulator.seed(30)
    domains = ['example-%05d.com' % number for number in range(1, 41)]
    first_domains, second_domains = domains[:20], domains[20:]

    first, second = run_together(
        run_playbook, tmp_path,
        ('- import_playbook: aliyun.domain.migrate_dns\n', {'emulator': emulator, 'extra_vars': migration(tmp_path / 'a', first_domains)}),
        ('- import_playbook: aliyun.domain.migrate_dns\n', {'emulator': emulator, 'extra_vars': migration(tmp_path / 'b', second_domains)}))
    first.assert_success()
    second.assert_success()

    stats = emulator.stats()
    assert stats['submissions_per_domain'] == dict((domain, 1) for domain in domains)
    theirs = [detail for detail in stats['task_details'].values() if detail['source'] == 'seed']
    assert len(theirs) == others['results'] and all(detail['ack_requests'] == 0 for detail in theirs)
    ours = [detail for detail in stats['task_details'].values() if detail['source'] == 'api']
    assert len(ours) == len(domains) and all(detail['acknowledged'] == 1 for detail in ours)

    for work_dir, own in ((tmp_path / 'a', first_domains), (tmp_path / 'b', second_domains)):
        with open(sorted(glob.glob(str(work_dir / 'reports' / '*.json')))[-1], encoding='utf-8') as stream:
            report = json.load(stream)
        assert sorted(row['domain'] for row in report['domains']) == sorted(own)
        assert report['summary']['succeeded'] == len(own) and report['summary']['acknowledged'] == len(own)
        own_tasks = set(report['task_nos'])
        # each run confirmed only details of its own tasks: no other detail was named in its acknowledgements
        assert all(detail['ack_requests'] >= 1 for detail in ours if detail['task_no'] in own_tasks)

    submitted_at = dict((name, [detail['submitted_at'] for detail in ours if detail['domain'] in own])
                        for name, own in (('a', first_domains), ('b', second_domains)))
    acknowledged_at = dict((name, [detail['acknowledged_at'] for detail in ours if detail['domain'] in own])
                           for name, own in (('a', first_domains), ('b', second_domains)))
    assert overlap(submitted_at['a'] + acknowledged_at['a'], submitted_at['b'] + acknowledged_at['b'])
