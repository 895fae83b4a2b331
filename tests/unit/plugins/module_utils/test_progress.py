# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from ansible_collections.aliyun.domain.plugins.module_utils._progress import (
    HEARTBEAT,
    ProgressReporter,
    format_delegation_progress,
    format_duration,
    format_preflight_progress,
    format_task_progress,
)


def test_task_line_reads_like_the_issue_example():
    assert format_task_progress(412, 3, 1000, 245, 30) == (
        'aliyun.domain: 412 of 1000 details final (3 failed), 588 pending, 4 min elapsed, next check in 30 s')
    assert format_task_progress(5, 0, 5, 12.4) == 'aliyun.domain: 5 of 5 details final, 0 pending, 12 s elapsed'


def test_durations():
    assert format_duration(0.4) == '0 s'
    assert format_duration(119) == '119 s'
    assert format_duration(600) == '10 min'


def report(final, elapsed, next_check=8.0, total=10):
    return {'final': final, 'failed': 0, 'total': total, 'elapsed': elapsed, 'next_check': next_check}


def test_lines_on_change_heartbeat_and_end_never_per_probe():
    lines = []
    reporter = ProgressReporter(lines.append)
    reporter(report(0, 0.1))                 # first: a sign of life
    for second in range(1, 59):
        reporter(report(0, second))          # nothing changed, under a minute: silent
    assert len(lines) == 1
    reporter(report(0, 0.1 + HEARTBEAT))     # a minute without a line: heartbeat
    assert len(lines) == 2
    reporter(report(1, 61.0))                # changed, but only a second after the last line
    reporter(report(2, 66.5))                # changed, after the gap
    assert len(lines) == 3 and '2 of 10' in lines[-1]
    reporter(report(10, 67.0, next_check=None))   # the end is always shown
    assert lines[-1] == 'aliyun.domain: 10 of 10 details final, 0 pending, 67 s elapsed'


def test_delegation_lines_read_like_the_issue_example():
    assert format_delegation_progress(310, 0, 412, 125, 10) == (
        'aliyun.domain: verified at the parent: 310 of 412, 102 pending, 2 min elapsed, next check in 10 s')
    assert format_delegation_progress(410, 2, 412, 600) == (
        'aliyun.domain: verified at the parent: 410 of 412 (2 unverified), 0 pending, 10 min elapsed')


def test_preflight_lines_count_checked_and_blocked_domains():
    assert format_preflight_progress(600, 2, 1000, 75) == (
        'aliyun.domain: pre-flight: 600 of 1000 domains checked (2 blocked), 75 s elapsed')
    assert format_preflight_progress(3, 0, 3, 0.2) == 'aliyun.domain: pre-flight: 3 of 3 domains checked, 0 s elapsed'


def delegation_report(verified, elapsed, unverified=0, next_check=4.0, ended=False, total=10):
    return {'check': 'delegation', 'verified': verified, 'unverified': unverified, 'total': total, 'elapsed': elapsed,
            'next_check': next_check, 'ended': ended}


def test_delegation_reports_follow_the_same_rules_and_end_without_a_next_check():
    lines = []
    reporter = ProgressReporter(lines.append)
    reporter(delegation_report(0, 0.0))
    for second in range(1, 30):
        reporter(delegation_report(0, second * 0.5))      # every domain's round: silent while nothing changed
    reporter(delegation_report(3, 2.0))                   # changed two seconds after the first line: not yet
    assert lines == ['aliyun.domain: verified at the parent: 0 of 10, 10 pending, 0 s elapsed, next check in 4 s']
    reporter(delegation_report(3, 6.0))                   # still changed against the last line, after the gap
    reporter(delegation_report(3, 40.0))
    assert lines[-1] == 'aliyun.domain: verified at the parent: 3 of 10, 7 pending, 6 s elapsed, next check in 4 s'
    assert len(lines) == 2
    reporter(delegation_report(3, 66.0))                  # heartbeat
    assert len(lines) == 3
    reporter(delegation_report(9, 66.5, unverified=1, next_check=None, ended=True))
    assert lines[-1] == 'aliyun.domain: verified at the parent: 9 of 10 (1 unverified), 0 pending, 66 s elapsed'


def test_a_report_that_says_it_has_not_ended_is_no_end_without_a_next_check():
    """Without wait (and in the pre-flight) there is no next check, yet only the last report is the end."""
    lines = []
    reporter = ProgressReporter(lines.append)
    for checked in range(1, 10):
        reporter({'check': 'preflight', 'checked': checked, 'blocked': 0, 'total': 10, 'elapsed': checked * 0.1,
                  'ended': False})
    assert lines == ['aliyun.domain: pre-flight: 1 of 10 domains checked, 0 s elapsed']
    reporter({'check': 'preflight', 'checked': 10, 'blocked': 2, 'total': 10, 'elapsed': 1.0, 'ended': True})
    assert lines[-1] == 'aliyun.domain: pre-flight: 10 of 10 domains checked (2 blocked), 1 s elapsed'
