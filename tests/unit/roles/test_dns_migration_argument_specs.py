# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns_migration role's argument specs against the modules they feed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml

from ansible_collections.aliyun.domain.plugins.module_utils._options import connection_argument_spec
from ansible_collections.aliyun.domain.plugins.module_utils._waiter import DEFAULT_MAX_POLL_INTERVAL, DEFAULT_POLL_INTERVAL

ROLE = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'roles', 'dns_migration')


def _load(*parts):
    with open(os.path.join(ROLE, *parts)) as handle:
        return yaml.safe_load(handle)


def test_the_connection_variable_takes_every_connection_option_of_the_modules_and_hides_the_secrets():
    # the role's check runs before any module, so an option it does not know would be refused there
    # even though every module takes it (connect_timeout and user_client_ip once were)
    options = _load('meta', 'argument_specs.yml')['argument_specs']['main']['options']['dns_migration_connection']['options']
    modules = connection_argument_spec()
    assert sorted(options) == sorted(modules)
    for name, spec in modules.items():
        assert options[name]['type'] == spec['type'], name
        assert options[name].get('choices') == spec.get('choices'), name
        assert bool(options[name].get('no_log')) == bool(spec.get('no_log')), name


def test_the_wait_defaults_are_the_modules_defaults():
    defaults = _load('defaults', 'main.yml')
    specs = _load('meta', 'argument_specs.yml')['argument_specs']['main']['options']
    assert defaults['dns_migration_poll_interval'] == specs['dns_migration_poll_interval']['default'] == DEFAULT_POLL_INTERVAL
    assert defaults['dns_migration_max_poll_interval'] == specs['dns_migration_max_poll_interval']['default'] == DEFAULT_MAX_POLL_INTERVAL
    assert defaults['dns_migration_connection'] == {}
