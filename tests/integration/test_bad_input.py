# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input, table-driven: the modules, the lookup and the role, each case one clear message, no traceback,
and nothing submitted or confirmed.

The cases of one group run as the tasks of one playbook (``ignore_errors``, or ``rescue`` for the role), so
the table stays cheap; each row names the case, the task and the fragments its message must contain.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.aliyun.domain.tests.unit.plugins.module_utils.local_http import LocalHttpServer, dead_url, json_response

TARGET = ['ns1.example.org', 'ns2.example.org']
WRONG_SECRET = 'WrongSecret-bad-input-5150'
STS_KEY_ID = 'STS.badinput'
STS_SECRET = 'StsSecret-bad-input-0815'
STS_TOKEN = 'StsToken-bad-input-expired-2718'
EMPTY_CREDENTIALS = {'ALIBABA_CLOUD_ACCESS_KEY_ID': None, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET': None}
PLAIN_CONNECTION = {'access_key_id': 'testid', 'access_key_secret': 'testsecret', 'max_retries': 1}

# A Jinja expression for the lookup with the given keyword arguments (as Python literals).
LOOKUP = "{{{{ lookup('aliyun.domain.domain_task_result', {0}) }}}}"


def lookup_task(arguments):
    return {'ansible.builtin.set_fact': {'bad_input_value': LOOKUP.format(arguments)}}


def module_task(name, **arguments):
    return {'aliyun.domain.%s' % name: arguments}


def role_vars(**overrides):
    values = {
        'dns_migration_domains': ['example-00001.com', 'example-00002.com'],
        'dns_migration_nameservers': TARGET,
        'dns_migration_work_dir': '{{ work_dir }}',
        'dns_migration_wait_timeout': 30,
        'dns_migration_poll_interval': 0.2,
    }
    values.update(overrides)
    return values


# (case id, group, task, fragments of the message).  Groups: 'main' (credentials in the environment),
# 'no-credentials' (none anywhere), 'role' (the dns_migration role through include_role).
# A task's {{ ... }} names are extra variables of the run: seeded (task detail numbers of another
# tool's results), dead_url, html_url, truncated_url, error_body_url, tls_url, ca_path, work_dir.
CASES = [
    # domain_task_result
    ('dtr-page-size-0', 'main', module_task('domain_task_result', page_size=0), ['page_size', '0', '1000']),
    ('dtr-page-size-1001', 'main', module_task('domain_task_result', page_size=1001), ['page_size', '1001', '1000']),
    ('dtr-task-result-status-5', 'main', module_task('domain_task_result', task_result_status='5'),
     ['task_result_status', '5', 'success, failure']),
    ('dtr-page-num-not-int', 'main', module_task('domain_task_result', page_num='first'), ['page_num', 'first', 'int']),
    ('dtr-page-num-with-wait', 'main', module_task('domain_task_result', task_no=['T-1'], wait=True, page_num=1),
     ['page_num', 'wait']),
    ('dtr-wait-timeout-not-number', 'main', module_task('domain_task_result', task_no=['T-1'], wait=True, wait_timeout='soon'),
     ['wait_timeout', 'float']),
    ('dtr-wait-not-bool', 'main', module_task('domain_task_result', wait='perhaps'), ['wait', 'perhaps']),
    # ack
    ('ack-empty-list', 'main', module_task('ack', task_detail_nos=[]), ['task_detail_nos', 'empty']),
    ('ack-number-not-string', 'main', module_task('ack', task_detail_nos=['{{ seeded[0] }}', 4711]), ['4711', 'string']),
    ('ack-result-without-number', 'main', module_task('ack', results=[{'task_no': 'T-1', 'domain_name': 'example.com'}]),
     ['results', 'task_detail_no']),
    ('ack-batch-size-0', 'main', module_task('ack', task_detail_nos='{{ seeded }}', batch_size=0), ['batch_size', '0', '1000']),
    ('ack-batch-size-1001', 'main', module_task('ack', task_detail_nos='{{ seeded }}', batch_size=1001), ['batch_size', '1001', '1000']),
    ('ack-two-inputs', 'main', module_task('ack', task_detail_nos='{{ seeded }}', task_no=['T-1']),
     ['mutually exclusive', 'task_detail_nos', 'task_no']),
    ('ack-no-input', 'main', module_task('ack'), ['task_detail_nos', 'results', 'task_no']),
    # nameservers
    ('ns-empty-domains', 'main', module_task('nameservers', domains=[], nameservers=TARGET), ['domains', 'at least 1']),
    ('ns-both-targets', 'main', module_task('nameservers', domains=['example-00001.com'], nameservers=TARGET, aliyun_dns=True),
     ['nameservers', 'aliyun_dns', 'mutually exclusive']),
    ('ns-invalid-domain', 'main', module_task('nameservers', domains=['example-00001.com', 'bad_domain.com', '-lead.com'],
                                              nameservers=TARGET), ['option domains', "'bad_domain.com'", "'-lead.com'"]),
    ('ns-invalid-nameserver', 'main', module_task('nameservers', domains=['example-00001.com'],
                                                  nameservers=['ns_1.example.org', '192.0.2.53']),
     ['option nameservers', "'ns_1.example.org'", "'192.0.2.53'"]),
    ('ns-too-many-nameservers', 'main', module_task('nameservers', domains=['example-00001.com'],
                                                    nameservers=['ns%d.example.org' % n for n in range(14)]),
     ['nameservers', '13']),
    ('ns-idn-not-in-account', 'main', module_task('nameservers', domains=[u'b\u00fccher-example.de'], nameservers=TARGET),
     ['not in this account', 'xn--bcher-example-wob.de']),
    ('ns-idn-invalid', 'main', module_task('nameservers', domains=[u'b\u00fccher..de'], nameservers=TARGET),
     ['option domains', u'b\u00fccher..de']),
    ('ns-batch-size-1001', 'main', module_task('nameservers', domains=['example-00001.com'], nameservers=TARGET, batch_size=1001),
     ['batch_size', '1001', 'from 1 to 1000']),
    # Wait options are checked before anything is submitted, not after the task went out.
    ('ns-wait-timeout-0', 'main', module_task('nameservers', domains=['example-00001.com'], nameservers=TARGET, wait=True,
                                              wait_timeout=0), ['wait_timeout', '0', 'greater than 0']),
    ('ns-max-poll-below-poll', 'main', module_task('nameservers', domains=['example-00001.com'], nameservers=TARGET,
                                                   wait=True, poll_interval=20, max_poll_interval=5),
     ['max_poll_interval', '5', 'at least poll_interval']),
    ('ns-batch-size-not-int', 'main', module_task('nameservers', domains=['example-00001.com'], nameservers=TARGET,
                                                  batch_size='many'), ['batch_size', 'many']),
    # the lookup
    ('lookup-page-size-0', 'main', lookup_task("'T-1', wait=false, page_size=0"), ['page_size', '0', '1000']),
    ('lookup-page-size-1001', 'main', lookup_task("'T-1', wait=false, page_size=1001"), ['page_size', '1001', '1000']),
    ('lookup-task-result-status-5', 'main', lookup_task("task_result_status='5'"), ['task_result_status', '5']),
    ('lookup-page-num-with-wait', 'main', lookup_task("'T-1', page_num=2"), ['page_num', 'wait']),
    ('lookup-wait-timeout-not-number', 'main', lookup_task("'T-1', wait_timeout='soon'"), ['wait_timeout', 'soon']),
    ('lookup-unknown-keyword', 'main', lookup_task("'T-1', wait=false, wait_timout=5, bogus=1"),
     ['unknown keywords bogus, wait_timout (did you mean wait_timeout?)', 'allowed: access_key_id']),
    # connection options
    ('signature-version-v2', 'main', module_task('domain_task_result', signature_version='v2'), ['signature_version', 'v2', 'v3']),
    ('validate-certs-not-bool', 'main', module_task('domain_task_result', validate_certs='sometimes'), ['validate_certs', 'sometimes']),
    ('timeout-negative', 'main', module_task('domain_task_result', timeout=-1), ['timeout', '-1']),
    ('endpoint-not-url', 'main', module_task('domain_task_result', endpoint='ftp://127.0.0.1/'), ['endpoint', 'ftp://127.0.0.1/']),
    ('lang-fr', 'main', lookup_task("lang='fr'"), ['lang', 'fr']),
    # credentials
    ('wrong-secret-module', 'main', module_task('domain_task_result', access_key_id='testid', access_key_secret=WRONG_SECRET),
     ['PollTaskResult failed: SignatureDoesNotMatch:', 'RequestId: ']),
    ('wrong-secret-lookup', 'main', lookup_task("access_key_id='testid', access_key_secret='%s'" % WRONG_SECRET),
     ['PollTaskResult failed: SignatureDoesNotMatch:', 'RequestId: ']),
    ('expired-sts-token', 'main', module_task('ack', task_detail_nos='{{ seeded }}', access_key_id=STS_KEY_ID,
                                              access_key_secret=STS_SECRET, security_token=STS_TOKEN),
     ['AcknowledgeTaskResult failed: InvalidSecurityToken.Expired:', 'RequestId: ']),
    ('missing-credentials-module', 'no-credentials', module_task('nameservers', domains=['example-00001.com'], nameservers=TARGET),
     ['No Alibaba Cloud credentials found', 'access_key_id']),
    ('missing-credentials-lookup', 'no-credentials', lookup_task("'T-1'"), ['No Alibaba Cloud credentials found', 'access_key_id']),
    ('missing-secret-only', 'no-credentials', module_task('ack', task_detail_nos='{{ seeded }}', access_key_id='testid'),
     ['access_key_secret']),
    # the far end
    ('unreachable-endpoint', 'main', module_task('nameservers', domains=['example-00001.com'], nameservers=TARGET,
                                                 endpoint='{{ dead_url }}', max_retries=1),
     ['QueryDomainByDomainName failed: cannot reach http://127.0.0.1:', 'Connection refused']),
    ('self-signed-refused', 'main', module_task('domain_task_result', endpoint='{{ tls_url }}'),
     ['PollTaskResult failed: cannot reach https://127.0.0.1:', 'certificate']),
    ('self-signed-refused-lookup', 'main', lookup_task("endpoint=tls_url"),
     ['PollTaskResult failed: cannot reach https://127.0.0.1:', 'certificate']),
    ('self-signed-accepted-with-ca-path', 'main', module_task('domain_task_result', endpoint='{{ tls_url }}', ca_path='{{ ca_path }}'),
     None),
    ('self-signed-accepted-with-ca-path-lookup', 'main', lookup_task("endpoint=tls_url, ca_path=ca_path, wait=false"), None),
    ('html-error-page', 'main', module_task('nameservers', domains=['example-00001.com'], nameservers=TARGET,
                                            endpoint='{{ html_url }}', **PLAIN_CONNECTION),
     ['QueryDomainByDomainName failed: InvalidResponse: HTTP 502 with an HTML page', '(RequestId: none)']),
    ('truncated-json', 'main', module_task('ack', task_detail_nos=['d-1'], endpoint='{{ truncated_url }}', **PLAIN_CONNECTION),
     ['AcknowledgeTaskResult failed: InvalidResponse:', 'RequestId: ']),
    ('http-200-error-body', 'main', module_task('nameservers', domains=['example-00001.com'], nameservers=TARGET,
                                                endpoint='{{ error_body_url }}', **PLAIN_CONNECTION),
     ['QueryDomainByDomainName failed: InvalidAccessKeyId.NotFound: ', 'RequestId: 0D6F2D1B-BAD-INPUT']),
    # the role
    ('role-both-targets', 'role', role_vars(dns_migration_aliyun_dns=True), ['exactly one of them']),
    ('role-no-target', 'role', role_vars(dns_migration_nameservers=[]), ['exactly one of them']),
    ('role-empty-domains', 'role', role_vars(dns_migration_domains=[]), ['domains', 'at least 1']),
    ('role-invalid-domain', 'role', role_vars(dns_migration_domains=['example-00001.com', 'exa mple.com']), ["'exa mple.com'"]),
    ('role-invalid-nameserver', 'role', role_vars(dns_migration_nameservers=['ns1.example.org', 'ns1..example.org']),
     ["'ns1..example.org'"]),
    ('role-batch-size-not-int', 'role', role_vars(dns_migration_batch_size='many'), ['dns_migration_batch_size', 'many']),
    ('role-domains-not-list', 'role', role_vars(dns_migration_domains={'example-00001.com': True}), ['dns_migration_domains']),
    ('role-signature-version', 'role', role_vars(dns_migration_connection={'signature_version': 'v2'}),
     ['dns_migration_connection', 'signature_version', 'v2']),
]
GROUPS = ['main', 'no-credentials', 'role']
ROLE_VALIDATION_HEADING = 'Validation of arguments failed:\n'
HTML = b'<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>'
# A whole-request refusal (Forbidden.RAM would be read as one domain denied to the RAM user, and blocked).
ERROR_BODY = {'RequestId': '0D6F2D1B-BAD-INPUT', 'Code': 'InvalidAccessKeyId.NotFound', 'Message': 'Specified access key is not found.'}


def _case_task(case_id, group, task):
    if group == 'role':
        return {'name': 'block of %s' % case_id, 'block': [
            {'name': 'role for %s' % case_id, 'ansible.builtin.include_role': {'name': 'aliyun.domain.dns_migration'}, 'vars': task},
        ], 'rescue': [
            {'name': case_id, 'ansible.builtin.debug': {'msg': '{{ ansible_failed_result.msg }}'}},
        ]}
    named = {'name': case_id, 'ignore_errors': True}
    named.update(task)
    return named


def playbook(group):
    tasks = [_case_task(case_id, case_group, task) for case_id, case_group, task, dummy in CASES if case_group == group]
    return json.dumps([{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}], indent=1)


@pytest.fixture
def fake_servers():
    servers = {
        'html_url': LocalHttpServer(lambda request: (502, {'Content-Type': 'text/html'}, HTML)),
        'truncated_url': LocalHttpServer(lambda request: (200, {'Content-Type': 'application/json'}, b'{"RequestId": "7C1D", "Result": ')),
        'error_body_url': LocalHttpServer(lambda request: json_response(ERROR_BODY)),
    }
    yield servers
    for server in servers.values():
        server.close()


def problems_of(run, case_id, group, fragments):
    """What is wrong with the outcome of one case; an empty list when it is right."""
    try:
        event = run.task_event(case_id)
    except KeyError:
        return ['%s: no result recorded (did an earlier case stop the play?)' % case_id]
    result = event['result']
    if fragments is None:
        return [] if event['status'] == 'ok' else ['%s: expected success, got %r' % (case_id, result.get('msg'))]
    problems = []
    if group != 'role' and event['status'] != 'failed':
        problems.append('%s: expected a failure, got status %r' % (case_id, event['status']))
    message = result.get('msg')
    if not isinstance(message, str) or not message:
        return problems + ['%s: no message: %r' % (case_id, result)]
    # ansible-core's own check of a role's argument_specs puts its heading on a line of its own
    message = message.replace(ROLE_VALIDATION_HEADING, '', 1)
    # ansible-core 2.19 records '(traceback unavailable)' for every failure that carries no traceback
    if '\n' in message.strip() or 'Traceback' in message + str(result.get('exception', '')) or 'module_stderr' in result:
        problems.append('%s: not one clean line: %r' % (case_id, result))
    missing = [fragment for fragment in fragments if fragment not in message]
    if missing:
        problems.append('%s: %r lacks %r' % (case_id, message, missing))
    return problems


@pytest.mark.parametrize('group', GROUPS)
def test_bad_input_gives_one_clear_message_and_changes_nothing(group, emulator_factory, run_playbook, fake_servers, tls_files,  # noqa: F811
                                                               tmp_path):  # pylint: disable=redefined-outer-name
    emulator = emulator_factory('--domains', '20', '--task-seconds', '0.1')
    tls_emulator = emulator_factory('--domains', '5', '--task-seconds', '0.1', '--tls-cert', tls_files[1], '--tls-key', tls_files[2])
    seeded = emulator.seed(3)
    emulator.configure(access_keys=['%s:%s:%s' % (STS_KEY_ID, STS_SECRET, STS_TOKEN)], expired_access_keys=[STS_KEY_ID])
    seeded_detail_nos = sorted(emulator.stats()['task_details'])
    extra_vars = {'seeded': seeded_detail_nos, 'dead_url': dead_url(), 'tls_url': tls_emulator.url, 'ca_path': tls_files[0],
                  'work_dir': str(tmp_path / 'work')}
    extra_vars.update((name, server.url) for name, server in fake_servers.items())

    # at -vvvv: the wrong secret and the STS credentials must not show even there
    run = run_playbook(playbook(group), emulator=emulator, extra_vars=extra_vars, verbosity=4,
                       env=EMPTY_CREDENTIALS if group == 'no-credentials' else None)

    produced = run.stdout + run.stderr + json.dumps(run.events)
    assert 'Traceback' not in produced
    assert [secret for secret in (WRONG_SECRET, STS_SECRET, STS_TOKEN) if secret in produced] == []
    problems = []
    for case_id, case_group, dummy, fragments in CASES:
        if case_group == group:
            problems.extend(problems_of(run, case_id, group, fragments))
    assert problems == [], '\n'.join(problems)

    # Nothing was submitted or confirmed, anywhere.
    for instance in (emulator, tls_emulator):
        stats = instance.stats()
        assert stats['submissions_per_domain'] == {}
        assert stats['details_acknowledged'] == 0
        assert stats.get('requests_per_action', {}).get('SaveBatchTaskForModifyingDomainDns', 0) == 0
    assert emulator.stats()['results_awaiting_acknowledgement'] == seeded['results']
    for server in fake_servers.values():
        assert 'SaveBatchTaskForModifyingDomainDns' not in [request.action for request in server.requests]


def test_the_table_covers_every_group_with_at_least_30_distinct_cases():
    ids = [case_id for case_id, dummy, dummy2, dummy3 in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 30
    assert set(group for dummy, group, dummy2, dummy3 in CASES) == set(GROUPS)


QUERY_ERRORS = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: query that does not parse
      aliyun.domain.domain_task_result:
        query: "[invalid"
      ignore_errors: true

    - name: query that fails on the results
      aliyun.domain.domain_task_result:
        query: abs(@)
      ignore_errors: true

    - name: query with an unknown function
      ansible.builtin.set_fact:
        bad_input_value: "{{ lookup('aliyun.domain.domain_task_result', query='nosuchfunction(@)') }}"
      ignore_errors: true
"""


def test_a_query_that_cannot_be_evaluated_is_one_clear_message_naming_the_option(emulator, run_playbook):
    run = run_playbook(QUERY_ERRORS, emulator=emulator, verbosity=3)
    problems = []
    for case_id, fragments in (('query that does not parse', ['query', "'[invalid'", 'incomplete']),
                               ('query that fails on the results', ['query', "'abs(@)'", 'abs()', 'expected number']),
                               ('query with an unknown function', ['query', "'nosuchfunction(@)'", 'Unknown function'])):
        problems.extend(problems_of(run, case_id, 'main', fragments))
    assert problems == [], '\n'.join(problems)
