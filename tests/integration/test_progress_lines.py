# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress lines of the waiting modules (their action plugins), in ansible-playbook's output and in
the job events of ansible-runner (what AWX shows), over waits long enough for several lines.

The emulator finishes the details in three waves (6 s, 13 s, 20 s), so that the counts change while
the modules wait. Without progress means a host on the test connection ``elsewhere`` (the local
connection under another name): the action plugins treat it as remote, and its module runs exactly
as before the plugins existed. Both hosts wait for the same task at the same time and must return the
same results; every API call the emulator answered is one the modules counted and returned.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import re
import sys

import ansible_runner

DOMAINS = ['example-%05d.com' % number for number in range(1, 31)]
# example-00001..00009 and 00030 take 6 s, 00010..00019 13 s, 00020..00029 20 s.
EMULATOR_ARGS = ('--domains', str(len(DOMAINS)), '--task-seconds', '6',
                 '--slow-domains', 'example-0001?.com=13', '--slow-domains', 'example-0002?.com=20')
CONNECTION_PLUGINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'connection_plugins')
PROGRESS_LINE = re.compile(r'^aliyun\.domain: (\d+) of (\d+) details final(?: \((\d+) failed\))?, (\d+) pending, '
                           r'\d+ (?:s|min) elapsed(?:, next check in \d+ (?:s|min))?$')

PLAYBOOK = """
- name: Change the nameservers twice
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/aliyun.domain.domain:
      endpoint: "{{ emulator_url }}"
  tasks:
    - name: Add a host whose modules the action plugins treat as remote
      ansible.builtin.add_host:
        name: elsewhere
        ansible_connection: elsewhere
        ansible_python_interpreter: "{{ ansible_playbook_python }}"

    - name: Change the nameservers and wait
      aliyun.domain.nameservers:
        domains: "{{ domains }}"
        nameservers: [ns1.first.example, ns2.first.example]
        wait: true
        poll_interval: 1
        max_poll_interval: 3
      register: first

    - name: Submit a second change
      aliyun.domain.nameservers:
        domains: "{{ domains }}"
        nameservers: [ns1.second.example, ns2.second.example]
      register: second

- name: Wait for the second change with and without progress lines
  hosts: localhost:elsewhere
  gather_facts: false
  module_defaults:
    group/aliyun.domain.domain:
      endpoint: "{{ emulator_url }}"
  tasks:
    - name: Wait for the second change
      aliyun.domain.domain_task_result:
        task_no: "{{ hostvars.localhost.second.task_nos }}"
        wait: true
        poll_interval: 1
        max_poll_interval: 3

    - name: Read it again delegated to localhost
      aliyun.domain.domain_task_result:
        task_no: "{{ hostvars.localhost.second.task_nos }}"
        wait: true
      delegate_to: localhost
      when: inventory_hostname == 'elsewhere'

    - name: Read it again in check mode
      aliyun.domain.domain_task_result:
        task_no: "{{ hostvars.localhost.second.task_nos }}"
        wait: true
      check_mode: true
      when: inventory_hostname == 'localhost'

    - name: Read it again with async
      aliyun.domain.domain_task_result:
        task_no: "{{ hostvars.localhost.second.task_nos }}"
        wait: true
      async: 120
      poll: 1
      when: inventory_hostname == 'localhost'
"""


def progress_lines(lines):
    return [line.strip() for line in lines if line.strip().startswith('aliyun.domain: ')]


def assert_advancing(lines, total):
    """Several well-formed lines, counts never going back, the last one the end of the wait."""
    matches = [PROGRESS_LINE.match(line) for line in lines]
    assert all(matches), lines
    assert len(lines) >= 3, lines
    finals = [int(match.group(1)) for match in matches]
    assert finals == sorted(finals) and finals[0] < total, lines
    assert {int(match.group(2)) for match in matches} == {total}
    assert lines[-1].startswith('aliyun.domain: %d of %d details final, 0 pending' % (total, total)), lines
    assert all('next check in' in line for line in lines[:-1]) and 'next check in' not in lines[-1], lines


