# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Delegation safety checks with dnspython (internal use only).

Pre-flight, before nameservers are changed: every target nameserver resolves and answers the
domain's SOA authoritatively; the targets agree on the serial and serve an NS RRset equal to the
target set (warnings); when the parent zone publishes DS records, every target serves a DNSKEY
that one of them matches (otherwise the domain is blocked).

Post-flight, after the registrar reports success: every authoritative server of the parent zone,
asked without recursion, refers the domain to exactly the target set; the parent's NS TTL gives
the time until which resolvers may still use the old nameservers.

All network traffic goes through ``DnsTransport`` (dnspython's ``dns.query.udp``/``tcp``), so
tests replace exactly that boundary.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import functools
import socket
import threading
import time
import traceback

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._names import (
    SINGLE_TARGET_OPTIONS,
    nameserver_key,
    normalize_name,
    validate_domain_targets,
    validate_domains,
    validate_nameservers,
)
from ansible_collections.aliyun.domain.plugins.module_utils._nameservers import target_from_options
from ansible_collections.aliyun.domain.plugins.module_utils._options import (
    invalid_value,
    invalid_values,
    validate_seconds,
    validate_whole_number,
)

try:
    import dns.dnssec
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdatatype
    import dns.resolver
    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by the module with missing_required_lib
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = traceback.format_exc()

DNS_PORT = 53
DEFAULT_QUERY_TIMEOUT = 2.0
DEFAULT_QUERY_RETRIES = 1
DEFAULT_CONCURRENCY = 32
MAX_CONCURRENCY = 256
DEFAULT_DELEGATION_TIMEOUT = 600.0
# Post-flight: first look again after this long, doubling up to the maximum.
FIRST_RECHECK = 1.0
MAX_RECHECK = 30.0
# Domains whose rounds fall within this many seconds check in step (a burst): progress is reported between bursts.
ROUND_IN_STEP = FIRST_RECHECK / 2
# What `aliyun_dns: true` points a domain at: Alibaba Cloud DNS's (free edition) servers.
ALIYUN_DNS_NAMESERVERS = ('ns1.alidns.com', 'ns2.alidns.com')
# DS digest types dnspython can compute (SHA-1, SHA-256, SHA-384).
_DIGEST_TYPES = {1: 'SHA1', 2: 'SHA256', 4: 'SHA384'}


# ---------------------------------------------------------------------------------------------
# option validation


def _parse_ip(text):
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            return socket.inet_ntop(family, socket.inet_pton(family, text))
        except (OSError, ValueError):
            continue
    return None


def parse_server(value):
    """``(ip, port)`` from ``IP``, ``IP:PORT``, ``IPv6`` or ``[IPv6]:PORT``; None when it is neither."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    port = DNS_PORT
    if text.startswith('['):
        host, sep, rest = text[1:].partition(']')
        if not sep or (rest and not rest.startswith(':')):
            return None
        if rest:
            port = _parse_port(rest[1:])
    elif text.count(':') == 1:
        host, dummy, port_text = text.partition(':')
        port = _parse_port(port_text)
    else:
        host = text
    ip = _parse_ip(host)
    if ip is None or port is None:
        return None
    return ip, port


def _parse_port(text):
    if not text.isdigit():
        return None
    port = int(text)
    return port if 1 <= port <= 65535 else None


def format_server(server):
    ip, port = server
    host = '[%s]' % ip if ':' in ip else ip
    return host if port == DNS_PORT else '%s:%d' % (host, port)


_SERVER_FORMS = 'IP addresses as IP or IP:PORT (IPv6 as [IP]:PORT), ports from 1 to 65535'
_ADDRESS_MAP = 'a map of nameserver hostname to a list of %s' % _SERVER_FORMS


def validate_servers(values, option):
    """A list of ``(ip, port)``; one DomainConfigError naming the option and every bad value."""
    if values is None:
        return []
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise invalid_value(option, values, 'a list of %s' % _SERVER_FORMS)
    servers, bad = [], []
    for value in values:
        server = parse_server(value)
        if server is None:
            bad.append(repr(value))
        elif server not in servers:
            servers.append(server)
    if bad:
        raise invalid_values(option, bad, _SERVER_FORMS)
    return servers


def validate_nameserver_addresses(mapping, option):
    """``{hostname: [(ip, port), ...]}`` from a map of nameserver hostname to a list of ``IP[:PORT]``."""
    if mapping is None:
        return {}
    if not isinstance(mapping, dict):
        raise invalid_value(option, mapping, _ADDRESS_MAP)
    result, problems = {}, []
    for key, values in mapping.items():
        name, problem = normalize_name(key)
        if problem:
            problems.append('key %r %s' % (key, problem))
            continue
        if isinstance(values, str):
            values = [values]
        try:
            servers = validate_servers(values, option)
        except DomainConfigError:
            problems.append('%s: %r is not a list of %s' % (name, values, _SERVER_FORMS))
            continue
        if not servers:
            problems.append('%s: the list of addresses is empty' % name)
            continue
        result[name] = servers
    if problems:
        raise invalid_values(option, problems, _ADDRESS_MAP)
    return result


def target_nameservers(nameservers=None, aliyun_dns=False):
    """The hostnames a target points at (normalised, sorted)."""
    if aliyun_dns:
        return sorted(ALIYUN_DNS_NAMESERVERS)
    return list(nameserver_key(nameservers))


# ---------------------------------------------------------------------------------------------
# transport


class DnsQueryError(Exception):
    """A query got no usable answer (timeout, network error, malformed answer)."""


class DnsTransport(object):
    """One question to one server: UDP, TCP when the answer is truncated, a retry after a timeout."""

    def __init__(self, timeout=DEFAULT_QUERY_TIMEOUT, retries=DEFAULT_QUERY_RETRIES, udp=None, tcp=None):
        self.timeout = timeout
        self.retries = retries
        self._udp = udp or dns.query.udp
        self._tcp = tcp or dns.query.tcp
        self._lock = threading.Lock()
        self.queries = 0

    def ask(self, qname, rdtype, server, recursion=False, dnssec=False):
        query = dns.message.make_query(qname, rdtype, want_dnssec=dnssec, use_edns=0, payload=4096)
        if not recursion:
            query.flags &= ~dns.flags.RD
        ip, port = server
        last = None
        for dummy in range(self.retries + 1):
            with self._lock:
                self.queries += 1
            try:
                answer = self._udp(query, ip, timeout=self.timeout, port=port)
                if answer.flags & dns.flags.TC:
                    answer = self._tcp(query, ip, timeout=self.timeout, port=port)
                return answer
            except dns.exception.Timeout:
                last = 'timed out after %g s' % self.timeout
            except (OSError, EOFError) as error:
                last = 'no answer over UDP (%s)' % (error,)
                try:
                    return self._tcp(query, ip, timeout=self.timeout, port=port)
                except (OSError, EOFError, dns.exception.DNSException) as tcp_error:
                    last = 'no answer over UDP or TCP (%s)' % (tcp_error,)
            except dns.exception.DNSException as error:
                last = 'unusable answer (%s)' % (error,)
        raise DnsQueryError('%s from %s: %s' % (dns.rdatatype.to_text(rdtype), format_server(server), last))


def _rcode(answer):
    return dns.rcode.to_text(answer.rcode())


def _rrset(section, name, rdtype):
    for rrset in section:
        if rrset.name == name and rrset.rdtype == rdtype:
            return rrset
    return None


# ---------------------------------------------------------------------------------------------
# address resolution and the parent zone's servers


class Resolution(object):
    """Addresses of hostnames (the given map first, then A/AAAA through the resolvers), cached."""

    def __init__(self, transport, resolvers=None, nameserver_addresses=None):
        self.transport = transport
        self._resolvers = list(resolvers or [])
        self.nameserver_addresses = dict(nameserver_addresses or {})
        self._cache = {}
        self._lock = threading.Lock()

    @property
    def resolvers(self):
        if not self._resolvers:
            try:
                system = dns.resolver.Resolver(configure=True)
                self._resolvers = [(ip, DNS_PORT) for ip in system.nameservers if _parse_ip(str(ip))]
            except dns.exception.DNSException:
                self._resolvers = []
        return self._resolvers

    def recursive(self, qname, rdtype):
        """Ask the resolvers in turn; the first answer (any rcode) wins. DnsQueryError when none answers."""
        errors = []
        for server in self.resolvers:
            try:
                answer = self.transport.ask(qname, rdtype, server, recursion=True)
            except DnsQueryError as error:
                errors.append(str(error))
                continue
            if answer.rcode() == dns.rcode.SERVFAIL:
                errors.append('%s from %s: SERVFAIL' % (dns.rdatatype.to_text(rdtype), format_server(server)))
                continue
            return answer
        if not errors:
            raise DnsQueryError('no resolver configured (set the resolvers option)')
        raise DnsQueryError('no resolver answered: %s' % '; '.join(errors))

    def addresses(self, hostname):
        """``(servers, problem)`` for a nameserver hostname; ports other than 53 only from the map."""
        hostname = hostname.rstrip('.').lower()
        if hostname in self.nameserver_addresses:
            return self.nameserver_addresses[hostname], None
        with self._lock:
            if hostname in self._cache:
                return self._cache[hostname]
        servers, errors = [], []
        for rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            try:
                answer = self.recursive(hostname, rdtype)
            except DnsQueryError as error:
                errors.append(str(error))
                continue
            rrset = _rrset(answer.answer, dns.name.from_text(hostname), rdtype)
            for rdata in rrset or ():
                servers.append((rdata.address, DNS_PORT))
        if servers:
            found = (servers, None)
        elif errors:
            found = ([], 'cannot be resolved: %s' % '; '.join(errors))
        else:
            found = ([], 'does not resolve (no A or AAAA record)')
        with self._lock:
            self._cache[hostname] = found
        return found


class ParentZones(object):
    """The parent zone of each domain and the addresses of its authoritative servers."""

    def __init__(self, resolution, parent_servers=None):
        self.resolution = resolution
        self.given = list(parent_servers or [])
        self._zones = {}
        self._lock = threading.Lock()

    def servers(self, domain):
        """``(zone, servers, problem)``: given servers, or the zone's NS found through the resolvers."""
        labels = domain.split('.')
        if self.given:
            return '.'.join(labels[1:]), self.given, None
        for index in range(1, len(labels)):
            zone = '.'.join(labels[index:])
            with self._lock:
                if zone in self._zones:
                    return self._zones[zone]
            found = self._discover(zone)
            if found is not None:
                with self._lock:
                    self._zones[zone] = found
                return found
        return '', [], 'no parent zone of %s found through the resolvers' % domain

    def _discover(self, zone):
        try:
            answer = self.resolution.recursive(zone, dns.rdatatype.NS)
        except DnsQueryError as error:
            return zone, [], 'cannot find the servers of the parent zone %s: %s' % (zone, error)
        rrset = _rrset(answer.answer, dns.name.from_text(zone), dns.rdatatype.NS)
        if rrset is None:
            return None
        servers, problems = [], []
        for rdata in rrset:
            found, problem = self.resolution.addresses(rdata.target.to_text(omit_final_dot=True))
            servers.extend(server for server in found if server not in servers)
            if problem:
                problems.append('%s %s' % (rdata.target, problem))
        if not servers:
            return zone, [], 'no server of the parent zone %s has an address: %s' % (zone, '; '.join(problems))
        return zone, servers, None


# ---------------------------------------------------------------------------------------------
# pre-flight


def _referral_nameservers(answer, name):
    rrset = _rrset(answer.authority, name, dns.rdatatype.NS) or _rrset(answer.answer, name, dns.rdatatype.NS)
    if rrset is None:
        return None, None
    return sorted(rdata.target.to_text(omit_final_dot=True).lower() for rdata in rrset), rrset.ttl


def parent_ds(transport, domain, servers):
    """``(ds_rdatas, problem)``: the DS RRset the parent zone's servers publish for the domain."""
    name = dns.name.from_text(domain)
    errors = []
    for server in servers:
        try:
            answer = transport.ask(name, dns.rdatatype.DS, server, dnssec=True)
        except DnsQueryError as error:
            errors.append(str(error))
            continue
        if answer.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            errors.append('DS from %s: %s' % (format_server(server), _rcode(answer)))
            continue
        rrset = _rrset(answer.answer, name, dns.rdatatype.DS)
        return list(rrset or ()), None
    return None, 'cannot read the DS records at the parent zone: %s' % '; '.join(errors or ['no server'])


def _matching_ds(domain, dnskeys, ds_records):
    """The DS records one of the DNSKEYs matches (the digest recomputed from the key)."""
    matches = []
    for ds in ds_records:
        algorithm = _DIGEST_TYPES.get(ds.digest_type)
        if algorithm is None:
            continue
        for key in dnskeys:
            if key.algorithm == ds.algorithm and dns.dnssec.key_id(key) == ds.key_tag and \
                    dns.dnssec.make_ds(domain, key, algorithm) == ds:
                matches.append(ds)
                break
    return matches


def _ds_text(ds):
    return 'key tag %d, algorithm %d, digest type %d' % (ds.key_tag, ds.algorithm, ds.digest_type)


class PreflightCheck(object):
    """The pre-flight of one domain against its target nameservers."""

    def __init__(self, transport, resolution, parents):
        self.transport = transport
        self.resolution = resolution
        self.parents = parents

    def run(self, domain, targets):
        name = dns.name.from_text(domain)
        blocked, warnings, reports = [], [], []
        serials = {}
        answering = []
        for hostname in targets:
            report = {'name': hostname, 'addresses': [], 'authoritative': False, 'serial': None, 'problems': []}
            reports.append(report)
            servers, problem = self.resolution.addresses(hostname)
            report['addresses'] = [format_server(server) for server in servers]
            if problem:
                report['problems'].append(problem)
                blocked.append('nameserver %s %s' % (hostname, problem))
                continue
            good = True
            for server in servers:
                problem, serial = self._soa(name, server)
                if problem:
                    good = False
                    report['problems'].append(problem)
                    blocked.append('nameserver %s (%s) %s' % (hostname, format_server(server), problem))
                else:
                    serials.setdefault(serial, []).append('%s (%s)' % (hostname, format_server(server)))
                    report['serial'] = serial
            report['authoritative'] = good
            if good:
                answering.append((hostname, servers[0]))
        if len(serials) > 1:
            warnings.append('the target nameservers disagree on the SOA serial: %s' % '; '.join(
                '%d at %s' % (serial, ', '.join(where)) for serial, where in sorted(serials.items())))
        if answering:
            warnings.extend(self._ns_rrset(name, targets, answering[0]))
        ds_records, dnssec, delegated = None, {'parent_ds': [], 'matching_ds': []}, None
        zone, parent_servers, problem = self.parents.servers(domain)
        if problem:
            blocked.append(problem)
        else:
            ds_records, problem = parent_ds(self.transport, domain, parent_servers)
            if problem:
                blocked.append(problem)
            else:
                delegated = self._delegated(name, parent_servers)
        if ds_records:
            dnssec['parent_ds'] = [_ds_text(ds) for ds in ds_records]
            matched = set()
            for hostname, server in answering:
                matches, problem = self._dnskey_matches(name, server, ds_records)
                if problem:
                    blocked.append('nameserver %s (%s): %s' % (hostname, format_server(server), problem))
                matched.update(_ds_text(ds) for ds in matches)
            dnssec['matching_ds'] = sorted(matched)
        verdict = 'blocked' if blocked else ('warning' if warnings else 'ok')
        return {'verdict': verdict, 'blocked': blocked, 'warnings': warnings, 'nameservers': reports,
                'parent_zone': zone, 'dnssec': dnssec, 'signed': bool(ds_records), 'delegated_nameservers': delegated}

    def _delegated(self, name, parent_servers):
        """What the parent delegates the domain to now (the nameservers resolvers use until the change
        propagates), or None when no parent server gives a referral."""
        for server in parent_servers:
            try:
                answer = self.transport.ask(name, dns.rdatatype.NS, server)
            except DnsQueryError:
                continue
            nameservers, dummy = _referral_nameservers(answer, name)
            if nameservers is not None:
                return nameservers
        return None

    def _soa(self, name, server):
        """``(problem, serial)`` of one address asked for the zone's SOA without recursion."""
        try:
            answer = self.transport.ask(name, dns.rdatatype.SOA, server)
        except DnsQueryError as error:
            return 'does not answer: %s' % error, None
        if answer.rcode() != dns.rcode.NOERROR:
            return 'does not serve the zone (lame delegation): SOA answered %s' % _rcode(answer), None
        soa = _rrset(answer.answer, name, dns.rdatatype.SOA)
        if not answer.flags & dns.flags.AA or soa is None:
            return 'does not answer the SOA authoritatively (lame delegation)', None
        return None, soa[0].serial

    def _ns_rrset(self, name, targets, first):
        hostname, server = first
        try:
            answer = self.transport.ask(name, dns.rdatatype.NS, server)
        except DnsQueryError as error:
            return ['cannot read the NS RRset from %s: %s' % (hostname, error)]
        served = _rrset(answer.answer, name, dns.rdatatype.NS)
        names = sorted(rdata.target.to_text(omit_final_dot=True).lower() for rdata in served or ())
        if names != sorted(targets):
            return ['the NS RRset %s serves (%s) differs from the target nameservers (%s)'
                    % (hostname, ', '.join(names) or 'none', ', '.join(sorted(targets)))]
        return []

    def _dnskey_matches(self, name, server, ds_records):
        try:
            answer = self.transport.ask(name, dns.rdatatype.DNSKEY, server, dnssec=True)
        except DnsQueryError as error:
            return [], 'cannot read its DNSKEY records: %s' % error
        keys = _rrset(answer.answer, name, dns.rdatatype.DNSKEY)
        matches = _matching_ds(name, list(keys or ()), ds_records)
        if not matches:
            return [], ('serves no DNSKEY matching a DS record at the parent (%s): validating resolvers would '
                        'fail the domain' % '; '.join(_ds_text(ds) for ds in ds_records))
        return matches, None


# ---------------------------------------------------------------------------------------------
# post-flight


def _iso(timestamp):
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


class DelegationCheck(object):
    """What the parent zone's servers delegate a domain to, once or until it is the target set."""

    def __init__(self, transport, parents, clock=time.monotonic, sleep=time.sleep, wall_clock=time.time):
        self.transport = transport
        self.parents = parents
        self.clock = clock
        self.sleep = sleep
        self.wall_clock = wall_clock

    def look(self, domain, servers):
        """One round: per server ``{server, nameservers, ttl, error}``."""
        name = dns.name.from_text(domain)
        rows = []
        for server in servers:
            row = {'server': format_server(server), 'nameservers': None, 'ttl': None, 'error': None}
            try:
                answer = self.transport.ask(name, dns.rdatatype.NS, server)
            except DnsQueryError as error:
                row['error'] = str(error)
            else:
                row['nameservers'], row['ttl'] = _referral_nameservers(answer, name)
                if row['nameservers'] is None:
                    row['error'] = 'no NS referral for %s (%s)' % (domain, _rcode(answer))
            rows.append(row)
        return rows

    def run(self, domain, targets, wait=False, timeout=DEFAULT_DELEGATION_TIMEOUT, old_nameservers=None, deadline=None,
            sleeping=None):
        """``deadline`` (a ``clock()`` value) overrides ``timeout``: many domains share one.
        ``sleeping(seconds)`` hears of each pause before the next round (CheckProgress)."""
        targets = sorted(targets)
        result = {'verified': False, 'verified_at': None, 'parent_ns_ttl': None, 'parent_zone': None,
                  'current_nameservers': None, 'old_nameservers': sorted(old_nameservers or []),
                  'old_nameservers_until': None, 'parent_servers': [], 'problems': [], 'checks': 0}
        zone, servers, problem = self.parents.servers(domain)
        result['parent_zone'] = zone
        if problem:
            result['problems'].append(problem)
            return result
        if deadline is None:
            deadline = self.clock() + timeout
        pause = FIRST_RECHECK
        pending = list(servers)
        confirmed, latest = {}, {}
        while True:
            result['checks'] += 1
            rows = self.look(domain, pending)
            # rows answer this round's pending servers only: servers confirmed earlier keep their row
            latest.update(zip(pending, rows))
            for row, server in zip(rows, pending):
                if row['nameservers'] == targets:
                    confirmed[server] = row
                elif row['nameservers'] and not result['old_nameservers']:
                    result['old_nameservers'] = row['nameservers']
            pending = [server for server in pending if server not in confirmed]
            result['parent_servers'] = [latest[server] for server in servers]
            if not pending or not wait:
                break
            remaining = deadline - self.clock()
            if remaining <= 0:
                break
            if sleeping is not None:
                sleeping(min(pause, remaining))
            self.sleep(min(pause, remaining))
            pause = min(pause * 2, MAX_RECHECK)
        seen = [row['nameservers'] for row in result['parent_servers'] if row and row['nameservers']]
        result['current_nameservers'] = seen[0] if seen and all(names == seen[0] for names in seen) else None
        if not pending:
            now = self.wall_clock()
            ttl = max(row['ttl'] for row in confirmed.values())
            result.update(verified=True, verified_at=_iso(now), parent_ns_ttl=ttl,
                          old_nameservers_until=_iso(now + ttl) if result['old_nameservers'] else None)
            if result['old_nameservers'] == targets:
                result['old_nameservers'] = []
                result['old_nameservers_until'] = None
        else:
            result['problems'].extend('%s %s' % (row['server'], row['error'] or 'refers to %s, not the targets'
                                                 % ', '.join(row['nameservers']))
                                      for row in result['parent_servers'] if row and row['nameservers'] != targets)
        return result


# ---------------------------------------------------------------------------------------------
# many domains


class CheckProgress(object):
    """The counts of a check of many domains, reported to a progress hook (_progress.ProgressReporter).

    Worker threads tell it when a domain starts, pauses before its next post-flight round, and finishes;
    reports are made under one lock, so they arrive in order. A waiting post-flight reports only when every
    started domain is done or pausing (its next round more than ``ROUND_IN_STEP`` away): the domains' rounds
    come in bursts, and a report in the middle of one would show part of its outcome. Otherwise every finished domain is reported. It only counts what the
    checks found: no query of its own, no decision of the checks.
    """

    def __init__(self, progress, check, total, clock, wait=False):
        self.progress = progress
        self.check = check
        self.total = total
        self.clock = clock
        self.wait = wait
        self.started = clock()
        self.running = set()
        self.done = {}
        self.next_rounds = {}
        self._lock = threading.Lock()

    def starting(self, domain):
        with self._lock:
            self.running.add(domain)

    def sleeping(self, domain, seconds):
        """The post-flight of ``domain`` looks again in ``seconds`` (it is awake again once they passed)."""
        with self._lock:
            now = self.clock()
            self.next_rounds[domain] = now + seconds
            self._report(now)

    def finished(self, domain, outcome):
        """``outcome``: ``verified``/``unverified`` (post-flight) or ``ok``/``warning``/``blocked`` (pre-flight)."""
        with self._lock:
            self.done[domain] = outcome
            self.running.discard(domain)
            self.next_rounds.pop(domain, None)
            if len(self.done) < self.total:
                self._report(self.clock())

    def end(self):
        with self._lock:
            self._report(self.clock(), ended=True)

    def _report(self, now, ended=False):
        due = [self.next_rounds.get(domain, now) - now for domain in self.running]
        if not ended and self.wait and not (due and all(seconds > ROUND_IN_STEP for seconds in due)):
            return   # a domain is in its round (or about to start one), or about to start its first
        outcomes = list(self.done.values())
        report = {'check': self.check, 'total': self.total, 'elapsed': now - self.started, 'ended': ended}
        if self.check == 'preflight':
            report.update(checked=len(outcomes), blocked=outcomes.count('blocked'))
        else:
            report.update(verified=outcomes.count('verified'), unverified=outcomes.count('unverified'),
                          next_check=min(due) if self.wait and not ended else None)
        self.progress(report)


class DelegationChecker(object):
    """Pre- and post-flight for many domains, ``concurrency`` at a time, queries shared through caches."""

    def __init__(self, resolvers=None, parent_servers=None, nameserver_addresses=None,
                 query_timeout=DEFAULT_QUERY_TIMEOUT, query_retries=DEFAULT_QUERY_RETRIES,
                 concurrency=DEFAULT_CONCURRENCY, transport=None, clock=time.monotonic, sleep=time.sleep,
                 wall_clock=time.time):
        self.transport = transport or DnsTransport(query_timeout, query_retries)
        self.resolution = Resolution(self.transport, resolvers, nameserver_addresses)
        self.parents = ParentZones(self.resolution, parent_servers)
        self.preflight_check = PreflightCheck(self.transport, self.resolution, self.parents)
        self.delegation_check = DelegationCheck(self.transport, self.parents, clock, sleep, wall_clock)
        self.concurrency = concurrency

    @staticmethod
    def _guarded(check, domain, *args, **kwargs):
        try:
            return check(domain, *args, **kwargs)
        except Exception as error:  # one domain's surprise must not hide the others' results
            return {'error': 'internal error checking %s: %s: %s' % (domain, type(error).__name__, error)}

    def _map(self, function, domains):
        if self.concurrency <= 1 or len(domains) <= 1:
            return [function(domain) for domain in domains]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(domains))) as pool:
            return list(pool.map(function, domains))

    def preflight(self, domains, targets, progress=None):
        """``{domain: preflight}``; ``targets`` is one list for all or a map domain -> list.
        ``progress(report)``: a hook told of every checked domain and the end (CheckProgress)."""
        counts = None if progress is None else CheckProgress(progress, 'preflight', len(domains), self.delegation_check.clock)

        def one(domain):
            result = _as_blocked(self._guarded(self.preflight_check.run, domain, _targets_of(targets, domain)))
            if counts is not None:
                counts.finished(domain, result['verdict'])
            return result
        results = self._map(one, domains)
        if counts is not None:
            counts.end()
        return dict(zip(domains, results))

    def delegation(self, domains, targets, wait=False, timeout=DEFAULT_DELEGATION_TIMEOUT, old_nameservers=None,
                   progress=None):
        """``{domain: delegation}``; with ``wait`` every domain is waited for until the same deadline.
        ``progress(report)``: a hook told of every pause, every finished domain and the end (CheckProgress)."""
        deadline = self.delegation_check.clock() + timeout
        counts = None if progress is None else CheckProgress(progress, 'delegation', len(domains),
                                                             self.delegation_check.clock, wait=wait)

        def one(domain):
            old = (old_nameservers or {}).get(domain)
            sleeping = None
            if counts is not None:
                counts.starting(domain)
                sleeping = functools.partial(counts.sleeping, domain)
            result = _as_unverified(self._guarded(self.delegation_check.run, domain, _targets_of(targets, domain), wait,
                                                  timeout, old, deadline=deadline, sleeping=sleeping))
            if counts is not None:
                counts.finished(domain, 'verified' if result['verified'] else 'unverified')
            return result
        results = self._map(one, domains)
        if counts is not None:
            counts.end()
        return dict(zip(domains, results))


