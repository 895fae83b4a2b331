# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory Domain task API behind a fake ``requests`` session, driven by a fake clock.

Unit tests of the waiter and of result collection use the real DomainClient; only the HTTP
exchange is replaced, by this small model of task details moving through their states over time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time

try:
    from urllib.parse import parse_qsl, urlsplit
except ImportError:  # pragma: no cover
    from urlparse import parse_qsl, urlsplit  # type: ignore

from ansible_collections.aliyun.domain.plugins.module_utils._client import DomainClient
from ansible_collections.aliyun.domain.plugins.module_utils._options import OptionAdapter

STATUS_NAMES = {0: 'WAITING_EXECUTE', 1: 'EXECUTING', 2: 'EXECUTE_SUCCESS', 3: 'EXECUTE_FAILURE'}
# The service's clock (UTC+8 strings, one-second resolution) reads 2024-01-02 03:04:05 at fake time 1000.
SERVICE_EPOCH_AT_1000 = 1704135845 + 8 * 3600


def service_time(fake_seconds):
    return time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(int(SERVICE_EPOCH_AT_1000 + fake_seconds - 1000)))


class FakeClock(object):
    """A monotonic clock that only moves when something sleeps or a request takes time."""

    def __init__(self, start=1000.0, request_seconds=0.01):
        self.now = start
        self.request_seconds = request_seconds
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0, seconds
        self.sleeps.append(seconds)
        self.now += seconds


class FakeResponse(object):
    def __init__(self, status_code, body, headers=None):
        self.status_code = status_code
        self.content = body if isinstance(body, bytes) else json.dumps(body).encode('utf-8')
        self.headers = dict({'Content-Type': 'application/json;charset=utf-8'}, **(headers or {}))


class FakeDetail(object):
    def __init__(self, task_no, number, domain, start_at, final_at, fails, task_type='CHG_DNS', created_at=1000.0):
        self.created_at = created_at
        self.task_no = task_no
        self.number = number
        self.domain = domain
        self.start_at = start_at
        self.final_at = final_at
        self.fails = fails
        self.task_type = task_type
        self.acknowledged = False
        self.instance_id = 'S2024' + number[-8:]

    def status(self, now):
        if now >= self.final_at:
            return 3 if self.fails else 2
        return 1 if now >= self.start_at else 0

    def as_api(self, now, lang='en'):
        code = self.status(now)
        return {
            'TaskNo': self.task_no, 'TaskDetailNo': self.number, 'TaskType': self.task_type,
            'TaskTypeDescription': u'修改DNS' if lang == 'zh' else 'DNS Modification',
            'InstanceId': self.instance_id, 'DomainName': self.domain,
            'TaskStatus': STATUS_NAMES[code], 'TaskStatusCode': code,
            'TryCount': 3 if self.fails and code == 3 else 0,
            'ErrorMsg': 'The domain is locked by the registry.' if code == 3 else 'The operation is successful.',
            'TaskResult': None, 'CreateTime': service_time(self.created_at),
            'UpdateTime': service_time(self.final_at if code in (2, 3) else max(self.start_at, self.created_at)),
        }


class FakeTaskApi(object):
    """Answers QueryTaskDetailList, PollTaskResult and AcknowledgeTaskResult from in-memory details."""

    def __init__(self, clock):
        self.clock = clock
        self.details = []
        self.calls = []
        self.call_times = []        # the fake clock at each request, for bounds on calls per minute
        self.faults = []
        self._request_number = 0

    def add_task(self, task_no, domains, final_in, start_in=None, failing=(), task_type='CHG_DNS'):
        """``final_in``/``start_in``: seconds from now, one number for all domains or one per domain."""
        now = self.clock()
        for index, domain in enumerate(domains):
            final = final_in[index] if isinstance(final_in, (list, tuple)) else final_in
            start = 0.0 if start_in is None else (start_in[index] if isinstance(start_in, (list, tuple)) else start_in)
            number = '%s-%05d' % (task_no.replace('-', '')[:12], index)
            self.details.append(FakeDetail(task_no, number, domain, now + start, now + final, domain in failing,
                                           task_type, created_at=now))
        return task_no

    def fail_next(self, count, code='Throttling.User', status=400, message='Request was denied due to user flow control.',
                  action=None):
        """The next ``count`` requests (of ``action`` only, when given) get this error."""
        for _unused in range(count):
            self.faults.append((action, status, {'Code': code, 'Message': message}))

    def count(self, action):
        return sum(1 for name, _params in self.calls if name == action)

    def handle(self, action, params):
        self.calls.append((action, params))
        self.call_times.append(self.clock())
        self._request_number += 1
        request_id = 'REQ-%06d' % self._request_number
        for index, (only, status, body) in enumerate(self.faults):
            if only in (None, action):
                del self.faults[index]
                return FakeResponse(status, dict(body, RequestId=request_id, HostId='domain.aliyuncs.com'))
        handler = getattr(self, '_' + action, None)
        if handler is None:
            return FakeResponse(400, {'Code': 'InvalidAction.NotFound', 'Message': action, 'RequestId': request_id})
        body = handler(params)
        body['RequestId'] = request_id
        return FakeResponse(200, body)

    def _page(self, rows, params):
        page_num = int(params.get('PageNum', 1))
        page_size = int(params.get('PageSize', 20))
        total = len(rows)
        pages = (total + page_size - 1) // page_size
        chunk = rows[(page_num - 1) * page_size:page_num * page_size]
        return {
            'TotalItemNum': total, 'CurrentPageNum': page_num, 'TotalPageNum': pages, 'PageSize': page_size,
            'PrePage': page_num > 1, 'NextPage': page_num < pages,
            'Data': {'TaskDetail': chunk},
        }

    def _QueryTaskDetailList(self, params):
        now = self.clock()
        rows = [d for d in self.details if d.task_no == params['TaskNo']]
        if 'TaskStatus' in params:
            rows = [d for d in rows if d.status(now) == int(params['TaskStatus'])]
        return self._page([d.as_api(now, params.get('Lang', 'en')) for d in rows], params)

    def _PollTaskResult(self, params):
        now = self.clock()
        rows = [d for d in self.details if d.status(now) in (2, 3) and not d.acknowledged]
        for name, attribute in (('TaskNo', 'task_no'), ('DomainName', 'domain'), ('InstanceId', 'instance_id')):
            if name in params:
                rows = [d for d in rows if getattr(d, attribute) == params[name]]
        if 'TaskResultStatus' in params:
            rows = [d for d in rows if d.status(now) == int(params['TaskResultStatus'])]
        return self._page([d.as_api(now, params.get('Lang', 'en')) for d in rows], params)

    def _AcknowledgeTaskResult(self, params):
        numbers = set(value for key, value in params.items() if key.startswith('TaskDetailNo.'))
        confirmed = 0
        for detail in self.details:
            if detail.number in numbers and not detail.acknowledged and detail.status(self.clock()) in (2, 3):
                detail.acknowledged = True
                confirmed += 1
        return {'Result': confirmed}


