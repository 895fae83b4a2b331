# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The account's domains as inventory hosts: filters, host variables, default groups (internal use only).

Plain Python on the facts ``_domains.read_account_domains`` returns (SDK field names), so that the
inventory plugin only reads options, talks to Ansible's inventory and caches.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import hashlib
import json

from ansible_collections.aliyun.domain.plugins.module_utils._domains import (
    DOMAIN_STATUS_NAMES, EXPIRATION_STATUS_NAMES, nameserver_provider, normalize_name)
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._nameservers import is_aliyun_dns

STATUS_CHOICES = tuple(sorted(DOMAIN_STATUS_NAMES.values()))
HOSTVAR_PREFIX = 'domain_'
PROVIDER_GROUP_PREFIX = 'provider_'
STATUS_GROUP_PREFIX = 'status_'


def _names(values, option):
    if values is None:
        return []
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise DomainConfigError('Invalid value %r for option %s: expected a list of strings.' % (values, option), option=option)
    names = []
    for value in values:
        if not isinstance(value, str) or not normalize_name(value):
            raise DomainConfigError('Invalid value %r in option %s: expected a non-empty string.' % (value, option),
                                    option=option)
        names.append(normalize_name(value))
    return names


class DomainFilter(object):
    """Which domains become hosts: names matching one of ``name_patterns`` (shell globs, case-insensitive),
    with a ``DomainStatus`` among ``statuses`` and at least one nameserver equal to or under one of
    ``nameserver_suffixes``.  An empty list does not filter."""

    def __init__(self, name_patterns=None, nameserver_suffixes=None, statuses=None):
        self.name_patterns = _names(name_patterns, 'domain_names')
        self.nameserver_suffixes = _names(nameserver_suffixes, 'nameserver_suffixes')
        self.statuses = _names(statuses, 'statuses')
        unknown = [status for status in self.statuses if status not in STATUS_CHOICES]
        if unknown:
            raise DomainConfigError('Invalid value %s for option statuses: expected any of %s.'
                                    % (', '.join(repr(status) for status in unknown), ', '.join(STATUS_CHOICES)),
                                    option='statuses')

    def listed(self, facts):
        """The filters a QueryDomainList item can answer: name and status (before any one-by-one read)."""
        name = facts['DomainName']
        if self.name_patterns and not any(fnmatch.fnmatchcase(name, pattern) for pattern in self.name_patterns):
            return False
        if self.statuses and status_name(facts) not in self.statuses:
            return False
        return True

    def nameservers(self, facts):
        """The nameserver filter; a domain whose nameservers are unknown does not pass it."""
        if not self.nameserver_suffixes:
            return True
        for nameserver in facts['DnsList'] or ():
            name = normalize_name(nameserver)
            if any(name == suffix or name.endswith('.' + suffix) for suffix in self.nameserver_suffixes):
                return True
        return False

    def key(self):
        return {'domain_names': self.name_patterns, 'nameserver_suffixes': self.nameserver_suffixes,
                'statuses': self.statuses}


def status_name(facts):
    return DOMAIN_STATUS_NAMES.get(str(facts.get('DomainStatus')), None) if facts.get('DomainStatus') is not None else None


def host_variables(facts):
    """The host variables of one domain (``domain_*``); a value the service did not give is None."""
    nameservers = facts['DnsList']
    expiration = facts.get('ExpirationDateStatus')
    values = {
        'nameservers': list(nameservers) if nameservers is not None else None,
        'nameserver_provider': nameserver_provider(nameservers),
        'aliyun_dns': is_aliyun_dns(nameservers) if nameservers else (None if nameservers is None else False),
        'instance_id': facts.get('InstanceId'),
        'status': status_name(facts),
        'status_code': facts.get('DomainStatus'),
        'expired': None if expiration is None else EXPIRATION_STATUS_NAMES.get(str(expiration)) == 'expired',
        'registration_date': facts.get('RegistrationDate'),
        'expiration_date': facts.get('ExpirationDate'),
        'days_to_expiration': facts.get('ExpirationCurrDateDiff'),
        'update_lock': facts.get('UpdateProhibitionLock'),
        'transfer_lock': facts.get('TransferProhibitionLock'),
        # 0 (the emulator's) or an empty id is no group
        'group_id': facts.get('DomainGroupId') or None,
        'group_name': facts.get('DomainGroupName') or None,
        'registrar': facts.get('Registrar'),
        'type': facts.get('DomainType'),
    }
    return dict((HOSTVAR_PREFIX + name, value) for name, value in values.items())


def default_groups(facts):
    """``provider_<parent domain of the nameservers>`` (when they share one) and ``status_<status>``, unsanitised."""
    groups = []
    provider = nameserver_provider(facts['DnsList'])
    if provider:
        groups.append(PROVIDER_GROUP_PREFIX + provider)
    status = status_name(facts)
    if status:
        groups.append(STATUS_GROUP_PREFIX + status)
    return groups


def cache_suffix(account, domain_filter, read_details):
    """A short digest of what selects the cached data: the account (endpoint, key id or profile, never a
    secret), the filters and whether every domain was read by name."""
    text = json.dumps({'account': account, 'filter': domain_filter.key(), 'details': bool(read_details)}, sort_keys=True)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]
