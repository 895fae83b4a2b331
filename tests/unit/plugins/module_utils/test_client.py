# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DomainClient against a real HTTP server on 127.0.0.1: signing on the wire, retries, errors, paging."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils import _signing as signing
from ansible_collections.aliyun.domain.plugins.module_utils._client import DomainClient, flatten_params
from ansible_collections.aliyun.domain.plugins.module_utils._errors import (
    DomainApiError,
    DomainConfigError,
    DomainResponseError,
    DomainTransportError,
)
from ansible_collections.aliyun.domain.plugins.module_utils._options import OptionAdapter
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.local_http import (
    KEY_ID,
    SECRET,
    Recorder,
    dead_url,
    json_response,
    make_client,
)

TOKEN = 'sts-token-value-that-must-stay-secret'


def error_body(code, message='msg', request_id='req-err'):
    return {'RequestId': request_id, 'HostId': 'domain.aliyuncs.com', 'Code': code, 'Message': message}


@pytest.mark.parametrize('version', ['v3', 'v1'])
def test_signed_request_on_the_wire_verifies_with_either_scheme(server, version):
    client = make_client(server.url, signature_version=version, user_client_ip='127.0.0.1')
    body = client.call('SaveBatchTaskForModifyingDomainDns', {
        'DomainName': ['a b.com', 'x*~.net'], 'AliyunDns': False, 'DomainNameServer': ['ns1.example.org'], 'Skip': None})
    request = server.requests[0]
    assert body == {'RequestId': 'req-1'}
    assert request.method == 'POST' and request.body == b''
    assert request.headers['accept'] == 'application/json'
    assert request.signature_is_valid(KEY_ID, SECRET)
    assert request.query['DomainName.1'] == 'a b.com' and request.query['DomainName.2'] == 'x*~.net'
    assert request.query['AliyunDns'] == 'false' and request.query['Lang'] == 'en'
    assert request.query['UserClientIp'] == '127.0.0.1' and 'Skip' not in request.query
    assert '%20' in request.raw_query and '%2A' in request.raw_query and '~' in request.raw_query
    assert '+' not in request.raw_query.split('&Signature=')[0]
    assert request.action == 'SaveBatchTaskForModifyingDomainDns'
    assert client.api_calls == 1 and client.request_ids == ['req-1']


@pytest.mark.parametrize('version', ['v3', 'v1'])
def test_security_token_is_sent_signed_but_never_logged(server, version):
    recorder = Recorder()
    client = make_client(server.url, recorder, signature_version=version, security_token=TOKEN)
    client.call('PollTaskResult', {'PageNum': 1})
    request = server.requests[0]
    assert request.signature_is_valid(KEY_ID, SECRET)
    sent = request.headers.get('x-acs-security-token') or request.query.get('SecurityToken')
    assert sent == TOKEN
    assert not any(TOKEN in line or SECRET in line for line in recorder.lines)


def test_every_attempt_is_signed_afresh(server):
    answers = [json_response(error_body('Throttling.User'), status=400), json_response({'RequestId': 'ok'})]
    server.handler = lambda request: answers.pop(0)
    client = make_client(server.url)
    client.call('PollTaskResult')
    first, second = server.requests
    assert first.headers['x-acs-signature-nonce'] != second.headers['x-acs-signature-nonce']
    assert first.headers['authorization'] != second.headers['authorization']
    assert second.signature_is_valid(KEY_ID, SECRET)
    assert client.api_calls == 2 and client.request_ids == ['req-err', 'ok']


def test_throttling_is_retried_with_full_jitter_backoff_and_logged(server):
    answers = [json_response(error_body('Throttling'), status=400)] * 3 + [json_response({'RequestId': 'ok'})]
    server.handler = lambda request: answers.pop(0)
    recorder = Recorder()
    client = make_client(server.url, recorder)
    paced = []
    # the pacing that follows throttling is tested in test_rate_limiter.py; here only the backoff
    client.rate_limiter.sleep = paced.append
    assert client.call('PollTaskResult') == {'RequestId': 'ok'}
    # rand() is 0.5: half of 0.2, 0.4, 0.8 seconds
    assert recorder.sleeps == pytest.approx([0.1, 0.2, 0.4])
    assert len(paced) == 3
    assert len(recorder.lines) >= 3 and 'Throttling' in recorder.lines[-1] and 'retry 3 of 5' in recorder.lines[-1]


def test_retry_after_header_is_honoured(server):
    answers = [json_response(error_body('Throttling.Api'), status=400, headers={'x-acs-retry-after': '2500'}),
               json_response({'RequestId': 'ok'})]
    server.handler = lambda request: answers.pop(0)
    recorder = Recorder()
    make_client(server.url, recorder).call('PollTaskResult')
    assert recorder.sleeps == [2.5]


