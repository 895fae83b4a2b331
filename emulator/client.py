# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small signed keep-alive client (stdlib only) for the emulator's tests and its throughput benchmark.

It signs with the collection's _signing.py, like the emulator verifies; the interoperability tests
prove both against the official SDKs.
"""

import http.client
import json
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
            if self.https:
                self._connection = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                                               context=self.context or ssl.create_default_context())
            else:
                self._connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
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
        connection = self._connect()
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.getheader('Connection', '').lower() == 'close':
            self.close()
        return Answer(response.status, dict((k.lower(), v) for k, v in response.getheaders()), raw)

    def call(self, action, params=None, method='POST', **kwargs):
        path, headers = self.signed_request(action, params, method=method, **kwargs)
        if 'host' in headers:
            headers = dict(headers)
            headers['Host'] = headers.pop('host')
        return self.send(method, path, headers)
