#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: migration_info
short_description: Read what a nameserver migration did and where a rollback would put each domain back
version_added: 0.1.0
description:
  - Read-only; it reads the state file of M(aliyun.domain.nameservers) (and the migration's report or journal)
    and makes no Domain API call.
  - Splits the state file into runs at its C(completed) records (a migration, or a rollback of one), finds the
    last migration and, for each domain it moved (its task detail succeeded, as its report or journal says), the
    nameservers it had before, exactly as the registrar listed them.
  - Returns in RV(rollback) the target of each selected domain, ready for the C(domain_nameservers)
    option of M(aliyun.domain.nameservers) and M(aliyun.domain.delegation_info). A domain whose nameservers before
    were Alibaba Cloud DNS's gets V(aliyun_dns) rather than the hostnames, because the registrar assigns those
    servers itself (C(AliyunDns=true)); sent back as hostnames they would be an ordinary third-party delegation.
  - Rollback runs after the migration are parts of its rollback (for example 10 chosen domains, then the rest);
    the domains they put back are not selected again. The next rollback is refused once every moved domain is
    back; a rollback is not rolled back, moving the domains again is a new migration (M(aliyun.domain.nameservers),
    or the playbook C(aliyun.domain.migrate_dns)).
  - An open rollback (interrupted) gets the same plan again, so that a re-run finishes it; RV(resuming) says so.
  - Fails, with one line naming the option, when the state file records no migration, when the latest migration
    is still open (finish it first, or abort it with the dns_migration role's C(dns_migration_abort)), when a listed domain was not moved or is back already.
author:
  - aliyun.domain contributors (!UNKNOWN)
options:
  state_file:
    description:
      - The state file of the migration (JSON Lines; the O(aliyun.domain.nameservers#module:state_file) of
        M(aliyun.domain.nameservers), C(dns_migration_state_file) of the C(aliyun.domain.dns_migration) role).
    type: path
    required: true
  journal:
    description:
      - The journal of task results (O(aliyun.domain.domain_task_result#module:journal)), read when a run's report
        (the path in its C(completed) record) cannot be read. Default the journal the report names.
    type: path
  rollback_domains:
    description:
      - Select only these domains of the last migration. A domain the migration did not move, or one a rollback
        put back already, is refused, naming it. Mutually exclusive with O(unverified_only=true).
      - Default every domain the migration moved that is not back yet.
    type: list
    elements: str
  unverified_only:
    description:
      - Select only the moved domains whose delegation the migration's report lists as not verified at the parent
        zone (C(unverified_domains)). Needs the report.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Read-only; it returns the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - The module takes no connection options and is not in the C(aliyun.domain.domain) action group, so
    C(module_defaults) for that group do not pass it options it does not know.
  - The C(aliyun.domain.dns_migration) role's entry point C(rollback) (playbook C(aliyun.domain.rollback_dns)) runs it
    and then the same steps as a migration with the per-domain targets.
seealso:
  - module: aliyun.domain.nameservers
  - module: aliyun.domain.delegation_info
'''

EXAMPLES = r'''
- name: Find where the last migration's domains go back to
  aliyun.domain.migration_info:
    state_file: dns-migration/journal.jsonl.submissions
  register: way_back

- name: Put them back (one submission per former nameserver set)
  aliyun.domain.nameservers:
    domain_nameservers: "{{ way_back.rollback }}"
    state_file: dns-migration/journal.jsonl.submissions
    run_kind: rollback
  when: way_back.rollback | length > 0

- name: Only two of them
  aliyun.domain.migration_info:
    state_file: dns-migration/journal.jsonl.submissions
    rollback_domains: [example.com, example.net]

- name: Only those the parent zone did not delegate to the new nameservers
  aliyun.domain.migration_info:
    state_file: dns-migration/journal.jsonl.submissions
    unverified_only: true
'''

RETURN = r'''
runs:
  description:
    - Every run of the state file, oldest first (runs without a submission are left out), with C(kind)
      (V(migration) or V(rollback)), C(closed), C(started) and C(report) (from its C(completed) record, else null),
      C(domains) (how many it submitted) and C(task_nos).
  returned: always
  type: list
  elements: dict
  sample:
    - {"kind": "migration", "closed": true, "started": "2026-12-03T10:00:00Z", "domains": 50,
       "report": "dns-migration/reports/dns-migration-20261203T100000Z.json", "task_nos": ["T-1"]}
migration:
  description: The run of the migration rolled back, the same fields as an item of RV(runs).
  returned: always
  type: dict
  sample: {"kind": "migration", "closed": true, "started": "2026-12-03T10:00:00Z", "domains": 50, "report": null, "task_nos": ["T-1"]}
resuming:
  description: True when the latest run is an open (interrupted) rollback that this plan finishes.
  returned: always
  type: bool
  sample: false
domains:
  description:
    - Every domain of that migration, by domain, with C(before) (its nameservers before, exactly as the registrar
      listed them, or null when unknown), C(after) (the migration's target), C(task_no), C(status) (as its report
      says, V(succeeded) when the migration moved it) and C(rolled_back) (a later rollback put it back).
  returned: always
  type: dict
  sample:
    example.com:
      before: ["ns1.old.example", "ns2.old.example"]
      after: ["ns1.new.example", "ns2.new.example"]
      task_no: "T-1"
      status: succeeded
      rolled_back: false
rollback:
  description:
    - The selected domains that can go back, by domain, to their target before the migration (a list of
      hostnames, or V(aliyun_dns)), the form of C(domain_nameservers).
  returned: always
  type: dict
  sample: {"example.com": ["ns1.old.example", "ns2.old.example"], "example.net": "aliyun_dns"}
not_rolled_back:
  description: The selected domains that cannot go back, by domain, with the reason (their nameservers before are unknown).
  returned: always
  type: dict
  sample: {"example.org": "its nameservers before the migration are unknown (the state file recorded none)"}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._rollback import run_migration_info


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state_file=dict(type='path', required=True),
            journal=dict(type='path'),
            rollback_domains=dict(type='list', elements='str'),
            unverified_only=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    try:
        result = run_migration_info(module.params)
    except DomainConfigError as error:
        module.fail_json(msg=str(error), error=error.to_result())
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
