#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ack
short_description: Acknowledge Alibaba Cloud Domain task results, exactly the ones named
version_added: 0.1.0
description:
  - Confirms task results with the Domain API's C(AcknowledgeTaskResult). A confirmed result is no
    longer returned by C(PollTaskResult) (and so by M(aliyun.domain.domain_task_result)); it stays
    visible in the task's history (C(QueryTaskDetailList)).
  - The list of results awaiting confirmation is shared by the whole Alibaba Cloud account, other
    tools included, and a confirmation cannot be undone. So the module confirms only what it is
    given, by task detail number or by task number. There is no way to confirm all of the account's
    results without naming them.
  - The whole input is validated before the first call. A missing input, an empty list, a result
    without C(task_detail_no), or a number that is not a string fails the task and confirms nothing.
  - Numbers are de-duplicated (first occurrence kept) and sent in batches of O(batch_size), in order,
    up to O(concurrency) batches at a time. Throttling and transient errors are retried; confirming a
    number twice is harmless because the API counts only new confirmations.
  - When a batch fails, no new batch is started; batches already on their way finish and are reported.
    The module fails and returns the status of every batch and the numbers left in RV(remaining), so
    that running it again finishes the job.
  - C(changed) is true exactly when the API reports that something was newly confirmed.
author:
  - aliyun.domain contributors (!UNKNOWN)
