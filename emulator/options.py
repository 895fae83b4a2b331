# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line and run-time settings of the emulator, validated in one place."""

import argparse
import collections
import dataclasses
import fnmatch
import math
import re

DEFAULT_HOST = '127.0.0.1'
DEFAULT_PORT = 8765
DEFAULT_ACCESS_KEY = 'testid:testsecret'
DEFAULT_DOMAINS = 100
DEFAULT_TASK_SECONDS = '2'
# QueryTaskDetailList's TryCount: the service documents five tries by default
DEFAULT_MAX_TRIES = 5
DEFAULT_RETRY_AFTER_MS = 100
# How long a CancelTask stays CANCELLING before COMPLETE (the service documents no time)
DEFAULT_CANCEL_SECONDS = 1.0

AccessKey = collections.namedtuple('AccessKey', 'key_id secret token')


class SettingError(ValueError):
    """A setting has a value the emulator cannot use; the message names option, value and what is allowed."""


def parse_access_key(text):
    parts = str(text).split(':')
    if len(parts) not in (2, 3) or not all(parts):
        raise SettingError('access key %r: expected ID:SECRET or ID:SECRET:STS_TOKEN' % (parts[0] + ':…',))
    return AccessKey(parts[0], parts[1], parts[2] if len(parts) == 3 else None)


@dataclasses.dataclass(frozen=True)
class TaskTime:
    """How long one try of a detail takes: ``uniform`` in [low, high] or ``lognormal`` (median, sigma)."""

    distribution: str = 'uniform'
    low: float = 2.0
    high: float = 2.0
    median: float = 0.0
    sigma: float = 0.0

    def draw(self, rng):
        if self.distribution == 'lognormal':
            return self.median * math.exp(self.sigma * rng.gauss(0.0, 1.0))
        return rng.uniform(self.low, self.high) if self.high > self.low else self.low

    def to_json(self):
        if self.distribution == 'lognormal':
            return 'lognormal:%g,%g' % (self.median, self.sigma)
        return self.low if self.low == self.high else '%g-%g' % (self.low, self.high)


TASK_SECONDS_FORMS = 'S, MIN-MAX, uniform:MIN-MAX or lognormal:MEDIAN,SIGMA (seconds >= 0)'


def parse_task_seconds(value):
    """``2``, ``"1-3"``, ``[1, 3]``, ``"uniform:1-3"`` or ``"lognormal:600,0.6"`` -> TaskTime."""
    if isinstance(value, TaskTime):
        return value
    error = SettingError('task_seconds %r: expected %s' % (value, TASK_SECONDS_FORMS))
    if isinstance(value, str) and value.strip().lower().startswith('lognormal:'):
        parts = value.strip()[len('lognormal:'):].split(',')
        try:
            median, sigma = (float(part) for part in parts)
        except ValueError:
            raise error
        if not (median > 0 and sigma >= 0) or math.isinf(median) or math.isinf(sigma):
            raise SettingError('task_seconds %r: lognormal needs MEDIAN > 0 and SIGMA >= 0' % (value,))
        return TaskTime('lognormal', median=median, sigma=sigma)
    if isinstance(value, str) and value.strip().lower().startswith('uniform:'):
        value = value.strip()[len('uniform:'):]
    if isinstance(value, (list, tuple)) and len(value) == 2:
        low, high = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        low = high = value
    elif isinstance(value, str):
        low_text, sep, high_text = value.strip().partition('-')
        try:
            low = float(low_text)
            high = float(high_text) if sep else low
        except ValueError:
            raise error
    else:
        raise error
    try:
        if isinstance(low, bool) or isinstance(high, bool):
            raise TypeError
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        raise error
    if low < 0 or high < low:
        raise SettingError('task_seconds %r: expected S or MIN-MAX with 0 <= MIN <= MAX' % (value,))
    return TaskTime('uniform', low, high)


SlowDomain = collections.namedtuple('SlowDomain', 'pattern seconds')


