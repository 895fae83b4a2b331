# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Interpreter wrapper for module processes: runs ``python ARGS...`` and appends the child's peak RSS (KiB).

Used as ``ansible_python_interpreter`` by the scale benchmark. Standard input and output pass through
untouched (pipelining feeds the module on stdin), and the exit code is the module's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def main():
    rss_log, module_args = sys.argv[1], sys.argv[2:]
    child = subprocess.Popen([sys.executable] + module_args)
    _pid, status, usage = os.wait4(child.pid, 0)
    with open(rss_log, 'a', encoding='utf-8') as log:
        log.write(json.dumps({'argv': module_args[-1:] or ['<stdin>'], 'max_rss_kib': usage.ru_maxrss}) + '\n')
    return os.waitstatus_to_exitcode(status)


if __name__ == '__main__':
    sys.exit(main())
