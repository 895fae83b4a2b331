# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-domain registrar states (locks, expiry, pending changes, RAM denial) and what they forbid.

A state is set for the domains matching a shell glob (``--domain-state`` or ``domain_states`` in
``POST /_emulator/config``); the first matching pattern wins. The fields and values are those of the
SDK models of QueryDomainByDomainName; ``denied`` makes the RAM user's requests naming the domain fail
with HTTP 403 ``Forbidden.RAM``.
"""

import collections
import fnmatch

from .options import SettingError

# field -> allowed values (as the API answers them), the value of a domain without a state first
FIELDS = collections.OrderedDict([
    ('UpdateProhibitionLock', ('CLOSE', 'NONE_SETTING', 'OPEN')),
    ('DomainStatus', ('3', '1', '2')),
    ('ExpirationDateStatus', ('1', '2')),
    ('RegistrantUpdatingStatus', ('NORMAL', 'PENDING')),
    ('TransferOutStatus', ('NORMAL', 'PENDING')),
    ('RealNameStatus', ('SUCCEED', 'NONAUDIT', 'FAILED', 'AUDITING')),
    ('EmailVerificationClientHold', (False, True)),
])
DENIED = 'denied'
FORMS = 'GLOB=FIELD:VALUE[;FIELD:VALUE...] or GLOB=denied (fields: %s)' % ', '.join(FIELDS)

DomainState = collections.namedtuple('DomainState', 'pattern fields denied')

# What forbids a nameserver change, in the order the service is assumed to check it:
# (field, value, message kind in errors.DETAIL_MESSAGES, Code of a whole-batch refusal)
BLOCKS = (
    ('UpdateProhibitionLock', 'OPEN', 'update_lock', 'DomainUpdateProhibitionLocked'),
    ('DomainStatus', '2', 'redemption', 'DomainRedemptionRequired'),
    ('DomainStatus', '1', 'renewal', 'DomainRenewalRequired'),
    ('ExpirationDateStatus', '2', 'expired', 'DomainExpired'),
    ('RegistrantUpdatingStatus', 'PENDING', 'registrant_pending', 'DomainRegistrantUpdating'),
    ('TransferOutStatus', 'PENDING', 'transfer_out', 'DomainTransferOutPending'),
    ('RealNameStatus', 'NONAUDIT', 'real_name', 'DomainRealNameNotVerified'),
    ('RealNameStatus', 'FAILED', 'real_name', 'DomainRealNameNotVerified'),
    ('RealNameStatus', 'AUDITING', 'real_name', 'DomainRealNameNotVerified'),
    ('EmailVerificationClientHold', True, 'client_hold', 'DomainClientHold'),
)


def _field_value(field, raw, pattern):
    allowed = FIELDS[field]
    if field == 'EmailVerificationClientHold':
        if isinstance(raw, bool):
            return raw
        if str(raw).strip().lower() in ('true', 'false'):
            return str(raw).strip().lower() == 'true'
    else:
        value = str(raw).strip()
        if value.upper() in allowed:
            return value.upper()
    raise SettingError('domain_states %s: %s %r: expected one of %s' % (
        pattern, field, raw, ', '.join(str(value).lower() if isinstance(value, bool) else value for value in allowed)))


def _parse_one(pattern, spec):
    pattern = str(pattern).strip().lower()
    if not pattern:
        raise SettingError('domain_states: an empty pattern; expected %s' % FORMS)
    if isinstance(spec, str) and spec.strip().lower() == DENIED:
        return DomainState(pattern, {}, True)
    if isinstance(spec, str):
        items = []
        for part in spec.split(';'):
            field, sep, value = part.strip().partition(':')
            if not sep:
                raise SettingError('domain_states %s=%s: expected %s' % (pattern, spec, FORMS))
            items.append((field.strip(), value))
    elif isinstance(spec, dict):
        items = list(spec.items())
    else:
        raise SettingError('domain_states %s: %r: expected %s or an object of fields' % (pattern, spec, FORMS))
    fields = {}
    denied = False
    for field, value in items:
        if field == DENIED:
            denied = bool(value)
            continue
        if field not in FIELDS:
            raise SettingError('domain_states %s: unknown field %r; allowed: %s, denied' % (pattern, field, ', '.join(FIELDS)))
        fields[field] = _field_value(field, value, pattern)
    return DomainState(pattern, fields, denied)


def parse_domain_states(value):
    """``"locked-*.com=UpdateProhibitionLock:OPEN,ram-*.com=denied"``, a list of such items, or
    ``{glob: {field: value} | "denied"}`` -> tuple of DomainState (first match wins)."""
    if value in (None, '', [], {}):
        return ()
    if isinstance(value, dict):
        return tuple(_parse_one(pattern, spec) for pattern, spec in value.items())
    texts = value.split(',') if isinstance(value, str) else value
    if not isinstance(texts, (list, tuple)):
        raise SettingError('domain_states %r: expected %s' % (value, FORMS))
    states = []
    for text in texts:
        pattern, sep, spec = str(text).strip().partition('=')
        if not sep:
            raise SettingError('domain_states %r: expected %s' % (text, FORMS))
        states.append(_parse_one(pattern, spec))
    return tuple(states)


def states_to_json(states):
    answer = {}
    for state in states:
        if state.denied and not state.fields:
            answer[state.pattern] = DENIED
        else:
            answer[state.pattern] = dict(state.fields, **({DENIED: True} if state.denied else {}))
    return answer


def state_of(states, domain):
    """The DomainState of ``domain`` (the first matching pattern), or None."""
    name = domain.lower()
    for state in states:
        if fnmatch.fnmatchcase(name, state.pattern):
            return state
    return None


def fields_of(states, domain):
    """The API fields of ``domain`` that its state overrides ({} without one)."""
    state = state_of(states, domain)
    return dict(state.fields) if state else {}


def is_denied(states, domain):
    state = state_of(states, domain)
    return bool(state and state.denied)


def block_of(states, domain):
    """(message kind, refusal Code) of the first thing that forbids changing ``domain``'s nameservers, or None."""
    state = state_of(states, domain)
    if state is None:
        return None
    for field, value, kind, code in BLOCKS:
        if state.fields.get(field) == value:
            return kind, code
    return None
