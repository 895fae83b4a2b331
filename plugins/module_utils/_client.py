# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DomainClient: the one way the collection talks to the Domain API (internal use only).

Transport (keep-alive ``requests.Session``s: one for the caller's thread, one per worker thread),
signing (V3 or V1), retries, response parsing, pagination, and a small bounded pool that overlaps
independent calls.  Nothing here logs or raises a secret, an ``Authorization`` header, a signature
or a signed URL.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import os
import random
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from ansible_collections.aliyun.domain.plugins.module_utils import _signing as signing
from ansible_collections.aliyun.domain.plugins.module_utils._api import MAX_PAGE_SIZE, TASK_DETAIL_ITEMS, as_int, extract_items
from ansible_collections.aliyun.domain.plugins.module_utils._credentials import resolve_credentials_provider
from ansible_collections.aliyun.domain.plugins.module_utils._errors import (
    DomainApiError,
    DomainConfigError,
    DomainError,
    DomainResponseError,
)
from ansible_collections.aliyun.domain.plugins.module_utils._http import environ_proxies, new_session, requests
from ansible_collections.aliyun.domain.plugins.module_utils._options import ConnectionSettings
from ansible_collections.aliyun.domain.plugins.module_utils._response import first_value, parse_response, transport_error
from ansible_collections.aliyun.domain.plugins.module_utils._retry import (
    REJECTED_CODES,
    THROTTLING_CODES,
    AdaptiveRateLimiter,
    RetryPolicy,
    parse_retry_after,
)

API_VERSION = '2018-01-29'
USER_AGENT = 'aliyun.domain-ansible-collection/0.1.0'
# Requests in flight at once for independent calls (pages, acknowledgement batches). The work is
# latency-bound: while one answer is being built or parsed, the next request is already on its way.
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 16


def flatten_params(params):
    """API parameters to query values: lists become ``Name.1..N``, booleans ``true/false``, None is dropped."""
    flat = {}
    if params:
        for name, value in params.items():
            _flatten_into(flat, name, value)
    return flat


def _flatten_into(flat, name, value):
    if value is None:
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value, 1):
            _flatten_into(flat, '%s.%d' % (name, index), item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _flatten_into(flat, '%s.%s' % (name, key), item)
    elif isinstance(value, bool):
        flat[name] = 'true' if value else 'false'
    else:
        flat[name] = value


def secret_forms(credentials):
    """The secret and the token as they may be echoed: raw, percent-encoded, and encoded twice (V1 string to sign)."""
    forms = []
    for value in (credentials.security_token, credentials.access_key_secret):
        if value:
            once = signing.percent_encode(value)
            forms.extend([value, once, signing.percent_encode(once)])
    # longest first, so that an encoded form is not left half-replaced by a shorter one
    return sorted(set(forms), key=len, reverse=True)


class DomainClient(object):
    """Calls Domain API actions; see docs/architecture.md for the contract."""

    def __init__(self, options, clock=time.monotonic, sleep=time.sleep, rand=random.random, log=None, environ=None,
                 session=None, credentials_provider=None, wall_clock=time.time):
        self.options = options
        self.environ = os.environ if environ is None else environ
        self.settings = ConnectionSettings(options, self.environ)
        self.clock = clock
        self.sleep = sleep
        self.wall_clock = wall_clock
        self.log = log
        self.retry_policy = RetryPolicy(max_retries=self.settings.max_retries, rand=rand)
        self.api_calls = 0
        self.request_ids = []
        # Every request of this client, from any thread, passes it: after the first throttling answer
        # the client paces itself at a rate that adapts to the service's limit.
        self.rate_limiter = AdaptiveRateLimiter(clock=clock, sleep=sleep)
        self._session = session
        self._shared_session = session is not None
        self._owner_thread = threading.current_thread()
        self._thread_sessions = threading.local()
        self._worker_sessions = []
        self._pool = None
        self._lock = threading.Lock()
        self._credentials_lock = threading.Lock()
        self._credentials_provider = credentials_provider
        self._verify = None
        self._proxies = None

    # --- transport -------------------------------------------------------------------------------

    @staticmethod
    def _new_session():
        # Proxies and CA bundle are read from the environment once (below), not on every request.
        return new_session()

    @property
    def session(self):
        """The calling thread's session: requests.Session is not guaranteed thread-safe, so each
        worker thread keeps its own (and its own keep-alive connection)."""
        with self._lock:
            if self._proxies is None:
                self._proxies = environ_proxies(self.settings.base_url)
                self._verify = self._verify_setting()
            if self._shared_session or threading.current_thread() is self._owner_thread:
                if self._session is None:
                    self._session = self._new_session()
                return self._session
            session = getattr(self._thread_sessions, 'session', None)
            if session is None:
                session = self._thread_sessions.session = self._new_session()
                self._worker_sessions.append(session)
            return session

    def _verify_setting(self):
        if not self.settings.validate_certs:
            return False
        if self.settings.ca_path:
            return self.settings.ca_path
        return self.environ.get('REQUESTS_CA_BUNDLE') or self.environ.get('CURL_CA_BUNDLE') or True

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        for session in self._worker_sessions:
            session.close()
        self._worker_sessions = []
        self._thread_sessions = threading.local()
        if self._session is not None:
            self._session.close()
            if not self._shared_session:
                self._session = None

    def _log(self, message):
        if self.log is not None:
            self.log(message)

    # --- credentials -----------------------------------------------------------------------------

    @property
    def credentials_provider(self):
        if self._credentials_provider is None:
            self._credentials_provider = resolve_credentials_provider(
                self.options, self.environ, wall_clock=self.wall_clock, log=self.log)
            self._log('credentials from %s' % self._credentials_provider.source)
        return self._credentials_provider

    def resolve_credentials(self):
        """Walk the credential chain now (it otherwise runs on the first call); DomainConfigError if it finds nothing."""
        return self.credentials_provider

    # --- requests --------------------------------------------------------------------------------

    def _business_params(self, params):
        query = flatten_params(params)
        if 'Lang' not in query:
            query['Lang'] = self.settings.lang
        if 'UserClientIp' not in query and self.settings.user_client_ip:
            query['UserClientIp'] = self.settings.user_client_ip
        return query

    def _signed_request(self, action, query, credentials):
        """(url, headers) with a fresh nonce and timestamp; called for every attempt."""
        timestamp = signing.api_timestamp(self.wall_clock())
        nonce = uuid.uuid4().hex
        headers = {'Accept': 'application/json', 'User-Agent': USER_AGENT}
        if self.settings.signature_version == 'v1':
            signed = signing.v1_signed_query(action, API_VERSION, query, credentials.access_key_id, credentials.access_key_secret,
                                             credentials.security_token, timestamp=timestamp, nonce=nonce)
            return '%s?%s' % (self.settings.base_url, signed), headers
        canonical = signing.canonical_query_string(query)
        headers.update({
            'host': self.settings.host,
            'x-acs-action': action,
            'x-acs-version': API_VERSION,
            'x-acs-date': timestamp,
            'x-acs-signature-nonce': nonce,
            'x-acs-content-sha256': signing.EMPTY_BODY_SHA256,
        })
        if credentials.security_token:
            headers['x-acs-security-token'] = credentials.security_token
        headers['Authorization'] = signing.v3_authorization(
            'POST', '/', canonical, headers, credentials.access_key_id, credentials.access_key_secret)
        url = '%s?%s' % (self.settings.base_url, canonical) if canonical else self.settings.base_url
        return url, headers

    def _attempt(self, action, query):
        # One thread at a time resolves or refreshes credentials; the rest find them cached.
        with self._credentials_lock:
            credentials = self.credentials_provider.get()
        url, headers = self._signed_request(action, query, credentials)
        session = self.session
        with self._lock:
            self.api_calls += 1
        try:
            response = session.post(
                url, data=b'', headers=headers, timeout=(self.settings.connect_timeout, self.settings.timeout),
                verify=self._verify, proxies=self._proxies, allow_redirects=False)
            body = response.content
        except requests.exceptions.RequestException as exc:
            raise transport_error(action, self.settings.base_url.rstrip('/'), exc, self.settings.connect_timeout,
                                  self.settings.timeout)
        try:
            data = parse_response(action, response.status_code, response.headers, body)
        except DomainApiError as error:
            error.retry_after = parse_retry_after(response.headers.get('x-acs-retry-after'))
            error.redact(secret_forms(credentials))
            if error.request_id:
                with self._lock:
                    self.request_ids.append(error.request_id)
            raise
        request_id = first_value(data, 'RequestId', 'requestId')
        if request_id:
            with self._lock:
                self.request_ids.append(request_id)
        return data

    def call(self, action, params=None, mutating=False, deadline=None):
        """The parsed JSON body of ``action``; transient failures are retried as _retry.py decides."""
        query = self._business_params(params)
        retry_number = 0
        while True:
            self.rate_limiter.acquire()
            sent_at = self.clock()
            try:
                data = self._attempt(action, query)
            except DomainConfigError:
                raise
            except DomainError as error:
                if isinstance(error, DomainApiError):
                    self._record_answer(action, error.api_code in THROTTLING_CODES, sent_at)
                if mutating and isinstance(error, DomainApiError) and error.api_code not in REJECTED_CODES and (
                        error.http_status is None or error.http_status >= 500
                        or isinstance(error, DomainResponseError)):
                    error.ambiguous = True
                pause = self.retry_policy.next_delay(
                    error, retry_number, mutating=mutating, now=self.clock(), deadline=deadline,
                    retry_after=getattr(error, 'retry_after', None))
                if pause is None:
                    raise
                retry_number += 1
                self._log('%s: %s; retry %d of %d in %.2fs' % (
                    action, error.code, retry_number, self.retry_policy.max_retries, pause))
                self.sleep(pause)
            else:
                self._record_answer(action, False, sent_at)
                return data

    @property
    def throttled(self):
        """True once the service throttled this client (it paces itself from then on)."""
        return self.rate_limiter.throttles > 0

    def _record_answer(self, action, throttled, sent_at):
        rate = self.rate_limiter.record(throttled, sent_at)
        if throttled:
            self._log('%s: throttled; pacing requests at %.1f/s' % (action, rate))

    # --- pagination ------------------------------------------------------------------------------

    def fetch_page(self, action, params, page_num, page_size, items_path=TASK_DETAIL_ITEMS, deadline=None):
        """(items of page ``page_num``, the whole response body)."""
        request = dict(params or {})
        request['PageNum'] = page_num
        request['PageSize'] = page_size
        envelope = self.call(action, request, deadline=deadline)
        return extract_items(envelope, items_path), envelope

    def run_ordered(self, function, arguments, concurrency=DEFAULT_CONCURRENCY):
        """Call ``function(argument)`` for each argument, up to ``concurrency`` at once.

        Yields ``(argument, result, error)`` in the arguments' order, ``error`` being the DomainError
        the call raised (``result`` is then None). After a call fails no new call is started; calls
        already in flight finish and are yielded; arguments never started are not yielded. Under
        throttling the client's rate limiter paces the calls of every worker. ``concurrency`` 1 is a
        plain sequential loop in the caller's thread.
        """
        arguments = list(arguments)
        if concurrency <= 1 or len(arguments) <= 1:
            for argument in arguments:
                try:
                    result = function(argument)
                except DomainError as error:
                    yield argument, None, error
                    return
                yield argument, result, None
            return
        # Resolve credentials once here, so that a configuration error is raised in the caller's thread.
        self.resolve_credentials()
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=MAX_CONCURRENCY)
        # Submitted and not yet yielded, in order; never longer than the limit, so that memory stays
        # bounded even when the head of the line is slow.
        pending = collections.deque()
        next_index = 0
        failed = False
        try:
            while pending or (not failed and next_index < len(arguments)):
                while not failed and next_index < len(arguments) and len(pending) < concurrency:
                    pending.append((arguments[next_index], self._pool.submit(_capture, function, arguments[next_index])))
                    next_index += 1
                argument, head = pending[0]
                if head.done():
                    pending.popleft()
                    result, error = head.result()
                    failed = failed or error is not None
                    yield argument, result, error
                    continue
                wait([future for _argument, future in pending if not future.done()], return_when=FIRST_COMPLETED)
                failed = failed or any(future.done() and future.result()[1] is not None for _argument, future in pending)
        finally:
            for _argument, future in pending:
                future.cancel()
            wait([future for _argument, future in pending])

    def paginate(self, action, params, items_path=TASK_DETAIL_ITEMS, dedupe_key='TaskDetailNo', page_size=MAX_PAGE_SIZE,
                 deadline=None, concurrency=DEFAULT_CONCURRENCY):
        """Every item of every page, each ``dedupe_key`` once (pages shift while others acknowledge).

        Once the first page tells TotalPageNum, the other pages are fetched ``concurrency`` at a time
        and yielded in page order; a failing page raises its error after the pages before it.
        ``dedupe_key=None`` leaves de-duplication to a caller that does it anyway (one key set, not two).
        """
        seen = set()
        items, envelope = self.fetch_page(action, params, 1, page_size, items_path, deadline=deadline)
        total_pages = _total_pages(envelope)
        if total_pages is not None and concurrency > 1:
            yield from _fresh_items(items, dedupe_key, seen)

            def fetch(page_num):
                return self.fetch_page(action, params, page_num, page_size, items_path, deadline=deadline)[0]

            pages = self.run_ordered(fetch, range(2, total_pages + 1), concurrency)
            try:
                for _page_num, page_items, error in pages:
                    if error is not None:
                        raise error
                    yield from _fresh_items(page_items, dedupe_key, seen)
            finally:
                pages.close()
            return
        page_num = 1
        previous = None
        while True:
            fresh = 0
            for item in _fresh_items(items, dedupe_key, seen):
                fresh += 1
                yield item
            # A page of nothing new means the server ignores PageNum: stop rather than loop forever.
            if not fresh or items == previous or not _has_next_page(envelope, page_num, page_size, len(items)):
                return
            previous = items if not dedupe_key else None
            page_num += 1
            items, envelope = self.fetch_page(action, params, page_num, page_size, items_path, deadline=deadline)


def _fresh_items(items, dedupe_key, seen):
    """The items whose ``dedupe_key`` is not in ``seen`` (adding them); every item without a key."""
    for item in items:
        key = item.get(dedupe_key) if dedupe_key and isinstance(item, dict) else None
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        yield item


def _total_pages(envelope):
    return as_int(envelope.get('TotalPageNum'))


def _capture(function, argument):
    """(result, None), or (None, the DomainError raised): a failed call is an outcome to report in order."""
    try:
        return function(argument), None
    except DomainError as error:
        return None, error


def _has_next_page(envelope, page_num, page_size, count):
    total_pages = _total_pages(envelope)
    if total_pages is not None:
        return page_num < total_pages
    next_page = envelope.get('NextPage')
    if isinstance(next_page, bool):
        return next_page
    return count >= page_size
