# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Domain API's words, said once (internal use only).

Action names, the two status scales (a task detail's and a task's are numbered differently), page
limits, where each answer keeps its items, and the lenient reading of the numbers and lists the
service sends (JSON and XML answers spell them differently: ``"3"`` or ``3``, a list or one object).
Values follow the official SDK models (``alibabacloud-domain20180129``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Actions (API version 2018-01-29)
POLL_TASK_RESULT = 'PollTaskResult'
QUERY_TASK_DETAIL_LIST = 'QueryTaskDetailList'
QUERY_TASK_LIST = 'QueryTaskList'
QUERY_DOMAIN_LIST = 'QueryDomainList'
QUERY_DOMAIN_BY_DOMAIN_NAME = 'QueryDomainByDomainName'
ACKNOWLEDGE_TASK_RESULT = 'AcknowledgeTaskResult'
SAVE_BATCH_TASK_FOR_MODIFYING_DOMAIN_DNS = 'SaveBatchTaskForModifyingDomainDns'
CANCEL_TASK = 'CancelTask'

# The task type of a nameserver change (TaskType of QueryTaskList's TaskInfo and of a TaskDetail).
TASK_TYPE_CHANGE_DNS = 'CHG_DNS'

# A task detail's status (TaskDetail.TaskStatusCode / TaskStatus): one domain of a task.
DETAIL_WAITING = 0
DETAIL_EXECUTING = 1
DETAIL_SUCCESS = 2
DETAIL_FAILURE = 3
DETAIL_STATUS_NAMES = {
    'WAITING_EXECUTE': DETAIL_WAITING,
    'EXECUTING': DETAIL_EXECUTING,
    'EXECUTE_SUCCESS': DETAIL_SUCCESS,
    'EXECUTE_FAILURE': DETAIL_FAILURE,
}
PENDING_DETAIL_CODES = (DETAIL_WAITING, DETAIL_EXECUTING)
FINAL_DETAIL_CODES = (DETAIL_SUCCESS, DETAIL_FAILURE)

# A task's status (QueryTaskList's TaskInfo.TaskStatusCode): the batch as a whole, numbered from 1.
TASK_WAITING = 1
TASK_EXECUTING = 2
TASK_COMPLETE = 3

# A task's cancel status (QueryTaskList's TaskInfo.TaskCancelStatusCode / TaskCancelStatus).
CANCEL_INIT = 0
CANCEL_CANCELLING = 1
CANCEL_COMPLETE = 2
CANCEL_STATUS_NAMES = {
    'INIT': CANCEL_INIT,
    'CANCELLING': CANCEL_CANCELLING,
    'COMPLETE': CANCEL_COMPLETE,
}

# The documented maximum PageSize of QueryTaskDetailList and PollTaskResult: one page of details.
# A CHG_DNS task of at most one page is read page by page like any other, and an acknowledgement
# batch is bounded by the same number.
MAX_PAGE_SIZE = 1000
# QueryDomainList documents no maximum PageSize; the console and the SDK examples use 100, and a
# lagging page costs little to re-read.
DOMAIN_LIST_PAGE_SIZE = 100
TASK_LIST_PAGE_SIZE = 100

# Where each paged answer keeps its items.
TASK_DETAIL_ITEMS = ('Data', 'TaskDetail')   # PollTaskResult, QueryTaskDetailList
TASK_INFO_ITEMS = ('Data', 'TaskInfo')       # QueryTaskList
DOMAIN_ITEMS = ('Data', 'Domain')            # QueryDomainList


def as_int(value, default=None):
    """``value`` as an int when it is one or a string of one; ``default`` otherwise (None, '', a boolean, junk)."""
    if value is None or isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def extract_items(envelope, items_path):
    """The items at ``items_path`` (for example TASK_DETAIL_ITEMS) as a list; one object (XML) as a list of one."""
    node = envelope
    for key in items_path:
        if not isinstance(node, dict):
            return []
        node = node.get(key)
    if node is None:
        return []
    if isinstance(node, dict):
        return [node]
    return list(node)


def detail_status_code(detail):
    """A TaskDetail's status code (0-3): TaskStatusCode, else its TaskStatus name; None when unknown."""
    code = detail.get('TaskStatusCode')
    if code is None:
        return DETAIL_STATUS_NAMES.get(str(detail.get('TaskStatus') or '').upper())
    return as_int(code)


def is_final_detail(detail):
    """True once a TaskDetail succeeded or failed: a final status never changes again."""
    return detail_status_code(detail) in FINAL_DETAIL_CODES


def is_pending_detail(detail):
    """True while a TaskDetail waits to be executed or is executing."""
    return detail_status_code(detail) in PENDING_DETAIL_CODES
