# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS served by the emulator (UDP and TCP, dnspython): the registry's parent zone and, for the demo,
the target provider's nameservers.

The parent zone of each registered domain (the domain without its first label, e.g. ``com``) refers
the domain to the nameservers the registrar holds for it, ``propagation_delay`` seconds after a
CHG_DNS detail succeeded (before that, the previous ones), with glue for nameservers inside the
domain whose addresses are known, and publishes the DS records seeded for it.

Each provider nameserver (``--dns-nameserver NAME``) listens on a port of its own, so that one of
them can be lame while another answers. It serves every registered domain authoritatively (SOA, NS
= every provider nameserver, a DNSKEY when the domain is signed) unless a switch says otherwise.
"""

import base64
import hashlib
import json
import socket
import socketserver
import struct
import threading
import time

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

DEFAULT_PARENT_TTL = 172800  # two days, as .com publishes its delegations
PROVIDER_TTL = 300
BASE_SERIAL = 2026010101
DOMAIN_SWITCHES = ('lame', 'serial_mismatch', 'missing_dnskey', 'signed')


class DnsSettingError(ValueError):
    pass


def _key_rdata(domain):
    """A deterministic KSK (algorithm 13) for a signed demo zone; its bytes only need to hash to its DS."""
    public = hashlib.sha512(('demo-ksk:' + domain).encode()).digest()
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY,
                               '257 3 13 %s' % base64.b64encode(public).decode())


class DnsSettings:
    """What the control plane can change (``/_emulator/dns``)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def clear(self):
        self.propagation_delay = 0.0
        self.parent_ttl = DEFAULT_PARENT_TTL
        self.ds = {}          # domain -> [DS rdata]
        self.switches = {}    # domain -> {switch: value}
        self.addresses = {}   # nameserver hostname -> [IP] (glue)

    def update(self, changes):
        if not isinstance(changes, dict):
            raise DnsSettingError('dns: expected a JSON object')
        unknown = set(changes) - {'propagation_delay', 'parent_ttl', 'ds', 'domains', 'addresses'}
        if unknown:
            raise DnsSettingError('dns: unknown settings %s' % ', '.join(sorted(unknown)))
        with self.lock:
            if 'propagation_delay' in changes:
                value = changes['propagation_delay']
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise DnsSettingError('dns: propagation_delay %r: expected seconds >= 0' % (value,))
                self.propagation_delay = float(value)
            if 'parent_ttl' in changes:
                value = changes['parent_ttl']
                if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2 ** 31 - 1:
                    raise DnsSettingError('dns: parent_ttl %r: expected a whole number of seconds' % (value,))
                self.parent_ttl = value
            for domain, records in (changes.get('ds') or {}).items():
                try:
                    self.ds[_name(domain)] = [dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DS, text)
                                              for text in records]
                except (dns.exception.DNSException, TypeError, AttributeError) as error:
                    raise DnsSettingError('dns: ds of %s: %s' % (domain, error))
            for domain, switches in (changes.get('domains') or {}).items():
                if not isinstance(switches, dict) or set(switches) - set(DOMAIN_SWITCHES):
                    raise DnsSettingError('dns: domains.%s: expected an object with %s' % (domain, ', '.join(DOMAIN_SWITCHES)))
                domain = _name(domain)
                self.switches.setdefault(domain, {}).update(switches)
                if switches.get('signed'):
                    # the parent publishes the DS of the key the provider signs with
                    self.ds[domain] = [dns.dnssec.make_ds(dns.name.from_text(domain), _key_rdata(domain), 'SHA256')]
            for hostname, addresses in (changes.get('addresses') or {}).items():
                self.addresses[_name(hostname)] = list(addresses)

    def to_json(self):
        with self.lock:
            return {'propagation_delay': self.propagation_delay, 'parent_ttl': self.parent_ttl,
                    'ds': dict((d, [r.to_text() for r in rs]) for d, rs in self.ds.items()),
                    'domains': self.switches, 'addresses': self.addresses}


