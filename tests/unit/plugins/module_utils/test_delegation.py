# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The delegation checks (_delegation.py) against fake DNS servers at the transport boundary.

Only ``dns.query.udp``/``dns.query.tcp`` are replaced: every question is a real dnspython message,
answered by a table of fake servers keyed by ``(ip, port)``; everything above (resolution, parent
discovery, the SOA/NS/DNSKEY/DS logic, waiting) is the real code.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import threading

import dns.dnssec
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest

from ansible_collections.aliyun.domain.plugins.module_utils._delegation import (
    CheckProgress,
    DelegationChecker,
    DelegationRequest,
    DnsQueryError,
    DnsTransport,
    parse_server,
    run_delegation_checks,
    target_nameservers,
    validate_nameserver_addresses,
    validate_seconds,
    validate_servers,
)
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._progress import ProgressReporter, format_report

RESOLVER = ('10.0.0.53', 53)
PARENT_A = ('10.1.0.1', 53)
PARENT_B = ('10.1.0.2', 53)
NS1 = ('10.2.0.1', 53)
NS2 = ('10.2.0.2', 53)
TARGETS = ['ns1.target.test', 'ns2.target.test']
OLD = ['ns1.old.test', 'ns2.old.test']
DOMAIN = 'example.com'


def _rrset(name, rdtype, ttl, texts):
    return dns.rrset.from_text_list(dns.name.from_text(name), ttl, dns.rdataclass.IN, rdtype, texts)


def _dnskey(seed):
    public = hashlib.sha512(seed.encode()).digest()
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY, '257 3 13 %s' % base64.b64encode(public).decode())


class FakeServer(object):
    """Answers from a table ``(qname, type) -> dict(rcode, aa, answer, authority, additional)``."""

    def __init__(self, refuse_unknown=True):
        self.table = {}
        self.refuse_unknown = refuse_unknown
        self.failure = None   # an exception to raise instead of answering (both transports)
        self.udp_failure = None
        self.truncate = False

    def add(self, qname, rdtype, **answer):
        self.table[(dns.name.from_text(qname), dns.rdatatype.from_text(rdtype))] = answer

    def respond(self, query):
        question = query.question[0]
        response = dns.message.make_response(query)
        entry = self.table.get((question.name, question.rdtype))
        if entry is None:
            response.set_rcode(dns.rcode.REFUSED if self.refuse_unknown else dns.rcode.NOERROR)
            return response
        response.set_rcode(entry.get('rcode', dns.rcode.NOERROR))
        if entry.get('aa'):
            response.flags |= dns.flags.AA
        for section in ('answer', 'authority', 'additional'):
            getattr(response, section).extend(entry.get(section, ()))
        return response


class FakeDns(object):
    """The network: servers by ``(ip, port)``; unknown addresses time out."""

    def __init__(self):
        self.servers = {}
        self.asked = []
        self.lock = threading.Lock()

    def server(self, address, **options):
        return self.servers.setdefault(address, FakeServer(**options))

    def _ask(self, query, ip, port, over):
        with self.lock:
            self.asked.append((over, (ip, port), query.question[0].name.to_text(), query.question[0].rdtype,
                               bool(query.flags & dns.flags.RD)))
        server = self.servers.get((ip, port))
        if server is None:
            raise dns.exception.Timeout()
        if server.failure is not None:
            raise server.failure
        if over == 'udp' and server.udp_failure is not None:
            raise server.udp_failure
        response = server.respond(query)
        if over == 'udp' and server.truncate:
            response.answer, response.authority, response.additional = [], [], []
            response.flags |= dns.flags.TC
        return response

    def udp(self, query, ip, timeout=None, port=53):
        return self._ask(query, ip, port, 'udp')

    def tcp(self, query, ip, timeout=None, port=53):
        return self._ask(query, ip, port, 'tcp')

    def transport(self, retries=1):
        return DnsTransport(timeout=0.5, retries=retries, udp=self.udp, tcp=self.tcp)


def serve_zone(server, domain, nameservers, serial=2026010101, dnskeys=None):
    soa = _rrset(domain, 'SOA', 300, ['%s. hostmaster.%s. %d 3600 600 604800 300' % (nameservers[0], domain, serial)])
    server.add(domain, 'SOA', aa=True, answer=[soa])
    server.add(domain, 'NS', aa=True, answer=[_rrset(domain, 'NS', 300, [ns + '.' for ns in nameservers])])
    if dnskeys:
        server.add(domain, 'DNSKEY', aa=True, answer=[dns.rrset.from_rdata_list(dns.name.from_text(domain), 300, dnskeys)])
    else:
        server.add(domain, 'DNSKEY', aa=True, authority=[soa])


def refer(server, domain, nameservers, ttl=172800, ds=None):
    server.add(domain, 'NS', authority=[_rrset(domain, 'NS', ttl, [ns + '.' for ns in nameservers])])
    if ds:
        server.add(domain, 'DS', aa=True, answer=[dns.rrset.from_rdata_list(dns.name.from_text(domain), ttl, ds)])
    else:
        server.add(domain, 'DS', aa=True, authority=[_rrset('com', 'SOA', 900, ['a.nic.com. h.nic.com. 1 1800 900 604800 86400'])])


