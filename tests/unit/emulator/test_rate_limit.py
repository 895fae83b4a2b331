# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's request-rate limits: the account's and each action's, on a fake clock and over HTTP."""

import pytest

from emulator.options import Behaviour, SettingError, parse_args
from emulator.server import RateLimiter

PAGE = {'PageNum': 1, 'PageSize': 20}


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def admitted_per_second(limiter, behaviour, clock, action='PollTaskResult', offered=100, seconds=10):
    """Offer ``offered`` requests a second, evenly spaced, for ``seconds``; answers per Code."""
    outcomes = {}
    for _index in range(offered * seconds):
        clock.now += 1.0 / offered
        code = limiter.admit(action, behaviour) or 'ok'
        outcomes[code] = outcomes.get(code, 0) + 1
    return outcomes


def test_account_limit_admits_the_rate_plus_one_burst_and_refuses_the_rest_with_throttling_user():
    clock = Clock()
    limiter = RateLimiter(clock)
    outcomes = admitted_per_second(limiter, Behaviour(rate_limit=10), clock)
    # ten a second over ten seconds, plus the full bucket of one second's worth at the start
    assert 100 <= outcomes['ok'] <= 110
    assert outcomes['Throttling.User'] == 1000 - outcomes['ok']


def test_action_limit_refuses_with_throttling_api_and_leaves_other_actions_alone():
    clock = Clock()
    limiter = RateLimiter(clock)
    behaviour = Behaviour(rate_limit=50, action_rate_limits={'SaveBatchTaskForModifyingDomainDns': 2})
    saves = admitted_per_second(limiter, behaviour, clock, 'SaveBatchTaskForModifyingDomainDns', offered=10)
    assert 20 <= saves['ok'] <= 22 and saves['Throttling.Api'] == 100 - saves['ok']
    reads = admitted_per_second(limiter, behaviour, clock, 'QueryDomainList', offered=10)
    assert reads == {'ok': 100}


def test_refused_requests_take_no_token():
    clock = Clock()
    limiter = RateLimiter(clock)
    behaviour = Behaviour(rate_limit=1)
    assert limiter.admit('QueryTaskList', behaviour) is None
    for _index in range(50):
        clock.now += 0.01
        assert limiter.admit('QueryTaskList', behaviour) == 'Throttling.User'
    clock.now += 0.51
    # a second after the admitted request the bucket holds a token again, however often it was asked meanwhile
    assert limiter.admit('QueryTaskList', behaviour) is None


def test_no_limit_admits_everything():
    clock = Clock()
    assert admitted_per_second(RateLimiter(clock), Behaviour(), clock) == {'ok': 1000}


@pytest.mark.parametrize('changes, named', [
    ({'rate_limit': -1}, 'rate_limit'),
    ({'action_rate_limits': 'PollTaskResult'}, 'action_rate_limits'),
    ({'action_rate_limits': {'PollTaskResult': 'fast'}}, 'action_rate_limits PollTaskResult'),
])
def test_bad_limits_are_refused_naming_the_option(changes, named):
    with pytest.raises(SettingError) as caught:
        Behaviour().updated(changes)
    assert named in str(caught.value)


def test_command_line_limits():
    args = parse_args(['--rate-limit', '10', '--action-rate-limit', 'PollTaskResult=2, QueryTaskList=0.5'])
    assert args.behaviour.rate_limit == 10
    assert args.behaviour.action_rate_limits == {'PollTaskResult': 2, 'QueryTaskList': 0.5}


def test_over_http_the_limits_answer_400_with_the_services_codes_and_messages(start_emulator):
    emulator = start_emulator('--rate-limit', '1')
    client = emulator.client()
    answers = [client.call('PollTaskResult', PAGE) for _index in range(3)]
    assert answers[0].status == 200
    refused = answers[-1]
    assert (refused.status, refused.code) == (400, 'Throttling.User')
    assert refused.body['Message'] == 'Request was denied due to user flow control.'
    emulator.emulator.configure({'rate_limit': 0, 'action_rate_limits': {'QueryTaskList': 1}})
    assert emulator.emulator.behaviour.to_json()['action_rate_limits'] == {'QueryTaskList': 1}
    assert all(client.call('PollTaskResult', PAGE).status == 200 for _index in range(3))
    answers = [client.call('QueryTaskList', PAGE) for _index in range(3)]
    assert (answers[-1].status, answers[-1].code) == (400, 'Throttling.Api')
    assert answers[-1].body['Message'] == 'Request was denied due to api flow control.'
    stats = emulator.stats(details=False)
    assert stats['faults']['rate_limited'] >= 2
    assert stats['errors_per_code']['Throttling.Api'] >= 1
