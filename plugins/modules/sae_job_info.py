#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sae_job_info
short_description: List Alibaba Cloud Serverless App Engine (SAE) job templates
version_added: 1.0.0
description:
  - Lists the job templates of one region of Alibaba Cloud Serverless App Engine (SAE) with the
    C(ListJobs) API, optionally filtered by namespace, name, id or tags.
  - All pages are fetched (concurrently after the first) unless O(current_page) asks for one page.
    A job created or deleted while the pages are read never makes a job show up twice or go missing.
  - Calls are signed with ACS3-HMAC-SHA256 and transient failures (throttling, HTTP 5xx, connection
    errors, timeouts) are retried with jittered exponential backoff. An endpoint whose host name does not
    resolve (often a misspelt O(region)) is not retried; the error names the region to check.
  - When the API answers with job templates of another region than O(region) (an O(endpoint) without
    C({region}) sends every region's calls to one region), the task warns, naming both regions.
author:
  - alicloud.sae maintainers (@alicloud-sae)
extends_documentation_fragment:
  - alicloud.sae.common
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module never changes anything, so check mode runs it as usual.
  diff_mode:
    support: none
  platform:
    platforms: all
    details: The module only calls the SAE API; it runs wherever Python and requests do, usually on localhost.
options:
  namespace_id:
    description:
      - List only the job templates of this namespace, for example V(cn-beijing:prod).
      - SAE namespace IDs are C(<region>) (the region's default namespace) or C(<region>:<name>), and the region
        must be O(region). Any other value (for example V(prod), or V(cn-beijing:prod) with O(region=cn-hangzhou))
        is an error before any request, as it would match nothing.
    type: str
  app_name:
    description:
      - List only job templates whose name matches this value (the API's C(AppName) filter).
    type: str
  field_type:
    description:
      - Filter dimension for O(field_value). V(appName) filters by job template name, V(appIds) by
        job template ID (several IDs separated by commas).
      - Requires O(field_value).
    type: str
    choices: [appName, appIds]
  field_value:
    description:
      - The job template name or ID(s) to filter by, as set by O(field_type).
    type: str
  tags:
    description:
      - List only job templates that carry every one of these tags.
      - A dictionary of tag key to value, for example C({"team":"billing"}); the API's own list of C({key, value})
        objects, for example C([{"key":"team","value":"billing"}]); or C(key=value) text, for example
        V(team=billing, tier=batch), read as Ansible reads a dictionary option given as text (pairs separated by
        commas or spaces; quote a value that holds one, V(env='my value')). A list may also hold C(key=value) text.
      - Every tag needs a key and a value; the API matches tags by both, so a key alone is an error, as is a key
        given twice.
      - Sent to the API as its JSON list of C({"key", "value"}) objects; keys and values may hold any
        characters, including spaces, C(+), C(*), C(:), C(/) and non-ASCII text.
    type: raw
  order_by:
    description:
      - Sort by the number of running instances (V(running)) or of target instances (V(instances)).
    type: str
    choices: [running, instances]
  reverse:
    description:
      - With O(order_by), V(true) sorts in ascending order and V(false) in descending order.
    type: bool
  page_size:
    description:
      - Job templates per API request, 1 to 200. The largest page means the fewest round trips.
    type: int
    default: 200
  current_page:
    description:
      - Return only this page (from 1) of O(page_size) job templates.
      - If not set, every page is fetched and all job templates are returned.
    type: int
seealso:
  - plugin: alicloud.sae.sae_job
    plugin_type: inventory
  - name: SAE ListJobs API
    description: The Alibaba Cloud API this module calls.
    link: https://www.alibabacloud.com/help/en/sae/serverless-app-engine-upgrade/developer-reference/api-sae-2019-05-06-listjobs
"""

EXAMPLES = r"""
- name: List every job template of a region
  alicloud.sae.sae_job_info:
    region: cn-hangzhou
  register: sae

- name: Show the names
  ansible.builtin.debug:
    msg: "{{ sae.jobs | map(attribute='app_name') | list }}"

- name: Show the job templates whose last run failed, and when it started
  ansible.builtin.debug:
    msg: >-
      {% for job in sae.jobs | selectattr('last_job_state_name', 'equalto', 'failed') %}
      {{ job.app_name }} at {{ job.last_start_time_iso }}{% endfor %}

- name: Job templates of one namespace that carry two tags
  alicloud.sae.sae_job_info:
    region: cn-beijing
    namespace_id: "cn-beijing:prod"
    tags:
      team: billing
      tier: batch
  register: billing_jobs

- name: One job template by ID
  alicloud.sae.sae_job_info:
    region: cn-beijing
    field_type: appIds
    field_value: f7730764-d88f-4b9a-8d8e-cd8efbfe0000
  register: one_job

- name: Set the credentials once for every alicloud.sae module
  module_defaults:
    group/alicloud.sae.sae:
      region: cn-shanghai
      access_key_id: "{{ vault_sae_access_key_id }}"
      access_key_secret: "{{ vault_sae_access_key_secret }}"
  block:
    - name: List job templates with the group's credentials
      alicloud.sae.sae_job_info:
      register: shanghai_jobs

- name: Assume a RAM role first
  alicloud.sae.sae_job_info:
    region: cn-hangzhou
    role_arn: acs:ram::123456789012****:role/sae-readonly
    role_session_name: ansible
  register: sae_as_role

- name: The same with alibaba.alicloud's option names
  alicloud.sae.sae_job_info:
    alicloud_region: cn-hangzhou
    alicloud_assume_role_arn: acs:ram::123456789012****:role/sae-readonly
    alicloud_assume_role_session_name: ansible
  register: sae_as_role

- name: Behind a TLS-inspecting proxy, verify the endpoint with the proxy's CA
  alicloud.sae.sae_job_info:
    region: cn-beijing
    ca_bundle: /etc/pki/tls/certs/corp-proxy-ca.pem
  register: sae_jobs

- name: Against another endpoint, for example a test server on this machine ({region} becomes the region)
  alicloud.sae.sae_job_info:
    region: cn-beijing
    endpoint: "http://127.0.0.1:8080/{region}"
  register: from_test_server
"""

RETURN = r"""
jobs:
  description:
    - The job templates, in the API's order, each exactly once.
    - Every job has every key below. A member the API leaves out (as gateways do with null or empty members) is
      V(null), except RV(jobs[].tags), which is then an empty dictionary.
  returned: success
  type: list
  elements: dict
  contains:
    app_id:
      description: Job template ID.
      type: str
      sample: f7730764-d88f-4b9a-8d8e-cd8efbfe****
    app_name:
      description: Job template name. Names repeat across namespaces and regions; IDs do not.
      type: str
      sample: demo-app
    namespace_id:
      description: Namespace ID.
      type: str
      sample: cn-beijing:demo
    region_id:
      description: Region ID.
      type: str
      sample: cn-beijing
    app_description:
      description: Job template description.
      type: str
      sample: description
    tags:
      description: Tags, as a dictionary of tag key to value.
      type: dict
      sample: {"team": "billing"}
    trigger_config:
      description:
        - The trigger configuration, parsed from the API's JSON string.
        - A scheduled job has C(type) V(time) and a cron expression in C(config);
          a one-time job has C(type) V(http).
        - The raw string when it is not a JSON object.
      type: raw
      sample: {"type": "time", "config": "0 1 */1 * ?", "timezone": "GMT+8:00"}
    suspend:
      description: Whether the job template is paused (its trigger does not start jobs).
      type: bool
      sample: false
    active:
      description:
        - Number of the job template's instances running now (the API's C(Active)).
        - A count of instances, not the result of the last run; see RV(jobs[].last_job_state_name) for that.
      type: int
      sample: 0
    succeeded:
      description:
        - Number of the job template's instances that ran successfully (the API's C(Succeeded)).
        - A count of instances, not the result of the last run; see RV(jobs[].last_job_state_name) for that.
      type: int
      sample: 3
    failed:
      description:
        - Number of the job template's instances that failed (the API's C(Failed)).
        - A count of instances, not the result of the last run; see RV(jobs[].last_job_state_name) for that.
      type: int
      sample: 0
    last_start_time:
      description:
        - Last job start time (Unix seconds); V(0) when no job has run.
        - RV(jobs[].last_start_time_iso) is the same time as text.
      type: int
      sample: 1657522800
    completion_time:
      description:
        - Last job completion time (Unix seconds); V(0) when no job has completed.
        - RV(jobs[].completion_time_iso) is the same time as text.
      type: int
      sample: 1657522839
    last_changeorder_state:
      description:
        - Whether the last release order succeeded (V(1)) or failed (V(0)), as text.
        - RV(jobs[].last_changeorder_state_name) is its name.
      type: str
      sample: "1"
    last_job_state:
      description:
        - Last job status, as text (compare it with V("2"), not V(2)). V(0) not run, V(1) succeeded, V(2) failed,
          V(3) running.
        - RV(jobs[].last_job_state_name) is its name.
      type: str
      sample: "0"
    cpu:
      description: CPU per instance, in millicores.
      type: int
      sample: 500
    mem:
      description: Memory per instance, in MB.
      type: int
      sample: 1024
    image_url:
      description: Image address.
      type: str
      sample: ""
    message:
      description: Additional information about the job template.
      type: str
      sample: success
    last_job_state_name:
      description:
        - The name of RV(jobs[].last_job_state). V(not_run) (V(0)), V(succeeded) (V(1)), V(failed) (V(2)),
          V(running) (V(3)), or V(unknown) for any other value (or none).
      type: str
      sample: succeeded
    last_changeorder_state_name:
      description:
        - The name of RV(jobs[].last_changeorder_state). V(failed) (V(0)), V(succeeded) (V(1)), or V(unknown) for
          any other value (or none).
      type: str
      sample: succeeded
    last_start_time_iso:
      description:
        - RV(jobs[].last_start_time) as ISO 8601 UTC text, C(YYYY-MM-DDTHH:MM:SSZ).
        - V(null) when the API gives V(0) (no job has run) or nothing.
      type: str
      sample: "2022-07-11T07:00:00Z"
    completion_time_iso:
      description:
        - RV(jobs[].completion_time) as ISO 8601 UTC text, C(YYYY-MM-DDTHH:MM:SSZ).
        - V(null) when the API gives V(0) (no job has completed) or nothing.
      type: str
      sample: "2022-07-11T07:00:39Z"
