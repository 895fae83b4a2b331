# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signature verification (V3 ACS3-HMAC-SHA256 headers, V1 RPC HMAC-SHA1 query) with the collection's signing code."""

import calendar
import datetime
import hashlib
import hmac
import importlib.util
import os
import threading
import time

from .errors import ApiError, missing

CLOCK_SKEW_SECONDS = 15 * 60
API_VERSION = '2018-01-29'
V3_REQUIRED_SIGNED = ('host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version')
V1_REQUIRED = ('AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp')


def load_signing():
    """plugins/module_utils/_signing.py, loaded by path: the emulator runs outside an ansible_collections tree."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'plugins', 'module_utils', '_signing.py')
    spec = importlib.util.spec_from_file_location('_aliyun_domain_signing', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


signing = load_signing()


def parse_timestamp(value):
    """Epoch seconds of ``YYYY-MM-DDTHH:MM:SSZ`` (sliced: strptime would be a tenth of a request's time)."""
    if isinstance(value, str) and len(value) == 20 and value[4] + value[7] + value[10] + value[13] + value[16] + value[19] == '--T::Z':
        try:
            return datetime.datetime(int(value[0:4]), int(value[5:7]), int(value[8:10]), int(value[11:13]),
                                     int(value[14:16]), int(value[17:19]), tzinfo=datetime.timezone.utc).timestamp()
        except ValueError:
            raise ApiError('InvalidTimeStamp.Format')
    for layout in ('%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%dT%H:%M:%S.%fZ'):
        try:
            return calendar.timegm(time.strptime(value, layout))
        except (TypeError, ValueError):
            continue
    raise ApiError('InvalidTimeStamp.Format')


class Verifier:
    """Checks credentials, clock skew, signature, STS token and nonce of one request, in that order."""

    def __init__(self, access_keys):
        self._lock = threading.Lock()
        self._keys = {}
        self._expired = set()
        self._nonces = {}
        self._next_prune = 0.0
        for key in access_keys:
            self.add_key(key)

    def add_key(self, key):
        with self._lock:
            self._keys[key.key_id] = key
            self._expired.discard(key.key_id)

    def expire_key(self, key_id):
        with self._lock:
            self._expired.add(key_id)

    def reset(self, access_keys):
        with self._lock:
            self._keys = dict((key.key_id, key) for key in access_keys)
            self._expired = set()
            self._nonces = {}

    def verify(self, method, path, query, params, headers, body, now=None):
        """Return (action, version, access key id); raise ApiError when the request must be refused.

        ``query`` holds the URL parameters, ``params`` those plus the form body, ``headers`` lower-case names.
        """
        now = time.time() if now is None else now
        authorization = headers.get('authorization')
        if authorization:
            return self._verify_v3(method, path, query, headers, body, authorization, now)
        return self._verify_v1(method, params, now)

    def _lookup(self, key_id):
        key = self._keys.get(key_id)
        if key is None:
            raise ApiError('InvalidAccessKeyId.NotFound')
        return key

    @staticmethod
    def _check_time(text, now):
        stamp = parse_timestamp(text)
        if abs(now - stamp) > CLOCK_SKEW_SECONDS:
            raise ApiError('InvalidTimeStamp.Expired')
        return stamp

    def _check_token(self, key, token):
        if key.token is None:
            return
        if not token:
            raise ApiError('MissingSecurityToken')
        if not hmac.compare_digest(token.encode('utf-8'), key.token.encode('utf-8')):
            raise ApiError('InvalidSecurityToken.MismatchWithAccessKey')
        if key.key_id in self._expired:
            raise ApiError('InvalidSecurityToken.Expired')

    def _use_nonce(self, nonce, stamp, now):
        """Remember a nonce until its timestamp leaves the skew window (a replay after that fails the time check)."""
        with self._lock:
            if nonce in self._nonces:
                raise ApiError('SignatureNonceUsed')
            self._nonces[nonce] = stamp + CLOCK_SKEW_SECONDS
            if now >= self._next_prune:
                self._nonces = dict((n, until) for n, until in self._nonces.items() if until >= now)
                self._next_prune = now + 60

    def _verify_v3(self, method, path, query, headers, body, authorization, now):
        parsed = signing.parse_v3_authorization(authorization)
        if parsed is None:
            raise ApiError('IncompleteSignature', detail='Authorization must be "%s Credential=...,SignedHeaders=...,Signature=..."'
                           % signing.V3_ALGORITHM)
        key_id, signed_names, signature = parsed
        signed = set(signed_names)
        unsigned = [name for name in V3_REQUIRED_SIGNED if name not in signed]
        unsigned += sorted(name for name in headers if name.startswith('x-acs-') and name not in signed)
        if unsigned:
            raise ApiError('IncompleteSignature', detail='These headers must be signed: %s.' % ', '.join(unsigned))
        action = headers.get('x-acs-action', '')
        version = headers.get('x-acs-version', '')
        key = self._lookup(key_id)
        stamp = self._check_time(headers.get('x-acs-date', ''), now)
        canonical = signing.v3_canonical_request(method, path, query, headers, signed_names, hashlib.sha256(body).hexdigest())
        string_to_sign = signing.v3_string_to_sign(canonical)
        expected = signing.v3_signature(key.secret, string_to_sign)
        if not hmac.compare_digest(expected.encode('utf-8'), signature.encode('utf-8')):
            raise ApiError('SignatureDoesNotMatch', string_to_sign=string_to_sign)
        self._check_token(key, headers.get('x-acs-security-token'))
        self._use_nonce(headers['x-acs-signature-nonce'], stamp, now)
        return action, version, key_id

    def _verify_v1(self, method, params, now):
        if 'Signature' not in params:
            raise missing('Signature')
        for name in V1_REQUIRED:
            if not params.get(name):
                raise missing(name)
        if params['SignatureMethod'] != 'HMAC-SHA1':
            raise ApiError('InvalidSignatureMethod', value=params['SignatureMethod'])
        key = self._lookup(params['AccessKeyId'])
        stamp = self._check_time(params['Timestamp'], now)
        expected = signing.v1_signature(method, params, key.secret)
        if not hmac.compare_digest(expected.encode('utf-8'), params['Signature'].encode('utf-8')):
            raise ApiError('SignatureDoesNotMatch', string_to_sign=signing.v1_string_to_sign(method, params))
        self._check_token(key, params.get('SecurityToken'))
        self._use_nonce(params['SignatureNonce'], stamp, now)
        return params.get('Action', ''), params.get('Version', ''), key.key_id