@pytest.fixture
def world():
    """A resolver that knows the targets' addresses and the parent zone; two target servers; two parents."""
    net = FakeDns()
    resolver = net.server(RESOLVER)
    resolver.add('com', 'NS', answer=[_rrset('com', 'NS', 172800, ['a.nic.com.', 'b.nic.com.'])])
    resolver.add('example.com', 'NS', answer=[])
    for name, address in (('a.nic.com', PARENT_A), ('b.nic.com', PARENT_B), (TARGETS[0], NS1), (TARGETS[1], NS2)):
        resolver.add(name, 'A', answer=[_rrset(name, 'A', 300, [address[0]])])
        resolver.add(name, 'AAAA', answer=[])
    for address in (NS1, NS2):
        serve_zone(net.server(address), DOMAIN, TARGETS)
    for address in (PARENT_A, PARENT_B):
        refer(net.server(address), DOMAIN, OLD)
    return net


class FakeClock(object):
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []
        self.on_sleep = None

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep:
            self.on_sleep(self)


def checker(net, clock=None, **options):
    clock = clock or FakeClock()
    options.setdefault('resolvers', [RESOLVER])
    return DelegationChecker(transport=net.transport(), clock=clock, sleep=clock.sleep,
                             wall_clock=lambda: 1767225600.0 + clock.now, **options)


# -- option validation -------------------------------------------------------------------------


@pytest.mark.parametrize('value, expected', [
    ('192.0.2.1', ('192.0.2.1', 53)),
    ('192.0.2.1:5353', ('192.0.2.1', 5353)),
    (' 192.0.2.1 ', ('192.0.2.1', 53)),
    ('2001:db8::1', ('2001:db8::1', 53)),
    ('[2001:DB8::1]:53', ('2001:db8::1', 53)),
    ('[::1]:65535', ('::1', 65535)),
])
def test_parse_server_accepts_the_documented_forms(value, expected):
    assert parse_server(value) == expected


@pytest.mark.parametrize('value', ['ns1.example.com', '192.0.2.1:0', '192.0.2.1:65536', '192.0.2.1:', '[::1',
                                   '[::1]x', '256.1.1.1', '', 53, None, '192.0.2.1:53:53'])
def test_parse_server_refuses_what_is_not_an_address(value):
    assert parse_server(value) is None


def test_validate_servers_names_the_option_and_every_bad_value():
    with pytest.raises(DomainConfigError) as caught:
        validate_servers(['192.0.2.1', 'resolver.example', '192.0.2.2:99999'], 'resolvers')
    message = str(caught.value)
    assert caught.value.option == 'resolvers'
    assert 'resolvers' in message and "'resolver.example'" in message and "'192.0.2.2:99999'" in message
    assert "'192.0.2.1'" not in message
    assert 'ports from 1 to 65535' in message


def test_validate_servers_refuses_a_string_and_drops_duplicates():
    with pytest.raises(DomainConfigError, match='parent_nameservers'):
        validate_servers('192.0.2.1', 'parent_nameservers')
    assert validate_servers(['192.0.2.1', '192.0.2.1:53', '192.0.2.2'], 'resolvers') == [('192.0.2.1', 53), ('192.0.2.2', 53)]
    assert validate_servers(None, 'resolvers') == []


def test_validate_nameserver_addresses_normalises_names_and_reports_every_problem():
    result = validate_nameserver_addresses({'NS1.Example.NET.': '127.0.0.1:5300', 'ns2.example.net': ['::1']},
                                           'nameserver_addresses')
    assert result == {'ns1.example.net': [('127.0.0.1', 5300)], 'ns2.example.net': [('::1', 53)]}
    with pytest.raises(DomainConfigError) as caught:
        validate_nameserver_addresses({'ns1.example.net': ['not-an-ip'], 'ns2.example.net': [], 'bad name!': ['::1']},
                                      'nameserver_addresses')
    message = str(caught.value)
    assert caught.value.option == 'nameserver_addresses'
    assert 'not-an-ip' in message and 'ns2.example.net' in message and 'bad name!' in message
    with pytest.raises(DomainConfigError, match='expected a map'):
        validate_nameserver_addresses(['ns1.example.net'], 'nameserver_addresses')


@pytest.mark.parametrize('value', [-1, 'soon', None, True, float('nan'), float('inf')])
def test_validate_seconds_refuses_what_is_no_duration(value):
    with pytest.raises(DomainConfigError, match='delegation_timeout'):
        validate_seconds(value, 'delegation_timeout')


def test_validate_seconds_accepts_numbers_and_numeric_strings():
    assert validate_seconds('2.5', 'timeout') == 2.5
    assert validate_seconds(0, 'timeout') == 0.0


def test_aliyun_dns_targets_are_alibaba_cloud_dns_servers():
    assert target_nameservers(aliyun_dns=True) == ['ns1.alidns.com', 'ns2.alidns.com']
    assert target_nameservers(['NS2.Example.net.', 'ns1.example.net']) == ['ns1.example.net', 'ns2.example.net']


# -- transport ------------------------------------------------------------------------------------


def test_transport_falls_back_to_tcp_when_the_udp_answer_is_truncated(world):
    world.servers[NS1].truncate = True
    answer = world.transport().ask(dns.name.from_text(DOMAIN), dns.rdatatype.SOA, NS1)
    assert answer.answer
    assert [entry[0] for entry in world.asked] == ['udp', 'tcp']
    assert world.asked[0][4] is False  # no recursion asked of an authoritative server


def test_transport_retries_a_timeout_and_then_names_the_server():
    net = FakeDns()
    transport = net.transport(retries=2)
    with pytest.raises(DnsQueryError) as caught:
        transport.ask(dns.name.from_text(DOMAIN), dns.rdatatype.SOA, ('192.0.2.9', 5300))
    assert '192.0.2.9:5300' in str(caught.value) and 'timed out' in str(caught.value)
    assert len(net.asked) == 3 and transport.queries == 3


