# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Makes the collection importable as ``ansible_collections.aliyun.domain`` for every test.

ansible-core only finds a collection below a directory named ``ansible_collections/<namespace>/<name>``.
When the tests already run from such a tree (``make test`` copies the checkout into one), that tree is
used; otherwise (pytest started in a plain clone) a temporary tree with a symlink to the clone is made.
The repository root is also put on ``sys.path`` so that ``emulator`` (``python -m emulator``) imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import atexit
import os
import shutil
import sys
import tempfile

import pytest

NAMESPACE = 'aliyun'
NAME = 'domain'

# abspath, not realpath: the tree may be a symlink into a clone, and the tree is what must be kept.
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _enclosing_collections_root(collection_root):
    name_dir = collection_root
    namespace_dir = os.path.dirname(name_dir)
    ansible_collections_dir = os.path.dirname(namespace_dir)
    if (os.path.basename(name_dir), os.path.basename(namespace_dir), os.path.basename(ansible_collections_dir)) == (
            NAME, NAMESPACE, 'ansible_collections'):
        return os.path.dirname(ansible_collections_dir)
    return None


def _temporary_collections_root(collection_root):
    root = tempfile.mkdtemp(prefix='aliyun-domain-collections-')
    namespace_dir = os.path.join(root, 'ansible_collections', NAMESPACE)
    os.makedirs(namespace_dir)
    os.symlink(collection_root, os.path.join(namespace_dir, NAME))
    # rmtree unlinks the symlink itself and never descends into the clone.
    atexit.register(shutil.rmtree, root, True)
    return root


COLLECTIONS_ROOT = _enclosing_collections_root(COLLECTION_ROOT) or _temporary_collections_root(COLLECTION_ROOT)

if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)
if COLLECTION_ROOT not in sys.path:
    sys.path.append(COLLECTION_ROOT)


@pytest.fixture(scope='session')
def collection_root():
    """The collection's own directory (``.../ansible_collections/aliyun/domain`` or the clone)."""
    return COLLECTION_ROOT


@pytest.fixture(scope='session')
def collections_path():
    """A directory holding ``ansible_collections/aliyun/domain``: the value for ANSIBLE_COLLECTIONS_PATH."""
    return COLLECTIONS_ROOT
