# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make demo's script, end to end: build, install, emulator, migrate_dns, summary, emulator stopped."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

# A long end-to-end run: `make test-fast` (pytest -m "not e2e") leaves it out.
pytestmark = pytest.mark.e2e


def test_demo_script_migrates_reports_and_stops_the_emulator(collection_root, tmp_path):
    script = os.path.join(collection_root, 'scripts', 'demo.sh')
    output_dir = tmp_path / 'demo-output'
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'ALIBABA_CLOUD_', 'ALICLOUD_')))
    env.update({
        'HOME': str(tmp_path),
        'TMPDIR': str(tmp_path),
        'DEMO_OUTPUT': str(output_dir),
        'DEMO_DOMAINS': '30',
        'DEMO_TASK_SECONDS': '0.2-0.6',
        'DEMO_VENV': sys.prefix,
    })
    completed = subprocess.run(['bash', script], env=env, cwd=str(tmp_path), stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=600, check=False)
    print(completed.stdout[-6000:])
    print(completed.stderr[-3000:])
    assert completed.returncode == 0
    assert 'Demo OK.' in completed.stdout
    assert 'failed:       3 example-00010.com example-00011.com example-00012.com' in completed.stdout
    assert 'changed:      24' in completed.stdout
    assert 'blocked:      3 example-00005.com example-00020.com example-00021.com (not submitted)' in completed.stdout
    assert 'example-00005.com: update prohibition lock is on' in completed.stdout
    assert 'verified:     24 of 24 moved domains' in completed.stdout

    reports = glob.glob(str(output_dir / 'reports' / 'dns-migration-*.html'))
    assert len(reports) == 1
    assert 'report:       %s' % reports[0] in completed.stdout
    with open(reports[0][:-len('.html')] + '.json') as handle:
        report = json.load(handle)
    assert report['summary']['acknowledged'] == 27   # the three blocked domains were never submitted

    url = re.search(r'emulator at (http://\S+)', completed.stdout).group(1)
    try:
        urllib.request.urlopen(url + '/_emulator/health', timeout=2)
    except (urllib.error.URLError, OSError):
        stopped = True
    else:
        stopped = False
    assert stopped, 'the emulator still answers after the demo'
    assert not glob.glob(str(tmp_path / 'aliyun-domain-demo-work.*')), 'the demo left its work directory behind'
