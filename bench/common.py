# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared machinery of the benchmarks: collection tree, emulator, playbook runs, API-call counting, RSS."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
PLAYBOOK_DIR = BENCH_DIR / 'playbooks'
ACCESS_KEY_ID = 'benchid'
# An emulator-only key: the emulator is started with it and nothing else accepts it.
ACCESS_KEY_SECRET = 'benchsecret'

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from emulator.process import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position


class BenchError(Exception):
    """A benchmark could not be run or produced a wrong outcome (not a slow one)."""


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(ours, baseline):
    if ours is None or baseline in (None, 0):
        return None
    return ours / baseline


class CollectionTree:
    """The directory holding ``ansible_collections/aliyun/domain`` for this checkout, plus scratch space.

    When the checkout already sits in such a tree (``make test`` copies it into one) that tree is used;
    otherwise a temporary one with a symlink to the checkout is made.
    """

    def __init__(self):
        self.scratch = Path(tempfile.mkdtemp(prefix='aliyun-domain-bench-'))
        unresolved = Path(os.path.abspath(__file__)).parent.parent
        if (unresolved.name, unresolved.parent.name, unresolved.parent.parent.name) == ('domain', 'aliyun', 'ansible_collections'):
            self.root = unresolved.parent.parent.parent
        else:
            self.root = self.scratch
            namespace = self.root / 'ansible_collections' / 'aliyun'
            namespace.mkdir(parents=True)
            (namespace / 'domain').symlink_to(REPO_ROOT, target_is_directory=True)

    def cleanup(self):
        # rmtree unlinks the symlink itself and never descends into the checkout.
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.cleanup()


def start_emulator(*args):
    """Start an emulator that accepts the bench key; returns the started EmulatorProcess."""
    words = ['--access-key', '%s:%s' % (ACCESS_KEY_ID, ACCESS_KEY_SECRET)] + [str(a) for a in args]
    return EmulatorProcess(*words, cwd=str(REPO_ROOT)).start()


def credential_env(emulator):
    """Environment through which every client of the bench finds the emulator and the key."""
    return emulator.client_env()


def counters(emulator):
    """The emulator's counters without the per-detail records (those grow with every seeded result)."""
    return emulator.stats(details=False)


def api_calls_between(before, after):
    """API calls per action made between two counter snapshots, and their total.

    Every request counts, refused and retried ones included: they are calls the client chose to make.
    """
    first, last = before['requests_per_action'], after['requests_per_action']
    per_action = {}
    for action, count in last.items():
        spent = count - first.get(action, 0)
        if spent:
            per_action[action] = spent
    return sum(per_action.values()), per_action


def seed_completed_results(emulator, count):
    """Put ``count`` completed details from "another tool" into PollTaskResult."""
    emulator.seed(count)
    waiting = counters(emulator)['results_awaiting_acknowledgement']
    if waiting != count:
        raise BenchError('seeding %d results left %r awaiting acknowledgement' % (count, waiting))


def process_cpu_seconds(pid):
    """User plus system CPU time a process has used so far (Linux /proc); None where /proc cannot tell."""
    try:
        with open('/proc/%d/stat' % pid) as stat:
            fields = stat.read().rsplit(')', 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf('SC_CLK_TCK'))


def clean_environ():
    """The caller's environment without settings that would change what the bench measures."""
    return {name: value for name, value in os.environ.items()
            if not name.startswith(('ANSIBLE_', 'ALIBABA_CLOUD_', 'ALICLOUD_', 'ALIBABACLOUD_'))}


def base_env(tree, extra=None):
    env = clean_environ()
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': str(tree.root),
        'ANSIBLE_HOST_KEY_CHECKING': 'False',
        'ANSIBLE_RETRY_FILES_ENABLED': 'False',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_LOCALHOST_WARNING': 'False',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False',
        'ANSIBLE_CALLBACK_PLUGINS': str(BENCH_DIR / 'callback_plugins'),
        'ANSIBLE_CALLBACKS_ENABLED': 'bench_timing',
        'PYTHONDONTWRITEBYTECODE': '1',
    })
    env.update(extra or {})
    return env