class FakeSession(object):
    """The HTTP boundary: what DomainClient sends to ``requests.Session.post``."""

    def __init__(self, api, clock):
        self.api = api
        self.clock = clock

    def post(self, url, data=None, headers=None, **kwargs):
        self.clock.now += self.clock.request_seconds
        params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        action = (headers or {}).get('x-acs-action') or params.get('Action')
        for name in ('Action', 'Version', 'Format', 'AccessKeyId', 'SignatureMethod', 'SignatureVersion',
                     'SignatureNonce', 'Timestamp', 'Signature'):
            params.pop(name, None)
        return self.api.handle(action, params)

    def close(self):
        pass


def make_client(api, clock, **options):
    """A real DomainClient whose HTTP goes to ``api`` and whose time is ``clock``."""
    settings = {'access_key_id': 'testid', 'access_key_secret': 'testsecret', 'endpoint': 'http://127.0.0.1:9'}
    settings.update(options)
    return DomainClient(OptionAdapter.from_dict(settings), clock=clock, sleep=clock.sleep, rand=lambda: 0.5,
                        session=FakeSession(api, clock), environ={})


# Long enough never to expire on a loaded machine; an expired wait fails the test's assertions.
EVENT_TIMEOUT = 10


class ScriptedAckApi(FakeTaskApi):
    """Acknowledges like FakeTaskApi, but lets a test hold or refuse a batch (known by its first number).

    ``hold[number] = event``: the batch answers only once the event is set.
    ``refuse[number] = code``: the batch is answered with that (non-retryable) error.
    ``arrived[number]`` is set when the batch's request arrives; ``in_flight_at_arrival`` records how
    many AcknowledgeTaskResult requests were being handled when each one arrived (itself included).
    """

    def __init__(self, clock):
        super(ScriptedAckApi, self).__init__(clock)
        self.lock = threading.Lock()
        self.hold = {}
        self.refuse = {}
        self.arrived = {}
        self.in_flight = 0
        self.in_flight_at_arrival = []

    def handle(self, action, params):
        if action != 'AcknowledgeTaskResult':
            with self.lock:
                return super(ScriptedAckApi, self).handle(action, params)
        first = params['TaskDetailNo.1']
        with self.lock:
            self.in_flight += 1
            self.in_flight_at_arrival.append((first, self.in_flight))
            self.arrived.setdefault(first, threading.Event()).set()
        try:
            if first in self.hold:
                assert self.hold[first].wait(EVENT_TIMEOUT)
            with self.lock:
                if first in self.refuse:
                    self.fail_next(1, code=self.refuse.pop(first), status=403, message='User not authorized.')
                response = super(ScriptedAckApi, self).handle(action, params)
            return response
        finally:
            with self.lock:
                self.in_flight -= 1

    def arrival(self, number):
        with self.lock:
            return self.arrived.setdefault(number, threading.Event())


def seeded_api(clock, count, task_no='cccccccc-0000-4000-8000-000000000003'):
    """A ScriptedAckApi holding one task of ``count`` final details, and their numbers."""
    api = ScriptedAckApi(clock)
    api.add_task(task_no, ['d%02d.com' % index for index in range(count)], final_in=0)
    return api, [detail.number for detail in api.details]
