# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP front of the emulator: the signed API on ``/``, the control plane on ``/_emulator/``, fault injection."""

import collections
import json
import os
import random
import signal
import socket
import sqlite3
import ssl
import struct
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import api
from .auth import API_VERSION, Verifier
from .errors import TASK_TYPE_DESCRIPTION, ApiError, language, missing
from .options import SettingError, parse_access_key, parse_args, parse_non_negative
from .render import JSON_TYPE, render, to_json, wants_json
from .store import DETAIL_STATUS, Store

HOST_ID = 'domain.aliyuncs.com'
MAX_HEADER_LINE = 65536
MAX_HEADERS = 100
FORM_TYPE = 'application/x-www-form-urlencoded'
DEFAULT_RENDEZVOUS_SECONDS = 30.0


class Stats:
    """Request counters (memory only; the durable facts live in the store)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def clear(self):
        self.requests = 0
        self.by_action = collections.Counter()
        self.by_status = collections.Counter()
        self.by_code = collections.Counter()
        self.faults = collections.Counter()

    def record(self, action, status, code):
        with self.lock:
            self.requests += 1
            self.by_action[action] += 1
            self.by_status[str(status)] += 1
            if code:
                self.by_code[code] += 1

    def fault(self, kind):
        with self.lock:
            self.faults[kind] += 1

    def to_json(self):
        with self.lock:
            return {
                'requests_total': self.requests,
                'requests_per_action': dict(self.by_action),
                'responses_per_status': dict(self.by_status),
                'errors_per_code': dict(self.by_code),
                'faults': dict(self.faults),
            }


class Rendezvous:
    """Holds requests until requests of ``parties`` different clients wait at once, then lets them all go on, once.

    Tests use it to start two clients' AcknowledgeTaskResult calls at the same instant, however long
    each client took to get there; a client is told apart by its UserClientIp (else its address), so
    one client's concurrent calls never meet the rendezvous on their own. After ``seconds`` without
    enough clients, the waiting requests go on anyway and ``timed_out`` says so; either way the gate
    then stays open until armed again.
    """

    def __init__(self):
        self._condition = threading.Condition()
        self._parties = 0
        self._seconds = DEFAULT_RENDEZVOUS_SECONDS
        self._waiting = []
        self._released = []
        self._timed_out = False

    def arm(self, parties, seconds=DEFAULT_RENDEZVOUS_SECONDS):
        """Hold the next requests until ``parties`` clients wait (0 opens the gate, releasing any waiting)."""
        with self._condition:
            self._parties, self._seconds = parties, seconds
            self._waiting, self._released = [], []
            self._timed_out = False
            self._condition.notify_all()

    def _open(self):
        self._released, self._waiting = self._waiting, []
        self._parties = 0
        self._condition.notify_all()

    def wait(self, client):
        with self._condition:
            if not self._parties:
                return
            self._waiting.append(client)
            if len(set(self._waiting)) >= self._parties:
                self._open()
                return
            if not self._condition.wait_for(lambda: not self._parties, self._seconds):
                self._timed_out = True
                self._open()

    def to_json(self):
        with self._condition:
            return {'parties': self._parties, 'waiting': len(self._waiting), 'released': len(self._released),
                    'clients': len(set(self._released)), 'timed_out': self._timed_out}


class TokenBucket:
    """``rate`` requests per second with a burst of one second's worth (at least one request)."""

    def __init__(self, rate, now):
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.updated = now

    def refill(self, now):
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = now


class RateLimiter:
    """The account's request rate: one bucket for every action together, one per limited action.

    A refused request takes no token (the gateway turned it away), so a client that keeps retrying
    too fast is refused until it slows down, not forever. A bucket whose rate changed starts full.
    """

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets = {}

    def _bucket(self, key, rate, now):
        bucket = self._buckets.get(key)
        if bucket is None or bucket.rate != rate:
            bucket = self._buckets[key] = TokenBucket(rate, now)
        bucket.refill(now)
        return bucket

    def admit(self, action, behaviour):
        """None when the request may go on, else the throttling Code that refuses it."""
        action_rate = behaviour.action_rate_limits.get(action)
        if not behaviour.rate_limit and not action_rate:
            return None
        with self._lock:
            now = self._clock()
            account = self._bucket(None, behaviour.rate_limit, now) if behaviour.rate_limit else None
            per_action = self._bucket(action, action_rate, now) if action_rate else None
            if account is not None and account.tokens < 1.0:
                return 'Throttling.User'
            if per_action is not None and per_action.tokens < 1.0:
                return 'Throttling.Api'
            for bucket in (account, per_action):
                if bucket is not None:
                    bucket.tokens -= 1.0
            return None

    def clear(self):
        with self._lock:
            self._buckets = {}


