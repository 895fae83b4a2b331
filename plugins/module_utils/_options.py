# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One view of the connection options for modules, lookups and tests (internal use only).

Modules hold their options in ``AnsibleModule.params``, lookups behind ``get_option()``; the
``OptionAdapter`` hides the difference so that the client, the credential chain and the
validation below are written once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import os

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

DEFAULT_HOST = 'domain.aliyuncs.com'
INTL_HOST = 'domain-intl.aliyuncs.com'
INTL_REGIONS = ('ap-southeast-1',)
ENDPOINT_ENV = 'ALIBABA_CLOUD_DOMAIN_ENDPOINT'
SIGNATURE_VERSIONS = ('v3', 'v1')
LANGUAGES = ('en', 'zh')

# Option defaults live here once; the argument spec, the doc fragment and OptionAdapter.from_dict agree on them.
CONNECTION_DEFAULTS = {
    'signature_version': 'v3',
    'timeout': 10.0,
    'connect_timeout': 5.0,
    'validate_certs': True,
    'max_retries': 5,
    'lang': 'en',
}

CONNECTION_OPTION_NAMES = (
    'access_key_id', 'access_key_secret', 'security_token', 'profile', 'region', 'endpoint',
    'signature_version', 'timeout', 'connect_timeout', 'validate_certs', 'ca_path', 'max_retries',
    'lang', 'user_client_ip',
)


def connection_argument_spec():
    """The argument spec every module merges in (a fresh dict on every call)."""
    return dict(
        access_key_id=dict(type='str', no_log=False),
        access_key_secret=dict(type='str', no_log=True),
        security_token=dict(type='str', no_log=True),
        profile=dict(type='str'),
        region=dict(type='str'),
        endpoint=dict(type='str'),
        signature_version=dict(type='str', default='v3', choices=list(SIGNATURE_VERSIONS)),
        timeout=dict(type='float', default=10.0),
        connect_timeout=dict(type='float', default=5.0),
        validate_certs=dict(type='bool', default=True),
        ca_path=dict(type='path'),
        max_retries=dict(type='int', default=5),
        lang=dict(type='str', default='en', choices=list(LANGUAGES)),
        user_client_ip=dict(type='str'),
    )


class OptionAdapter(object):
    """Reads options by name from a module, a plugin or a plain mapping."""

    def __init__(self, getter, contains):
        self._getter = getter
        self._contains = contains

    @classmethod
    def from_module(cls, module):
        params = module.params
        return cls(params.get, params.__contains__)

    @classmethod
    def from_plugin(cls, plugin):
        def get(name):
            try:
                return plugin.get_option(name)
            except KeyError:
                return None

        def contains(name):
            try:
                plugin.get_option(name)
            except KeyError:
                return False
            return True

        return cls(get, contains)

    @classmethod
    def from_dict(cls, mapping):
        """A plain mapping, with the connection defaults filled in for names it does not set."""
        merged = dict(CONNECTION_DEFAULTS)
        merged.update(mapping)
        return cls(merged.get, merged.__contains__)

    def get_option(self, name):
        return self._getter(name)

    def get_option_default(self, name, default=None):
        value = self._getter(name)
        return default if value is None else value

    def has_option(self, name):
        return self._contains(name)


class ConnectionSettings(object):
    """Validated, typed connection options; every bad value is reported with its option name."""

    def __init__(self, options, environ):
        self.signature_version = _choice(options, 'signature_version', SIGNATURE_VERSIONS)
        self.lang = _choice(options, 'lang', LANGUAGES)
        self.timeout = _positive_number(options, 'timeout')
        self.connect_timeout = _positive_number(options, 'connect_timeout')
        self.max_retries = _non_negative_int(options, 'max_retries')
        self.validate_certs = _boolean(options, 'validate_certs')
        self.ca_path = options.get_option('ca_path') or None
        if self.ca_path and not os.path.exists(self.ca_path):
            raise invalid_value('ca_path', self.ca_path, 'the path of an existing CA bundle (PEM file or directory)')
        self.user_client_ip = options.get_option('user_client_ip') or None
        self.region = options.get_option('region') or None
        self.endpoint = resolve_endpoint(options.get_option('endpoint'), self.region, environ)
        parts = urlsplit(self.endpoint)
        self.scheme = parts.scheme
        self.host = parts.netloc
        self.base_url = '%s://%s/' % (parts.scheme, parts.netloc)


