# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory plugin aliyun.domain.domains with ansible-inventory and ansible-playbook against the emulator:
--list/--graph, failures, a playbook migrating one inventory group, and two job slices at the same time."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess

import yaml

from ansible_collections.aliyun.domain.tests.integration.conftest import TEST_ACCESS_KEY_SECRET, _venv_executable
from ansible_collections.aliyun.domain.tests.integration.role_runs import role_vars

OTHER = ['ns1.other-dns.net', 'ns2.other-dns.net']
TARGET = ['ns1.example.org', 'ns2.example.org']


def write_source(directory, config, name='account.aliyun_domain.yml'):
    path = os.path.join(str(directory), name)
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(dict({'plugin': 'aliyun.domain.domains'}, **config), handle)
    return path


def run(command, env, cwd, timeout=600):
    completed = subprocess.run(command, cwd=str(cwd), env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=timeout, check=False)
    print('$ %s\n--- rc: %s\n--- stdout:\n%s\n--- stderr:\n%s' % (' '.join(command), completed.returncode,
                                                                  completed.stdout[-20000:], completed.stderr[-20000:]))
    return completed


def inventory_env(ansible_env, emulator, **extra):
    env = dict(ansible_env, ALIBABA_CLOUD_DOMAIN_ENDPOINT=emulator.url, ANSIBLE_INVENTORY_UNPARSED_FAILED='true')
    env.update(extra)
    return env


def ansible_inventory(source, env, cwd, *arguments):
    return run([_venv_executable('ansible-inventory'), '-i', source] + list(arguments), env, cwd)


def plain(value):
    """The JSON of ``ansible-inventory --list`` without the markers of untrusted strings (ansible-core 2.19)."""
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return dict((key, plain(item)) for key, item in value.items())
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def listed(source, env, cwd):
    completed = ansible_inventory(source, env, cwd, '--list')
    assert completed.returncode == 0
    return plain(json.loads(completed.stdout))


def group_hosts(listing, group):
    return sorted(listing.get(group, {}).get('hosts', []))


def test_list_and_graph_group_by_provider_and_status(emulator_factory, ansible_env, tmp_path):
    emulator = emulator_factory('--domains', '30', '--task-seconds', '0')
    moved = ['example-%05d.com' % number for number in range(1, 6)]
    emulator.seed(5, domains=moved, nameservers=OTHER, task_seconds=0)
    source = write_source(tmp_path, {'keyed_groups': [{'key': 'domain_registrar', 'prefix': 'registrar'}]})
    env = inventory_env(ansible_env, emulator)
    listing = listed(source, env, tmp_path)
    hostvars = listing['_meta']['hostvars']
    assert len(hostvars) == 30
    assert group_hosts(listing, 'provider_other_dns_net') == moved
    assert len(group_hosts(listing, 'provider_hichina_com')) == 25
    assert len(group_hosts(listing, 'status_active')) == 30
    assert len(group_hosts(listing, 'registrar_HiChina')) == 30
    variables = hostvars['example-00001.com']
    assert variables['domain_nameservers'] == OTHER and variables['domain_aliyun_dns'] is False
    assert hostvars['example-00030.com']['domain_aliyun_dns'] is True
    assert variables['domain_instance_id'].startswith('S') and variables['domain_registration_date'].startswith('2020-01-01')
    graph = ansible_inventory(source, env, tmp_path, '--graph', 'provider_other_dns_net')
    assert graph.returncode == 0
    assert [line.strip(' |-') for line in graph.stdout.splitlines()[1:]] == moved


def test_filters_and_an_old_api_without_nameservers_in_the_list(emulator_factory, ansible_env, tmp_path):
    emulator = emulator_factory('--domains', '30', '--task-seconds', '0', '--list-without-dns')
    emulator.seed(3, domains=['example-00011.com', 'example-00012.com', 'example-00021.com'], nameservers=OTHER,
                  task_seconds=0)
    source = write_source(tmp_path, {'domain_names': ['example-0001*'], 'nameserver_suffixes': ['other-dns.net']})
    listing = listed(source, inventory_env(ansible_env, emulator), tmp_path)
    assert sorted(listing['_meta']['hostvars']) == ['example-00011.com', 'example-00012.com']
    # only the ten domains the name pattern selects were read one by one
    assert emulator.stats(details=False)['requests_per_action']['QueryDomainByDomainName'] == 10


def test_bad_credential_and_unreachable_endpoint_fail_with_one_line(emulator_factory, ansible_env, tmp_path):
    emulator = emulator_factory('--domains', '5', '--task-seconds', '0')
    source = write_source(tmp_path, {'max_retries': 0})
    wrong = 'wrong-' + TEST_ACCESS_KEY_SECRET
    completed = ansible_inventory(source, inventory_env(ansible_env, emulator, ALIBABA_CLOUD_ACCESS_KEY_SECRET=wrong),
                                  tmp_path, '--list', '-vvv')
    assert completed.returncode != 0
    lines = [line for line in completed.stderr.splitlines() if 'QueryDomainList failed: SignatureDoesNotMatch' in line]
    assert lines and 'RequestId' in lines[0]
    assert 'Traceback' not in completed.stderr and wrong not in completed.stdout + completed.stderr
    closed = emulator.url
    emulator.stop()
    completed = ansible_inventory(source, inventory_env(ansible_env, emulator, ALIBABA_CLOUD_DOMAIN_ENDPOINT=closed),
                                  tmp_path, '--list')
    assert completed.returncode != 0
    assert 'QueryDomainList failed: cannot reach %s' % closed in completed.stderr
    assert 'Traceback' not in completed.stderr


