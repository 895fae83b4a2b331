# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The service's errors: code, HTTP status, English and Chinese message (``Lang=zh``)."""

RECOMMEND = 'https://error-center.aliyun.com/status/search?Keyword=%s&source=PopGw'

# code -> (HTTP status, English template, Chinese template); templates use str.format fields.
ERRORS = {
    'Missing': (
        400, '{name} is mandatory for this action.', '{name} 是该接口的必填参数。'),
    'InvalidParameter': (
        400, 'The specified parameter {name} is not valid: {value} ({allowed}).',
        '参数 {name} 的取值 {value} 无效（{allowed}）。'),
    'InvalidAction.NotFound': (
        404, 'Specified api is not found, please check your url and method.',
        '指定的接口不存在，请检查 URL 和请求方法。'),
    'InvalidVersion': (
        400, 'Specified parameter Version is not valid: {value} (allowed: 2018-01-29).',
        '参数 Version 的取值 {value} 无效（允许：2018-01-29）。'),
    'InvalidAccessKeyId.NotFound': (
        404, 'Specified access key is not found.', '指定的 AccessKey 不存在。'),
    'SignatureDoesNotMatch': (
        400, 'Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}',
        '指定的签名与服务端计算的签名不一致。server string to sign is:{string_to_sign}'),
    'IncompleteSignature': (
        400, 'The request signature does not conform to Aliyun standards. {detail}',
        '请求签名不符合阿里云规范。{detail}'),
    'InvalidSignatureMethod': (
        400, 'Specified signature method {value} is not supported (allowed: HMAC-SHA1).',
        '不支持签名方法 {value}（允许：HMAC-SHA1）。'),
    'SignatureNonceUsed': (
        400, 'Specified signature nonce was used already.', '指定的签名随机数已被使用。'),
    'InvalidTimeStamp.Expired': (
        400, 'Specified time stamp or date value is expired.', '指定的时间戳或日期已过期。'),
    'InvalidTimeStamp.Format': (
        400, 'Specified time stamp or date value is not well formatted.', '指定的时间戳或日期格式不正确。'),
    'MissingSecurityToken': (
        400, 'SecurityToken is mandatory for this action.', '该请求必须提供 SecurityToken。'),
    'InvalidSecurityToken.Expired': (
        400, 'Specified SecurityToken is expired.', '指定的 SecurityToken 已过期。'),
    'InvalidSecurityToken.MismatchWithAccessKey': (
        400, 'Specified SecurityToken mismatch with the AccessKey.', '指定的 SecurityToken 与 AccessKey 不匹配。'),
    'Throttling.User': (
        400, 'Request was denied due to user flow control.', '用户流控，请求被拒绝。'),
    'Throttling.Api': (
        400, 'Request was denied due to api flow control.', 'API流控，请求被拒绝。'),
    'ServiceUnavailable': (
        503, 'The request has failed due to a temporary failure of the server.', '服务暂时不可用，请稍后重试。'),
    'InternalError': (
        500, 'The request processing has failed due to some unknown error, exception or failure.',
        '请求处理因未知错误、异常或故障而失败。'),
    'DomainNotExist': (
        400, 'The domain name {value} does not exist in your account.', '您的账号下不存在域名 {value}。'),
    'TaskIsBeingProcessed': (
        400, 'The domain name {value} has a task being processed. Try again after it is complete.',
        '域名 {value} 有正在处理的任务，请在任务完成后重试。'),
    'Forbidden.RAM': (
        403, 'User not authorized to operate on the specified resource, or this API does not support RAM.',
        '用户未被授权操作指定资源，或该接口不支持RAM。'),
    # CancelTask of a task the account does not have (or another account's) and of a task already complete.
    # The Codes and messages are the emulator's own: the API reference lists none.
    'TaskNotExist': (
        400, 'The task {value} does not exist in your account.', '您的账号下不存在任务 {value}。'),
    'TaskAlreadyComplete': (
        400, 'The task {value} is already complete and cannot be cancelled.', '任务 {value} 已完成，无法取消。'),
    # A submission naming a domain that cannot change, refused as a whole (--blocked-submission refuse).
    # The Codes are the emulator's own: the API reference lists none for these cases.
    'DomainUpdateProhibitionLocked': (
        400, 'The domain name {value} has the update prohibition lock on.', '域名 {value} 已开启禁止更新锁。'),
    'DomainRedemptionRequired': (
        400, 'The domain name {value} must be redeemed first.', '域名 {value} 需要先赎回。'),
    'DomainRenewalRequired': (
        400, 'The domain name {value} must be renewed first.', '域名 {value} 需要先续费。'),
    'DomainExpired': (
        400, 'The domain name {value} has expired.', '域名 {value} 已过期。'),
    'DomainRegistrantUpdating': (
        400, 'The domain name {value} has a registrant change in progress.', '域名 {value} 正在进行过户。'),
    'DomainTransferOutPending': (
        400, 'The domain name {value} is being transferred out.', '域名 {value} 正在转出。'),
    'DomainRealNameNotVerified': (
        400, 'The real-name verification of the domain name {value} has not passed.', '域名 {value} 未通过实名认证。'),
    'DomainClientHold': (
        400, 'The domain name {value} is on hold until its registrant email is verified.', '域名 {value} 因邮箱未验证被暂停解析。'),
}

