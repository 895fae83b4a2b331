#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: nameservers
short_description: Set the nameservers of domains registered with Alibaba Cloud
version_added: 0.1.0
description:
  - Makes a list of domains use the given nameservers (or Alibaba Cloud DNS) by submitting
    C(CHG_DNS) tasks with C(SaveBatchTaskForModifyingDomainDns), in batches.
  - Idempotent. The module reads the nameservers each domain has now (C(QueryDomainByDomainName)
    for a few domains, the paged C(QueryDomainList) for many) and submits only the domains that
    differ. Order, case and a trailing dot do not matter.
  - A submission is never sent twice. Each one is recorded before it is sent (in O(state_file) when
    given), with the nameservers each of its domains had, exactly as the registrar listed them
    (the way back). When the answer to a submission is lost (a timeout after the request left), the module
    looks for the task in C(QueryTaskList) before deciding anything, and never re-sends blindly.
  - Domains that already have a C(CHG_DNS) task in progress which this module did not submit are
    not submitted again; the module fails naming them and their task numbers. When the service itself
    refuses a batch with C(TaskIsBeingProcessed) (a change the recent task list did not show), the
    module fails in one line naming the code and the batch's domains, and never re-sends that batch.
  - Before anything is submitted, the registrar state of every domain that needs a change is read
    (C(QueryDomainByDomainName)). A domain that cannot change is never submitted and is returned in
    RV(domains_blocked) with the reason in plain words (the update prohibition lock is on, renewal or
    redemption required, expired, a registrant change or a transfer out pending, real-name verification
    not passed, on hold until the registrant email is verified, not in this account, or access denied to
    the RAM user). The other domains are submitted; then the module fails naming the blocked ones
    (unless O(fail_on_blocked=false)). Check mode reads the same and fails the same way.
  - The registrar carries out a task asynchronously. Use O(wait=true) to wait here, or pass the
    returned RV(task_nos) to M(aliyun.domain.domain_task_result) and acknowledge the results with
    M(aliyun.domain.ack). The R(dns_migration role,ansible_collections.aliyun.domain.dns_migration_role)
    does all of this for many domains.
author:
  - aliyun.domain contributors (!UNKNOWN)
