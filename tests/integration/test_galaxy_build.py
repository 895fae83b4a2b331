# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as Galaxy and AWX get it: ``ansible-galaxy collection build``, the tarball
installed into a temporary collections path, ``ansible-doc`` of every plugin and role from that
installed copy, and the execution environment made from it with ansible-builder (``create`` writes
the build context; no container runtime is involved).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

# A long end-to-end run: `make test-fast` (pytest -m "not e2e") leaves it out.
pytestmark = pytest.mark.e2e

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FQCN_PREFIX = 'aliyun.domain.'
# Parts of the repository that are for developing the collection, not for using it.
NOT_SHIPPED = ('emulator/', 'bench/', 'scripts/', 'tests/output/', '.git/', '.ci/', 'docs/architecture.md')
SHIPPED = ('meta/runtime.yml', 'meta/execution-environment.yml', 'requirements/runtime.txt', 'awx/credential_type.yml',
           'awx/create_credential_type.yml', 'LICENSE', 'README.md', 'docs/docsite/extra-docs.yml')


def _clean_env(collections_path, home):
    """An environment that sees only ``collections_path``: not the checkout, not the user's collections."""
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'ALIBABA_CLOUD_', 'ALICLOUD_')))
    env.update({
        'HOME': str(home),
        'ANSIBLE_COLLECTIONS_PATH': str(collections_path),
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_LOCAL_TEMP': str(os.path.join(str(home), '.ansible-tmp')),
    })
    return env


def _run(command, cwd, env, timeout=300):
    completed = subprocess.run(command, cwd=str(cwd), env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=timeout, check=False)
    print('$ %s\n--- rc: %s\n--- stdout:\n%s\n--- stderr:\n%s' % (' '.join(command), completed.returncode, completed.stdout,
                                                                  completed.stderr))
    return completed


def _plugins_in(root, kind):
    directory = os.path.join(root, 'plugins', kind)
    if not os.path.isdir(directory):
        return []
    return sorted(name[:-3] for name in os.listdir(directory) if name.endswith('.py') and not name.startswith('_'))


def _source_plugins(kind):
    return _plugins_in(COLLECTION_ROOT, kind)


def _source_roles():
    directory = os.path.join(COLLECTION_ROOT, 'roles')
    if not os.path.isdir(directory):
        return []
    return sorted(name for name in os.listdir(directory)
                  if os.path.isfile(os.path.join(directory, name, 'meta', 'argument_specs.yml')))


def _galaxy_metadata():
    with open(os.path.join(COLLECTION_ROOT, 'galaxy.yml'), encoding='utf-8') as stream:
        return yaml.safe_load(stream)


class BuiltCollection(object):
    def __init__(self, tarball, collections_path, home, tool):
        self.tool = tool
        self.tarball = tarball
        self.collections_path = collections_path
        self.installed_root = os.path.join(collections_path, 'ansible_collections', 'aliyun', 'domain')
        self.home = home
        self.env = _clean_env(collections_path, home)


@pytest.fixture(scope='module')
def built_collection(tmp_path_factory, venv_tool):
    """The collection built with ansible-galaxy and installed from its tarball into an empty collections path."""
    work = tmp_path_factory.mktemp('galaxy')
    home = work / 'home'
    home.mkdir()
    output = work / 'dist'
    collections_path = work / 'collections'
    env = _clean_env(collections_path, home)

    built = _run([venv_tool('ansible-galaxy'), 'collection', 'build', '--output-path', str(output), COLLECTION_ROOT], work, env)
    assert built.returncode == 0, built.stderr
    assert '[WARNING]' not in built.stderr + built.stdout, built.stderr
    metadata = _galaxy_metadata()
    tarball = output / ('%s-%s-%s.tar.gz' % (metadata['namespace'], metadata['name'], metadata['version']))
    assert sorted(os.listdir(str(output))) == [tarball.name]

    installed = _run([venv_tool('ansible-galaxy'), 'collection', 'install', '--offline', '-p', str(collections_path), str(tarball)],
                     work, env)
    assert installed.returncode == 0, installed.stderr
    return BuiltCollection(str(tarball), str(collections_path), str(home), venv_tool)


