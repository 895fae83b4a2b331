# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README is the collection's page on Galaxy: every relative link in it (and in the other
Markdown pages it sends readers to) must point at a file of the repository, and every plugin, role
and playbook the collection ships must be listed in its Included content table."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGES = ('README.md', 'CONTRIBUTING.md', 'bench/README.md', 'emulator/README.md')
MARKDOWN_LINK = re.compile(r'\]\(([^)\s]+)\)')


def _read(page):
    with open(os.path.join(REPO_ROOT, page), encoding='utf-8') as handle:
        return handle.read()


@pytest.mark.parametrize('page', PAGES)
def test_relative_links_point_at_files(page):
    targets = [target for target in MARKDOWN_LINK.findall(_read(page)) if not re.match(r'^[a-z]+:|^#', target)]
    missing = [target for target in targets
               if not os.path.exists(os.path.join(REPO_ROOT, os.path.dirname(page), target.split('#')[0]))]
    assert missing == []


def _shipped_content():
    names = []
    for kind in ('modules', 'lookup', 'inventory'):
        directory = os.path.join(REPO_ROOT, 'plugins', kind)
        if os.path.isdir(directory):
            names += [(kind, name[:-3]) for name in os.listdir(directory) if name.endswith('.py') and not name.startswith('_')]
    # one filter plugin file may hold several filters: each has its own documentation file, NAME.yml
    directory = os.path.join(REPO_ROOT, 'plugins', 'filter')
    if os.path.isdir(directory):
        names += [('filter', name[:-4]) for name in os.listdir(directory) if name.endswith('.yml')]
    names += [('role', name) for name in os.listdir(os.path.join(REPO_ROOT, 'roles'))]
    names += [('playbook', name[:-4]) for name in os.listdir(os.path.join(REPO_ROOT, 'playbooks')) if name.endswith('.yml')]
    return sorted(names)


def test_included_content_lists_everything_shipped():
    table = _read('README.md').split('## Included content', 1)[1].split('\n## ', 1)[0]
    listed = set(re.findall(r'`aliyun\.domain\.([a-z_]+)`', table))
    unlisted = [item for item in _shipped_content() if item[1] not in listed]
    assert unlisted == []
