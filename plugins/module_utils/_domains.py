# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the account's domains: QueryDomainList (every page) and QueryDomainByDomainName (internal use only).

A domain's facts keep the names and values of the official SDK models
(``QueryDomainListResponseBodyDataDomain``, ``QueryDomainByDomainNameResponseBody``), so that the
inventory, the registrar pre-flight and the nameserver change read the same thing.  Only two
fields are normalised: ``DnsList`` becomes a plain list of names (``None`` when the answer did not
carry the field at all: *unknown*, never "no nameservers"), and ``DomainGroupId`` an int (the
by-name model types it ``int``, the list model ``str``; an empty value is ``None``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aliyun.domain.plugins.module_utils._api import (
    DOMAIN_ITEMS,
    DOMAIN_LIST_PAGE_SIZE,
    QUERY_DOMAIN_BY_DOMAIN_NAME,
    QUERY_DOMAIN_LIST,
    as_int,
)
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainApiError

DEFAULT_CONCURRENCY = 4

# The codes the service (and older API versions) answer for a name that is not in this account.
DOMAIN_NOT_FOUND_CODES = frozenset((
    'DomainNotExist', 'DomainNotExists', 'DomainNotFound', 'InvalidDomain.NotFound', 'DomainNameNotExist',
    'Domain.NotFound', 'DomainNotBelongToUser',
))
# A RAM user without permission on the domain: the service answers HTTP 403 with a Forbidden* code.
DENIED_CODE_PREFIXES = ('Forbidden', 'NoPermission')

# The facts of a domain, by their SDK names.  Fields a given answer does not carry are None.
DOMAIN_FIELDS = (
    'DomainName', 'InstanceId', 'DnsList', 'DomainStatus', 'DomainType', 'DomainGroupId', 'DomainGroupName',
    'RegistrationDate', 'RegistrationDateLong', 'ExpirationDate', 'ExpirationDateLong', 'ExpirationDateStatus',
    'ExpirationCurrDateDiff', 'Registrar', 'Premium', 'ProductId', 'RegistrantType', 'DomainAuditStatus',
    'AutoRenewEnabled', 'Remark', 'ResourceGroupId', 'Tag',
    # carried by QueryDomainByDomainName only
    'UpdateProhibitionLock', 'TransferProhibitionLock', 'TransferOutStatus', 'RegistrantUpdatingStatus',
    'RealNameStatus', 'DomainNameVerificationStatus', 'EmailVerificationStatus', 'EmailVerificationClientHold',
    'PrivacyServiceStatus', 'CnnicPrivacyServiceStatus', 'DomainNameProxyService',
)
# DomainStatus values (QueryDomainByDomainName's documentation)
DOMAIN_STATUS_NAMES = {'1': 'renewal_required', '2': 'redemption_required', '3': 'active'}
EXPIRATION_STATUS_NAMES = {'1': 'not_expired', '2': 'expired'}


# Why a domain's nameservers cannot be changed now, in plain words (the registrar pre-flight). The order is
# the order of the checks: the first that applies is the reason given.
REASON_UPDATE_LOCK = 'update prohibition lock is on: turn it off in the console first'
REASON_REDEMPTION = 'redemption required'
REASON_RENEWAL = 'renewal required'
REASON_EXPIRED = 'expired'
REASON_REGISTRANT_CHANGE = 'registrant change pending'
REASON_TRANSFER_OUT = 'transfer out pending'
REASON_REAL_NAME = 'real-name verification not passed'
REASON_CLIENT_HOLD = 'on hold until the registrant email is verified'
REASON_NOT_IN_ACCOUNT = 'not in this account'
REASON_DENIED = 'access denied to this RAM user'
CHANGE_BLOCKERS = (
    ('UpdateProhibitionLock', ('OPEN',), REASON_UPDATE_LOCK),
    ('DomainStatus', ('2',), REASON_REDEMPTION),
    ('DomainStatus', ('1',), REASON_RENEWAL),
    ('ExpirationDateStatus', ('2',), REASON_EXPIRED),
    ('RegistrantUpdatingStatus', ('PENDING',), REASON_REGISTRANT_CHANGE),
    ('TransferOutStatus', ('PENDING',), REASON_TRANSFER_OUT),
    ('RealNameStatus', ('NONAUDIT', 'FAILED', 'AUDITING'), REASON_REAL_NAME),
    ('EmailVerificationClientHold', ('TRUE',), REASON_CLIENT_HOLD),
)


def change_blocker(facts):
    """The plain-words reason why ``facts``' domain cannot change its nameservers now, or None.

    A field the answer did not carry blocks nothing: only what the service says forbids a change.
    """
    for field, values, reason in CHANGE_BLOCKERS:
        value = facts.get(field)
        if value is not None and str(value).strip().upper() in values:
            return reason
    return None


def blocked_domains(domain_set):
    """``{name: reason}`` of a DomainSet's domains that cannot change: not in the account, denied, or blocked by a state."""
    blocked = dict((name, REASON_NOT_IN_ACCOUNT) for name in domain_set.missing)
    for name, error in domain_set.denied.items():
        blocked[name] = '%s (%s)' % (REASON_DENIED, error.api_code)
    for name, facts in domain_set.found.items():
        reason = change_blocker(facts)
        if reason:
            blocked[name] = reason
    return blocked


def normalize_name(value):
    return (value or '').strip().rstrip('.').lower()


def nameserver_list(record):
    """The names in ``record['DnsList']`` (either model's nesting), or None when the field is absent."""
    if 'DnsList' not in record or record.get('DnsList') is None:
        return None
    value = record['DnsList']
    if isinstance(value, dict):
        for key in ('Dns', 'DnsList'):
            inner = value.get(key)
            if isinstance(inner, list):
                return [str(item) for item in inner]
            if isinstance(inner, str):
                # XML answers with one element come back as a scalar
                return [inner]
        return []
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, str):
        return [value] if value else []
    return []


