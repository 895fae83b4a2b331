# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options the domain_task_result module and lookup share word for word; each documents its
    # own way of naming tasks (task_no or terms), page_num, query and wait.
    DOCUMENTATION = r'''
options:
  domain_name:
    description:
      - Only results for this domain.
      - When waiting without task numbers, wait until a result for this domain appears.
    type: str
  instance_id:
    description:
      - Only results for this domain instance ID.
      - When waiting without task numbers, wait until a result for this instance appears.
    type: str
  task_result_status:
    description:
      - Only results that ended this way. V(success) (or V(2)) for EXECUTE_SUCCESS, V(failure) (or V(3)) for
        EXECUTE_FAILURE.
    type: str
    choices: [success, failure, '2', '3']
  page_size:
    description:
      - Results per PollTaskResult request, from 1 to 1000.
    type: int
    default: 1000
  task_type:
    description:
      - Only results of this task type, for example V(CHG_DNS). Filtered after reading.
      - PollTaskResult holds the results of every task type of the account (renewals, registrant changes and
        so on, submitted by the console or other tools), not only the C(CHG_DNS) tasks of this collection.
        Without a task number or O(task_type) they are all returned; acknowledge only the results you own. The
        R(dns_migration role,ansible_collections.aliyun.domain.dns_migration_role) reads and confirms only its own tasks.
    type: str
  journal:
    description:
      - Path of a JSON Lines file to append every result to, one object per task detail, never two lines for the
        same C(task_detail_no) (results already in the file are skipped). The file is flushed and synced to disk
        before returning, also when failing after results were read, so that a later acknowledgement never loses a
        result.
      - The directory must exist. The file is locked while it is written, so concurrent runs may share it; a line
        torn by a crash mid-write is cut off and written again.
    type: path
  wait_timeout:
    description:
      - Seconds to wait at most. On timeout the task fails with how many details are final, the pending domains and
        the elapsed time.
    type: float
    default: 900
  poll_interval:
    description:
      - The API budget of a wait. After its first minute a wait makes no more than 60 / O(poll_interval) + 1
        polls in any minute, and no sleep is shorter than O(poll_interval) or a small share of the time already
        waited, whichever is less.
      - Within that budget the waiter spends polls where the end is likely. Until details finish, sleeps grow from
        about O(poll_interval) (shorter once the service executes the details) up to O(max_poll_interval). Once
        they finish, it predicts the end from their measured completion rate and polls closely around it; a last
        detail that outlives its prediction (a straggler that keeps retrying) is polled at a steady beat of 1.5
        times O(poll_interval), so a long wait costs fewer calls than an C(until) loop with a 10 second C(delay).
    type: float
    default: 8
  max_poll_interval:
    description:
      - The longest sleep between two polls, at least O(poll_interval). A wait moves on at most this long (plus one
        call) after the last detail became final, whatever the prediction said.
    type: float
    default: 30
  fail_on_failure:
    description:
      - When waiting, fail if any waited detail ended in EXECUTE_FAILURE, naming the failed domains and their error
        messages; all results are still returned (module) and journaled.
      - Without waiting, failed details are only data.
    type: bool
    default: true
'''
