# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""aliyun.domain.domain_task_result through real ansible-playbook runs against the emulator.

Tasks are created through the emulator's control plane (``seed``: details submitted by "another
tool", with a chosen duration), so that these tests depend on nothing but this module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

FIELDS = {'task_no', 'task_detail_no', 'task_type', 'task_type_description', 'instance_id', 'domain_name',
          'task_status', 'task_status_code', 'try_count', 'error_msg', 'task_result', 'create_time', 'update_time'}

WAIT = """
- name: Wait for tasks
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Wait
      aliyun.domain.domain_task_result:
        task_no: "{{ task_nos }}"
        wait: true
        wait_timeout: "{{ wait_timeout | default(120) }}"
        poll_interval: 0.2
        fail_on_failure: "{{ fail_on_failure | default(true) }}"
        journal: "{{ journal | default(omit) }}"
        query: "{{ result_query | default(omit) }}"
        lang: "{{ lang | default('en') }}"
      register: waited
"""

READ = """
- name: Read results
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read
      aliyun.domain.domain_task_result:
        task_no: "{{ task_nos | default(omit) }}"
        page_num: "{{ page_num | default(omit) }}"
        page_size: "{{ page_size | default(1000) }}"
        task_result_status: "{{ status | default(omit) }}"
        task_type: "{{ task_type | default(omit) }}"
        query: "{{ result_query | default(omit) }}"
        lang: "{{ lang | default('en') }}"
      register: read
"""


def names(first, last):
    """Domains the emulator has registered (example-00001.com ...), first to last inclusive."""
    return ['example-%05d.com' % number for number in range(first, last + 1)]


SEED_AND_WAIT = """
- name: Create a task and wait for it at once
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Seed
      ansible.builtin.uri:
        url: "{{ emulator_url }}/_emulator/seed"
        method: POST
        body_format: json
        body: {results: 20, task_seconds: "5-8", domains: "{{ domains }}"}
      register: seeded

    - name: Wait
      aliyun.domain.domain_task_result:
        task_no: "{{ seeded.json.task_nos }}"
        wait: true
        wait_timeout: 120
      register: waited
"""


def test_waits_until_every_detail_succeeded(emulator, run_playbook):
    domains = names(1, 20)

    run = run_playbook(SEED_AND_WAIT, emulator=emulator, extra_vars={'emulator_url': emulator.url, 'domains': domains})

    run.assert_success()
    waited = run.task('Wait')
    (task_no,) = run.task('Seed')['json']['task_nos']
    assert waited['changed'] is False
    assert waited['summary'] == {'total': 20, 'succeeded': 20, 'failed': 0, 'pending': 0}
    assert sorted(item['domain_name'] for item in waited['task_results']) == domains
    assert {item['task_no'] for item in waited['task_results']} == {task_no}
    assert all(set(item) >= FIELDS for item in waited['task_results'])
    assert {item['task_status'] for item in waited['task_results']} == {'EXECUTE_SUCCESS'}
    # It had to wait, about as long as the task took: the first probe (QueryTaskDetailList) and at least
    # one PollTaskResult, the last of which proved the task done and carried the results. The task lasts
    # 5-8 s so that it is still running when the module starts even on a loaded machine (2-4 s was not).
    assert waited['api_calls'] == len(waited['request_ids']) >= 2
    assert waited['elapsed'] > 1
    assert None not in emulator.detail_final_times(task_no)


def test_wait_ending_in_failure_names_the_domains_and_still_returns_results(emulator_factory, run_playbook):
    emulator = emulator_factory('--domains', '10', '--task-seconds', '0.2', '--fail-domains', 'example-0000[23]',
                                '--max-tries', '2')
    domains = names(1, 6)
    (task_no,) = emulator.seed(6, task_seconds=0.2, fail_domains='example-0000[23]', domains=domains)['task_nos']

    run = run_playbook(WAIT, emulator=emulator, extra_vars={'task_nos': [task_no]})

    assert run.rc != 0
    waited = run.task('Wait')
    assert run.task_event('Wait')['status'] == 'failed'
    assert waited['msg'].startswith('2 of 6 details ended in EXECUTE_FAILURE: example-00002.com: ')
    assert 'example-00003.com: ' in waited['msg']
    assert waited['error']['code'] == 'TaskFailed'
    assert sorted(waited['failed_domains']) == ['example-00002.com', 'example-00003.com']
    assert len(waited['task_results']) == 6
    assert waited['summary'] == {'total': 6, 'succeeded': 4, 'failed': 2, 'pending': 0}

    run = run_playbook(WAIT, emulator=emulator, extra_vars={'task_nos': [task_no], 'fail_on_failure': False})
    run.assert_success()
    failed = [item for item in run.task('Wait')['task_results'] if item['task_status_code'] == 3]
    assert sorted(item['domain_name'] for item in failed) == ['example-00002.com', 'example-00003.com']
    assert all(item['error_msg'] and item['try_count'] == 2 for item in failed)


