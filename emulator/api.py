# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Domain API actions: parameter checks as the service does them, answers shaped like its documentation."""

import functools
import json
import math
import re
import time

from .render import Encoded, EncodedText, ItemList, json_text
from .errors import DETAIL_MESSAGES, TASK_TYPE_DESCRIPTION, ApiError, invalid, missing
from .domain_states import block_of, fields_of, is_denied
from .store import (ALIYUN_NAMESERVERS, CANCEL_STATUS, CANCELLED, ALREADY_CANCELLED, DETAIL_STATUS, TASK_ALREADY_COMPLETE,
                    TASK_STATUS, cancel_state, detail_state, task_state)

MAX_PAGE_SIZE = 1000
MAX_NAMESERVERS = 13
HOSTNAME = re.compile(r'^(?=.{1,253}$)([a-z0-9\u0080-\uffff]([a-z0-9\u0080-\uffff-]{0,61}[a-z0-9\u0080-\uffff])?\.)+'
                      r'[a-z\u0080-\uffff][a-z0-9\u0080-\uffff-]{0,62}$')
MAX_CACHED_ITEMS = 200000
_FINAL_ITEMS = {}
BEIJING_OFFSET = 8 * 3600  # the console and the API show local time of the service (UTC+8)
REGISTRAR = 'HiChina'
RESOURCE_GROUP_ID = 'rg-emulator'


class Request:
    """What an action needs besides its parameters."""

    __slots__ = ('params', 'now', 'lang', 'client_ip', 'behaviour')

    def __init__(self, params, now, lang, client_ip, behaviour):
        self.params = params
        self.now = now
        self.lang = lang
        self.client_ip = client_ip
        self.behaviour = behaviour


def service_time(epoch):
    return _service_second(int(epoch))


@functools.lru_cache(maxsize=4096)
def _service_second(second):
    return time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(second + BEIJING_OFFSET))


def task_list_time(epoch):
    """QueryTaskList's documented CreateTime style, e.g. ``Dec 26,2017 11:00:54``."""
    return time.strftime('%b %d,%Y %H:%M:%S', time.gmtime(epoch + BEIJING_OFFSET))


# -- parameters -------------------------------------------------------------------------------------


def integer(params, name, required=False, minimum=None, maximum=None):
    raw = text(params, name, required)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if maximum is not None:
            allowed = 'an integer from %d to %d' % (minimum, maximum)
        else:
            allowed = 'an integer of at least %d' % minimum if minimum is not None else 'an integer'
        raise invalid(name, raw, allowed)
    return value


def paging(params, name_size='PageSize'):
    page_num = integer(params, 'PageNum', required=True, minimum=1)
    page_size = integer(params, name_size, required=True, minimum=1, maximum=MAX_PAGE_SIZE)
    return page_num, page_size


def choice(params, name, allowed):
    value = integer(params, name)
    if value is not None and value not in allowed:
        raise invalid(name, params[name], 'one of %s' % ', '.join(str(a) for a in allowed))
    return value


def text(params, name, required=False):
    value = params.get(name)
    if value in (None, ''):
        if required:
            raise missing(name)
        return None
    return value


def repeat_list(params, name, required=False):
    """``Name.1``, ``Name.2``, … in numeric order (the RPC repeat-list encoding)."""
    prefix = name + '.'
    numbered = []
    for key, value in params.items():
        if key.startswith(prefix) and key[len(prefix):].isdigit() and value != '':
            numbered.append((int(key[len(prefix):]), value))
    if not numbered and required:
        raise missing(name)
    return [value for _index, value in sorted(numbered)]


def boolean(params, name, required=False):
    raw = text(params, name, required)
    if raw is None:
        return None
    lowered = raw.lower()
    if lowered not in ('true', 'false'):
        raise invalid(name, raw, 'true or false')
    return lowered == 'true'


def hostnames(name, values):
    normalised = []
    for value in values:
        host = value.strip().lower().rstrip('.')
        if not HOSTNAME.match(host):
            raise invalid(name, value, 'a host name such as ns1.example.com')
        normalised.append(host)
    return normalised