options:
  domains:
    description:
      - Domain names to change. Internationalised names are converted to punycode.
      - Every name is validated before any call; invalid names are all reported at once.
      - A domain that is not in the account is reported in RV(domains_blocked), not submitted.
      - Required, unless O(domain_nameservers) or O(close_migration) is given.
    type: list
    elements: str
  domain_nameservers:
    description:
      - Each domain mapped to its own target, a list of nameserver hostnames (as in O(nameservers)) or the
        string V(aliyun_dns) (Alibaba Cloud DNS, as O(aliyun_dns=true)), instead of O(domains) with one target.
        Mutually exclusive with O(domains), O(nameservers) and O(aliyun_dns).
      - The domains are grouped by target (the same hostnames in any order, case or with a trailing dot are one
        target), in the order each target is first seen. Every group is read and checked before anything is
        submitted; then each group is submitted in its own tasks (a task has one target), all recorded in the one
        O(state_file), and O(wait=true) waits once for every task number.
      - Keys are checked like O(domains), values like O(nameservers); a domain given twice (in any spelling) is
        refused.
      - A rollback moves each domain back to the nameservers recorded for it; domains with different ones are
        one group each.
    type: dict
    version_added: 0.1.0
  nameservers:
    description:
      - The nameserver hostnames the domains should use, for example C(ns1.example.net).
      - Between 1 and 13 hostnames. Mutually exclusive with O(aliyun_dns=true).
    type: list
    elements: str
  aliyun_dns:
    description:
      - Use Alibaba Cloud DNS instead of O(nameservers). A domain counts as already using it when
        every nameserver it has ends in C(.alidns.com) or C(.hichina.com).
    type: bool
    default: false
  batch_size:
    description:
      - Domains per C(SaveBatchTaskForModifyingDomainDns) call, that is per task; from 1 to 1000 (one page of a
        task's details).
    type: int
    default: 100
  state_file:
    description:
      - JSON Lines file where every submission is recorded before it is sent and its task number
        after. A later run with the same file reports those tasks again (in RV(task_nos) and
        RV(domains_adopted)) instead of submitting their domains a second time, and settles a
        submission whose answer was lost.
      - Each C(intent) record also holds C(kind) (O(run_kind)) and C(before), each of its domains mapped to the
        nameservers the registrar listed for it before the change, in the registrar's order (V(null) when the
        registrar's answer did not say).
      - A record whose C(event) is C(completed) closes a migration (see O(close_migration)); records
        before it are ignored.
      - Not written in check mode.
    type: path
  close_migration:
    description:
      - Close the migration recorded in O(state_file) instead of changing anything, so that the next run
        with that file starts a new one (its earlier submissions are no longer adopted).
      - Appends one C(completed) record (with the values given here) to O(state_file) and makes no API
        call. Requires O(state_file); mutually exclusive with O(domains) and O(domain_nameservers). Not written in check mode.
      - Close a migration only once every domain has a final result and the results are kept (journal,
        report); the R(dns_migration role,ansible_collections.aliyun.domain.dns_migration_role) does so after its report.
    type: dict
    suboptions:
      started:
        description: When the migration started, kept in the record.
        type: str
      report:
        description: Where its report is, kept in the record.
        type: str
      kind:
        description:
          - What the closed run was, kept in the record as C(kind); defaults to O(run_kind).
        type: str
        choices: [migration, rollback]
        version_added: 0.1.0
    version_added: 0.1.0
  run_kind:
    description:
      - What this run is, written as C(kind) into every C(intent) record of O(state_file) (and into the
        C(completed) record of O(close_migration) unless it gives its own C(kind)).
      - V(rollback) marks a run that restores the nameservers a migration recorded (the
        R(dns_migration role,ansible_collections.aliyun.domain.dns_migration_role) sets it); it changes nothing else.
    type: str
    choices: [migration, rollback]
    default: migration
    version_added: 0.1.0
  fail_on_blocked:
    description:
      - Fail at the end when some domains cannot change (RV(domains_blocked) is not empty), after the
        other domains were submitted (and, with O(wait=true), waited for).
      - V(false) returns them without failing, for a caller that reports them itself (the
        R(dns_migration role,ansible_collections.aliyun.domain.dns_migration_role) does).
    type: bool
    default: true
    version_added: 0.1.0
  wait:
    description:
      - Wait until every submitted task has finished for every domain, then return the results in
        RV(task_results) and fail if any domain failed.
      - 'While it waits on the controller (C(connection: local) or C(delegate_to: localhost)), a progress line
        such as C(aliyun.domain: 12 of 30 details final, 18 pending, 9 s elapsed, next check in 3 s) is shown at the
        default verbosity when the counts change, at least once a minute and at the end, also in AWX job output.'
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true) before failing with the progress made; more than 0.
      - Checked before anything is submitted, like O(poll_interval) and O(max_poll_interval).
    type: float
    default: 900
  poll_interval:
    description:
      - With O(wait=true), the API budget of the wait, as in M(aliyun.domain.domain_task_result); after the first
        minute no more than 60 / O(poll_interval) + 1 polls in any minute.
    type: float
    default: 8
  max_poll_interval:
    description:
      - With O(wait=true), the longest sleep between two polls, at least O(poll_interval); the wait moves on at
        most this long (plus one call) after the last detail became final.
    type: float
    default: 30
extends_documentation_fragment:
  - aliyun.domain.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: The action plugin runs the module unchanged and shows its progress lines while it waits.
  async:
    support: full
    details: Without progress lines.
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Reads the current nameservers and predicts C(changed) and RV(domains_changed); submits nothing.
  diff_mode:
    support: full
    details: Shows the nameservers before and after, per domain that changes (of every group of O(domain_nameservers)).
  platform:
    platforms: all
