# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Error parsing of JSON, XML, HTML and truncated bodies; retry classification and backoff."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.aliyun.domain.plugins.module_utils._errors import (
    DomainApiError,
    DomainConfigError,
    DomainResponseError,
    DomainTransportError,
)
from ansible_collections.aliyun.domain.plugins.module_utils._response import parse_response
from ansible_collections.aliyun.domain.plugins.module_utils._retry import RetryPolicy, parse_retry_after, should_retry

JSON = {'Content-Type': 'application/json'}


def parse(status, body, headers=None):
    return parse_response('PollTaskResult', status, headers if headers is not None else JSON, body)


def test_success_body_is_returned():
    assert parse(200, b'{"RequestId": "r", "TaskNo": "T"}') == {'RequestId': 'r', 'TaskNo': 'T'}


def test_json_error_body_carries_every_field():
    body = json.dumps({'RequestId': 'rid', 'HostId': 'domain.aliyuncs.com', 'Code': 'InvalidParameter',
                       'Message': 'PageSize is invalid', 'Recommend': 'https://api.aliyun.com/troubleshoot?q=x'})
    with pytest.raises(DomainApiError) as caught:
        parse(400, body.encode())
    error = caught.value
    assert (error.api_code, error.api_message, error.request_id, error.http_status) == (
        'InvalidParameter', 'PageSize is invalid', 'rid', 400)
    assert error.recommend.startswith('https://api.aliyun.com/') and error.host_id == 'domain.aliyuncs.com'
    assert str(error) == 'PollTaskResult failed: InvalidParameter: PageSize is invalid (RequestId: rid)'
    assert error.to_result() == {'code': 'InvalidParameter', 'message': 'PageSize is invalid', 'request_id': 'rid'}
    assert not isinstance(error, DomainResponseError)


def test_multi_line_server_messages_become_one_line():
    with pytest.raises(DomainApiError) as caught:
        parse(400, json.dumps({'Code': 'InvalidParameter', 'Message': 'first line\n  second\tline', 'RequestId': 'r'}).encode())
    assert str(caught.value) == 'PollTaskResult failed: InvalidParameter: first line second line (RequestId: r)'


def test_lower_case_error_keys_are_read():
    with pytest.raises(DomainApiError) as caught:
        parse(500, b'{"requestId": "r2", "code": "InternalError", "message": "boom"}')
    assert (caught.value.api_code, caught.value.request_id) == ('InternalError', 'r2')


def test_error_without_code_is_named_by_status_and_request_id_from_header():
    with pytest.raises(DomainApiError) as caught:
        parse(503, b'{"oops": true}', {'x-acs-request-id': 'hdr-rid'})
    assert caught.value.api_code == 'HTTP503' and caught.value.request_id == 'hdr-rid'


def test_xml_error_body():
    body = (b'<?xml version="1.0" encoding="UTF-8"?><Error><RequestId>x-rid</RequestId><HostId>h</HostId>'
            b'<Code>Throttling.User</Code><Message>Request was denied due to user flow control.</Message></Error>')
    with pytest.raises(DomainApiError) as caught:
        parse(400, body, {'Content-Type': 'text/xml;charset=utf-8'})
    assert (caught.value.api_code, caught.value.request_id) == ('Throttling.User', 'x-rid')
    assert str(caught.value) == ('PollTaskResult failed: Throttling.User: Request was denied due to user flow control. '
                                 '(RequestId: x-rid)')


def test_truncated_xml_and_plain_xml():
    with pytest.raises(DomainResponseError) as caught:
        parse(400, b'<?xml version="1.0"?><Error><Code>Thrott')
    assert 'truncated or malformed XML body' in str(caught.value)
    with pytest.raises(DomainResponseError) as caught:
        parse(200, b'<?xml version="1.0"?><PollTaskResultResponse><RequestId>r</RequestId></PollTaskResultResponse>')
    assert 'XML body instead of JSON' in str(caught.value)


def test_html_page_names_its_title_in_one_line():
    page = b'<html>\n<head><title>\n  403 Forbidden\n</title></head><body>blocked by corporate proxy</body></html>'
    with pytest.raises(DomainResponseError) as caught:
        parse(403, page, {'Content-Type': 'text/html'})
    assert str(caught.value) == ('PollTaskResult failed: InvalidResponse: HTTP 403 with an HTML page ("403 Forbidden") '
                                 'instead of JSON; a proxy or gateway answered, not the Domain API (RequestId: none)')
    assert caught.value.to_result()['code'] == 'InvalidResponse'


def test_truncated_json_empty_and_non_json_bodies():
    with pytest.raises(DomainResponseError) as caught:
        parse(200, b'{"RequestId": "r", "Data": {"TaskDetail": [')
    assert str(caught.value) == ('PollTaskResult failed: InvalidResponse: HTTP 200 with a truncated or malformed JSON body '
                                 '(43 bytes) (RequestId: none)')
    with pytest.raises(DomainResponseError) as caught:
        parse(200, b'')
    assert 'HTTP 200 with an empty body' in str(caught.value)
    with pytest.raises(DomainResponseError) as caught:
        parse(200, b'plain text', {'Content-Type': 'text/plain'})
    assert 'not JSON (Content-Type text/plain, 10 bytes)' in str(caught.value)
    with pytest.raises(DomainResponseError) as caught:
        parse(200, b'[1, 2]')
    assert 'JSON that is not an object' in str(caught.value)