def test_timeout_reports_progress_pending_domains_and_elapsed_time(emulator, run_playbook):
    slow = names(3, 5)
    (fast_task,) = emulator.seed(2, task_seconds=0.1, domains=names(1, 2))['task_nos']
    (slow_task,) = emulator.seed(3, task_seconds=300, domains=slow)['task_nos']

    run = run_playbook(WAIT, emulator=emulator, extra_vars={'task_nos': [fast_task, slow_task], 'wait_timeout': 2})

    assert run.rc != 0
    waited = run.task('Wait')
    assert waited['error']['code'] == 'WaitTimeout'
    assert waited['msg'].startswith('Timed out after 2.')
    assert '2 of 5 details final' in waited['msg']
    assert 'pending: %s' % ', '.join(slow) in waited['msg']
    assert waited['pending_domains'] == slow
    assert waited['summary'] == {'total': 2, 'succeeded': 2, 'failed': 0, 'pending': 3}
    assert sorted(item['domain_name'] for item in waited['task_results']) == names(1, 2)


def test_more_than_a_thousand_results_across_pages(emulator_factory, run_playbook):
    emulator = emulator_factory('--domains', '1200', '--task-seconds', '0')
    (task_no,) = emulator.seed(1200, task_seconds=0, per_task=1200)['task_nos']

    run = run_playbook(READ, emulator=emulator, extra_vars={'task_nos': [task_no], 'page_size': 500})
    run.assert_success()
    read = run.task('Read')
    assert len(read['task_results']) == 1200
    assert len({item['task_detail_no'] for item in read['task_results']}) == 1200
    assert read['summary']['total'] == 1200
    assert read['api_calls'] == 3
    assert 'total_item_num' not in read

    run = run_playbook(READ, emulator=emulator, extra_vars={'task_nos': [task_no], 'page_size': 500, 'page_num': 3})
    run.assert_success()
    page = run.task('Read')
    assert len(page['task_results']) == 200
    assert (page['total_item_num'], page['current_page_num'], page['total_page_num'], page['page_size']) == (1200, 3, 3, 500)
    assert (page['pre_page'], page['next_page']) == (True, False)
    assert page['api_calls'] == 1


def test_query_filters_and_status(emulator_factory, run_playbook):
    emulator = emulator_factory('--domains', '10', '--task-seconds', '0')
    domains = names(1, 8)
    emulator.seed(8, task_seconds=0, fail_domains='example-0000[45]', domains=domains)

    query = "[?task_status_code==`3`].{domain: domain_name, error: error_msg}"
    run = run_playbook(READ, emulator=emulator, extra_vars={'result_query': query})
    run.assert_success()
    read = run.task('Read')
    assert [item['domain'] for item in read['query_result']] == ['example-00004.com', 'example-00005.com']
    assert all(item['error'] for item in read['query_result'])
    assert len(read['task_results']) == 8

    run = run_playbook(READ, emulator=emulator, extra_vars={'status': 'failure'})
    run.assert_success()
    assert sorted(item['domain_name'] for item in run.task('Read')['task_results']) == ['example-00004.com', 'example-00005.com']

    run = run_playbook(READ, emulator=emulator, extra_vars={'task_type': 'ORDER_RENEW'})
    run.assert_success()
    assert run.task('Read')['task_results'] == []

    run = run_playbook(READ, emulator=emulator, extra_vars={'result_query': '[?'})
    assert run.rc != 0
    assert run.task('Read')['msg'].startswith("query: '[?' is not a valid JMESPath expression")


