# -*- coding: utf-8 -*-
"""The signature vectors of the API reference (domain-api.md section 3.4), byte for byte."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import parse_qsl

from ansible_collections.aliyun.domain.plugins.module_utils import _signing as signing

V1_A = {
    'AccessKeyId': 'testid', 'Action': 'DescribeRegions', 'Format': 'XML', 'SignatureMethod': 'HMAC-SHA1',
    'SignatureNonce': '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf', 'SignatureVersion': '1.0',
    'Timestamp': '2016-02-23T12:46:24Z', 'Version': '2014-05-26',
}
V1_B = {
    'Action': 'SaveBatchTaskForModifyingDomainDns', 'Format': 'JSON', 'Version': '2018-01-29',
    'AccessKeyId': 'LTAI5tExampleKeyId', 'SignatureMethod': 'HMAC-SHA1', 'SignatureVersion': '1.0',
    'SignatureNonce': 'c0ffee00-0000-4000-8000-000000000001', 'Timestamp': '2024-01-02T03:04:05Z',
    'AliyunDns': 'false', 'DomainName.1': 'example.com', 'DomainName.2': 'example.net',
    'DomainNameServer.1': 'ns1.example.org', 'DomainNameServer.2': 'ns2.example.org', 'Lang': 'en',
    'UserClientIp': '127.0.0.1',
}
V3_HEADERS = {
    'host': 'domain.aliyuncs.com', 'x-acs-action': 'PollTaskResult', 'x-acs-version': '2018-01-29',
    'x-acs-date': '2024-01-02T03:04:05Z', 'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
    'x-acs-content-sha256': signing.EMPTY_BODY_SHA256,
}
V3_QUERY = {'PageNum': '1', 'PageSize': '10', 'TaskResultStatus': '2', 'Lang': 'en'}


def test_v1_a_string_to_sign_and_signature():
    assert signing.v1_string_to_sign('GET', V1_A) == (
        'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1'
        '%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0'
        '%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26'
    )
    assert signing.v1_signature('GET', V1_A, 'testsecret') == 'OLeaidS1JvxuMvnyHOwuJ+uX5qY='


def test_v1_b_domain_post_with_repeat_lists_and_special_secret():
    assert signing.v1_string_to_sign('POST', V1_B) == (
        'POST&%2F&AccessKeyId%3DLTAI5tExampleKeyId%26Action%3DSaveBatchTaskForModifyingDomainDns%26AliyunDns%3Dfalse'
        '%26DomainName.1%3Dexample.com%26DomainName.2%3Dexample.net%26DomainNameServer.1%3Dns1.example.org'
        '%26DomainNameServer.2%3Dns2.example.org%26Format%3DJSON%26Lang%3Den%26SignatureMethod%3DHMAC-SHA1'
        '%26SignatureNonce%3Dc0ffee00-0000-4000-8000-000000000001%26SignatureVersion%3D1.0'
        '%26Timestamp%3D2024-01-02T03%253A04%253A05Z%26UserClientIp%3D127.0.0.1%26Version%3D2018-01-29'
    )
    assert signing.v1_signature('POST', V1_B, 'ExampleSecret/With+Special=Chars') == 'yHjHFRgtNNKuUZwfKyHg+l9smHA='


def test_v1_signature_ignores_an_existing_signature_parameter():
    params = dict(V1_A, Signature='whatever')
    assert signing.v1_signature('GET', params, 'testsecret') == 'OLeaidS1JvxuMvnyHOwuJ+uX5qY='


def test_v3_a_canonical_request_string_to_sign_and_authorization():
    names = signing.v3_signed_header_names(V3_HEADERS)
    canonical = signing.v3_canonical_request('POST', '/', V3_QUERY, V3_HEADERS, names, signing.EMPTY_BODY_SHA256)
    assert canonical == '\n'.join([
        'POST', '/', 'Lang=en&PageNum=1&PageSize=10&TaskResultStatus=2',
        'host:domain.aliyuncs.com',
        'x-acs-action:PollTaskResult',
        'x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-acs-date:2024-01-02T03:04:05Z',
        'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d',
        'x-acs-version:2018-01-29',
        '',
        'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ])
    assert signing.v3_string_to_sign(canonical) == (
        'ACS3-HMAC-SHA256\nea45c202ca145848fbd8c9cfb9f438867d0bba161df8bc5d69617e38e40e225d'
    )
    assert signing.v3_authorization('POST', '/', V3_QUERY, V3_HEADERS, 'YourAccessKeyId', 'YourAccessKeySecret') == (
        'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,'
        'SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,'
        'Signature=4f656babadbc0822f0c1c7707023f8a986a5f5e89dd67295bd91b3c464d914b2'
    )


def test_parse_v3_authorization_round_trip():
    value = signing.v3_authorization('POST', '/', V3_QUERY, V3_HEADERS, 'YourAccessKeyId', 'YourAccessKeySecret')
    credential, names, signature = signing.parse_v3_authorization(value)
    assert credential == 'YourAccessKeyId'
    assert names == signing.v3_signed_header_names(V3_HEADERS)
    assert signature == '4f656babadbc0822f0c1c7707023f8a986a5f5e89dd67295bd91b3c464d914b2'
    assert signing.parse_v3_authorization('Bearer abc') is None
    assert signing.parse_v3_authorization('ACS3-HMAC-SHA256 Credential=x') is None


def test_percent_encode_reserved_characters():
    assert signing.percent_encode('a b*c~d/e+f=g') == 'a%20b%2Ac~d%2Fe%2Bf%3Dg'
    assert signing.percent_encode(u'\u4fee\u6539') == '%E4%BF%AE%E6%94%B9'
    assert signing.percent_encode(True) == 'true'


def test_v1_signed_query_adds_the_common_parameters_and_a_signature_that_verifies():
    query = signing.v1_signed_query('AssumeRole', '2015-04-01', {'RoleArn': 'acs:ram::1:role/r', 'Policy': None},
                                    'id', 'secret', security_token='tok', timestamp='2026-01-02T03:04:05Z', nonce='n1')
    params = dict(parse_qsl(query, keep_blank_values=True))
    assert params['Action'] == 'AssumeRole' and params['Version'] == '2015-04-01' and params['AccessKeyId'] == 'id'
    assert params['SecurityToken'] == 'tok' and params['SignatureNonce'] == 'n1' and params['Timestamp'] == '2026-01-02T03:04:05Z'
    assert 'Policy' not in params
    assert params['Signature'] == signing.v1_signature('POST', params, 'secret')
    assert 'SecurityToken' not in dict(parse_qsl(signing.v1_signed_query('A', 'v', {}, 'id', 'secret')))
