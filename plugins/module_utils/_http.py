# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP set-up shared by the Domain API client and the STS/ECS credential providers (internal use only).

``requests`` is imported (guarded) here only.  Sessions ignore the environment on every request
(``trust_env`` off): proxies are read from it once per base URL with ``environ_proxies()``, so that
a long run does not re-read it for each of thousands of calls and all of a client's sessions agree.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainConfigError

try:
    import requests
    from requests.utils import get_environ_proxies
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    requests = None
    get_environ_proxies = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

MISSING_REQUESTS = 'The Python library "requests" is required but is not installed.'


def new_session(missing_message=MISSING_REQUESTS):
    """A ``requests.Session`` that takes nothing from the environment; DomainConfigError without requests."""
    if not HAS_REQUESTS:
        raise DomainConfigError(missing_message)
    session = requests.Session()
    session.trust_env = False
    return session


def environ_proxies(url):
    """The proxies the environment sets for ``url`` (``{}`` without requests)."""
    return get_environ_proxies(url) if HAS_REQUESTS else {}