def test_module_waits_show_progress_lines_and_change_nothing_else(emulator_factory, run_playbook, tmp_path):
    emulator = emulator_factory(*EMULATOR_ARGS)

    run = run_playbook(PLAYBOOK, extra_vars={'emulator_url': emulator.url, 'domains': DOMAINS},
                       env={'ANSIBLE_CONNECTION_PLUGINS': CONNECTION_PLUGINS, 'ALIBABA_CLOUD_DOMAIN_ENDPOINT': None,
                            'ANSIBLE_ASYNC_DIR': str(tmp_path / 'async')})

    run.assert_success()
    sections = run.progress_lines_by_task()
    # nameservers with wait: true (its endpoint from the module_defaults group)
    first = run.task('Change the nameservers and wait')
    assert first['changed'] and first['summary'] == {'total': 30, 'succeeded': 30, 'failed': 0, 'pending': 0}
    assert_advancing(sections['Change the nameservers and wait'], 30)
    assert sections['Submit a second change'] == []

    # domain_task_result: lines from the local host only (one end line), none from the other
    waited = sections['Wait for the second change']
    assert_advancing(waited, 30)
    assert len([line for line in waited if ', 0 pending' in line]) == 1, waited
    with_lines = run.host_result('Wait for the second change', 'localhost')
    without_lines = run.host_result('Wait for the second change', 'elsewhere')
    assert with_lines['summary'] == without_lines['summary'] == {'total': 30, 'succeeded': 30, 'failed': 0, 'pending': 0}

    def details(result):
        return sorted(result['task_results'], key=lambda item: item['task_detail_no'])

    assert details(with_lines) == details(without_lines)
    # The lines cost no API call: every request the emulator answered is one the modules counted and returned
    # (the same waits' calls are equal with and without a progress hook on a fake clock: test_waiter.py).
    # The two hosts' counts themselves may differ by a probe: a detail can finish between their probes.
    assert with_lines['api_calls'] == len(with_lines['request_ids']) and without_lines['api_calls'] > 0
    counted = sum(event['result'].get('api_calls', 0) for event in run.events
                  if str(event.get('action')).startswith('aliyun.domain.') and not event.get('item'))
    assert emulator.stats()['requests_total'] == counted

    # delegate_to: localhost brings the lines back for the other host; check mode and async keep the results
    assert progress_lines(sections['Read it again delegated to localhost']) == [
        'aliyun.domain: 30 of 30 details final, 0 pending, 0 s elapsed']
    assert details(run.host_result('Read it again delegated to localhost', 'elsewhere')) == details(with_lines)
    assert details(run.host_result('Read it again in check mode', 'localhost')) == details(with_lines)
    assert sections['Read it again with async'] == []
    asynchronous = run.host_result('Read it again with async', 'localhost')
    assert asynchronous['finished'] and details(asynchronous) == details(with_lines)
    assert 'Traceback' not in run.stdout + run.stderr


def test_role_wait_lines_reach_ansible_runner_events_as_they_happen(
        collection_root, ansible_env, emulator_factory, tmp_path, monkeypatch):
    emulator = emulator_factory(*EMULATOR_ARGS)
    for name in list(os.environ):
        if name.startswith(('ALIBABA_CLOUD_', 'ALICLOUD_', 'ANSIBLE_')):
            monkeypatch.delenv(name)
    recorder = ('ANSIBLE_CALLBACK_PLUGINS', 'ANSIBLE_CALLBACKS_ENABLED')
    envvars = dict((key, value) for key, value in ansible_env.items()
                   if key.startswith(('ANSIBLE_', 'ALIBABA_CLOUD_')) and key not in recorder)
    envvars.update(HOME=ansible_env['HOME'], ALIBABA_CLOUD_DOMAIN_ENDPOINT=emulator.url)
    monkeypatch.setenv('PATH', os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))

    (tmp_path / 'job').mkdir()
    runner = ansible_runner.run(
        private_data_dir=str(tmp_path / 'job'),
        playbook=os.path.join(collection_root, 'playbooks', 'migrate_dns.yml'),
        inventory="localhost ansible_connection=local ansible_python_interpreter='{{ ansible_playbook_python }}'",
        envvars=envvars,
        # the role's DNS checks off, as in every playbook test (DNS_CHECKS_OFF in conftest.py): no DNS here
        extravars={'dns_migration_preflight': False, 'dns_migration_verify_delegation': False,
                   'dns_migration_domains': DOMAINS, 'dns_migration_nameservers': ['ns1.awx.example', 'ns2.awx.example'],
                   'dns_migration_work_dir': str(tmp_path / 'dns-migration'), 'dns_migration_poll_interval': 1,
                   'dns_migration_max_poll_interval': 3},
        quiet=True,
        timeout=600,
    )
    stdout = runner.stdout.read()
    assert runner.status == 'successful', stdout[-6000:]
    assert emulator.stats()['details_acknowledged'] == len(DOMAINS)

    events = sorted(runner.events, key=lambda event: event['counter'])
    wait_task = 'Wait until the registrar has finished every domain, journaling each result'
    started = [event['counter'] for event in events if event['event'] == 'playbook_on_task_start'
               and event['event_data'].get('task', '').endswith(wait_task)]
    ended = [event for event in events if event['event'] == 'runner_on_ok'
             and event['event_data'].get('task', '').endswith(wait_task)]
    assert len(started) == 1 and len(ended) == 1, [event['event'] for event in events]
    shown = [event for event in events if started[0] < event['counter'] < ended[0]['counter']
             and event['event'] == 'verbose' and event['stdout'].strip().startswith('aliyun.domain: ')]
    assert_advancing([event['stdout'].strip() for event in shown], len(DOMAINS))
    # As it happens, not when the task ends: the first line came while the details still had seconds to go.
    assert _seconds(ended[0]['created']) - _seconds(shown[0]['created']) >= 8, (shown[0], ended[0]['created'])
    # The job's stdout (what AWX shows as text) has the same lines.
    assert [event['stdout'].strip() for event in shown] == [
        line for line in progress_lines(stdout.splitlines()) if line in [event['stdout'].strip() for event in shown]]


def _seconds(created):
    """Seconds of an event's ``created`` stamp (ISO 8601)."""
    return datetime.datetime.fromisoformat(created).timestamp()
