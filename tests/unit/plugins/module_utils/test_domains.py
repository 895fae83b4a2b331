# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the account's domains (_domains.py) against a fake registrar behind a real HTTP server."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils._client import DomainClient
from ansible_collections.aliyun.domain.plugins.module_utils._domains import (
    domain_facts,
    nameserver_provider,
    read_account_domains,
    read_domains,
)
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainApiError
from ansible_collections.aliyun.domain.plugins.module_utils._options import OptionAdapter
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.local_http import LocalHttpServer, json_response


class FakeAccount(object):
    """QueryDomainList pages and QueryDomainByDomainName answers, shaped as the SDK models say."""

    def __init__(self, count=250, with_dns_list=True):
        self.domains = ['d%03d.com' % number for number in range(count)]
        self.with_dns_list = with_dns_list
        self.denied = set()
        self.read_error = None
        self.calls = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()

    def nameservers(self, name):
        return ['ns1.alidns.com', 'ns2.alidns.com'] if name.endswith('0.com') else ['dns1.hichina.com', 'dns2.hichina.com']

    def list_item(self, name):
        item = {'DomainName': name, 'InstanceId': 'S' + name, 'DomainStatus': '3', 'DomainGroupId': '7',
                'RegistrationDate': '2020-01-01 08:00:00', 'ExpirationDate': '2030-01-01 08:00:00',
                'ExpirationDateStatus': '1', 'Registrar': 'HiChina'}
        if self.with_dns_list:
            item['DnsList'] = {'DnsList': self.nameservers(name)}
        return item

    def handle(self, request):
        with self.lock:
            self.calls.append((request.action, dict(request.query)))
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if request.action == 'QueryDomainList':
                page_num, size = int(request.query['PageNum']), int(request.query['PageSize'])
                chunk = self.domains[(page_num - 1) * size:page_num * size]
                return json_response({'RequestId': 'r', 'TotalItemNum': len(self.domains), 'CurrentPageNum': page_num,
                                      'TotalPageNum': -(-len(self.domains) // size), 'PageSize': size,
                                      'Data': {'Domain': [self.list_item(name) for name in chunk]}})
            # slow enough that the reads overlap when they are sent concurrently
            time.sleep(0.02)
            if self.read_error:
                return json_response({'RequestId': 'r', 'Code': self.read_error, 'Message': 'refused'}, status=404)
            name = request.query['DomainName']
            if name in self.denied:
                return json_response({'RequestId': 'r', 'Code': 'Forbidden.RAM', 'Message': 'not allowed'}, status=403)
            if name not in self.domains:
                return json_response({'RequestId': 'r', 'Code': 'DomainNotExist', 'Message': 'no such domain'}, status=400)
            return json_response({'RequestId': 'r', 'DomainName': name, 'InstanceId': 'S' + name, 'DomainStatus': '3',
                                  'DomainGroupId': 7, 'UpdateProhibitionLock': 'OPEN', 'TransferOutStatus': 'NORMAL',
                                  'DnsList': {'Dns': self.nameservers(name)}})
        finally:
            with self.lock:
                self.in_flight -= 1

    def count(self, action):
        return sum(1 for called, _query in self.calls if called == action)


@pytest.fixture
def account(clean_connection_environment):
    fake = FakeAccount()
    http = LocalHttpServer(fake.handle)
    client = DomainClient(OptionAdapter.from_dict({'endpoint': http.url, 'access_key_id': 'id', 'access_key_secret': 'secret'}))
    fake.client = client
    yield fake
    client.close()
    http.close()


def test_every_page_is_read_and_nameservers_come_from_the_list(account):
    domains = read_account_domains(account.client)
    assert [facts['DomainName'] for facts in domains] == account.domains
    assert account.count('QueryDomainList') == 3
    assert account.count('QueryDomainByDomainName') == 0
    assert domains[0]['DnsList'] == ['ns1.alidns.com', 'ns2.alidns.com']
    assert domains[1]['DnsList'] == ['dns1.hichina.com', 'dns2.hichina.com']
    assert domains[1]['DomainGroupId'] == 7 and domains[1]['Registrar'] == 'HiChina'
    # a list item does not carry the lock: unknown, not "off"
    assert domains[1]['UpdateProhibitionLock'] is None


def test_a_list_without_dns_list_means_unknown_and_is_read_one_by_one(account):
    account.with_dns_list = False
    domains = read_account_domains(account.client, concurrency=4)
    assert account.count('QueryDomainByDomainName') == len(account.domains)
    assert all(facts['DnsList'] for facts in domains)
    assert domains[10]['DnsList'] == ['ns1.alidns.com', 'ns2.alidns.com']
    # the by-name answer completes the list's facts
    assert domains[10]['UpdateProhibitionLock'] == 'OPEN' and domains[10]['Registrar'] == 'HiChina'
    assert 1 < account.most_in_flight <= 4


def test_a_filter_spares_the_one_by_one_reads_of_the_domains_it_drops(account):
    account.with_dns_list = False
    domains = read_account_domains(account.client, keep=lambda facts: facts['DomainName'].startswith('d00'))
    assert [facts['DomainName'] for facts in domains] == ['d%03d.com' % number for number in range(10)]
    assert account.count('QueryDomainByDomainName') == 10


def test_a_named_set_reports_missing_and_denied_domains(account):
    account.denied.add('d002.com')
    result = read_domains(account.client, ['D001.com.', 'd002.com', 'elsewhere.net', 'd001.com'])
    assert list(result.found) == ['d001.com']
    assert result.found['d001.com']['UpdateProhibitionLock'] == 'OPEN'
    assert result.missing == ['elsewhere.net']
    assert list(result.denied) == ['d002.com'] and result.denied['d002.com'].api_code == 'Forbidden.RAM'
    assert result.nameservers() == {'d001.com': ['dns1.hichina.com', 'dns2.hichina.com']}
    # each name read once, even when asked twice
    assert account.count('QueryDomainByDomainName') == 3


def test_other_errors_are_raised(account):
    account.read_error = 'InvalidAccessKeyId.NotFound'
    with pytest.raises(DomainApiError) as caught:
        read_domains(account.client, ['d001.com'])
    assert caught.value.api_code == 'InvalidAccessKeyId.NotFound'


@pytest.mark.parametrize('record, expected', [
    ({'DnsList': {'DnsList': ['a.example.net']}}, ['a.example.net']),
    ({'DnsList': {'Dns': ['a.example.net', 'b.example.net']}}, ['a.example.net', 'b.example.net']),
    ({'DnsList': {'Dns': 'a.example.net'}}, ['a.example.net']),
    ({'DnsList': {}}, []),
    ({'DnsList': ['x.example.net']}, ['x.example.net']),
    ({}, None),
    ({'DnsList': None}, None),
])
def test_dns_list_shapes(record, expected):
    record['DomainName'] = 'Example.COM.'
    facts = domain_facts(record)
    assert facts['DnsList'] == expected
    assert facts['DomainName'] == 'example.com'


@pytest.mark.parametrize('value, expected', [('12', 12), (12, 12), ('', None), (None, None), ('x', None)])
def test_domain_group_id_is_an_int(value, expected):
    assert domain_facts({'DomainName': 'a.com', 'DomainGroupId': value})['DomainGroupId'] == expected


@pytest.mark.parametrize('nameservers, provider', [
    (['dns1.hichina.com', 'dns2.hichina.com'], 'hichina.com'),
    (['ns1.alidns.com.', 'NS2.alidns.com'], 'alidns.com'),
    (['a.ns.example.org', 'b.ns.example.org'], 'ns.example.org'),
    (['ns1.example.org', 'ns1.example.net'], None),
    (['ns1.one.com', 'ns1.two.com'], None),
    ([], None),
    (None, None),
])
def test_nameserver_provider(nameservers, provider):
    assert nameserver_provider(nameservers) == provider