def parse_slow_domains(value):
    """``"straggler*.com=45,slow-*=30"``, a list of such items or ``{pattern: seconds}`` -> tuple of SlowDomain.

    Patterns are shell globs matched against the whole domain name, case-insensitively; the first match wins.
    """
    if value in (None, '', [], {}):
        return ()
    if isinstance(value, dict):
        items = list(value.items())
    else:
        texts = value.split(',') if isinstance(value, str) else value
        if not isinstance(texts, (list, tuple)):
            raise SettingError('slow_domains %r: expected PATTERN=SECONDS[,PATTERN=SECONDS...]' % (value,))
        items = []
        for text in texts:
            pattern, sep, seconds = str(text).strip().rpartition('=')
            if not sep:
                raise SettingError('slow_domains %r: expected PATTERN=SECONDS[,PATTERN=SECONDS...]' % (text,))
            items.append((pattern, seconds))
    slow = []
    for pattern, seconds in items:
        pattern = str(pattern).strip().lower()
        try:
            number = float(seconds)
        except (TypeError, ValueError):
            number = -1.0
        if not pattern or isinstance(seconds, bool) or not 0 <= number < float('inf'):
            raise SettingError('slow_domains %r=%r: expected a glob pattern and seconds >= 0' % (pattern, seconds))
        slow.append(SlowDomain(pattern, number))
    return tuple(slow)


def slow_domain_seconds(slow_domains, domain):
    """Seconds per try of ``domain`` if a slow-domain pattern matches it, else None."""
    name = domain.lower()
    for slow in slow_domains:
        if fnmatch.fnmatchcase(name, slow.pattern):
            return slow.seconds
    return None


def parse_rate(name, value):
    try:
        rate = float(value)
    except (TypeError, ValueError):
        rate = -1.0
    if isinstance(value, bool) or not 0.0 <= rate <= 1.0:
        raise SettingError('%s %r: expected a probability between 0 and 1' % (name, value))
    return rate


def parse_non_negative(name, value, kind=float):
    try:
        number = kind(value)
    except (TypeError, ValueError):
        number = -1
    if isinstance(value, bool) or number < 0 or (kind is int and float(value) != number):
        raise SettingError('%s %r: expected a %s >= 0' % (name, value, 'whole number' if kind is int else 'number'))
    return number


def parse_action_rates(name, value):
    """``"Action=RPS,Action=RPS"`` or ``{"Action": RPS}`` -> {action: requests per second}; 0 lifts an action's limit."""
    if value in (None, ''):
        return {}
    if isinstance(value, str):
        pairs = []
        for part in value.split(','):
            action, sep, rate = part.strip().partition('=')
            if not sep or not action.strip():
                raise SettingError('%s %r: expected Action=RPS[,Action=RPS...]' % (name, value))
            pairs.append((action.strip(), rate))
    elif isinstance(value, dict):
        pairs = list(value.items())
    else:
        raise SettingError('%s %r: expected Action=RPS[,Action=RPS...] or an object of action names to numbers' % (name, value))
    rates = {}
    for action, rate in pairs:
        number = parse_non_negative('%s %s' % (name, action), rate)
        if number:
            rates[str(action)] = number
    return rates


def parse_bool(name, value):
    if not isinstance(value, bool):
        raise SettingError('%s %r: expected true or false' % (name, value))
    return value


def parse_regex(name, value):
    if value in (None, ''):
        return None
    try:
        return re.compile(str(value), re.IGNORECASE)
    except re.error as exc:
        raise SettingError('%s %r: not a regular expression (%s)' % (name, value, exc))


BLOCKED_SUBMISSION_MODES = ('detail', 'refuse')


def parse_blocked_submission(value):
    if value not in BLOCKED_SUBMISSION_MODES:
        raise SettingError('blocked_submission %r: expected one of %s' % (value, ', '.join(BLOCKED_SUBMISSION_MODES)))
    return value


