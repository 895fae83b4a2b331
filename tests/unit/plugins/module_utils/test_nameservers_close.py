# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Closing a migration in the state file (``close_migration``): SubmissionLog owns the ``completed`` record."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._nameservers import (
    NameserverRequest,
    SubmissionLog,
    close_migration,
)
from ansible_collections.aliyun.domain.plugins.module_utils._options import OptionAdapter


def request(**options):
    return NameserverRequest(OptionAdapter.from_dict(options))


def state_with_a_submission(path):
    log = SubmissionLog(str(path))
    log.append({'event': 'intent', 'id': 'i-1', 'time_ms': 1, 'domains': ['example.com'],
                'target': {'aliyun_dns': False, 'nameservers': ['ns1.example.org']}, 'known_task_nos': []})
    log.append({'event': 'submitted', 'id': 'i-1', 'task_no': 'T-1'})
    return log


def test_closing_appends_one_completed_record_and_the_next_run_adopts_nothing(tmp_path):
    path = tmp_path / 'state.jsonl'
    assert state_with_a_submission(path).task_nos() == ['T-1']
    closing = {'started': '2026-12-02T10:00:00Z', 'report': 'reports/r.json'}
    result = close_migration(request(state_file=str(path), close_migration=closing))
    assert result['changed'] is True and result['task_nos'] == [] and result['api_calls'] == 0
    record = {'event': 'completed', 'started': '2026-12-02T10:00:00Z', 'report': 'reports/r.json', 'kind': 'migration'}
    assert result['completed'] == record
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[-1]) == record
    assert SubmissionLog(str(path)).task_nos() == []


def test_values_not_given_are_left_out_and_check_mode_writes_nothing(tmp_path):
    path = tmp_path / 'state.jsonl'
    state_with_a_submission(path)
    before = path.read_text()
    result = close_migration(request(state_file=str(path), close_migration={'started': None, 'report': None}), check_mode=True)
    assert result['completed'] == {'event': 'completed', 'kind': 'migration'} and result['changed'] is True
    assert path.read_text() == before


def test_a_missing_state_file_is_created(tmp_path):
    path = tmp_path / 'new' / 'state.jsonl'
    close_migration(request(state_file=str(path), close_migration={}))
    assert json.loads(path.read_text()) == {'event': 'completed', 'kind': 'migration'}


@pytest.mark.parametrize('options, kind', [
    ({'close_migration': {'kind': 'rollback'}}, 'rollback'),
    ({'close_migration': {}, 'run_kind': 'rollback'}, 'rollback'),
    ({'close_migration': {'kind': 'migration'}, 'run_kind': 'rollback'}, 'migration'),
], ids=['own-kind', 'run-kind', 'own-kind-wins'])
def test_the_completed_record_says_what_kind_of_run_it_closes(tmp_path, options, kind):
    path = tmp_path / 'state.jsonl'
    result = close_migration(request(state_file=str(path), **options))
    assert result['completed'] == {'event': 'completed', 'kind': kind}
    assert json.loads(path.read_text()) == {'event': 'completed', 'kind': kind}


@pytest.mark.parametrize('options, fragment', [
    ({'close_migration': {'report': 'r.json'}}, 'Option close_migration needs state_file'),
    ({'close_migration': {}, 'state_file': 's', 'domains': ['example.com']}, 'domains and close_migration are mutually exclusive'),
    ({'close_migration': {'report': 7}, 'state_file': 's'}, 'Invalid value 7 for option close_migration.report: expected a string'),
    ({'nameservers': ['ns1.example.org']}, 'or domain_nameservers is required (unless close_migration'),
    ({'close_migration': {'kind': 'undo'}, 'state_file': 's'},
     "Invalid value 'undo' for option close_migration.kind: expected one of migration, rollback."),
    ({'domains': ['example.com'], 'nameservers': ['ns1.example.org'], 'run_kind': 'back'},
     "Invalid value 'back' for option run_kind: expected one of migration, rollback."),
])
def test_bad_close_options_are_named(options, fragment):
    with pytest.raises(DomainConfigError) as raised:
        request(**options)
    assert fragment in str(raised.value)