notes:
  - Domains covered by a task recorded in O(state_file) are reported in RV(domains_adopted), whether
    or not they already use the requested nameservers, and that task's number is returned in
    RV(task_nos) so that its results can still be read and confirmed.
  - A change in progress that this module did not record (found in C(QueryTaskList), or revealed by the
    service's C(TaskIsBeingProcessed)) is never adopted, even when it might aim at the same nameservers,
    because no answer of the API (C(QueryTaskList), C(QueryTaskDetailList), C(QueryTaskDetailHistory),
    C(PollTaskResult)) carries the nameservers a task sets, so adopting it could report success for
    domains that end on other nameservers. The module fails naming the domains; run it again once that
    task has finished (its outcome is then read from the domains' nameservers).
seealso:
  - module: aliyun.domain.domain_task_result
  - module: aliyun.domain.ack
  - module: aliyun.domain.delegation_info
'''

EXAMPLES = r'''
- name: Move two domains to our own nameservers
  aliyun.domain.nameservers:
    domains:
      - example.com
      - example.net
    nameservers:
      - ns1.example.org
      - ns2.example.org
  register: dns_change

- name: Wait for the registrar and fail if a domain failed
  aliyun.domain.domain_task_result:
    task_no: "{{ dns_change.task_nos }}"
    wait: true
  when: dns_change.task_nos | length > 0

- name: Switch one domain to Alibaba Cloud DNS and wait here
  aliyun.domain.nameservers:
    domains: [example.org]
    aliyun_dns: true
    wait: true
    wait_timeout: 600

- name: Many domains, recorded so that an interrupted run can be resumed without resubmitting
  aliyun.domain.nameservers:
    domains: "{{ lookup('ansible.builtin.file', 'domains.txt').splitlines() }}"
    nameservers: [ns1.example.org, ns2.example.org]
    batch_size: 100
    state_file: /var/lib/dns-migration/submissions.jsonl

- name: Give domains targets of their own (one task per target, one wait)
  aliyun.domain.nameservers:
    domain_nameservers:
      example.com: [ns1.example.org, ns2.example.org]
      example.net: [ns1.example.org, ns2.example.org]
      example.org: aliyun_dns
    state_file: /var/lib/dns-migration/submissions.jsonl
    wait: true
  register: per_domain

- name: After the report, close the migration so that the next run starts a new one
  aliyun.domain.nameservers:
    state_file: /var/lib/dns-migration/submissions.jsonl
    close_migration:
      report: /var/lib/dns-migration/reports/dns-migration-20261202T101500Z.json
'''

RETURN = r'''
task_nos:
  description:
    - Task numbers of this change, in submission order (with O(domain_nameservers), group after group). Includes tasks
      recorded in O(state_file)
      (adopted) and a task whose lost answer was found again. Empty when nothing needed a change.
  returned: always
  type: list
  elements: str
  sample: ["b95bc334-f7d8-4f39-8a62-4c4302a243d8"]
domains_changed:
  description: Domains submitted by this run (in check mode, those that would be).
  returned: always
  type: list
  elements: str
  sample: ["example.com"]
domains_unchanged:
  description: Domains that already use the requested nameservers.
  returned: always
  type: list
  elements: str
  sample: ["example.net"]
domains_adopted:
  description: Domains covered by a task recorded in O(state_file), mapped to that task number; not submitted again.
  returned: always
  type: dict
  sample: {"example.org": "b95bc334-f7d8-4f39-8a62-4c4302a243d8"}
domains_pending_elsewhere:
  description:
    - Domains with a C(CHG_DNS) task in progress that this module did not submit, mapped to that
      task number. When not empty the module fails and submits nothing.
  returned: always
  type: dict
  sample: {}
domains_blocked:
  description:
    - Domains that cannot change now and were not submitted, mapped to the reason in plain words.
  returned: always
  type: dict
  sample: {"locked.example": "update prohibition lock is on: turn it off in the console first", "gone.example": "not in this account"}
nameservers:
  description:
    - The requested nameservers, normalised; C(["Alibaba Cloud DNS"]) with O(aliyun_dns=true).
    - With O(domain_nameservers), the one target when every domain shares it, else V([]) (see RV(targets)).
  returned: always
  type: list
  elements: str
  sample: ["ns1.example.org", "ns2.example.org"]
nameservers_before:
  description:
    - Every domain this run read (changed, unchanged, adopted, pending elsewhere, and blocked ones that are in the
      account) mapped to its nameservers before the change, exactly as the registrar listed them, in its order;
      V(null) when the registrar's answer did not say.
    - For a domain adopted from a task recorded in O(state_file), the nameservers that record kept.
  returned: always
  type: dict
  sample: {"example.com": ["dns1.hichina.com", "dns2.hichina.com"], "example.net": ["ns2.example.org", "ns1.example.org"]}
  version_added: 0.1.0
targets:
  description: Every domain of O(domains) or O(domain_nameservers) mapped to the nameservers it should use (shown as RV(nameservers)
    shows a target).
  returned: always
  type: dict
  sample: {"example.com": ["ns1.example.org", "ns2.example.org"], "example.net": ["ns1.example.org", "ns2.example.org"]}
  version_added: 0.1.0
task_results:
  description:
    - With O(wait=true), the final result of every domain of RV(task_nos), with the fields of
      M(aliyun.domain.domain_task_result)'s C(task_results).
  returned: when O(wait=true) and something was submitted or adopted
  type: list
  elements: dict
  sample:
    - task_no: b95bc334-f7d8-4f39-8a62-4c4302a243d8
      task_detail_no: 15fee9d10d514bada66bd08c5723c583
      domain_name: example.com
      task_status: EXECUTE_SUCCESS
      task_status_code: 2
      try_count: 0
      error_msg: The operation is successful.
completed:
  description: With O(close_migration), the C(completed) record appended to O(state_file) (in check mode, the one that would be).
  returned: with O(close_migration)
  type: dict
  sample: {"event": "completed", "started": "2026-12-02T10:15:00Z", "report": "reports/dns-migration-20261202T101500Z.json",
           "kind": "migration"}
summary:
  description: With O(wait=true), counts of RV(task_results).
  returned: when O(wait=true) and something was submitted or adopted
  type: dict
  sample: {"total": 1, "succeeded": 1, "failed": 0, "pending": 0}
api_calls:
  description: HTTP requests made, retries included.
  returned: always
  type: int
  sample: 3
request_ids:
  description: RequestIds of the API answers, in order.
  returned: always
  type: list
  elements: str
  sample: ["E879DC07-38EE-4408-9F33-73B30CD965CD"]
error:
  description: The API error that made the module fail.
  returned: on API failure
  type: dict
  sample: {"code": "Throttling.User", "message": "Request was denied due to user flow control.", "request_id": "E879DC07"}
'''

from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainError
from ansible_collections.aliyun.domain.plugins.module_utils._module import AliyunDomainModule
from ansible_collections.aliyun.domain.plugins.module_utils._nameservers import (
    ChangeFailedError,
    DomainsBlockedError,
    NameserverRequest,
    close_migration,
    empty_change_result,
    run_nameserver_change,
)
from ansible_collections.aliyun.domain.plugins.module_utils._waiter import wait_argument_spec


def main():
    module = AliyunDomainModule(
        argument_spec=dict(
            domains=dict(type='list', elements='str'),
            domain_nameservers=dict(type='dict'),
            nameservers=dict(type='list', elements='str'),
            aliyun_dns=dict(type='bool', default=False),
            batch_size=dict(type='int', default=100),
            state_file=dict(type='path'),
            fail_on_blocked=dict(type='bool', default=True),
            close_migration=dict(type='dict', options=dict(started=dict(type='str'), report=dict(type='str'),
                                                           kind=dict(type='str', choices=['migration', 'rollback']))),
            run_kind=dict(type='str', default='migration', choices=['migration', 'rollback']),
            **wait_argument_spec()
        ),
        supports_check_mode=True,
    )
    try:
        request = NameserverRequest(module.options)
    except DomainError as error:
        module.fail_from_error(error, **empty_change_result())
    if request.close_migration is not None:
        try:
            module.exit_json(**close_migration(request, check_mode=module.check_mode))
        except DomainError as error:
            module.fail_from_error(error, **empty_change_result())

    try:
        result = run_nameserver_change(module.client, request, log=module.log, check_mode=module.check_mode,
                                       diff=module._diff, progress=module.progress)
    except (ChangeFailedError, DomainsBlockedError) as error:  # no API error to return
        module.fail_json(msg=str(error), **error.result)
    except DomainError as error:
        module.fail_from_error(error, **error.result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