def _parse_domain_states(value):
    # imported here: emulator/domain_states.py imports this module
    from .domain_states import parse_domain_states  # pylint: disable=import-outside-toplevel
    return parse_domain_states(value)


def _domain_states_json(states):
    from .domain_states import states_to_json  # pylint: disable=import-outside-toplevel
    return states_to_json(states)


@dataclasses.dataclass(frozen=True)
class Behaviour:
    """What may change while the emulator runs (``POST /_emulator/config``)."""

    task_seconds: TaskTime = TaskTime()
    slow_domains: tuple = ()
    max_tries: int = DEFAULT_MAX_TRIES
    fail_domains: object = None
    failure_rate: float = 0.0
    throttle_rate: float = 0.0
    error_rate: float = 0.0
    latency_ms: float = 0.0
    reset_rate: float = 0.0
    retry_after_ms: int = DEFAULT_RETRY_AFTER_MS
    # Requests per second the account may send (0: no limit), over all actions and per action.
    rate_limit: float = 0.0
    action_rate_limits: dict = dataclasses.field(default_factory=dict)
    # False: QueryDomainList items carry no DnsList, as older API versions answered.
    list_dns: bool = True
    # Registrar states per domain glob (emulator/domain_states.py), and how a submission naming a domain
    # that cannot change is answered: its detail fails ("detail") or the whole batch is refused ("refuse").
    domain_states: tuple = ()
    blocked_submission: str = 'detail'
    # Refuse a submission naming a domain whose CHG_DNS change is still in progress (TaskIsBeingProcessed), as the
    # service does; off only for tests that need overlapping submissions.
    refuse_in_progress: bool = True
    # Seconds after a successful change during which QueryDomainByDomainName/QueryDomainList still show the old nameservers.
    read_lag: float = 0.0
    # Seconds a CancelTask stays CANCELLING before COMPLETE (its waiting details end then).
    cancel_seconds: float = DEFAULT_CANCEL_SECONDS

    def updated(self, changes):
        """A copy with ``changes`` (option names with underscores) applied; SettingError for bad ones."""
        if not isinstance(changes, dict):
            raise SettingError('config: expected a JSON object, got %s' % type(changes).__name__)
        parsers = {
            'task_seconds': parse_task_seconds,
            'slow_domains': parse_slow_domains,
            'max_tries': lambda v: max(1, parse_non_negative('max_tries', v, int)),
            'fail_domains': lambda v: parse_regex('fail_domains', v),
            'failure_rate': lambda v: parse_rate('failure_rate', v),
            'throttle_rate': lambda v: parse_rate('throttle_rate', v),
            'error_rate': lambda v: parse_rate('error_rate', v),
            'reset_rate': lambda v: parse_rate('reset_rate', v),
            'latency_ms': lambda v: parse_non_negative('latency_ms', v),
            'retry_after_ms': lambda v: parse_non_negative('retry_after_ms', v, int),
            'rate_limit': lambda v: parse_non_negative('rate_limit', v),
            'action_rate_limits': lambda v: parse_action_rates('action_rate_limits', v),
            'list_dns': lambda v: parse_bool('list_dns', v),
            'domain_states': _parse_domain_states,
            'blocked_submission': parse_blocked_submission,
            'refuse_in_progress': lambda v: parse_bool('refuse_in_progress', v),
            'read_lag': lambda v: parse_non_negative('read_lag', v),
            'cancel_seconds': lambda v: parse_non_negative('cancel_seconds', v),
        }
        unknown = sorted(set(changes) - set(parsers))
        if unknown:
            raise SettingError('config: unknown option(s) %s; allowed: %s' % (', '.join(unknown), ', '.join(sorted(parsers))))
        return dataclasses.replace(self, **dict((key, parsers[key](value)) for key, value in changes.items()))

    def to_json(self):
        return {
            'task_seconds': self.task_seconds.to_json(),
            'slow_domains': ['%s=%g' % slow for slow in self.slow_domains],
            'max_tries': self.max_tries,
            'fail_domains': self.fail_domains.pattern if self.fail_domains else None,
            'failure_rate': self.failure_rate,
            'throttle_rate': self.throttle_rate,
            'error_rate': self.error_rate,
            'latency_ms': self.latency_ms,
            'reset_rate': self.reset_rate,
            'retry_after_ms': self.retry_after_ms,
            'rate_limit': self.rate_limit,
            'action_rate_limits': dict(self.action_rate_limits),
            'list_dns': self.list_dns,
            'domain_states': _domain_states_json(self.domain_states),
            'blocked_submission': self.blocked_submission,
            'refuse_in_progress': self.refuse_in_progress,
            'read_lag': self.read_lag,
            'cancel_seconds': self.cancel_seconds,
        }


