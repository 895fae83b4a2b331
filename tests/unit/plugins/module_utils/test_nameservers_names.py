# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation, normalisation, comparison and batching of names (no API calls involved)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._names import (
    nameserver_key,
    normalize_name,
    validate_domains,
    validate_nameservers,
)
from ansible_collections.aliyun.domain.plugins.module_utils._nameservers import (
    SubmissionLog,
    Target,
    chunks,
    is_aliyun_dns,
)


@pytest.mark.parametrize('value, expected', [
    ('Example.COM', 'example.com'),
    ('example.com.', 'example.com'),
    ('  example.com  ', 'example.com'),
    (u'bücher.de', 'xn--bcher-kva.de'),
    (u'例子.中国', 'xn--fsqu00a.xn--fiqs8s'),
    ('xn--bcher-kva.de', 'xn--bcher-kva.de'),
    ('a-b.example.org', 'a-b.example.org'),
])
def test_normalize_name_accepts_and_normalises(value, expected):
    assert normalize_name(value) == (expected, None)


@pytest.mark.parametrize('value, fragment', [
    ('', 'empty'),
    ('.', 'empty'),
    ('localhost', 'two labels'),
    ('exa mple.com', 'characters other than'),
    ('-bad.com', 'hyphen'),
    ('bad-.com', 'hyphen'),
    ('a..com', 'empty label'),
    ('x' * 64 + '.com', 'longer than 63'),
    ('.'.join(['abcdefghij'] * 25) + '.com', 'longer than 253'),
    ('192.0.2.1', 'IP address'),
    ('2001:db8::1', 'IP address'),
    ('example.123', 'numeric'),
    ('under_score.com', 'characters other than'),
    (42, 'not a string'),
])
def test_normalize_name_rejects_with_reason(value, fragment):
    name, problem = normalize_name(value)
    assert name is None
    assert fragment in problem


def test_validate_domains_names_every_bad_value_and_the_option():
    with pytest.raises(DomainConfigError) as info:
        validate_domains(['good.com', 'bad name.com', 'localhost'], option='dns_migration_domains')
    message = str(info.value)
    assert 'dns_migration_domains' in message
    assert "'bad name.com'" in message and "'localhost'" in message
    assert message.startswith('Invalid values for option dns_migration_domains: ')
    assert 'good.com' not in message.split('Expected', maxsplit=1)[0]
    assert info.value.option == 'dns_migration_domains'


def test_validate_domains_deduplicates_after_normalisation_keeping_order():
    assert validate_domains(['B.com', 'a.com', 'b.com.', u'BÜCHER.de']) == ['b.com', 'a.com', 'xn--bcher-kva.de']


def test_validate_domains_requires_one():
    with pytest.raises(DomainConfigError, match='at least 1'):
        validate_domains([])


def test_validate_nameservers_limits():
    assert validate_nameservers(['NS1.Example.net.', 'ns2.example.net']) == ['ns1.example.net', 'ns2.example.net']
    with pytest.raises(DomainConfigError, match='at most 13'):
        validate_nameservers(['ns%d.example.net' % number for number in range(14)])
    with pytest.raises(DomainConfigError, match="'1.2.3.4' is an IP address"):
        validate_nameservers(['1.2.3.4'])


def test_nameserver_key_ignores_order_case_trailing_dot_and_duplicates():
    assert nameserver_key(['NS2.example.net.', 'ns1.example.net', 'ns1.EXAMPLE.net']) == ('ns1.example.net', 'ns2.example.net')
    assert nameserver_key(None) == ()


def test_target_matching():
    target = Target(['ns1.example.net', 'ns2.example.net'])
    assert target.matches(['ns2.example.net.', 'NS1.example.net'])
    assert not target.matches(['ns1.example.net'])
    assert not target.matches(['ns1.example.net', 'ns2.example.net', 'ns3.example.net'])
    assert target.params() == {'AliyunDns': False, 'DomainNameServer': ['ns1.example.net', 'ns2.example.net']}
    aliyun = Target(aliyun_dns=True)
    assert aliyun.matches(['dns1.hichina.com', 'dns2.hichina.com'])
    assert aliyun.matches(['ns1.alidns.com', 'ns2.alidns.com'])
    assert not aliyun.matches(['ns1.alidns.com', 'ns1.example.net'])
    assert not aliyun.matches([])
    assert aliyun.params() == {'AliyunDns': True}
    assert Target.from_record(target.to_record()).key == target.key
    assert Target.from_record(aliyun.to_record()).key == 'aliyun_dns'


def test_is_aliyun_dns():
    assert is_aliyun_dns(['VIP1.ALIDNS.COM.'])
    assert not is_aliyun_dns(['alidns.com.example.net'])


def test_chunks():
    assert chunks(list(range(5)), 2) == [[0, 1], [2, 3], [4]]
    assert chunks([], 3) == []
    with pytest.raises(DomainConfigError, match='batch_size'):
        chunks([1], 0)


@pytest.mark.parametrize('value', [0, 1001, True, '10'])
def test_batch_size_is_a_whole_number_from_1_to_1000(value):
    with pytest.raises(DomainConfigError) as caught:
        chunks(list(range(2000)), value)
    assert str(caught.value) == 'Invalid value %r for option batch_size: expected a whole number from 1 to 1000.' % (value,)
    assert caught.value.option == 'batch_size'


def test_submission_log_roundtrip_and_completed_marker(tmp_path):
    path = str(tmp_path / 'sub' / 'state.jsonl')
    log = SubmissionLog(path)
    log.append({'event': 'intent', 'id': 'a', 'domains': ['a.com'], 'target': Target(['ns1.x.net']).to_record()})
    log.append({'event': 'submitted', 'id': 'a', 'task_no': 'T1'})
    log.append({'event': 'intent', 'id': 'b', 'domains': ['b.com'], 'target': Target(['ns1.x.net']).to_record()})
    reread = SubmissionLog(path)
    assert [(intent['id'], task_no) for intent, task_no, dummy in reread.submissions()] == [('a', 'T1'), ('b', None)]
    assert reread.task_nos() == ['T1']
    with open(path, 'a') as handle:
        handle.write(json.dumps({'event': 'completed'}) + '\n')
        handle.write('{"event": "intent", "id": "c", "dom')  # cut short by a kill
    assert list(SubmissionLog(path).submissions()) == []


def test_submission_log_appends_after_a_torn_line_without_gluing_to_it(tmp_path):
    path = tmp_path / 'state.jsonl'
    path.write_text('{"event": "intent", "id": "a", "domains": ["a.com"]}\n{"event": "submitted", "id": "a", "task_')
    log = SubmissionLog(str(path))
    assert log.task_nos() == []  # the torn outcome was never recorded
    log.append({'event': 'submitted', 'id': 'a', 'task_no': 'T1'})
    assert [json.loads(line)['event'] for line in path.read_text().splitlines()] == ['intent', 'submitted']
    assert SubmissionLog(str(path)).task_nos() == ['T1']


def test_submission_log_rejects_a_corrupt_middle_line(tmp_path):
    path = tmp_path / 'state.jsonl'
    path.write_text('not json\n{"event": "completed"}\n')
    with pytest.raises(DomainConfigError, match='line 1 is not JSON'):
        SubmissionLog(str(path))