def domain_facts(record):
    """The facts of one QueryDomainList item or QueryDomainByDomainName answer, by SDK names."""
    facts = dict((name, record.get(name)) for name in DOMAIN_FIELDS)
    facts['DomainName'] = normalize_name(record.get('DomainName'))
    facts['DnsList'] = nameserver_list(record)
    facts['DomainGroupId'] = as_int(record.get('DomainGroupId'))
    return facts


def merge_facts(listed, detailed):
    """A list item's facts completed by the by-name answer (which wins where it says something)."""
    merged = dict(listed)
    for name, value in detailed.items():
        if value is not None:
            merged[name] = value
    return merged


def is_not_found(error):
    return isinstance(error, DomainApiError) and error.api_code in DOMAIN_NOT_FOUND_CODES


def is_denied(error):
    return isinstance(error, DomainApiError) and (
        error.http_status == 403 or str(error.api_code or '').startswith(DENIED_CODE_PREFIXES))


def read_domain(client, name, deadline=None):
    """The facts of ``name`` from QueryDomainByDomainName; None when it is not in this account."""
    try:
        body = client.call(QUERY_DOMAIN_BY_DOMAIN_NAME, {'DomainName': name}, deadline=deadline)
    except DomainApiError as error:
        if is_not_found(error):
            return None
        raise
    facts = domain_facts(body)
    if facts['DomainName'] != normalize_name(name):
        return None
    return facts


def iter_domain_list(client, params=None, page_size=DOMAIN_LIST_PAGE_SIZE, deadline=None, concurrency=DEFAULT_CONCURRENCY):
    """The facts of every QueryDomainList item, every page (de-duplicated by name), in the service's order."""
    seen = set()
    for item in client.paginate(QUERY_DOMAIN_LIST, dict(params or {}), items_path=DOMAIN_ITEMS, dedupe_key='DomainName',
                                page_size=page_size, deadline=deadline, concurrency=concurrency):
        if not isinstance(item, dict):
            continue
        facts = domain_facts(item)
        if facts['DomainName'] and facts['DomainName'] not in seen:
            seen.add(facts['DomainName'])
            yield facts


