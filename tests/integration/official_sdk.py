# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The official Domain API SDK (alibabacloud_domain20180129), unchanged, pointed at an emulator: another tool of
the same account, or an independent reader of what the registrar holds. Tests that need it skip without it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest


def official_sdk(emulator):
    """``(client, models)``: an SDK client for ``emulator`` (its credentials, plain HTTP) and the SDK's models."""
    models = pytest.importorskip('alibabacloud_domain20180129.models')
    sdk_client = pytest.importorskip('alibabacloud_domain20180129.client')
    open_api_models = pytest.importorskip('alibabacloud_tea_openapi.models')
    config = open_api_models.Config(access_key_id=emulator.access_key_id, access_key_secret=emulator.access_key_secret,
                                    endpoint='%s:%d' % (emulator.host, emulator.port), protocol='http')
    return sdk_client.Client(config), models


def registrar_nameservers(emulator, domain):
    """What the official SDK, unchanged, reads for the domain (QueryDomainByDomainName)."""
    client, models = official_sdk(emulator)
    return client.query_domain_by_domain_name(models.QueryDomainByDomainNameRequest(domain_name=domain)).body.dns_list.dns