def test_check_mode_reads_the_same_and_changes_nothing(emulator, run_playbook):
    (task_no,) = emulator.seed(5, task_seconds=0.3)['task_nos']

    checked = run_playbook(WAIT, emulator=emulator, extra_vars={'task_nos': [task_no]}, check=True)
    checked.assert_success()
    normal = run_playbook(WAIT, emulator=emulator, extra_vars={'task_nos': [task_no]})
    normal.assert_success()

    assert checked.task('Wait')['task_results'] == normal.task('Wait')['task_results']
    assert checked.task('Wait')['changed'] is False
    stats = emulator.stats(details=False)
    assert 'AcknowledgeTaskResult' not in stats['requests_per_action']
    assert 'SaveBatchTaskForModifyingDomainDns' not in stats['requests_per_action']


def test_lang_zh_describes_tasks_in_chinese(emulator, run_playbook):
    (task_no,) = emulator.seed(2, task_seconds=0)['task_nos']

    run = run_playbook(READ, emulator=emulator, extra_vars={'task_nos': [task_no], 'lang': 'zh'})

    run.assert_success()
    assert {item['task_type_description'] for item in run.task('Read')['task_results']} == {u'修改DNS'}


def test_journal_holds_each_result_once_and_query_keeps_facts_small(emulator, run_playbook, tmp_path):
    (first,) = emulator.seed(4, task_seconds=0.2, domains=names(1, 4))['task_nos']
    (second,) = emulator.seed(3, task_seconds=0.2, domains=names(5, 7))['task_nos']
    journal = tmp_path / 'results.jsonl'

    for task_nos in ([first], [first, second]):
        run = run_playbook(WAIT, emulator=emulator, extra_vars={
            'task_nos': task_nos, 'journal': str(journal), 'result_query': '[*].domain_name'})
        run.assert_success()

    waited = run.task('Wait')
    assert waited['task_results'] == []
    assert sorted(waited['query_result']) == names(1, 7)
    records = [json.loads(line) for line in journal.read_text(encoding='utf-8').splitlines()]
    assert len(records) == 7
    assert len({record['task_detail_no'] for record in records}) == 7
    assert all(set(record) >= FIELDS for record in records)
    text = journal.read_text(encoding='utf-8')
    assert 'testsecret' not in text and 'testid' not in text


def test_wait_survives_throttling_and_server_errors(emulator, run_playbook):
    (task_no,) = emulator.seed(10, task_seconds='0.5-1.5')['task_nos']
    emulator.configure(throttle_rate=0.4, error_rate=0.2, retry_after_ms=20)

    run = run_playbook(WAIT, emulator=emulator, extra_vars={'task_nos': [task_no]})

    run.assert_success()
    assert run.task('Wait')['summary'] == {'total': 10, 'succeeded': 10, 'failed': 0, 'pending': 0}
    faults = emulator.stats(details=False)['faults']
    assert faults['throttled'] > 0
    assert faults['errors'] > 0


def test_wait_for_a_domain_result(emulator, run_playbook):
    emulator.seed(1, task_seconds=0.8, domains=names(9, 9))

    run = run_playbook("""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Wait for the domain
      aliyun.domain.domain_task_result:
        domain_name: example-00009.com
        wait: true
        poll_interval: 0.2
        wait_timeout: 60
""", emulator=emulator)

    run.assert_success()
    assert [item['domain_name'] for item in run.task('Wait for the domain')['task_results']] == names(9, 9)


def test_bad_input_is_one_clear_error_and_no_call(emulator, run_playbook):
    run = run_playbook("""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Page size
      aliyun.domain.domain_task_result:
        page_size: 5000
      ignore_errors: true
    - name: Nothing to wait for
      aliyun.domain.domain_task_result:
        wait: true
      ignore_errors: true
    - name: Unknown task
      aliyun.domain.domain_task_result:
        task_no: no-such-task
        wait: true
      ignore_errors: true
""", emulator=emulator)

    assert run.task('Page size')['msg'] == 'Invalid value 5000 for option page_size: expected a whole number from 1 to 1000.'
    assert run.task('Nothing to wait for')['msg'].startswith('wait: true needs task_no, domain_name or instance_id')
    assert 'no-such-task' in run.task('Unknown task')['msg']
    assert run.task('Unknown task')['error']['code'] == 'TaskNotFound'
    assert run.task('Unknown task')['api_calls'] == len(run.task('Unknown task')['request_ids']) == 1
    assert 'api_calls' not in run.task('Page size')
    assert emulator.stats(details=False)['requests_per_action'].get('PollTaskResult', 0) == 0
