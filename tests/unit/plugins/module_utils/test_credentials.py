# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The credential chain under a temporary HOME and environment; STS and ECS metadata on 127.0.0.1."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils import _signing as signing
from ansible_collections.aliyun.domain.plugins.module_utils._credentials import (
    RefreshingCredentialsProvider,
    Credentials,
    resolve_credentials_provider,
)
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainApiError, DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._options import OptionAdapter
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.local_http import json_response

NOW = 1700000000.0


def iso(epoch):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    return tmp_path


def resolve(options=None, environ=None, clock=lambda: NOW, log=None):
    return resolve_credentials_provider(OptionAdapter.from_dict(options or {}), environ or {}, wall_clock=clock, log=log)


def write_cli_config(home, profiles, current='default'):
    path = home / '.aliyun' / 'config.json'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({'current': current, 'profiles': profiles}))
    return path


def write_ini(home, text, name='credentials'):
    path = home / '.alibabacloud' / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def keys(provider):
    creds = provider.get()
    return creds.access_key_id, creds.access_key_secret, creds.security_token


def test_options_win_over_everything(home):
    write_cli_config(home, [{'name': 'default', 'mode': 'AK', 'access_key_id': 'file', 'access_key_secret': 'f'}])
    provider = resolve({'access_key_id': 'opt', 'access_key_secret': 's', 'security_token': 't'},
                       {'ALIBABA_CLOUD_ACCESS_KEY_ID': 'env', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET': 'e'})
    assert keys(provider) == ('opt', 's', 't')
    assert provider.source == 'options'


def test_alibaba_cloud_environment_beats_legacy_alicloud(home):
    environ = {'ALIBABA_CLOUD_ACCESS_KEY_ID': 'new', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET': 'ns',
               'ALIBABA_CLOUD_SECURITY_TOKEN': 'nt', 'ALICLOUD_ACCESS_KEY': 'old', 'ALICLOUD_SECRET_KEY': 'os'}
    assert keys(resolve(environ=environ)) == ('new', 'ns', 'nt')


def test_legacy_alicloud_environment(home):
    environ = {'ALICLOUD_ACCESS_KEY': 'old', 'ALICLOUD_SECRET_KEY': 'os', 'ALICLOUD_SECURITY_TOKEN': 'ot'}
    provider = resolve(environ=environ)
    assert keys(provider) == ('old', 'os', 'ot')
    assert provider.source == 'environment ALICLOUD_ACCESS_KEY'


def test_half_a_key_pair_is_an_error_naming_the_missing_half(home):
    with pytest.raises(DomainConfigError) as caught:
        resolve({'access_key_id': 'opt'})
    assert str(caught.value) == 'Incomplete credentials from options: access_key_id is set but access_key_secret is not.'


def test_cli_profile_ak_current_and_named(home):
    write_cli_config(home, [
        {'name': 'default', 'mode': 'AK', 'access_key_id': 'd', 'access_key_secret': 'ds'},
        {'name': 'ops', 'mode': 'ak', 'access_key_id': 'o', 'access_key_secret': 'os'},
        {'name': 'sts', 'mode': 'StsToken', 'access_key_id': 'STS.x', 'access_key_secret': 'xs', 'sts_token': 'tok'},
    ], current='ops')
    assert keys(resolve()) == ('o', 'os', None)
    assert keys(resolve({'profile': 'default'})) == ('d', 'ds', None)
    assert keys(resolve(environ={'ALIBABA_CLOUD_PROFILE': 'sts'})) == ('STS.x', 'xs', 'tok')
    assert keys(resolve(environ={'ALICLOUD_PROFILE': 'default'})) == ('d', 'ds', None)
    assert keys(resolve({'profile': 'ops'}, {'ALIBABA_CLOUD_PROFILE': 'sts'})) == ('o', 'os', None)


def test_malformed_cli_config_is_one_readable_line(home):
    path = home / '.aliyun' / 'config.json'
    path.parent.mkdir()
    path.write_text('{"current": "default", "profiles": [ {"name": "default", "access_key_secret": "SECRETVALUE" ')
    with pytest.raises(DomainConfigError) as caught:
        resolve()
    message = str(caught.value)
    assert message.startswith('%s is not valid JSON: ' % path)
    assert 'SECRETVALUE' not in message and '\n' not in message


def test_unsupported_mode_and_missing_fields_are_named(home):
    write_cli_config(home, [{'name': 'default', 'mode': 'OIDC'},
                            {'name': 'half', 'mode': 'StsToken', 'access_key_id': 'a', 'access_key_secret': 'b'}])
    with pytest.raises(DomainConfigError) as caught:
        resolve()
    assert "uses mode 'OIDC'" in str(caught.value) and 'AK, StsToken, RamRoleArn, EcsRamRole' in str(caught.value)
    with pytest.raises(DomainConfigError) as caught:
        resolve({'profile': 'half'})
    assert "profile 'half'" in str(caught.value) and 'lacks sts_token' in str(caught.value)


def test_ini_files_default_section_named_section_and_comments(home):
    write_ini(home, '[default]\ntype = access_key\naccess_key_id = ini-id # comment\naccess_key_secret = ini-secret\n'
                    '[other]\naccess_key_id = o\naccess_key_secret = os\n', name='credentials.ini')
    assert keys(resolve()) == ('ini-id', 'ini-secret', None)
    assert keys(resolve({'profile': 'other'})) == ('o', 'os', None)


def test_ini_without_extension_is_read_first(home):
    write_ini(home, '[default]\naccess_key_id = plain\naccess_key_secret = p\n')
    write_ini(home, '[default]\naccess_key_id = dotini\naccess_key_secret = d\n', name='credentials.ini')
    assert keys(resolve())[0] == 'plain'


def test_credentials_file_from_environment(home, tmp_path):
    custom = tmp_path / 'elsewhere.ini'
    custom.write_text('[default]\naccess_key_id = custom\naccess_key_secret = c\n')
    assert keys(resolve(environ={'ALIBABA_CLOUD_CREDENTIALS_FILE': str(custom)}))[0] == 'custom'


def test_named_profile_not_found_lists_where_it_looked(home):
    write_cli_config(home, [{'name': 'default', 'mode': 'AK', 'access_key_id': 'd', 'access_key_secret': 'ds'}])
    with pytest.raises(DomainConfigError) as caught:
        resolve({'profile': 'missing'})
    message = str(caught.value)
    assert message.startswith("Profile 'missing' (from option profile) was not found. Tried: ")
    assert "no profile 'missing'" in message and 'credentials.ini (no such file)' in message


def test_nothing_found_names_every_source(home):
    with pytest.raises(DomainConfigError) as caught:
        resolve()
    message = str(caught.value)
    assert message == (
        'No Alibaba Cloud credentials found. Tried: options access_key_id/access_key_secret; '
        'environment ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET; '
        'environment ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY; '
        '{h}/.aliyun/config.json (no such file); {h}/.alibabacloud/credentials (no such file); '
        '{h}/.alibabacloud/credentials.ini (no such file); environment ALIBABA_CLOUD_ECS_METADATA (ECS RAM role).'
    ).format(h=home)


def sts_handler(issued, expiration, calls):
    def handler(request):
        calls.append(request)
        return json_response({'RequestId': 'sts-req', 'AssumedRoleUser': {'Arn': 'x'}, 'Credentials': {
            'AccessKeyId': 'STS.%s' % issued[len(calls) - 1], 'AccessKeySecret': 'tmp-secret',
            'SecurityToken': 'tmp-token-%d' % len(calls), 'Expiration': iso(expiration[len(calls) - 1])}})
    return handler


def test_ram_role_arn_profile_assumes_the_role_with_a_v1_signature(home, server):
    write_cli_config(home, [{'name': 'default', 'mode': 'RamRoleArn', 'access_key_id': 'src', 'access_key_secret': 'src-secret',
                             'ram_role_arn': 'acs:ram::123:role/dns', 'ram_session_name': 'runbook',
                             'expired_seconds': 900, 'external_id': 'ext'}])
    calls = []
    server.handler = sts_handler(['a'], [NOW + 3600], calls)
    provider = resolve(environ={'ALIBABA_CLOUD_STS_ENDPOINT': server.url})
    assert calls == []  # nothing is fetched before it is needed
    assert keys(provider) == ('STS.a', 'tmp-secret', 'tmp-token-1')
    request = calls[0]
    assert request.method == 'POST'
    assert request.query['Action'] == 'AssumeRole' and request.query['Version'] == '2015-04-01'
    assert request.query['RoleArn'] == 'acs:ram::123:role/dns' and request.query['RoleSessionName'] == 'runbook'
    assert request.query['DurationSeconds'] == '900' and request.query['ExternalId'] == 'ext'
    assert request.signature_is_valid('src', 'src-secret')
    assert 'acs:ram::123:role/dns' in provider.source


def test_temporary_credentials_are_refreshed_before_expiry(home, server):
    write_ini(home, '[default]\ntype = ram_role_arn\naccess_key_id = src\naccess_key_secret = s\nrole_arn = acs:ram::1:role/r\n')
    calls = []
    server.handler = sts_handler(['first', 'second'], [NOW + 3600, NOW + 7200], calls)
    now = [NOW]
    lines = []
    provider = resolve(environ={'ALIBABA_CLOUD_STS_ENDPOINT': server.url}, clock=lambda: now[0], log=lines.append)
    assert provider.get().access_key_id == 'STS.first'
    now[0] = NOW + 3000  # still well before the refresh margin
    assert provider.get().access_key_id == 'STS.first'
    now[0] = NOW + 3500  # within 180 s of expiry
    assert provider.get().access_key_id == 'STS.second'
    assert len(calls) == 2
    assert any('fetched temporary credentials' in line for line in lines)
    assert not any('tmp-secret' in line or 'tmp-token' in line for line in lines)


def test_sts_error_shows_code_message_and_request_id(home, server):
    write_cli_config(home, [{'name': 'default', 'mode': 'RamRoleArn', 'access_key_id': 'src', 'access_key_secret': 'ss',
                             'ram_role_arn': 'acs:ram::1:role/r'}])
    server.handler = lambda request: json_response(
        {'RequestId': 'sts-rid', 'Code': 'NoPermission', 'Message': 'You are not authorized'}, status=403)
    provider = resolve(environ={'ALIBABA_CLOUD_STS_ENDPOINT': server.url})
    with pytest.raises(DomainApiError) as caught:
        provider.get()
    assert str(caught.value) == 'AssumeRole failed: NoPermission: You are not authorized (RequestId: sts-rid)'


def metadata_handler(role='DomainRole', token='imds-token', expiration=NOW + 3600, token_status=200):
    def handler(request):
        if request.method == 'PUT' and request.route == '/latest/api/token':
            assert request.headers['x-aliyun-ecs-metadata-token-ttl-seconds'] == '21600'
            return token_status, {}, token.encode() if token_status == 200 else b'forbidden'
        if token_status == 200 and request.headers.get('x-aliyun-ecs-metadata-token') != token:
            return 401, {}, b'missing token'
        if request.route == '/latest/meta-data/ram/security-credentials/':
            return 200, {}, role.encode()
        if request.route == '/latest/meta-data/ram/security-credentials/' + role:
            return json_response({'Code': 'Success', 'AccessKeyId': 'STS.ecs', 'AccessKeySecret': 'ecs-secret',
                                  'SecurityToken': 'ecs-token', 'Expiration': iso(expiration),
                                  'LastUpdated': iso(NOW)})
        return 404, {}, b'not found'
    return handler


def test_ecs_ram_role_profile_uses_the_imdsv2_token(home, server):
    write_cli_config(home, [{'name': 'default', 'mode': 'EcsRamRole', 'ram_role_name': 'DomainRole'}])
    server.handler = metadata_handler()
    provider = resolve(environ={'ALIBABA_CLOUD_ECS_METADATA_ENDPOINT': server.url})
    assert keys(provider) == ('STS.ecs', 'ecs-secret', 'ecs-token')
    assert [r.method for r in server.requests] == ['PUT', 'GET']
    assert server.requests[1].headers['x-aliyun-ecs-metadata-token'] == 'imds-token'


def test_ecs_ram_role_is_discovered_when_not_named(home, server):
    write_ini(home, '[default]\ntype = ecs_ram_role\n')
    server.handler = metadata_handler(role='Discovered')
    provider = resolve(environ={'ALIBABA_CLOUD_ECS_METADATA_ENDPOINT': server.url})
    assert provider.get().access_key_id == 'STS.ecs'
    assert server.requests[1].route == '/latest/meta-data/ram/security-credentials/'
    assert 'Discovered' in provider.get().source


def test_ecs_role_from_environment_falls_back_to_imdsv1_when_allowed(home, server):
    server.handler = metadata_handler(token_status=403)
    provider = resolve(environ={'ALIBABA_CLOUD_ECS_METADATA': 'DomainRole', 'ALIBABA_CLOUD_ECS_METADATA_ENDPOINT': server.url})
    assert provider.get().access_key_id == 'STS.ecs'
    disabled = resolve(environ={'ALIBABA_CLOUD_ECS_METADATA': 'DomainRole', 'ALIBABA_CLOUD_ECS_METADATA_ENDPOINT': server.url,
                                'ALIBABA_CLOUD_IMDSV1_DISABLED': 'true'})
    with pytest.raises(DomainConfigError) as caught:
        disabled.get()
    assert 'IMDSv1 is disabled' in str(caught.value)


def test_refresh_failure_keeps_still_valid_credentials():
    now = [NOW]
    answers = [Credentials('a', 's', 't', expiration=NOW + 400, source='x')]

    def fetch():
        if answers:
            return answers.pop(0)
        raise DomainConfigError('metadata down')

    lines = []
    provider = RefreshingCredentialsProvider(fetch, 'test', clock=lambda: now[0], log=lines.append)
    assert provider.get().access_key_id == 'a'
    now[0] = NOW + 350  # inside the margin: a refresh is due but fails
    assert provider.get().access_key_id == 'a'
    assert 'metadata down' in lines[-1]
    now[0] = NOW + 401  # expired: the failure now surfaces
    with pytest.raises(DomainConfigError):
        provider.get()


def test_v1_signature_of_sts_matches_the_signing_module(home, server):
    write_cli_config(home, [{'name': 'default', 'mode': 'RamRoleArn', 'access_key_id': 'src', 'access_key_secret': 'a/b+c=',
                             'ram_role_arn': 'acs:ram::1:role/r'}])
    calls = []
    server.handler = sts_handler(['a'], [NOW + 3600], calls)
    resolve(environ={'ALIBABA_CLOUD_STS_ENDPOINT': server.url}).get()
    params = dict(calls[0].query)
    signature = params.pop('Signature')
    assert signature == signing.v1_signature('POST', params, 'a/b+c=')