def build_parser():
    parser = argparse.ArgumentParser(
        prog='python -m emulator',
        description='Local emulator of the Alibaba Cloud Domain API (2018-01-29) for tests, demos and benchmarks.')
    parser.add_argument('--host', default=DEFAULT_HOST, help='address to listen on (default %(default)s)')
    parser.add_argument('--port', type=int, default=DEFAULT_PORT, help='port; 0 picks a free one (default %(default)s)')
    parser.add_argument('--state', metavar='PATH', help='SQLite file that keeps the state across restarts')
    parser.add_argument('--access-key', action='append', metavar='ID:SECRET[:STS_TOKEN]',
                        help='accepted credentials, repeatable (default %s)' % DEFAULT_ACCESS_KEY)
    parser.add_argument('--domains', type=int, metavar='N',
                        help='seed N registered domains example-00001.com ... (default %d, 0 with --domain-file)' % DEFAULT_DOMAINS)
    parser.add_argument('--domain-file', metavar='PATH', help='seed the domains listed in PATH, one a line')
    parser.add_argument('--task-seconds', default=DEFAULT_TASK_SECONDS, metavar='S|MIN-MAX|lognormal:MEDIAN,SIGMA',
                        help='time one try of a CHG_DNS detail takes: fixed, uniform in a range or lognormal (default %(default)s)')
    parser.add_argument('--slow-domains', action='append', metavar='GLOB=SECONDS[,...]',
                        help='one try of a matching domain takes SECONDS instead (stragglers), repeatable')
    parser.add_argument('--fail-domains', metavar='REGEX', help='details of matching domains fail every try')
    parser.add_argument('--max-tries', type=int, default=DEFAULT_MAX_TRIES, help='tries before EXECUTE_FAILURE (default %(default)s)')
    parser.add_argument('--failure-rate', default=0.0, help='probability that one try of a detail fails')
    parser.add_argument('--throttle-rate', default=0.0, help='probability of HTTP 400 Throttling.User')
    parser.add_argument('--error-rate', default=0.0, help='probability of an HTTP 5xx answer')
    parser.add_argument('--latency-ms', default=0.0, help='delay added to every API request')
    parser.add_argument('--reset-rate', default=0.0, help='probability that the connection is dropped')
    parser.add_argument('--retry-after-ms', default=DEFAULT_RETRY_AFTER_MS, help='x-acs-retry-after sent with throttling')
    parser.add_argument('--rate-limit', default=0.0, metavar='RPS',
                        help='requests per second the account may send; more are refused with Throttling.User (default: no limit)')
    parser.add_argument('--action-rate-limit', metavar='ACTION=RPS[,ACTION=RPS...]',
                        help='requests per second per action; more are refused with Throttling.Api')
    parser.add_argument('--list-without-dns', action='store_true',
                        help='QueryDomainList items carry no DnsList (as older API versions answered)')
    parser.add_argument('--domain-state', action='append', metavar='GLOB=FIELD:VALUE[;FIELD:VALUE...]|GLOB=denied',
                        help='registrar state of matching domains (UpdateProhibitionLock:OPEN, DomainStatus:2, '
                             'TransferOutStatus:PENDING, ...; denied: Forbidden.RAM), repeatable; see emulator/README.md')
    parser.add_argument('--blocked-submission', default='detail', choices=BLOCKED_SUBMISSION_MODES,
                        help="a submission naming a domain that cannot change: its detail fails (detail, default) "
                             "or the whole batch is refused with a Code (refuse)")
    parser.add_argument('--refuse-in-progress', action=argparse.BooleanOptionalAction, default=True,
                        help='refuse a submission naming a domain whose CHG_DNS change is still in progress '
                             '(TaskIsBeingProcessed), as the service does (default); --no-refuse-in-progress lets '
                             'submissions overlap')
    parser.add_argument('--read-lag', default=0.0, metavar='SECONDS',
                        help='after a change succeeds, domain reads show the old nameservers for SECONDS (default 0)')
    parser.add_argument('--cancel-seconds', default=DEFAULT_CANCEL_SECONDS, metavar='SECONDS',
                        help='a CancelTask stays CANCELLING for SECONDS, then COMPLETE (default %(default)s)')
    parser.add_argument('--seed', type=int, default=0, help='seed of every random decision (default %(default)s)')
    parser.add_argument('--tls-cert', metavar='PEM', help='serve HTTPS with this certificate (needs --tls-key)')
    parser.add_argument('--tls-key', metavar='PEM', help='private key of --tls-cert')
    parser.add_argument('--dns-port', type=int, metavar='PORT',
                        help="also serve DNS (UDP and TCP) as the registry's parent zone on PORT; 0 picks a free one")
    parser.add_argument('--dns-nameserver', action='append', default=[], metavar='HOSTNAME',
                        help="with --dns-port: also serve the target provider's zones as HOSTNAME, on a port of its own (repeatable)")
    parser.add_argument('--quiet', action='store_true', help='do not log requests that failed inside the emulator')
    return parser