def _targets_of(targets, domain):
    return targets[domain] if isinstance(targets, dict) else targets


def _as_blocked(result):
    if 'error' in result and 'verdict' not in result:
        return {'verdict': 'blocked', 'blocked': [result['error']], 'warnings': [], 'nameservers': [],
                'parent_zone': None, 'dnssec': {'parent_ds': [], 'matching_ds': []}, 'signed': False,
                'delegated_nameservers': None}
    return result


def _as_unverified(result):
    if 'error' in result and 'verified' not in result:
        return {'verified': False, 'verified_at': None, 'parent_ns_ttl': None, 'parent_zone': None,
                'current_nameservers': None, 'old_nameservers': [], 'old_nameservers_until': None,
                'parent_servers': [], 'problems': [result['error']], 'checks': 0}
    return result


def skipped_preflight(reason):
    return {'verdict': 'skipped', 'blocked': [], 'warnings': [reason], 'nameservers': [], 'parent_zone': None,
            'dnssec': {'parent_ds': [], 'matching_ds': []}, 'signed': False, 'delegated_nameservers': None}


# ---------------------------------------------------------------------------------------------
# the module's request and result (aliyun.domain.delegation_info; the role passes the same options)

MODES = ('preflight', 'delegation')
MAX_QUERY_RETRIES = 10


