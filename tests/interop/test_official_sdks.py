# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The official SDKs, unchanged, against the emulator: the independent proof of its signature checks and answers.

- alibabacloud-domain20180129 (Darabonba) with its default ACS3-HMAC-SHA256 signing and with
  ``signature_algorithm='v2'`` (RPC HMAC-SHA1);
- the legacy aliyun-python-sdk-core + aliyun-python-sdk-domain (RPC HMAC-SHA1, Format=JSON, RegionId, SignatureType=).
"""

import functools
import json
import os
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.append(ROOT)

from emulator.process import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position

domain_models = pytest.importorskip('alibabacloud_domain20180129.models')
domain_client = pytest.importorskip('alibabacloud_domain20180129.client')
open_api_models = pytest.importorskip('alibabacloud_tea_openapi.models')
acs_client = pytest.importorskip('aliyunsdkcore.client')
acs_exceptions = pytest.importorskip('aliyunsdkcore.acs_exception.exceptions')
legacy = pytest.importorskip('aliyunsdkdomain.request.v20180129')

NAMESERVERS = ['ns1.interop.example', 'ns2.interop.example']
DOMAINS = ['example-00001.com', 'example-00002.com', 'example-00003.com']
DEADLINE_SECONDS = 20


@pytest.fixture(scope='module')
def emulator():
    with EmulatorProcess('--domains', '10', '--task-seconds', '0.3', '--fail-domains', '00003',
                         '--access-key', 'testid:testsecret', '--access-key', 'STS.interop:stssecret:interop-token') as running:
        yield running


@pytest.fixture(autouse=True)
def fresh_state(emulator):  # pylint: disable=redefined-outer-name
    emulator.reset()


class NewSdk:
    """alibabacloud-domain20180129 behind the three calls the scenario needs."""

    def __init__(self, emulator, signature_algorithm=None, secret='testsecret', key_id='testid', token=None):  # pylint: disable=redefined-outer-name
        config = open_api_models.Config(access_key_id=key_id, access_key_secret=secret, security_token=token,
                                        endpoint='%s:%d' % (emulator.host, emulator.port), protocol='http')
        if signature_algorithm:
            config.signature_algorithm = signature_algorithm
        self.client = domain_client.Client(config)

    def submit(self, domains):
        request = domain_models.SaveBatchTaskForModifyingDomainDnsRequest(
            domain_name=domains, aliyun_dns=False, domain_name_server=NAMESERVERS)
        return self.client.save_batch_task_for_modifying_domain_dns(request).body.task_no

    def details(self, task_no):
        request = domain_models.QueryTaskDetailListRequest(task_no=task_no, page_num=1, page_size=100)
        return [item.to_map() for item in self.client.query_task_detail_list(request).body.data.task_detail]

    def poll(self, lang=None):
        body = self.client.poll_task_result(domain_models.PollTaskResultRequest(page_num=1, page_size=100, lang=lang)).body
        return [item.to_map() for item in body.data.task_detail]

    def acknowledge(self, detail_nos):
        request = domain_models.AcknowledgeTaskResultRequest(task_detail_no=detail_nos)
        return self.client.acknowledge_task_result(request).body.result

    def nameservers(self, domain):
        request = domain_models.QueryDomainByDomainNameRequest(domain_name=domain)
        return self.client.query_domain_by_domain_name(request).body.dns_list.dns

    def listed_nameservers(self):
        body = self.client.query_domain_list(domain_models.QueryDomainListRequest(page_num=1, page_size=100)).body
        return dict((item.domain_name, item.dns_list.dns_list) for item in body.data.domain)

    def task_status(self, task_no):
        body = self.client.query_task_list(domain_models.QueryTaskListRequest(page_num=1, page_size=10)).body
        return dict((task.task_no, task.task_status_code) for task in body.data.task_info)[task_no]

    def history(self):
        body = self.client.query_task_info_history(domain_models.QueryTaskInfoHistoryRequest(page_size=10)).body
        return [item.task_no for item in body.objects]

    @staticmethod
    def error_code(call):
        try:
            call()
        except Exception as error:  # pylint: disable=broad-except  # the SDK's own exception types vary by version
            return getattr(error, 'code', None), getattr(error, 'status_code', None) or getattr(error, 'statusCode', None)
        raise AssertionError('the call succeeded')


class LegacySdk:
    """aliyun-python-sdk-core + aliyun-python-sdk-domain."""

    def __init__(self, emulator, secret='testsecret'):  # pylint: disable=redefined-outer-name
        self.endpoint = '%s:%d' % (emulator.host, emulator.port)
        self.client = acs_client.AcsClient('testid', secret, 'cn-hangzhou')

    def _do(self, name, **setters):
        module = __import__('aliyunsdkdomain.request.v20180129.%sRequest' % name, fromlist=['x'])
        request = getattr(module, name + 'Request')()
        request.set_endpoint(self.endpoint)
        request.set_protocol_type('http')
        request.set_accept_format('JSON')
        for setter, value in setters.items():
            getattr(request, 'set_' + setter)(value)
        return json.loads(self.client.do_action_with_exception(request))

    def submit(self, domains):
        return self._do('SaveBatchTaskForModifyingDomainDns', DomainNames=domains, AliyunDns=False,
                        DomainNameServers=NAMESERVERS)['TaskNo']

    def details(self, task_no):
        return self._do('QueryTaskDetailList', TaskNo=task_no, PageNum=1, PageSize=100)['Data']['TaskDetail']

    def poll(self, lang=None):
        setters = {'PageNum': 1, 'PageSize': 100}
        if lang:
            setters['Lang'] = lang
        return self._do('PollTaskResult', **setters)['Data']['TaskDetail']

    def acknowledge(self, detail_nos):
        return self._do('AcknowledgeTaskResult', TaskDetailNos=detail_nos)['Result']

    def nameservers(self, domain):
        return self._do('QueryDomainByDomainName', DomainName=domain)['DnsList']['Dns']

    def error_code(self, call):
        try:
            call()
        except acs_exceptions.ServerException as error:
            return error.get_error_code(), error.get_http_status()
        raise AssertionError('the call succeeded')


def normalise(item):
    """snake/Pascal keys as the two SDKs return them -> Pascal."""
    return dict((key[0].upper() + key[1:], value) for key, value in item.items())


def wait_final(sdk, task_no, expected):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        details = [normalise(item) for item in sdk.details(task_no)]
        if len(details) == expected and all(item['TaskStatusCode'] in (2, 3) for item in details):
            return details
        assert time.monotonic() < deadline, details
        time.sleep(0.1)


SDKS = {
    'new-v3': NewSdk,
    'new-v2': functools.partial(NewSdk, signature_algorithm='v2'),
    'legacy': LegacySdk,
}


@pytest.mark.parametrize('flavour', sorted(SDKS))
def test_chg_dns_submit_query_poll_acknowledge(emulator, flavour):  # pylint: disable=redefined-outer-name
    sdk = SDKS[flavour](emulator)
    task_no = sdk.submit(DOMAINS)
    details = wait_final(sdk, task_no, len(DOMAINS))
    outcome = dict((item['DomainName'], (item['TaskStatus'], item['TryCount'])) for item in details)
    assert outcome == {'example-00001.com': ('EXECUTE_SUCCESS', 0), 'example-00002.com': ('EXECUTE_SUCCESS', 0),
                       'example-00003.com': ('EXECUTE_FAILURE', 5)}
    polled = [normalise(item) for item in sdk.poll(lang='zh')]
    assert sorted(item['DomainName'] for item in polled) == sorted(DOMAINS)
    assert {item['TaskTypeDescription'] for item in polled} == {'修改DNS'}
    assert sdk.acknowledge([item['TaskDetailNo'] for item in polled] + ['unknown-detail']) == len(DOMAINS)
    assert sdk.poll() == []
    assert len(sdk.details(task_no)) == len(DOMAINS)  # history keeps what PollTaskResult forgot
    assert sdk.nameservers('example-00001.com') == NAMESERVERS
    assert sdk.nameservers('example-00003.com') == ['dns1.hichina.com', 'dns2.hichina.com']
    if isinstance(sdk, NewSdk):
        assert sdk.task_status(task_no) == 3
        assert sdk.history() == [task_no]
        assert sdk.listed_nameservers()['example-00002.com'] == NAMESERVERS
    stats = emulator.stats()
    assert stats['details_acknowledged'] == len(DOMAINS)
    assert stats['errors_per_code'] == {}


@pytest.mark.parametrize('flavour', sorted(SDKS))
def test_wrong_secret_is_refused(emulator, flavour):  # pylint: disable=redefined-outer-name
    sdk = SDKS[flavour](emulator, secret='wrong-secret')
    code, status = sdk.error_code(sdk.poll)
    if flavour == 'legacy':
        # the legacy SDK compares the server's string to sign (in the message) with its own and, when they
        # are equal, reports the secret as the culprit: proof that both computed the same string to sign
        assert code == 'InvalidAccessKeySecret'
    else:
        assert code == 'SignatureDoesNotMatch'
    assert status == 400
    assert emulator.stats()['errors_per_code'] == {'SignatureDoesNotMatch': 1}


@pytest.mark.parametrize('flavour', ['new-v3', 'new-v2'])
def test_sts_token(emulator, flavour):  # pylint: disable=redefined-outer-name
    sdk = SDKS[flavour](emulator, key_id='STS.interop', secret='stssecret', token='interop-token')
    assert sdk.poll() == []
    emulator.configure(expired_access_keys=['STS.interop'])
    assert sdk.error_code(sdk.poll) == ('InvalidSecurityToken.Expired', 400)


def test_persistence_across_restart(tmp_path):
    with EmulatorProcess('--domains', '5', '--task-seconds', '1', state=tmp_path / 'state.sqlite3') as emulator:  # pylint: disable=redefined-outer-name
        task_no = NewSdk(emulator).submit(DOMAINS[:2])
        emulator.restart()
        sdk = NewSdk(emulator)
        details = wait_final(sdk, task_no, 2)
        assert {item['TaskStatus'] for item in details} == {'EXECUTE_SUCCESS'}
        assert sdk.acknowledge([item['TaskDetailNo'] for item in details]) == 2
        emulator.restart()
        assert NewSdk(emulator).poll() == []
        assert LegacySdk(emulator).nameservers('example-00002.com') == NAMESERVERS
