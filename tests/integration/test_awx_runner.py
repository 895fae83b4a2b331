# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration playbook run the way AWX runs a job template: ``ansible_runner.run()`` with the
credential of awx/credential_type.yml injected into the job's environment by AWX's own injection
code (``awx_plugins.interfaces``), against the emulator, at -vvv.

The secret and the STS token must not appear in anything the job shows or leaves behind: job
events, stdout, runner artifacts, and the journal, state file and reports of the role. Excepted
are the runner's own copies of its input (``env/`` and the ``command`` artifact), which is how AWX
hands the environment to the job in the first place.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import ansible_runner
import pytest
import yaml

from awx_plugins.interfaces._temporary_private_api import ManagedCredentialType
from awx_plugins.interfaces._temporary_private_credential_api import Credential
from awx_plugins.interfaces._temporary_private_inject_api import inject_credential

# A long end-to-end run: `make test-fast` (pytest -m "not e2e") leaves it out.
pytestmark = pytest.mark.e2e

ACCESS_KEY_SECRET = 'AwxRunnerSecret0a9f3c'
SECURITY_TOKEN = 'AwxRunnerStsToken7e21bd'
# Inputs of the AWX credential: a RAM user's AccessKey pair (the optional inputs left empty, which
# AWX injects as empty variables), and temporary STS credentials with their token.
CREDENTIALS = {
    'access_key_pair': {'access_key_id': 'LTAIawxrunnerkey', 'access_key_secret': ACCESS_KEY_SECRET},
    'sts_token': {'access_key_id': 'STS.awxrunnerkey', 'access_key_secret': ACCESS_KEY_SECRET, 'security_token': SECURITY_TOKEN},
}
SECRETS = (ACCESS_KEY_SECRET, SECURITY_TOKEN)
DOMAIN_COUNT = 8
NEW_NAMESERVERS = ['ns1.awx-migration.example', 'ns2.awx-migration.example']
# Runner's copies of what AWX passes in (inputs, not output): the environment and the command line with it.
RUNNER_INPUT_COPIES = ('env', 'command')


def _awx_injected_environment(collection_root, inputs, private_data_dir):
    with open(os.path.join(collection_root, 'awx', 'credential_type.yml'), encoding='utf-8') as stream:
        definition = yaml.safe_load(stream)
    credential_type = ManagedCredentialType(namespace='aliyun_domain', name=definition['name'], kind=definition['kind'],
                                            inputs=definition['inputs'], injectors=definition['injectors'])
    env, safe_env, args = {}, {}, []
    os.makedirs(os.path.join(private_data_dir, 'env'), exist_ok=True)
    inject_credential(credential_type, Credential(inputs=inputs), env, safe_env, args, private_data_dir)
    assert args == []
    return env


def _files_under(root, skip=()):
    """Every file below ``root`` but those with a directory or file name from ``skip`` in their relative path."""
    for directory, _subdirectories, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            parts = os.path.relpath(path, root).split(os.sep)
            if not set(skip) & set(parts):
                yield path


def _files_holding(paths, secrets):
    found = []
    for path in paths:
        with open(path, 'rb') as stream:
            content = stream.read()
        found.extend((path, secret) for secret in secrets if secret.encode('utf-8') in content)
    return found