class DelegationRequest(object):
    """The validated options of a check; every DomainConfigError names its option."""

    def __init__(self, params):
        self.mode = params.get('mode') or 'preflight'
        if self.mode not in MODES:
            raise invalid_value('mode', self.mode, 'one of %s' % ', '.join(MODES))
        if params.get('domain_nameservers') is not None:
            # per-domain targets: {domain: hostnames} (None: Alibaba Cloud DNS), the domains in its order
            per_domain = validate_domain_targets(params['domain_nameservers'],
                                                 dict((name, params.get(name)) for name in SINGLE_TARGET_OPTIONS))
            self.domains = list(per_domain)
            self.targets = dict((domain, target_nameservers(names, names is None)) for domain, names in per_domain.items())
        else:
            if params.get('domains') is None:
                raise DomainConfigError('One of domains (with nameservers or aliyun_dns=true) or domain_nameservers is '
                                        'required.', option='domains')
            self.domains = validate_domains(params.get('domains'))
            aliyun_dns = bool(params.get('aliyun_dns'))
            target = target_from_options(params.get('nameservers'), aliyun_dns)
            self.targets = target_nameservers(None if aliyun_dns else target.nameservers, aliyun_dns)
        self.skip = set(validate_domains(params.get('skip_domains'), 'skip_domains')) if params.get('skip_domains') else set()
        self.resolvers = validate_servers(params.get('resolvers'), 'resolvers')
        self.parent_servers = validate_servers(params.get('parent_nameservers'), 'parent_nameservers')
        self.nameserver_addresses = validate_nameserver_addresses(params.get('nameserver_addresses'), 'nameserver_addresses')
        self.wait = bool(params.get('wait'))
        self.wait_timeout = validate_seconds(_given(params, 'wait_timeout', DEFAULT_DELEGATION_TIMEOUT), 'wait_timeout')
        self.query_timeout = validate_seconds(_given(params, 'query_timeout', DEFAULT_QUERY_TIMEOUT), 'query_timeout',
                                              minimum=0.001)
        self.query_retries = validate_whole_number(_given(params, 'query_retries', DEFAULT_QUERY_RETRIES), 'query_retries',
                                                   minimum=0, maximum=MAX_QUERY_RETRIES)
        self.concurrency = validate_whole_number(_given(params, 'concurrency', DEFAULT_CONCURRENCY), 'concurrency',
                                                 maximum=MAX_CONCURRENCY)
        self.old_nameservers = {}
        old = params.get('old_nameservers') or {}
        if not isinstance(old, dict):
            raise invalid_value('old_nameservers', old, 'a map of domain to a list of nameserver hostnames')
        for domain, names in old.items():
            key = validate_domains([domain], 'old_nameservers')[0]
            self.old_nameservers[key] = validate_nameservers(names, 'old_nameservers (%s)' % key)

    def targets_of(self, domain):
        """The sorted target hostnames of one domain."""
        return _targets_of(self.targets, domain)

    def groups(self):
        """``[(targets, [domains])]``: the domains by target, in the order each target is first seen."""
        groups = {}
        for domain in self.domains:
            groups.setdefault(tuple(self.targets_of(domain)), []).append(domain)
        return [(list(targets), domains) for targets, domains in groups.items()]

    def checker(self, **overrides):
        options = dict(resolvers=self.resolvers, parent_servers=self.parent_servers,
                       nameserver_addresses=self.nameserver_addresses, query_timeout=self.query_timeout,
                       query_retries=self.query_retries, concurrency=self.concurrency)
        options.update(overrides)
        return DelegationChecker(**options)


