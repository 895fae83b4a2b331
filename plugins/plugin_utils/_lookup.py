# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AliyunDomainLookupBase: the thin base every lookup of the collection uses (internal use only)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.aliyun.domain.plugins.module_utils._client import HAS_REQUESTS, DomainClient
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainError
from ansible_collections.aliyun.domain.plugins.module_utils._options import OptionAdapter

display = Display()


class AliyunDomainLookupBase(LookupBase):
    """Builds the DomainClient from the plugin's options and turns DomainError into AnsibleError.

    Subclasses call ``self.set_options(var_options=variables, direct=kwargs)`` in ``run()`` and then
    use ``with self.domain_client() as client:``.
    """

    def progress(self, message):
        """Progress users see at -v."""
        display.v('aliyun.domain: %s' % message)

    def _call_log(self, message):
        display.vvv('aliyun.domain: %s' % message)

    def build_client(self):
        if not HAS_REQUESTS:
            raise AnsibleError('The aliyun.domain lookups require the Python library "requests" on the controller.')
        try:
            return DomainClient(OptionAdapter.from_plugin(self), log=self._call_log)
        except DomainError as error:
            raise AnsibleError(str(error))

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