total_size:
  description: The number of job templates the API reports for the query.
  returned: success
  type: int
  sample: 2
api_stats:
  description: What the call cost, for troubleshooting (shown with C(-v) and more).
  returned: success
  type: dict
  contains:
    requests:
      description: HTTP requests sent, retries included.
      type: int
      sample: 3
    retries:
      description: Requests that were retried after a transient failure.
      type: int
      sample: 1
    retried_codes:
      description: How many retries each error code caused.
      type: dict
      sample: {"Throttling.User": 1}
    throttled:
      description: Calls the API's flow control refused (C(Throttling*) codes, HTTP 429), each retried as
        O(max_retries) allows.
      type: int
      sample: 1
    rate_limit:
      description:
        - The rate of requests per second the client allowed at the end, after adapting to the API's flow control
          (and never above O(max_requests_per_second)).
        - V(null) when no call was throttled and O(max_requests_per_second) is not set, that is when nothing was
          limited.
      type: float
      sample: 7.5
error:
  description: The API error that failed the task.
  returned: failure, when the API answered with an error
  type: dict
  contains:
    code:
      description: The API's error code, or a client-side code such as C(ConnectionError).
      type: str
      sample: SignatureDoesNotMatch
    message:
      description: The API's error message.
      type: str
    request_id:
      description: The API's request ID, to quote to Alibaba Cloud support.
      type: str
    status:
      description: The HTTP status.
      type: int
      sample: 400
    region:
      description: The region of the failed call.
      type: str
    recommend:
      description: The troubleshooting link the API's error answer gave (its C(Recommend)), else V(null); the
        message ends with it too.
      type: str
      sample: https://api.aliyun.com/troubleshoot?q=Throttling.User&product=sae
