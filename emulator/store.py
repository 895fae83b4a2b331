# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's state in SQLite: domains, tasks and task details.

A detail's progress is a pure function of its schedule (created, seconds per try, the try that ends
it, its outcome, the time a CancelTask froze it) and the current time, so nothing sleeps per task: reads compute the state, and the
only deferred write — applying a successful CHG_DNS to the domain's nameservers — happens in a cheap
sweep before domains are read.  Every change is one transaction under one writer lock; readers see
WAL snapshots, so no request sees half of a change.
"""

import contextlib
import hashlib
import json
import os
import random
import shutil
import sqlite3
import tempfile
import threading
import uuid

from .domain_states import block_of
from .options import slow_domain_seconds

# Share of one try spent in WAITING_EXECUTE before EXECUTING.
WAIT_FRACTION = 0.25

DETAIL_WAITING, DETAIL_EXECUTING, DETAIL_SUCCESS, DETAIL_FAILURE = 0, 1, 2, 3
DETAIL_STATUS = {0: 'WAITING_EXECUTE', 1: 'EXECUTING', 2: 'EXECUTE_SUCCESS', 3: 'EXECUTE_FAILURE'}
TASK_WAITING, TASK_EXECUTING, TASK_COMPLETE = 1, 2, 3
TASK_STATUS = {1: 'WAITING_EXECUTE', 2: 'EXECUTING', 3: 'COMPLETE'}
# QueryTaskList's TaskCancelStatus/TaskCancelStatusCode
CANCEL_INIT, CANCEL_CANCELLING, CANCEL_COMPLETE = 0, 1, 2
CANCEL_STATUS = {0: 'INIT', 1: 'CANCELLING', 2: 'COMPLETE'}
# What Store.cancel() found: the task was cancelled now, had been cancelled before, is unknown, or was already complete.
CANCELLED, ALREADY_CANCELLED, UNKNOWN_TASK, TASK_ALREADY_COMPLETE = 'cancelled', 'already_cancelled', 'unknown', 'complete'

DEFAULT_NAMESERVERS = ['dns1.hichina.com', 'dns2.hichina.com']
ALIYUN_NAMESERVERS = ['ns1.alidns.com', 'ns2.alidns.com']
REGISTERED_BASE = 1577836800.0  # 2020-01-01T00:00:00Z; seeded domains are registered on consecutive days from here
YEAR = 365 * 86400.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS domains (
    name TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    dns TEXT NOT NULL,
    registered REAL NOT NULL,
    expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY,
    task_no TEXT NOT NULL UNIQUE,
    task_type TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    first_exec REAL NOT NULL,
    complete_at REAL NOT NULL,
    detail_count INTEGER NOT NULL,
    client_ip TEXT NOT NULL,
    source TEXT NOT NULL,
    cancel_requested REAL,
    cancel_complete REAL
);
CREATE INDEX IF NOT EXISTS tasks_created ON tasks (created_ms, seq);
CREATE TABLE IF NOT EXISTS details (
    seq INTEGER PRIMARY KEY,
    detail_no TEXT NOT NULL UNIQUE,
    task_seq INTEGER NOT NULL,
    task_no TEXT NOT NULL,
    task_type TEXT NOT NULL,
    domain TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    dns TEXT,
    created REAL NOT NULL,
    try_seconds REAL NOT NULL,
    outcome INTEGER NOT NULL,
    final_tries INTEGER NOT NULL,
    final_at REAL NOT NULL,
    message TEXT NOT NULL,
    applied INTEGER NOT NULL DEFAULT 0,
    acked_at REAL,
    ack_requests INTEGER NOT NULL DEFAULT 0,
    cancelled REAL
);
CREATE TABLE IF NOT EXISTS detail_views (
    seq INTEGER PRIMARY KEY,
    en TEXT NOT NULL,
    zh TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS details_task ON details (task_seq, seq);
CREATE INDEX IF NOT EXISTS details_unacked ON details (final_at, seq) WHERE acked_at IS NULL;
CREATE INDEX IF NOT EXISTS details_unapplied ON details (final_at) WHERE applied = 0 AND dns IS NOT NULL;
CREATE INDEX IF NOT EXISTS details_delegation ON details (domain, final_at) WHERE dns IS NOT NULL;
CREATE TABLE IF NOT EXISTS submissions (
    domain TEXT PRIMARY KEY,
    count INTEGER NOT NULL
);
"""

