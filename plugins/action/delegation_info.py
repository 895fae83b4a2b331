# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the aliyun.domain.delegation_info module unchanged, showing its progress lines while it checks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aliyun.domain.plugins.plugin_utils._progress_action import ProgressActionModule


class ActionModule(ProgressActionModule):
    pass
