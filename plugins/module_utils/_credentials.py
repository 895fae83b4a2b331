# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The credential chain (internal use only).

First match wins:

1. the options ``access_key_id`` / ``access_key_secret`` / ``security_token``;
2. the environment ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``..._SECRET`` / ``ALIBABA_CLOUD_SECURITY_TOKEN``;
3. the legacy environment ``ALICLOUD_ACCESS_KEY`` / ``ALICLOUD_SECRET_KEY`` / ``ALICLOUD_SECURITY_TOKEN``;
4. a profile (option ``profile``, else ``ALIBABA_CLOUD_PROFILE``, else ``ALICLOUD_PROFILE``) in
   ``~/.aliyun/config.json`` (modes AK, StsToken, RamRoleArn, EcsRamRole; without a named profile
   the file's ``current`` one), then in ``~/.alibabacloud/credentials`` and ``credentials.ini``
   (``ALIBABA_CLOUD_CREDENTIALS_FILE`` replaces both; without a named profile the ``default`` section);
5. the ECS RAM role named by ``ALIBABA_CLOUD_ECS_METADATA``.

When nothing matches, one error names every source tried.  Temporary credentials (STS AssumeRole,
ECS RAM role) are fetched when first needed and again shortly before they expire.  Files are read
once, when the chain is resolved.  Secrets never appear in any message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import json
import os
import time

from ansible_collections.aliyun.domain.plugins.module_utils import _signing as signing
from ansible_collections.aliyun.domain.plugins.module_utils._errors import (
    DomainConfigError,
    DomainError,
    DomainResponseError,
    DomainTransportError,
)
from ansible_collections.aliyun.domain.plugins.module_utils._http import environ_proxies, new_session, requests
from ansible_collections.aliyun.domain.plugins.module_utils._response import parse_response, transport_error

try:
    import configparser
except ImportError:  # pragma: no cover
    import ConfigParser as configparser  # type: ignore


ENV_SOURCES = (
    ('ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN'),
    ('ALICLOUD_ACCESS_KEY', 'ALICLOUD_SECRET_KEY', 'ALICLOUD_SECURITY_TOKEN'),
)
PROFILE_ENV = ('ALIBABA_CLOUD_PROFILE', 'ALICLOUD_PROFILE')
CREDENTIALS_FILE_ENV = 'ALIBABA_CLOUD_CREDENTIALS_FILE'
ECS_ROLE_ENV = 'ALIBABA_CLOUD_ECS_METADATA'
# Overrides for tests and private networks: full base URLs.
STS_ENDPOINT_ENV = 'ALIBABA_CLOUD_STS_ENDPOINT'
ECS_METADATA_ENDPOINT_ENV = 'ALIBABA_CLOUD_ECS_METADATA_ENDPOINT'
IMDSV1_DISABLED_ENV = 'ALIBABA_CLOUD_IMDSV1_DISABLED'

CLI_CONFIG_PATH = '~/.aliyun/config.json'
INI_PATHS = ('~/.alibabacloud/credentials', '~/.alibabacloud/credentials.ini')
DEFAULT_STS_HOST = 'sts.aliyuncs.com'
DEFAULT_ECS_METADATA_URL = 'http://100.100.100.200'
STS_VERSION = '2015-04-01'
DEFAULT_SESSION_NAME = 'aliyun-domain-ansible'
DEFAULT_ROLE_DURATION = 3600
# Refresh this long before expiry (at most a quarter of the lifetime, for short-lived test credentials).
REFRESH_MARGIN = 180.0
PROVIDER_TIMEOUT = (5.0, 10.0)
METADATA_TIMEOUT = (1.0, 5.0)
SUPPORTED_CLI_MODES = ('AK', 'StsToken', 'RamRoleArn', 'EcsRamRole')
SUPPORTED_INI_TYPES = ('access_key', 'ram_role_arn', 'ecs_ram_role')


class Credentials(object):
    """One set of keys; ``expiration`` is a ``time.time()`` value for temporary credentials."""

    __slots__ = ('access_key_id', 'access_key_secret', 'security_token', 'expiration', 'source')

    def __init__(self, access_key_id, access_key_secret, security_token=None, expiration=None, source=None):
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.security_token = security_token or None
        self.expiration = expiration
        self.source = source

    def __repr__(self):
        return 'Credentials(access_key_id=%r, source=%r)' % (self.access_key_id, self.source)


class StaticCredentialsProvider(object):
    def __init__(self, credentials):
        self._credentials = credentials
        self.source = credentials.source

    def get(self):
        return self._credentials


class RefreshingCredentialsProvider(object):
    """Calls ``fetch()`` when first asked and again once the credentials are close to expiry.

    If a refresh fails while the current credentials are still valid, those are used and the
    refresh is tried again on the next call.
    """

    def __init__(self, fetch, source, clock=time.time, log=None):
        self._fetch = fetch
        self.source = source
        self._clock = clock
        self._log = log
        self._credentials = None
        self._refresh_at = None

    def get(self):
        now = self._clock()
        if self._credentials is not None and now < self._refresh_at:
            return self._credentials
        try:
            credentials = self._fetch()
        except DomainError as error:
            if self._credentials is not None and self._credentials.expiration is not None and now < self._credentials.expiration:
                if self._log:
                    self._log('refreshing credentials from %s failed, still using the current ones: %s' % (self.source, error))
                return self._credentials
            raise
        lifetime = (credentials.expiration - now) if credentials.expiration is not None else None
        if lifetime is None:
            self._refresh_at = float('inf')
        else:
            self._refresh_at = credentials.expiration - min(REFRESH_MARGIN, max(lifetime, 0) / 4.0)
        self._credentials = credentials
        if self._log:
            self._log('fetched temporary credentials from %s' % self.source)
        return credentials


def parse_expiration(value, source):
    """``2024-01-02T03:04:05Z`` (UTC) to a ``time.time()`` value."""
    try:
        return float(calendar.timegm(time.strptime(str(value), '%Y-%m-%dT%H:%M:%SZ')))
    except (TypeError, ValueError):
        raise DomainConfigError('%s returned an unreadable Expiration %r.' % (source, value))


class HttpFetcher(object):
    """Plain HTTP for the STS and metadata providers: (status, headers, body) or DomainTransportError."""

    def __init__(self):
        self._session = None

    def request(self, method, url, action, headers=None, timeout=PROVIDER_TIMEOUT, use_proxy=True):
        if self._session is None:
            self._session = new_session('The Python library "requests" is required to fetch temporary credentials.')
        proxies = environ_proxies(url) if use_proxy else {}
        try:
            response = self._session.request(method, url, headers=headers, timeout=timeout, proxies=proxies,
                                             data=b'' if method != 'GET' else None, allow_redirects=False)
            return response.status_code, response.headers, response.content
        except requests.exceptions.RequestException as exc:
            raise transport_error(action, url.split('?', 1)[0], exc, timeout[0], timeout[1])


def assume_role(http, base_url, source_credentials, role_arn, session_name, duration, external_id=None, policy=None,
                wall_clock=time.time):
    """STS AssumeRole, signed with V1; returns temporary Credentials."""
    params = {
        'RoleArn': role_arn, 'RoleSessionName': session_name, 'DurationSeconds': str(int(duration)),
        'ExternalId': external_id or None, 'Policy': policy or None,
    }
    query = signing.v1_signed_query('AssumeRole', STS_VERSION, params, source_credentials.access_key_id,
                                    source_credentials.access_key_secret, source_credentials.security_token,
                                    timestamp=signing.api_timestamp(wall_clock()))
    url = '%s/?%s' % (base_url.rstrip('/'), query)
    status, headers, body = http.request('POST', url, 'AssumeRole', headers={'Accept': 'application/json'})
    data = parse_response('AssumeRole', status, headers, body)
    issued = data.get('Credentials') or {}
    return _temporary_credentials('AssumeRole', issued, 'STS AssumeRole %s' % role_arn)


def _temporary_credentials(action, issued, source):
    missing = [k for k in ('AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration') if not issued.get(k)]
    if missing:
        raise DomainResponseError(action, message='the answer lacks %s' % ', '.join(missing))
    return Credentials(issued['AccessKeyId'], issued['AccessKeySecret'], issued['SecurityToken'],
                       parse_expiration(issued['Expiration'], source), source=source)


def ecs_role_credentials(http, base_url, role_name=None, allow_imdsv1=True):
    """Credentials of the instance's RAM role: IMDSv2 token first, then the role's credentials."""
    base = base_url.rstrip('/')
    headers = {}
    try:
        status, _headers, body = http.request(
            'PUT', base + '/latest/api/token', 'ECS metadata token',
            headers={'X-aliyun-ecs-metadata-token-ttl-seconds': '21600'}, timeout=METADATA_TIMEOUT, use_proxy=False)
    except DomainTransportError:
        if not allow_imdsv1:
            raise
        status, body = None, b''
    if status == 200 and body.strip():
        headers['X-aliyun-ecs-metadata-token'] = body.decode('utf-8', 'replace').strip()
    elif not allow_imdsv1:
        raise DomainConfigError('The ECS metadata service at %s gave no IMDSv2 token (HTTP %s) and IMDSv1 is disabled by %s.'
                                % (base, status, IMDSV1_DISABLED_ENV))
    prefix = base + '/latest/meta-data/ram/security-credentials/'
    if not role_name:
        status, _headers, body = http.request('GET', prefix, 'ECS metadata role', headers=headers,
                                              timeout=METADATA_TIMEOUT, use_proxy=False)
        names = body.decode('utf-8', 'replace').split() if status == 200 else []
        if not names:
            raise DomainConfigError('The ECS metadata service at %s reports no RAM role attached to this instance (HTTP %s).'
                                    % (base, status))
        role_name = names[0]
    status, _headers, body = http.request('GET', prefix + role_name, 'ECS metadata credentials', headers=headers,
                                          timeout=METADATA_TIMEOUT, use_proxy=False)
    source = 'ECS RAM role %s' % role_name
    if status != 200:
        raise DomainConfigError('The ECS metadata service at %s answered HTTP %s for the credentials of RAM role %s.'
                                % (base, status, role_name))
    try:
        data = json.loads(body.decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        raise DomainConfigError('The ECS metadata service at %s returned unreadable credentials for RAM role %s.'
                                % (base, role_name))
    if not isinstance(data, dict) or data.get('Code') != 'Success':
        code = data.get('Code') if isinstance(data, dict) else None
        raise DomainConfigError('The ECS metadata service at %s refused the credentials of RAM role %s (Code: %s).'
                                % (base, role_name, code))
    return _temporary_credentials('ECS metadata credentials', data, source)


class CredentialChain(object):
    """Walks the sources in order; ``resolve()`` returns a provider or raises naming every source tried."""

    def __init__(self, options, environ, http=None, wall_clock=time.time, log=None):
        self.options = options
        self.environ = environ
        self.http = http or HttpFetcher()
        self.wall_clock = wall_clock
        self.log = log
        self.tried = []

    def resolve(self):
        found = self._static()
        if found is not None:
            return StaticCredentialsProvider(found)
        provider = self._profiles() or self._ecs_from_env()
        if provider is not None:
            return provider
        raise DomainConfigError('No Alibaba Cloud credentials found. Tried: %s.' % '; '.join(self.tried),
                                option='access_key_id')

    # --- keys given directly -----------------------------------------------------------------------

    def _static(self):
        options = self.options
        self.tried.append('options access_key_id/access_key_secret')
        found = _pair('options', options.get_option('access_key_id'), options.get_option('access_key_secret'),
                      options.get_option('security_token'), 'access_key_id', 'access_key_secret')
        if found:
            return found
        for id_name, secret_name, token_name in ENV_SOURCES:
            self.tried.append('environment %s/%s' % (id_name, secret_name))
            found = _pair('environment %s' % id_name, self.environ.get(id_name), self.environ.get(secret_name),
                          self.environ.get(token_name), id_name, secret_name)
            if found:
                return found
        return None

    # --- profiles ----------------------------------------------------------------------------------

    def _profile_name(self):
        name = self.options.get_option('profile')
        if name:
            return name, 'option profile'
        for env_name in PROFILE_ENV:
            if self.environ.get(env_name):
                return self.environ[env_name], 'environment %s' % env_name
        return None, None

    def _profiles(self):
        name, name_source = self._profile_name()
        provider = self._cli_profile(name)
        if provider is None:
            provider = self._ini_profile(name)
        if provider is None and name:
            raise DomainConfigError('Profile %r (from %s) was not found. Tried: %s.' % (name, name_source, '; '.join(self.tried)),
                                    option='profile')
        return provider

    def _cli_profile(self, name):
        path = os.path.expanduser(CLI_CONFIG_PATH)
        if not os.path.isfile(path):
            self.tried.append('%s (no such file)' % path)
            return None
        data = _read_json_file(path)
        profiles = data.get('profiles')
        if not isinstance(profiles, list):
            raise DomainConfigError('%s is malformed: "profiles" must be a list.' % path, option='profile')
        wanted = name or data.get('current') or 'default'
        for entry in profiles:
            if isinstance(entry, dict) and entry.get('name') == wanted:
                return self._cli_provider(path, entry)
        self.tried.append('%s (no profile %r)' % (path, wanted))
        return None

    def _cli_provider(self, path, entry):
        name = entry.get('name')
        where = 'profile %r in %s' % (name, path)
        mode = str(entry.get('mode') or 'AK')
        normal = dict((m.lower(), m) for m in SUPPORTED_CLI_MODES).get(mode.lower())
        if normal is None:
            raise DomainConfigError('%s uses mode %r, which this collection does not support; supported modes: %s.'
                                    % (where, mode, ', '.join(SUPPORTED_CLI_MODES)), option='profile')
        if normal == 'EcsRamRole':
            return self._ecs_provider(entry.get('ram_role_name'), where)
        keys = _required(entry, ('access_key_id', 'access_key_secret'), where, normal)
        token = None
        if normal == 'StsToken':
            token = _required(entry, ('sts_token',), where, normal)[0]
        source_credentials = Credentials(keys[0], keys[1], token, source=where)
        if normal == 'RamRoleArn':
            role_arn = _required(entry, ('ram_role_arn',), where, normal)[0]
            return self._role_provider(source_credentials, role_arn, entry.get('ram_session_name'),
                                       entry.get('expired_seconds'), entry.get('external_id'), entry.get('policy'),
                                       entry.get('sts_region'), where)
        return StaticCredentialsProvider(source_credentials)

    def _ini_paths(self):
        override = self.environ.get(CREDENTIALS_FILE_ENV)
        if override:
            return [(os.path.expanduser(override), 'environment %s' % CREDENTIALS_FILE_ENV)]
        return [(os.path.expanduser(p), None) for p in INI_PATHS]

    def _ini_profile(self, name):
        section = name or 'default'
        for path, named_by in self._ini_paths():
            if not os.path.isfile(path):
                self.tried.append('%s (no such file%s)' % (path, ', named by %s' % named_by if named_by else ''))
                continue
            parser = configparser.ConfigParser(interpolation=None)
            try:
                with open(path) as handle:
                    parser.read_file(handle)
            except (configparser.Error, UnicodeDecodeError, OSError) as exc:
                raise DomainConfigError('%s is malformed: %s' % (path, _first_line(exc)), option='profile')
            if not parser.has_section(section):
                self.tried.append('%s (no section [%s])' % (path, section))
                continue
            entry = dict((k, _ini_value(v)) for k, v in parser.items(section))
            return self._ini_provider(path, section, entry)
        return None

    def _ini_provider(self, path, section, entry):
        where = 'section [%s] of %s' % (section, path)
        kind = (entry.get('type') or ('access_key' if entry.get('access_key_id') else '')).lower()
        if kind not in SUPPORTED_INI_TYPES:
            raise DomainConfigError('%s has type %r, which this collection does not support; supported types: %s.'
                                    % (where, entry.get('type'), ', '.join(SUPPORTED_INI_TYPES)), option='profile')
        if kind == 'ecs_ram_role':
            return self._ecs_provider(entry.get('role_name'), where)
        keys = _required(entry, ('access_key_id', 'access_key_secret'), where, kind)
        source_credentials = Credentials(keys[0], keys[1], source=where)
        if kind == 'ram_role_arn':
            role_arn = _required(entry, ('role_arn',), where, kind)[0]
            return self._role_provider(source_credentials, role_arn, entry.get('role_session_name'), None, None,
                                       entry.get('policy'), None, where)
        return StaticCredentialsProvider(source_credentials)

    # --- temporary credentials ---------------------------------------------------------------------

    def _role_provider(self, source_credentials, role_arn, session_name, duration, external_id, policy, sts_region, where):
        base_url = self.environ.get(STS_ENDPOINT_ENV) or 'https://%s' % (
            'sts.%s.aliyuncs.com' % sts_region if sts_region else DEFAULT_STS_HOST)
        try:
            seconds = int(duration) if duration not in (None, '', 0) else DEFAULT_ROLE_DURATION
        except (TypeError, ValueError):
            raise DomainConfigError('%s has an invalid expired_seconds %r: expected a whole number of seconds (900 or more).'
                                    % (where, duration), option='profile')
        http = self.http
        wall_clock = self.wall_clock

        def fetch():
            return assume_role(http, base_url, source_credentials, role_arn, session_name or DEFAULT_SESSION_NAME, seconds,
                               external_id, policy, wall_clock)

        return RefreshingCredentialsProvider(fetch, 'STS AssumeRole %s (%s)' % (role_arn, where), clock=wall_clock, log=self.log)

    def _ecs_provider(self, role_name, where):
        base_url = self.environ.get(ECS_METADATA_ENDPOINT_ENV) or DEFAULT_ECS_METADATA_URL
        allow_imdsv1 = str(self.environ.get(IMDSV1_DISABLED_ENV, '')).lower() != 'true'
        http = self.http

        def fetch():
            return ecs_role_credentials(http, base_url, role_name, allow_imdsv1)

        label = 'ECS RAM role %s (%s)' % (role_name or '(discovered)', where)
        return RefreshingCredentialsProvider(fetch, label, clock=self.wall_clock, log=self.log)

    def _ecs_from_env(self):
        role_name = self.environ.get(ECS_ROLE_ENV)
        if not role_name:
            self.tried.append('environment %s (ECS RAM role)' % ECS_ROLE_ENV)
            return None
        return self._ecs_provider(role_name, 'environment %s' % ECS_ROLE_ENV)


def _pair(source, key_id, secret, token, id_name, secret_name):
    """Credentials when both halves are set, None when neither is; a half pair is an error."""
    if key_id and secret:
        return Credentials(key_id, secret, token, source=source)
    if key_id or secret:
        present, missing = (id_name, secret_name) if key_id else (secret_name, id_name)
        raise DomainConfigError('Incomplete credentials from %s: %s is set but %s is not.' % (source, present, missing),
                                option=missing)
    return None


def _required(entry, names, where, mode):
    missing = [n for n in names if not entry.get(n)]
    if missing:
        raise DomainConfigError('%s (mode %s) lacks %s.' % (where, mode, ', '.join(missing)), option='profile')
    return [entry[n] for n in names]


def _read_json_file(path):
    try:
        with open(path, 'rb') as handle:
            data = json.loads(handle.read().decode('utf-8'))
    except ValueError as exc:
        raise DomainConfigError('%s is not valid JSON: %s.' % (path, _first_line(exc)), option='profile')
    except (OSError, IOError) as exc:
        raise DomainConfigError('%s cannot be read: %s.' % (path, getattr(exc, 'strerror', None) or exc), option='profile')
    if not isinstance(data, dict):
        raise DomainConfigError('%s is malformed: expected a JSON object at the top level.' % path, option='profile')
    return data


def _ini_value(value):
    # The official Python loader treats everything after '#' as a comment.
    return value.split('#', 1)[0].strip() if value else value


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def resolve_credentials_provider(options, environ, http=None, wall_clock=time.time, log=None):
    """The provider of the first source that has credentials, or DomainConfigError naming all sources."""
    return CredentialChain(options, environ, http=http, wall_clock=wall_clock, log=log).resolve()