# Kept in the state file (PRAGMA user_version): a file written with another schema is refused, not migrated.
SCHEMA_VERSION = int(hashlib.sha256(SCHEMA.encode('utf-8')).hexdigest()[:7], 16)

DETAIL_COLUMNS = ('seq, detail_no, task_no, task_type, domain, instance_id, created, try_seconds, outcome, '
                  'final_tries, final_at, message, acked_at, cancelled')
VIEW_LANGUAGES = ('en', 'zh')
TASK_COLUMNS = ('seq, task_no, task_type, created_ms, first_exec, complete_at, detail_count, client_ip, cancel_requested, '
                'cancel_complete')
DOMAIN_COLUMNS = 'name, instance_id, dns, registered, expires'


def _like_escape(text):
    return text.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')


def instance_id_for(name):
    return 'S' + hashlib.sha1(name.encode('utf-8')).hexdigest()[:15].upper()


def detail_state(row, now):
    """(status code, TryCount, UpdateTime) of a detail row at ``now``.

    A detail that CancelTask found WAITING_EXECUTE (``cancelled``: the time it arrived) stays as it was then
    until its cancellation completes (``final_at``), then shows its final outcome (EXECUTE_FAILURE).
    """
    created, try_seconds, final_at = row['created'], row['try_seconds'], row['final_at']
    outcome, final_tries = row['outcome'], row['final_tries']
    if now >= final_at or try_seconds <= 0:
        return outcome, final_tries, final_at
    cancelled = row['cancelled']
    if cancelled is not None and now > cancelled:
        now = cancelled
    tries_done = min(int((now - created) // try_seconds), final_tries)
    try_start = created + tries_done * try_seconds
    if now - try_start < try_seconds * WAIT_FRACTION:
        return DETAIL_WAITING, tries_done, try_start
    return DETAIL_EXECUTING, tries_done, try_start + try_seconds * WAIT_FRACTION


def cancel_state(row, now):
    """A task row's TaskCancelStatusCode at ``now``: INIT (never cancelled), CANCELLING, then COMPLETE."""
    if row['cancel_requested'] is None:
        return CANCEL_INIT
    return CANCEL_COMPLETE if now >= row['cancel_complete'] else CANCEL_CANCELLING


def task_state(row, now):
    if now >= row['complete_at']:
        return TASK_COMPLETE
    if now >= row['first_exec']:
        return TASK_EXECUTING
    return TASK_WAITING


class DetailRandom:
    """The random draws of one detail, seeded by (seed, detail sequence number), made only when needed."""

    __slots__ = ('_seed', '_random')

    def __init__(self, seed, seq):
        self._seed = (seed << 40) ^ seq
        self._random = None

    def _generator(self):
        if self._random is None:
            self._random = random.Random(self._seed)
        return self._random

    def uniform(self, low, high):
        return self._generator().uniform(low, high)

    def random(self):
        return self._generator().random()

    def gauss(self, mu, sigma):
        return self._generator().gauss(mu, sigma)


def plan_detail(rng, domain, known, fail_domain, behaviour):
    """(seconds per try, outcome, failed tries at the end, number of tries, message kind) for a new detail."""
    seconds = slow_domain_seconds(behaviour.slow_domains, domain)
    if seconds is None:
        seconds = behaviour.task_seconds.draw(rng)
    if not known:
        return seconds, DETAIL_FAILURE, 1, 1, 'unknown_domain'
    blocked = block_of(behaviour.domain_states, domain)
    if blocked:
        # the service checks the domain before it tries anything: one try, failed at once
        return 0.0, DETAIL_FAILURE, 1, 1, blocked[0]
    if fail_domain:
        return seconds, DETAIL_FAILURE, behaviour.max_tries, behaviour.max_tries, 'rejected'
    for attempt in range(behaviour.max_tries):
        if not (behaviour.failure_rate and rng.random() < behaviour.failure_rate):
            return seconds, DETAIL_SUCCESS, attempt, attempt + 1, 'success'
    return seconds, DETAIL_FAILURE, behaviour.max_tries, behaviour.max_tries, 'failed'


class Store:
    """SQLite state shared by the server threads (one connection per thread)."""

    def __init__(self, path=None, seed=0, final_view=None):
        """``final_view(row, lang)``, when given, is the JSON text of a detail's PollTaskResult item once final.

        A detail's final item is known when it is submitted, so it is rendered then, once per language,
        and PollTaskResult splices the stored text into its answer instead of building every item again.
        The texts live in their own table: in ``details`` they would make every acknowledgement rewrite
        several times as many pages.
        """
        self._final_view = final_view
        self._temp_dir = None
        if path is None:
            self._temp_dir = tempfile.mkdtemp(prefix='aliyun-domain-emulator-')
            path = os.path.join(self._temp_dir, 'state.sqlite3')
        self.path = path
        self.seed = seed
        self._local = threading.local()
        self._write_lock = threading.Lock()
        # Bumped after every commit.  PollTaskResult's COUNT(*) is cached per filter until the next commit or
        # until the next detail becomes final, whichever comes first: it is the costliest part of a poll.
        self._version = 0
        self._poll_counts = {}
        self._connections = []
        self._connections_lock = threading.Lock()
        connection = self._connection()
        connection.execute('PRAGMA journal_mode=WAL')
        self._create_schema(connection)
        self._next_due = self._earliest_unapplied(connection)

    @staticmethod
    def _create_schema(connection):
        """Create the tables in a new state file; refuse a file written by an emulator with another schema."""
        written = connection.execute('PRAGMA user_version').fetchone()[0]
        tables = connection.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if tables and written != SCHEMA_VERSION:
            raise sqlite3.DatabaseError('it was written by an emulator with another schema (version %d, this one %d); '
                                        'remove it or choose another --state' % (written, SCHEMA_VERSION))
        connection.executescript(SCHEMA)
        connection.execute('PRAGMA user_version = %d' % SCHEMA_VERSION)

    # -- connections and transactions -------------------------------------------------------------

    def _connection(self):
        connection = getattr(self._local, 'connection', None)
        if connection is None:
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            connection.row_factory = sqlite3.Row
            connection.execute('PRAGMA synchronous=NORMAL')
            connection.execute('PRAGMA cache_size=-32768')  # KiB: bulk seeding inserts into random-keyed indexes
            self._local.connection = connection
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    @contextlib.contextmanager
    def write(self):
        """One write transaction; the lock keeps writers serial so WAL never has to retry."""
        with self._write_lock:
            connection = self._connection()
            connection.execute('BEGIN IMMEDIATE')
            try:
                yield connection
            except BaseException:
                connection.execute('ROLLBACK')
                raise
            connection.execute('COMMIT')
            self._version += 1

    @contextlib.contextmanager
    def read(self):
        """A consistent snapshot for several SELECTs."""
        connection = self._connection()
        connection.execute('BEGIN')
        try:
            yield connection
        finally:
            connection.execute('COMMIT')

    def close(self):
        """Called once the server stopped: every change is already committed; fold the WAL into the file."""
        with self._write_lock:
            with self._connections_lock:
                connections, self._connections = self._connections, []
            for connection in connections:
                try:
                    connection.close()
                except sqlite3.Error:
                    pass
            final = sqlite3.connect(self.path)
            try:
                final.execute('PRAGMA wal_checkpoint(TRUNCATE)')
            finally:
                final.close()
        if self._temp_dir:
            shutil.rmtree(self._temp_dir, ignore_errors=True)

    # -- seeding and reset ----------------------------------------------------------------------------

    def seed_domains(self, names):
        rows = []
        for index, name in enumerate(names):
            registered = REGISTERED_BASE + index * 86400.0
            rows.append((name, instance_id_for(name), json.dumps(DEFAULT_NAMESERVERS), registered, registered + 10 * YEAR))
        with self.write() as connection:
            connection.executemany('INSERT OR IGNORE INTO domains (%s) VALUES (?, ?, ?, ?, ?)' % DOMAIN_COLUMNS, rows)

    def reset(self, names):
        with self.write() as connection:
            for table in ('details', 'detail_views', 'tasks', 'domains', 'submissions'):
                connection.execute('DELETE FROM %s' % table)
            self._next_due = None
        self.seed_domains(names)

    # -- tasks ----------------------------------------------------------------------------------------

    def submit(self, domains, nameservers, behaviour, client_ip, now, source='api', task_type='CHG_DNS'):
        """Create one task with a detail per domain; returns the TaskNo.  ``source='api'`` counts submissions."""
        return self.submit_many([domains], nameservers, behaviour, client_ip, now, source, task_type)[0]

    def submit_many(self, batches, nameservers, behaviour, client_ip, now, source='api', task_type='CHG_DNS'):
        """One task per list of domains, all in one transaction; returns the TaskNos."""
        batches = [list(dict.fromkeys(domains)) for domains in batches]
        dns_json = json.dumps(nameservers) if nameservers is not None else None
        task_nos = []
        with self.write() as connection:
            next_seq = connection.execute('SELECT COALESCE(MAX(seq), 0) FROM details').fetchone()[0] + 1
            task_seq = connection.execute('SELECT COALESCE(MAX(seq), 0) FROM tasks').fetchone()[0]
            known = self._instance_ids(connection, set().union(*batches))
            rows, views, tasks, earliest_change = [], [], [], None
            for domains in batches:
                task_no = str(uuid.UUID(bytes=os.urandom(16), version=4))
                task_nos.append(task_no)
                task_seq += 1
                first_exec, complete_at = None, now
                for domain in domains:
                    rng = DetailRandom(self.seed, next_seq)
                    fail_domain = bool(behaviour.fail_domains and behaviour.fail_domains.search(domain))
                    seconds, outcome, final_tries, tries, message = plan_detail(rng, domain, domain in known, fail_domain, behaviour)
                    final_at = now + seconds * tries
                    complete_at = max(complete_at, final_at)
                    exec_at = now + seconds * WAIT_FRACTION
                    first_exec = exec_at if first_exec is None else min(first_exec, exec_at)
                    dns = dns_json if outcome == DETAIL_SUCCESS else None
                    if dns is not None:
                        earliest_change = final_at if earliest_change is None else min(earliest_change, final_at)
                    detail_no = os.urandom(16).hex()
                    instance_id = known.get(domain, '')
                    if self._final_view is not None:
                        detail = dict(seq=next_seq, detail_no=detail_no, task_no=task_no, task_type=task_type, domain=domain,
                                      instance_id=instance_id, created=now, try_seconds=seconds, outcome=outcome,
                                      final_tries=final_tries, final_at=final_at, message=message, acked_at=None,
                                      cancelled=None)
                        views.append((next_seq,) + tuple(self._final_view(detail, lang) for lang in VIEW_LANGUAGES))
                    rows.append((next_seq, detail_no, task_seq, task_no, task_type, domain, instance_id,
                                 dns, now, seconds, outcome, final_tries, final_at, message))
                    next_seq += 1
                tasks.append((task_seq, task_no, task_type, int(now * 1000), first_exec if first_exec is not None else now,
                              complete_at, len(domains), client_ip, source))
            connection.executemany(
                'INSERT INTO tasks (seq, task_no, task_type, created_ms, first_exec, complete_at, detail_count, client_ip, source) '
                'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', tasks)
            connection.executemany(
                'INSERT INTO details (seq, detail_no, task_seq, task_no, task_type, domain, instance_id, dns, created, '
                'try_seconds, outcome, final_tries, final_at, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', rows)
            connection.executemany('INSERT INTO detail_views (seq, %s) VALUES (?, ?, ?)' % ', '.join(VIEW_LANGUAGES), views)
            if source == 'api':
                connection.executemany(
                    'INSERT INTO submissions (domain, count) VALUES (?, 1) ON CONFLICT (domain) DO UPDATE SET count = count + 1',
                    [(domain,) for domains in batches for domain in domains])
            if earliest_change is not None:
                self._next_due = earliest_change if self._next_due is None else min(self._next_due, earliest_change)
        return task_nos

    def in_progress(self, domains, now, task_type='CHG_DNS'):
        """The domains among ``domains`` with a detail of ``task_type`` that is not final at ``now``, sorted."""
        names = list(dict.fromkeys(domains))
        if not names:
            return []
        rows = self._connection().execute(
            'SELECT DISTINCT domain FROM details WHERE task_type = ? AND final_at > ? AND domain IN (%s)'
            % ','.join('?' * len(names)), [task_type, now] + names).fetchall()
        return sorted(row[0] for row in rows)

    def cancel(self, task_no, now, cancel_seconds):
        """CancelTask at ``now``: every detail of the task still WAITING_EXECUTE is cancelled; returns what was found.

        The cancellation completes ``cancel_seconds`` later (TaskCancelStatus CANCELLING until then, COMPLETE after):
        until then the cancelled details stay as they were, then they end EXECUTE_FAILURE (message ``cancelled``,
        nameservers unchanged) and wait in PollTaskResult like any result. Details already EXECUTING (or final)
        keep their schedule. Their final PollTaskResult items are rendered again (``detail_views``) in the same
        transaction, so no reader ever sees a cancelled detail with the item of the change it did not make.
        """
        done_at = now + cancel_seconds
        with self.write() as connection:
            task = connection.execute('SELECT %s FROM tasks WHERE task_no = ?' % TASK_COLUMNS, (task_no,)).fetchone()
            if task is None:
                return UNKNOWN_TASK
            if task['cancel_requested'] is not None:
                return ALREADY_CANCELLED
            if now >= task['complete_at']:
                return TASK_ALREADY_COMPLETE
            rows = connection.execute('SELECT %s FROM details WHERE task_seq = ? AND final_at > ? ORDER BY seq'
                                      % DETAIL_COLUMNS, (task['seq'], now)).fetchall()
            changes, views = [], []
            for row in rows:
                status, tries, _updated = detail_state(row, now)
                if status != DETAIL_WAITING:
                    continue
                detail = dict((key, row[key]) for key in row.keys())
                detail.update(outcome=DETAIL_FAILURE, final_tries=tries, final_at=done_at, message='cancelled', cancelled=now)
                changes.append((tries, done_at, now, row['seq']))
                if self._final_view is not None:
                    views.append(tuple(self._final_view(detail, lang) for lang in VIEW_LANGUAGES) + (row['seq'],))
            connection.executemany(
                "UPDATE details SET outcome = %d, final_tries = ?, final_at = ?, message = 'cancelled', dns = NULL, "
                'cancelled = ? WHERE seq = ?' % DETAIL_FAILURE, changes)
            connection.executemany('UPDATE detail_views SET %s WHERE seq = ?' % ', '.join(
                '%s = ?' % lang for lang in VIEW_LANGUAGES), views)
            complete_at = connection.execute('SELECT MAX(final_at) FROM details WHERE task_seq = ?', (task['seq'],)).fetchone()[0]
            connection.execute('UPDATE tasks SET cancel_requested = ?, cancel_complete = ?, complete_at = ? WHERE seq = ?',
                               (now, done_at, max(complete_at or now, now), task['seq']))
            self._next_due = self._earliest_unapplied(connection)
        return CANCELLED

    @staticmethod
    def _instance_ids(connection, names):
        names = list(names)
        if len(names) <= 900:
            return dict(connection.execute(
                'SELECT name, instance_id FROM domains WHERE name IN (%s)' % ','.join('?' * len(names)), names).fetchall())
        wanted = set(names)
        return dict(row for row in connection.execute('SELECT name, instance_id FROM domains') if row['name'] in wanted)

    def poll(self, now, page_num, page_size, outcome=None, task_no=None, domain=None, instance_id=None, lang='en'):
        """(total, rows) of final, unacknowledged details, oldest result first.

        Each row has DETAIL_COLUMNS and ``item``, the detail's stored item for ``lang`` (None in a store made
        without ``final_view``).
        """
        if lang not in VIEW_LANGUAGES:
            raise ValueError('no stored view for language %r' % (lang,))
        where = ['acked_at IS NULL', 'final_at <= ?']
        args = [now]
        for column, value in (('outcome', outcome), ('task_no', task_no), ('domain', domain), ('instance_id', instance_id)):
            if value is not None:
                where.append('%s = ?' % column)
                args.append(value)
        condition = ' AND '.join(where)
        key = tuple(args[1:]) + (outcome is None, task_no is None, domain is None, instance_id is None)
        page_query = ('SELECT page.*, detail_views.%s AS item FROM (SELECT %s FROM details WHERE %s ORDER BY final_at, seq '
                      'LIMIT ? OFFSET ?) AS page LEFT JOIN detail_views USING (seq) ORDER BY page.final_at, page.seq') % (
            lang, DETAIL_COLUMNS, condition)
        page_args = args + [page_size, (page_num - 1) * page_size]
        version = self._version
        cached = self._poll_counts.get(key)
        if cached is not None and cached[0] == version and now < cached[1]:
            rows = self._connection().execute(page_query, page_args).fetchall()
            if self._version == version:
                return cached[2], rows
        with self.read() as connection:
            total = connection.execute('SELECT COUNT(*) FROM details WHERE ' + condition, args).fetchone()[0]
            later = connection.execute(
                'SELECT MIN(final_at) FROM details WHERE ' + condition.replace('final_at <= ?', 'final_at > ?'),
                args).fetchone()[0]
            rows = connection.execute(page_query, page_args).fetchall()
        if len(self._poll_counts) > 1000:
            self._poll_counts = {}
        self._poll_counts[key] = (version, later if later is not None else float('inf'), total)
        return total, rows

    def acknowledge(self, detail_nos, now):
        """Confirm final details; returns how many were newly confirmed.  Unknown or repeated numbers are ignored."""
        detail_nos = list(dict.fromkeys(detail_nos))
        newly = 0
        with self.write() as connection:
            for start in range(0, len(detail_nos), 500):
                chunk = detail_nos[start:start + 500]
                marks = ','.join('?' * len(chunk))
                connection.execute('UPDATE details SET ack_requests = ack_requests + 1 WHERE detail_no IN (%s)' % marks, chunk)
                newly += connection.execute(
                    'UPDATE details SET acked_at = ? WHERE detail_no IN (%s) AND acked_at IS NULL AND final_at <= ?' % marks,
                    [now] + chunk + [now]).rowcount
        return newly

    def task(self, task_no):
        return self._connection().execute('SELECT %s FROM tasks WHERE task_no = ?' % TASK_COLUMNS, (task_no,)).fetchone()

    def task_details(self, task_no):
        with self.read() as connection:
            task = connection.execute('SELECT seq FROM tasks WHERE task_no = ?', (task_no,)).fetchone()
            if task is None:
                return []
            return connection.execute(
                'SELECT %s FROM details WHERE task_seq = ? ORDER BY seq' % DETAIL_COLUMNS, (task['seq'],)).fetchall()

    def tasks_page(self, page_num, page_size, begin_ms=None, end_ms=None):
        where, args = self._created_range(begin_ms, end_ms)
        with self.read() as connection:
            total = connection.execute('SELECT COUNT(*) FROM tasks' + where, args).fetchone()[0]
            rows = connection.execute(
                'SELECT %s FROM tasks%s ORDER BY created_ms DESC, seq DESC LIMIT ? OFFSET ?' % (TASK_COLUMNS, where),
                args + [page_size, (page_num - 1) * page_size]).fetchall()
        return total, rows

    @staticmethod
    def _created_range(begin_ms, end_ms, conditions=None):
        where = list(conditions or [])
        args = []
        if begin_ms is not None:
            where.append('created_ms >= ?')
            args.append(begin_ms)
        if end_ms is not None:
            where.append('created_ms <= ?')
            args.append(end_ms)
        return (' WHERE ' + ' AND '.join(where)) if where else '', args

    def task_history(self, page_size, begin_ms=None, end_ms=None, cursor_ms=None, cursor_task_no=None):
        """Newest first from the cursor: (previous page's first row or None, rows of this page, next page's first row or None)."""
        with self.read() as connection:
            cursor_key = None
            if cursor_task_no:
                found = connection.execute('SELECT created_ms, seq FROM tasks WHERE task_no = ?', (cursor_task_no,)).fetchone()
                if found:
                    cursor_key = tuple(found)
            if cursor_key is None and cursor_ms is not None:
                cursor_key = (int(cursor_ms), None)
            older, older_args = self._created_range(begin_ms, end_ms, self._cursor_condition(cursor_key, '<'))
            rows = connection.execute(
                'SELECT %s FROM tasks%s ORDER BY created_ms DESC, seq DESC LIMIT ?' % (TASK_COLUMNS, older),
                older_args + self._cursor_args(cursor_key) + [page_size + 1]).fetchall()
            previous = None
            if cursor_key is not None:
                newer, newer_args = self._created_range(begin_ms, end_ms, self._cursor_condition(cursor_key, '>'))
                before = connection.execute(
                    'SELECT %s FROM tasks%s ORDER BY created_ms ASC, seq ASC LIMIT ?' % (TASK_COLUMNS, newer),
                    newer_args + self._cursor_args(cursor_key) + [page_size]).fetchall()
                previous = before[-1] if before else None
        return previous, rows[:page_size], rows[page_size] if len(rows) > page_size else None

    @staticmethod
    def _cursor_condition(cursor_key, direction):
        if cursor_key is None:
            return []
        if cursor_key[1] is None:
            return ['created_ms %s= ?' % direction if direction == '<' else 'created_ms > ?']
        if direction == '<':
            return ['(created_ms < ? OR (created_ms = ? AND seq <= ?))']
        return ['(created_ms > ? OR (created_ms = ? AND seq > ?))']

    @staticmethod
    def _cursor_args(cursor_key):
        if cursor_key is None:
            return []
        if cursor_key[1] is None:
            return [cursor_key[0]]
        return [cursor_key[0], cursor_key[0], cursor_key[1]]

    # -- domains ------------------------------------------------------------------------------------

    def _earliest_unapplied(self, connection):
        return connection.execute('SELECT MIN(final_at) FROM details WHERE applied = 0 AND dns IS NOT NULL').fetchone()[0]

    def apply_due(self, now):
        """Give domains the nameservers of CHG_DNS details that succeeded by ``now`` (in order of completion)."""
        if self._next_due is None or now < self._next_due:
            return
        with self.write() as connection:
            latest = {}
            for domain, dns in connection.execute(
                    'SELECT domain, dns FROM details WHERE applied = 0 AND dns IS NOT NULL AND final_at <= ? '
                    'ORDER BY final_at, seq', (now,)):
                latest[domain] = dns
            connection.executemany('UPDATE domains SET dns = ? WHERE name = ?', [(dns, name) for name, dns in latest.items()])
            connection.execute('UPDATE details SET applied = 1 WHERE applied = 0 AND dns IS NOT NULL AND final_at <= ?', (now,))
            self._next_due = self._earliest_unapplied(connection)

    def domain(self, name, now):
        self.apply_due(now)
        return self._connection().execute('SELECT %s FROM domains WHERE name = ?' % DOMAIN_COLUMNS, (name,)).fetchone()

    def delegation(self, name, at):
        """The nameservers the registrar held for a domain at time ``at`` (what its parent zone publishes)."""
        row = self._connection().execute(
            'SELECT dns FROM details WHERE domain = ? AND dns IS NOT NULL AND final_at <= ? '
            'ORDER BY final_at DESC, seq DESC LIMIT 1', (name, at)).fetchone()
        if row is not None:
            return json.loads(row['dns'])
        row = self._connection().execute('SELECT 1 FROM details WHERE domain = ? AND dns IS NOT NULL LIMIT 1', (name,)).fetchone()
        if row is None:
            current = self._connection().execute('SELECT dns FROM domains WHERE name = ?', (name,)).fetchone()
            return json.loads(current['dns']) if current else []
        return list(DEFAULT_NAMESERVERS)

    def has_domains_under(self, zone):
        return self._connection().execute("SELECT 1 FROM domains WHERE name LIKE ? ESCAPE '\\' LIMIT 1",
                                          ('%.' + _like_escape(zone),)).fetchone() is not None

    def domains_page(self, now, page_num, page_size, search=None, nameserver=None, registered=(None, None),
                     expires=(None, None), order_key=None, descending=True):
        """(total, rows) of one page of the domains (every matching row when ``page_size`` is None).

        ``search``: part of the name; ``nameserver``: one of the domain's nameservers; ``registered`` and
        ``expires``: (start, end) epoch seconds, either None.  Ordered by ``order_key``
        (``RegistrationDate``/``ExpirationDate``, ``name`` for the control plane; by default the time the domain
        joined the account, which for the emulator is its registration), then by name.
        """
        self.apply_due(now)
        conditions, args = [], []
        if search:
            conditions.append("name LIKE ? ESCAPE '\\'")
            args.append('%' + _like_escape(search) + '%')
        if nameserver:
            conditions.append("dns LIKE ? ESCAPE '\\'")
            args.append('%' + _like_escape(json.dumps(nameserver)) + '%')
        for column, (low, high) in (('registered', registered), ('expires', expires)):
            if low is not None:
                conditions.append('%s >= ?' % column)
                args.append(low)
            if high is not None:
                conditions.append('%s <= ?' % column)
                args.append(high)
        where = (' WHERE ' + ' AND '.join(conditions)) if conditions else ''
        order = {'ExpirationDate': 'expires', 'name': 'name'}.get(order_key, 'registered')
        direction = 'DESC' if descending else 'ASC'
        limit, limit_args = '', []
        if page_size is not None:
            limit, limit_args = ' LIMIT ? OFFSET ?', [page_size, (page_num - 1) * page_size]
        with self.read() as connection:
            total = connection.execute('SELECT COUNT(*) FROM domains' + where, args).fetchone()[0]
            rows = connection.execute(
                'SELECT %s FROM domains%s ORDER BY %s %s, name%s' % (DOMAIN_COLUMNS, where, order, direction, limit),
                args + limit_args).fetchall()
        return total, rows

    # -- statistics ---------------------------------------------------------------------------------

    def counts(self, now):
        with self.read() as connection:
            total = connection.execute('SELECT COUNT(*) FROM details').fetchone()[0]
            pending = connection.execute('SELECT COUNT(*) FROM details WHERE final_at > ?', (now,)).fetchone()[0]
            awaiting = connection.execute(
                'SELECT COUNT(*) FROM details WHERE acked_at IS NULL AND final_at <= ?', (now,)).fetchone()[0]
            acknowledged = connection.execute('SELECT COUNT(*) FROM details WHERE acked_at IS NOT NULL').fetchone()[0]
            tasks = connection.execute('SELECT COUNT(*) FROM tasks').fetchone()[0]
            domains = connection.execute('SELECT COUNT(*) FROM domains').fetchone()[0]
        return {'details': total, 'pending': pending, 'awaiting': awaiting, 'acknowledged': acknowledged,
                'tasks': tasks, 'domains': domains}

    def submissions(self):
        return dict(self._connection().execute('SELECT domain, count FROM submissions ORDER BY domain').fetchall())

    def detail_records(self, task_no=None):
        """Every detail (or those of one task) with its schedule and acknowledgement history."""
        where, args = ('WHERE t.task_no = ? ', (task_no,)) if task_no else ('', ())
        return self._connection().execute(
            'SELECT d.detail_no, d.task_no, d.domain, d.created, d.final_at, d.outcome, d.final_tries, d.acked_at, '
            'd.ack_requests, d.cancelled, t.source FROM details d JOIN tasks t ON t.seq = d.task_seq %sORDER BY d.seq' % where, args).fetchall()
