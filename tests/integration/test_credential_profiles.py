# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Profiles with temporary credentials in real ansible-playbook runs against the emulator.

The emulator accepts only an STS key with its token; a local STS (AssumeRole) and a local ECS metadata
service hand out exactly that key, so a task succeeds only if the whole chain worked.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils import _signing as signing
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.local_http import LocalHttpServer, json_response

STS_KEY = ('STS.integration', 'temporary-secret', 'temporary-token')
SOURCE_KEY = ('LTAI5tSource', 'source-secret')

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Read with the profile
      aliyun.domain.domain_task_result:
        profile: "{{ profile_name }}"
      register: read
"""


def issued():
    expiration = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() + 3600))
    return {'AccessKeyId': STS_KEY[0], 'AccessKeySecret': STS_KEY[1], 'SecurityToken': STS_KEY[2], 'Expiration': expiration}


def sts(request):
    params = dict(request.query)
    signature = params.pop('Signature', None)
    if params.get('Action') != 'AssumeRole' or signature != signing.v1_signature(request.method, params, SOURCE_KEY[1]):
        return json_response({'RequestId': 'sts', 'Code': 'SignatureDoesNotMatch', 'Message': 'bad'}, status=400)
    return json_response({'RequestId': 'sts-ok', 'Credentials': issued()})


def metadata(request):
    if request.method == 'PUT':
        return 200, {}, b'imds-token'
    if request.headers.get('x-aliyun-ecs-metadata-token') != 'imds-token':
        return 401, {}, b''
    if request.route.endswith('/security-credentials/'):
        return 200, {}, b'DnsRole'
    body = dict(issued(), Code='Success')
    return json_response(body)


@pytest.fixture
def sts_server():
    instance = LocalHttpServer(sts)
    yield instance
    instance.close()


@pytest.fixture
def metadata_server():
    instance = LocalHttpServer(metadata)
    yield instance
    instance.close()


def test_ram_role_and_ecs_profiles_reach_the_api(run_playbook, ansible_env, emulator_factory, sts_server, metadata_server):
    emulator = emulator_factory('--domains', '3', '--access-key', ':'.join(STS_KEY))
    config = os.path.join(ansible_env['HOME'], '.aliyun', 'config.json')
    os.makedirs(os.path.dirname(config))
    with open(config, 'w') as stream:
        json.dump({'current': 'role', 'profiles': [
            {'name': 'role', 'mode': 'RamRoleArn', 'access_key_id': SOURCE_KEY[0], 'access_key_secret': SOURCE_KEY[1],
             'ram_role_arn': 'acs:ram::1234567890:role/dns-migration', 'ram_session_name': 'runbook'},
            {'name': 'ecs', 'mode': 'EcsRamRole', 'ram_role_name': ''},
        ]}, stream)
    env = {'ALIBABA_CLOUD_ACCESS_KEY_ID': None, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET': None,
           'ALIBABA_CLOUD_STS_ENDPOINT': sts_server.url, 'ALIBABA_CLOUD_ECS_METADATA_ENDPOINT': metadata_server.url}

    for profile_name in ('role', 'ecs'):
        run = run_playbook(PLAYBOOK, emulator=emulator, env=env, extra_vars={'profile_name': profile_name}, verbosity=3)
        run.assert_success()
        for secret in ('temporary-secret', 'temporary-token', 'source-secret'):
            assert secret not in run.stdout + run.stderr

    assert [r.query['RoleSessionName'] for r in sts_server.requests] == ['runbook']
    assert sts_server.requests[0].query['RoleArn'] == 'acs:ram::1234567890:role/dns-migration'
    assert [r.method for r in metadata_server.requests] == ['PUT', 'GET', 'GET']
