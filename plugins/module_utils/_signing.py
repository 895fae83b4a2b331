# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request signing for the Alibaba Cloud Domain API (internal use only).

Both schemes the service accepts live here, and nothing else does: the ACS3-HMAC-SHA256 header
signature (``v3``, the default of the official SDK) and the RPC HMAC-SHA1 query signature
(``v1``, ``SignatureVersion=1.0``).  Pure standard library, so that the emulator can verify
with exactly the code the collection signs with.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import hmac
import re
import time
import uuid

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2 is not supported, but sanity imports on it
    from urllib import quote  # type: ignore

V3_ALGORITHM = 'ACS3-HMAC-SHA256'
# The characters quote() never encodes with safe='-_.~' (RFC 3986 unreserved), and nothing else.
_UNRESERVED_ONLY = re.compile(r'[A-Za-z0-9_.~-]*\Z')
EMPTY_BODY_SHA256 = hashlib.sha256(b'').hexdigest()


def _text(value):
    if isinstance(value, bytes):
        return value.decode('utf-8')
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return u'%s' % (value,)


def percent_encode(value):
    """RFC 3986 encoding as the service expects: space is %20, '*' is %2A, '~' stays."""
    text = _text(value)
    # Most values (numbers, names, task detail numbers) need no encoding: an acknowledgement of
    # 100 numbers signs 200 of them, so skipping quote() for those is worth the check.
    if _UNRESERVED_ONLY.match(text):
        return text
    return quote(text.encode('utf-8'), safe='-_.~')


def canonical_query_string(params):
    """``k=v`` pairs sorted by key, both percent-encoded, joined by ``&``; ``None`` values dropped."""
    pairs = [(percent_encode(k), percent_encode(v)) for k, v in params.items() if v is not None]
    pairs.sort()
    return '&'.join('%s=%s' % pair for pair in pairs)


def v1_string_to_sign(method, params):
    signed = dict((k, v) for k, v in params.items() if k != 'Signature')
    return '%s&%s&%s' % (method.upper(), percent_encode('/'), percent_encode(canonical_query_string(signed)))


def v1_signature(method, params, access_key_secret):
    """Base64 HMAC-SHA1 of the V1 string to sign, keyed with ``secret + '&'``."""
    return _v1_hmac(v1_string_to_sign(method, params), access_key_secret)


def v1_signature_for_canonical_query(method, canonical_query, access_key_secret):
    """``v1_signature`` for a query already canonicalised (without ``Signature``): the client builds it once."""
    return _v1_hmac('%s&%%2F&%s' % (method.upper(), percent_encode(canonical_query)), access_key_secret)


def api_timestamp(seconds):
    """The UTC ISO 8601 time stamp both signatures carry (``Timestamp``, ``x-acs-date``)."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(seconds))


def v1_signed_query(action, version, params, access_key_id, access_key_secret, security_token=None, timestamp=None,
                    nonce=None, method='POST'):
    """The signed query string of a V1 (RPC, HMAC-SHA1) request: ``params`` plus the common parameters and
    ``Signature``.  Used for the Domain API (signature_version v1) and for STS AssumeRole alike."""
    signed = dict(params)
    signed.update({
        'Action': action, 'Version': version, 'Format': 'JSON', 'AccessKeyId': access_key_id,
        'SignatureMethod': 'HMAC-SHA1', 'SignatureVersion': '1.0', 'SignatureNonce': nonce or uuid.uuid4().hex,
        'Timestamp': timestamp or api_timestamp(time.time()),
    })
    if security_token:
        signed['SecurityToken'] = security_token
    canonical = canonical_query_string(signed)
    signature = v1_signature_for_canonical_query(method, canonical, access_key_secret)
    return '%s&Signature=%s' % (canonical, percent_encode(signature))


def _v1_hmac(string_to_sign, access_key_secret):
    digest = hmac.new((_text(access_key_secret) + '&').encode('utf-8'), string_to_sign.encode('utf-8'), hashlib.sha1).digest()
    return base64.b64encode(digest).decode('ascii')


def v3_canonical_request(method, path, query, headers, signed_header_names, payload_sha256):
    """``query`` is a mapping, or a string that is already a canonical query string."""
    lowered = dict((k.lower(), _text(v).strip()) for k, v in headers.items())
    names = sorted(n.lower() for n in signed_header_names)
    canonical_headers = ''.join('%s:%s\n' % (name, lowered.get(name, '')) for name in names)
    return '\n'.join([
        method.upper(),
        path or '/',
        query if isinstance(query, str) else canonical_query_string(query),
        canonical_headers,
        ';'.join(names),
        payload_sha256,
    ])


def v3_string_to_sign(canonical_request):
    return '%s\n%s' % (V3_ALGORITHM, hashlib.sha256(canonical_request.encode('utf-8')).hexdigest())


def v3_signature(access_key_secret, string_to_sign):
    return hmac.new(_text(access_key_secret).encode('utf-8'), string_to_sign.encode('utf-8'), hashlib.sha256).hexdigest()


def v3_signed_header_names(headers):
    """Every header the request carries that the service requires or allows us to sign."""
    return sorted(
        name.lower() for name in headers
        if name.lower() in ('host', 'content-type') or name.lower().startswith('x-acs-')
    )


def v3_authorization(method, path, query, headers, access_key_id, access_key_secret, payload_sha256=EMPTY_BODY_SHA256):
    """The ``Authorization`` header value for a request; ``headers`` must hold host and x-acs-*.

    ``query`` may be a mapping or an already canonical query string (see ``v3_canonical_request``).
    """
    names = v3_signed_header_names(headers)
    canonical = v3_canonical_request(method, path, query, headers, names, payload_sha256)
    signature = v3_signature(access_key_secret, v3_string_to_sign(canonical))
    return '%s Credential=%s,SignedHeaders=%s,Signature=%s' % (V3_ALGORITHM, access_key_id, ';'.join(names), signature)


def parse_v3_authorization(value):
    """Split an ``Authorization`` header into (credential, signed header names, signature), or None."""
    if not value or not value.startswith(V3_ALGORITHM + ' '):
        return None
    fields = {}
    for part in value[len(V3_ALGORITHM) + 1:].split(','):
        key, sep, val = part.strip().partition('=')
        if not sep:
            return None
        fields[key] = val
    if not all(k in fields for k in ('Credential', 'SignedHeaders', 'Signature')):
        return None
    return fields['Credential'], [n for n in fields['SignedHeaders'].split(';') if n], fields['Signature']