def test_transport_tries_tcp_when_udp_fails_with_a_network_error(world):
    world.servers[NS1].udp_failure = OSError('port unreachable')
    answer = world.transport().ask(dns.name.from_text(DOMAIN), dns.rdatatype.SOA, NS1)
    assert answer.flags & dns.flags.AA
    assert [entry[0] for entry in world.asked] == ['udp', 'tcp']


def test_transport_reports_a_server_that_fails_both_ways(world):
    world.servers[NS1].failure = ConnectionRefusedError('refused')
    with pytest.raises(DnsQueryError, match='no answer over UDP or TCP'):
        world.transport(retries=0).ask(dns.name.from_text(DOMAIN), dns.rdatatype.SOA, NS1)


# -- pre-flight -----------------------------------------------------------------------------------


def test_preflight_passes_targets_that_serve_the_zone(world):
    result = checker(world).preflight([DOMAIN], TARGETS)[DOMAIN]
    assert result['verdict'] == 'ok', result
    assert result['blocked'] == [] and result['warnings'] == []
    assert result['parent_zone'] == 'com' and result['signed'] is False
    assert [(report['name'], report['addresses'], report['authoritative'], report['serial'])
            for report in result['nameservers']] == [(TARGETS[0], ['10.2.0.1'], True, 2026010101),
                                                     (TARGETS[1], ['10.2.0.2'], True, 2026010101)]
    # resolvers are asked with recursion, the targets and the parent without
    recursive = set(address for dummy, address, dummy2, dummy3, rd in world.asked if rd)
    assert recursive == {RESOLVER}


def test_preflight_blocks_a_lame_target_and_names_it(world):
    world.servers[NS2] = FakeServer()  # refuses everything: never given the zone
    result = checker(world).preflight([DOMAIN], TARGETS)[DOMAIN]
    assert result['verdict'] == 'blocked'
    assert len(result['blocked']) == 1
    assert TARGETS[1] in result['blocked'][0] and 'lame' in result['blocked'][0]
    assert [report['authoritative'] for report in result['nameservers']] == [True, False]


def test_preflight_blocks_an_answer_without_the_authoritative_bit(world):
    soa = _rrset(DOMAIN, 'SOA', 300, ['ns1.target.test. h.example.com. 1 3600 600 604800 300'])
    world.servers[NS1].add(DOMAIN, 'SOA', aa=False, answer=[soa])   # a cache, not the zone's server
    result = checker(world).preflight([DOMAIN], TARGETS)[DOMAIN]
    assert result['verdict'] == 'blocked'
    assert any(TARGETS[0] in reason and 'authoritatively' in reason for reason in result['blocked'])


def test_preflight_blocks_a_target_that_does_not_resolve_and_one_that_does_not_answer(world):
    del world.servers[NS2]   # address known, nobody listening
    result = checker(world).preflight([DOMAIN], TARGETS + ['ns3.target.test'])[DOMAIN]
    assert result['verdict'] == 'blocked'
    reasons = ' | '.join(result['blocked'])
    assert 'ns3.target.test' in reasons and 'resolve' in reasons
    assert TARGETS[1] in reasons and 'does not answer' in reasons and 'timed out' in reasons


def test_preflight_uses_the_given_addresses_before_resolving(world):
    world.servers[('127.0.0.1', 5300)] = world.servers.pop(NS2)
    addresses = validate_nameserver_addresses({TARGETS[1]: ['127.0.0.1:5300']}, 'nameserver_addresses')
    result = checker(world, nameserver_addresses=addresses).preflight([DOMAIN], TARGETS)[DOMAIN]
    assert result['verdict'] == 'ok', result
    assert result['nameservers'][1]['addresses'] == ['127.0.0.1:5300']
    assert not any(name == TARGETS[1] + '.' for dummy, dummy2, name, dummy3, dummy4 in world.asked)


def test_preflight_warns_on_a_serial_mismatch_and_a_different_ns_rrset(world):
    serve_zone(world.servers[NS2], DOMAIN, TARGETS, serial=2026010102)
    world.servers[NS1].add(DOMAIN, 'NS', aa=True, answer=[_rrset(DOMAIN, 'NS', 300, ['ns1.target.test.', 'ns9.target.test.'])])
    result = checker(world).preflight([DOMAIN], TARGETS)[DOMAIN]
    assert result['verdict'] == 'warning' and result['blocked'] == []
    warnings = ' | '.join(result['warnings'])
    assert '2026010101' in warnings and '2026010102' in warnings and 'serial' in warnings
    assert 'ns9.target.test' in warnings


def test_preflight_of_a_signed_domain_passes_when_a_ds_matches_a_served_key(world):
    key = _dnskey('good')
    ds = dns.dnssec.make_ds(dns.name.from_text(DOMAIN), key, 'SHA256')
    for address in (PARENT_A, PARENT_B):
        refer(world.servers[address], DOMAIN, OLD, ds=[ds])
    for address in (NS1, NS2):
        serve_zone(world.servers[address], DOMAIN, TARGETS, dnskeys=[_dnskey('zsk'), key])
    result = checker(world).preflight([DOMAIN], TARGETS)[DOMAIN]
    assert result['verdict'] == 'ok', result
    assert result['signed'] is True
    assert result['dnssec']['parent_ds'] == result['dnssec']['matching_ds'] == [
        'key tag %d, algorithm 13, digest type 2' % ds.key_tag]


