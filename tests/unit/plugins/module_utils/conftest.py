# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the unit tests that drive the real DomainClient against the fake task API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.task_result_fakes import FakeClock, FakeTaskApi


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def api(clock):  # pylint: disable=redefined-outer-name
    return FakeTaskApi(clock)
