# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-domain registrar states: what the by-name and list answers show, and how a submission naming such a domain is answered."""

import time

import pytest

from emulator.domain_states import parse_domain_states, states_to_json
from emulator.options import Behaviour, SettingError, parse_args

LOCKED = 'example-00001.com'
DENIED = 'example-00002.com'
MOVING = 'example-00003.com'
FREE = 'example-00004.com'
STATES = ('--domain-state', LOCKED + '=UpdateProhibitionLock:OPEN', '--domain-state', DENIED + '=denied',
          '--domain-state', 'example-0000[3]*=TransferOutStatus:PENDING;RealNameStatus:AUDITING')
NAMESERVERS = {'AliyunDns': 'false', 'DomainNameServer.1': 'ns1.target.example', 'DomainNameServer.2': 'ns2.target.example'}


def submit(client, *domains):
    params = dict(NAMESERVERS)
    params.update(('DomainName.%d' % index, domain) for index, domain in enumerate(domains, 1))
    return client.call('SaveBatchTaskForModifyingDomainDns', params)


def details_of(client, task_no):
    deadline = time.monotonic() + 10
    while True:
        answer = client.call('QueryTaskDetailList', {'TaskNo': task_no, 'PageNum': 1, 'PageSize': 100}).body
        details = dict((item['DomainName'], item) for item in answer['Data']['TaskDetail'])
        if all(item['TaskStatusCode'] in (2, 3) for item in details.values()) or time.monotonic() > deadline:
            return details
        time.sleep(0.05)


def test_by_name_answers_carry_the_state_and_a_denied_domain_is_forbidden_ram(start_emulator):
    emulator = start_emulator(*STATES)
    client = emulator.client()
    locked = client.call('QueryDomainByDomainName', {'DomainName': LOCKED}).body
    assert locked['UpdateProhibitionLock'] == 'OPEN'
    moving = client.call('QueryDomainByDomainName', {'DomainName': MOVING}).body
    assert (moving['TransferOutStatus'], moving['RealNameStatus'], moving['UpdateProhibitionLock']) == ('PENDING', 'AUDITING', 'CLOSE')
    free = client.call('QueryDomainByDomainName', {'DomainName': FREE}).body
    assert (free['TransferOutStatus'], free['UpdateProhibitionLock'], free['DomainStatus']) == ('NORMAL', 'CLOSE', '3')
    denied = client.call('QueryDomainByDomainName', {'DomainName': DENIED})
    assert (denied.status, denied.code) == (403, 'Forbidden.RAM')
    missing = client.call('QueryDomainByDomainName', {'DomainName': 'not-mine.com'})
    assert missing.code == 'DomainNotExist'


def test_list_items_carry_only_the_states_the_list_models(start_emulator):
    emulator = start_emulator()
    emulator.emulator.configure({'domain_states': {LOCKED: {'DomainStatus': '2', 'UpdateProhibitionLock': 'OPEN'}}})
    client = emulator.client()
    items = client.call('QueryDomainList', {'PageNum': 1, 'PageSize': 100}).body['Data']['Domain']
    item = [item for item in items if item['DomainName'] == LOCKED][0]
    assert item['DomainStatus'] == '2' and 'UpdateProhibitionLock' not in item


def test_by_default_the_detail_of_a_domain_that_cannot_change_fails_with_its_reason(start_emulator):
    emulator = start_emulator(*STATES)
    client = emulator.client()
    answer = submit(client, LOCKED, MOVING, FREE)
    assert answer.status == 200
    details = details_of(client, answer.body['TaskNo'])
    assert details[LOCKED]['TaskStatus'] == 'EXECUTE_FAILURE' and details[LOCKED]['TryCount'] == 1
    assert details[LOCKED]['ErrorMsg'] == 'The domain name has the update prohibition lock on.'
    assert details[MOVING]['ErrorMsg'] == 'The domain name is being transferred out.'
    assert details[FREE]['TaskStatus'] == 'EXECUTE_SUCCESS'


def test_refuse_mode_refuses_the_whole_batch_with_a_code_naming_the_domain(start_emulator):
    emulator = start_emulator('--blocked-submission', 'refuse', *STATES)
    client = emulator.client()
    refused = submit(client, FREE, LOCKED)
    assert (refused.status, refused.code) == (400, 'DomainUpdateProhibitionLocked')
    assert LOCKED in refused.body['Message']
    assert emulator.stats()['submissions_per_domain'] == {}


def test_a_submission_naming_a_denied_domain_is_forbidden_as_a_whole(start_emulator):
    emulator = start_emulator(*STATES)
    refused = submit(emulator.client(), FREE, DENIED)
    assert (refused.status, refused.code) == (403, 'Forbidden.RAM')
    assert emulator.stats()['submissions_per_domain'] == {}


def test_states_round_trip_through_the_control_plane_form():
    states = parse_domain_states({'a*.com': 'denied', 'b.com': {'EmailVerificationClientHold': 'true', 'DomainStatus': 1}})
    assert states_to_json(states) == {'a*.com': 'denied', 'b.com': {'EmailVerificationClientHold': True, 'DomainStatus': '1'}}
    assert parse_args(['--blocked-submission', 'refuse']).behaviour.blocked_submission == 'refuse'


@pytest.mark.parametrize('changes, named', [
    ({'domain_states': {'a.com': {'UpdateProhibitionLock': 'ON'}}}, "UpdateProhibitionLock 'ON'"),
    ({'domain_states': {'a.com': {'Colour': 'red'}}}, "unknown field 'Colour'"),
    ({'domain_states': 'a.com'}, 'expected GLOB=FIELD:VALUE'),
    ({'blocked_submission': 'maybe'}, "blocked_submission 'maybe'"),
])
def test_bad_states_are_refused_naming_the_setting(changes, named):
    with pytest.raises(SettingError) as caught:
        Behaviour().updated(changes)
    assert named in str(caught.value)
