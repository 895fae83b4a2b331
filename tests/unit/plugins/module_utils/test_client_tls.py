# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS verification: validate_certs and ca_path against an HTTPS server on 127.0.0.1 with a throw-away CA
(the ``tls_files`` fixture of tests/conftest.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ssl

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils._client import DomainClient
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainTransportError
from ansible_collections.aliyun.domain.plugins.module_utils._options import OptionAdapter
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.local_http import LocalHttpServer


@pytest.fixture
def tls_server(tls_files):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files[1], tls_files[2])
    instance = LocalHttpServer(ssl_context=context)
    yield instance
    instance.close()


def client(url, **options):
    settings = dict(access_key_id='id', access_key_secret='secret', endpoint=url)
    settings.update(options)
    return DomainClient(OptionAdapter.from_dict(settings), sleep=lambda seconds: None, environ={})


def test_unknown_ca_fails_at_once_with_a_tls_message(tls_server):
    domain = client(tls_server.url)
    with pytest.raises(DomainTransportError) as caught:
        domain.call('PollTaskResult')
    assert 'TLS error' in str(caught.value) and 'certificate verify failed' in str(caught.value)
    # a certificate that does not verify will not verify on the next attempt either
    assert caught.value.permanent is True and domain.api_calls == 1


def test_ca_path_verifies_the_server(tls_server, tls_files):
    assert client(tls_server.url, ca_path=tls_files[0]).call('PollTaskResult') == {'RequestId': 'req-1'}


@pytest.mark.filterwarnings('ignore::urllib3.exceptions.InsecureRequestWarning')
def test_validate_certs_false_skips_verification(tls_server):
    assert client(tls_server.url, validate_certs=False).call('PollTaskResult') == {'RequestId': 'req-1'}


def test_ca_bundle_from_environment(tls_server, tls_files):
    domain = DomainClient(OptionAdapter.from_dict(dict(access_key_id='id', access_key_secret='s', endpoint=tls_server.url)),
                          environ={'REQUESTS_CA_BUNDLE': tls_files[0]})
    assert domain.call('PollTaskResult') == {'RequestId': 'req-1'}
