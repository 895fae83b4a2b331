# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: domain_task_result
short_description: Results of Alibaba Cloud Domain tasks, waiting until they are final
version_added: 0.1.0
description:
  - Returns the results of Domain tasks (PollTaskResult), for example nameserver changes (C(CHG_DNS)), as a list of
    dicts with every field of the API's TaskDetail in snake_case, or the value of O(query) over that list.
  - The terms are task numbers. By default the lookup waits until every detail of those tasks is final (a lookup
    cannot be retried with C(until)), using the same adaptive waiting as M(aliyun.domain.domain_task_result).
  - While it waits, a progress line (details final and failed, pending, time elapsed, next check) is shown at the default
    verbosity when the counts change, or at least once a minute; each API call at C(-vvv).
author:
  - aliyun.domain contributors (!UNKNOWN)
requirements:
  - requests
  - jmespath (only for O(query))
options:
  _terms:
    description:
      - Task numbers. Without any, results are read for O(domain_name), O(instance_id) or the whole account.
    type: list
    elements: str
    required: false
  page_num:
    description:
      - Return only this page (from 1) of PollTaskResult instead of every page. Needs O(wait=false).
    type: int
  query:
    description:
      - A JMESPath expression applied to the list of results; the lookup returns its value instead of the list (a
        list as it is, any other value as a list of one).
    type: str
  wait:
    description:
      - Wait until every detail of the task numbers is final, or, without terms, until a result for O(domain_name) or
        O(instance_id) appears. Nothing is waited for when there are neither terms nor those options.
    type: bool
    default: true
extends_documentation_fragment:
  - aliyun.domain.connection
  - aliyun.domain.connection.plugins
  - aliyun.domain.task_result
notes:
  - Lookups run on the controller; credentials and the endpoint come from the options, their C(env:) and C(vars:)
    sources, or the credential chain described for O(access_key_id).
  - A lookup in C(vars:) (of a play, a task or a role) is evaluated again at every use of the variable, so a waiting
    lookup there waits, and spends API calls, once per use. Bind its value once with M(ansible.builtin.set_fact) and
    use that fact instead.
seealso:
  - module: aliyun.domain.domain_task_result
  - module: aliyun.domain.ack
'''

EXAMPLES = r'''
- name: Wait for a nameserver change and show its results
  ansible.builtin.debug:
    msg: "{{ lookup('aliyun.domain.domain_task_result', change.task_nos[0]) }}"

- name: Domains that failed in two tasks, without failing the play on them
  ansible.builtin.set_fact:
    failed_domains: >-
      {{ query('aliyun.domain.domain_task_result', 'task-1', 'task-2',
               fail_on_failure=false, query='[?task_status_code==`3`].domain_name') }}

- name: Everything waiting for acknowledgement right now, without waiting
  ansible.builtin.debug:
    msg: "{{ query('aliyun.domain.domain_task_result', wait=false, lang='zh') | length }} results"
'''

RETURN = r'''
_raw:
  description:
    - The results (dicts with C(task_no), C(task_detail_no), C(task_type), C(task_type_description), C(instance_id),
      C(domain_name), C(task_status), C(task_status_code), C(try_count), C(error_msg), C(task_result), C(create_time),
      C(update_time)), or the value of O(query).
  type: list
  elements: raw
'''

from ansible.errors import AnsibleError

from ansible_collections.aliyun.domain.plugins.module_utils._errors import DomainError
from ansible_collections.aliyun.domain.plugins.module_utils._options import OptionAdapter
from ansible_collections.aliyun.domain.plugins.module_utils._progress import ProgressReporter
from ansible_collections.aliyun.domain.plugins.module_utils._task_results import TaskResultRequest, run_task_result
from ansible_collections.aliyun.domain.plugins.plugin_utils._lookup import AliyunDomainLookupBase


class LookupModule(AliyunDomainLookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        options = OptionAdapter.from_plugin(self)
        flat = []
        for term in terms or []:
            # lookup('...', task_nos) passes the list itself as the one term
            flat.extend(term if isinstance(term, (list, tuple)) else [term])
        terms = [term for term in flat if term is not None]
        something_to_wait_for = bool(terms or self.get_option('domain_name') or self.get_option('instance_id'))

        def get_option(name):
            if name == 'wait':
                return bool(self.get_option('wait')) and something_to_wait_for
            return options.get_option(name)

        try:
            request = TaskResultRequest(OptionAdapter(get_option, options.has_option), task_nos=terms)
        except DomainError as error:
            raise AnsibleError(str(error))
        with self.domain_client() as client:
            result = run_task_result(client, request, log=self.progress, progress=ProgressReporter(self.show))
        self.progress('%d results (%d succeeded, %d failed) in %.1f s, %d API calls' % (
            result['summary']['total'], result['summary']['succeeded'], result['summary']['failed'],
            result['elapsed'], result['api_calls']))
        if request.query is None:
            return result['task_results']
        value = result['query_result']
        return value if isinstance(value, list) else [value]