@pytest.mark.parametrize('served', [None, 'other-key', 'wrong-digest'])
def test_preflight_blocks_a_signed_domain_whose_targets_lack_the_parent_key(world, served):
    key = _dnskey('published')
    ds = dns.dnssec.make_ds(dns.name.from_text(DOMAIN), key, 'SHA256')
    if served == 'wrong-digest':
        # same key tag and algorithm, different digest: only recomputing the digest tells them apart
        ds = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DS, '%d 13 2 %s' % (ds.key_tag, '00' * 32))
    refer(world.servers[PARENT_A], DOMAIN, OLD, ds=[ds])
    keys = {None: None, 'other-key': [_dnskey('other')], 'wrong-digest': [key]}[served]
    for address in (NS1, NS2):
        serve_zone(world.servers[address], DOMAIN, TARGETS, dnskeys=keys)
    result = checker(world).preflight([DOMAIN], TARGETS)[DOMAIN]
    assert result['verdict'] == 'blocked'
    assert result['signed'] is True and result['dnssec']['matching_ds'] == []
    assert all('DNSKEY matching a DS' in reason for reason in result['blocked'])
    assert len(result['blocked']) == 2   # both targets named


def test_preflight_blocks_when_the_parent_cannot_be_asked_for_ds(world):
    del world.servers[PARENT_A]
    del world.servers[PARENT_B]
    result = checker(world).preflight([DOMAIN], TARGETS)[DOMAIN]
    assert result['verdict'] == 'blocked'
    assert any('DS records at the parent' in reason for reason in result['blocked'])


def test_preflight_reports_an_unreachable_resolver_per_domain():
    net = FakeDns()  # nothing answers
    results = checker(net).preflight([DOMAIN, 'example.net'], TARGETS)
    for domain in (DOMAIN, 'example.net'):
        assert results[domain]['verdict'] == 'blocked'
        assert any('10.0.0.53' in reason and 'no resolver answered' in reason for reason in results[domain]['blocked'])


def test_preflight_asks_the_parent_servers_given_instead_of_discovering_them(world):
    world.servers[RESOLVER].add('com', 'NS', rcode=dns.rcode.SERVFAIL)
    result = checker(world, parent_servers=[PARENT_B]).preflight([DOMAIN], TARGETS)[DOMAIN]
    assert result['verdict'] == 'ok', result
    assert not any(address == PARENT_A for dummy, address, dummy2, dummy3, dummy4 in world.asked)


def test_preflight_resolves_each_target_once_for_many_domains(world):
    domains = ['d%02d.com' % number for number in range(20)]
    for domain in domains:
        for address in (NS1, NS2):
            serve_zone(world.servers[address], domain, TARGETS)
        refer(world.servers[PARENT_A], domain, OLD)
        refer(world.servers[PARENT_B], domain, OLD)
    results = checker(world, concurrency=8).preflight(domains, TARGETS)
    assert set(result['verdict'] for result in results.values()) == {'ok'}
    address_questions = [name for dummy, address, name, rdtype, dummy2 in world.asked
                         if address == RESOLVER and rdtype == dns.rdatatype.A and name == TARGETS[0] + '.']
    assert len(address_questions) <= 8   # cached after the first answer (a few threads may race)


def test_one_domains_unexpected_error_is_that_domains_problem(world, monkeypatch):
    check = checker(world)
    original = check.preflight_check.run

    def run(domain, targets):
        if domain == 'broken.com':
            raise ValueError('boom')
        return original(domain, targets)
    monkeypatch.setattr(check.preflight_check, 'run', run)
    results = check.preflight([DOMAIN, 'broken.com'], TARGETS)
    assert results[DOMAIN]['verdict'] == 'ok'
    assert results['broken.com']['verdict'] == 'blocked'
    assert 'ValueError: boom' in results['broken.com']['blocked'][0]


# -- post-flight ----------------------------------------------------------------------------------


def test_delegation_verified_once_every_parent_server_refers_to_the_targets(world):
    clock = FakeClock()

    def parent_moves(now):
        if len(now.sleeps) == 2:
            refer(world.servers[PARENT_A], DOMAIN, TARGETS, ttl=3600)
        if len(now.sleeps) == 3:
            refer(world.servers[PARENT_B], DOMAIN, TARGETS, ttl=86400)
    clock.on_sleep = parent_moves
    result = checker(world, clock).delegation([DOMAIN], TARGETS, wait=True, timeout=300)[DOMAIN]
    assert result['verified'] is True, result
    assert result['checks'] == 4
    assert clock.sleeps == [1.0, 2.0, 4.0]   # backoff between rounds
    assert result['parent_ns_ttl'] == 86400   # the longest TTL a parent server gave
    assert result['old_nameservers'] == OLD
    assert result['verified_at'] == '2026-01-01T00:16:47Z'   # wall clock at the verifying round
    assert result['old_nameservers_until'] == '2026-01-02T00:16:47Z'
    assert result['problems'] == []
    # a server that already refers to the targets is not asked again
    asked_a = [1 for dummy, address, name, rdtype, dummy2 in world.asked if address == PARENT_A and rdtype == dns.rdatatype.NS]
    assert len(asked_a) == 3


def test_delegation_unverified_when_the_parent_never_updates(world):
    clock = FakeClock()
    result = checker(world, clock).delegation([DOMAIN], TARGETS, wait=True, timeout=60)[DOMAIN]
    assert result['verified'] is False and result['verified_at'] is None
    assert clock.now - 1000.0 <= 60   # never sleeps past the timeout
    assert result['checks'] >= 3
    assert len(result['problems']) == 2
    assert all('ns1.old.test' in problem and 'not the targets' in problem for problem in result['problems'])
    assert result['current_nameservers'] == OLD


def test_delegation_without_wait_looks_once(world):
    clock = FakeClock()
    result = checker(world, clock).delegation([DOMAIN], TARGETS)[DOMAIN]
    assert result['verified'] is False and result['checks'] == 1 and clock.sleeps == []