def _name(text):
    return str(text).strip().rstrip('.').lower()


class DnsService:
    """The parent zone on one port and one port per provider nameserver, all on the emulator's host."""

    def __init__(self, emulator, host, port, provider_nameservers):
        self.emulator = emulator
        self.host = host
        self.settings = DnsSettings()
        self.provider_nameservers = sorted(_name(n) for n in provider_nameservers)
        self.queries = 0
        self._count_lock = threading.Lock()
        self._servers = []
        self.parent = self._listen(port, None)
        self.nameservers = dict((name, self._listen(0, name)) for name in self.provider_nameservers)

    def _listen(self, port, identity, attempts=20):
        family = socket.AF_INET6 if ':' in self.host else socket.AF_INET
        for attempt in range(attempts):
            udp = socket.socket(family, socket.SOCK_DGRAM)
            udp.bind((self.host, port))
            chosen = udp.getsockname()[1]
            try:
                tcp = _TcpServer((self.host, chosen), self, identity, family)
                break
            except OSError:
                udp.close()
                # a free UDP port may be taken for TCP: with port 0, draw another pair
                if port != 0 or attempt == attempts - 1:
                    raise
        port = chosen
        thread = threading.Thread(target=self._serve_udp, args=(udp, identity), daemon=True, name='dns-udp-%d' % port)
        thread.start()
        threading.Thread(target=tcp.serve_forever, kwargs={'poll_interval': 0.2}, daemon=True, name='dns-tcp-%d' % port).start()
        self._servers.append((udp, tcp))
        host = '[%s]' % self.host if ':' in self.host else self.host
        return '%s:%d' % (host, port)

    def _serve_udp(self, sock, identity):
        while True:
            try:
                wire, peer = sock.recvfrom(65535)
            except OSError:
                return
            answer = self.answer(wire, identity, udp=True)
            if answer is not None:
                try:
                    sock.sendto(answer, peer)
                except OSError:
                    pass

    def close(self):
        for udp, tcp in self._servers:
            udp.close()
            tcp.shutdown()
            tcp.server_close()

    def to_json(self):
        answer = self.settings.to_json()
        answer.update({'parent': self.parent, 'nameservers': self.nameservers, 'queries': self.queries})
        return answer

    # -- answers ------------------------------------------------------------------------------------

    def answer(self, wire, identity, udp):
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        with self._count_lock:
            self.queries += 1
        response = dns.message.make_response(query)
        response.flags &= ~dns.flags.RA
        if not query.question:
            response.set_rcode(dns.rcode.FORMERR)
        elif identity is None:
            self._parent_answer(query.question[0], response)
        else:
            self._provider_answer(query.question[0], response, identity)
        limit = 65535 if not udp else max(512, query.payload if query.edns >= 0 else 512)
        try:
            return response.to_wire(max_size=limit)
        except dns.exception.TooBig:
            response.answer, response.authority, response.additional = [], [], []
            response.flags |= dns.flags.TC
            return response.to_wire()

    def _registered(self, qname):
        """(domain, row) of the registered domain at or above qname, or (None, None)."""
        labels = qname.to_text(omit_final_dot=True).lower().split('.')
        now = time.time()
        for index in range(len(labels) - 1):
            domain = '.'.join(labels[index:])
            row = self.emulator.store.domain(domain, now)
            if row is not None:
                return domain, row
        return None, None

    def _parent_answer(self, question, response):
        qname, rdtype = question.name, question.rdtype
        domain, dummy = self._registered(qname)
        if domain is None:
            zone = qname.to_text(omit_final_dot=True).lower()
            if self.emulator.store.has_domains_under(zone):
                response.flags |= dns.flags.AA
                if rdtype == dns.rdatatype.SOA:
                    response.answer.append(self._parent_soa(zone))
                elif rdtype == dns.rdatatype.NS:
                    response.answer.append(_rrset(zone, 'NS', self.settings.parent_ttl, ['a.nic.%s.' % zone]))
                else:
                    response.authority.append(self._parent_soa(zone))
            else:
                response.set_rcode(dns.rcode.REFUSED)
            return
        zone = domain.split('.', 1)[1]
        with self.settings.lock:
            delay, ttl = self.settings.propagation_delay, self.settings.parent_ttl
            ds = list(self.settings.ds.get(domain, ()))
            glue = dict(self.settings.addresses)
        if rdtype == dns.rdatatype.DS and qname == dns.name.from_text(domain):
            # DS lives in the parent zone: answered with authority
            response.flags |= dns.flags.AA
            if ds:
                response.answer.append(dns.rrset.from_rdata_list(qname, ttl, ds))
            else:
                response.authority.append(self._parent_soa(zone))
            return
        nameservers = self.emulator.store.delegation(domain, time.time() - delay)
        response.authority.append(_rrset(domain, 'NS', ttl, [ns + '.' for ns in nameservers]))
        if ds:
            response.authority.append(dns.rrset.from_rdata_list(dns.name.from_text(domain), ttl, ds))
        for ns in nameservers:
            if ns == domain or ns.endswith('.' + domain):
                for address in glue.get(ns, ()):
                    response.additional.append(_rrset(ns, 'AAAA' if ':' in address else 'A', ttl, [address]))

    def _parent_soa(self, zone):
        return _rrset(zone, 'SOA', 900, ['a.nic.%s. hostmaster.nic.%s. %d 1800 900 604800 86400' % (zone, zone, BASE_SERIAL)])

    def _provider_answer(self, question, response, identity):
        qname, rdtype = question.name, question.rdtype
        domain, dummy = self._registered(qname)
        with self.settings.lock:
            switches = dict(self.settings.switches.get(domain or '', {}))
        if domain is None or identity in switches.get('lame', ()):
            # a server that was never given the zone: what a lame delegation answers
            response.set_rcode(dns.rcode.REFUSED)
            return
        response.flags |= dns.flags.AA
        serial = BASE_SERIAL
        if switches.get('serial_mismatch') and identity != self.provider_nameservers[0]:
            serial += 1
        soa = _rrset(domain, 'SOA', PROVIDER_TTL, ['%s. hostmaster.%s. %d 3600 600 604800 300' % (
            self.provider_nameservers[0], domain, serial)])
        apex = qname == dns.name.from_text(domain)
        if apex and rdtype == dns.rdatatype.SOA:
            response.answer.append(soa)
        elif apex and rdtype == dns.rdatatype.NS:
            response.answer.append(_rrset(domain, 'NS', PROVIDER_TTL, [ns + '.' for ns in self.provider_nameservers]))
        elif apex and rdtype == dns.rdatatype.DNSKEY and switches.get('signed') and not switches.get('missing_dnskey'):
            response.answer.append(dns.rrset.from_rdata_list(qname, PROVIDER_TTL, [_key_rdata(domain)]))
        elif apex and rdtype == dns.rdatatype.A:
            response.answer.append(_rrset(domain, 'A', PROVIDER_TTL, ['192.0.2.1']))
        else:
            response.authority.append(soa)


def _rrset(name, rdtype, ttl, texts):
    return dns.rrset.from_text_list(dns.name.from_text(name), ttl, dns.rdataclass.IN, rdtype, texts)


class _TcpHandler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        sock.settimeout(10)
        while True:
            try:
                header = _read_exactly(sock, 2)
                if header is None:
                    return
                wire = _read_exactly(sock, struct.unpack('!H', header)[0])
                if wire is None:
                    return
            except OSError:
                return
            answer = self.server.service.answer(wire, self.server.identity, udp=False)
            if answer is None:
                return
            try:
                sock.sendall(struct.pack('!H', len(answer)) + answer)
            except OSError:
                return


def _read_exactly(sock, count):
    data = b''
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, service, identity, family):
        self.address_family = family
        self.service = service
        self.identity = identity
        super().__init__(address, _TcpHandler)


def parse_settings(body):
    try:
        return json.loads(body or b'{}')
    except ValueError as error:
        raise DnsSettingError('dns: body is not JSON: %s' % error)