def test_retries_stop_at_max_retries_with_the_last_error(server):
    server.handler = lambda request: json_response(error_body('ServiceUnavailable', 'busy'), status=503)
    recorder = Recorder()
    client = make_client(server.url, recorder, max_retries=2)
    with pytest.raises(DomainApiError) as caught:
        client.call('QueryTaskDetailList')
    assert client.api_calls == 3 and len(recorder.sleeps) == 2
    assert caught.value.api_code == 'ServiceUnavailable' and caught.value.http_status == 503
    assert str(caught.value) == 'QueryTaskDetailList failed: ServiceUnavailable: busy (RequestId: req-err)'


def test_no_retry_sleep_starts_past_the_deadline(server):
    server.handler = lambda request: json_response(error_body('InternalError'), status=500)
    recorder = Recorder()
    client = make_client(server.url, recorder)
    with pytest.raises(DomainApiError):
        client.call('PollTaskResult', deadline=recorder.now + 0.25)
    # 0.1 fits before the deadline, the next 0.2 would not
    assert recorder.sleeps == pytest.approx([0.1])
    assert client.api_calls == 2


@pytest.mark.parametrize('code', ['InvalidAccessKeyId.NotFound', 'SignatureDoesNotMatch', 'InvalidParameter',
                                  'MissingSecurityToken', 'Forbidden.RAM'])
def test_authentication_and_parameter_errors_are_never_retried(server, code):
    server.handler = lambda request: json_response(error_body(code), status=400)
    client = make_client(server.url)
    with pytest.raises(DomainApiError) as caught:
        client.call('PollTaskResult')
    assert client.api_calls == 1 and caught.value.api_code == code
    assert caught.value.to_result() == {'code': code, 'message': 'msg', 'request_id': 'req-err'}


def test_mutating_call_is_not_resent_after_an_internal_error(server):
    server.handler = lambda request: json_response(error_body('InternalError'), status=500)
    client = make_client(server.url)
    with pytest.raises(DomainApiError) as caught:
        client.call('SaveBatchTaskForModifyingDomainDns', {'DomainName': ['a.com']}, mutating=True)
    assert client.api_calls == 1 and caught.value.ambiguous is True


def test_mutating_call_is_resent_after_throttling(server):
    answers = [json_response(error_body('Throttling.User'), status=400), json_response({'RequestId': 'r', 'TaskNo': 'T1'})]
    server.handler = lambda request: answers.pop(0)
    client = make_client(server.url)
    assert client.call('SaveBatchTaskForModifyingDomainDns', {'DomainName': ['a.com']}, mutating=True)['TaskNo'] == 'T1'
    assert client.api_calls == 2


def test_mutating_call_after_read_timeout_raises_sent_transport_error(server):
    def slow(request):
        time.sleep(0.5)
        return json_response({'RequestId': 'late'})
    server.handler = slow
    client = make_client(server.url, timeout=0.1)
    with pytest.raises(DomainTransportError) as caught:
        client.call('SaveBatchTaskForModifyingDomainDns', {'DomainName': ['a.com']}, mutating=True)
    assert caught.value.sent is True and caught.value.ambiguous is True
    assert client.api_calls == 1
    assert 'no response within 0.1s' in str(caught.value)


def test_connection_dropped_without_an_answer(server):
    server.handler = lambda request: (None, None, None)
    client = make_client(server.url, max_retries=1)
    with pytest.raises(DomainTransportError) as caught:
        client.call('SaveBatchTaskForModifyingDomainDns', {'DomainName': ['a.com']}, mutating=True)
    assert str(caught.value) == ('SaveBatchTaskForModifyingDomainDns failed: cannot reach %s: Remote end closed connection '
                                 'without response (the request may have reached the server)' % server.url)
    assert caught.value.sent is True and client.api_calls == 1
    with pytest.raises(DomainTransportError):
        client.call('PollTaskResult')
    assert client.api_calls == 3  # a read is tried again


def test_read_call_after_read_timeout_is_retried(server):
    calls = []

    def slow_then_fast(request):
        calls.append(1)
        if len(calls) == 1:
            time.sleep(1.0)
        return json_response({'RequestId': 'r%d' % len(calls)})
    server.handler = slow_then_fast
    client = make_client(server.url, timeout=0.3)
    # the first answer came too late; a later attempt's answer is returned (a loaded machine may need more than one)
    assert client.call('PollTaskResult')['RequestId'] != 'r1'
    assert client.api_calls >= 2


