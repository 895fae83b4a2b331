# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The credential chain (internal use only).

First match wins: the options, the ``ALIBABA_CLOUD_*`` environment, the legacy ``ALICLOUD_*``
environment.  When nothing matches, one error names every source that was tried.  Secrets are
never part of any message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError

ENV_SOURCES = (
    ('ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN'),
    ('ALICLOUD_ACCESS_KEY', 'ALICLOUD_SECRET_KEY', 'ALICLOUD_SECURITY_TOKEN'),
)


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


def _pair(source, key_id, secret, token, id_name, secret_name):
    """Credentials when both halves are set, None when neither is; a half pair is an error."""
    if key_id and secret:
        return Credentials(key_id, secret, token, source=source)
    if key_id or secret:
        missing = secret_name if key_id else id_name
        raise DomainConfigError('Incomplete credentials from %s: %s is set but %s is not.' % (
            source, id_name if key_id else secret_name, missing), option=missing)
    return None


def static_credentials(options, environ):
    """Options, then ALIBABA_CLOUD_* environment, then ALICLOUD_*; returns (credentials or None, tried)."""
    tried = ['options access_key_id/access_key_secret']
    found = _pair('options', options.get_option('access_key_id'), options.get_option('access_key_secret'),
                  options.get_option('security_token'), 'access_key_id', 'access_key_secret')
    if found:
        return found, tried
    for id_name, secret_name, token_name in ENV_SOURCES:
        tried.append('environment %s/%s' % (id_name, secret_name))
        found = _pair('environment %s' % id_name, environ.get(id_name), environ.get(secret_name),
                      environ.get(token_name), id_name, secret_name)
        if found:
            return found, tried
    return None, tried


def resolve_credentials_provider(options, environ):
    """The provider of the first source that has credentials, or DomainConfigError naming all sources."""
    found, tried = static_credentials(options, environ)
    if found:
        return StaticCredentialsProvider(found)
    raise DomainConfigError('No Alibaba Cloud credentials found. Tried: %s.' % '; '.join(tried), option='access_key_id')
