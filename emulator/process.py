# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``EmulatorProcess``: the emulator as a child process, for tests, the benchmark and the demo.

    with EmulatorProcess('--domains', '200', '--task-seconds', '0.2') as emulator:
        emulator.url, emulator.stats(), emulator.configure(throttle_rate=0.1), emulator.restart()
"""

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START_TIMEOUT = 30.0
DEFAULT_ACCESS_KEY = ('testid', 'testsecret')


class EmulatorError(RuntimeError):
    """The emulator did not start, or the control plane refused a request."""


class EmulatorProcess:
    """Context manager around ``python -m emulator``; ``restart()`` keeps the port and the ``--state`` file."""

    def __init__(self, *args, state=None, python=None, cwd=None, env=None):
        self.args = [str(arg) for arg in args]
        self.state = state
        self.python = python or sys.executable
        self.cwd = cwd or ROOT
        self.env = env
        self.process = None
        self.url = None
        self.host = None
        self.port = None
        self._stderr = None
        keys = [self.args[i + 1] for i, arg in enumerate(self.args[:-1]) if arg == '--access-key']
        parts = keys[0].split(':') if keys else list(DEFAULT_ACCESS_KEY)
        self.access_key_id, self.access_key_secret = parts[0], parts[1]
        self.security_token = parts[2] if len(parts) > 2 else None

    # -- life cycle -------------------------------------------------------------------------------------

    def command(self):
        command = [self.python, '-m', 'emulator']
        if '--port' not in self.args:
            command += ['--port', str(self.port or 0)]
        if self.state is not None:
            command += ['--state', str(self.state)]
        return command + self.args

    def start(self):
        """Start and wait (bounded) for the ``listening on`` line; EmulatorError with its stderr otherwise."""
        if self.process is not None:
            raise EmulatorError('emulator already running at %s' % self.url)
        env = dict(os.environ if self.env is None else self.env)
        env['PYTHONUNBUFFERED'] = '1'
        if self._stderr is not None:
            self._stderr.close()
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(self.command(), cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=self._stderr)
        line = self._first_line(START_TIMEOUT)
        if not line.startswith('listening on '):
            self._abort('emulator did not start (first line %r)' % line)
        self.url = line[len('listening on '):].strip()
        address = self.url.split('://', 1)[1]
        host, _sep, port = address.rpartition(':')
        self.host = host.strip('[]')
        self.port = int(port)
        return self

    def _first_line(self, timeout):
        deadline = time.monotonic() + timeout
        data = b''
        stream = self.process.stdout
        while not data.endswith(b'\n'):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._abort('emulator printed no "listening on" line within %.0f s' % timeout)
            ready, _w, _x = select.select([stream], [], [], min(remaining, 0.5))
            if ready:
                chunk = os.read(stream.fileno(), 4096)
                if not chunk:
                    break
                data += chunk
            elif self.process.poll() is not None:
                break
        return data.decode('utf-8', 'replace').split('\n', 1)[0]

    def stderr(self):
        if self._stderr is None:
            return ''
        self._stderr.seek(0)
        return self._stderr.read().decode('utf-8', 'replace')

    def _abort(self, message):
        details = self.stderr()
        self.stop(timeout=5)
        self._stderr.close()
        self._stderr = None
        raise EmulatorError('%s: %s\n%s' % (message, ' '.join(self.command()), details))

    def stop(self, timeout=10):
        """SIGTERM (the emulator commits and exits), SIGKILL after ``timeout``; returns the exit status."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout:
            process.stdout.close()
        return process.returncode

    def kill(self):
        """SIGKILL, for crash tests: state survives because every change was its own transaction."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process.stdout.close()
            self.process = None

    def restart(self):
        self.stop()
        return self.start()

    def __enter__(self):
        if self.process is None:
            self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    # -- control plane ----------------------------------------------------------------------------------

    def _control(self, method, name, payload=None, query=''):
        if self.url is None:
            raise EmulatorError('emulator not started')
        data = json.dumps(payload).encode('utf-8') if payload is not None else (b'' if method == 'POST' else None)
        request = urllib.request.Request('%s/_emulator/%s%s' % (self.url, name, query), data=data, method=method,
                                         headers={'Content-Type': 'application/json'})
        context = None
        if self.url.startswith('https:'):
            import ssl  # pylint: disable=import-outside-toplevel
            context = ssl._create_unverified_context()  # pylint: disable=protected-access
        try:
            with urllib.request.urlopen(request, timeout=60, context=context) as response:
                return json.loads(response.read().decode('utf-8'))
        except urllib.error.HTTPError as exc:
            raise EmulatorError('%s /_emulator/%s: HTTP %d %s' % (method, name, exc.code, exc.read().decode('utf-8', 'replace')))

    def health(self):
        return self._control('GET', 'health')

    def stats(self, details=True, task_no=None):
        """The emulator's counters; ``details=False`` leaves out ``task_details``, ``task_no`` limits them to one task."""
        if not details:
            return self._control('GET', 'stats', query='?details=0')
        return self._control('GET', 'stats', query='?task_no=%s' % urllib.parse.quote(task_no) if task_no else '')

    def detail_final_times(self, task_no):
        """Epoch seconds at which each detail of ``task_no`` became final (None while it is not), in detail order."""
        details = self.stats(task_no=task_no)['task_details']
        return [record['final_at'] if record['final'] else None for record in details.values() if record['task_no'] == task_no]

    def configure(self, **options):
        return self._control('POST', 'config', options)

    def reset(self, seed=None):
        """Back to the start-up state; with ``seed``, random draws come from that seed instead of --seed."""
        return self._control('POST', 'reset', {'seed': seed} if seed is not None else None)

    def seed(self, results, **options):
        """Completed results from "another tool", waiting in PollTaskResult (see README: POST /_emulator/seed)."""
        options['results'] = results
        return self._control('POST', 'seed', options)

    def dns(self):
        """The DNS service's addresses and settings (``parent``, ``nameservers``; needs --dns-port)."""
        return self._control('GET', 'dns')

    def configure_dns(self, **settings):
        """``propagation_delay``, ``parent_ttl``, ``ds``, ``domains`` (switches), ``addresses`` (glue)."""
        return self._control('POST', 'dns', settings)

    def client_env(self):
        """Environment variables that point the collection at this emulator."""
        env = {
            'ALIBABA_CLOUD_ACCESS_KEY_ID': self.access_key_id,
            'ALIBABA_CLOUD_ACCESS_KEY_SECRET': self.access_key_secret,
            'ALIBABA_CLOUD_DOMAIN_ENDPOINT': self.url,
        }
        if self.security_token:
            env['ALIBABA_CLOUD_SECURITY_TOKEN'] = self.security_token
        return env
