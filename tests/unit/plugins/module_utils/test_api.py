# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_api: the lenient reading of the numbers, lists and statuses the service sends."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils._api import (
    TASK_DETAIL_ITEMS,
    as_int,
    detail_status_code,
    extract_items,
    is_final_detail,
    is_pending_detail,
)


@pytest.mark.parametrize('value, expected', [(3, 3), ('3', 3), (' 12 ', 12), ('', None), (None, None), ('x', None),
                                             (True, None), ([1], None)])
def test_as_int_reads_numbers_and_strings_of_numbers(value, expected):
    assert as_int(value) == expected


def test_as_int_default_is_returned_for_what_is_no_number():
    assert as_int('junk', 0) == 0
    assert as_int(None, 'kept') == 'kept'
    assert as_int('7', 0) == 7


@pytest.mark.parametrize('envelope, expected', [
    ({'Data': {'TaskDetail': [{'a': 1}, {'a': 2}]}}, [{'a': 1}, {'a': 2}]),
    ({'Data': {'TaskDetail': {'a': 1}}}, [{'a': 1}]),  # XML: one element is an object
    ({'Data': {}}, []),
    ({'Data': None}, []),
    ({'Data': 'text'}, []),
    ({}, []),
])
def test_extract_items_always_gives_a_list(envelope, expected):
    assert extract_items(envelope, TASK_DETAIL_ITEMS) == expected


@pytest.mark.parametrize('detail, code, final, pending', [
    ({'TaskStatusCode': 2}, 2, True, False),
    ({'TaskStatusCode': '3', 'TaskStatus': 'EXECUTING'}, 3, True, False),  # the code wins
    ({'TaskStatus': 'EXECUTING'}, 1, False, True),
    ({'TaskStatus': 'WAITING_EXECUTE'}, 0, False, True),
    ({'TaskStatus': 'EXECUTE_FAILURE'}, 3, True, False),
    ({}, None, False, False),
    ({'TaskStatusCode': 'odd'}, None, False, False),
])
def test_detail_status_from_code_or_name(detail, code, final, pending):
    assert detail_status_code(detail) == code
    assert is_final_detail(detail) is final
    assert is_pending_detail(detail) is pending
