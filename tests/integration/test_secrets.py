# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No secret leaves the collection: files/secrets.yml (every module, the lookup and the role; credentials as
options, role variables and environment; successes and failures the server explains) runs at -vvvv through
ansible-playbook and under ansible-runner. Everything the runs produce is searched for the access key
secrets and the STS tokens: screen output, recorded results, job events, runner artifacts, journals, state
files, reports and whatever else was written. Exempt are the inputs (the extra variables file and the
runner's copies of its environment and command line) and the emulator's own logs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import ansible_runner
import pytest

PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'files', 'secrets.yml')
KEY_ID = 'STS.secretsuite'
SECRET = 'SecretSuiteAccessKeySecret9c1e'
TOKEN = 'SecretSuiteStsToken4b7d0a'
EXPIRED_KEY_ID = 'STS.secretsuiteexpired'
EXPIRED_SECRET = 'SecretSuiteExpiredSecret77f2'
EXPIRED_TOKEN = 'SecretSuiteExpiredToken31aa'
SECRETS = (SECRET, TOKEN, EXPIRED_SECRET, EXPIRED_TOKEN)
FAILING_DOMAIN = 'example-00006.com'
# The inputs of a run: the extra variables, and ansible-runner's copies of its environment and command line.
INPUT_FILES = ('extra_vars.json', 'env', 'command')
IGNORED_FAILURES = [
    'Fail with a secret that is one character longer',
    'Fail with a token that is one character longer',
    'Fail with an expired token',
    'Fail in the lookup with a wrong secret',
]
ROLE_FAILURE = 'aliyun.domain.dns_migration : Fail for the domains that did not change'
CREDENTIAL_ENVIRONMENT = {
    'ALIBABA_CLOUD_ACCESS_KEY_ID': KEY_ID,
    'ALIBABA_CLOUD_ACCESS_KEY_SECRET': SECRET,
    'ALIBABA_CLOUD_SECURITY_TOKEN': TOKEN,
}


@pytest.fixture
def secrets_emulator(emulator_factory):
    emulator = emulator_factory('--domains', '10', '--task-seconds', '0.2', '--max-tries', '1', '--fail-domains', FAILING_DOMAIN,
                                '--access-key', '%s:%s:%s' % (KEY_ID, SECRET, TOKEN),
                                '--access-key', '%s:%s:%s' % (EXPIRED_KEY_ID, EXPIRED_SECRET, EXPIRED_TOKEN))
    emulator.configure(expired_access_keys=[EXPIRED_KEY_ID])
    return emulator


def playbook_vars(work_dir):
    return {'key_id': KEY_ID, 'secret': SECRET, 'token': TOKEN, 'expired_key_id': EXPIRED_KEY_ID,
            'expired_secret': EXPIRED_SECRET, 'expired_token': EXPIRED_TOKEN, 'work_dir': str(work_dir)}


def assert_the_playbook_did_its_work(emulator, work_dir, failure_messages):
    """The search means something only if every path ran: submissions, confirmations, journals, server errors."""
    stats = emulator.stats()
    assert sorted(stats['submissions_per_domain']) == ['example-%05d.com' % number for number in (1, 2, 3, 5, 6, 7, 8)]
    assert stats['details_acknowledged'] == 7 - 1 + 1  # three modules, two of the role's three (one failed) and the env run
    for name in ('modules.jsonl', 'lookup.jsonl', 'role/journal.jsonl', 'role-env/journal.jsonl'):
        assert os.path.getsize(str(work_dir / name)) > 0, name
    assert 'SignatureDoesNotMatch' in failure_messages['Fail with a secret that is one character longer']
    assert 'InvalidSecurityToken.MismatchWithAccessKey' in failure_messages['Fail with a token that is one character longer']
    assert 'InvalidSecurityToken.Expired' in failure_messages['Fail with an expired token']
    assert 'SignatureDoesNotMatch' in failure_messages['Fail in the lookup with a wrong secret']
    assert FAILING_DOMAIN in failure_messages[ROLE_FAILURE]


