# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Domain names and nameserver hostnames: validation, normalisation and comparison (internal use only).

Names a user gives are validated (every bad value reported at once) and normalised: lower case,
no trailing dot, internationalised names in punycode.  Names the API returns are normalised
leniently, never refused.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._options import invalid_value, invalid_values

MAX_NAMESERVERS = 13

_LABEL_RE = re.compile(r'^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$')
_IPV4_RE = re.compile(r'^[0-9]+(?:\.[0-9]+){3}$')


def _name_problem(ascii_name):
    """Why an ASCII (punycode) name is not a usable DNS name, or None."""
    if len(ascii_name) > 253:
        return 'longer than 253 characters'
    labels = ascii_name.split('.')
    if len(labels) < 2:
        return 'needs at least two labels, like example.com'
    for label in labels:
        if not label:
            return 'has an empty label'
        if len(label) > 63:
            return 'label %r is longer than 63 characters' % (label,)
        if not _LABEL_RE.match(label):
            if label.startswith('-') or label.endswith('-'):
                return 'label %r starts or ends with a hyphen' % (label,)
            return 'label %r has characters other than letters, digits and hyphens' % (label,)
    if labels[-1].isdigit():
        return 'the last label is numeric'
    return None


def normalize_name(value):
    """Return ``(ascii_name, problem)``: lower case, without a trailing dot, IDNs in punycode.

    Exactly one of the two is None.  Unicode names are converted with IDNA (``bücher.de`` becomes
    ``xn--bcher-kva.de``); a name IDNA cannot convert is reported, never passed through.
    """
    if not isinstance(value, str):
        return None, 'is not a string'
    name = value.strip()
    if name.endswith('.'):
        name = name[:-1]
    if not name:
        return None, 'is empty'
    if _IPV4_RE.match(name) or ':' in name:
        return None, 'is an IP address, not a hostname'
    try:
        name.encode('ascii')
    except UnicodeEncodeError:
        try:
            name = name.encode('idna').decode('ascii')
        except UnicodeError as exc:
            return None, 'is not a valid internationalised name (%s)' % (exc,)
    name = name.lower()
    problem = _name_problem(name)
    if problem:
        return None, problem
    return name, None


def _validate_names(values, option, kind, minimum, maximum=None):
    names = []
    seen = set()
    problems = []
    for value in values or []:
        name, problem = normalize_name(value)
        if problem:
            problems.append('%r %s' % (value, problem))
        elif name not in seen:
            seen.add(name)
            names.append(name)
    if problems:
        raise invalid_values(option, problems, '%s such as example.com (letters, digits and hyphens in labels of at most '
                                               '63 characters; internationalised names are converted to punycode)' % kind)
    if len(names) < minimum:
        raise invalid_value(option, values, 'a list of at least %d %s (got %d)' % (minimum, kind, len(names)))
    if maximum is not None and len(names) > maximum:
        raise invalid_value(option, values, 'a list of at most %d %s (got %d)' % (maximum, kind, len(names)))
    return names


def validate_domains(values, option='domains'):
    """Normalised, de-duplicated domain names in input order; one error naming every bad value."""
    return _validate_names(values, option, 'domain names', 1)


def validate_nameservers(values, option='nameservers'):
    """Normalised, de-duplicated nameserver hostnames; one error naming every bad value."""
    return _validate_names(values, option, 'nameserver hostnames', 1, MAX_NAMESERVERS)


def lenient_name(value):
    """Normalise a name the API returned; never fails (the API's own spelling is kept if odd)."""
    name, dummy = normalize_name(value)
    if name is None:
        name = (value or '').strip().rstrip('.').lower()
    return name


def nameserver_key(nameservers):
    """Comparison key of a nameserver list: order, case and a trailing dot do not matter."""
    return tuple(sorted(set(lenient_name(ns) for ns in nameservers or [] if ns)))


# The value of a domain in a per-domain target map (option domain_nameservers) that means Alibaba Cloud DNS.
ALIYUN_DNS_TARGET = 'aliyun_dns'
_DOMAIN_TARGETS = 'a map of domain name to a list of nameserver hostnames or the string %s' % ALIYUN_DNS_TARGET
# The options a per-domain target map replaces (the modules nameservers and delegation_info).
SINGLE_TARGET_OPTIONS = ('domains', 'nameservers', 'aliyun_dns')


def _and(names):
    return '%s and %s' % (', '.join(names[:-1]), names[-1])


def validate_domain_targets(mapping, others=None, option='domain_nameservers'):
    """``{domain: [hostnames] or None}`` (None: Alibaba Cloud DNS), in input order, from a map of domain to a
    list of nameserver hostnames or the string ``aliyun_dns``. Keys are checked like ``domains``, values like
    ``nameservers`` (an error names ``<option>.<domain>``); a domain given twice (in any spelling) is refused.
    ``others``: the values of ``SINGLE_TARGET_OPTIONS``; any of them set is refused in one line."""
    given = [name for name in SINGLE_TARGET_OPTIONS if (others or {}).get(name)]
    if given:
        raise DomainConfigError('Option %s is mutually exclusive with %s (given: %s): give every domain its target in %s, '
                                'or the domains and one target in the others.' % (
                                    option, _and(SINGLE_TARGET_OPTIONS), ', '.join(given), option), option=option)
    if not isinstance(mapping, dict) or not mapping:
        raise invalid_value(option, mapping, _DOMAIN_TARGETS)
    targets = {}
    for key, value in mapping.items():
        domain = validate_domains([key], option)[0]
        if domain in targets:
            raise invalid_value(option, key, '%s giving each domain once (%s is given twice)' % (_DOMAIN_TARGETS, domain))
        where = '%s.%s' % (option, domain)
        if value == ALIYUN_DNS_TARGET:
            targets[domain] = None
        elif isinstance(value, (list, tuple)):
            targets[domain] = validate_nameservers(value, where)
        else:
            raise invalid_value(where, value, 'a list of nameserver hostnames or the string %s' % ALIYUN_DNS_TARGET)
    return targets
