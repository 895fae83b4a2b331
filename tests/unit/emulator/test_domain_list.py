# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""QueryDomainList and QueryDomainByDomainName as the SDK models describe them: order, filters, field types."""

import json
import urllib.request

import pytest

from emulator.store import REGISTERED_BASE

DAY_MS = 86400 * 1000
PAGE = {'PageNum': 1, 'PageSize': 100}


def names(client, **params):
    answer = client.call('QueryDomainList', dict(PAGE, **params))
    assert answer.status == 200, answer
    return [item['DomainName'] for item in answer.body['Data']['Domain']]


def test_default_order_is_newest_registration_first(emulator):
    client = emulator.client()
    expected = ['example-%05d.com' % index for index in range(10, 0, -1)]
    assert names(client) == expected
    assert names(client, OrderByType='ASC') == expected[::-1]
    assert names(client, OrderKeyType='RegistrationDate') == expected
    assert names(client, OrderKeyType='ExpirationDate', OrderByType='asc') == expected[::-1]


def test_pages_follow_the_same_order(emulator):
    client = emulator.client()
    pages = [names(client, PageNum=page, PageSize=3) for page in (1, 2, 3, 4)]
    assert sum(pages, []) == names(client)
    assert [len(page) for page in pages] == [3, 3, 3, 1]


def test_name_and_nameserver_filters(emulator):
    client = emulator.client()
    assert names(client, DomainName='00003') == ['example-00003.com']
    assert names(client, DomainName='EXAMPLE-0000%') == []  # a literal percent sign, not a wildcard
    assert len(names(client, Dns='dns1.hichina.com')) == 10
    assert names(client, Dns='dns1.hichina') == []  # a whole nameserver name, not a part of one


def test_date_ranges_in_milliseconds(emulator):
    client = emulator.client()
    base_ms = int(REGISTERED_BASE * 1000)
    assert names(client, StartRegistrationDate=base_ms + 2 * DAY_MS, EndRegistrationDate=base_ms + 4 * DAY_MS) == [
        'example-00005.com', 'example-00004.com', 'example-00003.com']
    ten_years_ms = 365 * DAY_MS * 10
    assert names(client, StartExpirationDate=base_ms + ten_years_ms + 8 * DAY_MS) == ['example-00010.com', 'example-00009.com']
    answer = client.call('QueryDomainList', dict(PAGE, StartRegistrationDate=base_ms, EndRegistrationDate=base_ms - 1))
    assert answer.code == 'InvalidParameter' and 'EndRegistrationDate' in answer.body['Message']


@pytest.mark.parametrize('params, expected', [
    ({'Registrar': 'HiChina'}, 10),
    ({'Registrar': 'Other'}, 0),
    ({'ProductDomainType': 'gTLD'}, 10),
    ({'ProductDomainType': 'ccTLD'}, 0),
    ({'ResourceGroupId': 'rg-emulator'}, 10),
    ({'QueryType': '1'}, 0),
    ({'AutoRenewEnabled': 'false'}, 10),
    ({'AutoRenewEnabled': 'true'}, 0),
    ({'Tag.1.Key': 'team'}, 0),
])
def test_filters_on_item_fields_count_and_page(emulator, params, expected):
    client = emulator.client()
    answer = client.call('QueryDomainList', dict(PAGE, PageSize=4, **params)).body
    assert answer['TotalItemNum'] == expected
    assert len(answer['Data']['Domain']) == min(4, expected)


@pytest.mark.parametrize('params, name', [
    ({'ProductDomainType': 'gtld'}, 'ProductDomainType'),
    ({'QueryType': '3'}, 'QueryType'),
    ({'OrderByType': 'UP'}, 'OrderByType'),
    ({'AutoRenewEnabled': 'yes'}, 'AutoRenewEnabled'),
    ({'StartExpirationDate': 'soon'}, 'StartExpirationDate'),
])
def test_bad_filter_values_name_the_parameter(emulator, params, name):
    answer = emulator.client().call('QueryDomainList', dict(PAGE, **params))
    assert answer.status == 400 and answer.code == 'InvalidParameter'
    assert name in answer.body['Message']


def test_field_types_of_both_models(emulator):
    client = emulator.client()
    item = client.call('QueryDomainList', dict(PAGE, PageSize=1)).body['Data']['Domain'][0]
    assert item['DnsList'] == {'DnsList': ['dns1.hichina.com', 'dns2.hichina.com']}
    assert item['Registrar'] == 'HiChina' and item['DomainGroupId'] == ''
    detail = client.call('QueryDomainByDomainName', {'DomainName': item['DomainName']}).body
    assert isinstance(detail['DomainGroupId'], int) and not isinstance(detail['DomainGroupId'], bool)
    assert detail['Registrar'] == 'HiChina'
    for field in ('PrivacyServiceStatus', 'CnnicPrivacyServiceStatus', 'DomainNameProxyService'):
        assert field in detail


def test_list_without_dns_switch(start_emulator):
    emulator = start_emulator('--list-without-dns')
    client = emulator.client()
    items = client.call('QueryDomainList', PAGE).body['Data']['Domain']
    assert len(items) == 10 and not any('DnsList' in item for item in items)
    filtered = client.call('QueryDomainList', dict(PAGE, Registrar='HiChina')).body['Data']['Domain']
    assert len(filtered) == 10 and not any('DnsList' in item for item in filtered)
    # the by-name answer still carries the nameservers
    assert client.call('QueryDomainByDomainName', {'DomainName': items[0]['DomainName']}).body['DnsList']['Dns']
    request = urllib.request.Request(emulator.url + '/_emulator/config', data=json.dumps({'list_dns': True}).encode(),
                                     method='POST')
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read())['list_dns'] is True
    assert all('DnsList' in item for item in client.call('QueryDomainList', PAGE).body['Data']['Domain'])
