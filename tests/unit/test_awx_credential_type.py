# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""awx/credential_type.yml checked offline against the rules AWX applies when the type is saved and
when a job is launched.

Save-time rules (AWX ``CredentialTypeInputField`` / ``CredentialTypeInjectorField``) are restated in
``credential_type_problems`` below, which is itself tested against broken definitions. Launch-time
behaviour uses AWX's own injection code (``awx_plugins.interfaces``): the environment it builds is
fed to the collection's credential chain and endpoint resolution, and the copy AWX stores with the
job must not hold a secret.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import copy
import os
import re

import pytest
import yaml
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from awx_plugins.interfaces._temporary_private_api import ManagedCredentialType
from awx_plugins.interfaces._temporary_private_credential_api import Credential
from awx_plugins.interfaces._temporary_private_inject_api import ENV_BLOCKLIST, build_safe_env, inject_credential

from ansible_collections.aliyun.domain.plugins.module_utils._credentials import resolve_credentials_provider
from ansible_collections.aliyun.domain.plugins.module_utils._options import ConnectionSettings, OptionAdapter

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CREDENTIAL_TYPE_PATH = os.path.join(COLLECTION_ROOT, 'awx', 'credential_type.yml')
# Where the collection reads its environment: the credential chain and the endpoint resolution.
ENV_READING_SOURCES = (
    os.path.join(COLLECTION_ROOT, 'plugins', 'module_utils', '_credentials.py'),
    os.path.join(COLLECTION_ROOT, 'plugins', 'module_utils', '_options.py'),
)

IDENTIFIER = re.compile(r'^[a-zA-Z_]+[a-zA-Z0-9_]*$')
FIELD_KEYS = frozenset(('id', 'label', 'type', 'format', 'choices', 'help_text', 'multiline', 'secret', 'ask_at_runtime', 'default'))
STRING_ONLY_FIELD_KEYS = ('choices', 'multiline', 'format', 'secret')
FIELD_TYPES = {'string': str, 'boolean': bool}
FIELD_FORMATS = ('ssh_private_key', 'url')
CUSTOM_KINDS = ('cloud', 'net')
SECRET_FIELDS = frozenset(('access_key_secret', 'security_token'))

ACCESS_KEY_ID = 'LTAI5tAwxCredentialTest'
ACCESS_KEY_SECRET = 'awx-injected-secret-4f1c9e'
SECURITY_TOKEN = 'awx-injected-sts-token-77ab0d'


def load_definition():
    with open(CREDENTIAL_TYPE_PATH, encoding='utf-8') as stream:
        return yaml.safe_load(stream)


class _TowerNamespace(object):
    """AWX's reserved ``tower`` namespace: only ``tower.filename`` of a file injector may be used."""

    def __init__(self, filename):
        if filename is not None:
            self.filename = filename

    def __str__(self):
        raise UndefinedError('the reserved tower namespace cannot be used directly')


def _field_problems(fields):
    problems = []
    seen = set()
    for position, field in enumerate(fields):
        if not isinstance(field, dict):
            problems.append('field %d is not a mapping' % position)
            continue
        field_id = field.get('id')
        name = field_id if isinstance(field_id, str) else '#%d' % position
        for key in sorted(set(field) - FIELD_KEYS):
            problems.append('field %s: unknown key %r' % (name, key))
        for key in ('id', 'label'):
            if not isinstance(field.get(key), str) or not field.get(key):
                problems.append('field %s: %s must be a non-empty string' % (name, key))
        if isinstance(field_id, str) and not IDENTIFIER.match(field_id):
            problems.append('field %s: id is not a valid variable name' % name)
        if field_id == 'tower':
            problems.append('field id "tower" is reserved')
        if field_id in seen:
            problems.append('field %s: id is not unique' % name)
        seen.add(field_id)
        field_type = field.get('type', 'string')
        if field_type not in FIELD_TYPES:
            problems.append('field %s: type %r is not one of %s' % (name, field_type, ', '.join(FIELD_TYPES)))
            continue
        for key in STRING_ONLY_FIELD_KEYS:
            if key in field and field_type != 'string':
                problems.append('field %s: %s is not allowed for type %s' % (name, key, field_type))
        if 'format' in field and field['format'] not in FIELD_FORMATS:
            problems.append('field %s: format %r is not one of %s' % (name, field['format'], ', '.join(FIELD_FORMATS)))
        if 'default' in field and type(field['default']) is not FIELD_TYPES[field_type]:  # pylint: disable=unidiomatic-typecheck
            problems.append('field %s: default is not a %s' % (name, field_type))
        for key in ('secret', 'multiline', 'ask_at_runtime'):
            if key in field and not isinstance(field[key], bool):
                problems.append('field %s: %s must be true or false' % (name, key))
        choices = field.get('choices')
        if choices is not None and (not isinstance(choices, list) or not choices or len(set(choices)) != len(choices)
                                    or not all(isinstance(choice, str) for choice in choices)):
            problems.append('field %s: choices must be a non-empty list of distinct strings' % name)
    return problems


