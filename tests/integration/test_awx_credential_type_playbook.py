# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""awx/create_credential_type.yml hands AWX the definition of awx/credential_type.yml unchanged.

The pitfall it guards against: Ansible renders '{{ ... }}' in variables, and an injector template
rendered on the way (or failing as undefined) would make AWX inject the wrong thing. The awx.awx
collection needs an AWX server, so a stand-in ``awx.awx.credential_type`` module with the same
options records what the playbook passes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import yaml

STAND_IN_MODULE = '''#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type
import json
import os
from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(
        name=dict(required=True), description=dict(), kind=dict(choices=['ssh', 'vault', 'net', 'scm', 'cloud', 'insights']),
        inputs=dict(type='dict'), injectors=dict(type='dict'), state=dict(choices=['present', 'absent'], default='present')))
    with open(os.environ['AWX_STAND_IN_RECORD'], 'w') as stream:
        json.dump(module.params, stream)
    module.exit_json(changed=True)


if __name__ == '__main__':
    main()
'''


def _stand_in_awx_collection(root):
    collection = root / 'ansible_collections' / 'awx' / 'awx'
    modules = collection / 'plugins' / 'modules'
    modules.mkdir(parents=True)
    (modules / 'credential_type.py').write_text(STAND_IN_MODULE, encoding='utf-8')
    (collection / 'MANIFEST.json').write_text(json.dumps({'collection_info': {
        'namespace': 'awx', 'name': 'awx', 'version': '24.6.1', 'dependencies': {}}}), encoding='utf-8')
    return str(root)


def test_create_credential_type_passes_the_definition_unrendered(collection_root, collections_path, run_playbook, tmp_path):
    record = tmp_path / 'credential_type_params.json'
    stand_in_path = _stand_in_awx_collection(tmp_path / 'stand-in')
    result = run_playbook(os.path.join(collection_root, 'awx', 'create_credential_type.yml'), env={
        'ANSIBLE_COLLECTIONS_PATH': collections_path + os.pathsep + stand_in_path,
        'AWX_STAND_IN_RECORD': str(record),
    })
    result.assert_success()
    assert result.task_event('Create or update the credential type')['changed'] is True

    with open(os.path.join(collection_root, 'awx', 'credential_type.yml'), encoding='utf-8') as stream:
        definition = yaml.safe_load(stream)
    params = json.loads(record.read_text(encoding='utf-8'))
    assert params == dict(definition, state='present')
    assert params['injectors']['env']['ALIBABA_CLOUD_ACCESS_KEY_SECRET'] == '{{ access_key_secret }}'