def parse_args(argv=None):
    """Parsed options plus ``behaviour`` and ``access_keys``; exits with status 2 on bad input."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.access_keys = [parse_access_key(text) for text in (args.access_key or [DEFAULT_ACCESS_KEY])]
        args.behaviour = Behaviour().updated({
            'task_seconds': args.task_seconds,
            'slow_domains': ','.join(args.slow_domains or []),
            'max_tries': args.max_tries,
            'fail_domains': args.fail_domains,
            'failure_rate': args.failure_rate,
            'throttle_rate': args.throttle_rate,
            'error_rate': args.error_rate,
            'latency_ms': args.latency_ms,
            'reset_rate': args.reset_rate,
            'retry_after_ms': args.retry_after_ms,
            'rate_limit': args.rate_limit,
            'action_rate_limits': args.action_rate_limit,
            'list_dns': not args.list_without_dns,
            'domain_states': list(args.domain_state or []),
            'blocked_submission': args.blocked_submission,
            'refuse_in_progress': args.refuse_in_progress,
            'read_lag': args.read_lag,
            'cancel_seconds': args.cancel_seconds,
        })
    except SettingError as exc:
        parser.error(str(exc))
    if args.max_tries < 1:
        parser.error('--max-tries %d: expected at least 1' % args.max_tries)
    if args.domains is not None and args.domains < 0:
        parser.error('--domains %d: expected 0 or more' % args.domains)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error('--tls-cert and --tls-key go together')
    if not 0 <= args.port <= 65535:
        parser.error('--port %d: expected 0..65535' % args.port)
    args.domain_names = seed_domain_names(parser, args)
    return args


def seed_domain_names(parser, args):
    names = []
    count = args.domains
    if args.domain_file:
        try:
            with open(args.domain_file, encoding='utf-8') as handle:
                for line in handle:
                    line = line.split('#', 1)[0].strip().lower().rstrip('.')
                    if line:
                        names.append(line)
        except OSError as exc:
            parser.error('--domain-file %s: %s' % (args.domain_file, exc.strerror))
        if count is None:
            count = 0
    if count is None:
        count = DEFAULT_DOMAINS
    names.extend('example-%05d.com' % index for index in range(1, count + 1))
    return list(dict.fromkeys(names))
