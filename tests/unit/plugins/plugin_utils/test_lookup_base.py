# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AliyunDomainLookupBase with the connection doc fragment and its PLUGINS variant loaded into Ansible's real config manager."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.utils.plugin_docs import merge_fragment

from ansible_collections.aliyun.domain.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.aliyun.domain.plugins.plugin_utils import _lookup
from ansible_collections.aliyun.domain.plugins.plugin_utils._lookup import AliyunDomainLookupBase
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.local_http import json_response

PROBE_NAME = 'aliyun.domain.connection_probe'


class LookupModule(AliyunDomainLookupBase):
    """The smallest lookup on the base: one API call per run (the class name gives the plugin type)."""

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        with self.domain_client() as client:
            self.progress('calling %s' % terms[0])
            return [client.call(terms[0])]


def plugin_options():
    """The connection options as a lookup documents them: the fragment with PLUGINS merged in, as Ansible merges them."""
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    merge_fragment(options, yaml.safe_load(ModuleDocFragment.PLUGINS)['options'])
    return options


@pytest.fixture(autouse=True)
def probe_definitions(clean_connection_environment):
    C.config.initialize_plugin_configuration_definitions('lookup', PROBE_NAME, plugin_options())


def probe():
    lookup = LookupModule()
    lookup._load_name = PROBE_NAME
    return lookup


def test_plugins_fragment_only_adds_sources_to_the_documented_options():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    plugins = yaml.safe_load(ModuleDocFragment.PLUGINS)
    assert list(plugins) == ['options']
    for name, sources in plugins['options'].items():
        assert name in documented and set(sources) <= {'env', 'vars'}, name
    options = plugin_options()
    # the fragment promises a variable aliyun_domain_<option> for every option
    assert all(options[name]['vars'] == [{'name': 'aliyun_domain_%s' % name}] for name in documented)
    assert options['access_key_secret']['description'] == documented['access_key_secret']['description']
    assert options['timeout']['default'] == 10 and options['timeout']['vars'] == [{'name': 'aliyun_domain_timeout'}]
    # Ansible takes the last environment variable that is set
    for name in ('access_key_id', 'access_key_secret', 'security_token', 'profile'):
        assert options[name]['env'][-1]['name'].startswith('ALIBABA_CLOUD_')
        assert options[name]['env'][0]['name'].startswith('ALICLOUD_')


def test_alibaba_cloud_environment_wins_over_legacy_in_lookups(monkeypatch, server):
    monkeypatch.setenv('ALICLOUD_ACCESS_KEY', 'legacy-id')
    monkeypatch.setenv('ALICLOUD_SECRET_KEY', 'legacy-secret')
    monkeypatch.setenv('ALIBABA_CLOUD_ACCESS_KEY_ID', 'new-id')
    monkeypatch.setenv('ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'new-secret')
    monkeypatch.setenv('ALIBABA_CLOUD_DOMAIN_ENDPOINT', server.url)
    assert probe().run(['PollTaskResult'], variables={}) == [{'RequestId': 'req-1'}]
    assert server.requests[0].signature_is_valid('new-id', 'new-secret')


def test_variables_and_direct_options(server):
    variables = {'aliyun_domain_access_key_id': 'var-id', 'aliyun_domain_access_key_secret': 'var-secret',
                 'aliyun_domain_endpoint': server.url}
    probe().run(['PollTaskResult'], variables=variables, signature_version='v1', lang='zh')
    request = server.requests[0]
    assert request.signature_is_valid('var-id', 'var-secret')
    assert request.query['SignatureVersion'] == '1.0' and request.query['Lang'] == 'zh'


def test_domain_errors_become_one_ansible_error(server):
    server.handler = lambda request: json_response(
        {'RequestId': 'rid', 'Code': 'Forbidden.RAM', 'Message': 'User not authorized'}, status=403)
    variables = {'aliyun_domain_access_key_id': 'id', 'aliyun_domain_access_key_secret': 'top-secret',
                 'aliyun_domain_endpoint': server.url}
    with pytest.raises(AnsibleError) as caught:
        probe().run(['PollTaskResult'], variables=variables)
    assert str(caught.value) == 'PollTaskResult failed: Forbidden.RAM: User not authorized (RequestId: rid)'


def test_bad_option_value_becomes_ansible_error(server):
    with pytest.raises(AnsibleError) as caught:
        probe().run(['PollTaskResult'], variables={'aliyun_domain_endpoint': 'not a url'})
    assert "Invalid value 'not a url' for option endpoint" in str(caught.value)


def test_missing_credentials_in_a_lookup(server):
    with pytest.raises(AnsibleError) as caught:
        probe().run(['PollTaskResult'], variables={'aliyun_domain_endpoint': server.url})
    assert 'No Alibaba Cloud credentials found. Tried:' in str(caught.value)


def test_missing_requests_on_the_controller(monkeypatch):
    monkeypatch.setattr(_lookup, 'HAS_REQUESTS', False)
    with pytest.raises(AnsibleError) as caught:
        probe().run(['PollTaskResult'], variables={})
    assert 'require the Python library "requests"' in str(caught.value)


def test_unknown_keywords_are_refused_naming_each_and_the_allowed_ones(server):
    variables = {'aliyun_domain_access_key_id': 'id', 'aliyun_domain_access_key_secret': 'secret',
                 'aliyun_domain_endpoint': server.url}
    with pytest.raises(AnsibleError) as caught:
        probe().run(['PollTaskResult'], variables=variables, timout=3, bogus=1, access_key_secrte='typed-secret-value')
    message = str(caught.value)
    assert message.startswith('unknown keywords access_key_secrte (did you mean access_key_secret?), bogus, '
                              'timout (did you mean timeout?); allowed: access_key_id, access_key_secret, ')
    assert message.endswith(', user_client_ip, validate_certs')
    assert '\n' not in message and 'typed-secret-value' not in message
    assert server.requests == []


def test_one_unknown_keyword_without_a_close_option(server):
    with pytest.raises(AnsibleError, match=r'^unknown keyword zzz; allowed: access_key_id, '):
        probe().run(['PollTaskResult'], variables={'aliyun_domain_endpoint': server.url}, zzz=1)
    assert server.requests == []