def complete_nameservers(client, domains, deadline=None, concurrency=DEFAULT_CONCURRENCY, log=None):
    """Fill in the facts of the domains whose list item lacked ``DnsList`` by reading them one by one.

    ``domains`` is a list of facts; it is returned in the same order, those read again merged with
    their by-name answer.  A domain that vanished in between keeps ``DnsList`` None.  The first
    error (other than "not found") is raised after the reads in flight finish.
    """
    unknown = [facts['DomainName'] for facts in domains if facts['DnsList'] is None]
    if not unknown:
        return domains
    if log is not None:
        log('%s: %d of %d domains listed without DnsList; reading them one by one' % (QUERY_DOMAIN_LIST, len(unknown), len(domains)))
    detailed = {}
    for name, facts, error in client.run_ordered(lambda name: read_domain(client, name, deadline), unknown, concurrency):
        if error is not None:
            raise error
        if facts is not None:
            detailed[name] = facts
    return [merge_facts(facts, detailed[facts['DomainName']]) if facts['DomainName'] in detailed else facts
            for facts in domains]


def read_account_domains(client, keep=None, page_size=DOMAIN_LIST_PAGE_SIZE, deadline=None,
                         concurrency=DEFAULT_CONCURRENCY, log=None):
    """The facts of every domain of the account, nameservers known wherever the service knows them.

    ``keep(facts)`` (optional) selects domains before any one-by-one read, so that a filter on the
    name spares the reads of the domains it drops.
    """
    listed = [facts for facts in iter_domain_list(client, page_size=page_size, deadline=deadline, concurrency=concurrency)
              if keep is None or keep(facts)]
    return complete_nameservers(client, listed, deadline=deadline, concurrency=concurrency, log=log)


class DomainSet(object):
    """What the account says about a named set of domains (see ``read_domains``).

    ``found``: name -> facts, in the order asked; ``missing``: names not in this account;
    ``denied``: name -> the DomainApiError of a RAM user without permission on that domain.
    """

    def __init__(self, found, missing, denied):
        self.found = found
        self.missing = missing
        self.denied = denied

    def nameservers(self):
        """name -> list of nameservers, for the domains found whose nameservers are known."""
        return dict((name, facts['DnsList']) for name, facts in self.found.items() if facts['DnsList'] is not None)


def read_domains(client, names, deadline=None, concurrency=DEFAULT_CONCURRENCY):
    """The full facts (locks and statuses included) of each named domain, read one by one with
    QueryDomainByDomainName, up to ``concurrency`` at once.  ``names`` are normalised names.

    Errors other than "not in this account" and "denied" are raised (after the reads in flight).
    """
    found, missing, denied = {}, [], {}
    unique = list(dict.fromkeys(normalize_name(name) for name in names))

    def read(name):
        try:
            return read_domain(client, name, deadline)
        except DomainApiError as error:
            if is_denied(error):
                return error
            raise

    for name, outcome, error in client.run_ordered(read, unique, concurrency):
        if error is not None:
            raise error
        if outcome is None:
            missing.append(name)
        elif isinstance(outcome, DomainApiError):
            denied[name] = outcome
        else:
            found[name] = outcome
    return DomainSet(found, missing, denied)


def nameserver_provider(nameservers):
    """The nameservers' shared parent domain (``hichina.com`` for dns1/dns2.hichina.com), or None
    when they have none beyond a top-level domain, or are unknown or empty."""
    if not nameservers:
        return None
    labels = [normalize_name(name).split('.') for name in nameservers if normalize_name(name)]
    if not labels:
        return None
    shared = []
    for parts in zip(*[list(reversed(item[1:] if len(item) > 2 else item)) for item in labels]):
        if len(set(parts)) != 1:
            break
        shared.append(parts[0])
    if len(shared) < 2:
        return None
    return '.'.join(reversed(shared))
