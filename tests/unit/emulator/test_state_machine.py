# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's task state machine, driven with explicit clock values (no sleeping)."""

import json
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator import api
from emulator.options import Behaviour, SettingError, parse_task_seconds
from emulator.store import DEFAULT_NAMESERVERS, Store, detail_state, task_state

T0 = 1700000000.0
DOMAINS = ['example-%05d.com' % i for i in range(1, 11)]
NS = ['ns1.new.example', 'ns2.new.example']


@pytest.fixture
def store(tmp_path):
    state = Store(str(tmp_path / 'state.sqlite3'), seed=7)
    state.seed_domains(DOMAINS)
    yield state
    state.close()


def behaviour(**changes):
    return Behaviour().updated(changes)


def details_of(store, task_no):
    return store.task_details(task_no)


def states(store, task_no, now):
    return [detail_state(row, now)[:2] for row in details_of(store, task_no)]


def test_success_moves_waiting_executing_success(store):
    task_no = store.submit(DOMAINS[:2], NS, behaviour(task_seconds=4), '127.0.0.1', T0)
    assert states(store, task_no, T0) == [(0, 0), (0, 0)]
    assert states(store, task_no, T0 + 0.9) == [(0, 0), (0, 0)]
    assert states(store, task_no, T0 + 1.0) == [(1, 0), (1, 0)]
    assert states(store, task_no, T0 + 3.99) == [(1, 0), (1, 0)]
    assert states(store, task_no, T0 + 4.0) == [(2, 0), (2, 0)]
    status, tries, updated = detail_state(details_of(store, task_no)[0], T0 + 100)
    assert (status, tries, updated) == (2, 0, T0 + 4.0)


