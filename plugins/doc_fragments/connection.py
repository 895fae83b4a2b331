# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Modules: options only.  The environment and profiles are read by the credential chain itself,
    # so the order documented here is the order the code applies.
    DOCUMENTATION = r'''
options:
  access_key_id:
    description:
      - Alibaba Cloud AccessKey ID.
      - "Credentials are taken from the first source that has them: these options (O(access_key_id),
        O(access_key_secret), O(security_token)); the environment variables E(ALIBABA_CLOUD_ACCESS_KEY_ID),
        E(ALIBABA_CLOUD_ACCESS_KEY_SECRET), E(ALIBABA_CLOUD_SECURITY_TOKEN); the legacy variables
        E(ALICLOUD_ACCESS_KEY), E(ALICLOUD_SECRET_KEY), E(ALICLOUD_SECURITY_TOKEN); then a profile (see O(profile))."
      - When no source has credentials the task fails with one message naming every source tried.
      - Lookups also read these options from variables (C(aliyun_domain_<option>)); where both an E(ALIBABA_CLOUD_*)
        and a legacy E(ALICLOUD_*) variable are set, the E(ALIBABA_CLOUD_*) one wins.
    type: str
  access_key_secret:
    description:
      - Alibaba Cloud AccessKey secret. Never logged or returned.
    type: str
  security_token:
    description:
      - STS security token, for temporary credentials. Never logged or returned.
    type: str
  profile:
    description:
      - Name of a profile in C(~/.aliyun/config.json) (the aliyun CLI file; modes C(AK), C(StsToken),
        C(RamRoleArn) and C(EcsRamRole)) or a section of C(~/.alibabacloud/credentials) or
        C(~/.alibabacloud/credentials.ini).
      - If not set, the environment variable E(ALIBABA_CLOUD_PROFILE), then E(ALICLOUD_PROFILE), is used; without
        any of them the current profile of C(~/.aliyun/config.json), then the C(default) section, is used.
      - Temporary credentials of a profile (STS AssumeRole, ECS RAM role) are refreshed before they expire.
    type: str
  region:
    description:
      - Region of the account. V(ap-southeast-1) selects the international endpoint C(domain-intl.aliyuncs.com);
        any other value, or none, selects C(domain.aliyuncs.com).
    type: str
  endpoint:
    description:
      - Full base URL of the Domain API, for example V(https://domain.aliyuncs.com) or V(http://127.0.0.1:8765)
        for a local emulator. Overrides O(region).
      - If not set, the environment variable E(ALIBABA_CLOUD_DOMAIN_ENDPOINT) is used.
    type: str
  signature_version:
    description:
      - Request signature scheme. V(v3) is ACS3-HMAC-SHA256, V(v1) the RPC HMAC-SHA1 scheme (C(SignatureVersion=1.0)).
    type: str
    choices: [v3, v1]
    default: v3
  timeout:
    description:
      - Seconds to wait for the response to each HTTP request.
    type: float
    default: 10
  connect_timeout:
    description:
      - Seconds to wait for a connection to be established.
    type: float
    default: 5
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the endpoint.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM bundle of CA certificates used to verify the endpoint.
      - If not set, E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE), else the system default, is used.
    type: path
  max_retries:
    description:
      - How many times one API call is repeated after a transient failure (throttling, service unavailable,
        internal error, connection failure) with full-jitter exponential backoff. Authentication and parameter
        errors are never retried; calls that change state are not repeated when the request may have been
        carried out.
    type: int
    default: 5
  lang:
    description:
      - Language of error messages from the service, sent as C(Lang).
    type: str
    choices: [en, zh]
    default: en
  user_client_ip:
    description:
      - Client IP address reported to the service, sent as C(UserClientIp).
    type: str
notes:
  - Proxies are taken from the environment (E(HTTPS_PROXY), E(HTTP_PROXY), E(NO_PROXY)).
requirements:
  - requests
'''

    # Lookups and other plugins extend both this fragment and PLUGINS: Ansible merges each option's
    # keys, so PLUGINS adds only where a plugin also reads the option (env:, vars:). Where several
    # environment variables are listed, Ansible uses the last one that is set, so the legacy
    # ALICLOUD_* names come first and the ALIBABA_CLOUD_* names win.
    PLUGINS = r'''
options:
  access_key_id:
    env:
      - name: ALICLOUD_ACCESS_KEY
      - name: ALIBABA_CLOUD_ACCESS_KEY_ID
    vars:
      - name: aliyun_domain_access_key_id
  access_key_secret:
    env:
      - name: ALICLOUD_SECRET_KEY
      - name: ALIBABA_CLOUD_ACCESS_KEY_SECRET
    vars:
      - name: aliyun_domain_access_key_secret
  security_token:
    env:
      - name: ALICLOUD_SECURITY_TOKEN
      - name: ALIBABA_CLOUD_SECURITY_TOKEN
    vars:
      - name: aliyun_domain_security_token
  profile:
    env:
      - name: ALICLOUD_PROFILE
      - name: ALIBABA_CLOUD_PROFILE
    vars:
      - name: aliyun_domain_profile
  region:
    vars:
      - name: aliyun_domain_region
  endpoint:
    env:
      - name: ALIBABA_CLOUD_DOMAIN_ENDPOINT
    vars:
      - name: aliyun_domain_endpoint
  signature_version:
    vars:
      - name: aliyun_domain_signature_version
  timeout:
    vars:
      - name: aliyun_domain_timeout
  connect_timeout:
    vars:
      - name: aliyun_domain_connect_timeout
  validate_certs:
    vars:
      - name: aliyun_domain_validate_certs
  ca_path:
    vars:
      - name: aliyun_domain_ca_path
  max_retries:
    vars:
      - name: aliyun_domain_max_retries
  lang:
    vars:
      - name: aliyun_domain_lang
  user_client_ip:
    vars:
      - name: aliyun_domain_user_client_ip
'''

    # Inventory plugins extend this fragment and INVENTORY: the environment variables of PLUGINS
    # (a unit test keeps them equal), without vars:, which inventory options cannot have (they are
    # read before any variable exists). So an AWX credential works for an inventory source too.
    INVENTORY = r'''
options:
  access_key_id:
    env:
      - name: ALICLOUD_ACCESS_KEY
      - name: ALIBABA_CLOUD_ACCESS_KEY_ID
  access_key_secret:
    env:
      - name: ALICLOUD_SECRET_KEY
      - name: ALIBABA_CLOUD_ACCESS_KEY_SECRET
  security_token:
    env:
      - name: ALICLOUD_SECURITY_TOKEN
      - name: ALIBABA_CLOUD_SECURITY_TOKEN
  profile:
    env:
      - name: ALICLOUD_PROFILE
      - name: ALIBABA_CLOUD_PROFILE
  endpoint:
    env:
      - name: ALIBABA_CLOUD_DOMAIN_ENDPOINT
'''