def test_delegation_already_in_place_has_no_old_nameserver_horizon(world):
    for address in (PARENT_A, PARENT_B):
        refer(world.servers[address], DOMAIN, TARGETS, ttl=7200)
    result = checker(world).delegation([DOMAIN], TARGETS, wait=True, timeout=10)[DOMAIN]
    assert result['verified'] is True and result['parent_ns_ttl'] == 7200
    assert result['old_nameservers'] == [] and result['old_nameservers_until'] is None


def test_delegation_keeps_the_old_nameservers_it_was_given(world):
    for address in (PARENT_A, PARENT_B):
        refer(world.servers[address], DOMAIN, TARGETS, ttl=60)
    result = checker(world).delegation([DOMAIN], TARGETS, old_nameservers={DOMAIN: ['dns1.hichina.com']})[DOMAIN]
    assert result['verified'] is True
    assert result['old_nameservers'] == ['dns1.hichina.com']
    assert result['old_nameservers_until'] == '2026-01-01T00:17:40Z'


def test_delegation_reports_an_unreachable_parent_server_by_address(world):
    refer(world.servers[PARENT_A], DOMAIN, TARGETS)
    del world.servers[PARENT_B]
    result = checker(world).delegation([DOMAIN], TARGETS, wait=True, timeout=5)[DOMAIN]
    assert result['verified'] is False
    assert len(result['problems']) == 1
    assert '10.1.0.2' in result['problems'][0] and 'timed out' in result['problems'][0]


def test_delegation_reports_a_parent_zone_that_cannot_be_found():
    net = FakeDns()
    result = checker(net).delegation([DOMAIN], TARGETS, wait=True, timeout=5)[DOMAIN]
    assert result['verified'] is False and result['checks'] == 0
    assert result['problems'] and 'no resolver answered' in result['problems'][0]


# -- the module's request and result ------------------------------------------------------------


def _params(**overrides):
    params = {'domains': [DOMAIN], 'nameservers': TARGETS, 'aliyun_dns': False, 'mode': 'preflight', 'wait': False,
              'wait_timeout': 600, 'skip_domains': [], 'resolvers': None, 'parent_nameservers': None,
              'nameserver_addresses': None, 'old_nameservers': None, 'query_timeout': 2, 'query_retries': 1,
              'concurrency': 32}
    params.update(overrides)
    return params


@pytest.mark.parametrize('overrides, option', [
    ({'resolvers': ['10.0.0.1', 'dns.example']}, 'resolvers'),
    ({'parent_nameservers': ['10.0.0.1:70000']}, 'parent_nameservers'),
    ({'nameserver_addresses': {'ns1.target.test': 'x'}}, 'nameserver_addresses'),
    ({'wait_timeout': -5}, 'wait_timeout'),
    ({'query_timeout': 0}, 'query_timeout'),
    ({'query_retries': 11}, 'query_retries'),
    ({'concurrency': 0}, 'concurrency'),
    ({'mode': 'both'}, 'mode'),
    ({'domains': ['ok.com', 'bad domain']}, 'domains'),
    ({'skip_domains': ['-x-']}, 'skip_domains'),
    ({'nameservers': None}, 'nameservers'),
    ({'aliyun_dns': True}, 'nameservers'),
    ({'old_nameservers': {DOMAIN: ['not a name']}}, 'old_nameservers (example.com)'),
])
def test_request_names_the_bad_option(overrides, option):
    with pytest.raises(DomainConfigError) as caught:
        DelegationRequest(_params(**overrides))
    assert caught.value.option == option
    assert option.split(' ')[0] in str(caught.value)


def test_run_reports_per_domain_records_skips_and_counts(world):
    world.servers[NS2] = FakeServer()
    for domain in ('a.com', 'b.com'):
        for address in (NS1,):
            serve_zone(world.servers[address], domain, TARGETS)
        refer(world.servers[PARENT_A], domain, OLD)
        refer(world.servers[PARENT_B], domain, OLD)
    serve_zone(world.servers[NS2], 'b.com', TARGETS)
    request = DelegationRequest(_params(domains=['a.com', 'b.com', 'c.com'], skip_domains=['C.com'],
                                        resolvers=['10.0.0.53']))
    result = run_delegation_checks(request, checker(world))
    assert list(result['domains']) == ['a.com', 'b.com', 'c.com']
    assert result['blocked'] == ['a.com'] and result['unverified'] == []
    assert result['summary'] == {'total': 3, 'ok': 1, 'warning': 0, 'blocked': 1, 'skipped': 1}
    assert result['domains']['a.com']['problems'] == result['domains']['a.com']['blocked']
    assert result['domains']['c.com']['verdict'] == 'skipped' and result['domains']['c.com']['problems'] == []
    assert result['queries'] > 0


def test_run_delegation_shares_one_deadline_between_domains(world):
    clock = FakeClock()
    domains = ['d%d.com' % number for number in range(5)]
    for domain in domains:
        refer(world.servers[PARENT_A], domain, OLD)
        refer(world.servers[PARENT_B], domain, OLD)
    request = DelegationRequest(_params(domains=domains, mode='delegation', wait=True, wait_timeout=20, concurrency=1))
    result = run_delegation_checks(request, checker(world, clock, concurrency=1))
    assert result['unverified'] == domains
    assert result['summary'] == {'total': 5, 'verified': 0, 'unverified': 5, 'skipped': 0}
    assert clock.now - 1000.0 <= 20   # one domain after another, all within the one timeout


