# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for integration tests: the local API emulator and real ansible-playbook runs against it.

    emulator_factory(*cli_args, state=None) -> started EmulatorProcess, stopped at teardown
    emulator                                 -> one started with '--domains 50 --task-seconds 0.3'
    run_playbook(playbook, emulator=None, extra_vars=None, env=None, check=False, diff=False,
                 verbosity=0, tags=None, timeout=600) -> PlaybookRun
    ansible_env                              -> the environment run_playbook uses (a fresh dict per test)

``collections_path`` and ``collection_root`` come from tests/conftest.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

CALLBACK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'callback_plugins')
RESULTS_FILE_ENV = 'ALIYUN_DOMAIN_TEST_RESULTS'

TEST_ACCESS_KEY_ID = 'testid'
TEST_ACCESS_KEY_SECRET = 'testsecret'
DEFAULT_EMULATOR_ARGS = ('--domains', '50', '--task-seconds', '0.3')
COLLECTION_PLAYBOOK = re.compile(r'^[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_.]+$')

# Variables of the developer's shell that would change what a playbook under test sees.
_INHERITED_PREFIXES_DROPPED = ('ALIBABA_CLOUD_', 'ALICLOUD_', 'ANSIBLE_', 'ALIYUN_DOMAIN_')


def _venv_executable(name):
    """The tool installed next to the running interpreter (the test virtualenv), else the one on PATH."""
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which(name)
    if found is None:
        raise RuntimeError('%s is neither next to %s nor on PATH' % (name, sys.executable))
    return found


TASK_HEADER = re.compile(r'^TASK \[(.*?)\] \**$')


class PlaybookRun:
    """What one ansible-playbook run left behind: exit code, screen output and recorded task results."""

    def __init__(self, rc, stdout, stderr, events, command):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.events = events
        self.command = command

    def __repr__(self):
        return 'PlaybookRun(rc=%r, tasks=%r)' % (self.rc, self.task_names())

    def _task_events(self):
        return [event for event in self.events if event.get('task') is not None and not event.get('item')]

    def task_names(self):
        names = []
        for event in self._task_events():
            if event['task'] not in names:
                names.append(event['task'])
        return names

    def task(self, name):
        """The result dict of the last run of the task called ``name`` (its own name or ``role : name``)."""
        matches = [event for event in self._task_events() if name in (event['task'], event['name'])]
        if not matches:
            raise KeyError('no result recorded for task %r; recorded tasks: %r\n%s' % (name, self.task_names(), self.output()))
        return matches[-1]['result']

    def task_event(self, name):
        """The whole recorded event (status, changed, host, action, result) of the task called ``name``."""
        matches = [event for event in self._task_events() if name in (event['task'], event['name'])]
        if not matches:
            raise KeyError('no result recorded for task %r; recorded tasks: %r' % (name, self.task_names()))
        return matches[-1]

    def host_result(self, name, host):
        """The result of the one (non-loop) run of task ``name`` on ``host``, for plays over several hosts."""
        matches = [event for event in self._task_events() if name in (event['task'], event['name']) and event.get('host') == host]
        assert len(matches) == 1, matches
        return matches[0]['result']

    def progress_lines_by_task(self):
        """{task name: the collection's progress lines (``aliyun.domain: ...``) printed under its header}."""
        sections, current = {}, None
        for line in self.stdout.splitlines():
            header = TASK_HEADER.match(line.strip())
            if header:
                current = sections.setdefault(header.group(1), [])
            elif current is not None and line.strip().startswith('aliyun.domain: '):
                current.append(line.strip())
        return sections

    def items(self, name):
        """The per-item results of a looped task, in order."""
        return [event['result'] for event in self.events if event.get('item') and name in (event['task'], event['name'])]

    def failed_tasks(self):
        """Names of the tasks that failed, including failures that ignore_errors let pass."""
        names = []
        for event in self._task_events():
            if event['status'] in ('failed', 'unreachable') and event['task'] not in names:
                names.append(event['task'])
        return names

    def stats(self):
        """The play recap per host ({'localhost': {'ok': .., 'changed': .., 'failures': ..}})."""
        for event in reversed(self.events):
            if event.get('event') == 'v2_playbook_on_stats':
                return event['stats']
        return {}

    def output(self):
        return '$ %s\n--- rc: %s\n--- stdout:\n%s\n--- stderr:\n%s' % (' '.join(self.command), self.rc, self.stdout, self.stderr)

    def assert_success(self):
        assert self.rc == 0, 'ansible-playbook failed (tasks %r)\n%s' % (self.failed_tasks(), self.output())
        return self


def _text(output):
    # TimeoutExpired carries bytes even when the run asked for text.
    if isinstance(output, bytes):
        return output.decode('utf-8', 'replace')
    return output or ''