def envelope(total, page_num, page_size, key, items):
    pages = int(math.ceil(total / float(page_size))) if total else 0
    return {
        'TotalItemNum': total,
        'CurrentPageNum': page_num,
        'TotalPageNum': pages,
        'PageSize': page_size,
        'PrePage': page_num > 1,
        'NextPage': page_num < pages,
        'Data': {key: items},
    }


# -- views ------------------------------------------------------------------------------------------


def type_description(task_type, lang):
    english, chinese = TASK_TYPE_DESCRIPTION.get(task_type, (task_type, task_type))
    return chinese if lang == 'zh' else english


def detail_item(row, now, lang, fail_reason=False):
    """The API view of a detail row.  Final details never change again, so their views are cached by TaskDetailNo."""
    if now < row['final_at']:
        return _detail_item(row, now, lang, fail_reason)
    key = (row['detail_no'], lang, fail_reason)
    item = _FINAL_ITEMS.get(key)
    if item is None:
        if len(_FINAL_ITEMS) >= MAX_CACHED_ITEMS:
            _FINAL_ITEMS.clear()
        item = _FINAL_ITEMS[key] = Encoded(_detail_item(row, now, lang, fail_reason))
    return item


def final_view(row, lang):
    """The JSON text of a detail's PollTaskResult item once it is final (see Store: rendered at submission)."""
    return json_text(_detail_item(row, row['final_at'], lang, False))


def _detail_item(row, now, lang, fail_reason):
    status, tries, updated = detail_state(row, now)
    final = status in (2, 3)
    message = DETAIL_MESSAGES[row['message']][1 if lang == 'zh' else 0] if final else ''
    item = {
        'TaskNo': row['task_no'],
        'TaskDetailNo': row['detail_no'],
        'TaskType': row['task_type'],
        'TaskTypeDescription': type_description(row['task_type'], lang),
        'DomainName': row['domain'],
        'InstanceId': row['instance_id'],
        'TaskStatus': DETAIL_STATUS[status],
        'TaskStatusCode': status,
        'TaskResult': '',
        'ErrorMsg': message,
        'TryCount': tries,
        'CreateTime': service_time(row['created']),
        'UpdateTime': service_time(updated),
    }
    if fail_reason:
        item['FailReason'] = message if status == 3 else ''
    return item


# QueryTaskList's TaskTypeCode (an int in the SDK model; the values are not documented)
TASK_TYPE_CODES = {'CHG_DNS': 5}
DAY_MS = 86400 * 1000
BEIJING_OFFSET_MS = BEIJING_OFFSET * 1000


