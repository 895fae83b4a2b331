# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the dns_migration role's playbook tests share: fast variables and reading the reports it wrote."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import re
import signal
import subprocess
import sys
import time

# Waits short enough for the emulator's sub-second tasks; a run that hangs still ends within minutes.
FAST_WAIT = {
    'dns_migration_wait_timeout': 120,
    'dns_migration_poll_interval': 0.2,
    'dns_migration_max_poll_interval': 1,
}


def role_vars(work_dir, nameservers, domains=None, batch_size=5, **extra):
    """The role's variables for a test migration into ``work_dir`` (``domains`` None: set by the playbook)."""
    values = {'dns_migration_nameservers': nameservers, 'dns_migration_batch_size': batch_size,
              'dns_migration_work_dir': str(work_dir)}
    if domains is not None:
        values['dns_migration_domains'] = domains
    values.update(FAST_WAIT)
    values.update(extra)
    return values


def latest_report(work_dir, prefix='dns-migration'):
    """(report, path) of the newest JSON report named ``prefix-STAMP.json`` under ``work_dir``/reports
    (``dns-migration`` is not ``dns-migration-abort``)."""
    named = re.compile(r'%s-\d{8}T\d{6}Z\.json$' % re.escape(prefix))
    reports = sorted(path for path in glob.glob(os.path.join(str(work_dir), 'reports', '%s-*.json' % prefix))
                     if named.match(os.path.basename(path)))
    assert reports, 'no report written'
    with open(reports[-1]) as handle:
        return json.load(handle), reports[-1]


def kill_playbook_when(playbook, extra_vars, ready, ansible_env, venv_tool, emulator, tmp_path, timeout=30):
    """Run the collection playbook ``playbook`` (a name) with ``extra_vars`` and SIGKILL it (its whole process group)
    as soon as ``ready()`` is true; fails when it ends first or ``ready()`` stays false for ``timeout`` seconds."""
    extra = tmp_path / 'killed-run-vars.json'
    extra.write_text(json.dumps(extra_vars))
    env = dict(ansible_env, ALIBABA_CLOUD_DOMAIN_ENDPOINT=emulator.url)
    inventory = tmp_path / 'killed-run-inventory.ini'
    # the role's DNS checks off, as in every playbook test (DNS_CHECKS_OFF in conftest.py)
    inventory.write_text('localhost ansible_connection=local ansible_python_interpreter=%s '
                         'dns_migration_preflight=false dns_migration_verify_delegation=false\n' % sys.executable)
    process = subprocess.Popen([venv_tool('ansible-playbook'), '-i', str(inventory), playbook, '-e', '@%s' % extra],
                               cwd=str(tmp_path), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.time() + timeout
    try:
        while not ready():
            assert process.poll() is None, 'ansible-playbook %s ended before it could be killed' % playbook
            assert time.time() < deadline, 'ansible-playbook %s was not ready to be killed within %d s' % (playbook, timeout)
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