def _injector_problems(injectors, namespace):
    problems = []
    for section in sorted(set(injectors) - {'file', 'env', 'extra_vars'}):
        problems.append('injectors: unknown section %r' % section)
    for section in ('file', 'env', 'extra_vars'):
        entries = injectors.get(section, {})
        if not isinstance(entries, dict):
            problems.append('injectors.%s must be a mapping' % section)
            continue
        for key, template in entries.items():
            where = 'injectors.%s.%s' % (section, key)
            if section == 'file':
                if not re.match(r'^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$', key):
                    problems.append('%s: file injectors are named template or template.<name>' % where)
            elif not IDENTIFIER.match(key):
                problems.append('%s: not a valid variable name' % where)
            if not isinstance(template, str):
                problems.append('%s: the template must be a string' % where)
                continue
            if section == 'env':
                if key.startswith('ANSIBLE_'):
                    problems.append('%s: ANSIBLE_* variables may change Ansible configuration; AWX refuses them' % where)
                if key in ENV_BLOCKLIST:
                    problems.append('%s: AWX does not allow this variable in credentials' % where)
                if not all(ord(char) < 128 for char in template):
                    problems.append('%s: env templates must be ASCII' % where)
            try:
                ImmutableSandboxedEnvironment(undefined=StrictUndefined).from_string(template).render(namespace)
            except UndefinedError as exc:
                problems.append('%s uses an undefined field (%s)' % (where, exc))
            except SecurityError as exc:
                problems.append('%s: unsafe code (%s)' % (where, exc))
            except TemplateSyntaxError as exc:
                problems.append('%s: syntax error (%s)' % (where, exc))
    return problems


def credential_type_problems(definition):
    """Every reason AWX would refuse ``definition`` as a custom credential type (empty when valid)."""
    if not isinstance(definition, dict):
        return ['the definition is not a mapping']
    problems = []
    for key in sorted(set(definition) - {'name', 'description', 'kind', 'inputs', 'injectors'}):
        problems.append('unknown top-level key %r' % key)
    if not isinstance(definition.get('name'), str) or not definition.get('name'):
        problems.append('name must be a non-empty string')
    if definition.get('kind') not in CUSTOM_KINDS:
        problems.append('kind must be one of %s for a custom credential type' % ', '.join(CUSTOM_KINDS))
    inputs = definition.get('inputs') or {}
    injectors = definition.get('injectors') or {}
    if not isinstance(inputs, dict) or not isinstance(injectors, dict):
        return problems + ['inputs and injectors must be mappings']
    if 'dependencies' in inputs:
        problems.append("inputs.dependencies is not supported for custom credential types")
    for key in sorted(set(inputs) - {'fields', 'required', 'dependencies'}):
        problems.append('inputs: unknown key %r' % key)
    fields = inputs.get('fields', [])
    if not isinstance(fields, list):
        return problems + ['inputs.fields must be a list']
    field_problems = _field_problems(fields)
    problems.extend(field_problems)
    field_ids = [field.get('id') for field in fields if isinstance(field, dict)]
    for required in inputs.get('required', []):
        if required not in field_ids:
            problems.append('inputs.required names %r, which is not a field' % required)
    if field_problems:
        # AWX does not check the templates of a type whose inputs are invalid.
        return problems
    file_names = [name for name in injectors.get('file', {}) if isinstance(name, str)]
    if 'template' in file_names and len(file_names) > 1:
        problems.append('injectors.file: several files need the template.<name> form only')
    namespace = dict((field_id, 'EXAMPLE') for field_id in field_ids)
    namespace['tower'] = _TowerNamespace('EXAMPLE_FILENAME' if file_names else None)
    return problems + _injector_problems(injectors, namespace)