def whole_days(begin_ms, end_ms):
    """``BeginCreateTime``/``EndCreateTime`` as the service reads them, "only by day": from the start of the
    begin's day to the end of the end's day, days in service-local time (UTC+8)."""
    if begin_ms is not None:
        begin_ms = (begin_ms + BEIJING_OFFSET_MS) // DAY_MS * DAY_MS - BEIJING_OFFSET_MS
    if end_ms is not None:
        end_ms = ((end_ms + BEIJING_OFFSET_MS) // DAY_MS + 1) * DAY_MS - BEIJING_OFFSET_MS - 1
    return begin_ms, end_ms


def task_item(row, now, lang, history=False):
    status = task_state(row, now)
    created = row['created_ms'] / 1000.0
    item = {
        'TaskNo': row['task_no'],
        'TaskNum': row['detail_count'],
        'TaskType': row['task_type'],
        'TaskTypeDescription': type_description(row['task_type'], lang),
        'TaskStatus': TASK_STATUS[status],
        'TaskStatusCode': status,
        'Clientip': row['client_ip'],
    }
    if history:
        item['CreateTime'] = service_time(created)
        item['CreateTimeLong'] = row['created_ms']
    else:
        cancel = cancel_state(row, now)
        item.update({
            'TaskCancelStatus': CANCEL_STATUS[cancel],
            'TaskCancelStatusCode': cancel,
            'TaskResult': '',
            'CreateTime': task_list_time(created),
            # in the list model, undocumented values: the emulator's choice
            'TaskBizType': row['task_type'],
            'TaskTypeCode': TASK_TYPE_CODES.get(row['task_type'], 0),
        })
    return item


# The fields of a domain's state that QueryDomainList items carry too (the others only by name).
LIST_STATE_FIELDS = ('DomainStatus', 'ExpirationDateStatus')


def domain_item(row, now, list_style, with_dns=True, states=()):
    """A QueryDomainList item (``list_style``) or a QueryDomainByDomainName answer; ``with_dns=False`` leaves
    DnsList out of a list item, as older API versions answered; ``states`` the per-domain registrar states."""
    name, registered, expires = row['name'], row['registered'], row['expires']
    nameservers = json.loads(row['dns'])
    item = {
        'DomainName': name,
        'InstanceId': row['instance_id'],
        'DomainStatus': '3',
        'DomainType': 'gTLD',
        'ExpirationDate': service_time(expires),
        'ExpirationDateLong': int(expires * 1000),
        'ExpirationDateStatus': '1' if expires > now else '2',
        'ExpirationCurrDateDiff': int((expires - now) // 86400),
        'RegistrationDate': service_time(registered),
        'RegistrationDateLong': int(registered * 1000),
        'DomainGroupName': '',
        'Premium': False,
        'Registrar': REGISTRAR,
        'RegistrantType': '1',
        'Remark': '',
        'ResourceGroupId': RESOURCE_GROUP_ID,
        'Tag': {'Tag': []},
    }
    if list_style:
        # The list model types DomainGroupId as a string (empty: no group)
        item.update({'DomainGroupId': '', 'DomainAuditStatus': 'SUCCEED', 'ProductId': '2', 'AutoRenewEnabled': False,
                     'ChgholderStatus': '', 'Ccompany': ''})
        if with_dns:
            item['DnsList'] = {'DnsList': nameservers}
    else:
        # The by-name model types DomainGroupId as an integer; 0 is the emulator's "no group"
        item.update({'DomainGroupId': 0, 'DnsList': {'Dns': nameservers}, 'RealNameStatus': 'SUCCEED',
                     'DomainNameVerificationStatus': 'SUCCEED', 'RegistrantName': 'Emulator Test',
                     'RegistrantOrganization': '', 'ZhRegistrantName': '', 'ZhRegistrantOrganization': '',
                     'RegistrantUpdatingStatus': 'NORMAL',
                     'TransferOutStatus': 'NORMAL', 'TransferProhibitionLock': 'CLOSE', 'UpdateProhibitionLock': 'CLOSE',
                     'DomainNameProxyService': False, 'PrivacyServiceStatus': 'CLOSE', 'CnnicPrivacyServiceStatus': 'CLOSE',
                     'Email': 'hostmaster@' + name, 'EmailVerificationStatus': 1,
                     'EmailVerificationClientHold': False, 'UserId': '1234567890123456'})
    overrides = fields_of(states, name)
    if overrides:
        item.update((field, value) for field, value in overrides.items() if not list_style or field in LIST_STATE_FIELDS)
    return item


# -- actions ----------------------------------------------------------------------------------------


def save_batch_task_for_modifying_domain_dns(store, request):
    params = request.params
    domains = hostnames('DomainName', repeat_list(params, 'DomainName', required=True))
    aliyun_dns = boolean(params, 'AliyunDns', required=True)
    if aliyun_dns:
        nameservers = list(ALIYUN_NAMESERVERS)
    else:
        nameservers = hostnames('DomainNameServer', repeat_list(params, 'DomainNameServer', required=True))
        if len(nameservers) > MAX_NAMESERVERS:
            raise invalid('DomainNameServer', '%d names' % len(nameservers), 'at most %d name servers' % MAX_NAMESERVERS)
    states = request.behaviour.domain_states
    denied = [domain for domain in domains if is_denied(states, domain)]
    if denied:
        raise ApiError('Forbidden.RAM')
    if request.behaviour.blocked_submission == 'refuse':
        for domain in domains:
            blocked = block_of(states, domain)
            if blocked:
                raise ApiError(blocked[1], value=domain)
    if request.behaviour.refuse_in_progress:
        busy = store.in_progress(domains, request.now)
        if busy:
            raise ApiError('TaskIsBeingProcessed', value=busy[0])
    task_no = store.submit(domains, nameservers, request.behaviour, request.client_ip, request.now)
    return {'TaskNo': task_no}


def poll_task_result(store, request):
    params = request.params
    page_num, page_size = paging(params)
    outcome = choice(params, 'TaskResultStatus', (2, 3))
    total, rows = store.poll(request.now, page_num, page_size, outcome=outcome, task_no=text(params, 'TaskNo'),
                             domain=(text(params, 'DomainName') or '').lower() or None,
                             instance_id=text(params, 'InstanceId'), lang=request.lang)
    # Each item was rendered when its detail was submitted (the server's store has a final_view).
    items = [EncodedText(row['item']) for row in rows]
    return envelope(total, page_num, page_size, 'TaskDetail', items)


def acknowledge_task_result(store, request):
    detail_nos = repeat_list(request.params, 'TaskDetailNo', required=True)
    return {'Result': store.acknowledge(detail_nos, request.now)}


def query_task_list(store, request):
    params = request.params
    page_num, page_size = paging(params)
    begin, end = whole_days(integer(params, 'BeginCreateTime', minimum=0), integer(params, 'EndCreateTime', minimum=0))
    total, rows = store.tasks_page(page_num, page_size, begin, end)
    return envelope(total, page_num, page_size, 'TaskInfo', [task_item(row, request.now, request.lang) for row in rows])


def query_task_detail_list(store, request):
    params = request.params
    task_no = text(params, 'TaskNo', required=True)
    page_num, page_size = paging(params)
    status = choice(params, 'TaskStatus', (0, 1, 2, 3))
    domain = (text(params, 'DomainName') or '').lower() or None
    instance_id = text(params, 'InstanceId')
    items = []
    for row in store.task_details(task_no):
        if (domain and row['domain'] != domain) or (instance_id and row['instance_id'] != instance_id):
            continue
        item = detail_item(row, request.now, request.lang, fail_reason=True)
        if status is None or item['TaskStatusCode'] == status:
            items.append(item)
    start = (page_num - 1) * page_size
    return envelope(len(items), page_num, page_size, 'TaskDetail', items[start:start + page_size])


def query_task_info_history(store, request):
    params = request.params
    page_size = integer(params, 'PageSize', required=True, minimum=1, maximum=MAX_PAGE_SIZE)
    begin, end = whole_days(integer(params, 'BeginCreateTime', minimum=0), integer(params, 'EndCreateTime', minimum=0))
    previous, rows, following = store.task_history(
        page_size, begin, end,
        integer(params, 'CreateTimeCursor', minimum=0), text(params, 'TaskNoCursor'))
    answer = {'PageSize': page_size,
              'Objects': ItemList([task_item(row, request.now, request.lang, history=True) for row in rows], 'TaskInfoHistory')}
    for key, row in (('CurrentPageCursor', rows[0] if rows else None), ('NextPageCursor', following),
                     ('PrePageCursor', previous)):
        if row is not None:
            answer[key] = task_item(row, request.now, request.lang, history=True)
    return answer


def lagging(store, row, request):
    """``row`` as a read sees it while reads lag behind writes (``read_lag``): the nameservers of ``read_lag`` ago."""
    lag = request.behaviour.read_lag
    if not lag or row is None:
        return row
    lagged = dict((key, row[key]) for key in row.keys())
    lagged['dns'] = json.dumps(store.delegation(row['name'], request.now - lag))
    return lagged


HISTORY_DETAIL_FIELDS = ('TaskNo', 'TaskDetailNo', 'TaskType', 'TaskTypeDescription', 'DomainName', 'InstanceId',
                         'TaskStatus', 'TaskStatusCode', 'ErrorMsg', 'TryCount', 'CreateTime', 'UpdateTime')


def query_task_detail_history(store, request):
    """A task's details page by page with cursors (the SDK's QueryTaskDetailHistory), by domain name then detail
    number; a cursor (DomainNameCursor + TaskDetailNoCursor) names the first item of its page."""
    params = request.params
    task_no = text(params, 'TaskNo', required=True)
    page_size = integer(params, 'PageSize', required=True, minimum=1, maximum=MAX_PAGE_SIZE)
    status = choice(params, 'TaskStatus', (0, 1, 2, 3))
    domain = (text(params, 'DomainName') or '').lower() or None
    items = []
    for row in store.task_details(task_no):
        if domain and row['domain'] != domain:
            continue
        full = _detail_item(row, request.now, request.lang, False)
        item = dict((key, full[key]) for key in HISTORY_DETAIL_FIELDS)
        if status is None or item['TaskStatusCode'] == status:
            items.append(item)
    items.sort(key=lambda item: (item['DomainName'], item['TaskDetailNo']))
    cursor = (text(params, 'DomainNameCursor'), text(params, 'TaskDetailNoCursor'))
    start = 0
    if cursor[0] is not None or cursor[1] is not None:
        keys = [(item['DomainName'], item['TaskDetailNo']) for item in items]
        start = next((index for index, key in enumerate(keys) if key >= (cursor[0] or '', cursor[1] or '')), len(items))
    page = items[start:start + page_size]
    answer = {'PageSize': page_size, 'Objects': ItemList(page, 'TaskDetailHistory')}
    for key, index in (('CurrentPageCursor', start if page else None),
                       ('NextPageCursor', start + page_size if start + page_size < len(items) else None),
                       ('PrePageCursor', max(0, start - page_size) if start > 0 else None)):
        if index is not None:
            answer[key] = items[index]
    return answer


def cancel_task(store, request):
    """CancelTask: the task's details not yet started are cancelled, those executing finish as scheduled
    (Store.cancel); cancelling a task again changes nothing. Unknown (or another account's) and complete tasks
    are refused with the emulator's Codes."""
    task_no = text(request.params, 'TaskNo', required=True).strip()
    found = store.cancel(task_no, request.now, request.behaviour.cancel_seconds)
    if found == TASK_ALREADY_COMPLETE:
        raise ApiError('TaskAlreadyComplete', value=task_no)
    if found not in (CANCELLED, ALREADY_CANCELLED):
        raise ApiError('TaskNotExist', value=task_no)
    return {}


def query_domain_by_domain_name(store, request):
    name = text(request.params, 'DomainName', required=True).strip().lower().rstrip('.')
    row = lagging(store, store.domain(name, request.now), request)
    if row is None:
        raise ApiError('DomainNotExist', value=name)
    states = request.behaviour.domain_states
    if is_denied(states, name):
        raise ApiError('Forbidden.RAM')
    return domain_item(row, request.now, list_style=False, states=states)


# QueryDomainList filters on fields of the rendered item (the SDK request name -> the item's field).
LIST_ITEM_FILTERS = (
    ('DomainGroupId', 'DomainGroupId'), ('ProductDomainType', 'DomainType'), ('Registrar', 'Registrar'),
    ('ResourceGroupId', 'ResourceGroupId'), ('Ccompany', 'Ccompany'),
)
QUERY_TYPE_STATUS = {'1': '1', '2': '2'}  # QueryType 1: renewal required, 2: redemption required (DomainStatus)
PRODUCT_DOMAIN_TYPES = ('New gTLD', 'gTLD', 'ccTLD')


def milliseconds_range(params, start_name, end_name):
    """(start, end) epoch seconds of a ``Start*``/``End*`` pair of millisecond timestamps (either may be None)."""
    start = integer(params, start_name, minimum=0)
    end = integer(params, end_name, minimum=0)
    if start is not None and end is not None and end < start:
        raise invalid(end_name, params[end_name], 'a time not before %s' % start_name)
    return (None if start is None else start / 1000.0, None if end is None else end / 1000.0)


def domain_list_filter(params):
    """A predicate on list items for the filters the store does not apply, or None when there are none."""
    checks = []
    for request_name, field in LIST_ITEM_FILTERS:
        wanted = text(params, request_name)
        if wanted is not None:
            checks.append(lambda item, field=field, wanted=wanted: str(item.get(field)) == wanted)
    if text(params, 'ProductDomainType') not in (None,) + PRODUCT_DOMAIN_TYPES:
        raise invalid('ProductDomainType', params['ProductDomainType'], ', '.join(PRODUCT_DOMAIN_TYPES))
    query_type = text(params, 'QueryType')
    if query_type is not None:
        if query_type not in QUERY_TYPE_STATUS:
            raise invalid('QueryType', query_type, '1 (renewal required) or 2 (redemption required)')
        checks.append(lambda item: item.get('DomainStatus') == QUERY_TYPE_STATUS[query_type])
    auto_renew = boolean(params, 'AutoRenewEnabled')
    if auto_renew is not None:
        checks.append(lambda item: bool(item.get('AutoRenewEnabled')) == auto_renew)
    tags = [(params.get('Tag.%d.Key' % index), params.get('Tag.%d.Value' % index))
            for index in sorted({int(key.split('.')[1]) for key in params if re.match(r'^Tag\.\d+\.(Key|Value)$', key)})]
    for key, value in tags:
        checks.append(lambda item, key=key, value=value: any(
            tag.get('Key') == key and (value in (None, '') or tag.get('Value') == value)
            for tag in (item.get('Tag') or {}).get('Tag') or []))
    if not checks:
        return None
    return lambda item: all(check(item) for check in checks)


def query_domain_list(store, request):
    params = request.params
    page_num, page_size = paging(params)
    order_key = text(params, 'OrderKeyType')
    if order_key not in (None, 'RegistrationDate', 'ExpirationDate'):
        raise invalid('OrderKeyType', order_key, 'RegistrationDate or ExpirationDate')
    # OrderByType defaults to DESC, with or without OrderKeyType (the SDK model's documentation)
    order_by = (text(params, 'OrderByType') or 'DESC').upper()
    if order_by not in ('ASC', 'DESC'):
        raise invalid('OrderByType', params.get('OrderByType'), 'ASC or DESC')
    query = {
        'search': (text(params, 'DomainName') or '').strip().lower().rstrip('.') or None,
        'nameserver': (text(params, 'Dns') or '').strip().lower().rstrip('.') or None,
        'registered': milliseconds_range(params, 'StartRegistrationDate', 'EndRegistrationDate'),
        'expires': milliseconds_range(params, 'StartExpirationDate', 'EndExpirationDate'),
    }
    with_dns = request.behaviour.list_dns
    states = request.behaviour.domain_states
    keep = domain_list_filter(params)
    if keep is None:
        total, rows = store.domains_page(request.now, page_num, page_size, order_key=order_key,
                                         descending=order_by == 'DESC', **query)
        rows = [lagging(store, row, request) for row in rows]
        items = [domain_item(row, request.now, list_style=True, with_dns=with_dns, states=states) for row in rows]
    else:
        _total, rows = store.domains_page(request.now, 1, None, order_key=order_key, descending=order_by == 'DESC', **query)
        rows = [lagging(store, row, request) for row in rows]
        matching = [item for item in (domain_item(row, request.now, list_style=True, states=states) for row in rows) if keep(item)]
        total = len(matching)
        items = matching[(page_num - 1) * page_size:page_num * page_size]
        if not with_dns:
            for item in items:
                item.pop('DnsList', None)
    return envelope(total, page_num, page_size, 'Domain', items)


ACTIONS = {
    'SaveBatchTaskForModifyingDomainDns': save_batch_task_for_modifying_domain_dns,
    'PollTaskResult': poll_task_result,
    'AcknowledgeTaskResult': acknowledge_task_result,
    'QueryTaskList': query_task_list,
    'QueryTaskDetailList': query_task_detail_list,
    'QueryTaskInfoHistory': query_task_info_history,
    'QueryTaskDetailHistory': query_task_detail_history,
    'QueryDomainByDomainName': query_domain_by_domain_name,
    'QueryDomainList': query_domain_list,
    'CancelTask': cancel_task,
}
