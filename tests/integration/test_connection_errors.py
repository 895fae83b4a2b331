# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a user sees when the connection cannot work: one readable line naming the cause, no traceback, no secret.

Real ansible-playbook runs: a missing credential, a malformed ~/.aliyun/config.json, an unreachable
endpoint and an HTML page from a proxy, through a module and through a lookup, at -vvv.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.local_http import LocalHttpServer, dead_url

SECRET = 'VerySecretValue-4711'
NO_ENV_CREDENTIALS = {'ALIBABA_CLOUD_ACCESS_KEY_ID': None, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET': None,
                      'ALICLOUD_ACCESS_KEY': None, 'ALICLOUD_SECRET_KEY': None, 'ALIBABA_CLOUD_DOMAIN_ENDPOINT': None}

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Module without credentials
      aliyun.domain.domain_task_result:
        endpoint: "{{ html_url }}"
      ignore_errors: true

    - name: Lookup without credentials
      ansible.builtin.debug:
        msg: "{{ lookup('aliyun.domain.domain_task_result', endpoint=html_url) }}"
      ignore_errors: true

    - name: Unreachable endpoint
      aliyun.domain.domain_task_result:
        endpoint: "{{ dead_url }}"
        access_key_id: LTAI5tIntegration
        access_key_secret: %(secret)s
        max_retries: 0
      ignore_errors: true

    - name: HTML page from a proxy
      aliyun.domain.domain_task_result:
        endpoint: "{{ html_url }}"
        access_key_id: LTAI5tIntegration
        access_key_secret: %(secret)s
        max_retries: 0
      ignore_errors: true
""" % {'secret': SECRET}

HTML = b'<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>'


@pytest.fixture
def html_server():
    instance = LocalHttpServer(lambda request: (502, {'Content-Type': 'text/html'}, HTML))
    yield instance
    instance.close()


def assert_clean(run):
    text = run.stdout + run.stderr
    assert 'Traceback' not in text
    assert SECRET not in text


def test_each_cause_is_one_readable_line(run_playbook, ansible_env, html_server):
    config = os.path.join(ansible_env['HOME'], '.aliyun', 'config.json')
    os.makedirs(os.path.dirname(config))
    with open(config, 'w') as stream:
        stream.write('{"current": "default", "profiles": [{"name": "default",')
    run = run_playbook(PLAYBOOK, env=NO_ENV_CREDENTIALS, verbosity=3,
                       extra_vars={'html_url': html_server.url, 'dead_url': dead_url()})
    assert_clean(run)
    assert run.failed_tasks() == ['Module without credentials', 'Lookup without credentials', 'Unreachable endpoint',
                                  'HTML page from a proxy']

    malformed = run.task('Module without credentials')
    assert malformed['msg'].startswith('%s is not valid JSON: ' % config)
    assert malformed['error']['code'] == 'InvalidConfiguration'
    assert '%s is not valid JSON: ' % config in run.task('Lookup without credentials')['msg']

    unreachable = run.task('Unreachable endpoint')
    assert unreachable['msg'].startswith('PollTaskResult failed: cannot reach http://127.0.0.1:')
    assert 'Connection refused' in unreachable['msg']

    html = run.task('HTML page from a proxy')
    assert html['msg'] == ('PollTaskResult failed: InvalidResponse: HTTP 502 with an HTML page ("502 Bad Gateway") '
                           'instead of JSON; a proxy or gateway answered, not the Domain API (RequestId: none)')
    assert html['error'] == {'code': 'InvalidResponse', 'request_id': None, 'message': (
        'HTTP 502 with an HTML page ("502 Bad Gateway") instead of JSON; a proxy or gateway answered, not the Domain API')}


def test_missing_credentials_name_every_source(run_playbook, html_server):
    run = run_playbook(PLAYBOOK, env=NO_ENV_CREDENTIALS, extra_vars={'html_url': html_server.url, 'dead_url': dead_url()})
    assert_clean(run)
    for name in ('Module without credentials', 'Lookup without credentials'):
        message = run.task(name)['msg']
        assert 'No Alibaba Cloud credentials found. Tried: options access_key_id/access_key_secret; ' in message
        assert 'ALICLOUD_ACCESS_KEY' in message and 'config.json (no such file)' in message
    # only the task with credentials reached the server, once (max_retries: 0)
    assert len(html_server.requests) == 1
