# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AliyunDomainModule: the thin base every module of the collection uses (internal use only)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aliyun.domain.plugins.module_utils._client import DomainClient
from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError
from ansible_collections.aliyun.domain.plugins.module_utils._http import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.aliyun.domain.plugins.module_utils._options import (
    ConnectionSettings,
    OptionAdapter,
    connection_argument_spec,
)
from ansible_collections.aliyun.domain.plugins.module_utils._progress import progress_from_environment


class AliyunDomainModule(AnsibleModule):
    """AnsibleModule with the connection options merged in, check mode on, and a lazy ``client``.

    Once a client was built, every result (success or failure) carries its ``api_calls`` and
    ``request_ids``, and exiting closes the client.
    """

    def __init__(self, argument_spec=None, **kwargs):
        # Set before AnsibleModule.__init__, which may already fail_json on bad arguments.
        self._client = None
        self._counted_client = None
        spec = connection_argument_spec()
        spec.update(argument_spec or {})
        kwargs.setdefault('supports_check_mode', True)
        super(AliyunDomainModule, self).__init__(argument_spec=spec, **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        self.options = OptionAdapter.from_module(self)
        # The waiter's progress hook when the action plugin tails this run's lines (on the controller); else None.
        self.progress = progress_from_environment()
        try:
            # Bad connection values fail before any work, naming the option, the value and what is allowed.
            ConnectionSettings(self.options, os.environ)
        except DomainConfigError as error:
            self.fail_from_error(error)

    @property
    def client(self):
        if self._client is None:
            try:
                client = DomainClient(self.options, log=self._log_progress)
                # Resolve credentials now, so that a configuration problem fails before any work starts.
                client.resolve_credentials()
            except DomainConfigError as error:
                self.fail_from_error(error)
            self._client = self._counted_client = client
        return self._client

    def _log_progress(self, message):
        self.log('aliyun.domain: %s' % message)

    def fail_from_error(self, error, **result):
        """fail_json with the error's one-line message and ``error: {code, message, request_id}``."""
        result.setdefault('error', error.to_result())
        self.fail_json(msg=str(error), **result)

    def _with_calls(self, result):
        client = self._counted_client
        if client is not None:
            result['api_calls'] = client.api_calls
            result['request_ids'] = list(client.request_ids)
        self.close_client()
        return result

    def exit_json(self, **result):
        super(AliyunDomainModule, self).exit_json(**self._with_calls(result))

    def fail_json(self, msg, **result):
        super(AliyunDomainModule, self).fail_json(msg=msg, **self._with_calls(result))

    def close_client(self):
        if self._client is not None:
            self._client.close()
            self._client = None
