# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: domains
short_description: The domains of an Alibaba Cloud account as inventory hosts
version_added: 0.1.0
description:
  - Every domain of the account (QueryDomainList, every page) becomes a host named after the domain, with its
    nameservers, dates, status, locks and group as host variables (C(domain_*), below).
  - Domains the list answers without nameservers (older API versions) are read one by one
    (QueryDomainByDomainName), after the name and status filters, so that filtered-out domains cost no call.
  - "Default groups (O(default_groups)): C(provider_<parent>) for the nameservers' shared parent domain, e.g.
    C(provider_hichina_com) for C(dns1.hichina.com) and C(dns2.hichina.com) (none when the nameservers share
    no parent or are unknown), and C(status_<status>), e.g. C(status_active)."
  - "Host variables: C(domain_nameservers) (list, or null when unknown), C(domain_nameserver_provider),
    C(domain_aliyun_dns) (whether every nameserver is Alibaba Cloud DNS, C(*.alidns.com) or C(*.hichina.com)),
    C(domain_instance_id), C(domain_status) (V(active), V(renewal_required), V(redemption_required)),
    C(domain_status_code) (the service's C(DomainStatus)), C(domain_expired), C(domain_registration_date) and
    C(domain_expiration_date) (the service's strings, its local time UTC+8), C(domain_days_to_expiration),
    C(domain_update_lock) and C(domain_transfer_lock) (C(OPEN), C(CLOSE), C(NONE_SETTING); null unless the
    domain was read by name, see O(read_details)), C(domain_group_id), C(domain_group_name), C(domain_registrar),
    C(domain_type). A value the service did not give is null."
  - Host variables and the cache hold what the service says about the domains, never a credential.
  - Uses a YAML configuration file whose name ends with C(aliyun_domain.yml) or C(aliyun_domain.yaml).
author:
  - aliyun.domain contributors (!UNKNOWN)
requirements:
  - requests
options:
  plugin:
    description: The name of this plugin; it makes the file a source for this plugin.
    type: str
    required: true
    choices: [aliyun.domain.domains]
  domain_names:
    description:
      - Only domains whose name matches one of these shell patterns (C(*), C(?), C([...]); case-insensitive),
        for example V(shop-*.com). Empty selects every domain.
    type: list
    elements: str
    default: []
  nameserver_suffixes:
    description:
      - Only domains with at least one nameserver equal to or under one of these names, for example
        V(hichina.com) for C(dns1.hichina.com) ("still on the old provider"). Compared by labels, so
        V(hichina.com) does not match C(nothichina.com). Domains whose nameservers are unknown are left out.
    type: list
    elements: str
    default: []
  statuses:
    description:
      - Only domains with one of these statuses (the service's C(DomainStatus) 3, 1, 2). Empty selects every status.
    type: list
    elements: str
    choices: [active, renewal_required, redemption_required]
    default: []
  read_details:
    description:
      - Read every selected domain by name (QueryDomainByDomainName, one call per domain, O(concurrency) at a
        time) for the fields the list does not carry, C(domain_update_lock) and C(domain_transfer_lock).
    type: bool
    default: false
  concurrency:
    description: How many pages or by-name reads are in flight at once, from 1 to 16.
    type: int
    default: 4
  default_groups:
    description: Add the hosts to the C(provider_*) and C(status_*) groups described above.
    type: bool
    default: true
extends_documentation_fragment:
  - aliyun.domain.connection
  - aliyun.domain.connection.inventory
  - constructed
  - inventory_cache
notes:
  - Credentials and the endpoint come from the options, their environment variables or the credential chain
    described for O(access_key_id), as for the modules, so the AWX credential type of the collection works for an
    inventory source as well. Inventory options cannot come from variables.
  - A bad credential or an unreachable endpoint fails the source with one line naming the action and the cause.
  - The cache is keyed on the file, the endpoint, the access key ID or profile and the filters.
  - "Hosts are domains, not machines. Run plays that use them on C(localhost) and pass the group, for example
    C(dns_migration_domains: \"{{ groups['provider_hichina_com'] }}\")."
seealso:
  - module: aliyun.domain.nameservers
  - ref: ansible_collections.aliyun.domain.docsite.guide_inventory
    description: Migrating an inventory group with the dns_migration role, and sliced AWX jobs.
'''

EXAMPLES = r'''
# inventory/old_provider.aliyun_domain.yml: the domains still on the old provider's nameservers
plugin: aliyun.domain.domains
nameserver_suffixes:
  - hichina.com
statuses:
  - active

# inventory/shops.aliyun_domain.yml: groups and variables of your own, cached for an hour
plugin: aliyun.domain.domains
domain_names:
  - "shop-*"
keyed_groups:
  - key: domain_registrar
    prefix: registrar
groups:
  expiring_soon: domain_days_to_expiration < 60
compose:
  on_alibaba_dns: domain_aliyun_dns
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/aliyun_domain_inventory
cache_timeout: 3600
'''

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display

from ansible_collections.aliyun.domain.plugins.module_utils._client import MAX_CONCURRENCY
from ansible_collections.aliyun.domain.plugins.module_utils._domains import read_account_domains, read_domains, merge_facts
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainError
from ansible_collections.aliyun.domain.plugins.module_utils._options import validate_whole_number
from ansible_collections.aliyun.domain.plugins.plugin_utils._inventory import (
    DomainFilter, cache_suffix, default_groups, host_variables)
from ansible_collections.aliyun.domain.plugins.plugin_utils._lookup import build_plugin_client

display = Display()

FILE_SUFFIXES = ('aliyun_domain.yml', 'aliyun_domain.yaml')


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = 'aliyun.domain.domains'

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(FILE_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        try:
            domain_filter = DomainFilter(self.get_option('domain_names'), self.get_option('nameserver_suffixes'),
                                         self.get_option('statuses'))
            concurrency = validate_whole_number(self.get_option('concurrency'), 'concurrency', 1, MAX_CONCURRENCY)
        except DomainError as error:
            raise AnsibleParserError(str(error))
        read_details = self.get_option('read_details')
        client = build_plugin_client(self, log=self._call_log, error_class=AnsibleParserError, kind='inventory plugins')
        try:
            cache_key = '%s_%s' % (self.get_cache_key(path), cache_suffix(self._account(client), domain_filter, read_details))
            use_cache = self.get_option('cache') and cache
            domains = None
            if use_cache:
                try:
                    domains = self._cache[cache_key]
                except KeyError:
                    domains = None
            if domains is None:
                domains = self._read(client, domain_filter, read_details, concurrency)
                if self.get_option('cache'):
                    self._cache[cache_key] = domains
                    self.update_cache_if_changed()
        except DomainError as error:
            raise AnsibleParserError(str(error))
        finally:
            client.close()
        self._populate(domains, domain_filter)

    def _call_log(self, message):
        display.vvv('aliyun.domain: %s' % message)

    def _account(self, client):
        """What tells accounts apart without a secret: the endpoint and the key ID or profile named."""
        return {'endpoint': client.settings.base_url, 'access_key_id': self.get_option('access_key_id'),
                'profile': self.get_option('profile')}

    @staticmethod
    def _read(client, domain_filter, read_details, concurrency):
        """The facts of the selected domains (name and status filters applied; nameservers as the service knows them)."""
        domains = read_account_domains(client, keep=domain_filter.listed, concurrency=concurrency, log=display.v)
        if read_details and domains:
            detailed = read_domains(client, [facts['DomainName'] for facts in domains], concurrency=concurrency)
            domains = [merge_facts(facts, detailed.found[facts['DomainName']]) if facts['DomainName'] in detailed.found
                       else facts for facts in domains]
        return domains

    def _populate(self, domains, domain_filter):
        strict = self.get_option('strict')
        add_default_groups = self.get_option('default_groups')
        # in name order, not the service's (newest first): --graph and slices of a job then follow the names
        for facts in sorted(domains, key=lambda facts: facts['DomainName']):
            if not domain_filter.nameservers(facts):
                continue
            host = facts['DomainName']
            self.inventory.add_host(host)
            variables = host_variables(facts)
            for name, value in variables.items():
                self.inventory.set_variable(host, name, value)
            if add_default_groups:
                for group in default_groups(facts):
                    self.inventory.add_child(self.inventory.add_group(self._sanitize_group_name(group)), host)
            self._set_composite_vars(self.get_option('compose'), variables, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), variables, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), variables, host, strict=strict)