"""

from ansible_collections.alicloud.sae.plugins.module_utils.arguments import (
    FIELD_TYPES,
    MAX_PAGE_SIZE,
    ORDER_BY,
)
from ansible_collections.alicloud.sae.plugins.module_utils.client import JobQuery, SaeClient
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeError
from ansible_collections.alicloud.sae.plugins.module_utils.module_base import SaeModule

# The module's own options, the ListJobs filters and paging; the common ones come with SaeModule.
ARGUMENT_SPEC = {
    "namespace_id": {"type": "str"},
    "app_name": {"type": "str"},
    "field_type": {"type": "str", "choices": list(FIELD_TYPES)},
    "field_value": {"type": "str"},
    "tags": {"type": "raw"},
    "order_by": {"type": "str", "choices": list(ORDER_BY)},
    "reverse": {"type": "bool"},
    "page_size": {"type": "int", "default": MAX_PAGE_SIZE},
    "current_page": {"type": "int"},
}
_PAGING_OPTIONS = ("page_size", "current_page")


def main() -> None:
    sae = SaeModule(
        ARGUMENT_SPEC,
        supports_check_mode=True,
        required_together=[("field_type", "field_value")],
    )
    params = sae.params
    filters = {name: params[name] for name in ARGUMENT_SPEC if name not in _PAGING_OPTIONS}
    query = JobQuery(params["region"], filters)
    try:
        with SaeClient(params, [query.region], max_concurrency=params["max_concurrency"]) as client:
            for warning in client.warnings:  # said before the listing: a failed one needs it as much
                sae.module.warn(warning)
            listing = client.list_jobs(query, page_size=params["page_size"], current_page=params["current_page"])
            stats = client.stats
    except SaeError as error:
        sae.fail(error)
    for warning in listing.warnings:
        sae.module.warn(warning)
    sae.module.exit_json(changed=False, jobs=listing.jobs, total_size=listing.total_size, api_stats=stats)


if __name__ == "__main__":
    main()