def test_unreachable_endpoint_is_one_line_without_the_signed_url():
    url = dead_url()
    recorder = Recorder()
    client = make_client(url, recorder, max_retries=1, signature_version='v1', security_token=TOKEN)
    with pytest.raises(DomainTransportError) as caught:
        client.call('SaveBatchTaskForModifyingDomainDns', {'DomainName': ['a.com']}, mutating=True)
    message = str(caught.value)
    assert message.startswith('SaveBatchTaskForModifyingDomainDns failed: cannot reach %s: ' % url)
    assert 'refused' in message.lower()
    assert caught.value.sent is False
    # nothing reached a server, so even a mutating call may be tried again
    assert client.api_calls == 2
    for secret_part in ('Signature', 'AccessKeyId', KEY_ID, TOKEN, SECRET, '?'):
        assert secret_part not in message
    assert '\n' not in message


def test_html_page_from_a_proxy_is_a_clear_error(server):
    page = b'<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>'
    server.handler = lambda request: (502, {'Content-Type': 'text/html'}, page)
    client = make_client(server.url, max_retries=0)
    with pytest.raises(DomainResponseError) as caught:
        client.call('PollTaskResult')
    assert str(caught.value) == ('PollTaskResult failed: InvalidResponse: HTTP 502 with an HTML page ("502 Bad Gateway") '
                                 'instead of JSON; a proxy or gateway answered, not the Domain API (RequestId: none)')


def test_http_200_with_an_error_body_is_an_error_with_its_code(server):
    server.handler = lambda request: json_response(error_body('InternalError', 'oops', 'rid-200'), status=200)
    client = make_client(server.url, max_retries=0)
    with pytest.raises(DomainResponseError) as caught:
        client.call('PollTaskResult')
    assert caught.value.api_code == 'InternalError' and caught.value.request_id == 'rid-200'
    assert 'HTTP 200 with an error body' in str(caught.value)


def test_truncated_body_is_retried_for_reads(server):
    answers = [(200, {'Content-Type': 'application/json'}, b'{"RequestId": "x", "Data": {"TaskDe'),
               json_response({'RequestId': 'ok'})]
    server.handler = lambda request: answers.pop(0)
    client = make_client(server.url)
    assert client.call('PollTaskResult') == {'RequestId': 'ok'}


def test_invalid_option_values_name_the_option():
    with pytest.raises(DomainConfigError) as caught:
        make_client('ftp://example.com')
    assert "Invalid value 'ftp://example.com' for option endpoint" in str(caught.value)
    with pytest.raises(DomainConfigError) as caught:
        make_client('http://127.0.0.1:1', timeout=-1)
    assert 'option timeout' in str(caught.value) and '-1' in str(caught.value)


def test_endpoint_from_environment_and_region():
    assert make_client(None, environ={'ALIBABA_CLOUD_DOMAIN_ENDPOINT': 'http://127.0.0.1:9/'}).settings.base_url == (
        'http://127.0.0.1:9/')
    assert make_client(None).settings.base_url == 'https://domain.aliyuncs.com/'
    assert make_client(None, region='ap-southeast-1').settings.base_url == 'https://domain-intl.aliyuncs.com/'
    assert make_client(None, region='cn-hangzhou').settings.host == 'domain.aliyuncs.com'


def test_missing_ca_path_is_reported_before_any_request(server):
    with pytest.raises(DomainConfigError) as caught:
        make_client(server.url, ca_path='/nonexistent/ca.pem')
    assert str(caught.value) == ("Invalid value '/nonexistent/ca.pem' for option ca_path: expected the path of an existing "
                                 "CA bundle (PEM file or directory).")
    assert server.requests == []


def page_server(total, insert_after_first_page=False):
    details = [{'TaskDetailNo': 'D%03d' % i, 'DomainName': 'd%d.com' % i} for i in range(total)]

    def handler(request):
        page, size = int(request.query['PageNum']), int(request.query['PageSize'])
        current = details
        if insert_after_first_page and page > 1:
            # a new result arrived at the front while we paged: everything moved back by one
            current = [{'TaskDetailNo': 'NEW', 'DomainName': 'new.com'}] + details
        items = current[(page - 1) * size:page * size]
        total_pages = (len(current) + size - 1) // size
        return json_response({'RequestId': 'p%d' % page, 'TotalItemNum': len(current), 'CurrentPageNum': page,
                              'TotalPageNum': total_pages, 'PageSize': size, 'NextPage': page < total_pages,
                              'Data': {'TaskDetail': items}})
    return handler


def test_paginate_walks_every_page_and_deduplicates(server):
    server.handler = page_server(25, insert_after_first_page=True)
    client = make_client(server.url)
    items = list(client.paginate('PollTaskResult', {'TaskResultStatus': 2}, page_size=10))
    assert [i['TaskDetailNo'] for i in items] == ['D%03d' % i for i in range(25)]
    assert client.api_calls == 3
    # pages 2 and 3 are fetched at the same time, so they may reach the server in either order
    assert sorted(r.query['PageNum'] for r in server.requests) == ['1', '2', '3']
    assert all(r.query['TaskResultStatus'] == '2' for r in server.requests)


