# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local emulator of the Alibaba Cloud Domain API (2018-01-29), run as ``python -m emulator``.

It verifies both signature schemes with the collection's own signing code, keeps its state in
SQLite and computes task progress lazily from timestamps.  See emulator/README.md.
"""