MIGRATE_GROUP = """
- name: Migrate one inventory group
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: aliyun.domain.dns_migration
      vars:
        dns_migration_domains: "{{ groups[migrate_group] }}"
"""


def migration_vars(work_dir, group):
    # the role's DNS checks off, as in every playbook test (DNS_CHECKS_OFF in conftest.py): no DNS here
    return role_vars(work_dir, TARGET, migrate_group=group, dns_migration_preflight=False,
                     dns_migration_verify_delegation=False)


def run_migration(inventory, env, directory, group, work_dir):
    playbook = os.path.join(str(directory), 'migrate_group.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        handle.write(MIGRATE_GROUP)
    extra_vars = os.path.join(str(directory), 'vars-%s.json' % os.path.basename(str(work_dir)))
    with open(extra_vars, 'w', encoding='utf-8') as handle:
        json.dump(migration_vars(work_dir, group), handle)
    command = [_venv_executable('ansible-playbook'), '-i', inventory, playbook, '-e', '@' + extra_vars]
    return subprocess.Popen(command, cwd=str(directory), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(process, timeout=600):
    stdout, stderr = process.communicate(timeout=timeout)
    print('$ %s\n--- rc: %s\n--- stdout:\n%s\n--- stderr:\n%s' % (' '.join(process.args), process.returncode, stdout, stderr))
    assert process.returncode == 0
    return stdout


def test_playbook_migrates_one_inventory_group(emulator_factory, ansible_env, tmp_path):
    emulator = emulator_factory('--domains', '20', '--task-seconds', '0.2')
    emulator.seed(4, domains=['example-%05d.com' % number for number in range(17, 21)], nameservers=OTHER, task_seconds=0)
    source = write_source(tmp_path, {})
    env = inventory_env(ansible_env, emulator)
    before = listed(source, env, tmp_path)
    old_provider = group_hosts(before, 'provider_hichina_com')
    assert len(old_provider) == 16
    finish(run_migration(source, env, tmp_path, 'provider_hichina_com', tmp_path / 'work'))
    submitted = emulator.stats(details=False)['submissions_per_domain']
    assert sorted(submitted) == old_provider and set(submitted.values()) == {1}
    after = listed(source, env, tmp_path)
    assert group_hosts(after, 'provider_example_org') == old_provider
    assert group_hosts(after, 'provider_other_dns_net') == group_hosts(before, 'provider_other_dns_net')
    assert 'provider_hichina_com' not in after


def awx_slice(listing, slice_number, slice_count):
    """The inventory AWX gives one slice of a sliced job: every slice_count-th host by name, their groups, their
    variables (awx/main/models/inventory.py: ``hosts[offset::step]`` over the hosts ordered by name)."""
    hosts = sorted(listing['_meta']['hostvars'])[slice_number - 1::slice_count]
    chosen = set(hosts)
    groups = {}
    for name, group in listing.items():
        if name in ('_meta', 'all') or not isinstance(group, dict):
            continue
        members = [host for host in group.get('hosts', []) if host in chosen]
        if members:
            groups[name] = {'hosts': dict((host, None) for host in members)}
    return {'all': {'hosts': dict((host, listing['_meta']['hostvars'][host]) for host in hosts), 'children': groups}}


def test_two_slices_at_the_same_time_migrate_disjoint_halves(emulator_factory, ansible_env, tmp_path):
    emulator = emulator_factory('--domains', '40', '--task-seconds', '0.2-0.5')
    source = write_source(tmp_path, {})
    env = inventory_env(ansible_env, emulator)
    listing = listed(source, env, tmp_path)
    slices, processes = [], []
    for number in (1, 2):
        directory = tmp_path / ('slice-%d' % number)
        directory.mkdir()
        inventory = directory / 'inventory.yml'
        inventory.write_text(yaml.safe_dump(awx_slice(listing, number, 2)), encoding='utf-8')
        slices.append(sorted(awx_slice(listing, number, 2)['all']['hosts']))
        processes.append(run_migration(str(inventory), env, directory, 'provider_hichina_com', directory / 'work'))
    for process in processes:
        finish(process)
    assert not set(slices[0]) & set(slices[1]) and len(slices[0]) == len(slices[1]) == 20
    submitted = emulator.stats(details=False)['submissions_per_domain']
    assert sorted(submitted) == sorted(slices[0] + slices[1]) and set(submitted.values()) == {1}
    for number, hosts in zip((1, 2), slices):
        work = tmp_path / ('slice-%d' % number) / 'work'
        state_file = work / 'journal.jsonl.submissions'
        recorded = set()
        with open(str(state_file), encoding='utf-8') as handle:
            for line in handle:
                recorded.update(json.loads(line).get('domains') or [])
        assert recorded == set(hosts)
    after = listed(source, env, tmp_path)
    assert len(group_hosts(after, 'provider_example_org')) == 40


def test_domain_hosts_carry_no_secret_at_high_verbosity(emulator_factory, ansible_env, tmp_path):
    emulator = emulator_factory('--domains', '3', '--task-seconds', '0')
    cache_dir = tmp_path / 'cache'
    source = write_source(tmp_path, {'cache': True, 'cache_plugin': 'ansible.builtin.jsonfile',
                                     'cache_connection': str(cache_dir)})
    completed = ansible_inventory(source, inventory_env(ansible_env, emulator), tmp_path, '--list', '-vvvv')
    assert completed.returncode == 0 and TEST_ACCESS_KEY_SECRET not in completed.stdout + completed.stderr
    cached = [os.path.join(root, name) for root, _dirs, names in os.walk(str(cache_dir)) for name in names]
    assert cached
    for path in cached:
        with open(path, encoding='utf-8') as handle:
            assert TEST_ACCESS_KEY_SECRET not in handle.read()
