# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A scriptable HTTP server on 127.0.0.1 for unit tests of the client and the credential providers.

Tests mock only at the HTTP boundary: the real ``requests`` session talks to this server, which
records every request and answers with whatever the test's handler returns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from ansible_collections.aliyun.domain.plugins.module_utils import _signing as signing
from ansible_collections.aliyun.domain.plugins.module_utils._client import DomainClient
from ansible_collections.aliyun.domain.plugins.module_utils._options import OptionAdapter

KEY_ID = 'LTAI5tTestKeyId'
SECRET = 'Secret/With+Special=Chars'


class RecordedRequest(object):
    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        parts = urlsplit(path)
        self.route = parts.path
        self.raw_query = parts.query
        self.query = dict(parse_qsl(parts.query, keep_blank_values=True))
        self.headers = dict((k.lower(), v) for k, v in headers.items())
        self.body = body

    @property
    def action(self):
        return self.headers.get('x-acs-action') or self.query.get('Action')

    def signature_is_valid(self, access_key_id, access_key_secret):
        """Verify V1 or V3 exactly as a server would, with the collection's signing code."""
        if 'Signature' in self.query:
            params = dict(self.query)
            signature = params.pop('Signature')
            return params.get('AccessKeyId') == access_key_id and signing.v1_signature(
                self.method, params, access_key_secret) == signature
        parsed = signing.parse_v3_authorization(self.headers.get('authorization'))
        if parsed is None or parsed[0] != access_key_id:
            return False
        expected = signing.v3_authorization(self.method, self.route, self.query, self.headers, access_key_id, access_key_secret)
        return expected == self.headers.get('authorization')


def json_response(data, status=200, headers=None):
    merged = {'Content-Type': 'application/json;charset=utf-8'}
    merged.update(headers or {})
    return status, merged, json.dumps(data).encode('utf-8')


def dead_url():
    """A URL on 127.0.0.1 where nothing listens (a port just bound and released)."""
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return 'http://127.0.0.1:%d' % port


class Recorder(object):
    """A fake clock and sleep for DomainClient, and the log lines it writes."""

    def __init__(self):
        self.sleeps = []
        self.lines = []
        self.now = 100.0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def log(self, line):
        self.lines.append(line)


def make_client(url, recorder=None, environ=None, **options):
    """A DomainClient for ``url`` with test credentials, no real sleeping and a fixed jitter."""
    recorder = recorder or Recorder()
    settings = dict(access_key_id=KEY_ID, access_key_secret=SECRET, endpoint=url)
    settings.update(options)
    return DomainClient(OptionAdapter.from_dict(settings), clock=recorder.clock, sleep=recorder.sleep,
                        rand=lambda: 0.5, log=recorder.log, environ=environ if environ is not None else {})


class LocalHttpServer(object):
    """``handler(RecordedRequest) -> (status, headers, body bytes)``; requests are kept in ``requests``."""

    def __init__(self, handler=None, ssl_context=None):
        self.handler = handler or (lambda request: json_response({'RequestId': 'req-1'}))
        self.requests = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            # headers and body leave in one segment (unbuffered writes meet delayed ACKs: 40 ms a request)
            wbufsize = 1 << 16

            def _serve(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else b''
                request = RecordedRequest(self.command, self.path, self.headers, body)
                owner.requests.append(request)
                status, headers, payload = owner.handler(request)
                if status is None:
                    # drop the connection without answering
                    self.close_connection = True
                    return
                try:
                    self.send_response(status)
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.send_header('Content-Length', str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    # the client gave up first (a timeout test); nothing left to answer
                    self.close_connection = True

            do_GET = do_POST = do_PUT = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
        scheme = 'https' if ssl_context is not None else 'http'
        self.url = '%s://127.0.0.1:%d' % (scheme, self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={'poll_interval': 0.05})
        self._thread.daemon = True
        self._thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
