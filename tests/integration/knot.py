# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real authoritative server for the integration tests: Knot DNS (``knotd``, the Debian package
``knot``) on loopback ports, serving zones this harness writes, some of them DNSSEC-signed by Knot.

One ``knotd`` listens on one port per nameserver hostname (the same zones on each), runs in the
foreground as a child of the test process, and keeps its configuration, zones, keys and control
socket in a temporary directory. ``scripts/test.sh`` installs the package when it is missing.
"""

import os
import shutil
import socket
import subprocess
import time

import dns.dnssec
import dns.message
import dns.name
import dns.query
import dns.rdatatype

KNOTD = 'knotd'
INSTALL_HINT = ('Knot DNS (knotd) is needed by the delegation integration tests and is not installed: '
                'run scripts/test.sh as root (it installs the Debian package "knot"), or apt-get install knot.')


def find_knotd():
    return shutil.which(KNOTD) or next((path for path in ('/usr/sbin/knotd', '/usr/local/sbin/knotd')
                                        if os.access(path, os.X_OK)), None)


def free_port(host='127.0.0.1'):
    """A port free for both UDP and TCP (Knot listens on both)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((host, port))
                except OSError:
                    continue
            return port


class KnotServer:
    """``KnotServer(directory, nameservers, zones)``; ``zones`` maps a domain to ``{'signed': bool}``."""

    def __init__(self, directory, nameservers, zones, host='127.0.0.1'):
        self.directory = str(directory)
        self.nameservers = list(nameservers)
        self.zones = dict(zones)
        self.host = host
        self.ports = {}
        self.process = None
        self.log_path = os.path.join(self.directory, 'knotd.log')

    @property
    def addresses(self):
        """``{nameserver hostname: 'IP:PORT'}``: what the checks' ``nameserver_addresses`` option takes."""
        return dict((name, '%s:%d' % (self.host, port)) for name, port in self.ports.items())

    def zone_text(self, domain):
        lines = ['$ORIGIN %s.' % domain, '$TTL 300',
                 '@ SOA %s. hostmaster.%s. 2026010101 3600 600 604800 300' % (self.nameservers[0], domain)]
        lines += ['@ NS %s.' % name for name in self.nameservers]
        lines += ['@ A 192.0.2.10', 'www A 192.0.2.10', '']
        return '\n'.join(lines)

    def config_text(self):
        listen = ''.join('    listen: %s@%d\n' % (self.host, port) for port in self.ports.values())
        zones = ''.join('  - domain: %s\n%s' % (domain, '    dnssec-signing: on\n' if options.get('signed') else '')
                        for domain, options in sorted(self.zones.items()))
        return ('server:\n    rundir: "{dir}"\n{listen}'
                'control:\n    listen: "{dir}/knot.sock"\n'
                'log:\n  - target: "{dir}/knotd.log"\n    any: info\n'
                'database:\n    storage: "{dir}/db"\n'
                'template:\n  - id: default\n    storage: "{dir}/zones"\n    file: "%s.zone"\n'
                '    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n'
                'zone:\n{zones}').format(dir=self.directory, listen=listen, zones=zones)

    def start(self, timeout=30):
        knotd = find_knotd()
        if knotd is None:
            raise RuntimeError(INSTALL_HINT)
        for subdirectory in ('zones', 'db'):
            os.makedirs(os.path.join(self.directory, subdirectory), exist_ok=True)
        for name in self.nameservers:
            self.ports[name] = free_port(self.host)
        for domain in self.zones:
            with open(os.path.join(self.directory, 'zones', domain + '.zone'), 'w') as handle:
                handle.write(self.zone_text(domain))
        config = os.path.join(self.directory, 'knot.conf')
        with open(config, 'w') as handle:
            handle.write(self.config_text())
        self.process = subprocess.Popen([knotd, '-c', config], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self._serving():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError('knotd did not start serving its zones (exit status %s); its log:\n%s'
                                   % (self.process.returncode, self.log()))
            time.sleep(0.1)
        return self

    def _serving(self):
        """Every zone answers its SOA on every port, and every signed zone serves its DNSKEY."""
        for domain, options in self.zones.items():
            for port in self.ports.values():
                rdtype = dns.rdatatype.DNSKEY if options.get('signed') else dns.rdatatype.SOA
                try:
                    answer = dns.query.udp(dns.message.make_query(domain, rdtype), self.host, timeout=0.5, port=port)
                except (OSError, dns.exception.DNSException):
                    return False
                if not answer.answer:
                    return False
        return True

    def ds(self, domain, digest='SHA256'):
        """DS records (text) of the KSKs Knot signs ``domain`` with: what the parent zone publishes."""
        port = next(iter(self.ports.values()))
        answer = dns.query.tcp(dns.message.make_query(domain, dns.rdatatype.DNSKEY), self.host, timeout=2, port=port)
        name = dns.name.from_text(domain)
        keys = [key for rrset in answer.answer if rrset.rdtype == dns.rdatatype.DNSKEY for key in rrset if key.flags & 1]
        return [dns.dnssec.make_ds(name, key, digest).to_text() for key in keys]

    def log(self):
        try:
            with open(self.log_path) as handle:
                return handle.read()[-4000:]
        except OSError:
            return '(no log)'

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
