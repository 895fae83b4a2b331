# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""QueryTaskList as the SDK models have it: TaskBizType/TaskTypeCode, creation-time filters by whole days, five tries;
TaskIsBeingProcessed for a domain whose change is in progress (the default)."""

import time

from emulator.api import whole_days
from emulator.options import parse_args

DAY_MS = 86400 * 1000
NAMESERVERS = {'AliyunDns': 'false', 'DomainNameServer.1': 'ns1.days.example', 'DomainNameServer.2': 'ns2.days.example'}


def test_whole_days_widen_the_range_to_service_local_days():
    # 2026-01-01 12:00 UTC is 20:00 in UTC+8: the day runs from 2025-12-31 16:00 UTC to 2026-01-01 16:00 UTC
    noon = 1767268800 * 1000
    begin, end = whole_days(noon, noon)
    assert begin == noon - 20 * 3600 * 1000
    assert end == begin + DAY_MS - 1
    assert whole_days(None, None) == (None, None)


def test_task_list_items_carry_the_models_fields_and_a_range_within_the_day_still_finds_the_task(start_emulator):
    emulator = start_emulator()
    client = emulator.client()
    params = dict(NAMESERVERS, **{'DomainName.1': 'example-00001.com'})
    assert client.call('SaveBatchTaskForModifyingDomainDns', params).status == 200
    now_ms = int(time.time() * 1000)
    # a range that ends before the task was created, on the same day: the service reads it by day
    earlier = now_ms - 1000
    (item,) = client.call('QueryTaskList', {'PageNum': 1, 'PageSize': 10, 'BeginCreateTime': earlier - 60000,
                                            'EndCreateTime': earlier}).body['Data']['TaskInfo']
    assert item['TaskBizType'] == 'CHG_DNS' and isinstance(item['TaskTypeCode'], int)
    tomorrow = client.call('QueryTaskList', {'PageNum': 1, 'PageSize': 10, 'BeginCreateTime': now_ms + 2 * DAY_MS})
    assert tomorrow.body['TotalItemNum'] == 0


def test_a_detail_is_tried_five_times_by_default():
    assert parse_args([]).behaviour.max_tries == 5


def test_a_domain_whose_change_is_in_progress_is_refused_by_default_and_only_when_switched_off_accepted(start_emulator):
    assert parse_args([]).behaviour.refuse_in_progress is True
    assert parse_args(['--no-refuse-in-progress']).behaviour.refuse_in_progress is False
    params = dict(NAMESERVERS, **{'DomainName.1': 'example-00002.com', 'DomainName.2': 'example-00001.com'})
    refusing = start_emulator('--task-seconds', '30').client()
    assert refusing.call('SaveBatchTaskForModifyingDomainDns', dict(NAMESERVERS, **{'DomainName.1': 'example-00001.com'})).status == 200
    refused = refusing.call('SaveBatchTaskForModifyingDomainDns', params)
    assert (refused.status, refused.code) == (400, 'TaskIsBeingProcessed')
    assert 'example-00001.com' in refused.body['Message']
    assert refusing.call('QueryTaskList', {'PageNum': 1, 'PageSize': 10}).body['TotalItemNum'] == 1
    overlapping = start_emulator('--task-seconds', '30', '--no-refuse-in-progress').client()
    for _time in range(2):
        assert overlapping.call('SaveBatchTaskForModifyingDomainDns', params).status == 200