def test_preflight_records_what_the_parent_delegates_to_before_the_change(world):
    request = DelegationRequest(_params(domains=[DOMAIN]))
    result = run_delegation_checks(request, checker(world))
    assert result['domains'][DOMAIN]['delegated_nameservers'] == OLD
    assert result['delegated_nameservers'] == {DOMAIN: OLD}
    assert result['cleared'] == [DOMAIN] and result['reasons'] == {}


# -- progress -------------------------------------------------------------------------------------

WAVE = ['moved.com', 'moves.com', 'stuck.com']


def _wave_run(net, progress):
    """moved.com refers to the targets already, moves.com after two pauses, stuck.com never; one at a time."""
    for domain in WAVE:
        for address in (PARENT_A, PARENT_B):
            refer(net.servers[address], domain, TARGETS if domain == 'moved.com' else OLD, ttl=3600)
    clock = FakeClock()

    def parent_moves(now):
        if len(now.sleeps) == 2:
            for address in (PARENT_A, PARENT_B):
                refer(net.servers[address], 'moves.com', TARGETS, ttl=3600)
    clock.on_sleep = parent_moves
    asked_before = len(net.asked)
    results = checker(net, clock, concurrency=1).delegation(WAVE, TARGETS, wait=True, timeout=20, progress=progress)
    return results, net.asked[asked_before:], clock.sleeps


def test_delegation_progress_reports_each_pause_and_finished_domain_then_the_end(world):
    reports = []
    results, dummy, sleeps = _wave_run(world, reports.append)
    assert [results[domain]['verified'] for domain in WAVE] == [True, True, False]
    assert all(report['check'] == 'delegation' and report['total'] == 3 for report in reports)
    # one report per pause (one domain at a time: each pause leaves no domain in its round), told how long it is
    pauses = [report['next_check'] for report in reports if report['next_check'] is not None]
    assert pauses == sleeps == [1.0, 2.0, 1.0, 2.0, 4.0, 8.0, 2.0]
    assert [report['verified'] for report in reports] == sorted(report['verified'] for report in reports)
    assert [report['elapsed'] for report in reports] == sorted(report['elapsed'] for report in reports)
    end = reports[-1]
    assert end == {'check': 'delegation', 'total': 3, 'verified': 2, 'unverified': 1, 'next_check': None,
                   'ended': True, 'elapsed': 20.0}
    assert not any(report['ended'] for report in reports[:-1])
    assert format_report(end) == 'aliyun.domain: verified at the parent: 2 of 3 (1 unverified), 0 pending, 20 s elapsed'


def test_delegation_progress_costs_no_query_and_changes_no_result(world):
    with_progress = _wave_run(world, ProgressReporter(lambda line: None))
    without = _wave_run(world, None)
    assert with_progress == without


def test_preflight_progress_counts_checked_and_blocked_domains(world):
    world.servers[NS2] = FakeServer()          # a lame target for every domain but example.com
    serve_zone(world.servers[NS2], DOMAIN, TARGETS)
    domains = [DOMAIN, 'a.com', 'b.com']
    for domain in domains[1:]:
        serve_zone(world.servers[NS1], domain, TARGETS)
        refer(world.servers[PARENT_A], domain, OLD)
        refer(world.servers[PARENT_B], domain, OLD)
    reports = []
    results = checker(world, concurrency=1).preflight(domains, TARGETS, progress=reports.append)
    assert [results[domain]['verdict'] for domain in domains] == ['ok', 'blocked', 'blocked']
    assert [(report['checked'], report['blocked'], report['ended']) for report in reports] == [
        (1, 0, False), (2, 1, False), (3, 2, True)]
    assert format_report(reports[-1]) == 'aliyun.domain: pre-flight: 3 of 3 domains checked (2 blocked), 0 s elapsed'


def test_progress_from_many_threads_keeps_order_and_the_results(world):
    domains = ['d%02d.com' % number for number in range(40)]
    for domain in domains:
        serve_zone(world.servers[NS1], domain, TARGETS)
        serve_zone(world.servers[NS2], domain, TARGETS)
        refer(world.servers[PARENT_A], domain, TARGETS if domain < 'd20' else OLD)
        refer(world.servers[PARENT_B], domain, TARGETS if domain < 'd20' else OLD)
    for check in ('preflight', 'delegation'):
        found = {}
        for progress in ([], None):
            hook = None if progress is None else progress.append
            before = len(world.asked)
            # given addresses: no resolver answers for the threads to race to cache (an extra query or two)
            check_many = checker(world, concurrency=8, parent_servers=[PARENT_A, PARENT_B],
                                 nameserver_addresses={TARGETS[0]: [NS1], TARGETS[1]: [NS2]})
            if check == 'preflight':
                results = check_many.preflight(domains, TARGETS, progress=hook)
            else:
                results = check_many.delegation(domains, TARGETS, progress=hook)
            found[progress is None] = (results, sorted(world.asked[before:]), check_many.transport.queries)
            if progress is not None:
                reports = progress
        assert found[True] == found[False]
        assert len(reports) == len(domains) and reports[-1]['ended']
        counted = [report['checked'] if check == 'preflight' else report['verified'] + report['unverified']
                   for report in reports]
        assert counted == list(range(1, len(domains) + 1))
    assert reports[-1]['verified'] == 20 and reports[-1]['unverified'] == 20