# Messages of task details (ErrorMsg / FailReason), keyed by the detail's outcome kind.
DETAIL_MESSAGES = {
    'success': ('The operation is successful.', '操作成功。'),
    'rejected': ('The registry rejected the DNS server change: the name servers are not registered.',
                 '注册局拒绝修改DNS：DNS服务器未注册。'),
    'unknown_domain': ('The domain name does not exist in your account.', '您的账号下不存在该域名。'),
    'failed': ('The registry did not respond in time; the DNS modification failed.',
               '注册局响应超时，修改DNS失败。'),
    # CancelTask found the detail waiting: it never ran (the message is the emulator's; the service documents none)
    'cancelled': ('The task was cancelled before the change of this domain started.', '任务已取消，该域名的修改未执行。'),
    # the domain cannot change (emulator/domain_states.py)
    'update_lock': ('The domain name has the update prohibition lock on.', '域名已开启禁止更新锁。'),
    'redemption': ('The domain name must be redeemed first.', '域名需要先赎回。'),
    'renewal': ('The domain name must be renewed first.', '域名需要先续费。'),
    'expired': ('The domain name has expired.', '域名已过期。'),
    'registrant_pending': ('The domain name has a registrant change in progress.', '域名正在进行过户。'),
    'transfer_out': ('The domain name is being transferred out.', '域名正在转出。'),
    'real_name': ('The real-name verification of the domain name has not passed.', '域名未通过实名认证。'),
    'client_hold': ('The domain name is on hold until its registrant email is verified.', '域名因邮箱未验证被暂停解析。'),
}

# CHG_DNS is what the collection submits; the others stand for the results of other tasks an account holds
# (seeded through the control plane only).
TASK_TYPE_DESCRIPTION = {
    'CHG_DNS': ('DNS Modification', '修改DNS'),
    'ORDER_RENEW': ('Renewal', '续费'),
    'CHG_HOLDER': ('Registrant Change', '过户'),
}


class ApiError(Exception):
    """An error answer of the service.  ``fields`` fill the message templates."""

    def __init__(self, code, http_status=None, headers=None, **fields):
        template_key = 'Missing' if code.startswith('Missing') and code not in ERRORS else code
        status, english, chinese = ERRORS[template_key]
        super(ApiError, self).__init__(code)
        self.code = code
        self.http_status = http_status or status
        self.headers = headers or {}
        self.english = english
        self.chinese = chinese
        self.fields = fields

    def message(self, lang='en'):
        template = self.chinese if lang == 'zh' else self.english
        return template.format(**self.fields)

    def body(self, request_id, host_id, lang='en'):
        return {
            'RequestId': request_id,
            'HostId': host_id,
            'Code': self.code,
            'Message': self.message(lang),
            'Recommend': RECOMMEND % self.code,
        }


def missing(name):
    return ApiError('Missing' + name, name=name)


def invalid(name, value, allowed):
    return ApiError('InvalidParameter', name=name, value=value, allowed=allowed)


def language(params):
    return 'zh' if str(params.get('Lang', '')).lower().startswith('zh') else 'en'
