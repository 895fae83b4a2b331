# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exception types of the aliyun.domain collection (internal use only).

Every error the collection raises on purpose is a ``DomainError``; ``str(error)`` is the one line a
user sees and ``to_result()`` is what a module returns as ``error``.  No message ever contains a
secret: callers only pass identifiers, codes and server messages into these classes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

REDACTED = '<redacted>'


class DomainError(Exception):
    """Base class; ``ambiguous`` is True when a state-changing request may have been carried out."""

    default_code = 'DomainError'

    def __init__(self, message, code=None, request_id=None, ambiguous=False):
        super(DomainError, self).__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.request_id = request_id
        self.ambiguous = ambiguous

    def __str__(self):
        return self.message

    def to_result(self):
        return {'code': self.code, 'message': self.message, 'request_id': self.request_id}

    def redact(self, values):
        """Blank out ``values`` wherever the text echoes them (a server quoting the string it signed)."""
        for attribute in ('message', 'api_message'):
            text = getattr(self, attribute, None)
            if text:
                for value in values:
                    if value:
                        text = text.replace(value, REDACTED)
                setattr(self, attribute, text)
        self.args = (self.message,)


class DomainConfigError(DomainError):
    """Bad option, credential or profile configuration; the message names the source."""

    default_code = 'InvalidConfiguration'

    def __init__(self, message, option=None, code=None):
        super(DomainConfigError, self).__init__(message, code=code)
        self.option = option


class DomainApiError(DomainError):
    """The service answered with an error (or with something that is not a usable answer)."""

    default_code = 'UnknownError'
    retry_after = None  # seconds the server asked us to wait (x-acs-retry-after), set by the client

    def __init__(self, action, code=None, message=None, request_id=None, http_status=None, recommend=None,
                 host_id=None, ambiguous=False):
        self.action = action
        self.api_code = code or self.default_code
        self.api_message = message or ''
        self.http_status = http_status
        self.recommend = recommend
        self.host_id = host_id
        super(DomainApiError, self).__init__(
            self.format_message(action, self.api_code, self.api_message, request_id),
            code=self.api_code, request_id=request_id, ambiguous=ambiguous,
        )

    @staticmethod
    def format_message(action, code, message, request_id):
        text = '%s failed: %s' % (action, code)
        if message:
            text += ': %s' % (message,)
        return '%s (RequestId: %s)' % (text, request_id or 'none')

    def to_result(self):
        return {'code': self.api_code, 'message': self.api_message, 'request_id': self.request_id}


class DomainResponseError(DomainApiError):
    """The body could not be understood: HTML from a proxy, a truncated body, or HTTP 200 with an error."""

    default_code = 'InvalidResponse'


class DomainTransportError(DomainError):
    """No answer: connection refused, TLS failure, timeout.

    ``sent`` is True when the request may have reached the server (a read timeout, a connection
    dropped mid-answer); a state-changing call that fails this way must be reconciled, not re-sent.
    ``permanent`` is True when trying again cannot help (the TLS certificate does not verify).
    """

    default_code = 'TransportError'

    def __init__(self, action, endpoint, reason, sent=False, permanent=False):
        self.action = action
        self.endpoint = endpoint
        self.reason = reason
        self.sent = sent
        self.permanent = permanent
        message = '%s failed: cannot reach %s: %s' % (action, endpoint, reason)
        if sent:
            message += ' (the request may have reached the server)'
        super(DomainTransportError, self).__init__(message, ambiguous=sent)

    def to_result(self):
        return {'code': self.code, 'message': self.message, 'request_id': None}


class DomainWaitTimeout(DomainError):
    """Waiting for tasks ran out of time; ``progress`` says where things stood."""

    default_code = 'WaitTimeout'

    def __init__(self, message, progress=None):
        super(DomainWaitTimeout, self).__init__(message)
        self.progress = progress if progress is not None else {}
