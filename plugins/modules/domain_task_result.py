#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: domain_task_result
short_description: Read, filter and wait for Alibaba Cloud Domain task results (PollTaskResult)
version_added: 0.1.0
description:
  - Reads the results of Domain tasks, such as nameserver changes (C(CHG_DNS)), from the PollTaskResult API.
  - PollTaskResult lists details that are final (succeeded, or failed after the service's last try) and not yet
    acknowledged. Use M(aliyun.domain.ack) to acknowledge them once they are recorded; an acknowledged result is gone
    from PollTaskResult for good, so keep a O(journal).
  - With O(wait=true) and O(task_no), waits until every detail of those tasks is final. Progress is counted with
    QueryTaskDetailList, so details acknowledged earlier still count as final. The waiter measures how fast details
    finish and sleeps until completion is likely, instead of polling on a fixed beat. Throttling and transient
    errors during a wait never end it; only O(wait_timeout) or a permanent error does.
  - 'While it waits, a progress line such as C(aliyun.domain: 12 of 30 details final, 18 pending, 9 s elapsed, next check in
    3 s) is shown at the default verbosity when the counts change (at most one per 5 seconds), at least once a minute,
    and when the wait ends, in the terminal and in ansible-runner/AWX job output as it happens. This needs the module
    to run on the controller (C(connection: local) or C(delegate_to: localhost)); on other connections and with
    C(async) it waits without lines and returns the same result.'
  - Read-only; never changes anything, so check mode behaves exactly like a normal run.
author:
  - aliyun.domain contributors (!UNKNOWN)
requirements:
  - requests
  - jmespath (only for O(query))
options:
  task_no:
    description:
      - Task number, or a list of them, as returned by M(aliyun.domain.nameservers) or SaveBatchTaskForModifyingDomainDns.
      - Results of every listed task are returned.
    type: list
    elements: str
  page_num:
    description:
      - Return only this page (from 1) of PollTaskResult, together with its paging envelope (RV(total_item_num),
        RV(current_page_num), RV(total_page_num), RV(page_size), RV(pre_page), RV(next_page)).
      - Without it, every page is read and results are de-duplicated on C(task_detail_no).
      - Cannot be combined with O(wait=true), nor with more than one O(task_no).
    type: int
  query:
    description:
      - A JMESPath expression applied to the list of results (after O(task_type) filtering); its value is returned
        as RV(query_result).
      - Expressions that project over the list, such as V([?task_status_code==`3`].domain_name), are evaluated page by
        page, so they need no memory for the results themselves.
      - When both O(query) and O(journal) are set, RV(task_results) is returned empty (every result is in the journal),
        which keeps memory bounded for very large collections.
    type: str
  wait:
    description:
      - Wait until every detail of O(task_no) is final, then return the results.
      - With only O(domain_name) or O(instance_id), wait until a matching result appears.
    type: bool
    default: false
extends_documentation_fragment:
  - aliyun.domain.connection
  - aliyun.domain.task_result
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
    details: The module only reads; check mode runs it unchanged.
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - Waiting is internal. Prefer O(wait=true) over an C(until) loop around this module; it notices sooner that tasks
    are done and, once details start finishing, polls when completion is likely rather than on a fixed beat.
  - The summary's C(pending) is non-zero only when a wait timed out; PollTaskResult itself lists final details only.
seealso:
  - module: aliyun.domain.ack
  - module: aliyun.domain.nameservers
  - plugin: aliyun.domain.domain_task_result
    plugin_type: lookup
  - name: PollTaskResult API
    description: The Domain API action this module reads.
    link: https://www.alibabacloud.com/help/doc-detail/69361.htm
'''

EXAMPLES = r'''
- name: Wait until a nameserver change is done, keeping a journal
  aliyun.domain.domain_task_result:
    task_no: "{{ change.task_nos }}"
    wait: true
    wait_timeout: 1800
    journal: /var/lib/dns-migration/results.jsonl
  register: outcome

- name: Show what failed, without stopping the play on failures
  aliyun.domain.domain_task_result:
    task_no: 75addb07-28a3-450e-b5ec-test
    wait: true
    fail_on_failure: false
    query: "[?task_status_code==`3`].{domain: domain_name, error: error_msg}"
  register: failures

- name: Read one page of everything still unacknowledged, in Chinese
  aliyun.domain.domain_task_result:
    page_num: 1
    page_size: 50
    lang: zh

- name: Wait until the registrar has a result for one domain
  aliyun.domain.domain_task_result:
    domain_name: example.com
    task_type: CHG_DNS
    wait: true

- name: Collect a huge backlog into a journal, returning only the failed domain names
  aliyun.domain.domain_task_result:
    task_result_status: failure
    journal: results.jsonl
    query: "[*].domain_name"
  register: backlog
