# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading answers and failures of Alibaba Cloud RPC endpoints (internal use only).

Shared by the Domain client and the STS / ECS metadata credential providers: a usable JSON object,
or one readable error line, whatever came back (JSON, XML, an HTML page, a truncated body).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
from xml.etree import ElementTree

from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainApiError, DomainResponseError, DomainTransportError

try:
    import requests
except ImportError:
    requests = None

# Keys of an error envelope (compared lower-case: some gateways write requestId, code, message).
ERROR_KEYS = frozenset(['requestid', 'hostid', 'code', 'message', 'recommend', 'success', 'accessdenieddetail'])
SUCCESS_CODES = ('200', 'OK', 'Success', 'success')
# Long enough to quote a proxy's page title; short enough to stay one readable line.
MAX_SNIPPET = 120


def first_value(mapping, *names):
    for name in names:
        value = mapping.get(name)
        if value is not None and value != '':
            return value
    return None


def _is_error_body(data):
    """An error envelope sent with a success status: Code and Message and nothing that looks like data."""
    code = first_value(data, 'Code', 'code')
    if code is None or str(code) in SUCCESS_CODES or data.get('Success') is True:
        return False
    return first_value(data, 'Message', 'message') is not None and all(key.lower() in ERROR_KEYS for key in data)


def _one_line(text, limit=MAX_SNIPPET):
    text = re.sub(r'\s+', ' ', text or '').strip()
    return text if len(text) <= limit else text[:limit - 3] + '...'


def parse_response(action, status, headers, body):
    """The JSON object of a successful answer; any error as DomainApiError / DomainResponseError."""
    header_request_id = headers.get('x-acs-request-id')
    content_type = (headers.get('Content-Type') or '').lower()
    stripped = body.lstrip()
    head = stripped[:1]
    if not stripped:
        raise DomainResponseError(action, message='HTTP %d with an empty body' % status, request_id=header_request_id,
                                  http_status=status)
    if head in (b'{', b'['):
        try:
            data = json.loads(body.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            raise DomainResponseError(
                action, message='HTTP %d with a truncated or malformed JSON body (%d bytes)' % (status, len(body)),
                request_id=header_request_id, http_status=status)
        if not isinstance(data, dict):
            raise DomainResponseError(action, message='HTTP %d with JSON that is not an object' % status,
                                      request_id=header_request_id, http_status=status)
        if status >= 400:
            raise _api_error(action, status, data, header_request_id)
        if _is_error_body(data):
            raise _api_error(action, status, data, header_request_id, error_class=DomainResponseError,
                             note='HTTP %d with an error body' % status)
        return data
    if head == b'<':
        lowered = stripped[:512].lower()
        if b'<html' in lowered or b'<!doctype html' in lowered:
            raise DomainResponseError(action, message=_html_message(status, body), request_id=header_request_id,
                                      http_status=status)
        return _raise_xml(action, status, body, header_request_id)
    raise DomainResponseError(
        action, message='HTTP %d with a body that is not JSON (Content-Type %s, %d bytes)' % (
            status, content_type or 'unset', len(body)),
        request_id=header_request_id, http_status=status)


def _api_error(action, status, data, header_request_id, error_class=DomainApiError, note=None):
    # one line whatever the server wrote; long messages (a quoted string to sign) are kept whole
    message = _one_line(str(first_value(data, 'Message', 'message') or ''), limit=100000)
    if note:
        message = '%s [%s]' % (message, note) if message else note
    return error_class(
        action,
        code=_one_line(str(first_value(data, 'Code', 'code') or 'HTTP%d' % status)),
        message=message,
        request_id=first_value(data, 'RequestId', 'requestId') or header_request_id,
        http_status=status,
        recommend=first_value(data, 'Recommend', 'recommend'),
        host_id=first_value(data, 'HostId', 'hostId'),
    )


def _html_message(status, body):
    match = re.search(br'<title[^>]*>(.*?)</title>', body[:4096], re.IGNORECASE | re.DOTALL)
    title = ''
    if match:
        title = _one_line(match.group(1).decode('utf-8', 'replace'))
    described = ' ("%s")' % title if title else ''
    return ('HTTP %d with an HTML page%s instead of JSON; a proxy or gateway answered, not the Domain API'
            % (status, described))


def _raise_xml(action, status, body, header_request_id):
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise DomainResponseError(
            action, message='HTTP %d with a truncated or malformed XML body (%d bytes)' % (status, len(body)),
            request_id=header_request_id, http_status=status)
    fields = dict((child.tag, (child.text or '').strip()) for child in root)
    if root.tag == 'Error' or 'Code' in fields:
        note = None if status >= 400 else 'HTTP %d with an error body' % status
        error_class = DomainApiError if status >= 400 else DomainResponseError
        raise _api_error(action, status, fields, header_request_id, error_class=error_class, note=note)
    raise DomainResponseError(action, message='HTTP %d with an XML body instead of JSON' % status,
                              request_id=header_request_id, http_status=status)


_REASON_NOISE = re.compile(r'<[^>]*object at 0x[0-9a-fA-F]+>: |\w+\(host=[^)]*\): |url: \S+ ?')


def _innermost_reason(exc):
    reason = exc
    seen = 0
    while seen < 8:
        seen += 1
        inner = None
        if isinstance(getattr(reason, 'reason', None), BaseException) and reason.reason is not reason:
            inner = reason.reason
        else:
            # ConnectionError(ProtocolError('Connection aborted.', RemoteDisconnected(...))): the cause may be any argument
            inner = next((arg for arg in getattr(reason, 'args', ()) if isinstance(arg, BaseException)), None)
        if inner is None:
            break
        reason = inner
    return reason


def transport_error(action, endpoint, exc, connect_timeout, read_timeout):
    """A DomainTransportError for a requests exception; its text never contains the signed URL."""
    reason, sent, permanent = _describe(exc, connect_timeout, read_timeout)
    return DomainTransportError(action, endpoint, reason, sent=sent, permanent=permanent)


# Failures that the same request will meet again: retrying them only delays the message.
_PERMANENT_TLS = ('certificate verify failed', 'hostname mismatch', "doesn't match", 'wrong version number')


def _describe(exc, connect_timeout, read_timeout):
    """(reason text, sent, permanent)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return 'connection timed out after %gs' % connect_timeout, False, False
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return 'no response within %gs' % read_timeout, True, False
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return 'the connection broke while reading the response', True, False
    reason = _innermost_reason(exc)
    text = _one_line(_REASON_NOISE.sub('', str(reason)), 200) or type(reason).__name__
    text = text.replace('?', '')  # a query string never survives into a message
    if isinstance(exc, requests.exceptions.SSLError):
        permanent = any(marker in text.lower() for marker in _PERMANENT_TLS)
        return 'TLS error: %s' % text, False, permanent
    if isinstance(exc, requests.exceptions.ProxyError):
        return 'proxy error: %s' % text, False, False
    name = type(reason).__name__
    not_sent = ('NewConnectionError', 'NameResolutionError', 'ConnectTimeoutError', 'ConnectionRefusedError',
                'gaierror', 'LocationParseError', 'InvalidURL', 'MissingSchema', 'InvalidSchema')
    return text, name not in not_sent, False
