# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the dns_migration role's playbook tests share: fast variables and reading the reports it wrote."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import re

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