def _ansible_doc(built, plugin_type, name):
    completed = _run([built.tool('ansible-doc'), '--json', '-t', plugin_type, FQCN_PREFIX + name], built.home, built.env)
    assert completed.returncode == 0, completed.stderr
    assert '[WARNING]' not in completed.stderr and 'ERROR' not in completed.stderr, completed.stderr
    return json.loads(completed.stdout)[FQCN_PREFIX + name]


def test_tarball_ships_the_collection_and_not_the_development_tree(built_collection):
    with tarfile.open(built_collection.tarball) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile('MANIFEST.json'))
    for path in SHIPPED:
        assert path in names, path
    for prefix in NOT_SHIPPED:
        assert not [name for name in names if name.startswith(prefix) or name == prefix.rstrip('/')], prefix
    assert not [name for name in names if name.endswith('.tar.gz') or '__pycache__' in name]
    metadata = _galaxy_metadata()
    info = manifest['collection_info']
    assert (info['namespace'], info['name'], info['version']) == (metadata['namespace'], metadata['name'], metadata['version'])
    assert info['license'] == ['GPL-3.0-or-later']


def test_installed_copy_has_every_plugin_and_role_of_the_checkout(built_collection):
    for kind in ('modules', 'lookup', 'inventory'):
        assert _source_plugins(kind) == _plugins_in(built_collection.installed_root, kind), kind
    for role in _source_roles():
        assert os.path.isfile(os.path.join(built_collection.installed_root, 'roles', role, 'meta', 'argument_specs.yml'))


@pytest.mark.parametrize('module', _source_plugins('modules'))
def test_ansible_doc_module_from_the_installed_copy(built_collection, module):
    doc = _ansible_doc(built_collection, 'module', module)
    assert doc['doc']['filename'].startswith(built_collection.installed_root), doc['doc']['filename']
    assert doc['doc']['collection'] == 'aliyun.domain'
    assert doc['doc']['short_description']
    assert doc['doc']['version_added'] == '0.1.0'
    if module in _modules_with_connection_options():
        assert 'access_key_secret' in doc['doc']['options']
    else:
        assert not set(doc['doc']['options']) & {'access_key_id', 'access_key_secret', 'endpoint'}
    assert doc['examples'].strip()
    assert doc['return']


@pytest.mark.parametrize('lookup', _source_plugins('lookup'))
def test_ansible_doc_lookup_from_the_installed_copy(built_collection, lookup):
    doc = _ansible_doc(built_collection, 'lookup', lookup)
    assert doc['doc']['filename'].startswith(built_collection.installed_root), doc['doc']['filename']
    assert doc['doc']['short_description']
    assert doc['doc']['version_added'] == '0.1.0'
    assert 'access_key_secret' in doc['doc']['options']
    assert doc['examples'].strip()


@pytest.mark.parametrize('inventory', _source_plugins('inventory'))
def test_ansible_doc_inventory_from_the_installed_copy(built_collection, inventory):
    doc = _ansible_doc(built_collection, 'inventory', inventory)
    assert doc['doc']['filename'].startswith(built_collection.installed_root), doc['doc']['filename']
    assert doc['doc']['version_added'] == '0.1.0'
    options = doc['doc']['options']
    # the connection options with their environment variables (the AWX credential), but no vars: sources
    assert [entry['name'] for entry in options['access_key_secret']['env']][-1] == 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'
    assert 'vars' not in options['access_key_secret']
    for constructed in ('compose', 'groups', 'keyed_groups', 'strict', 'cache', 'cache_plugin'):
        assert constructed in options, constructed
    assert doc['examples'].strip()


@pytest.mark.parametrize('role', _source_roles())
def test_ansible_doc_role_from_the_installed_copy(built_collection, role):
    doc = _ansible_doc(built_collection, 'role', role)
    assert doc['collection'] == 'aliyun.domain'
    assert doc['path'] == built_collection.installed_root, doc['path']
    main = doc['entry_points']['main']
    assert main['short_description']
    assert main['options']


def _example_tarball_name():
    with open(os.path.join(COLLECTION_ROOT, 'examples', 'execution-environment.yml'), encoding='utf-8') as stream:
        definition = yaml.safe_load(stream)
    [entry] = definition['additional_build_files']
    return definition, entry


