# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory plugin aliyun.domain.domains in Ansible's real config manager, against a fake account over HTTP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest
import yaml

from ansible import constants as C
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.doc_fragments.constructed import ModuleDocFragment as ConstructedFragment
from ansible.plugins.doc_fragments.inventory_cache import ModuleDocFragment as CacheFragment

from ansible_collections.aliyun.domain.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.aliyun.domain.plugins.inventory import domains as plugin_module
from ansible_collections.aliyun.domain.plugins.plugin_utils._inventory import DomainFilter, default_groups, host_variables
from ansible_collections.aliyun.domain.plugins.module_utils._domains import domain_facts
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.local_http import LocalHttpServer, json_response

PLUGIN_NAME = 'aliyun.domain.domains'
SECRET = 'inventory-secret-value'
HICHINA = ['dns1.hichina.com', 'dns2.hichina.com']
OTHER = ['ns1.other-dns.net', 'ns2.other-dns.net']


class FakeAccount(object):
    """QueryDomainList pages (list model) and QueryDomainByDomainName answers (by-name model)."""

    def __init__(self):
        self.domains = {}
        self.with_dns_list = True
        self.error = None
        self.calls = []

    def add(self, name, nameservers, status='3', lock='CLOSE'):
        self.domains[name] = {'nameservers': nameservers, 'status': status, 'lock': lock}

    def list_item(self, name):
        domain = self.domains[name]
        item = {'DomainName': name, 'InstanceId': 'S-' + name, 'DomainStatus': domain['status'], 'DomainGroupId': '',
                'DomainGroupName': '', 'RegistrationDate': '2020-01-01 08:00:00', 'ExpirationDate': '2030-01-01 08:00:00',
                'ExpirationDateStatus': '1', 'ExpirationCurrDateDiff': 1000, 'Registrar': 'HiChina', 'DomainType': 'gTLD'}
        if self.with_dns_list:
            item['DnsList'] = {'DnsList': domain['nameservers']}
        return item

    def handle(self, request):
        self.calls.append(request.action)
        if self.error:
            return json_response({'RequestId': 'req-err', 'Code': self.error, 'Message': 'The AccessKey is invalid.'},
                                 status=404)
        if request.action == 'QueryDomainList':
            page_num, size = int(request.query['PageNum']), int(request.query['PageSize'])
            names = sorted(self.domains)
            chunk = names[(page_num - 1) * size:page_num * size]
            return json_response({'RequestId': 'r', 'TotalItemNum': len(names), 'CurrentPageNum': page_num,
                                  'TotalPageNum': -(-len(names) // size), 'PageSize': size,
                                  'Data': {'Domain': [self.list_item(name) for name in chunk]}})
        name = request.query['DomainName']
        domain = self.domains[name]
        return json_response({'RequestId': 'r', 'DomainName': name, 'InstanceId': 'S-' + name,
                              'DomainStatus': domain['status'], 'DomainGroupId': 0, 'UpdateProhibitionLock': domain['lock'],
                              'TransferProhibitionLock': 'CLOSE', 'DnsList': {'Dns': domain['nameservers']}})

    def count(self, action):
        return self.calls.count(action)


def inventory_definitions():
    """The plugin's options as ansible-doc merges them: fragments in order, each option's keys merged."""
    options = {}
    for fragment in (ModuleDocFragment.DOCUMENTATION, ModuleDocFragment.INVENTORY, ConstructedFragment.DOCUMENTATION,
                     CacheFragment.DOCUMENTATION, plugin_module.DOCUMENTATION):
        for name, definition in yaml.safe_load(fragment)['options'].items():
            options.setdefault(name, {}).update(definition)
    return options


@pytest.fixture
def account(clean_connection_environment, monkeypatch):
    C.config.initialize_plugin_configuration_definitions('inventory', PLUGIN_NAME, inventory_definitions())
    fake = FakeAccount()
    for index in range(1, 6):
        fake.add('a%d.com' % index, HICHINA)
    fake.add('b1.com', OTHER)
    fake.add('b2.com', OTHER, status='1')
    fake.add('mixed.com', [HICHINA[0], OTHER[0]])
    http = LocalHttpServer(fake.handle)
    monkeypatch.setenv('ALIBABA_CLOUD_ACCESS_KEY_ID', 'inventory-id')
    monkeypatch.setenv('ALIBABA_CLOUD_ACCESS_KEY_SECRET', SECRET)
    monkeypatch.setenv('ALIBABA_CLOUD_DOMAIN_ENDPOINT', http.url)
    fake.http = http
    yield fake
    http.close()


def load(tmp_path, config, name='test.aliyun_domain.yml', cache=True):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(dict({'plugin': PLUGIN_NAME}, **config)), encoding='utf-8')
    plugin = plugin_module.InventoryModule()
    plugin._load_name = PLUGIN_NAME
    inventory = InventoryData()
    plugin.parse(inventory, DataLoader(), str(path), cache=cache)
    return inventory