def _environment_names_read_by_the_collection():
    """The UPPER_CASE string constants of the modules that read the environment."""
    names = set()
    for path in ENV_READING_SOURCES:
        with open(path, encoding='utf-8') as stream:
            tree = ast.parse(stream.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.match(r'^[A-Z][A-Z0-9_]+$', node.value):
                names.add(node.value)
    return names


def awx_job_environment(definition, inputs, private_data_dir):
    """(env, safe_env) as AWX builds them for a job that uses a credential with ``inputs``."""
    credential_type = ManagedCredentialType(
        namespace='aliyun_domain', name=definition['name'], kind=definition['kind'],
        inputs=definition['inputs'], injectors=definition['injectors'])
    env, safe_env, args = {}, {}, []
    os.makedirs(os.path.join(str(private_data_dir), 'env'), exist_ok=True)
    inject_credential(credential_type, Credential(inputs=inputs), env, safe_env, args, str(private_data_dir))
    assert args == [], 'the credential type must not add ansible-playbook arguments (extra vars): %r' % args
    return env, safe_env


def test_credential_type_is_valid_for_awx():
    assert credential_type_problems(load_definition()) == []


def test_secret_inputs_are_marked_secret_and_nothing_else_is():
    fields = load_definition()['inputs']['fields']
    secret = set(field['id'] for field in fields if field.get('secret'))
    assert secret == SECRET_FIELDS
    ids = [field['id'] for field in fields]
    assert 'access_key_id' in ids
    assert load_definition()['inputs']['required'] == ['access_key_id', 'access_key_secret']


def test_secrets_are_injected_only_through_the_environment():
    injectors = load_definition()['injectors']
    assert set(injectors) == {'env'}, 'secrets in extra_vars or files end up in more places than the job environment'


def test_every_injected_variable_is_read_by_the_collection():
    injected = set(load_definition()['injectors']['env'])
    read = _environment_names_read_by_the_collection()
    assert injected - read == set()
    assert {'ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN'} <= injected


def test_every_input_reaches_an_injector():
    definition = load_definition()
    templates = ' '.join(definition['injectors']['env'].values())
    for field in definition['inputs']['fields']:
        assert re.search(r'\{\{\s*%s\s*\}\}' % field['id'], templates), field['id']


def _breakages():
    """(description, edit of a definition, a phrase its problem report must contain)."""
    def secret_on_boolean(definition):
        definition['inputs']['fields'].append({'id': 'flag', 'label': 'Flag', 'type': 'boolean', 'secret': True})

    def ansible_variable(definition):
        definition['injectors']['env']['ANSIBLE_CONFIG'] = '{{ access_key_id }}'

    def blocked_variable(definition):
        definition['injectors']['env']['PATH'] = '{{ access_key_id }}'

    def undefined_field(definition):
        definition['injectors']['env']['ALIBABA_CLOUD_REGION_ID'] = '{{ region }}'

    def unsafe_template(definition):
        definition['injectors']['env']['ALIBABA_CLOUD_ACCESS_KEY_ID'] = "{{ access_key_id.__class__.__mro__ }}"

    def broken_syntax(definition):
        definition['injectors']['env']['ALIBABA_CLOUD_ACCESS_KEY_ID'] = '{{ access_key_id '

    def bad_field_id(definition):
        definition['inputs']['fields'][0]['id'] = 'access-key-id'

    def duplicate_field(definition):
        definition['inputs']['fields'].append(dict(definition['inputs']['fields'][0]))

    def reserved_field(definition):
        definition['inputs']['fields'].append({'id': 'tower', 'label': 'Tower'})

    def unknown_type(definition):
        definition['inputs']['fields'][0]['type'] = 'number'

    def missing_label(definition):
        del definition['inputs']['fields'][0]['label']

    def required_unknown(definition):
        definition['inputs']['required'].append('region')

    def managed_kind(definition):
        definition['kind'] = 'ssh'

    def tower_namespace(definition):
        definition['injectors']['env']['ALIBABA_CLOUD_ACCESS_KEY_ID'] = '{{ tower }}'

    def non_ascii(definition):
        definition['injectors']['env']['ALIBABA_CLOUD_ACCESS_KEY_ID'] = '{{ access_key_id }}\u00e9'

    return [
        ('secret on a boolean field', secret_on_boolean, 'secret is not allowed for type boolean'),
        ('an ANSIBLE_ variable', ansible_variable, 'ANSIBLE_* variables'),
        ('a variable AWX blocks', blocked_variable, 'does not allow this variable'),
        ('a template using an undefined field', undefined_field, 'uses an undefined field'),
        ('a template escaping the sandbox', unsafe_template, 'unsafe code'),
        ('a template with a syntax error', broken_syntax, 'syntax error'),
        ('a field id that is no variable name', bad_field_id, 'not a valid variable name'),
        ('two fields with one id', duplicate_field, 'not unique'),
        ('the reserved field id tower', reserved_field, 'reserved'),
        ('a field type AWX does not know', unknown_type, "type 'number'"),
        ('a field without label', missing_label, 'label must be'),
        ('a required input that is no field', required_unknown, "names 'region'"),
        ('a kind reserved for managed types', managed_kind, 'kind must be one of'),
        ('the tower namespace used directly', tower_namespace, 'undefined field'),
        ('a non-ASCII env template', non_ascii, 'must be ASCII'),
    ]


@pytest.mark.parametrize('edit,expected', [(edit, expected) for _description, edit, expected in _breakages()],
                         ids=[description for description, _edit, _expected in _breakages()])
def test_the_rules_catch_a_broken_definition(edit, expected):
    definition = copy.deepcopy(load_definition())
    edit(definition)
    problems = credential_type_problems(definition)
    assert any(expected in problem for problem in problems), problems


def test_awx_injection_with_keys_only_gives_the_collection_those_keys_and_the_default_endpoint(tmp_path):
    env, _safe_env = awx_job_environment(
        load_definition(), {'access_key_id': ACCESS_KEY_ID, 'access_key_secret': ACCESS_KEY_SECRET}, tmp_path)
    # AWX renders every env injector; an optional field left empty arrives as an empty variable.
    assert env['ALIBABA_CLOUD_SECURITY_TOKEN'] == ''
    assert env['ALIBABA_CLOUD_DOMAIN_ENDPOINT'] == ''
    options = OptionAdapter.from_dict({})
    credentials = resolve_credentials_provider(options, env).get()
    assert (credentials.access_key_id, credentials.access_key_secret, credentials.security_token) == (
        ACCESS_KEY_ID, ACCESS_KEY_SECRET, None)
    assert ConnectionSettings(options, env).base_url == 'https://domain.aliyuncs.com/'


def test_awx_injection_with_sts_token_and_endpoint_reaches_the_collection(tmp_path):
    env, _safe_env = awx_job_environment(load_definition(), {
        'access_key_id': 'STS.' + ACCESS_KEY_ID, 'access_key_secret': ACCESS_KEY_SECRET,
        'security_token': SECURITY_TOKEN, 'endpoint': 'https://domain-intl.aliyuncs.com'}, tmp_path)
    options = OptionAdapter.from_dict({})
    credentials = resolve_credentials_provider(options, env).get()
    assert (credentials.access_key_id, credentials.access_key_secret, credentials.security_token) == (
        'STS.' + ACCESS_KEY_ID, ACCESS_KEY_SECRET, SECURITY_TOKEN)
    assert ConnectionSettings(options, env).base_url == 'https://domain-intl.aliyuncs.com/'


def test_the_environment_awx_stores_with_the_job_holds_no_secret(tmp_path):
    env, safe_env = awx_job_environment(load_definition(), {
        'access_key_id': ACCESS_KEY_ID, 'access_key_secret': ACCESS_KEY_SECRET, 'security_token': SECURITY_TOKEN}, tmp_path)
    assert set(safe_env) == set(env)
    stored = ' '.join(str(value) for value in build_safe_env(safe_env).values())
    assert ACCESS_KEY_SECRET not in stored
    assert SECURITY_TOKEN not in stored
    assert env['ALIBABA_CLOUD_ACCESS_KEY_SECRET'] == ACCESS_KEY_SECRET
