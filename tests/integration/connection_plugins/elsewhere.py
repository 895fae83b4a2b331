# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only connection: runs on this machine like ``local`` but calls itself another transport.

To the collection's action plugins a host on this connection is a remote host, whose modules cannot
write the controller's files: modules run there without progress lines. The tests compare its results
and API calls with those of a ``local`` host waiting for the same task at the same time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: elsewhere
short_description: The local connection under another transport name (tests only)
description:
  - Executes on the controller exactly like C(ansible.builtin.local), but reports the transport C(elsewhere).
author: aliyun.domain contributors (!UNKNOWN)
options:
  become_success_timeout:
    type: int
    default: 10
    description: As for C(ansible.builtin.local).
    vars:
      - name: ansible_local_become_success_timeout
  become_strip_preamble:
    type: bool
    default: true
    description: As for C(ansible.builtin.local).
    vars:
      - name: ansible_local_become_strip_preamble
extends_documentation_fragment:
  - connection_pipelining
'''

from ansible.plugins.connection.local import Connection as LocalConnection


class Connection(LocalConnection):
    transport = 'elsewhere'