def test_failing_domain_retries_then_fails_with_try_count(store):
    task_no = store.submit([DOMAINS[0]], NS, behaviour(task_seconds=2, max_tries=3, fail_domains='00001'), 'ip', T0)
    row = details_of(store, task_no)[0]
    seen = [detail_state(row, T0 + t)[:2] for t in (0, 1, 2.1, 3, 4.1, 5.9, 6.0)]
    assert seen == [(0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (1, 2), (3, 3)]
    item = api.detail_item(row, T0 + 6, 'en', fail_reason=True)
    assert item['TaskStatus'] == 'EXECUTE_FAILURE'
    assert 'rejected' in item['ErrorMsg'] and item['FailReason'] == item['ErrorMsg']
    # the failed domain keeps its nameservers
    assert json.loads(store.domain(DOMAINS[0], T0 + 10)[2]) == DEFAULT_NAMESERVERS


def test_unknown_domain_fails_after_one_try(store):
    task_no = store.submit(['not-mine.example'], NS, behaviour(task_seconds=1), 'ip', T0)
    row = details_of(store, task_no)[0]
    assert detail_state(row, T0 + 1)[:2] == (3, 1)
    assert api.detail_item(row, T0 + 1, 'en')['ErrorMsg'] == 'The domain name does not exist in your account.'
    assert api.detail_item(row, T0 + 1, 'zh')['ErrorMsg'] == '您的账号下不存在该域名。'


def test_task_codes_differ_from_detail_codes(store):
    task_no = store.submit(DOMAINS[:3], NS, behaviour(task_seconds=4), 'ip', T0)
    task = store.tasks_page(1, 10)[1][0]
    assert task[1] == task_no
    assert [task_state(task, T0 + t) for t in (0, 1, 3.9, 4)] == [1, 2, 2, 3]
    item = api.task_item(task, T0 + 4, 'zh')
    assert (item['TaskStatus'], item['TaskStatusCode'], item['TaskTypeDescription'], item['TaskNum']) == ('COMPLETE', 3, '修改DNS', 3)


def test_zero_seconds_is_final_at_once(store):
    task_no = store.submit(DOMAINS[:2], NS, behaviour(task_seconds=0), 'ip', T0)
    assert states(store, task_no, T0) == [(2, 0), (2, 0)]
    assert store.poll(T0, 1, 20)[0] == 2


def test_failure_rate_is_deterministic_per_seed(tmp_path):
    outcomes = []
    for name, seed in (('a', 1), ('b', 1), ('c', 2)):
        state = Store(str(tmp_path / name), seed=seed)
        state.seed_domains(DOMAINS)
        task_no = state.submit(DOMAINS, NS, behaviour(task_seconds=1, failure_rate=0.7, max_tries=2), 'ip', T0)
        outcomes.append(states(state, task_no, T0 + 100))
        state.close()
    assert outcomes[0] == outcomes[1]
    assert outcomes[0] != outcomes[2]
    assert {status for status, _tries in outcomes[0]} == {2, 3}
    # a success after a failed try says so in TryCount; a failure used every try
    assert all(tries in (0, 1) for status, tries in outcomes[0] if status == 2)
    assert all(tries == 2 for status, tries in outcomes[0] if status == 3)


def test_task_seconds_range_spreads_within_bounds(store):
    task_no = store.submit(DOMAINS, NS, behaviour(task_seconds='1-3'), 'ip', T0)
    seconds = [row['try_seconds'] for row in details_of(store, task_no)]
    assert all(1 <= s <= 3 for s in seconds)
    assert len(set(seconds)) == len(seconds)


def test_poll_lists_final_unacknowledged_only_and_ack_counts_new_confirmations(store):
    fast = store.submit(DOMAINS[:3], NS, behaviour(task_seconds=1), 'ip', T0)
    slow = store.submit(DOMAINS[3:5], NS, behaviour(task_seconds=10), 'ip', T0)
    total, rows = store.poll(T0 + 2, 1, 20)
    assert total == 3 and {row['task_no'] for row in rows} == {fast}
    fast_nos = [row['detail_no'] for row in rows]
    slow_nos = [row['detail_no'] for row in details_of(store, slow)]
    # not yet final details, unknown numbers and repeats are not confirmed and not errors
    assert store.acknowledge(fast_nos[:2] + fast_nos[:1] + slow_nos + ['0' * 32], T0 + 2) == 2
    assert store.acknowledge(fast_nos, T0 + 2) == 1
    assert store.acknowledge(fast_nos, T0 + 3) == 0
    assert store.poll(T0 + 3, 1, 20) == (0, [])
    # the slow ones arrive later, still acknowledgeable
    total, rows = store.poll(T0 + 10, 1, 20)
    assert total == 2 and sorted(row['detail_no'] for row in rows) == sorted(slow_nos)
    # QueryTaskDetailList keeps the acknowledged ones
    assert len(details_of(store, fast)) == 3
    records = dict((r[0], r) for r in store.detail_records())
    assert records[fast_nos[0]][8] == 3  # named in three acknowledgements, confirmed once
    assert records[fast_nos[0]][7] == T0 + 2


def test_poll_filters_and_paging(store):
    ok = store.submit(DOMAINS[:4], NS, behaviour(task_seconds=0), 'ip', T0)
    store.submit(DOMAINS[4:6], NS, behaviour(task_seconds=0, fail_domains='.'), 'ip', T0)
    assert store.poll(T0, 1, 20, outcome=3)[0] == 2
    assert store.poll(T0, 1, 20, outcome=2)[0] == 4
    assert store.poll(T0, 1, 20, task_no=ok)[0] == 4
    assert store.poll(T0, 1, 20, domain=DOMAINS[5])[1][0][4] == DOMAINS[5]
    total, page = store.poll(T0, 2, 4)
    assert total == 6 and len(page) == 2


def test_poll_count_follows_time_and_acknowledgement(store):
    store.submit(DOMAINS[:2], NS, behaviour(task_seconds=1), 'ip', T0)
    store.submit(DOMAINS[2:4], NS, behaviour(task_seconds=5), 'ip', T0)
    assert store.poll(T0 + 1, 1, 1)[0] == 2
    assert store.poll(T0 + 2, 1, 1)[0] == 2
    assert store.poll(T0 + 5, 1, 1)[0] == 4
    first = store.poll(T0 + 5, 1, 1)[1][0][1]
    store.acknowledge([first], T0 + 5)
    assert store.poll(T0 + 5, 1, 1)[0] == 3


def test_successful_detail_changes_nameservers_when_final(store):
    store.submit([DOMAINS[0]], NS, behaviour(task_seconds=2), 'ip', T0)
    assert json.loads(store.domain(DOMAINS[0], T0 + 1)[2]) == DEFAULT_NAMESERVERS
    assert json.loads(store.domain(DOMAINS[0], T0 + 2)[2]) == NS
    # a later task wins over an earlier one
    store.submit([DOMAINS[0]], ['a.example', 'b.example'], behaviour(task_seconds=1), 'ip', T0 + 3)
    store.submit([DOMAINS[0]], ['c.example', 'd.example'], behaviour(task_seconds=3), 'ip', T0 + 3)
    assert json.loads(store.domain(DOMAINS[0], T0 + 4.5)[2]) == ['a.example', 'b.example']
    assert json.loads(store.domain(DOMAINS[0], T0 + 6)[2]) == ['c.example', 'd.example']


def test_submissions_counted_per_domain_and_duplicates_collapse(store):
    store.submit([DOMAINS[0], DOMAINS[0], DOMAINS[1]], NS, behaviour(), 'ip', T0)
    store.submit([DOMAINS[0]], NS, behaviour(), 'ip', T0, source='seed')
    assert store.submissions() == {DOMAINS[0]: 1, DOMAINS[1]: 1}
    assert store.counts(T0)['details'] == 3


def test_task_history_cursor_pages_newest_first(store):
    task_nos = [store.submit([DOMAINS[i]], NS, behaviour(), 'ip', T0 + i) for i in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        previous, rows, following = store.task_history(2, cursor_ms=cursor and cursor[0], cursor_task_no=cursor and cursor[1])
        if pages:
            assert previous is not None
        seen.extend(row['task_no'] for row in rows)
        pages += 1
        if following is None:
            break
        cursor = (following['created_ms'], following['task_no'])
    assert seen == list(reversed(task_nos)) and pages == 3
    previous, rows, _following = store.task_history(2, cursor_task_no=task_nos[2])
    assert [row['task_no'] for row in rows] == [task_nos[2], task_nos[1]]
    assert previous['task_no'] == task_nos[4]


def test_state_survives_reopening(tmp_path):
    path = str(tmp_path / 'state.sqlite3')
    first = Store(path)
    first.seed_domains(DOMAINS)
    task_no = first.submit(DOMAINS[:2], NS, behaviour(task_seconds=5), 'ip', T0)
    done = first.submit(DOMAINS[2:3], NS, behaviour(task_seconds=0), 'ip', T0)
    first.acknowledge([row['detail_no'] for row in first.task_details(done)], T0)
    first.close()
    second = Store(path)
    try:
        assert states(second, task_no, T0 + 2) == [(1, 0), (1, 0)]
        assert states(second, task_no, T0 + 5) == [(2, 0), (2, 0)]
        assert second.poll(T0 + 5, 1, 10)[0] == 2
        assert json.loads(second.domain(DOMAINS[0], T0 + 5)[2]) == NS
        assert second.counts(T0 + 5)['acknowledged'] == 1
    finally:
        second.close()


def test_reset_forgets_tasks_and_restores_domains(store):
    store.submit([DOMAINS[0]], NS, behaviour(task_seconds=0), 'ip', T0)
    store.reset(DOMAINS[:3])
    assert store.counts(T0)['details'] == 0
    assert store.counts(T0)['domains'] == 3
    assert json.loads(store.domain(DOMAINS[0], T0)[2]) == DEFAULT_NAMESERVERS


@pytest.mark.parametrize('value, expected', [(2, (2.0, 2.0)), ('0.5', (0.5, 0.5)), ('1-3', (1.0, 3.0)), ([0, 1], (0.0, 1.0))])
def test_task_seconds_forms(value, expected):
    task_time = parse_task_seconds(value)
    assert task_time.distribution == 'uniform' and (task_time.low, task_time.high) == expected


@pytest.mark.parametrize('changes, message', [
    ({'task_seconds': '3-1'}, 'task_seconds'),
    ({'task_seconds': 'soon'}, 'task_seconds'),
    ({'throttle_rate': 1.5}, 'throttle_rate'),
    ({'error_rate': 'x'}, 'error_rate'),
    ({'latency_ms': -1}, 'latency_ms'),
    ({'fail_domains': '('}, 'fail_domains'),
    ({'colour': 'blue'}, 'unknown option(s) colour'),
])
def test_bad_settings_name_option_and_value(changes, message):
    with pytest.raises(SettingError) as caught:
        Behaviour().updated(changes)
    assert message in str(caught.value)


@settings(max_examples=25, deadline=None)
@given(seconds=st.floats(min_value=0.01, max_value=100), max_tries=st.integers(min_value=1, max_value=5),
       failure_rate=st.sampled_from([0.0, 0.3, 1.0]), seed=st.integers(min_value=0, max_value=2 ** 20),
       fractions=st.lists(st.floats(min_value=0, max_value=1.2), min_size=2, max_size=12))
def test_detail_life_is_monotonic(tmp_path_factory, seconds, max_tries, failure_rate, seed, fractions):
    store = Store(str(tmp_path_factory.mktemp('hypothesis') / 'state.sqlite3'), seed=seed)
    try:
        store.seed_domains(DOMAINS[:1])
        task_no = store.submit(DOMAINS[:1], NS, behaviour(task_seconds=seconds, max_tries=max_tries, failure_rate=failure_rate),
                               'ip', T0)
        row = details_of(store, task_no)[0]
        final_at = row['final_at']
        assert T0 + seconds <= final_at <= T0 + seconds * max_tries + 1e-6
        previous = (0, 0)
        for moment in sorted(T0 + fraction * seconds * max_tries for fraction in fractions):
            status, tries, updated = detail_state(row, moment)
            assert updated <= max(moment, T0)
            assert tries >= previous[1]
            assert tries <= max_tries
            if previous[0] in (2, 3):
                assert (status, tries) == previous  # final is final
            assert (status in (2, 3)) == (moment >= final_at)
            previous = (status, tries)
        status, tries, _updated = detail_state(row, final_at)
        assert (status == 3) == (tries == max_tries)
        if failure_rate == 1.0:
            assert status == 3
        if failure_rate == 0.0:
            assert (status, tries) == (2, 0)
    finally:
        store.close()


@pytest.mark.parametrize('lang', ['en', 'zh'])
def test_poll_items_rendered_at_submission_equal_the_live_view(tmp_path, lang):
    """PollTaskResult splices the text stored at submission; it must say what rendering the final detail now says."""
    viewing = Store(str(tmp_path / 'views.sqlite3'), seed=7, final_view=api.final_view)
    viewing.seed_domains(DOMAINS)
    try:
        viewing.submit(DOMAINS[:3] + ['unknown.example'], NS, behaviour(task_seconds=1, fail_domains='00002'), 'ip', T0)
        request = api.Request({'PageNum': '1', 'PageSize': '20'}, T0 + 10, lang, 'ip', behaviour())
        answer = api.poll_task_result(viewing, request)
        items = answer['Data']['TaskDetail']
        assert len(items) == 4 and all(isinstance(item, api.EncodedText) for item in items)
        _total, rows = viewing.poll(T0 + 10, 1, 20, lang=lang)
        live = [api.detail_item(row, T0 + 10, lang) for row in rows]
        assert [json.loads(item.json) for item in items] == [dict(item) for item in live]
        assert {item['TaskStatus'] for item in live} == {'EXECUTE_SUCCESS', 'EXECUTE_FAILURE'}
    finally:
        viewing.close()


def test_a_state_file_of_another_schema_is_refused_and_left_as_it_is(tmp_path):
    path = tmp_path / 'state.sqlite3'
    older = sqlite3.connect(str(path))
    older.execute('CREATE TABLE domains (name TEXT PRIMARY KEY, dns TEXT NOT NULL)')
    older.execute("INSERT INTO domains VALUES ('example.com', '[]')")
    older.commit()
    older.close()
    with pytest.raises(sqlite3.DatabaseError) as refused:
        Store(str(path))
    assert 'another schema' in str(refused.value) and 'another --state' in str(refused.value)
    kept = sqlite3.connect(str(path))
    try:
        assert kept.execute('SELECT name, dns FROM domains').fetchall() == [('example.com', '[]')]
    finally:
        kept.close()


def test_task_seconds_lognormal_spreads_around_the_median(store):
    task_no = store.submit(DOMAINS, NS, behaviour(task_seconds='lognormal:600,0.6'), 'ip', T0)
    seconds = sorted(row['try_seconds'] for row in details_of(store, task_no))
    assert all(s > 0 for s in seconds)
    assert len(set(seconds)) == len(seconds)
    # ten draws of a lognormal with sigma 0.6: spread wide, yet none absurdly far from the median
    assert seconds[-1] > 1.2 * seconds[0]
    assert all(600 / 20 < s < 600 * 20 for s in seconds)


def test_slow_domains_by_pattern_override_the_task_time(store):
    task_no = store.submit(DOMAINS, NS, behaviour(task_seconds='2-5', slow_domains='EXAMPLE-00010.com=55,*-0000[12].com=30'), 'ip', T0)
    seconds = dict((row['domain'], row['try_seconds']) for row in details_of(store, task_no))
    assert seconds.pop('example-00010.com') == 55
    assert seconds.pop('example-00001.com') == seconds.pop('example-00002.com') == 30
    assert all(2 <= s <= 5 for s in seconds.values())


def test_task_time_and_slow_domain_settings_are_validated_and_round_trip():
    for bad in ('lognormal:0,0.6', 'lognormal:600', 'lognormal:a,b', 'normal:1-2', '5-1', True):
        with pytest.raises(SettingError) as error:
            behaviour(task_seconds=bad)
        assert 'task_seconds' in str(error.value)
    for bad in ('straggler*.com', 'x=-1', '=5', 'x=inf', ['x=1', 'y'], {'x': True}):
        with pytest.raises(SettingError) as error:
            behaviour(slow_domains=bad)
        assert 'slow_domains' in str(error.value)
    configured = behaviour(task_seconds='lognormal:600,0.6', slow_domains={'Straggler*.com': 45})
    assert configured.to_json()['task_seconds'] == 'lognormal:600,0.6'
    assert configured.to_json()['slow_domains'] == ['straggler*.com=45']
    assert Behaviour().updated(configured.to_json()) == configured
    assert behaviour(task_seconds='uniform:1-3').to_json()['task_seconds'] == '1-3'