def invalid_value(option, value, expected):
    """The one style of a refused option value: "Invalid value V for option O: expected E."."""
    return DomainConfigError('Invalid value %r for option %s: expected %s.' % (value, option, expected), option=option)


def invalid_values(option, problems, expected):
    """Every bad value of a list option at once: "Invalid values for option O: P1; P2. Expected E."."""
    return DomainConfigError('Invalid values for option %s: %s. Expected %s.' % (option, '; '.join(problems), expected),
                             option=option)


def _value(options, name):
    return options.get_option_default(name, CONNECTION_DEFAULTS.get(name))


def _choice(options, name, allowed):
    value = _value(options, name)
    if value not in allowed:
        raise invalid_value(name, value, 'one of %s' % ', '.join(allowed))
    return value


def _number(options, name, convert, valid, expected):
    value = _value(options, name)
    try:
        number = None if isinstance(value, bool) else convert(value)
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or not valid(value, number):
        raise invalid_value(name, value, expected)
    return number


def _positive_number(options, name):
    return validate_seconds(_value(options, name), name, minimum=0, exclusive=True)


def validate_seconds(value, option, minimum=0.0, exclusive=False):
    """``value`` as a finite float of at least ``minimum`` (more than it when ``exclusive``)."""
    try:
        number = None if isinstance(value, bool) else float(value)
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or math.isnan(number) or math.isinf(number) or number < minimum or (exclusive and number == minimum):
        bound = 'greater than %s' % minimum if exclusive else 'of %s or more' % minimum
        raise invalid_value(option, value, 'a number of seconds %s' % bound)
    return number


def validate_text(value, option, expected='a non-empty string'):
    """``value`` stripped, None for None; anything but a non-empty string is refused."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise invalid_value(option, value, expected)
    return value.strip()


def _non_negative_int(options, name):
    return _number(options, name, int, lambda value, number: number >= 0 and not (isinstance(value, float) and value != number),
                   'a whole number of 0 or more')


def validate_whole_number(value, option, minimum=1, maximum=None):
    """``value`` itself when it is an int from ``minimum`` to ``maximum`` (no upper bound when None);
    otherwise a DomainConfigError naming the option, the value and the allowed range."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or (maximum is not None and value > maximum):
        allowed = 'from %d to %d' % (minimum, maximum) if maximum is not None else 'of %d or more' % minimum
        raise invalid_value(option, value, 'a whole number %s' % allowed)
    return value


def _boolean(options, name):
    value = _value(options, name)
    try:
        return boolean(value, strict=True)
    except TypeError:
        raise invalid_value(name, value, 'a boolean')


def resolve_endpoint(endpoint, region, environ):
    """The base URL: option ``endpoint``, else env ALIBABA_CLOUD_DOMAIN_ENDPOINT, else by ``region``."""
    if endpoint:
        return validate_endpoint(endpoint, 'endpoint')
    from_env = environ.get(ENDPOINT_ENV)
    if from_env:
        return validate_endpoint(from_env, 'endpoint (from environment variable %s)' % ENDPOINT_ENV)
    host = INTL_HOST if region in INTL_REGIONS else DEFAULT_HOST
    return 'https://%s' % host


def validate_endpoint(value, source):
    """``value`` must be ``http(s)://host[:port]`` with nothing after the host but an optional ``/``."""
    allowed = 'expected a URL such as https://domain.aliyuncs.com or http://127.0.0.1:8765'
    text = str(value).strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is not None and (parts.username or parts.password):
        # never echo the value: user info in a URL may be a password
        raise DomainConfigError('Invalid value for option %s: user info is not allowed; %s.' % (source, allowed), option='endpoint')
    if parts is None or parts.scheme not in ('http', 'https') or not parts.hostname:
        raise DomainConfigError('Invalid value %r for option %s: %s.' % (value, source, allowed), option='endpoint')
    if parts.path not in ('', '/') or parts.query or parts.fragment:
        raise DomainConfigError(
            'Invalid value %r for option %s: %s (no path, query or fragment).' % (value, source, allowed),
            option='endpoint')
    if port is not None and not 0 < port < 65536:
        raise DomainConfigError('Invalid value %r for option %s: port out of range.' % (value, source), option='endpoint')
    return '%s://%s' % (parts.scheme, parts.netloc)
