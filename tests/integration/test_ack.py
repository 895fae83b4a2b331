# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""aliyun.domain.ack through real ansible-playbook runs against the emulator.

What the module did is checked from outside: with signed API calls of another client (the
emulator's stdlib SignedClient) and with the emulator's per-detail counters.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from emulator.client import SignedClient

from ansible_collections.aliyun.domain.tests.integration.official_sdk import official_sdk

DOMAINS = ['example-%05d.com' % number for number in range(1, 5)]

# The play of a migration: our own CHG_DNS task, waited for; tests append their ack tasks.
CHANGE_AND_WAIT = """
- name: Change nameservers, then confirm results
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Change and wait
      aliyun.domain.nameservers:
        domains: "{{ domains }}"
        nameservers: [ns1.example.org, ns2.example.org]
        wait: true
        wait_timeout: 60
      register: change
"""

MIGRATE_AND_ACK = CHANGE_AND_WAIT + """
    - name: Confirm the results
      aliyun.domain.ack:
        results: "{{ change.task_results }}"
      register: first

    - name: Confirm them again
      aliyun.domain.ack:
        results: "{{ change.task_results }}"
      register: second
"""


def api(emulator):
    return SignedClient(emulator.url, emulator.access_key_id, emulator.access_key_secret)


def poll_numbers(emulator, task_no=None):
    """TaskDetailNo values PollTaskResult returns (for one task, or the whole account)."""
    params = {'PageNum': 1, 'PageSize': 1000}
    if task_no:
        params['TaskNo'] = task_no
    answer = api(emulator).call('PollTaskResult', params)
    assert answer.status == 200, answer
    return [item['TaskDetailNo'] for item in answer.body['Data']['TaskDetail']]


def history_numbers(emulator, task_no):
    answer = api(emulator).call('QueryTaskDetailList', {'TaskNo': task_no, 'PageNum': 1, 'PageSize': 1000})
    assert answer.status == 200, answer
    return [item['TaskDetailNo'] for item in answer.body['Data']['TaskDetail']]


def details(emulator):
    return emulator.stats()['task_details']


def ack_calls(emulator):
    return emulator.stats(details=False)['requests_per_action'].get('AcknowledgeTaskResult', 0)


def test_confirms_a_tasks_results_and_leaves_another_tools_alone(emulator, run_playbook):
    other_tool = emulator.seed(3)['task_nos']
    others_before = poll_numbers(emulator, other_tool[0])
    assert len(others_before) == 3

    run = run_playbook(MIGRATE_AND_ACK, emulator=emulator, extra_vars={'domains': DOMAINS}, verbosity=3)
    run.assert_success()
    change, first, second = run.task('Change and wait'), run.task('Confirm the results'), run.task('Confirm them again')
    ours = [item['task_detail_no'] for item in change['task_results']]
    (task_no,) = change['task_nos']
    assert len(ours) == len(DOMAINS)

    assert first['changed'] is True
    assert first['acknowledged_count'] == len(DOMAINS)
    assert first['requested'] == ours
    assert first['remaining'] == []
    # a confirmed batch does not repeat its numbers: they are in requested
    assert [(batch['status'], batch['result'], 'task_detail_nos' in batch) for batch in first['batches']] == [('confirmed', 4, False)]
    assert first['batches'][0]['request_id'] in first['request_ids']
    assert first['api_calls'] == 1

    assert poll_numbers(emulator, task_no) == []
    assert sorted(history_numbers(emulator, task_no)) == sorted(ours)
    assert poll_numbers(emulator, other_tool[0]) == others_before
    recorded = details(emulator)
    assert all(recorded[number]['acknowledged'] == 0 and recorded[number]['ack_requests'] == 0 for number in others_before)
    assert all(recorded[number]['ack_requests'] == 2 for number in ours)

    assert second['changed'] is False
    assert second['acknowledged_count'] == 0
    assert second['batches'][0]['status'] == 'confirmed'
    assert emulator.access_key_secret not in run.stdout + run.stderr


BY_TASK = """
- name: Confirm by task number
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Confirm one task
      aliyun.domain.ack:
        task_no: "{{ task_no }}"
        batch_size: 100
      register: by_task
"""


def test_task_no_confirms_that_tasks_results_in_batches_under_throttling(emulator_factory, run_playbook):
    # a task has one detail per domain: 250 results of one task need 250 domains
    emulator = emulator_factory('--domains', '260', '--task-seconds', '0.3')
    ours, theirs = emulator.seed(250)['task_nos'][0], emulator.seed(7)['task_nos'][0]
    expected = poll_numbers(emulator, ours)
    assert len(expected) == 250
    emulator.configure(throttle_rate=0.3, retry_after_ms=1)

    run = run_playbook(BY_TASK, emulator=emulator, extra_vars={'task_no': ours}).assert_success()

    emulator.configure(throttle_rate=0)
    result = run.task('Confirm one task')
    assert result['changed'] is True
    assert result['acknowledged_count'] == 250
    assert result['requested'] == expected
    assert [batch['index'] for batch in result['batches']] == [0, 1, 2]
    assert [batch['status'] for batch in result['batches']] == ['confirmed'] * 3
    assert [batch['result'] for batch in result['batches']] == [100, 100, 50]
    assert poll_numbers(emulator, ours) == []
    assert len(poll_numbers(emulator, theirs)) == 7
    recorded = details(emulator)
    assert all(recorded[number]['acknowledged'] == 1 for number in expected)
    assert emulator.stats(details=False)['faults']['throttled'] > 0


CHECK = """
- name: Predict, confirm part, predict again
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Predict by task
      aliyun.domain.ack:
        task_no: "{{ task_no }}"
      check_mode: true
      register: predicted_by_task

    - name: Confirm the first two
      aliyun.domain.ack:
        task_detail_nos: "{{ numbers[:2] }}"
      register: partial

    - name: Predict by results
      aliyun.domain.ack:
        results: "{{ results }}"
      check_mode: true
      register: predicted_by_results

    - name: Predict by bare numbers
      aliyun.domain.ack:
        task_detail_nos: "{{ numbers[:2] }}"
      check_mode: true
      register: predicted_done
"""


def test_check_mode_confirms_nothing_and_predicts(emulator, run_playbook):
    task_no = emulator.seed(5)['task_nos'][0]
    theirs = emulator.seed(2)['task_nos'][0]
    numbers = poll_numbers(emulator, task_no)
    results = [{'task_detail_no': number, 'task_no': task_no, 'domain_name': 'seeded'} for number in numbers]

    run = run_playbook(CHECK, emulator=emulator,
                       extra_vars={'task_no': task_no, 'numbers': numbers, 'results': results}).assert_success()

    by_task = run.task('Predict by task')
    assert by_task['changed'] is True
    assert by_task['acknowledged_count'] == 5
    assert by_task['would_acknowledge'] == numbers
    assert by_task['api_calls'] == 1
    assert by_task['remaining'] == numbers
    assert [batch['status'] for batch in by_task['batches']] == ['not_sent']

    assert run.task('Confirm the first two')['acknowledged_count'] == 2

    by_results = run.task('Predict by results')
    assert by_results['changed'] is True
    assert by_results['acknowledged_count'] == 3
    assert by_results['would_acknowledge'] == numbers[2:]
    assert by_results['api_calls'] == 1

    done = run.task('Predict by bare numbers')
    assert done['changed'] is False
    assert done['would_acknowledge'] == []

    assert ack_calls(emulator) == 1
    assert poll_numbers(emulator, task_no) == numbers[2:]
    assert len(poll_numbers(emulator, theirs)) == 2


BAD_INPUT_CASES = [
    ('nothing', {}, 'one of the following is required: task_detail_nos, results, task_no'),
    ('empty list', {'task_detail_nos': []}, 'task_detail_nos, nothing was acknowledged: the list is empty'),
    ('empty results', {'results': []}, 'results, nothing was acknowledged: the list is empty'),
    ('integer number', {'task_detail_nos': ['@GOOD@', 12345]},
     'task_detail_nos[1] is 12345 (int); a TaskDetailNo is a string, quote it in YAML'),
    ('result without number', {'results': [{'task_detail_no': '@GOOD@'}, {'domain_name': 'example-00001.com'}]},
     'results[1] has no task_detail_no (keys: domain_name)'),
    ('result not a dict', {'results': [['@GOOD@']]}, "Elements value for option 'results' is of type list and we were unable to convert to dict"),
    ('two inputs', {'task_detail_nos': ['@GOOD@'], 'task_no': ['x']}, 'mutually exclusive: task_detail_nos|results|task_no'),
    ('batch too small', {'task_detail_nos': ['@GOOD@'], 'batch_size': 0}, 'option batch_size: expected a whole number from 1 to 1000'),
    ('batch too large', {'task_detail_nos': ['@GOOD@'], 'batch_size': 1001}, 'option batch_size: expected a whole number from 1 to 1000'),
    ('blank number', {'task_no': ['  ']}, "task_no[0] is '  '; a TaskNo contains no whitespace"),
]


def test_bad_input_fails_clearly_and_confirms_nothing(emulator, run_playbook):
    good = emulator.seed(1)['task_nos'][0]
    number = poll_numbers(emulator, good)[0]
    tasks = []
    for name, args, _expected in BAD_INPUT_CASES:
        rendered = json.dumps(args).replace('@GOOD@', number)
        tasks.append('    - name: "%s"\n      aliyun.domain.ack: %s\n      ignore_errors: true\n' % (name, rendered))
    playbook = '- name: Bad input\n  hosts: localhost\n  gather_facts: false\n  tasks:\n' + ''.join(tasks)

    run = run_playbook(playbook, emulator=emulator)

    assert run.failed_tasks() == [case[0] for case in BAD_INPUT_CASES]
    for name, _args, expected in BAD_INPUT_CASES:
        result = run.task(name)
        assert expected in result['msg'], (name, result['msg'])
        assert 'module_stderr' not in result and 'Traceback (most recent call last)' not in str(result), (name, result)
        assert result.get('acknowledged_count', 0) == 0, name
    assert ack_calls(emulator) == 0
    assert poll_numbers(emulator, good) == [number]


INTERRUPTED = """
- name: Interrupted by server errors, then finished from what is left
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Confirm two per call without retries
      aliyun.domain.ack:
        task_detail_nos: "{{ numbers }}"
        batch_size: 2
        max_retries: 0
      register: interrupted
      ignore_errors: true

    - name: Stop the server errors
      ansible.builtin.uri:
        url: "{{ lookup('ansible.builtin.env', 'ALIBABA_CLOUD_DOMAIN_ENDPOINT') }}/_emulator/config"
        method: POST
        body_format: json
        body: {error_rate: 0}

    - name: Finish with what is left
      aliyun.domain.ack:
        task_detail_nos: "{{ interrupted.remaining }}"
        batch_size: 2
      register: finished
"""


def test_failure_in_the_middle_reports_every_batch_and_a_rerun_finishes(emulator, run_playbook):
    task_no = emulator.seed(20)['task_nos'][0]
    numbers = poll_numbers(emulator, task_no)
    # Injected 5xx errors change nothing on the server; half of the calls fail.
    emulator.configure(error_rate=0.5)

    run = run_playbook(INTERRUPTED, emulator=emulator, extra_vars={'numbers': numbers}).assert_success()

    interrupted = run.task('Confirm two per call without retries')
    statuses = [batch['status'] for batch in interrupted['batches']]
    assert run.task_event('Confirm two per call without retries')['status'] == 'failed'
    assert 'failed' in statuses
    failed_at = statuses.index('failed')
    # Up to four batches are on their way at once (the default concurrency): those started before
    # the failure was known end as they end; no batch is started after it.
    started = len(statuses) - statuses.count('not_sent')
    assert statuses[started:] == ['not_sent'] * (len(statuses) - started) and 'not_sent' not in statuses[:started]
    assert started - failed_at <= 4
    confirmed = statuses.count('confirmed')
    assert interrupted['acknowledged_count'] == 2 * confirmed
    assert interrupted['changed'] is (confirmed > 0)
    assert interrupted['remaining'] == [number for index, number in enumerate(numbers) if statuses[index // 2] != 'confirmed']
    assert interrupted['error']['code'] in ('ServiceUnavailable', 'InternalError')
    assert interrupted['error']['request_id'] == interrupted['batches'][failed_at]['request_id']
    assert '%d of 10 batches confirmed' % confirmed in interrupted['msg']
    assert interrupted['error']['request_id'] in interrupted['msg']

    finished = run.task('Finish with what is left')
    assert finished['acknowledged_count'] == len(numbers) - 2 * confirmed
    assert finished['remaining'] == []
    assert poll_numbers(emulator, task_no) == []
    recorded = details(emulator)
    assert all(recorded[number]['acknowledged'] == 1 for number in numbers)


OURS_BY_TASK = CHANGE_AND_WAIT + """
    - name: Confirm by task number
      aliyun.domain.ack:
        task_no: "{{ change.task_nos }}"
        signature_version: v1
      register: confirmed
"""


def submit_with_official_sdk(emulator, domains):
    """A CHG_DNS task of "another tool": the official SDK, unchanged, in the same account."""
    client, models = official_sdk(emulator)
    request = models.SaveBatchTaskForModifyingDomainDnsRequest(
        domain_name=domains, aliyun_dns=False, domain_name_server=['ns1.other-tool.example', 'ns2.other-tool.example'])
    return client.save_batch_task_for_modifying_domain_dns(request).body.task_no


def test_task_no_leaves_a_task_of_the_official_sdk_alone(emulator, run_playbook):
    # Submitted first with the same task time, so it is final before ours is.
    theirs = submit_with_official_sdk(emulator, ['example-00010.com', 'example-00011.com'])

    run = run_playbook(OURS_BY_TASK, emulator=emulator, extra_vars={'domains': DOMAINS[:2]}).assert_success()

    (task_no,) = run.task('Change and wait')['task_nos']
    confirmed = run.task('Confirm by task number')
    ours = [item['task_detail_no'] for item in run.task('Change and wait')['task_results']]
    assert confirmed['changed'] is True
    assert sorted(confirmed['requested']) == sorted(ours)
    assert confirmed['acknowledged_count'] == 2
    assert poll_numbers(emulator, task_no) == []
    their_numbers = history_numbers(emulator, theirs)
    assert sorted(poll_numbers(emulator, theirs)) == sorted(their_numbers)
    recorded = details(emulator)
    assert all(recorded[number]['ack_requests'] == 0 for number in their_numbers)