def test_a_waiting_post_flight_reports_between_bursts_of_rounds_not_in_one():
    """Domains check in step; a line in the middle of a burst would show part of its outcome."""
    clock = FakeClock()
    reports = []
    counts = CheckProgress(reports.append, 'delegation', 3, clock, wait=True)
    for domain in WAVE:
        counts.starting(domain)
    counts.sleeping('moves.com', 2.0)              # stuck.com and moved.com still in their first round
    counts.finished('moved.com', 'verified')
    assert reports == []
    counts.sleeping('stuck.com', 1.0)              # every started domain done or pausing
    assert [(report['verified'], report['next_check'], report['ended']) for report in reports] == [(1, 1.0, False)]
    clock.now += 1.0                               # stuck.com's round is due: it is checking again
    counts.finished('moves.com', 'verified')
    assert len(reports) == 1
    counts.finished('stuck.com', 'unverified')     # the last: only the end reports it
    counts.end()
    assert reports[-1] == {'check': 'delegation', 'total': 3, 'verified': 2, 'unverified': 1, 'next_check': None,
                           'ended': True, 'elapsed': 1.0}
    assert len(reports) == 2


# -- per-domain targets (domain_nameservers) ---------------------------------------------------------

OTHER = ['ns1.other.test', 'ns2.other.test']
OTHER_NS1, OTHER_NS2 = ('10.3.0.1', 53), ('10.3.0.2', 53)
ALIDNS = ['ns1.alidns.com', 'ns2.alidns.com']
ALIDNS_NS1, ALIDNS_NS2 = ('10.4.0.1', 53), ('10.4.0.2', 53)


def _per_domain_params(mapping, **overrides):
    return _params(domains=None, nameservers=None, domain_nameservers=mapping, **overrides)


@pytest.mark.parametrize('overrides, option, words', [
    ({'domains': [DOMAIN]}, 'domain_nameservers', 'mutually exclusive with domains, nameservers and aliyun_dns (given: domains)'),
    ({'nameservers': TARGETS}, 'domain_nameservers', '(given: nameservers)'),
    ({'aliyun_dns': True, 'domains': [DOMAIN]}, 'domain_nameservers', '(given: domains, aliyun_dns)'),
])
def test_domain_nameservers_is_refused_beside_the_single_target_options(overrides, option, words):
    params = _per_domain_params({DOMAIN: TARGETS})
    params.update(overrides)
    with pytest.raises(DomainConfigError) as caught:
        DelegationRequest(params)
    assert caught.value.option == option
    assert words in str(caught.value) and '\n' not in str(caught.value)


@pytest.mark.parametrize('mapping, option, words', [
    ({'a.com': 'alidns'}, 'domain_nameservers.a.com',
     "Invalid value 'alidns' for option domain_nameservers.a.com: expected a list of nameserver hostnames or the string "
     "aliyun_dns."),
    ({'A.com.': ['ns1.target.test', 'not a name']}, 'domain_nameservers.a.com', "'not a name'"),
    ({'a.com': []}, 'domain_nameservers.a.com', 'at least 1 nameserver hostnames'),
    ({'a.com': None}, 'domain_nameservers.a.com', 'Invalid value None'),
    ({'a.com': TARGETS, 'bad domain': TARGETS}, 'domain_nameservers', "'bad domain'"),
    ({'a.com': TARGETS, 'A.COM.': OTHER}, 'domain_nameservers', 'a.com is given twice'),
    ({}, 'domain_nameservers', 'Invalid value {} for option domain_nameservers: expected a map of domain name'),
    (['a.com'], 'domain_nameservers', "Invalid value ['a.com'] for option domain_nameservers"),
])
def test_domain_nameservers_names_the_bad_domain(mapping, option, words):
    with pytest.raises(DomainConfigError) as caught:
        DelegationRequest(_per_domain_params(mapping))
    assert caught.value.option == option
    assert words in str(caught.value)


def test_a_request_without_domains_names_both_ways_to_give_them():
    with pytest.raises(DomainConfigError) as caught:
        DelegationRequest(_params(domains=None))
    assert caught.value.option == 'domains' and 'domain_nameservers' in str(caught.value)


def test_domain_nameservers_keeps_the_input_order_and_groups_by_first_seen_target():
    request = DelegationRequest(_per_domain_params({
        'b.com': ['NS2.Other.Test.', 'ns1.other.test'], 'bücher.de': 'aliyun_dns', 'a.com': OTHER,
        'c.com': TARGETS, 'd.com': ['ns2.alidns.com', 'ns1.alidns.com']}))
    assert request.domains == ['b.com', 'xn--bcher-kva.de', 'a.com', 'c.com', 'd.com']
    assert request.targets_of('b.com') == OTHER and request.targets_of('xn--bcher-kva.de') == ALIDNS
    # aliyun_dns and the same hostnames in another spelling are one target
    assert request.groups() == [(OTHER, ['b.com', 'a.com']), (ALIDNS, ['xn--bcher-kva.de', 'd.com']),
                                (TARGETS, ['c.com'])]


def _two_providers(world):
    """A second provider (OTHER) the resolver knows, beside TARGETS; each serves only the zones it was given."""
    for name, address in ((OTHER[0], OTHER_NS1), (OTHER[1], OTHER_NS2)):
        world.servers[RESOLVER].add(name, 'A', answer=[_rrset(name, 'A', 300, [address[0]])])
        world.servers[RESOLVER].add(name, 'AAAA', answer=[])
    for domain, targets, addresses in (('t1.com', TARGETS, (NS1, NS2)), ('t2.com', TARGETS, (NS1,)),
                                       ('o1.com', OTHER, (OTHER_NS1, OTHER_NS2)), ('o2.com', OTHER, (OTHER_NS1, OTHER_NS2))):
        for address in addresses:
            serve_zone(world.server(address), domain, targets)
        for parent in (PARENT_A, PARENT_B):
            refer(world.servers[parent], domain, OLD)
    # t2.com is lame at NS2 (one of its own targets); o2.com is not served by TARGETS at all
    return {'o1.com': OTHER, 't1.com': TARGETS, 'o2.com': OTHER, 't2.com': TARGETS}


