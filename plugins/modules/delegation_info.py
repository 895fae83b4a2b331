#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: delegation_info
short_description: Check in DNS that domains can move to new nameservers, and that the parent zone moved them
version_added: 0.1.0
description:
  - Read-only DNS checks around a nameserver change; it makes no Domain API call and changes nothing.
  - With O(mode=preflight) (before submitting a change), every target nameserver must resolve (A/AAAA, or
    O(nameserver_addresses)) and answer the domain's SOA authoritatively (AA bit), over UDP with TCP
    fallback, with a timeout and a retry. When the parent zone publishes DS records for the domain, at
    least one must match (digest recomputed) a DNSKEY the targets serve. A domain failing either is
    C(blocked), since moving it would take it offline (a lame delegation, or a DNSSEC chain validating
    resolvers reject). Targets disagreeing on the SOA serial, or serving an NS RRset other than the
    target set, give C(warning).
  - With O(mode=delegation) (after the registrar reported success), every authoritative server of the
    parent zone (the TLD's servers, asked directly without recursion, not a caching resolver) must
    refer the domain to exactly the target set; then the domain is C(verified), with the parent's NS
    TTL and the time until which resolvers may still use the old nameservers. With O(wait=true) the
    module asks again, with backoff, until every domain is verified or O(wait_timeout) has passed.
  - 'On the controller (C(connection: local) or C(delegate_to: localhost)), progress lines such as
    C(aliyun.domain: verified at the parent: 310 of 412, 102 pending, 2 min elapsed, next check in 10 s) or
    C(aliyun.domain: pre-flight: 600 of 1000 domains checked (2 blocked), 1 min elapsed) are shown at the default
    verbosity when the counts change (at most one per 5 seconds), at least once a minute and at the end, in the
    terminal and in ansible-runner/AWX job output as it happens. They cost no query; on other connections and
    with C(async) the module runs without lines and returns the same result.'
  - The module never fails because of what it finds; a C(blocked) or C(unverified) domain is reported
    in RV(domains), RV(blocked) and RV(unverified). An unreachable resolver or parent server is that
    domain's problem. Bad option values fail the module before any query, naming the option.
author:
  - aliyun.domain contributors (!UNKNOWN)
options:
  domains:
    description:
      - Domain names to check against one target, O(nameservers) or O(aliyun_dns=true). Internationalised names are
        converted to punycode.
      - One of O(domains) or O(domain_nameservers) is required.
    type: list
    elements: str
  nameservers:
    description:
      - The target nameserver hostnames of O(domains). Mutually exclusive with O(aliyun_dns=true).
    type: list
    elements: str
    aliases: [targets]
  aliyun_dns:
    description:
      - The targets of O(domains) are Alibaba Cloud DNS's servers (C(ns1.alidns.com), C(ns2.alidns.com)).
    type: bool
    default: false
  domain_nameservers:
    description:
      - Per-domain targets instead of O(domains) with one target; mutually exclusive with O(domains),
        O(nameservers) and O(aliyun_dns).
      - A map of domain name to the list of its target nameserver hostnames, or to the string V(aliyun_dns) for
        Alibaba Cloud DNS. Domains are checked in the map's order (RV(domains) keeps it), each against its own
        targets, all in one check (the same O(concurrency), one O(wait_timeout) for all and one count in the
        progress lines). A bad value is named as C(domain_nameservers.<domain>).
      - For example the way back of a migration, each domain to the nameservers it had before.
    type: dict
  mode:
    description:
      - V(preflight) checks the targets before a change; V(delegation) checks the parent zone after it.
    type: str
    choices: [preflight, delegation]
    default: preflight
  wait:
    description:
      - With O(mode=delegation), ask the parent servers again (after 1 s, doubling up to 30 s) until
        every domain is verified or O(wait_timeout) has passed.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds O(wait=true) waits for all domains together; 0 or more.
    type: float
    default: 600
  skip_domains:
    description:
      - Domains of O(domains) not to check; they are reported with the verdict C(skipped).
    type: list
    elements: str
    default: []
  resolvers:
    description:
      - Recursive resolvers used to find the targets' addresses and the parent zone's servers, as
        C(IP), C(IP:PORT) or C([IPv6]:PORT). Default the system's (C(/etc/resolv.conf)).
    type: list
    elements: str
  parent_nameservers:
    description:
      - The parent zone's authoritative servers to ask, as C(IP[:PORT]). Default those the resolvers
        give for the parent zone's NS.
    type: list
    elements: str
  nameserver_addresses:
    description:
      - Map of nameserver hostname to a list of C(IP[:PORT]) used instead of resolving that hostname,
        for example to check new servers before their names resolve, or servers on other ports.
    type: dict
  old_nameservers:
    description:
      - With O(mode=delegation), map of domain to the nameservers it had before the change. Default
        what the parent zone referred to while it still did not refer to the targets.
    type: dict
  query_timeout:
    description:
      - Seconds to wait for one answer before retrying; more than 0.
    type: float
    default: 2
  query_retries:
    description:
      - Retries of a query that timed out; from 0 to 10.
    type: int
    default: 1
  concurrency:
    description:
      - Domains checked at the same time; from 1 to 256.
    type: int
    default: 32
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: The action plugin runs the module unchanged and shows its progress lines.
  async:
    support: full
    details: Without progress lines.
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Read-only; the checks run in check mode too, so that a check-mode run shows blocked domains.
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - The module takes no connection options and is not in the C(aliyun.domain.domain) action group, so
    C(module_defaults) for that group do not pass it options it does not know.
requirements:
  - dnspython
seealso:
  - module: aliyun.domain.nameservers
'''

EXAMPLES = r'''
- name: Check that the new provider serves the zones before moving them
  aliyun.domain.delegation_info:
    domains: [example.com, example.net]
    nameservers: [ns1.example.org, ns2.example.org]
  register: preflight

- name: Stop when a domain would go dark
  ansible.builtin.assert:
    that: preflight.blocked | length == 0
    fail_msg: "Blocked: {{ preflight.blocked | join(', ') }}"

- name: Check new servers whose names do not resolve yet
  aliyun.domain.delegation_info:
    domains: [example.com]
    nameservers: [ns1.example.org, ns2.example.org]
    nameserver_addresses:
      ns1.example.org: ["192.0.2.10"]
      ns2.example.org: ["192.0.2.11", "[2001:db8::11]:53"]

- name: After the change, wait until the .com servers delegate to the new nameservers
  aliyun.domain.delegation_info:
    domains: [example.com]
    nameservers: [ns1.example.org, ns2.example.org]
    mode: delegation
    wait: true
    wait_timeout: 900
  register: delegation

- name: Check domains that move to different providers, each against its own targets
  aliyun.domain.delegation_info:
    domain_nameservers:
      example.com: [ns1.example.org, ns2.example.org]
      example.net: [ns1.example.org, ns2.example.org]
      example.info: aliyun_dns
    mode: delegation
    wait: true
  register: delegation
'''

RETURN = r'''
mode:
  description: The check that ran.
  returned: always
  type: str
  sample: preflight
nameservers:
  description:
    - The target nameservers, normalised and sorted; with O(domain_nameservers), the one target all its domains
      share, else V([]) (then RV(targets) tells).
  returned: always
  type: list
  elements: str
  sample: ["ns1.example.org", "ns2.example.org"]
targets:
  description: The target nameservers of every domain, normalised and sorted, by domain (input order).
  returned: always
  type: dict
  sample: {"example.com": ["ns1.example.org", "ns2.example.org"], "example.info": ["ns1.alidns.com", "ns2.alidns.com"]}
domains:
  description:
    - Per domain (the key), what was found. Every record has C(domain), C(check), C(verdict)
      (V(ok), V(warning), V(blocked) or V(skipped) for the pre-flight; V(verified), V(unverified) or
      V(skipped) for the delegation), C(problems) (why it is blocked or unverified) and C(warnings).
    - Pre-flight records also have C(nameservers) (per target C(name), C(addresses), C(authoritative),
      C(serial), C(problems)), C(parent_zone), C(signed), C(dnssec) (C(parent_ds), C(matching_ds)) and
      C(delegated_nameservers) (what the parent delegates the domain to now).
    - Delegation records also have C(verified_at), C(parent_ns_ttl), C(old_nameservers),
      C(old_nameservers_until) (verified at plus the parent's TTL; the old provider must keep serving
      until then), C(current_nameservers), C(parent_servers) (per server C(server), C(nameservers),
      C(ttl), C(error)) and C(checks) (rounds asked).
  returned: always
  type: dict
  sample:
    example.com:
      domain: example.com
      check: delegation
      verdict: verified
      problems: []
      verified_at: "2026-01-01T10:00:00Z"
      parent_ns_ttl: 172800
      old_nameservers: ["dns1.hichina.com", "dns2.hichina.com"]
      old_nameservers_until: "2026-01-03T10:00:00Z"
summary:
  description: Counts of the verdicts and C(total).
  returned: always
  type: dict
  sample: {"total": 2, "ok": 1, "warning": 0, "blocked": 1, "skipped": 0}
blocked:
  description: Domains the pre-flight blocked, in input order.
  returned: always
  type: list
  elements: str
  sample: ["example.net"]
cleared:
  description:
    - Domains neither blocked nor unverified, in input order (with O(mode=preflight), the domains safe to submit).
  returned: always
  type: list
  elements: str
  sample: ["example.com"]
reasons:
  description: The problems of every blocked or unverified domain, by domain.
  returned: always
  type: dict
  sample: {"example.net": ["nameserver ns2.example.org (192.0.2.11) does not serve the zone (lame delegation): SOA answered REFUSED"]}
delegated_nameservers:
  description:
    - With O(mode=preflight), what the parent zone delegates each domain to before the change, by domain; pass it as
      O(old_nameservers) to the post-flight.
  returned: always
  type: dict
  sample: {"example.com": ["dns1.hichina.com", "dns2.hichina.com"]}
brief:
  description:
    - Per domain, the fields of RV(domains) a migration report keeps; pre-flight C(verdict), C(problems),
      C(warnings), C(signed); delegation C(verdict), C(verified), C(verified_at), C(parent_ns_ttl),
      C(old_nameservers), C(old_nameservers_until), C(problems).
  returned: always
  type: dict
  sample: {"example.com": {"verdict": "ok", "problems": [], "warnings": [], "signed": false}}
unverified:
  description: Domains the parent zone did not delegate to the targets, in input order.
  returned: always
  type: list
  elements: str
  sample: []
queries:
  description: DNS queries sent, retries included.
  returned: always
  type: int
  sample: 12
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aliyun.domain.plugins.module_utils._delegation import (
    DNSPYTHON_IMPORT_ERROR,
    HAS_DNSPYTHON,
    DelegationRequest,
    run_delegation_checks,
)
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._progress import progress_from_environment


def main():
    module = AnsibleModule(
        argument_spec=dict(
            domains=dict(type='list', elements='str'),
            nameservers=dict(type='list', elements='str', aliases=['targets']),
            aliyun_dns=dict(type='bool', default=False),
            domain_nameservers=dict(type='dict'),
            mode=dict(type='str', choices=['preflight', 'delegation'], default='preflight'),
            wait=dict(type='bool', default=False),
            wait_timeout=dict(type='float', default=600),
            skip_domains=dict(type='list', elements='str', default=[]),
            resolvers=dict(type='list', elements='str'),
            parent_nameservers=dict(type='list', elements='str'),
            nameserver_addresses=dict(type='dict'),
            old_nameservers=dict(type='dict'),
            query_timeout=dict(type='float', default=2),
            query_retries=dict(type='int', default=1),
            concurrency=dict(type='int', default=32),
        ),
        supports_check_mode=True,
    )
    if not HAS_DNSPYTHON:
        module.fail_json(msg=missing_required_lib('dnspython'), exception=DNSPYTHON_IMPORT_ERROR)
    try:
        request = DelegationRequest(module.params)
    except DomainConfigError as error:
        module.fail_json(msg=str(error), error=error.to_result())
    module.exit_json(changed=False, **run_delegation_checks(request, progress=progress_from_environment()))


if __name__ == '__main__':
    main()