def hosts_of(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts()) if group in inventory.groups else []


def test_verify_file_accepts_only_the_documented_suffixes(tmp_path):
    plugin = plugin_module.InventoryModule()
    for name, accepted in (('a.aliyun_domain.yml', True), ('b.aliyun_domain.yaml', True), ('c.yml', False),
                           ('aliyun_domain.json', False)):
        path = tmp_path / name
        path.write_text('plugin: %s\n' % PLUGIN_NAME, encoding='utf-8')
        assert plugin.verify_file(str(path)) is accepted, name


def test_every_domain_becomes_a_host_with_default_groups(account, tmp_path):
    inventory = load(tmp_path, {})
    assert sorted(inventory.hosts) == sorted(account.domains)
    assert hosts_of(inventory, 'provider_hichina_com') == ['a1.com', 'a2.com', 'a3.com', 'a4.com', 'a5.com']
    assert hosts_of(inventory, 'provider_other_dns_net') == ['b1.com', 'b2.com']
    assert hosts_of(inventory, 'status_renewal_required') == ['b2.com']
    assert len(hosts_of(inventory, 'status_active')) == 7
    # mixed nameservers share no provider: the host is in no provider group
    assert not [group for group in inventory.hosts['mixed.com'].groups if group.name.startswith('provider_')]
    variables = inventory.hosts['a1.com'].vars
    assert variables['domain_nameservers'] == HICHINA and variables['domain_aliyun_dns'] is True
    assert variables['domain_nameserver_provider'] == 'hichina.com' and variables['domain_instance_id'] == 'S-a1.com'
    assert variables['domain_status'] == 'active' and variables['domain_expired'] is False
    assert variables['domain_update_lock'] is None and variables['domain_group_id'] is None
    assert inventory.hosts['b1.com'].vars['domain_aliyun_dns'] is False
    assert account.count('QueryDomainByDomainName') == 0


def test_filters_apply_before_hosts_are_added(account, tmp_path):
    inventory = load(tmp_path, {'domain_names': ['A*', 'mixed.*'], 'nameserver_suffixes': ['hichina.com']})
    assert sorted(inventory.hosts) == ['a1.com', 'a2.com', 'a3.com', 'a4.com', 'a5.com', 'mixed.com']
    inventory = load(tmp_path, {'statuses': ['renewal_required']})
    assert sorted(inventory.hosts) == ['b2.com']
    inventory = load(tmp_path, {'nameserver_suffixes': ['dns.net']})
    assert sorted(inventory.hosts) == []  # other-dns.net is not under dns.net


def test_listed_without_nameservers_only_the_selected_domains_are_read_by_name(account, tmp_path):
    account.with_dns_list = False
    inventory = load(tmp_path, {'domain_names': ['b*']})
    assert sorted(inventory.hosts) == ['b1.com', 'b2.com']
    assert account.count('QueryDomainByDomainName') == 2
    assert inventory.hosts['b1.com'].vars['domain_nameservers'] == OTHER


def test_read_details_adds_the_locks(account, tmp_path):
    account.domains['a1.com']['lock'] = 'OPEN'
    inventory = load(tmp_path, {'read_details': True, 'domain_names': ['a1.com', 'a2.com'],
                                'groups': {'locked': "domain_update_lock == 'OPEN'"}})
    assert inventory.hosts['a1.com'].vars['domain_update_lock'] == 'OPEN'
    assert inventory.hosts['a2.com'].vars['domain_update_lock'] == 'CLOSE'
    assert hosts_of(inventory, 'locked') == ['a1.com']
    assert account.count('QueryDomainByDomainName') == 2


def test_constructed_options(account, tmp_path):
    inventory = load(tmp_path, {
        'default_groups': False,
        'compose': {'provider': 'domain_nameserver_provider'},
        'keyed_groups': [{'key': 'domain_registrar', 'prefix': 'registrar'}],
        'groups': {'on_alibaba': 'domain_aliyun_dns'},
    })
    assert 'provider_hichina_com' not in inventory.groups
    assert inventory.hosts['b1.com'].vars['provider'] == 'other-dns.net'
    assert len(hosts_of(inventory, 'registrar_HiChina')) == 8
    assert hosts_of(inventory, 'on_alibaba') == ['a1.com', 'a2.com', 'a3.com', 'a4.com', 'a5.com']


def test_strict_fails_on_a_bad_expression(account, tmp_path):
    with pytest.raises(AnsibleError, match='no_such_variable'):
        load(tmp_path, {'strict': True, 'compose': {'broken': 'no_such_variable.attribute'}})
    inventory = load(tmp_path, {'strict': False, 'compose': {'broken': 'no_such_variable.attribute'}})
    assert 'broken' not in inventory.hosts['a1.com'].vars