def _one_target(mapping, targets):
    return [domain for domain, names in mapping.items() if names == targets]


def test_preflight_checks_each_group_against_its_own_targets_as_one_check(world):
    mapping = _two_providers(world)
    before = len(world.asked)
    reports = []
    result = run_delegation_checks(DelegationRequest(_per_domain_params(mapping, skip_domains=['o2.com'])),
                                   checker(world), progress=reports.append)
    asked = len(world.asked) - before
    # each group alone, with one target, as the module checked them before domain_nameservers
    alone = {}
    for targets in (OTHER, TARGETS):
        alone[tuple(targets)] = run_delegation_checks(DelegationRequest(_params(
            domains=_one_target(mapping, targets), nameservers=targets, skip_domains=['o2.com'])), checker(world))
    assert list(result['domains']) == list(mapping)   # input order, not group order
    for domain, targets in mapping.items():
        assert result['domains'][domain] == alone[tuple(targets)]['domains'][domain]
        assert result['targets'][domain] == targets
    assert result['domains']['o1.com']['verdict'] == 'ok' and result['domains']['t1.com']['verdict'] == 'ok'
    assert result['domains']['o2.com']['verdict'] == 'skipped'
    assert result['blocked'] == ['t2.com'] and result['cleared'] == ['o1.com', 't1.com', 'o2.com']
    assert list(result['reasons']) == ['t2.com'] and 'ns2.target.test' in result['reasons']['t2.com'][0]
    assert list(result['brief']) == list(mapping)
    assert result['delegated_nameservers'] == {'o1.com': OLD, 't1.com': OLD, 't2.com': OLD}
    assert result['summary'] == {'total': 4, 'ok': 2, 'warning': 0, 'blocked': 1, 'skipped': 1}
    assert result['nameservers'] == [] and result['unverified'] == []
    assert result['queries'] == asked   # every question of the one check, both groups
    # one count over both groups: the three checked domains, then the end once
    assert [(report['checked'], report['total'], report['ended']) for report in reports] == [
        (1, 3, False), (2, 3, False), (3, 3, True)]


def test_preflight_of_one_shared_target_in_domain_nameservers_names_it(world):
    mapping = dict((domain, TARGETS) for domain in ('t1.com', 't2.com'))
    _two_providers(world)
    result = run_delegation_checks(DelegationRequest(_per_domain_params(mapping)), checker(world))
    assert result['nameservers'] == TARGETS and result['blocked'] == ['t2.com']


def test_delegation_waits_for_every_group_until_one_deadline_and_counts_them_as_one(world):
    mapping = {'o1.com': OTHER, 't1.com': TARGETS, 'never.com': TARGETS, 'a1.com': 'aliyun_dns'}
    for domain in mapping:
        for parent in (PARENT_A, PARENT_B):
            refer(world.servers[parent], domain, OLD, ttl=3600)

    def run(progress):
        clock = FakeClock()

        def parent_moves(now):   # each group's domains move to their own targets, at different rounds
            if len(now.sleeps) == 1:
                for parent in (PARENT_A, PARENT_B):
                    refer(world.servers[parent], 'o1.com', OTHER, ttl=600)
                    refer(world.servers[parent], 'a1.com', ALIDNS, ttl=900)
            if len(now.sleeps) == 3:
                for parent in (PARENT_A, PARENT_B):
                    refer(world.servers[parent], 't1.com', TARGETS, ttl=1200)
        clock.on_sleep = parent_moves
        for domain in mapping:
            for parent in (PARENT_A, PARENT_B):
                refer(world.servers[parent], domain, OLD, ttl=3600)
        request = DelegationRequest(_per_domain_params(mapping, mode='delegation', wait=True, wait_timeout=30,
                                                       old_nameservers={'t1.com': ['dns1.hichina.com']}))
        # one domain at a time (a fake clock shared by threads would move under the others' feet)
        result = run_delegation_checks(request, checker(world, clock, concurrency=1), progress=progress)
        return result, clock

    def domains_checks(found):
        return [record['checks'] if record['verified'] else None for record in found['domains'].values()]

    reports = []
    result, clock = run(reports.append)
    # one deadline for all the groups, not one per group: never.com waited until it, a1.com then had one look
    assert clock.now - 1000.0 == 30.0 and domains_checks(result) == [2, 3, None, 1]
    domains = result['domains']
    assert [domains[domain]['verdict'] for domain in mapping] == ['verified', 'verified', 'unverified', 'verified']
    assert [domains[domain]['parent_ns_ttl'] for domain in mapping] == [600, 1200, None, 900]
    assert domains['t1.com']['old_nameservers'] == ['dns1.hichina.com']   # given, per domain
    assert domains['o1.com']['old_nameservers'] == OLD                    # seen at the parent before it moved
    assert result['unverified'] == ['never.com'] and result['cleared'] == ['o1.com', 't1.com', 'a1.com']
    assert result['targets']['a1.com'] == ALIDNS and result['nameservers'] == []
    assert result['summary'] == {'total': 4, 'verified': 3, 'unverified': 1, 'skipped': 0}
    assert 'never.com' in result['reasons'] and list(result['brief']) == list(mapping)
    # the progress count spans every group: total 4 throughout, one end, counts that only grow
    assert all(report['total'] == 4 for report in reports)
    assert [report['ended'] for report in reports].count(True) == 1 and reports[-1]['ended']
    assert (reports[-1]['verified'], reports[-1]['unverified']) == (3, 1)
    done = [report['verified'] + report['unverified'] for report in reports]
    assert done == sorted(done)
    without, dummy = run(None)
    assert without == result
