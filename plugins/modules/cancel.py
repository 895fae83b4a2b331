#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: cancel
short_description: Cancel what Alibaba Cloud Domain tasks have not started yet (CancelTask)
version_added: 0.1.0
description:
  - Cancels the tasks given by O(task_no), or those recorded in the open migration of O(state_file), with the
    Domain API's C(CancelTask). The service cancels the details of a task that still wait to be executed
    (C(WAITING_EXECUTE)); details already executing or final finish as scheduled.
  - Each task's details are read first (C(QueryTaskDetailList)). C(CancelTask) is sent only for a task with a
    detail still waiting whose cancellation has not started (C(QueryTaskList)'s C(TaskCancelStatus) is C(INIT)),
    so running the module again sends nothing twice.
  - A task the service reports as already complete (C(TaskAlreadyComplete)) had nothing left to cancel; that is
    not an error. An unknown task fails the module with the API's error.
  - When a transient error hides the answer to C(CancelTask), the request is not sent again; the task's
    C(TaskCancelStatus) tells whether it was carried out. If it was not, the module fails with that error.
  - With O(wait=true), waits until C(TaskCancelStatus) is C(COMPLETE) for every cancelled task, then reads the
    details again. What a cancelled detail shows afterwards is not documented by the service; the collection's
    emulator ends it C(EXECUTE_FAILURE), a result to acknowledge like any other (M(aliyun.domain.ack)). The module
    counts a detail as cancelled when it was still waiting and did not succeed.
author:
  - aliyun.domain contributors (!UNKNOWN)
options:
  task_no:
    description:
      - One task number (C(TaskNo), as returned by M(aliyun.domain.nameservers)) or a list of them.
      - Exactly one of O(task_no) and O(state_file) is required.
    type: list
    elements: raw
    aliases: [task_nos]
  state_file:
    description:
      - The state file of M(aliyun.domain.nameservers) (its O(aliyun.domain.nameservers#module:state_file)).
        The module cancels the tasks submitted by the migration it records as open (not yet closed).
      - A submission the state file recorded whose answer was lost (an interruption while it was sent) is looked up
        in the task list first (C(QueryTaskList)), as M(aliyun.domain.nameservers) does on a re-run; a task it
        created is cancelled too.
      - The file must exist. Before C(CancelTask) is sent for one of its tasks, the module appends a C(cancel) record
        naming the domains then waiting, so that a later run (for example an abort run again after a timeout)
        still reports them in RV(domains_cancelled) once the cancellation is complete.
    type: path
  wait:
    description:
      - Wait until the service's C(TaskCancelStatus) is C(COMPLETE) for every task this run (or an earlier one)
        cancelled, then report the details as they ended.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait=true) before failing; more than 0.
    type: float
    default: 900
  poll_interval:
    description: With O(wait=true), the first sleep between two reads of C(QueryTaskList); more than 0.
    type: float
    default: 8
  max_poll_interval:
    description: With O(wait=true), the longest sleep between two reads, at least O(poll_interval).
    type: float
    default: 30
extends_documentation_fragment:
  - aliyun.domain.connection
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Sends no C(CancelTask). Reads the details and the cancel status and predicts C(changed),
        RV(domains_cancelled) (the details still waiting) and RV(domains_already_run).
  diff_mode:
    support: none
  platform:
    platforms: all
seealso:
  - module: aliyun.domain.nameservers
  - module: aliyun.domain.domain_task_result
  - module: aliyun.domain.ack
'''

EXAMPLES = r'''
- name: Cancel what a nameserver change has not started, and wait until the cancellation is complete
  aliyun.domain.cancel:
    task_no: "{{ dns_change.task_nos }}"
    wait: true
  register: cancelled

- name: Cancel the tasks of the open migration recorded in a state file
  aliyun.domain.cancel:
    state_file: /var/lib/dns-migration/submissions.jsonl
    wait: true

- name: See what would be cancelled, without cancelling anything
  aliyun.domain.cancel:
    task_no: b95bc334-f7d8-4f39-8a62-4c4302a243d8
  check_mode: true
'''

RETURN = r'''
task_nos:
  description: The tasks considered, de-duplicated, in input (or state file) order.
  returned: always
  type: list
  elements: str
  sample: ["b95bc334-f7d8-4f39-8a62-4c4302a243d8"]
tasks:
  description:
    - Each task's C(TaskCancelStatus) at the end of the run (C(INIT) never cancelled, C(CANCELLING), C(COMPLETE)).
    - In check mode, the status before any cancellation.
  returned: always
  type: dict
  sample: {"b95bc334-f7d8-4f39-8a62-4c4302a243d8": "COMPLETE"}
domains_cancelled:
  description:
    - Domains whose detail was waiting to be executed and was cancelled; after a wait it did not succeed (the
      emulator ends it C(EXECUTE_FAILURE)); while the cancellation is C(CANCELLING) it may still show C(WAITING_EXECUTE).
    - In check mode, the domains that would be.
  returned: always
  type: list
  elements: str
  sample: ["example.com"]
open_run_kind:
  description:
    - With O(state_file), what the open run recorded there is, C(migration) or C(rollback); null when every run
      in the file is closed (nothing to cancel), and always null with O(task_no).
  returned: always
  type: str
  sample: migration
targets:
  description:
    - With O(state_file), each domain of the open run with the target its submission set, as the
      O(aliyun.domain.delegation_info#module:domain_nameservers) option takes it (a list of hostnames, or
      C(aliyun_dns)); for example to verify the delegation of the domains that changed before an abort.
      Empty with O(task_no).
  returned: always
  type: dict
  sample: {"example.com": ["ns1.example.org", "ns2.example.org"], "example.net": "aliyun_dns"}
domains_already_run:
  description: The other domains of the tasks, each with its detail's status name (C(EXECUTING), C(EXECUTE_SUCCESS), ...).
  returned: always
  type: dict
  sample: {"example.net": "EXECUTE_SUCCESS"}
api_calls:
  description: HTTP requests made, retries included.
  returned: always
  type: int
  sample: 4
request_ids:
  description: RequestIds of all API answers of this run, in order.
  returned: always
  type: list
  elements: str
  sample: ["E879DC07-38EE-4408-9F33-73B30CD965CD"]
error:
  description: The error that made the module fail.
  returned: on failure
  type: dict
  sample: {"code": "TaskNotExist", "message": "The task T does not exist in your account.", "request_id": "E879DC07"}
'''

from ansible_collections.aliyun.domain.plugins.module_utils._cancel import CancelRequest, run_cancel
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainError
from ansible_collections.aliyun.domain.plugins.module_utils._module import AliyunDomainModule
from ansible_collections.aliyun.domain.plugins.module_utils._waiter import wait_argument_spec


def main():
    module = AliyunDomainModule(
        argument_spec=dict(
            task_no=dict(type='list', elements='raw', aliases=['task_nos']),
            state_file=dict(type='path'),
            **wait_argument_spec()
        ),
        supports_check_mode=True,
    )
    result = {'changed': False, 'task_nos': [], 'tasks': {}, 'domains_cancelled': [], 'domains_already_run': {},
              'open_run_kind': None, 'targets': {}}
    try:
        request = CancelRequest(module.options)
    except DomainError as error:  # bad input: nothing was sent
        module.fail_from_error(error, **result)
    result['task_nos'] = list(request.task_nos)
    result['open_run_kind'] = request.open_run_kind
    try:
        client = module.client
        result.update(run_cancel(client, request, check_mode=module.check_mode, log=client.log))
    except DomainError as error:
        module.fail_from_error(error, **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