def _given(params, name, default):
    value = params.get(name)
    return default if value is None else value


def run_delegation_checks(request, checker=None, progress=None):
    """The module's result: ``domains`` (domain -> record, in input order), ``summary``, the domain lists.
    ``progress``: the progress hook (a _progress.ProgressReporter), told of the checks as they advance."""
    checker = checker or request.checker()
    checked = [domain for domain in request.domains if domain not in request.skip]
    # request.targets is one list for all or a map domain -> list (domain_nameservers): the checker checks every
    # domain against its own targets in the same pass, so the groups of domain_nameservers share its threads, its
    # caches, the one wait deadline and the one progress count (total: every domain checked).
    if request.mode == 'preflight':
        found = checker.preflight(checked, request.targets, progress=progress)
    else:
        found = checker.delegation(checked, request.targets, wait=request.wait, timeout=request.wait_timeout,
                                   old_nameservers=request.old_nameservers, progress=progress)
    results = {}
    for domain in request.domains:
        if domain in request.skip:
            results[domain] = skipped_record(request.mode, domain)
        elif request.mode == 'preflight':
            results[domain] = preflight_record(domain, found[domain])
        else:
            results[domain] = delegation_record(domain, found[domain])
    groups = request.groups()
    return {'mode': request.mode, 'nameservers': groups[0][0] if len(groups) == 1 else [],
            'targets': dict((domain, request.targets_of(domain)) for domain in request.domains),
            'domains': results,
            'summary': summarize(request.mode, results.values()),
            'blocked': [domain for domain in request.domains if results[domain]['verdict'] == 'blocked'],
            # what the role submits (pre-flight) and passes back as old_nameservers (post-flight)
            'cleared': [domain for domain in request.domains if results[domain]['verdict'] not in ('blocked', 'unverified')],
            'reasons': dict((domain, list(results[domain]['problems'])) for domain in request.domains
                            if results[domain]['problems']),
            'delegated_nameservers': dict((domain, results[domain]['delegated_nameservers']) for domain in request.domains
                                          if results[domain].get('delegated_nameservers')),
            'brief': dict((domain, brief_record(results[domain])) for domain in request.domains),
            'unverified': [domain for domain in request.domains if results[domain]['verdict'] == 'unverified'],
            'queries': checker.transport.queries}