def test_http_200_with_an_error_envelope_is_an_error_but_data_with_a_code_field_is_not():
    with pytest.raises(DomainResponseError) as caught:
        parse(200, b'{"RequestId": "r", "Code": "ServiceUnavailable", "Message": "try later"}')
    assert caught.value.api_code == 'ServiceUnavailable'
    assert str(caught.value) == ('PollTaskResult failed: ServiceUnavailable: try later [HTTP 200 with an error body] '
                                 '(RequestId: r)')
    assert parse(200, b'{"RequestId": "r", "Code": "200", "Message": "ok"}')['Code'] == '200'
    assert parse(200, b'{"RequestId": "r", "Code": "X", "Message": "m", "Data": {}}')['Data'] == {}


BODIES = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([b'{', b'<', b'<?xml', b'<html>', b'{"Code": 1}', b'null', b'"text"', b'<Error><Code>',
                     b'{"Code": "X\\n", "Message": "a\\nb", "RequestId": "r"}']).flatmap(
        lambda head: st.binary(max_size=100).map(lambda tail: head + tail)),
)


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=100, max_value=599), BODIES, st.sampled_from(['application/json', 'text/html', 'text/xml', '']))
def test_any_answer_is_a_dict_or_one_line_domain_error(status, body, content_type):
    try:
        result = parse(status, body, {'Content-Type': content_type})
    except DomainApiError as error:
        assert '\n' not in str(error) and str(error).startswith('PollTaskResult failed: ')
        assert set(error.to_result()) == {'code', 'message', 'request_id'}
    else:
        assert isinstance(result, dict) and status < 400


def api_error(code, status=400, cls=DomainApiError):
    return cls('PollTaskResult', code=code, message='m', request_id='r', http_status=status)


@pytest.mark.parametrize('code,status', [
    ('Throttling', 400), ('Throttling.User', 400), ('Throttling.Api', 400), ('ServiceUnavailable', 503),
    ('InternalError', 500), ('UnknownError', 500), ('SomethingNew', 502),
])
def test_transient_errors_are_retried_for_reads(code, status):
    assert should_retry(api_error(code, status)) is True


@pytest.mark.parametrize('code', ['InvalidAccessKeyId.NotFound', 'SignatureDoesNotMatch', 'IncompleteSignature',
                                  'InvalidTimeStamp.Expired', 'InvalidSecurityToken.Expired', 'InvalidParameter',
                                  'MissingParameter', 'ParameterIllegal', 'TaskIsBeingProcessed'])
def test_auth_and_parameter_errors_are_never_retried(code):
    assert should_retry(api_error(code, 400)) is False
    assert should_retry(api_error(code, 400), mutating=True) is False


def test_status_alone_does_not_make_a_400_retryable_but_the_code_does():
    assert should_retry(api_error('Forbidden', 400)) is False
    assert should_retry(api_error('Throttling', 400)) is True


def test_mutating_calls_are_only_retried_when_the_service_did_not_act():
    assert should_retry(api_error('Throttling.User', 400), mutating=True) is True
    assert should_retry(api_error('ServiceUnavailable', 503), mutating=True) is True
    assert should_retry(api_error('InternalError', 500), mutating=True) is False
    assert should_retry(api_error('InvalidResponse', 200, DomainResponseError), mutating=True) is False
    not_sent = DomainTransportError('A', 'http://x', 'connection refused', sent=False)
    maybe_sent = DomainTransportError('A', 'http://x', 'no response within 1s', sent=True)
    assert should_retry(not_sent, mutating=True) is True
    assert should_retry(maybe_sent, mutating=True) is False
    assert should_retry(maybe_sent) is True


def test_unparseable_bodies_are_retried_for_reads_only_when_transient():
    assert should_retry(api_error('InvalidResponse', 502, DomainResponseError)) is True
    assert should_retry(api_error('InvalidResponse', 200, DomainResponseError)) is True
    assert should_retry(api_error('InvalidResponse', 403, DomainResponseError)) is False


def test_configuration_errors_are_not_retried():
    assert should_retry(DomainConfigError('bad')) is False


class Rand(object):
    def __init__(self, values):
        self.values = list(values)

    def __call__(self):
        return self.values.pop(0)


def test_full_jitter_backoff_grows_exponentially_up_to_the_cap():
    policy = RetryPolicy(max_retries=10, base_delay=0.2, max_delay=5.0, rand=lambda: 1.0)
    assert [policy.backoff(n) for n in range(7)] == pytest.approx([0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0])
    jitter = RetryPolicy(base_delay=1.0, max_delay=100.0, rand=Rand([0.0, 0.25, 0.999]))
    assert [jitter.backoff(n) for n in range(3)] == pytest.approx([0.0, 0.5, 3.996])


def test_next_delay_respects_max_retries_deadline_and_retry_after():
    policy = RetryPolicy(max_retries=2, base_delay=1.0, rand=lambda: 0.5)
    error = api_error('Throttling')
    assert policy.next_delay(error, 0, now=0.0, deadline=10.0) == pytest.approx(0.5)
    assert policy.next_delay(error, 2, now=0.0, deadline=10.0) is None
    assert policy.next_delay(error, 1, now=9.5, deadline=10.0) is None
    assert policy.next_delay(error, 0, now=0.0, retry_after=3.0) == pytest.approx(3.0)
    assert policy.next_delay(error, 0, now=0.0, deadline=2.0, retry_after=3.0) is None
    assert policy.next_delay(api_error('InvalidParameter'), 0) is None


@pytest.mark.parametrize('value,expected', [
    ('1500', 1.5), (' 20 ', 0.02), ('0', None), ('-5', None), ('soon', None), ('nan', None), ('inf', None), (None, None), ('99999999', 300.0),
])
def test_retry_after_is_milliseconds_bounded(value, expected):
    assert parse_retry_after(value) == (pytest.approx(expected) if expected is not None else None)