def leaks(texts, root):
    """(where, secret) for every secret in ``texts`` ({name: text}) or in a file below ``root`` (inputs left out)."""
    found = [(name, secret) for name, text in texts.items() for secret in SECRETS if secret in text]
    for directory, dummy, files in os.walk(str(root)):
        for name in files:
            path = os.path.join(directory, name)
            if set(os.path.relpath(path, str(root)).split(os.sep)) & set(INPUT_FILES) or not os.path.isfile(path):
                continue
            with open(path, 'rb') as stream:
                content = stream.read()
            found.extend((path, secret) for secret in SECRETS if secret.encode('utf-8') in content)
    return found


def test_no_secret_in_anything_an_ansible_playbook_run_at_vvvv_produces(secrets_emulator, run_playbook, tmp_path):
    work_dir = tmp_path / 'work'
    run = run_playbook(PLAYBOOK, emulator=secrets_emulator, extra_vars=playbook_vars(work_dir), env=CREDENTIAL_ENVIRONMENT,
                       verbosity=4)
    assert run.rc == 2 and run.failed_tasks() == IGNORED_FAILURES + [ROLE_FAILURE], run.output()
    assert '<localhost> EXEC' in run.stdout  # really -vvvv
    assert_the_playbook_did_its_work(secrets_emulator, work_dir, dict((name, run.task(name)['msg'])
                                                                      for name in IGNORED_FAILURES + [ROLE_FAILURE]))

    assert leaks({'stdout': run.stdout, 'stderr': run.stderr, 'recorded results': json.dumps(run.events)}, tmp_path) == []


def test_no_secret_in_anything_an_ansible_runner_job_at_vvvv_produces(secrets_emulator, ansible_env, venv_tool, tmp_path, monkeypatch):
    work_dir = tmp_path / 'work'
    private_data_dir = tmp_path / 'job'
    private_data_dir.mkdir()
    # ansible-runner starts from this process's environment; keep the developer's settings out of it.
    for name in list(os.environ):
        if name.startswith(('ALIBABA_CLOUD_', 'ALICLOUD_', 'ANSIBLE_')):
            monkeypatch.delenv(name)
    monkeypatch.setenv('PATH', os.path.dirname(venv_tool('ansible-playbook')) + os.pathsep + os.environ.get('PATH', ''))
    envvars = dict((key, value) for key, value in ansible_env.items() if key.startswith('ANSIBLE_') or key == 'HOME')
    envvars.update(CREDENTIAL_ENVIRONMENT, ALIBABA_CLOUD_DOMAIN_ENDPOINT=secrets_emulator.url)

    runner = ansible_runner.run(
        private_data_dir=str(private_data_dir), playbook=PLAYBOOK,
        # the role's DNS checks off, as in every playbook test (DNS_CHECKS_OFF in conftest.py)
        inventory="localhost ansible_connection=local ansible_python_interpreter='{{ ansible_playbook_python }}' "
                  "dns_migration_preflight=false dns_migration_verify_delegation=false",
        envvars=envvars, extravars=playbook_vars(work_dir), verbosity=4, quiet=True, timeout=600)

    stdout = runner.stdout.read()
    events = list(runner.events)
    assert runner.status == 'failed' and runner.rc == 2, stdout[-6000:]
    failures = dict((event['event_data']['task'], event['event_data']['res'].get('msg', ''))
                    for event in events if event['event'] == 'runner_on_failed')
    assert sorted(failures) == sorted(IGNORED_FAILURES + [ROLE_FAILURE.split(' : ')[1]])
    failures[ROLE_FAILURE] = failures[ROLE_FAILURE.split(' : ')[1]]
    assert_the_playbook_did_its_work(secrets_emulator, work_dir, failures)

    assert leaks({'stdout': stdout, 'job events': json.dumps(events)}, tmp_path) == []
