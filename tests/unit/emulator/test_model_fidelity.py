# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every answer the emulator gives has the fields of the official SDK's model, with the model's scalar types, and no
field the model does not know (issue 15's fidelity list: DomainGroupId an int by name and a string in the list,
Registrar and the privacy fields present, TaskBizType/TaskTypeCode in QueryTaskList, ...)."""

import inspect
import re

import pytest
from alibabacloud_domain20180129 import models

SCALARS = {'str': str, 'int': int, 'bool': bool}
PAGE = {'PageNum': 1, 'PageSize': 10}


def model_fields(model_class):
    """{API name: annotation} of a model, the API names read from its to_map() source."""
    names = set(re.findall(r"result\['(\w+)'\]", inspect.getsource(model_class.to_map)))
    annotations = dict((name, parameter.annotation) for name, parameter in
                       inspect.signature(model_class.__init__).parameters.items() if name != 'self')
    fields = dict((name, annotations[re.sub(r'(?<!^)(?=[A-Z])', '_', name).lower()]) for name in names)
    assert fields
    return fields


def assert_fits(answer, model_class, skip=()):
    fields = model_fields(model_class)
    assert sorted(set(answer) - set(fields)) == [], 'fields the model does not have'
    assert sorted(set(fields) - set(answer) - set(skip)) == [], 'model fields missing from the answer'
    for name, annotation in fields.items():
        expected = SCALARS.get(annotation)
        if expected is None or name not in answer:
            continue
        value = answer[name]
        assert isinstance(value, expected) and (expected is bool or not isinstance(value, bool)), (name, value, annotation)


@pytest.fixture
def answers(start_emulator):
    emulator = start_emulator('--task-seconds', '0')
    client = emulator.client()
    params = {'AliyunDns': 'false', 'DomainNameServer.1': 'ns1.model.example', 'DomainNameServer.2': 'ns2.model.example',
              'DomainName.1': 'example-00001.com'}
    task_no = client.call('SaveBatchTaskForModifyingDomainDns', params).body['TaskNo']

    def call(action, extra=None):
        answer = client.call(action, extra)
        assert answer.status == 200, answer.body
        return answer.body
    call.task_no = task_no
    return call


def test_query_domain_by_domain_name_fits_its_model(answers):
    body = answers('QueryDomainByDomainName', {'DomainName': 'example-00001.com'})
    assert_fits(body, models.QueryDomainByDomainNameResponseBody)
    assert isinstance(body['DomainGroupId'], int) and body['Registrar']
    assert body['TransferOutStatus'] in ('NORMAL', 'PENDING') and body['DnsList']['Dns']


def test_query_domain_list_items_fit_their_model(answers):
    body = answers('QueryDomainList', PAGE)
    assert_fits(body, models.QueryDomainListResponseBody)
    for item in body['Data']['Domain']:
        assert_fits(item, models.QueryDomainListResponseBodyDataDomain)
        assert isinstance(item['DomainGroupId'], str) and item['DnsList']['DnsList']


def test_task_answers_fit_their_models(answers):
    tasks = answers('QueryTaskList', PAGE)
    assert_fits(tasks, models.QueryTaskListResponseBody)
    for item in tasks['Data']['TaskInfo']:
        assert_fits(item, models.QueryTaskListResponseBodyDataTaskInfo)
    details = answers('QueryTaskDetailList', dict(PAGE, TaskNo=answers.task_no))
    assert_fits(details, models.QueryTaskDetailListResponseBody)
    for item in details['Data']['TaskDetail']:
        assert_fits(item, models.QueryTaskDetailListResponseBodyDataTaskDetail)
    polled = answers('PollTaskResult', PAGE)
    assert_fits(polled, models.PollTaskResultResponseBody)
    for item in polled['Data']['TaskDetail']:
        assert_fits(item, models.PollTaskResultResponseBodyDataTaskDetail)


def test_history_answers_fit_their_models(answers):
    # one page of one task: no previous or next page, so those cursors are absent
    history = answers('QueryTaskInfoHistory', {'PageSize': 10})
    assert_fits(history, models.QueryTaskInfoHistoryResponseBody, skip=('NextPageCursor', 'PrePageCursor'))
    for item in history['Objects'] + [history['CurrentPageCursor']]:
        assert_fits(item, models.QueryTaskInfoHistoryResponseBodyObjects)
    details = answers('QueryTaskDetailHistory', {'PageSize': 10, 'TaskNo': answers.task_no})
    assert_fits(details, models.QueryTaskDetailHistoryResponseBody, skip=('NextPageCursor', 'PrePageCursor'))
    for item in details['Objects'] + [details['CurrentPageCursor']]:
        assert_fits(item, models.QueryTaskDetailHistoryResponseBodyObjects)