def _read_events(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as stream:
        return [json.loads(line) for line in stream if line.strip()]


DNS_CHECKS_OFF = 'dns_migration_preflight=false dns_migration_verify_delegation=false'


@pytest.fixture(scope='session')
def venv_tool():
    """tool(name) -> path of a console script of the test virtualenv (ansible-galaxy, ansible-lint, ...)."""
    return _venv_executable


@pytest.fixture
def emulator_factory():
    """factory(*cli_args, state=None) -> a started EmulatorProcess; every one is stopped at teardown."""
    from emulator.process import EmulatorProcess

    started = []

    def factory(*cli_args, **kwargs):
        state = kwargs.pop('state', None)
        if kwargs:
            raise TypeError('emulator_factory() got unexpected keyword arguments %r' % sorted(kwargs))
        process = EmulatorProcess(*cli_args, state=state)
        started.append(process)
        return process.start()

    yield factory

    errors = []
    for process in reversed(started):
        try:
            process.stop()
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(repr(exc))
    if errors:
        raise RuntimeError('stopping emulators failed: %s' % '; '.join(errors))


@pytest.fixture
def emulator(emulator_factory):  # pylint: disable=redefined-outer-name
    return emulator_factory(*DEFAULT_EMULATOR_ARGS)


@pytest.fixture
def ansible_env(tmp_path, collections_path):
    """Environment for ansible-playbook/ansible-runner: temporary HOME, this collection, test credentials."""
    home = tmp_path / 'home'
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(_INHERITED_PREFIXES_DROPPED)}
    env.update({
        'HOME': str(home),
        'ANSIBLE_COLLECTIONS_PATH': collections_path,
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-local-tmp'),
        'ANSIBLE_CALLBACK_PLUGINS': CALLBACK_DIR,
        'ANSIBLE_CALLBACKS_ENABLED': 'record_results',
        'ANSIBLE_STDOUT_CALLBACK': 'default',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': 'false',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'PYTHONDONTWRITEBYTECODE': '1',
        'ALIBABA_CLOUD_ACCESS_KEY_ID': TEST_ACCESS_KEY_ID,
        'ALIBABA_CLOUD_ACCESS_KEY_SECRET': TEST_ACCESS_KEY_SECRET,
    })
    return env


@pytest.fixture
def run_playbook(tmp_path, ansible_env):  # pylint: disable=redefined-outer-name
    """Run ansible-playbook against localhost and return a PlaybookRun.

    ``playbook`` is YAML text, a path or a collection playbook name (``aliyun.domain.migrate_dns``).
    ``env`` entries override ansible_env; a value of None removes
    the variable (e.g. ``env={'ALIBABA_CLOUD_ACCESS_KEY_ID': None}`` to test missing credentials).
    The command, exit code and output are printed, so pytest shows them when the test fails.
    """
    counter = [0]

    def run(playbook, emulator=None, extra_vars=None, env=None, check=False, diff=False,  # pylint: disable=redefined-outer-name
            verbosity=0, tags=None, timeout=600):
        counter[0] += 1
        run_dir = tmp_path / ('playbook-run-%d' % counter[0])
        run_dir.mkdir()

        if isinstance(playbook, str) and '\n' not in playbook and playbook.endswith(('.yml', '.yaml')):
            if not os.path.isfile(playbook):
                raise FileNotFoundError('playbook %s does not exist' % playbook)
            playbook_path = playbook
        elif isinstance(playbook, str) and COLLECTION_PLAYBOOK.match(playbook):
            playbook_path = playbook  # ansible-playbook finds collection playbooks by name
        elif isinstance(playbook, os.PathLike):
            playbook_path = os.fspath(playbook)
        else:
            playbook_path = str(run_dir / 'playbook.yml')
            with open(playbook_path, 'w', encoding='utf-8') as stream:
                stream.write(playbook)

        inventory_path = run_dir / 'inventory.ini'
        # The dns_migration role's DNS checks are off unless a test turns them on (extra vars win over
        # inventory variables): the emulator serves no DNS without --dns-port, and no test may reach real DNS.
        inventory_path.write_text('localhost ansible_connection=local ansible_python_interpreter=%s %s\n'
                                  % (sys.executable, DNS_CHECKS_OFF), encoding='utf-8')
        results_path = str(run_dir / 'results.jsonl')

        command = [_venv_executable('ansible-playbook'), '-i', str(inventory_path), playbook_path]
        if extra_vars:
            extra_vars_path = run_dir / 'extra_vars.json'
            extra_vars_path.write_text(json.dumps(extra_vars), encoding='utf-8')
            command.extend(['-e', '@%s' % extra_vars_path])
        if check:
            command.append('--check')
        if diff:
            command.append('--diff')
        if verbosity:
            command.append('-' + 'v' * verbosity)
        if tags:
            command.extend(['--tags', tags if isinstance(tags, str) else ','.join(tags)])

        run_env = dict(ansible_env)
        run_env[RESULTS_FILE_ENV] = results_path
        if emulator is not None:
            run_env['ALIBABA_CLOUD_DOMAIN_ENDPOINT'] = emulator.url
        for key, value in (env or {}).items():
            if value is None:
                run_env.pop(key, None)
            else:
                run_env[key] = str(value)

        try:
            completed = subprocess.run(command, cwd=str(run_dir), env=run_env, stdin=subprocess.DEVNULL, capture_output=True,
                                       text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            partial = PlaybookRun(None, _text(exc.stdout), _text(exc.stderr), _read_events(results_path), command)
            pytest.fail('ansible-playbook did not finish within %s seconds\n%s' % (timeout, partial.output()))

        result = PlaybookRun(completed.returncode, completed.stdout, completed.stderr, _read_events(results_path), command)
        print(result.output())
        return result

    return run
