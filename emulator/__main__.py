# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Entry point: ``python -m emulator --port 0``."""

import sys

from .server import main

if __name__ == '__main__':
    sys.exit(main())
