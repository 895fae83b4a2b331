# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-lint with the production profile over the runbook and the AWX files, and
antsibull-changelog lint over the changelog fragments."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess

import pytest
import yaml

# A long end-to-end run: `make test-fast` (pytest -m "not e2e") leaves it out.
pytestmark = pytest.mark.e2e

# What users run or copy: the role, the playbooks, the AWX credential type playbook, the example EE.
LINTED_PATHS = ('roles', 'playbooks', 'awx', 'examples', 'meta')


def _run(command, cwd, env):
    completed = subprocess.run(command, cwd=str(cwd), env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=600, check=False)
    print('$ %s\n--- rc: %s\n--- stdout:\n%s\n--- stderr:\n%s' % (' '.join(command), completed.returncode, completed.stdout,
                                                                  completed.stderr))
    return completed


def _tool_env(tool_path, home, collections_path):
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith('ANSIBLE_'))
    # ansible-lint runs ansible-playbook --syntax-check: the test virtualenv's, found on PATH.
    env['PATH'] = os.path.dirname(tool_path) + os.pathsep + env.get('PATH', '')
    env['HOME'] = str(home)
    env['ANSIBLE_COLLECTIONS_PATH'] = collections_path
    env['NO_COLOR'] = '1'
    return env


def test_lint_configuration_requires_the_production_profile(collection_root):
    with open(os.path.join(collection_root, '.ansible-lint'), encoding='utf-8') as stream:
        config = yaml.safe_load(stream)
    assert config['profile'] == 'production'
    assert config['offline'] is True
    assert not config.get('skip_list') and not config.get('warn_list'), 'the production profile is met, not bargained down'


def test_ansible_lint_production_profile_passes(collection_root, collections_path, venv_tool, tmp_path):
    ansible_lint = venv_tool('ansible-lint')
    paths = [path for path in LINTED_PATHS if os.path.isdir(os.path.join(collection_root, path))]
    assert 'roles' in paths and 'playbooks' in paths
    completed = _run([ansible_lint, '--nocolor', '--profile', 'production'] + paths, collection_root,
                     _tool_env(ansible_lint, tmp_path, collections_path))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Profile 'production' was required, and it passed" in completed.stderr + completed.stdout


def test_antsibull_changelog_lint_passes(collection_root, collections_path, venv_tool, tmp_path):
    changelog = venv_tool('antsibull-changelog')
    env = _tool_env(changelog, tmp_path, collections_path)
    for command in ([changelog, 'lint'], [changelog, 'lint-changelog-yaml', os.path.join('changelogs', 'changelog.yaml')]):
        completed = _run(command, collection_root, env)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert completed.stdout.strip() == '', completed.stdout