'''

RETURN = r'''
task_results:
  description:
    - The results, every field of the API's TaskDetail in snake_case.
    - Empty when both O(journal) and O(query) are set (the journal holds them).
  returned: always
  type: list
  elements: dict
  contains:
    task_no:
      description: Task number.
      type: str
      sample: 75addb07-28a3-450e-b5ec-test
    task_detail_no:
      description: Task detail number; what M(aliyun.domain.ack) acknowledges.
      type: str
      sample: 15fee9d10d514bada66bd08c5723c583
    task_type:
      description:
        - Task type; V(CHG_DNS) for a nameserver change. Results of other types (renewals, registrant changes,
          ...) wait in the same queue when other tasks of the account finished; see O(task_type).
      type: str
      sample: CHG_DNS
    task_type_description:
      description: Task type in the language of O(lang).
      type: str
      sample: DNS Modification
    instance_id:
      description: Domain instance ID.
      type: str
      sample: S201817141000000
    domain_name:
      description: Domain name.
      type: str
      sample: example.com
    task_status:
      description: C(EXECUTE_SUCCESS) or C(EXECUTE_FAILURE) (C(WAITING_EXECUTE), C(EXECUTING) for details not final).
      type: str
      sample: EXECUTE_SUCCESS
    task_status_code:
      description: 0 waiting, 1 executing, 2 succeeded, 3 failed.
      type: int
      sample: 2
    try_count:
      description: How many times the service retried the detail.
      type: int
      sample: 0
    error_msg:
      description: The service's message about the outcome.
      type: str
      sample: The operation is successful.
    task_result:
      description: Task result text, when the service gives one.
      type: str
      sample: null
    create_time:
      description: When the task was created (service time, C(YYYY-MM-DD HH:MM:SS)).
      type: str
      sample: '2018-03-26 15:08:20'
    update_time:
      description: When the detail last changed (service time).
      type: str
      sample: '2018-03-26 15:22:18'
summary:
  description: Counts of the returned results.
  returned: always
  type: dict
  contains:
    total:
      description: Results returned (after filtering).
      type: int
      sample: 100
    succeeded:
      description: Results with C(task_status_code) 2.
      type: int
      sample: 98
    failed:
      description: Results with C(task_status_code) 3.
      type: int
      sample: 2
    pending:
      description: Details still not final; only non-zero when a wait timed out.
      type: int
      sample: 0
query_result:
  description: The value of O(query) over the results.
  returned: when O(query) is set
  type: raw
  sample: [example.com, example.net]
request_ids:
  description: RequestId of every API call made, in order, for support cases.
  returned: always
  type: list
  elements: str
  sample: [E879DC07-38EE-4408-9F33-73B30CD965CD]
api_calls:
  description: HTTP requests made, retries included.
  returned: always
  type: int
  sample: 6
elapsed:
  description: Seconds the module spent, waiting included.
  returned: always
  type: float
  sample: 12.345
total_item_num:
  description: Results matching the filters, over all pages.
  returned: when O(page_num) is set
  type: int
  sample: 1234
current_page_num:
  description: The page returned.
  returned: when O(page_num) is set
  type: int
  sample: 1
total_page_num:
  description: Number of pages.
  returned: when O(page_num) is set
  type: int
  sample: 2
page_size:
  description: Results per page.
  returned: when O(page_num) is set
  type: int
  sample: 1000
pre_page:
  description: Whether there is a page before this one.
  returned: when O(page_num) is set
  type: bool
  sample: false
next_page:
  description: Whether there is a page after this one.
  returned: when O(page_num) is set
  type: bool
  sample: true
pending_domains:
  description: Domains whose details were still pending when the wait timed out.
  returned: when a wait timed out
  type: list
  elements: str
  sample: [example.org]
failed_domains:
  description: Domains whose waited details ended in EXECUTE_FAILURE.
  returned: when O(fail_on_failure) made the module fail
  type: list
  elements: str
  sample: [example.org]
error:
  description: The error that made the module fail.
  returned: on failure
  type: dict
  contains:
    code:
      description: Error code (the API's C(Code), or C(WaitTimeout), C(TaskFailed), C(TaskNotFound)).
      type: str
      sample: WaitTimeout
    message:
      description: Error message.
      type: str
      sample: 'Timed out after 900.0 s waiting for task 75addb07-28a3-450e-b5ec-test: 98 of 100 details final'
    request_id:
      description: RequestId of the failing call, when there was one.
      type: str
      sample: E879DC07-38EE-4408-9F33-73B30CD965CD
'''

from ansible_collections.aliyun.domain.plugins.module_utils._api import MAX_PAGE_SIZE
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainError
from ansible_collections.aliyun.domain.plugins.module_utils._module import AliyunDomainModule
from ansible_collections.aliyun.domain.plugins.module_utils._task_results import (
    HAS_JMESPATH,
    JMESPATH_IMPORT_ERROR,
    TaskResultRequest,
    empty_summary,
    run_task_result,
)
from ansible_collections.aliyun.domain.plugins.module_utils._waiter import wait_argument_spec

from ansible.module_utils.basic import missing_required_lib


def argument_spec():
    spec = dict(
        task_no=dict(type='list', elements='str'),
        domain_name=dict(type='str'),
        instance_id=dict(type='str'),
        task_result_status=dict(type='str', choices=['success', 'failure', '2', '3']),
        page_num=dict(type='int'),
        page_size=dict(type='int', default=MAX_PAGE_SIZE),
        task_type=dict(type='str'),
        query=dict(type='str'),
        journal=dict(type='path'),
        fail_on_failure=dict(type='bool', default=True),
    )
    spec.update(wait_argument_spec())
    return spec


def main():
    module = AliyunDomainModule(argument_spec=argument_spec(), supports_check_mode=True)
    if module.params['query'] and not HAS_JMESPATH:
        module.fail_json(msg=missing_required_lib('jmespath'), exception=JMESPATH_IMPORT_ERROR)
    try:
        request = TaskResultRequest(module.options)
    except DomainError as error:
        module.fail_from_error(error, changed=False)

    client = module.client
    try:
        result = run_task_result(client, request, log=client.log, progress=module.progress)
    except DomainError as error:
        # What was read (and journaled) before the failure is returned with it (the module base adds the
        # calls made, for a support case).
        result = dict(getattr(error, 'result', None) or {'changed': False, 'task_results': [], 'summary': empty_summary()})
        module.fail_from_error(error, **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
