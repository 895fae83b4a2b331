# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from ansible_collections.aliyun.domain.plugins.module_utils._progress import (
    HEARTBEAT,
    ProgressReporter,
    format_duration,
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