def test_cache_is_used_and_holds_no_secret(account, tmp_path):
    cache_dir = tmp_path / 'cache'
    config = {'cache': True, 'cache_plugin': 'jsonfile', 'cache_connection': str(cache_dir)}
    first = load(tmp_path, config)
    assert account.count('QueryDomainList') == 1
    account.add('new.com', OTHER)
    second = load(tmp_path, config)
    assert account.count('QueryDomainList') == 1  # answered from the cache
    assert sorted(second.hosts) == sorted(first.hosts)
    third = load(tmp_path, config, cache=False)  # what --flush-cache / refresh_inventory do
    assert 'new.com' in third.hosts and account.count('QueryDomainList') == 2
    files = [os.path.join(root, name) for root, _dirs, names in os.walk(str(cache_dir)) for name in names]
    assert files
    for path in files:
        with open(path) as handle:
            text = handle.read()
        assert SECRET not in text
        json.loads(text)
    # another account (key id) is another cache entry
    os.environ['ALIBABA_CLOUD_ACCESS_KEY_ID'] = 'other-id'
    load(tmp_path, config)
    assert account.count('QueryDomainList') == 3


def test_host_variables_hold_no_secret(account, tmp_path):
    inventory = load(tmp_path, {'read_details': True})
    assert SECRET not in json.dumps(dict((name, host.vars) for name, host in inventory.hosts.items()), default=str)


def test_api_error_is_one_line_with_code_and_request_id(account, tmp_path):
    account.error = 'InvalidAccessKeyId.NotFound'
    with pytest.raises(AnsibleParserError) as caught:
        load(tmp_path, {})
    message = str(caught.value)
    assert 'QueryDomainList failed: InvalidAccessKeyId.NotFound' in message and 'req-err' in message
    assert '\n' not in message and SECRET not in message


def test_unreachable_endpoint_is_one_line(account, tmp_path, monkeypatch):
    account.http.close()
    monkeypatch.setenv('ALIBABA_CLOUD_DOMAIN_ENDPOINT', account.http.url)
    with pytest.raises(AnsibleParserError) as caught:
        load(tmp_path, {'max_retries': 0})
    message = str(caught.value)
    assert message.startswith('QueryDomainList failed: cannot reach %s' % account.http.url) and '\n' not in message


@pytest.mark.parametrize('config, option', [
    ({'statuses': ['expired']}, 'statuses'),
    ({'concurrency': 0}, 'concurrency'),
    ({'endpoint': 'ftp://example.com'}, 'endpoint'),
    ({'timeout': -1}, 'timeout'),
])
def test_bad_options_name_the_option(account, tmp_path, config, option):
    with pytest.raises(AnsibleError) as caught:
        load(tmp_path, config)
    assert option in str(caught.value)
    assert account.calls == []


def test_no_credentials_fails_naming_the_sources(account, tmp_path, monkeypatch):
    monkeypatch.delenv('ALIBABA_CLOUD_ACCESS_KEY_ID')
    monkeypatch.delenv('ALIBABA_CLOUD_ACCESS_KEY_SECRET')
    with pytest.raises(AnsibleParserError) as caught:
        load(tmp_path, {})
    assert 'ALIBABA_CLOUD_ACCESS_KEY_ID' in str(caught.value)
    assert account.calls == []


def test_inventory_fragment_is_the_plugins_fragment_without_vars():
    plugins = yaml.safe_load(ModuleDocFragment.PLUGINS)['options']
    inventory = yaml.safe_load(ModuleDocFragment.INVENTORY)['options']
    assert inventory == dict((name, {'env': option['env']}) for name, option in plugins.items() if 'env' in option)


def test_filter_and_variables_as_plain_functions():
    facts = domain_facts({'DomainName': 'Shop.Example.', 'DnsList': {'DnsList': ['NS1.ALIDNS.COM', 'ns2.alidns.com']},
                          'DomainStatus': '2', 'ExpirationDateStatus': '2'})
    assert host_variables(facts)['domain_aliyun_dns'] is True and host_variables(facts)['domain_expired'] is True
    assert default_groups(facts) == ['provider_alidns.com', 'status_redemption_required']
    assert DomainFilter(['shop.*'], ['alidns.com'], ['redemption_required']).listed(facts)
    assert not DomainFilter(statuses=['active']).listed(facts)
    unknown = domain_facts({'DomainName': 'x.com'})
    assert host_variables(unknown)['domain_nameservers'] is None and host_variables(unknown)['domain_aliyun_dns'] is None
    assert default_groups(unknown) == [] and not DomainFilter(nameserver_suffixes=['alidns.com']).nameservers(unknown)
    with pytest.raises(DomainConfigError, match='nameserver_suffixes'):
        DomainFilter(nameserver_suffixes='alidns.com')
