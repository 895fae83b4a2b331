# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the unit tests of module_utils and plugin_utils."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.local_http import LocalHttpServer

# Every variable the credential chain or the endpoint resolution reads.
CONNECTION_ENVIRONMENT = (
    'ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN',
    'ALICLOUD_ACCESS_KEY', 'ALICLOUD_SECRET_KEY', 'ALICLOUD_SECURITY_TOKEN', 'ALIBABA_CLOUD_PROFILE', 'ALICLOUD_PROFILE',
    'ALIBABA_CLOUD_CREDENTIALS_FILE', 'ALIBABA_CLOUD_ECS_METADATA', 'ALIBABA_CLOUD_DOMAIN_ENDPOINT',
    'ALIBABA_CLOUD_STS_ENDPOINT', 'ALIBABA_CLOUD_ECS_METADATA_ENDPOINT',
)


@pytest.fixture
def server():
    """A LocalHttpServer on 127.0.0.1, closed after the test."""
    instance = LocalHttpServer()
    yield instance
    instance.close()


@pytest.fixture
def clean_connection_environment(monkeypatch, tmp_path):
    """An empty HOME and none of the variables the connection code reads; returns the HOME path."""
    monkeypatch.setenv('HOME', str(tmp_path))
    for name in CONNECTION_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return tmp_path
