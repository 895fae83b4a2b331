# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OptionAdapter and the validation of connection options: every bad value names option, value and what is allowed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._options import (
    CONNECTION_DEFAULTS,
    CONNECTION_OPTION_NAMES,
    ConnectionSettings,
    OptionAdapter,
    connection_argument_spec,
    invalid_value,
    invalid_values,
    validate_seconds,
    validate_text,
    validate_whole_number,
)


def settings(environ=None, **options):
    return ConnectionSettings(OptionAdapter.from_dict(options), environ or {})


def test_argument_spec_names_defaults_and_secrets():
    spec = connection_argument_spec()
    assert tuple(spec) == CONNECTION_OPTION_NAMES
    assert spec['access_key_secret']['no_log'] is True and spec['security_token']['no_log'] is True
    assert spec['access_key_id']['no_log'] is False
    for name, default in CONNECTION_DEFAULTS.items():
        assert spec[name]['default'] == default
    assert connection_argument_spec() is not spec


def test_defaults_and_typed_values():
    result = settings()
    assert (result.signature_version, result.lang, result.timeout, result.connect_timeout, result.max_retries) == (
        'v3', 'en', 10.0, 5.0, 5)
    assert result.validate_certs is True and result.base_url == 'https://domain.aliyuncs.com/'
    typed = settings(timeout='2.5', max_retries='0', validate_certs='no', endpoint='https://EXAMPLE.test:8443/')
    assert (typed.timeout, typed.max_retries, typed.validate_certs) == (2.5, 0, False)
    assert typed.host == 'EXAMPLE.test:8443' and typed.base_url == 'https://EXAMPLE.test:8443/'


@pytest.mark.parametrize('option,value,expected', [
    ('signature_version', 'v2', "Invalid value 'v2' for option signature_version: expected one of v3, v1."),
    ('lang', 'fr', "Invalid value 'fr' for option lang: expected one of en, zh."),
    ('timeout', 0, 'Invalid value 0 for option timeout: expected a number of seconds greater than 0.'),
    ('connect_timeout', 'soon', "Invalid value 'soon' for option connect_timeout: expected a number of seconds greater than 0."),
    ('max_retries', -1, 'Invalid value -1 for option max_retries: expected a whole number of 0 or more.'),
    ('max_retries', 1.5, 'Invalid value 1.5 for option max_retries: expected a whole number of 0 or more.'),
    ('validate_certs', 'maybe', "Invalid value 'maybe' for option validate_certs: expected a boolean."),
    ('endpoint', 'domain.aliyuncs.com', "Invalid value 'domain.aliyuncs.com' for option endpoint: expected a URL such as "
                                        "https://domain.aliyuncs.com or http://127.0.0.1:8765."),
    ('endpoint', 'http://127.0.0.1:8765/api', "Invalid value 'http://127.0.0.1:8765/api' for option endpoint: expected a "
                                              "URL such as https://domain.aliyuncs.com or http://127.0.0.1:8765 "
                                              "(no path, query or fragment)."),
    ('endpoint', 'http://127.0.0.1:99999', "Invalid value 'http://127.0.0.1:99999' for option endpoint: expected a URL "
                                           "such as https://domain.aliyuncs.com or http://127.0.0.1:8765."),
])
def test_invalid_values_name_option_value_and_allowed(option, value, expected):
    with pytest.raises(DomainConfigError) as caught:
        settings(**{option: value})
    assert str(caught.value) == expected
    assert caught.value.option == option


def test_endpoint_with_user_info_is_rejected_without_echoing_it():
    with pytest.raises(DomainConfigError) as caught:
        settings(endpoint='https://user:hunter2@domain.aliyuncs.com')
    assert 'hunter2' not in str(caught.value) and 'user info is not allowed' in str(caught.value)


def test_invalid_endpoint_from_environment_names_the_variable():
    with pytest.raises(DomainConfigError) as caught:
        settings({'ALIBABA_CLOUD_DOMAIN_ENDPOINT': 'localhost:8765'})
    assert 'option endpoint (from environment variable ALIBABA_CLOUD_DOMAIN_ENDPOINT)' in str(caught.value)


def test_endpoint_option_wins_over_environment_and_region():
    result = settings({'ALIBABA_CLOUD_DOMAIN_ENDPOINT': 'http://127.0.0.1:1'}, endpoint='http://127.0.0.1:2',
                      region='ap-southeast-1')
    assert result.base_url == 'http://127.0.0.1:2/'


class FakePlugin(object):
    def __init__(self, options):
        self.options = options

    def get_option(self, name):
        return self.options[name]


class FakeModule(object):
    def __init__(self, params):
        self.params = params


def test_adapters_read_modules_plugins_and_dicts_alike():
    for adapter in (OptionAdapter.from_module(FakeModule({'region': 'r', 'lang': None})),
                    OptionAdapter.from_plugin(FakePlugin({'region': 'r', 'lang': None})),
                    OptionAdapter.from_dict({'region': 'r', 'lang': None})):
        assert adapter.get_option('region') == 'r'
        assert adapter.get_option_default('lang', 'en') == 'en'
        assert adapter.has_option('region') and not adapter.has_option('unknown')
    assert OptionAdapter.from_plugin(FakePlugin({})).get_option('unknown') is None


@pytest.mark.parametrize('value, minimum, maximum, expected', [
    (0, 1, 1000, 'a whole number from 1 to 1000'),
    (1001, 1, 1000, 'a whole number from 1 to 1000'),
    (True, 1, 1000, 'a whole number from 1 to 1000'),
    ('5', 1, 1000, 'a whole number from 1 to 1000'),
    (2.0, 1, 1000, 'a whole number from 1 to 1000'),
    (0, 1, None, 'a whole number of 1 or more'),
])
def test_whole_number_outside_its_range_names_option_value_and_range(value, minimum, maximum, expected):
    with pytest.raises(DomainConfigError) as caught:
        validate_whole_number(value, 'batch_size', minimum, maximum)
    assert str(caught.value) == 'Invalid value %r for option batch_size: expected %s.' % (value, expected)
    assert caught.value.option == 'batch_size'


def test_whole_number_within_its_range_is_returned():
    assert validate_whole_number(1000, 'page_size', maximum=1000) == 1000
    assert validate_whole_number(10 ** 9, 'page_num') == 10 ** 9


def test_the_one_style_of_refused_values():
    error = invalid_value('batch_size', 0, 'a whole number from 1 to 1000')
    assert str(error) == 'Invalid value 0 for option batch_size: expected a whole number from 1 to 1000.'
    assert error.option == 'batch_size'
    error = invalid_values('domains', ["'a b' has a space", "'x' needs two labels"], 'domain names')
    assert str(error) == "Invalid values for option domains: 'a b' has a space; 'x' needs two labels. Expected domain names."
    with pytest.raises(DomainConfigError, match=r"^Invalid value 0 for option wait: expected a number of seconds greater than 0\.$"):
        validate_seconds(0, 'wait', minimum=0, exclusive=True)
    with pytest.raises(DomainConfigError, match=r"^Invalid value nan for option t: expected a number of seconds of 0\.0 or more\.$"):
        validate_seconds(float('nan'), 't')
    assert validate_seconds('1.5', 't') == 1.5 and validate_seconds(0, 't') == 0.0
    assert validate_text('  x ', 'o') == 'x' and validate_text(None, 'o') is None
    with pytest.raises(DomainConfigError, match=r"^Invalid value ' ' for option o: expected a non-empty string\.$"):
        validate_text(' ', 'o')