BRIEF_FIELDS = {
    'preflight': ('verdict', 'problems', 'warnings', 'signed'),
    'delegation': ('verdict', 'verified', 'verified_at', 'parent_ns_ttl', 'old_nameservers', 'old_nameservers_until',
                   'problems'),
}


def brief_record(record):
    """What a migration report keeps of a record (the dns_migration role's report sections)."""
    return dict((field, record.get(field)) for field in BRIEF_FIELDS[record['check']])


def preflight_record(domain, found):
    record = dict(found)
    record.update(domain=domain, check='preflight', problems=list(found['blocked']))
    return record


def delegation_record(domain, found):
    record = dict(found)
    record.update(domain=domain, check='delegation', verdict='verified' if found['verified'] else 'unverified')
    return record


def skipped_record(mode, domain):
    reason = 'the DNS %s was skipped for this domain (skip_domains)' % ('pre-flight' if mode == 'preflight' else 'post-flight')
    if mode == 'preflight':
        record = skipped_preflight(reason)
    else:
        record = {'verified': None, 'verified_at': None, 'parent_ns_ttl': None, 'parent_zone': None,
                  'current_nameservers': None, 'old_nameservers': [], 'old_nameservers_until': None,
                  'parent_servers': [], 'checks': 0, 'warnings': [reason]}
    record.update(domain=domain, check=mode, verdict='skipped', problems=[])
    return record


def summarize(mode, records):
    verdicts = ('ok', 'warning', 'blocked', 'skipped') if mode == 'preflight' else ('verified', 'unverified', 'skipped')
    summary = dict((verdict, 0) for verdict in verdicts)
    summary['total'] = 0
    for record in records:
        summary['total'] += 1
        summary[record['verdict']] += 1
    return summary
