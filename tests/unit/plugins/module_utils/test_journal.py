# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.aliyun.domain.plugins.module_utils import _journal
from ansible_collections.aliyun.domain.plugins.module_utils._journal import (
    JournalError,
    JournalWriter,
    append_journal,
    read_journal,
)


def record(number, **fields):
    result = {'task_detail_no': number, 'task_no': 'task-1', 'domain_name': '%s.example' % number,
              'task_status_code': 2}
    result.update(fields)
    return result


def lines_of(path):
    with open(path, encoding='utf-8') as handle:
        return handle.read().splitlines()


def test_appends_one_line_per_detail_and_reads_them_back(tmp_path):
    path = str(tmp_path / 'results.jsonl')

    written = append_journal(path, [record('a'), record('b', task_type_description=u'修改DNS')])

    assert written == 2
    assert [json.loads(line)['task_detail_no'] for line in lines_of(path)] == ['a', 'b']
    assert list(read_journal(path)) == [record('a'), record('b', task_type_description=u'修改DNS')]


def test_never_writes_a_detail_twice(tmp_path):
    path = str(tmp_path / 'results.jsonl')
    append_journal(path, [record('a'), record('b')])

    written = append_journal(path, [record('b', task_status_code=3), record('c'), record('c')])

    assert written == 1
    assert [json.loads(line)['task_detail_no'] for line in lines_of(path)] == ['a', 'b', 'c']
    assert json.loads(lines_of(path)[1])['task_status_code'] == 2


def test_flushes_and_fsyncs_before_closing(tmp_path, monkeypatch):
    path = str(tmp_path / 'results.jsonl')
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(os.fstat(fd).st_size)
        real_fsync(fd)

    monkeypatch.setattr(_journal.os, 'fsync', fsync)

    with JournalWriter(path) as writer:
        writer.append([record('a')])
        writer.append([record('b')])

    assert len(synced) == 1
    assert synced[0] == os.path.getsize(path) > 0


def test_a_torn_last_line_is_ignored_and_the_next_record_starts_a_new_line(tmp_path):
    path = tmp_path / 'results.jsonl'
    path.write_text(json.dumps(record('a')) + '\n' + '{"task_detail_no": "b", "dom', encoding='utf-8')

    assert [item['task_detail_no'] for item in read_journal(str(path))] == ['a']
    append_journal(str(path), [record('b')])

    assert [item['task_detail_no'] for item in read_journal(str(path))] == ['a', 'b']


def test_a_corrupt_line_in_the_middle_is_an_error_naming_file_and_line(tmp_path):
    path = tmp_path / 'results.jsonl'
    path.write_text(json.dumps(record('a')) + '\nnot json\n' + json.dumps(record('b')) + '\n', encoding='utf-8')

    with pytest.raises(JournalError) as caught:
        append_journal(str(path), [record('c')])

    assert str(path) in str(caught.value)
    assert 'line 2' in str(caught.value)
    assert 'c.example' not in path.read_text(encoding='utf-8')


def test_a_line_without_task_detail_no_is_rejected(tmp_path):
    path = tmp_path / 'results.jsonl'
    path.write_text('{"domain_name": "a.example"}\n', encoding='utf-8')

    with pytest.raises(JournalError, match='line 1 is not a task result'):
        list(read_journal(str(path)))


def test_refuses_records_without_task_detail_no(tmp_path):
    path = str(tmp_path / 'results.jsonl')

    with pytest.raises(JournalError, match='without task_detail_no'):
        append_journal(path, [{'domain_name': 'a.example'}])


def test_missing_directory_is_a_clear_error(tmp_path):
    path = str(tmp_path / 'missing' / 'results.jsonl')

    with pytest.raises(JournalError) as caught:
        append_journal(path, [record('a')])

    assert 'does not exist' in str(caught.value)
    assert path in str(caught.value)


def test_absent_journal_reads_as_empty(tmp_path):
    assert list(read_journal(str(tmp_path / 'nothing.jsonl'))) == []


@pytest.mark.parametrize('content, expected', [
    (b'', 0), (b'{}\n', 3), (b'{}\n{"a', 3), (b'{"abc"', 0), (b'{}\n{}\n{"abcdefgh', 6), (b'{}\n{}\n', 6),
])
def test_complete_length_finds_the_last_newline_across_chunks(tmp_path, content, expected):
    path = tmp_path / 'results.jsonl'
    path.write_bytes(content)

    assert _journal._complete_length(str(path), chunk_size=2) == expected