def test_paginate_one_at_a_time_asks_pages_in_order(server):
    server.handler = page_server(25)
    client = make_client(server.url)
    items = list(client.paginate('PollTaskResult', {}, page_size=10, concurrency=1))
    assert [i['TaskDetailNo'] for i in items] == ['D%03d' % i for i in range(25)]
    assert [r.query['PageNum'] for r in server.requests] == ['1', '2', '3']


def test_paginate_stops_when_a_server_ignores_page_num(server):
    server.handler = lambda request: json_response({'RequestId': 'r', 'NextPage': True, 'Data': {'TaskDetail': [
        {'TaskDetailNo': 'A'}, {'TaskDetailNo': 'B'}]}})
    client = make_client(server.url)
    assert [i['TaskDetailNo'] for i in client.paginate('PollTaskResult', {}, page_size=2)] == ['A', 'B']
    assert client.api_calls == 2


def test_paginate_without_total_pages_stops_on_a_short_page(server):
    pages = {1: [{'TaskNo': 'T1'}, {'TaskNo': 'T2'}], 2: [{'TaskNo': 'T3'}]}
    server.handler = lambda request: json_response({'RequestId': 'r', 'Data': {'TaskInfo': pages[int(request.query['PageNum'])]}})
    client = make_client(server.url)
    items = list(client.paginate('QueryTaskList', {}, items_path=('Data', 'TaskInfo'), dedupe_key='TaskNo', page_size=2))
    assert [i['TaskNo'] for i in items] == ['T1', 'T2', 'T3'] and client.api_calls == 2


def test_fetch_page_returns_items_and_envelope(server):
    server.handler = page_server(3)
    items, envelope = make_client(server.url).fetch_page('PollTaskResult', {}, 1, 1000, ('Data', 'TaskDetail'))
    assert len(items) == 3 and envelope['TotalItemNum'] == 3


def test_flatten_params_encodes_lists_objects_and_booleans():
    assert flatten_params({'A': [1, 2], 'B': True, 'C': None, 'Tag': [{'Key': 'k', 'Value': 'v'}]}) == {
        'A.1': 1, 'A.2': 2, 'B': 'true', 'Tag.1.Key': 'k', 'Tag.1.Value': 'v'}


def test_no_credentials_anywhere_names_every_source(server, tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    client = DomainClient(OptionAdapter.from_dict({'endpoint': server.url}), environ={})
    with pytest.raises(DomainConfigError) as caught:
        client.call('PollTaskResult')
    message = str(caught.value)
    assert message.startswith('No Alibaba Cloud credentials found. Tried: options access_key_id/access_key_secret; ')
    for source in ('ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALICLOUD_ACCESS_KEY', 'config.json', 'credentials.ini',
                   'ALIBABA_CLOUD_ECS_METADATA'):
        assert source in message
    assert server.requests == []


def test_a_server_echoing_the_signed_string_never_leaks_the_token(server):
    def echo(request):
        params = dict(request.query)
        params.pop('Signature')
        return json_response(error_body('SignatureDoesNotMatch', 'Specified signature is not matched with our calculation. '
                                        'server string to sign is:%s' % signing.v1_string_to_sign('POST', params)), status=400)
    server.handler = echo
    client = make_client(server.url, signature_version='v1', security_token='tok/en+with=chars')
    with pytest.raises(DomainApiError) as caught:
        client.call('PollTaskResult')
    text = str(caught.value) + repr(caught.value.to_result()) + repr(caught.value.args)
    assert 'SecurityToken%3D' in text and '<redacted>' in text
    for form in ('tok/en+with=chars', 'tok%2Fen%2Bwith%3Dchars', 'tok%252Fen%252Bwith%253Dchars'):
        assert form not in text


def test_proxies_come_from_the_environment(server, monkeypatch):
    monkeypatch.setenv('HTTP_PROXY', server.url)
    monkeypatch.delenv('NO_PROXY', raising=False)
    monkeypatch.delenv('no_proxy', raising=False)
    client = make_client('http://domain.example.test')
    client.call('PollTaskResult')
    request = server.requests[0]
    # a proxy receives the absolute URL; the signature is still over the real host
    assert request.path.startswith('http://domain.example.test/?')
    assert request.headers['host'] == 'domain.example.test'


def test_no_proxy_is_honoured(server, monkeypatch):
    monkeypatch.setenv('HTTP_PROXY', dead_url())
    monkeypatch.setenv('NO_PROXY', '127.0.0.1')
    assert make_client(server.url, max_retries=0).call('PollTaskResult') == {'RequestId': 'req-1'}
    assert server.requests[0].path.startswith('/?')
