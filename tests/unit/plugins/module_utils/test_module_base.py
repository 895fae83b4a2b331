# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AliyunDomainModule: merged options, check mode, option validation, fail_from_error, the client."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.aliyun.domain.plugins.module_utils import _module
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainApiError
from ansible_collections.aliyun.domain.plugins.module_utils._module import AliyunDomainModule
from ansible_collections.aliyun.domain.plugins.module_utils._options import connection_argument_spec
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.local_http import json_response

SECRET = 'module-test-secret'


@pytest.fixture(autouse=True)
def clean_environment(clean_connection_environment):
    return clean_connection_environment


def run_failing(args, capsys, spec=None):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as caught:
            module = AliyunDomainModule(argument_spec=spec or {})
            module.client.call('PollTaskResult')
    assert caught.value.code == 1
    return json.loads(capsys.readouterr().out)


def test_connection_options_are_merged_and_check_mode_is_on():
    with patch_module_args({'name': 'x', '_ansible_check_mode': True}):
        module = AliyunDomainModule(argument_spec=dict(name=dict(type='str', required=True)))
    assert module.check_mode is True
    assert module.params['name'] == 'x'
    assert module.params['signature_version'] == 'v3' and module.params['max_retries'] == 5
    assert set(connection_argument_spec()) <= set(module.argument_spec)


def test_bad_endpoint_fails_naming_option_and_value(capsys):
    result = run_failing({'endpoint': 'domain.aliyuncs.com'}, capsys)
    assert result['failed'] is True
    assert result['msg'].startswith("Invalid value 'domain.aliyuncs.com' for option endpoint: expected a URL such as")
    assert result['error']['code'] == 'InvalidConfiguration'
    assert 'exception' not in result


def test_missing_credentials_fail_with_every_source(capsys, server):
    result = run_failing({'endpoint': server.url}, capsys)
    assert result['msg'].startswith('No Alibaba Cloud credentials found. Tried: options access_key_id/access_key_secret;')
    assert server.requests == []


def test_api_error_is_returned_as_error_and_secret_is_never_output(capsys, server):
    server.handler = lambda request: json_response(
        {'RequestId': 'rid-9', 'Code': 'InvalidAccessKeyId.NotFound', 'Message': 'Specified access key is not found.'},
        status=404)
    with patch_module_args({'endpoint': server.url, 'access_key_id': 'id', 'access_key_secret': SECRET}):
        module = AliyunDomainModule(argument_spec={})
        with pytest.raises(SystemExit):
            try:
                module.client.call('PollTaskResult')
            except DomainApiError as error:
                module.fail_from_error(error, changed=False, task_no='T1')
    out = capsys.readouterr().out
    result = json.loads(out)
    assert result['msg'] == ('PollTaskResult failed: InvalidAccessKeyId.NotFound: Specified access key is not found. '
                             '(RequestId: rid-9)')
    assert result['error'] == {'code': 'InvalidAccessKeyId.NotFound', 'message': 'Specified access key is not found.',
                               'request_id': 'rid-9'}
    assert result['task_no'] == 'T1' and result['changed'] is False
    assert SECRET not in out
    assert server.requests[0].signature_is_valid('id', SECRET)


def test_client_is_built_once_per_module(server):
    with patch_module_args({'endpoint': server.url, 'access_key_id': 'id', 'access_key_secret': SECRET,
                            'signature_version': 'v1'}):
        module = AliyunDomainModule(argument_spec={})
    client = module.client
    assert module.client is client
    client.call('QueryTaskList', {'PageNum': 1, 'PageSize': 10})
    client.call('QueryTaskList', {'PageNum': 2, 'PageSize': 10})
    assert client.api_calls == 2 and all(r.signature_is_valid('id', SECRET) for r in server.requests)


def test_missing_requests_is_reported_with_missing_required_lib(capsys, monkeypatch):
    monkeypatch.setattr(_module, 'HAS_REQUESTS', False)
    monkeypatch.setattr(_module, 'REQUESTS_IMPORT_ERROR', 'ImportError: No module named requests')
    with patch_module_args({}):
        with pytest.raises(SystemExit):
            AliyunDomainModule(argument_spec={})
    result = json.loads(capsys.readouterr().out)
    assert result['failed'] is True
    assert 'Failed to import the required Python library (requests)' in result['msg']


def test_every_result_after_the_client_was_built_carries_the_calls_made(capsys, server):
    server.handler = lambda request: json_response({'RequestId': 'rid-%d' % len(server.requests), 'Data': {}})
    args = {'endpoint': server.url, 'access_key_id': 'id', 'access_key_secret': SECRET}
    with patch_module_args(args):
        module = AliyunDomainModule(argument_spec={})
        module.client.call('QueryTaskList')
        module.client.call('QueryTaskList')
        with pytest.raises(SystemExit):
            module.exit_json(changed=False, api_calls=0)
    result = json.loads(capsys.readouterr().out)
    assert result['api_calls'] == 2
    assert result['request_ids'] == ['rid-1', 'rid-2']
    assert module._client is None  # exiting closed it

    with patch_module_args(args):
        module = AliyunDomainModule(argument_spec={})
        module.client.call('QueryTaskList')
        with pytest.raises(SystemExit):
            module.fail_from_error(DomainApiError('QueryTaskList', 'InternalError', 'boom', request_id='rid-x'))
    result = json.loads(capsys.readouterr().out)
    assert result['failed'] is True and result['api_calls'] == 1 and result['request_ids'] == ['rid-3']


def test_a_result_before_any_client_has_no_calls(capsys):
    with patch_module_args({}):
        module = AliyunDomainModule(argument_spec={})
        with pytest.raises(SystemExit):
            module.exit_json(changed=False)
    result = json.loads(capsys.readouterr().out)
    assert 'api_calls' not in result and 'request_ids' not in result
