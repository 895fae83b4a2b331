# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AliyunDomainLookupBase: the thin base every lookup of the collection uses (internal use only)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import difflib

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.aliyun.domain.plugins.module_utils._client import DomainClient
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainError
from ansible_collections.aliyun.domain.plugins.module_utils._http import HAS_REQUESTS
from ansible_collections.aliyun.domain.plugins.module_utils._options import OptionAdapter

display = Display()


def unknown_keywords_message(unknown, allowed):
    """One line naming each unknown keyword (with the closest option, if any) and every keyword allowed."""
    keywords = [name for name in sorted(allowed) if not name.startswith('_')]
    described = []
    for name in unknown:
        close = difflib.get_close_matches(name, keywords, n=1)
        described.append('%s (did you mean %s?)' % (name, close[0]) if close else name)
    return 'unknown keyword%s %s; allowed: %s' % ('s' if len(unknown) > 1 else '', ', '.join(described), ', '.join(keywords))


def build_plugin_client(plugin, log=None, error_class=AnsibleError, kind='lookups'):
    """A DomainClient from a plugin's options (``get_option``: options, their env: and vars: sources); any
    DomainError (a bad option value) becomes one ``error_class`` line.  Lookups and the inventory use it."""
    if not HAS_REQUESTS:
        raise error_class('The aliyun.domain %s require the Python library "requests" on the controller.' % kind)
    try:
        return DomainClient(OptionAdapter.from_plugin(plugin), log=log)
    except DomainError as error:
        raise error_class(str(error))


class AliyunDomainLookupBase(LookupBase):
    """Builds the DomainClient from the plugin's options and turns DomainError into AnsibleError.

    Subclasses call ``self.set_options(var_options=variables, direct=kwargs)`` in ``run()`` and then
    use ``with self.domain_client() as client:``.
    """

    def set_options(self, task_keys=None, var_options=None, direct=None):
        """Also refuses keywords that are no documented option: ansible-core ignores them, so a typo such
        as ``wait_timout=`` would otherwise pass unnoticed."""
        definitions = C.config.get_configuration_definitions(self.plugin_type, self._load_name) or {}
        allowed = set(definitions)
        for definition in definitions.values():
            allowed.update(definition.get('aliases') or ())
        unknown = sorted(set(direct or ()) - allowed)
        if unknown:
            raise AnsibleError(unknown_keywords_message(unknown, allowed))
        super(AliyunDomainLookupBase, self).set_options(task_keys=task_keys, var_options=var_options, direct=direct)

    def progress(self, message):
        """Progress users see at -v."""
        display.v('aliyun.domain: %s' % message)

    def show(self, line):
        """A progress line of a long wait, shown at the default verbosity (and so in AWX job output)."""
        display.display(line)

    def _call_log(self, message):
        display.vvv('aliyun.domain: %s' % message)

    def build_client(self):
        return build_plugin_client(self, log=self._call_log)

    @contextlib.contextmanager
    def domain_client(self):
        """A client for the duration of one lookup call; every DomainError leaves as one AnsibleError line."""
        client = self.build_client()
        try:
            yield client
        except DomainError as error:
            raise AnsibleError(str(error))
        finally:
            client.close()