def ansible_tool_path(name):
    """The bench interpreter's own ``ansible-*`` console script, else the one on PATH."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def ansible_playbook_path():
    return ansible_tool_path('ansible-playbook')


class PeakRss:
    """Polls the peak RSS (VmHWM) of a process tree from /proc while it runs.

    VmHWM is the kernel's high-water mark for each process, so a poll that happens any time after the peak
    still sees it; only growth in a process's last few milliseconds can escape, which is why module processes
    are measured exactly by the interpreter wrapper instead (see module_rss_interpreter).
    """

    def __init__(self, root_pid, interval=0.02):
        self.root_pid = root_pid
        self.interval = interval
        self.root_kib = 0
        self.descendants_kib = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()

    @staticmethod
    def _children_map():
        children = {}
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            try:
                with open('/proc/%s/stat' % entry, 'rb') as stat_file:
                    stat = stat_file.read()
            except OSError:
                continue
            # The command name may contain spaces and parentheses; the fields after the last ')' are fixed.
            fields = stat[stat.rfind(b')') + 2:].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        return children

    @staticmethod
    def _hwm_kib(pid):
        try:
            with open('/proc/%d/status' % pid, 'rb') as status_file:
                for line in status_file:
                    if line.startswith(b'VmHWM:'):
                        return int(line.split()[1])
        except OSError:
            pass
        return None

    def _poll(self):
        hwm = self._hwm_kib(self.root_pid)
        if hwm:
            self.root_kib = max(self.root_kib, hwm)
        children = self._children_map()
        pending = list(children.get(self.root_pid, []))
        while pending:
            pid = pending.pop()
            pending.extend(children.get(pid, []))
            hwm = self._hwm_kib(pid)
            if hwm:
                self.descendants_kib[pid] = max(self.descendants_kib.get(pid, 0), hwm)

    def _run(self):
        while not self._stop.is_set():
            self._poll()
            self._stop.wait(self.interval)


def module_rss_interpreter(directory, rss_log):
    """Write an interpreter wrapper that runs modules and appends each one's exact peak RSS (KiB) to rss_log."""
    wrapper = Path(directory) / 'python-with-rss'
    wrapper.write_text('#!/bin/sh\nexec "%s" "%s" "%s" "$@"\n' % (sys.executable, BENCH_DIR / 'rss_wrapper.py', rss_log))
    wrapper.chmod(0o755)
    return str(wrapper)


class PlaybookRun:
    """The outcome of one ansible-playbook run."""

    def __init__(self, returncode, wall, stdout, stderr, timings, peak_rss_kib=None, worker_rss_kib=None):
        self.returncode = returncode
        self.wall = wall
        self.stdout = stdout
        self.stderr = stderr
        self.timings = timings
        self.peak_rss_kib = peak_rss_kib
        self.worker_rss_kib = worker_rss_kib

    def task_event(self, task_name, event):
        for record in self.timings:
            if record['task'] == task_name and record['event'] == event:
                return record
        raise BenchError('no %s event for task %r in the timing log' % (event, task_name))

    def check(self, what):
        if self.returncode != 0:
            raise BenchError('%s: ansible-playbook exited %d\n%s\n%s' % (what, self.returncode, self.stdout[-3000:], self.stderr[-3000:]))
        return self


def run_playbook(tree, playbook, extra_vars=None, env=None, measure_rss=False):
    """Run one bench playbook against implicit localhost; record task timings (callback) and optionally RSS."""
    work = Path(tempfile.mkdtemp(prefix='bench-run-', dir=str(tree.scratch)))
    timing_log = work / 'timing.jsonl'
    run_env = base_env(tree, env)
    run_env['BENCH_TIMING_LOG'] = str(timing_log)
    command = [ansible_playbook_path(), str(PLAYBOOK_DIR / playbook)]
    if extra_vars:
        command += ['-e', json.dumps(extra_vars)]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=run_env, cwd=str(work), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = PeakRss(process.pid).start() if measure_rss else None
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    if sampler:
        sampler.stop()
    timings = []
    if timing_log.exists():
        timings = [json.loads(line) for line in timing_log.read_text().splitlines() if line.strip()]
    shutil.rmtree(work, ignore_errors=True)
    return PlaybookRun(
        process.returncode, wall, stdout, stderr, timings,
        peak_rss_kib=sampler.root_kib if sampler else None,
        worker_rss_kib=max(sampler.descendants_kib.values(), default=None) if sampler else None,
    )


def run_script(script, args, env=None, cwd=None):
    """Run a bench helper script with this interpreter; returns (wall seconds, parsed last stdout line)."""
    run_env = clean_environ()
    run_env.update(env or {})
    started = time.perf_counter()
    process = subprocess.run([sys.executable, str(BENCH_DIR / script)] + [str(a) for a in args], env=run_env,
                             cwd=cwd or str(REPO_ROOT), capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise BenchError('%s exited %d\n%s\n%s' % (script, process.returncode, process.stdout[-3000:], process.stderr[-3000:]))
    lines = [line for line in process.stdout.splitlines() if line.strip()]
    if not lines:
        raise BenchError('%s printed nothing' % script)
    return wall, json.loads(lines[-1])