options:
  task_detail_nos:
    description:
      - Task detail numbers (C(TaskDetailNo), as in C(task_results[].task_detail_no) of
        M(aliyun.domain.domain_task_result)) to confirm.
      - Each must be a string. A number that YAML read as an integer or a float is refused rather
        than converted, because the conversion could change it; quote such values.
      - Exactly one of O(task_detail_nos), O(results) and O(task_no) is required.
    type: list
    elements: raw
    aliases: [task_detail_no]
  results:
    description:
      - Results to confirm, such as the RV(aliyun.domain.domain_task_result#module:task_results) list
        returned by M(aliyun.domain.domain_task_result), or any list of dicts with a C(task_detail_no) key.
      - A C(task_no) key, when present, lets check mode ask C(PollTaskResult) per task instead of
        reading the account's whole list.
    type: list
    elements: dict
  task_no:
    description:
      - One task number (C(TaskNo), as returned by M(aliyun.domain.nameservers)) or a list of them.
      - Confirms every result of these tasks that C(PollTaskResult) returns at the time of the run.
        Details of these tasks that are still running have no result yet and are not confirmed; wait
        for the tasks first (M(aliyun.domain.domain_task_result) with O(aliyun.domain.domain_task_result#module:wait=true)).
    type: list
    elements: raw
    aliases: [task_nos]
  journal:
    description:
      - A journal written by M(aliyun.domain.domain_task_result) (its O(aliyun.domain.domain_task_result#module:journal)
        option). With it, O(task_no) confirms exactly the final results of those tasks that the journal holds,
        read by the module itself, instead of every result that C(PollTaskResult) returns for them.
      - Requires O(task_no). Results of these tasks that the journal does not hold are not confirmed, so a
        result is confirmed only once it is on disk; results already confirmed by an interrupted run are
        harmlessly sent again.
      - An absent journal holds no results; a line that is not a task result fails the task before any call.
    type: path
    version_added: 0.1.0
  batch_size:
    description:
      - How many task detail numbers one C(AcknowledgeTaskResult) call carries, from 1 to 1000.
      - The API documents no limit. Every number makes the signed request URL about 50 bytes longer,
        so the default of 100 makes URLs of about 5 KB and 1000 of about 50 KB.
    type: int
    default: 100
  concurrency:
    description:
      - How many C(AcknowledgeTaskResult) calls may be on their way at the same time, from 1 to 16.
      - Overlapping calls hides the round trips of a long list. V(1) sends one batch after the other.
      - After the service throttles a call, the rest of the run sends one batch at a time.
    type: int
    default: 4
extends_documentation_fragment:
  - aliyun.domain.connection
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Confirms nothing. Asks C(PollTaskResult) which of the given results are still unconfirmed
        and predicts C(changed) and RV(acknowledged_count) from that; returns them in RV(would_acknowledge).
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - If a transient error hides the answer to a batch that the service did carry out, the retry is
    answered with a smaller count, so RV(acknowledged_count) can be lower than what this run really
    confirmed. Every number is confirmed all the same.
seealso:
  - module: aliyun.domain.domain_task_result
  - module: aliyun.domain.nameservers
'''

EXAMPLES = r'''
- name: Wait for the nameserver change to finish
  aliyun.domain.domain_task_result:
    task_no: "{{ dns_change.task_nos }}"
    wait: true
  register: finished

- name: Confirm exactly those results
  aliyun.domain.ack:
    results: "{{ finished.task_results }}"

- name: Confirm every result of two tasks that PollTaskResult still returns
  aliyun.domain.ack:
    task_no:
      - b95bc334-f7d8-4f39-8a62-4c4302a243d8
      - 0e5c5a9c-3b4e-4c6e-9a43-8e1f0f3f2a11

- name: Confirm exactly the results of the tasks that the journal holds
  aliyun.domain.ack:
    task_no: "{{ dns_change.task_nos }}"
    journal: /var/lib/dns-migration/journal.jsonl

- name: Confirm results by task detail number, 50 per call
  aliyun.domain.ack:
    task_detail_nos:
      - 15fee9d10d514bada66bd08c5723c583
      - 2a3b9c0d1e2f4a5b6c7d8e9f0a1b2c3d
    batch_size: 50

- name: See what would be confirmed, without confirming anything
  aliyun.domain.ack:
    results: "{{ finished.task_results }}"
  check_mode: true
  register: preview

- name: Finish an interrupted acknowledgement
  aliyun.domain.ack:
    task_detail_nos: "{{ previous_ack.remaining }}"
  when: previous_ack is failed and previous_ack.remaining | default([]) | length > 0
'''

RETURN = r'''
acknowledged_count:
  description:
    - How many results this run newly confirmed, the sum of the API's C(Result) over all batches.
    - In check mode, how many would be (the length of RV(would_acknowledge)).
  returned: always
  type: int
  sample: 2
requested:
  description:
    - The task detail numbers the module was asked to confirm, de-duplicated, in input order.
    - With O(task_no), the numbers C(PollTaskResult) returned for those tasks; with O(journal) too, the
      numbers of their final results in the journal.
  returned: always
  type: list
  elements: str
  sample: ["15fee9d10d514bada66bd08c5723c583", "2a3b9c0d1e2f4a5b6c7d8e9f0a1b2c3d"]
batches:
  description:
    - One entry per C(AcknowledgeTaskResult) call, planned or made, in order.
    - Only the batches that were not confirmed list their numbers (RV(batches[].task_detail_nos)); the numbers of a
      confirmed batch are its share of RV(requested), in order, O(batch_size) per batch.
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: Position of the batch, from 0.
      type: int
      sample: 0
    task_detail_nos:
      description: The numbers of this batch.
      returned: when the batch failed or was not sent (always in check mode)
      type: list
      elements: str
      sample: ["15fee9d10d514bada66bd08c5723c583"]
    status:
      description:
        - C(confirmed) when the call succeeded, C(failed) when it failed after its retries,
          C(not_sent) when it was not made (after a failed batch, and always in check mode).
      type: str
      sample: confirmed
    result:
      description: The API's C(Result) for this batch (how many it newly confirmed); null unless confirmed.
      type: int
      sample: 1
    request_id:
      description: RequestId of the answer (of the error for a failed batch).
      type: str
      sample: E879DC07-38EE-4408-9F33-73B30CD965CD
    error:
      description: The error of a failed batch.
      type: dict
      returned: when the batch failed
      sample: {"code": "Forbidden.RAM", "message": "User not authorized to operate on the specified resource.", "request_id": "E879DC07"}
  sample:
    - index: 0
      status: confirmed
      result: 2
      request_id: E879DC07-38EE-4408-9F33-73B30CD965CD
remaining:
  description:
    - The numbers of the batches that failed or were not sent, to pass to O(task_detail_nos) in a
      new run. Empty after a successful run. In check mode, all of RV(requested).
  returned: always
  type: list
  elements: str
  sample: []
would_acknowledge:
  description: In check mode, the numbers of RV(requested) that C(PollTaskResult) still returns, which a real run would confirm.
  returned: in check mode
  type: list
  elements: str
  sample: ["15fee9d10d514bada66bd08c5723c583"]
api_calls:
  description: HTTP requests made, retries included.
  returned: always
  type: int
  sample: 1
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
  sample: {"code": "Throttling.User", "message": "Request was denied due to user flow control.", "request_id": "E879DC07"}
'''

from ansible_collections.aliyun.domain.plugins.module_utils._ack import (
    INPUT_OPTIONS,
    JOURNAL_OPTION,
    acknowledge,
    invocation,
    parse_request,
    predict,
    resolve_task_nos,
    validate_batch_size,
    validate_concurrency,
)
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainError
from ansible_collections.aliyun.domain.plugins.module_utils._module import AliyunDomainModule


def main():
    module = AliyunDomainModule(
        argument_spec=dict(
            task_detail_nos=dict(type='list', elements='raw', aliases=['task_detail_no']),
            results=dict(type='list', elements='dict'),
            task_no=dict(type='list', elements='raw', aliases=['task_nos']),
            journal=dict(type='path'),
            batch_size=dict(type='int', default=100),
            concurrency=dict(type='int', default=4),
        ),
        mutually_exclusive=[INPUT_OPTIONS],
        required_one_of=[INPUT_OPTIONS],
        required_by={JOURNAL_OPTION: 'task_no'},
        supports_check_mode=True,
    )
    result = {'changed': False, 'acknowledged_count': 0, 'requested': [], 'batches': [], 'remaining': []}
    try:
        request = parse_request(**dict((name, module.params[name]) for name in INPUT_OPTIONS + (JOURNAL_OPTION,)))
        batch_size = validate_batch_size(module.params['batch_size'])
        concurrency = validate_concurrency(module.params['concurrency'])
    except DomainError as error:  # bad input, or a journal that cannot be read: nothing was sent
        module.fail_from_error(error, **result)
    result['invocation'] = invocation(module.params)

    client = module.client
    try:
        resolve_task_nos(client, request)
        if module.check_mode:
            outcome = predict(client, request, batch_size)
        else:
            outcome = acknowledge(client, request.task_detail_nos, batch_size, concurrency)
    except DomainError as error:
        # Only reads can fail here (acknowledge reports its own failures): nothing was confirmed.
        result.update(requested=list(request.task_detail_nos), remaining=list(request.task_detail_nos))
        module.fail_from_error(error, **result)

    result.update(outcome.to_result())
    if outcome.error is not None:
        module.fail_json(msg=outcome.failure_message(), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