def _seed_task_type(value):
    if value not in TASK_TYPE_DESCRIPTION:
        raise SettingError('seed: task_type %r: expected one of %s' % (value, ', '.join(sorted(TASK_TYPE_DESCRIPTION))))
    return value


class Emulator:
    """Everything a request handler needs, shared by all server threads."""

    def __init__(self, args):
        self.args = args
        self.started = time.time()
        self.behaviour = args.behaviour
        self.verifier = Verifier(args.access_keys)
        self.store = Store(args.state, seed=args.seed, final_view=api.final_view)
        self.store.seed_domains(args.domain_names)
        self.stats = Stats()
        self._fault_lock = threading.Lock()
        self._fault_rng = random.Random('faults:%d' % args.seed)
        self.ack_rendezvous = Rendezvous()
        self.rate_limiter = RateLimiter()
        self.url = None
        self.dns = None
        if args.dns_port is not None:
            # imported here: dnspython is needed only when the emulator serves DNS
            from emulator.dns_service import DnsService
            self.dns = DnsService(self, args.host, args.dns_port, args.dns_nameserver)

    def draw_faults(self):
        """Four draws per request, always, so that a rate change does not shift later decisions."""
        with self._fault_lock:
            return [self._fault_rng.random() for _index in range(4)]

    def reset(self, spec=None):
        """Back to the start-up state; ``{"seed": N}`` draws from seed N instead of --seed from now on."""
        seed = self.args.seed
        if spec:
            if not isinstance(spec, dict) or set(spec) - {'seed'}:
                raise SettingError('reset: expected nothing or {"seed": N}, got %r' % (spec,))
            seed = spec['seed']
            if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
                raise SettingError('reset: seed %r: expected a whole number >= 0' % (seed,))
        self.behaviour = self.args.behaviour
        self.verifier.reset(self.args.access_keys)
        self.store.reset(self.args.domain_names)
        self.store.seed = seed
        self.stats.clear()
        self.rate_limiter.clear()
        self.ack_rendezvous.arm(0)
        if self.dns is not None:
            self.dns.settings.clear()
        with self._fault_lock:
            self._fault_rng = random.Random('faults:%d' % seed)

    def configure(self, changes):
        if not isinstance(changes, dict):
            raise SettingError('config: expected a JSON object')
        changes = dict(changes)
        keys = [parse_access_key(text) for text in changes.pop('access_keys', None) or []]
        expired = changes.pop('expired_access_keys', None) or []
        rendezvous = None
        if 'ack_rendezvous' in changes or 'ack_rendezvous_seconds' in changes:
            rendezvous = (parse_non_negative('ack_rendezvous', changes.pop('ack_rendezvous', 0), int),
                          parse_non_negative('ack_rendezvous_seconds', changes.pop('ack_rendezvous_seconds', DEFAULT_RENDEZVOUS_SECONDS)))
        self.behaviour = self.behaviour.updated(changes)
        if rendezvous is not None:
            self.ack_rendezvous.arm(*rendezvous)
        for key in keys:
            self.verifier.add_key(key)
        for key_id in expired:
            self.verifier.expire_key(str(key_id))
        return self.behaviour.to_json()

    def seed_results(self, spec):
        """Completed details submitted by "another tool": they wait in PollTaskResult but count as no submission."""
        if not isinstance(spec, dict):
            raise SettingError('seed: expected a JSON object')
        count = spec.get('results', 0)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise SettingError('seed: results %r: expected a whole number >= 1' % (count,))
        behaviour = self.behaviour.updated({
            'task_seconds': spec.get('task_seconds', 0),
            'failure_rate': spec.get('failure_rate', 0.0),
            'fail_domains': spec.get('fail_domains'),
        })
        per_task = spec.get('per_task', 1000)
        if isinstance(per_task, bool) or not isinstance(per_task, int) or per_task < 1:
            raise SettingError('seed: per_task %r: expected a whole number >= 1' % (per_task,))
        domains = spec.get('domains')
        if domains is None:
            domains = [row['name'] for row in self.store.domains_page(time.time(), 1, None, order_key='name', descending=False)[1]]
        if not isinstance(domains, list) or not domains or not all(isinstance(d, str) and d for d in domains):
            raise SettingError('seed: domains %r: expected a non-empty list of names (or registered domains)' % (domains,))
        domains = list(dict.fromkeys(d.strip().lower() for d in domains))
        nameservers = spec.get('nameservers')
        # one task names a domain once, so a task holds at most len(domains) details
        per_task = min(per_task, len(domains))
        batches = [[domains[index % len(domains)] for index in range(start, min(start + per_task, count))]
                   for start in range(0, count, per_task)]
        # an older task (still in progress if its task_seconds are longer), e.g. outside a client's task-list window
        age = parse_non_negative('seed: created_seconds_ago', spec.get('created_seconds_ago', 0))
        task_nos = self.store.submit_many(batches, nameservers, behaviour, spec.get('client_ip', '192.0.2.1'), time.time() - age,
                                          source='seed', task_type=_seed_task_type(spec.get('task_type', 'CHG_DNS')))
        return {'task_nos': task_nos, 'results': count}

    def stats_json(self, with_details=True, task_no=None):
        now = time.time()
        counts = self.store.counts(now)
        answer = self.stats.to_json()
        answer.update({
            'tasks': counts['tasks'],
            'domains': counts['domains'],
            'details': counts['details'],
            'details_pending': counts['pending'],
            'details_acknowledged': counts['acknowledged'],
            'results_awaiting_acknowledgement': counts['awaiting'],
            'submissions_per_domain': self.store.submissions(),
            'config': self.behaviour.to_json(),
            'ack_rendezvous': self.ack_rendezvous.to_json(),
            'now': now,
        })
        if with_details:
            answer['task_details'] = dict(
                (record['detail_no'], {
                    'task_no': record['task_no'],
                    'domain': record['domain'],
                    'submitted_at': record['created'],
                    'final_at': record['final_at'],
                    'final': record['final_at'] <= now,
                    'status': DETAIL_STATUS[record['outcome']] if record['final_at'] <= now else None,
                    'try_count': record['final_tries'],
                    'acknowledged_at': record['acked_at'],
                    'acknowledged': 1 if record['acked_at'] is not None else 0,
                    'ack_requests': record['ack_requests'],
                    'cancelled': record['cancelled'] is not None,
                    'source': record['source'],
                })
                for record in self.store.detail_records(task_no))
        return answer

    def close(self):
        if self.dns is not None:
            self.dns.close()
        self.store.close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'AliyunDomainEmulator/1.0'
    sys_version = ''

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super(Handler, self).setup()

    def parse_request(self):
        """Request line and headers, without the email parser the standard one uses (a quarter of a request's time).

        ``self.headers`` becomes a dict with lower-case names.
        """
        self.command = None
        self.request_version = self.default_request_version
        self.close_connection = True
        self.requestline = str(self.raw_requestline, 'iso-8859-1').rstrip('\r\n')
        words = self.requestline.split()
        if len(words) != 3 or not words[2].startswith('HTTP/1.'):
            self.send_error(400, 'Bad request line %r' % self.requestline)
            return False
        self.command, self.path, self.request_version = words
        headers = {}
        while True:
            line = self.rfile.readline(MAX_HEADER_LINE + 1)
            if len(line) > MAX_HEADER_LINE or len(headers) > MAX_HEADERS:
                self.send_error(431, 'Request header fields too large')
                return False
            if line in (b'\r\n', b'\n', b''):
                break
            name, sep, value = line.decode('iso-8859-1').partition(':')
            if not sep:
                self.send_error(400, 'Bad header line %r' % line[:100])
                return False
            headers[name.strip().lower()] = value.strip()
        self.headers = headers
        connection = headers.get('connection', '').lower()
        self.close_connection = connection == 'close' or (self.request_version == 'HTTP/1.0' and connection != 'keep-alive')
        if headers.get('expect', '').lower() == '100-continue':
            self.wfile.write(b'HTTP/1.1 100 Continue\r\n\r\n')
        return True

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Requests are counted in /_emulator/stats; a line per request would slow every benchmark."""

    def do_GET(self):
        self._dispatch('GET')

    def do_POST(self):
        self._dispatch('POST')

    @property
    def emulator(self):
        return self.server.emulator

    def _dispatch(self, method):
        try:
            length = int(self.headers.get('content-length') or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._send(400, b'Bad Content-Length', 'text/plain')
            return
        body = self.rfile.read(length) if length > 0 else b''
        url = urlsplit(self.path)
        if url.path.startswith('/_emulator/'):
            self._control(method, url, body)
        else:
            self._api(method, url, body)

    # -- the signed API -------------------------------------------------------------------------------

    def _api(self, method, url, body):
        emulator = self.emulator
        behaviour = emulator.behaviour
        headers = self.headers
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        params = dict(query)
        if body and headers.get('content-type', '').startswith(FORM_TYPE):
            params.update(parse_qsl(body.decode('utf-8', 'replace'), keep_blank_values=True))
        as_json = wants_json(params, headers)
        lang = language(params)
        request_id = str(uuid.uuid4()).upper()
        reset_draw, throttle_draw, error_draw, timing_draw = emulator.draw_faults()
        if behaviour.latency_ms:
            time.sleep(behaviour.latency_ms / 1000.0)
        action = params.get('Action') or headers.get('x-acs-action') or 'unknown'
        extra_headers = {}
        try:
            if url.path not in ('', '/'):
                raise ApiError('InvalidAction.NotFound')
            action, version, _key_id = emulator.verifier.verify(method, url.path or '/', query, params, headers, body)
            if not action:
                raise missing('Action')
            if not version:
                raise missing('Version')
            if version != API_VERSION:
                raise ApiError('InvalidVersion', value=version)
            handler = api.ACTIONS.get(action)
            if handler is None:
                raise ApiError('InvalidAction.NotFound')
            reset_after = timing_draw < 0.5
            if reset_draw < behaviour.reset_rate and not reset_after:
                return self._drop(action)
            refusal = emulator.rate_limiter.admit(action, behaviour)
            if refusal:
                emulator.stats.fault('rate_limited')
                raise ApiError(refusal)
            if throttle_draw < behaviour.throttle_rate:
                emulator.stats.fault('throttled')
                raise ApiError('Throttling.User', headers={'x-acs-retry-after': str(behaviour.retry_after_ms)})
            if error_draw < behaviour.error_rate:
                emulator.stats.fault('errors')
                raise ApiError('ServiceUnavailable' if timing_draw < 0.5 else 'InternalError')
            client_ip = params.get('UserClientIp') or self.client_address[0]
            if action == 'AcknowledgeTaskResult':
                emulator.ack_rendezvous.wait(client_ip)
            answer = handler(emulator.store, api.Request(params, time.time(), lang, client_ip, behaviour))
            if reset_draw < behaviour.reset_rate:
                return self._drop(action)
            answer['RequestId'] = request_id
            status, code = 200, None
        except ApiError as error:
            status, code = error.http_status, error.code
            answer = error.body(request_id, HOST_ID, lang)
            extra_headers.update(error.headers)
        except Exception:  # pylint: disable=broad-except
            if not emulator.args.quiet:
                traceback.print_exc(file=sys.stderr)
            error = ApiError('InternalError')
            status, code = error.http_status, error.code
            answer = error.body(request_id, HOST_ID, lang)
        emulator.stats.record(action, status, code)
        payload, content_type = render(answer, as_json, 'Error' if code else action + 'Response')
        extra_headers['x-acs-request-id'] = request_id
        return self._send(status, payload, content_type, extra_headers)

    def _drop(self, action):
        """Close the connection with a TCP reset instead of answering."""
        self.emulator.stats.fault('resets')
        self.emulator.stats.record(action, 'reset', None)
        self.close_connection = True
        try:
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        except OSError:
            pass

    def _send(self, status, payload, content_type, extra_headers=None):
        lines = ['HTTP/1.1 %d %s' % (status, self.responses.get(status, ('',))[0]),
                 'Content-Type: ' + content_type,
                 'Content-Length: %d' % len(payload),
                 'Server: ' + self.server_version]
        for name, value in (extra_headers or {}).items():
            lines.append('%s: %s' % (name, value))
        if self.close_connection:
            lines.append('Connection: close')
        self.wfile.write(('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + payload)

    # -- the control plane ----------------------------------------------------------------------------

    def _control(self, method, url, body):
        emulator = self.emulator
        name = url.path[len('/_emulator/'):].strip('/')
        query = dict(parse_qsl(url.query))
        try:
            spec = json.loads(body.decode('utf-8')) if body.strip() else {}
        except ValueError as exc:
            return self._control_answer(400, {'error': 'request body is not JSON: %s' % exc})
        try:
            if name == 'health' and method == 'GET':
                answer = {'status': 'ok', 'pid': os.getpid(), 'url': emulator.url, 'version': API_VERSION,
                          'uptime': time.time() - emulator.started}
            elif name == 'stats' and method == 'GET':
                answer = emulator.stats_json(with_details=query.get('details', '1') not in ('0', 'false', 'no'),
                                             task_no=query.get('task_no'))
            elif name == 'config' and method == 'GET':
                answer = emulator.behaviour.to_json()
            elif name == 'config' and method == 'POST':
                answer = emulator.configure(spec)
            elif name == 'reset' and method == 'POST':
                emulator.reset(spec)
                answer = {'status': 'reset'}
            elif name == 'seed' and method == 'POST':
                answer = emulator.seed_results(spec)
            elif name == 'dns' and emulator.dns is None:
                return self._control_answer(404, {'error': 'the emulator serves no DNS: start it with --dns-port'})
            elif name == 'dns' and method == 'GET':
                answer = emulator.dns.to_json()
            elif name == 'dns' and method == 'POST':
                try:
                    emulator.dns.settings.update(spec)
                except ValueError as exc:
                    raise SettingError(str(exc))
                answer = emulator.dns.to_json()
            else:
                return self._control_answer(404, {'error': '%s /_emulator/%s is not part of the control plane; see emulator/README.md'
                                                  % (method, name)})
        except SettingError as exc:
            return self._control_answer(400, {'error': str(exc)})
        return self._control_answer(200, answer)

    def _control_answer(self, status, answer):
        return self._send(status, to_json(answer), JSON_TYPE)


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, emulator):
        if ':' in address[0]:
            self.address_family = socket.AF_INET6
        self.emulator = emulator
        super(EmulatorServer, self).__init__(address, Handler)

    def handle_error(self, request, client_address):
        """Clients that vanish mid-request (resets, timeouts) are normal here."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, socket.timeout)):
            super(EmulatorServer, self).handle_error(request, client_address)


def create_server(args):
    """A bound (not yet serving) EmulatorServer for parsed options; ``server.emulator.url`` is set."""
    emulator = Emulator(args)
    try:
        server = EmulatorServer((args.host, args.port), emulator)
        scheme = 'http'
        if args.tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(args.tls_cert, args.tls_key)
            server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
            scheme = 'https'
    except BaseException:
        emulator.close()
        raise
    host, port = server.server_address[:2]
    shown_host = '[%s]' % host if ':' in host else host
    emulator.url = '%s://%s:%d' % (scheme, shown_host, port)
    return server


def main(argv=None):
    args = parse_args(argv)
    try:
        server = create_server(args)
    except sqlite3.Error as exc:
        sys.stderr.write('cannot use the state file %s: %s\n' % (args.state, exc))
        return 1
    except (OSError, ssl.SSLError) as exc:
        sys.stderr.write('cannot serve on %s:%d: %s\n' % (args.host, args.port, exc))
        return 1
    emulator = server.emulator
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    signal.signal(signal.SIGINT, lambda *_args: stop.set())
    serving = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.2}, name='serve', daemon=True)
    serving.start()
    sys.stdout.write('listening on %s\n' % emulator.url)
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    emulator.close()
    return 0
