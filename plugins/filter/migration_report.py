# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns_migration report as filters; documented in migration_report.yml and migration_report_view.yml."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainError
from ansible_collections.aliyun.domain.plugins.plugin_utils._report import build_migration_report, report_view


def migration_report(submission, journal=None, results=None, state_file=None, errors=None, acknowledged=0,
                     generated_at=None, blocked=None, annotations=None, title=None):
    try:
        return build_migration_report(submission, results=results, journal=journal, state_file=state_file, errors=errors,
                                      acknowledged=acknowledged, generated_at=generated_at, blocked=blocked,
                                      annotations=annotations, title=title)
    except DomainError as error:
        raise AnsibleFilterError('aliyun.domain.migration_report: %s' % error)


def migration_report_view(report):
    try:
        return report_view(report)
    except DomainError as error:
        raise AnsibleFilterError('aliyun.domain.migration_report_view: %s' % error)


class FilterModule(object):

    def filters(self):
        return {
            'migration_report': migration_report,
            'migration_report_view': migration_report_view,
        }