@pytest.mark.parametrize('credential', sorted(CREDENTIALS))
def test_migrate_dns_under_ansible_runner_with_awx_injected_credentials(
        collection_root, ansible_env, emulator_factory, venv_tool, tmp_path, monkeypatch, credential):
    inputs = CREDENTIALS[credential]
    accepted_key = ':'.join(inputs[name] for name in ('access_key_id', 'access_key_secret', 'security_token') if name in inputs)
    emulator = emulator_factory('--domains', str(DOMAIN_COUNT), '--task-seconds', '0.2', '--access-key', accepted_key)
    private_data_dir = str(tmp_path / 'job')
    work_dir = tmp_path / 'dns-migration'
    injected = _awx_injected_environment(collection_root, dict(inputs, endpoint=emulator.url), private_data_dir)
    assert injected['ALIBABA_CLOUD_ACCESS_KEY_SECRET'] == ACCESS_KEY_SECRET
    assert injected['ALIBABA_CLOUD_SECURITY_TOKEN'] == inputs.get('security_token', '')

    # ansible-runner starts from this process's environment; keep the developer's credentials out of it.
    for name in list(os.environ):
        if name.startswith(('ALIBABA_CLOUD_', 'ALICLOUD_', 'ANSIBLE_')):
            monkeypatch.delenv(name)
    envvars = dict((key, value) for key, value in ansible_env.items()
                   if key.startswith('ANSIBLE_') and key not in ('ANSIBLE_CALLBACK_PLUGINS', 'ANSIBLE_CALLBACKS_ENABLED'))
    envvars['HOME'] = ansible_env['HOME']
    # As in an execution environment, ansible-playbook is on PATH: the test virtualenv's.
    monkeypatch.setenv('PATH', os.path.dirname(venv_tool('ansible-playbook')) + os.pathsep + os.environ.get('PATH', ''))
    envvars.update(injected)

    domains = ['example-%05d.com' % number for number in range(1, DOMAIN_COUNT + 1)]
    runner = ansible_runner.run(
        private_data_dir=private_data_dir,
        playbook=os.path.join(collection_root, 'playbooks', 'migrate_dns.yml'),
        # the localhost of AWX's Demo Inventory, as the AWX guide (docs/docsite/rst/guide_awx.rst) recommends
        # the role's DNS checks off, as in every playbook test (see DNS_CHECKS_OFF in conftest.py)
        inventory="localhost ansible_connection=local ansible_python_interpreter='{{ ansible_playbook_python }}' "
                  "dns_migration_preflight=false dns_migration_verify_delegation=false",
        envvars=envvars,
        extravars={
            'dns_migration_domains': domains,
            'dns_migration_nameservers': NEW_NAMESERVERS,
            'dns_migration_work_dir': str(work_dir),
            'dns_migration_poll_interval': 0.2,
            'dns_migration_max_poll_interval': 1,
        },
        verbosity=3,
        quiet=True,
        timeout=600,
    )
    stdout = runner.stdout.read()
    assert runner.status == 'successful', stdout[-6000:]
    assert runner.rc == 0
    assert runner.stats['failures'] == {} and runner.stats['dark'] == {}, runner.stats

    # The job really migrated the domains, with the injected credentials (the emulator accepts no other).
    stats = emulator.stats()
    assert stats['details'] == DOMAIN_COUNT
    assert stats['details_acknowledged'] == DOMAIN_COUNT
    assert stats['results_awaiting_acknowledgement'] == 0
    assert sorted(stats['submissions_per_domain']) == domains
    assert set(stats['submissions_per_domain'].values()) == {1}

    # Nothing the job shows or leaves holds a secret.
    events = list(runner.events)
    assert events, 'ansible-runner recorded no job events'
    # The outcome reaches AWX as job artifacts (set_stats), which workflows pass on to the next node.
    artifacts = [event['event_data'].get('artifact_data') for event in events if event.get('event') == 'playbook_on_stats']
    assert artifacts and artifacts[-1]['dns_migration_result']['summary']['succeeded'] == DOMAIN_COUNT, artifacts
    assert [secret for secret in SECRETS if secret in json.dumps(events)] == []
    assert [secret for secret in SECRETS if secret in stdout] == []
    job_files = list(_files_under(private_data_dir, skip=RUNNER_INPUT_COPIES))
    assert [path for path in job_files if path.endswith(os.path.join('artifacts', runner.config.ident, 'stdout'))]
    assert _files_holding(job_files, SECRETS) == []
    written = list(_files_under(str(work_dir)))
    assert any(path.endswith('.jsonl') for path in written) and any(path.endswith('.html') for path in written), written
    assert _files_holding(written, SECRETS) == []