def test_ansible_builder_create_makes_a_context_that_installs_the_collection(built_collection, tmp_path):
    definition, build_file = _example_tarball_name()
    assert definition['version'] == 3
    # the example names the tarball of the current version, so a version bump must update it
    assert build_file['src'] == os.path.basename(built_collection.tarball)

    project = tmp_path / 'ee'
    project.mkdir()
    for name in ('execution-environment.yml', 'requirements.yml'):
        shutil.copy(os.path.join(COLLECTION_ROOT, 'examples', name), str(project / name))
    shutil.copy(built_collection.tarball, str(project / build_file['src']))

    created = _run([built_collection.tool('ansible-builder'), 'create', '--file', 'execution-environment.yml', '--context', 'context',
                    '--output-filename', 'Containerfile'], project, built_collection.env)
    assert created.returncode == 0, created.stderr + created.stdout
    context = project / 'context'
    containerfile = (context / 'Containerfile').read_text(encoding='utf-8')
    assert 'ansible-galaxy collection install' in containerfile
    assert 'introspect' in containerfile
    build_dir = context / '_build'
    assert (build_dir / build_file['dest'] / build_file['src']).is_file()

    # The galaxy stage of the image build, run here: ansible-galaxy in /build with the copied requirements.
    image_collections = tmp_path / 'image-collections'
    env = _clean_env(image_collections, built_collection.home)
    env['ANSIBLE_GALAXY_DISABLE_GPG_VERIFY'] = '1'
    galaxy = _run([built_collection.tool('ansible-galaxy'), 'collection', 'install', '--offline', '-r', 'requirements.yml',
                   '--collections-path', str(image_collections)], build_dir, env)
    assert galaxy.returncode == 0, galaxy.stderr
    assert (image_collections / 'ansible_collections' / 'aliyun' / 'domain' / 'MANIFEST.json').is_file()

    # The builder stage: the context's own introspect script gathers the Python requirements to install.
    requirements = tmp_path / 'image-requirements.txt'
    introspect = _run([sys.executable, str(build_dir / 'scripts' / 'introspect.py'), 'introspect', '--write-pip', str(requirements),
                       str(image_collections)], build_dir, env)
    assert introspect.returncode == 0, introspect.stderr
    lines = [line for line in requirements.read_text(encoding='utf-8').splitlines() if line.strip()]
    assert [line.split('#')[0].strip() for line in lines] == _runtime_requirements()
    assert all('from collection aliyun.domain' in line for line in lines)


def _runtime_requirements():
    with open(os.path.join(COLLECTION_ROOT, 'meta', 'execution-environment.yml'), encoding='utf-8') as stream:
        meta = yaml.safe_load(stream)
    with open(os.path.join(COLLECTION_ROOT, meta['dependencies']['python']), encoding='utf-8') as stream:
        return [line.split('#')[0].strip() for line in stream if line.split('#')[0].strip()]


def test_ansible_builder_introspect_lists_the_runtime_requirements(built_collection):
    completed = _run([built_collection.tool('ansible-builder'), 'introspect', '--sanitize', built_collection.collections_path],
                     built_collection.home, built_collection.env)
    assert completed.returncode == 0, completed.stderr
    report = yaml.safe_load(completed.stdout)
    python = [entry.split('#')[0].strip() for entry in report['python']]
    assert python == _runtime_requirements()
    assert sorted(requirement.split('>')[0].split('=')[0] for requirement in python) == ['dnspython', 'jmespath', 'requests']
    assert all(entry.endswith('# from collection aliyun.domain') for entry in report['python'])
    assert report['system'] == []


def test_action_group_of_the_installed_copy_lists_every_module(built_collection):
    with open(os.path.join(built_collection.installed_root, 'meta', 'runtime.yml'), encoding='utf-8') as stream:
        runtime = yaml.safe_load(stream)
    # module_defaults: group/aliyun.domain.domain sets the connection options once for every module that
    # takes them; a module without them (delegation_info: DNS only) stays out, or the group's defaults
    # would give it options it refuses
    assert sorted(runtime['action_groups']['domain']) == _modules_with_connection_options()


def _modules_with_connection_options():
    modules = []
    for module in _source_plugins('modules'):
        with open(os.path.join(COLLECTION_ROOT, 'plugins', 'modules', module + '.py'), encoding='utf-8') as stream:
            if '- aliyun.domain.connection' in stream.read():
                modules.append(module)
    assert modules, 'no module extends the aliyun.domain.connection doc fragment'
    return modules
