#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make sure ``ansible-test --venv`` can bootstrap pip where its get-pip download is unreachable.

ansible-test bootstraps pip in each virtualenv it creates by running a ``get-pip.py`` that it downloads
once and caches as ``~/.ansible/test/cache/get_pip_<version>.py``. On a machine that reaches the
package index but not that download host, this script writes a stand-in into the cache: it runs
``ensurepip`` and then ``pip install`` with the arguments ansible-test passes (the pinned pip version),
minus the get-pip-only flags. The real script is tried first and kept when it can be fetched.

Run it with the interpreter of the virtualenv that has ansible-core installed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import sys
import urllib.request

STAND_IN = '''# Stand-in for get-pip.py written by aliyun.domain scripts/seed_ansible_test_pip.py:
# the real bootstrap script could not be downloaded. ansible-test runs this file as a module.
import subprocess
import sys

GET_PIP_ONLY_FLAGS = ('--no-setuptools', '--no-wheel')

subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_FLAGS])
'''

DOWNLOAD_TIMEOUT_SECONDS = 10


def _ansible_test_file(*parts):
    import ansible_test  # pylint: disable=import-outside-toplevel

    return os.path.join(os.path.dirname(ansible_test.__file__), *parts)


def bootstrap_pip_version():
    """The pip version ansible-test pins for the virtualenvs it creates."""
    with open(_ansible_test_file('_internal', 'python_requirements.py'), encoding='utf-8') as stream:
        source = stream.read()
    match = re.search(r"default_packages = dict\(\s*pip='([0-9.]+)'", source)
    if not match:
        raise SystemExit('cannot find the pip version pinned by ansible-test; its bootstrap code has changed')
    return match.group(1)


def bootstrap_url_template():
    """The download address ansible-test uses, read from its own code rather than repeated here."""
    with open(_ansible_test_file('_util', 'target', 'setup', 'requirements.py'), encoding='utf-8') as stream:
        source = stream.read()
    match = re.search(r"url = '([^']+get-pip-%s\.py)' % pip_version", source)
    return match.group(1) if match else None


def main():
    version = bootstrap_pip_version()
    cache_path = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % version.replace('.', '_'))
    if os.path.exists(cache_path):
        print('ansible-test pip %s bootstrap script present: %s' % (version, cache_path))
        return
    os.makedirs(os.path.dirname(cache_path), exist_ok=True)

    template = bootstrap_url_template()
    if template:
        try:
            with urllib.request.urlopen(template % version, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:  # nosec: fixed https address from ansible-test
                content = response.read()
            with open(cache_path, 'wb') as stream:
                stream.write(content)
            print('ansible-test pip %s bootstrap script downloaded: %s' % (version, cache_path))
            return
        except Exception as exc:  # pylint: disable=broad-except
            print('ansible-test pip %s bootstrap script cannot be downloaded (%s); writing a stand-in' % (version, exc))

    with open(cache_path, 'w', encoding='utf-8') as stream:
        stream.write(STAND_IN)
    print('ansible-test pip %s bootstrap stand-in written: %s' % (version, cache_path))


if __name__ == '__main__':
    sys.exit(main())
