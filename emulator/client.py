# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small signed keep-alive client (stdlib only) for the emulator's tests and its throughput benchmark.

It signs with the collection's _signing.py, like the emulator verifies; the interoperability tests
prove both against the official SDKs.
"""

import json
import socket
import ssl
import time
import uuid
from urllib.parse import urlsplit

from .auth import API_VERSION, signing


def utc_stamp(epoch=None):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() if epoch is None else epoch))


def flatten(params):
    """API parameters with lists as ``Name.1..N`` and booleans as ``true``/``false``; ``None`` dropped."""
    flat = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            for index, item in enumerate(value, 1):
                flat['%s.%d' % (key, index)] = signing._text(item)  # pylint: disable=protected-access
        else:
            flat[key] = signing._text(value)  # pylint: disable=protected-access
    return flat


class Answer:
    """One HTTP answer: status, lower-case headers, raw body and (for JSON) the parsed body."""

    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.body = json.loads(raw.decode('utf-8'))
        except ValueError:
            self.body = None

    @property
    def code(self):
        return (self.body or {}).get('Code')

    def __repr__(self):
        return 'Answer(%d, %s)' % (self.status, self.raw[:300])


class Connection:
    """One keep-alive HTTP/1.1 connection, kept minimal so that a benchmark measures the server, not the client."""

    def __init__(self, host, port, timeout, context=None):
        sock = socket.create_connection((host, port), timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if context is not None:
            sock = context.wrap_socket(sock, server_hostname=host)
        self.sock = sock
        self.reader = sock.makefile('rb')

    def exchange(self, method, path, headers, body):
        """(status, lower-case headers, body) of one request; ConnectionError when the server drops the connection."""
        lines = ['%s %s HTTP/1.1' % (method, path)]
        lines.extend('%s: %s' % item for item in headers.items())
        lines.append('Content-Length: %d' % len(body))
        self.sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + body)
        status_line = self.reader.readline()
        if not status_line:
            raise ConnectionError('the server closed the connection without answering')
        status = int(status_line.split(None, 2)[1])
        answer_headers = {}
        while True:
            line = self.reader.readline()
            if line in (b'\r\n', b'\n', b''):
                break
            name, _sep, value = line.decode('latin-1').partition(':')
            answer_headers[name.strip().lower()] = value.strip()
        length = int(answer_headers.get('content-length', 0))
        raw = self.reader.read(length)
        if len(raw) != length:
            raise ConnectionError('the answer ended after %d of %d bytes' % (len(raw), length))
        return status, answer_headers, raw

    def close(self):
        self.reader.close()
        self.sock.close()


class SignedClient:
    """``call(action, params)`` over one keep-alive connection; ``signature`` is ``v3`` or ``v1``."""

    def __init__(self, url, key_id='testid', secret='testsecret', token=None, signature='v3', timeout=10, context=None):
        parts = urlsplit(url)
        self.host = parts.hostname
        self.port = parts.port
        self.netloc = parts.netloc
        self.https = parts.scheme == 'https'
        self.key_id = key_id
        self.secret = secret
        self.token = token
        self.signature = signature
        self.timeout = timeout
        self.context = context
        self._connection = None

    def _connect(self):
        if self._connection is None:
            context = (self.context or ssl.create_default_context()) if self.https else None
            self._connection = Connection(self.host, self.port, self.timeout, context)
        return self._connection

    def close(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def signed_request(self, action, params=None, method='POST', nonce=None, stamp=None, accept_json=True):
        """(path with query, headers) of a signed request, without sending it."""
        query = flatten(params or {})
        nonce = nonce or uuid.uuid4().hex
        stamp = stamp or utc_stamp()
        headers = {}
        if self.signature == 'v1':
            query.update({'Action': action, 'Version': API_VERSION, 'AccessKeyId': self.key_id,
                          'SignatureMethod': 'HMAC-SHA1', 'SignatureVersion': '1.0', 'SignatureNonce': nonce,
                          'Timestamp': stamp})
            query.setdefault('Format', 'JSON' if accept_json else 'XML')
            if self.token:
                query['SecurityToken'] = self.token
            query['Signature'] = signing.v1_signature(method, query, self.secret)
        else:
            headers.update({'host': self.netloc, 'x-acs-action': action, 'x-acs-version': API_VERSION,
                            'x-acs-date': stamp, 'x-acs-signature-nonce': nonce,
                            'x-acs-content-sha256': signing.EMPTY_BODY_SHA256})
            if self.token:
                headers['x-acs-security-token'] = self.token
            headers['Authorization'] = signing.v3_authorization(method, '/', query, headers, self.key_id, self.secret)
            if accept_json:
                headers['Accept'] = 'application/json'
        return '/?' + signing.canonical_query_string(query), headers

    def send(self, method, path, headers=None, body=b''):
        headers = dict(headers or {})
        if not any(name.lower() == 'host' for name in headers):
            headers['Host'] = self.netloc
        connection = self._connect()
        try:
            status, answer_headers, raw = connection.exchange(method, path, headers, body)
        except OSError:
            self.close()
            raise
        if answer_headers.get('connection', '').lower() == 'close':
            self.close()
        return Answer(status, answer_headers, raw)

    def call(self, action, params=None, method='POST', **kwargs):
        path, headers = self.signed_request(action, params, method=method, **kwargs)
        if 'host' in headers:
            headers = dict(headers)
            headers['Host'] = headers.pop('host')
        return self.send(method, path, headers)
