# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: sae_job
short_description: Alibaba Cloud Serverless App Engine (SAE) job templates as inventory hosts
version_added: 1.0.0
description:
  - Makes every SAE job template of the chosen regions (and, optionally, namespaces, tags or several filter sets)
    one inventory host,
    with the job template's data as host variables, grouped by region, namespace and tag.
  - Every region, namespace and page is listed concurrently through one bounded pool of O(max_concurrency)
    requests, with the shared retry policy (throttling, HTTP 5xx, connection errors and timeouts are retried
    with jittered exponential backoff). A job created or deleted while the pages are read never makes a job
    show up twice or go missing.
  - The configuration file name must end in C(sae_job.yml) or C(sae_job.yaml), for example C(prod.sae_job.yml).
  - A key of the file that is not an option of this plugin (nor an alias), for example C(namespace) for
    O(namespaces), is an error naming the key and the closest option, before any request.
  - When the API answers a region's listing with job templates of another region (an O(endpoint) without
    C({region}) sends every region's calls to one region), a warning names both regions, once per listing.
  - Job templates are not SSH targets, so every host gets C(ansible_connection=local) (override it with O(compose)).
  - Values from the API are untrusted data. A tag value or description that contains C({{ ... }}) stays text in
    host variables, in O(compose), O(groups) and O(keyed_groups) results and in plays, on every supported
    ansible-core version.
  - Only a text value from the API that holds C({) or C(}) (so could be a template) is marked unsafe; every other
    value, and every value the plugin sets itself (C(ansible_connection), group names), is plain. So
    C(ansible-inventory --list --export), which AWX runs for an inventory sync and stores as it prints it, gives
    plain values, not C(__ansible_unsafe) objects.
  - Each host also gets readable forms of the job template's coded data (with O(hostvars_prefix)), next to the raw
    ones, as M(alicloud.sae.sae_job_info) returns them. C(sae_last_job_state_name) (V(not_run), V(succeeded),
    V(failed), V(running), or V(unknown) for any other code), C(sae_last_changeorder_state_name) (V(failed),
    V(succeeded) or V(unknown)), and C(sae_last_start_time_iso) and C(sae_completion_time_iso), the times as
    ISO 8601 UTC text (C(YYYY-MM-DDTHH:MM:SSZ)), V(null) when the API gives V(0) (never ran) or nothing.
  - With C(-vvv), the number of API requests and retries of the run is shown, with the calls the API's flow
    control refused and the rate the client settled on (see O(max_requests_per_second)).
extends_documentation_fragment:
  - alicloud.sae.common
  - alicloud.sae.common.inventory
  - constructed
  - inventory_cache
options:
  plugin:
    description:
      - The name of this plugin. It must be V(alicloud.sae.sae_job) for this plugin to read the file.
    required: true
    type: str
    choices: [alicloud.sae.sae_job]
  regions:
    description:
      - The regions whose job templates become hosts, for example V([cn-beijing, cn-hangzhou]).
      - If not set, the one region of O(region) (or of its environment variables) is used. If neither is set,
        the inventory fails before any request.
      - Each entry may be a Jinja2 template.
    type: list
    elements: str
  namespaces:
    description:
      - The namespace IDs whose job templates become hosts, for example V(cn-beijing:prod). Several entries
        are listed concurrently.
      - SAE namespace IDs are C(<region>:<name>), or C(<region>) for the region's default namespace. Each is
        listed in its region only, which must be one of O(regions). Any other value (for example V(prod)) is an
        error before any request.
      - If not set or empty, every namespace is listed, with one listing per region (unless O(include_filters)
        is set).
      - With O(tags), the short form of one filter set per namespace (see O(include_filters)).
      - Each entry may be a Jinja2 template.
    type: list
    elements: str
    default: []
  tags:
    description:
      - Only job templates that carry every one of these tags become hosts. The filter is applied by the API.
      - The forms M(alicloud.sae.sae_job_info) takes. A dictionary of tag key to value; the API's own list of
        C({key, value}) objects; or C(key=value) text (pairs separated by commas or spaces; quote a value that
        holds one), alone or as list entries. Every tag needs a key and a value (the API matches both); a key
        alone, or given twice, is an error before any request.
      - Keys and values may hold any characters, including spaces, C(:), C(/) and non-ASCII text.
      - With O(namespaces), the short form of one filter set per namespace (see O(include_filters)).
    type: raw
    default: {}
  include_filters:
    description:
      - Several filter sets. A job template that matches any set becomes a host, once (sets are merged by job
        template ID).
      - Each set is a dictionary of the API's filters, applied by the API, all of which must match.
        V(namespace_id) (a namespace listed in its region only, checked as in O(namespaces)), V(app_name) (a
        substring of the name), V(field_type) (V(appName) or V(appIds)) with V(field_value), and V(tags) (in the
        forms of O(tags)). Any other key is an error before any request.
      - Each set is listed in each region of O(regions) (a set with a V(namespace_id) of the form
        C(<region>:<name>) in that region only); all the listings run concurrently.
      - O(namespaces) and O(tags) are the short form, one set per namespace, each with O(tags). When either of
        them is set, their sets are listed as well; when neither is, only these sets are listed.
      - Values may be Jinja2 templates.
    type: list
    elements: dict
    default: []
  exclude:
    description:
      - Conditions that leave job templates out of the inventory, after they are listed. A job template for which
        any condition is true does not become a host.
      - Each condition is a Jinja2 expression over the job template's host variables (as named with
        O(hostvars_prefix) and O(hostvars_suffix)), written as in O(groups) or a C(when), for example
        V(sae_suspend), V(sae_app_name is match('tmp-')) or V(sae_tags.env | default('') == 'test').
        With O(use_extra_vars=true), the extra vars are visible too.
      - Only the conditions are templates. A value from the API that holds C({{ ... }}) stays text and is never
        evaluated, on every supported ansible-core version.
      - A condition that fails for a job template (for example an undefined variable) is an error naming the
        condition and the job template; write V(sae_tags.tmp is defined) or use C(default).
      - Use O(include_filters), O(namespaces) and O(tags) for what the API can filter (it sends less), and this
        option for what it cannot, such as suspended jobs or a name pattern.
    type: list
    elements: str
    default: []
  hostnames:
    description:
      - How each host is named, as an ordered list. For each job template, the entries are tried in order and the
        first one that gives a non-empty value is the host name.
      - An entry is either a variable name, for example V(sae_app_name) (a host variable, as named with
        O(hostvars_prefix) and O(hostvars_suffix)) or V(app_name) (a field of the job template), or a Jinja2
        expression over the host variables, for example V(sae_app_name ~ '-' ~ sae_region_id) or
        V({{ sae_tags.Name | default('') }}).
      - An entry that fails (for example an undefined variable) counts as empty, unless O(strict=true), which makes
        it an error.
      - If no entry gives a value, or O(hostnames) is empty, the default name is used
        C(<app_name>_<app_id>), for example C(billing-report_f7730764-d88f-4b9a-8d8e-cd8efbfe0000). It is stable
        (it does not change when other jobs appear), unique (the job template ID is unique across namespaces and
        regions) and readable.
      - Every host name, default or configured, is made safe for host patterns and templates. Each character that is
        not a letter, a digit, V(_), V(-) or V(.) becomes V(_) (letters of every script are kept).
      - If the configured names give two job templates the same host name, the inventory fails with an error that
        names both job templates. Job templates are never merged into one host.
    type: list
    elements: str
    default: []
  hostvars_prefix:
    description:
      - Prefix of every host variable made from the job template's data, for example V(sae_) gives C(sae_app_id),
        C(sae_tags) and so on.
      - The data are the same as what M(alicloud.sae.sae_job_info) returns for each job template.
      - An empty prefix (with an empty O(hostvars_suffix)) gives a variable named C(tags), which is a reserved name
        in Ansible and makes every run warn.
    type: str
    default: sae_
  hostvars_suffix:
    description:
      - Suffix of every host variable made from the job template's data, for example V(_job) gives C(sae_app_id_job).
    type: str
    default: ''
  skip_failed_regions:
    description:
      - What to do when listing a region (or a namespace of a region) fails after the retries.
      - V(false) fails the whole inventory, with the API error code and the region in the message, so a partial
        inventory never replaces a complete one (for example in AWX).
      - V(true) shows a warning naming the region and the API error code, and builds the inventory without that
        region. A result with skipped regions is not written to the cache. If every listing fails, the inventory
        fails anyway.
    type: bool
    default: false
notes:
  - The default groups need no configuration and are built directly (not through O(keyed_groups), which costs
    seconds at thousands of hosts) C(sae_jobs) (every job template), C(sae_region_<region>),
    C(sae_namespace_<namespace_id>), C(sae_tag_<key>_<value>) for every tag of every job template,
    C(sae_suspended) (every job template that is paused, C(Suspend) true), and C(sae_last_run_<state>) by the
    last job's state name, C(sae_last_run_not_run), C(sae_last_run_succeeded), C(sae_last_run_failed),
    C(sae_last_run_running) or C(sae_last_run_unknown) (a code the API documents no meaning for).
    Group names are made safe the way ansible-core does it. Each character that is not a word character becomes
    V(_) (letters of every script are kept), so namespace C(cn-beijing:prod) gives group
    C(sae_namespace_cn_beijing_prod). O(keyed_groups), O(groups) and O(compose) apply on top of them.
  - The cache (O(cache=true)) stores the job templates' data, never a credential. Its key is made of the inventory
    file's path and of everything that changes the result, O(regions), O(namespaces), O(tags), O(endpoint) and the
    identity used (O(access_key_id), O(profile), O(role_arn), O(role_session_name), O(sts_endpoint)), but never a
    secret or a token. A valid cache entry is used without any API call; C(--flush-cache) (or
    C(meta refresh_inventory)) lists again and rewrites the entry.
  - Credential options may be vault-encrypted strings or Jinja2 templates (for example a C(lookup)), and are read
    from their environment variables when not set in the file, as AWX's cloud credentials provide them.
  - Every text option of the connection (credentials, O(region), O(endpoint), ...), O(regions), O(namespaces),
    O(tags) and O(include_filters) may be a Jinja2 template. With O(use_extra_vars=true), these templates see the
    extra vars (C(-e), for example a vaulted C(-e @secrets.yml)), as O(compose), O(groups), O(keyed_groups),
    O(hostnames) and O(exclude) do. Without it, an extra var is undefined there, and the error names the option.
    A secret from extra vars is no more shown or cached than any other.
seealso:
  - module: alicloud.sae.sae_job_info
  - name: SAE ListJobs API
    description: The Alibaba Cloud API this plugin calls.
    link: https://www.alibabacloud.com/help/en/sae/serverless-app-engine-upgrade/developer-reference/api-sae-2019-05-06-listjobs
"""

EXAMPLES = r"""
# One region; credentials from ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET.
# prod.sae_job.yml
plugin: alicloud.sae.sae_job
region: cn-hangzhou

---
# Several regions, listed concurrently; skip a region that fails instead of failing the whole inventory.
plugin: alicloud.sae.sae_job
regions:
  - cn-beijing
  - cn-hangzhou
  - cn-shanghai
skip_failed_regions: true
max_concurrency: 16

---
# Only two namespaces, and only the job templates that carry a tag (filtered by the API).
plugin: alicloud.sae.sae_job
regions: [cn-beijing]
namespaces:
  - cn-beijing:prod
  - cn-beijing:staging
tags:
  team: billing

---
# Several filter sets, each applied by the API, merged: the billing team's jobs of namespace prod, and every job
# whose name holds "nightly-" in namespace batch. A job matched by both sets is one host.
plugin: alicloud.sae.sae_job
regions: [cn-beijing]
include_filters:
  - namespace_id: cn-beijing:prod
    tags:
      team: billing
  - namespace_id: cn-beijing:batch
    app_name: nightly-

---
# Leave out, after listing, what the API cannot filter: suspended jobs, temporary ones, a tag.
plugin: alicloud.sae.sae_job
regions: [cn-beijing]
exclude:
  - sae_suspend
  - sae_app_name is match('tmp-')
  - sae_tags.lifecycle | default('') == 'retired'

---
# Host names from the job template name and region; keyed groups on tags and on the trigger type;
# one composed group and one composed variable. (Paused jobs are already in sae_suspended.)
plugin: alicloud.sae.sae_job
regions: [cn-beijing, cn-shanghai]
hostnames:
  - sae_app_name ~ '.' ~ sae_region_id
keyed_groups:
  - key: sae_tags
    prefix: tag
  - key: sae_tags.env | default('none')
    prefix: env
  - key: sae_trigger_config.type | default('unknown')
    prefix: trigger
groups:
  large: sae_cpu >= 2000
compose:
  job_owner: sae_tags.owner | default('nobody')
strict: true

---
# Cache the listing for 10 minutes in JSON files; `ansible-inventory --flush-cache` lists again.
plugin: alicloud.sae.sae_job
regions: [cn-beijing, cn-hangzhou]
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible/sae_job
cache_timeout: 600

---
# Credentials in the file: a vault-encrypted secret (ansible-vault encrypt_string) and a lookup.
plugin: alicloud.sae.sae_job
regions: [cn-beijing]
access_key_id: "{{ lookup('ansible.builtin.env', 'SAE_INVENTORY_KEY_ID') }}"
access_key_secret: !vault |
  $ANSIBLE_VAULT;1.1;AES256
  62313365396662343061393464336163383764373764613633653634306231386433626436623361
  6134333665353966363534333632666535333761666131620a663537646436643839616531643561
  63396265333966386166373632626539326166353965363262633030333630313338646335303630
  3438626666666137650a353638643435666633633964366338633066623234616432373231333331
  6564

---
# The secret, the regions and the endpoint from extra vars, for example a vaulted vars file:
#   ansible-inventory -i prod.sae_job.yml -e @secrets.yml --ask-vault-pass --list
plugin: alicloud.sae.sae_job
use_extra_vars: true
regions: "{{ sae_regions }}"
access_key_id: "{{ sae_access_key_id }}"
access_key_secret: "{{ sae_access_key_secret }}"

---
# AWX / Automation Controller: an inventory source "Sourced from a project" pointing at this file.
# Attach a custom credential type that injects the environment variables
# ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_REGION_ID);
# nothing secret is written in the file. AWX sets ANSIBLE_INVENTORY_UNPARSED_FAILED, so a failed
# region fails the update instead of emptying the inventory.
plugin: alicloud.sae.sae_job
regions: [cn-beijing, cn-hangzhou]
keyed_groups:
  - key: sae_tags
    prefix: tag

---
# Behind a TLS-inspecting proxy: verify the endpoint with the proxy's CA (or set ALIBABA_CLOUD_CA_BUNDLE).
plugin: alicloud.sae.sae_job
regions: [cn-beijing]
ca_bundle: /etc/pki/tls/certs/corp-proxy-ca.pem

---
# Assume a RAM role, with the AccessKey from a credentials profile.
plugin: alicloud.sae.sae_job
regions: [cn-shanghai]
profile: automation
role_arn: acs:ram::123456789012****:role/sae-readonly

---
# The same with alibaba.alicloud's option names (its ALICLOUD_ASSUME_ROLE_ARN and
# ALICLOUD_ASSUME_ROLE_SESSION_NAME environment variables are read too).
plugin: alicloud.sae.sae_job
regions: [cn-shanghai]
profile: automation
alicloud_assume_role_arn: acs:ram::123456789012****:role/sae-readonly
alicloud_assume_role_session_name: ansible-inventory

---
# Another endpoint, for example a test server on this machine ({region} becomes each region, here in the path).
# Credentials from the environment, as in the first example.
plugin: alicloud.sae.sae_job
regions: [cn-beijing, cn-hangzhou, cn-shanghai]
endpoint: "http://127.0.0.1:8080/{region}"
"""

import difflib
import hashlib
import json
import re
from typing import Any

from ansible.errors import AnsibleParserError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.vars import combine_vars

from ansible_collections.alicloud.sae.plugins.module_utils.arguments import (
    COMMON_ARGUMENT_SPEC,
    list_jobs_parameters,
    parse_tags,
    validate_namespace,
)
from ansible_collections.alicloud.sae.plugins.module_utils.client import JobListing, JobQuery, SaeClient, hint
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError, SaeError

try:  # ansible-core >= 2.19: a string is untrusted (never templated) unless tagged trusted.
    from ansible.template import trust_as_template

    wrap_var = None
except ImportError:  # ansible-core 2.16-2.18: a string is trusted unless marked unsafe.
    from ansible.utils.unsafe_proxy import wrap_var

    trust_as_template = None


# The shared options (the alicloud.sae.common fragment), passed to SaeClient under the same names.
CLIENT_OPTIONS = tuple(name for name in COMMON_ARGUMENT_SPEC if name != "max_concurrency")
# Options whose values may be Jinja2 templates (for example a lookup) in the configuration file:
# every text option, and the listing's scope.
TEMPLATED_OPTIONS = tuple(name for name in CLIENT_OPTIONS if COMMON_ARGUMENT_SPEC[name]["type"] == "str") + (
    "regions",
    "namespaces",
    "tags",
    "include_filters",
)
# The ListJobs filters a set of include_filters may hold (sae_job_info's filters less ordering and paging).
FILTER_SET_KEYS = ("namespace_id", "app_name", "field_type", "field_value", "tags")
# What identifies the caller in the cache key. Never the secret, the token, or a hash of them.
IDENTITY_OPTIONS = ("access_key_id", "profile", "role_arn", "role_session_name", "sts_endpoint")
CACHE_FORMAT = 3  # 3: the jobs carry the readable keys (last_job_state_name, ...)
PAGE_SIZE = 200
ALL_GROUP = "sae_jobs"
_UNSAFE_HOST_CHARACTERS = re.compile(r"[^\w.-]")
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def safe_host_name(name: str) -> str:
    """A host name safe in host patterns and templates: only word characters, ``-`` and ``.``."""
    return _UNSAFE_HOST_CHARACTERS.sub("_", name)


def default_host_name(job: dict) -> str:
    """``<app_name>_<app_id>``, made safe: stable, readable, unique (app ids are unique)."""
    app_name = job.get("app_name")
    name = "%s_%s" % (app_name, job["app_id"]) if app_name not in (None, "") else "%s" % job["app_id"]
    return safe_host_name(name)


def _describe_job(job: dict, region: str) -> str:
    return "%r (app_id %s, namespace %s, region %s)" % (
        job.get("app_name"),
        job["app_id"],
        job.get("namespace_id"),
        job.get("region_id") or region,
    )


_VAULT_TYPES = ("AnsibleVaultEncryptedUnicode", "EncryptedString")
_EXTRA_VARS_HINT = " (variables given with -e/--extra-vars are seen only with use_extra_vars: true)"


def _decrypted(value: Any) -> str:
    """A vault-encrypted value (2.16-2.18 AnsibleVaultEncryptedUnicode, 2.19+ EncryptedString) decrypted."""
    return str(value)


def _plain(value: Any) -> Any:
    """Strings (vault-encrypted, tagged or unsafe ones included) as exact ``str``; anything else as given."""
    if type(value).__name__ in _VAULT_TYPES:
        value = _decrypted(value)
    if isinstance(value, str):
        return str.__str__(value)  # str(value) would keep a subclass such as AnsibleUnsafeText
    return value


def _hostvar(value: Any, trusted: dict) -> Any:
    """A value for the inventory: a string that could be a template (it holds ``{`` or ``}``) untrusted, so it is
    never evaluated; every other string trusted, as ansible-core's own inventory data is, so that
    ``ansible-inventory --list --export`` (what AWX stores) prints it plain, not as ``__ansible_unsafe``
    (community.general#8212). Dictionaries (keys too) and lists item by item. ``trusted`` keeps the strings
    tagged so far: most repeat from job to job, and tagging costs more than a lookup."""
    if isinstance(value, str):
        if "{" in value or "}" in value:
            return value if wrap_var is None else wrap_var(value)
        if trust_as_template is None:
            return value
        tagged = trusted.get(value)
        if tagged is None:
            tagged = trusted[value] = trust_as_template(value)
        return tagged
    if isinstance(value, dict):
        return {_hostvar(key, trusted): _hostvar(item, trusted) for key, item in value.items()}
    if isinstance(value, list):
        return [_hostvar(item, trusted) for item in value]
    return value


def _checked(call, *args: Any) -> Any:
    """``call(*args)``, a refused value an AnsibleParserError."""
    try:
        return call(*args)
    except SaeError as error:
        raise AnsibleParserError("alicloud.sae.sae_job: %s" % error) from None


def _filter_set(index: int, entry: Any) -> dict:
    """One set of include_filters, checked: only the API's filters, text where the API takes text."""
    where = "include_filters[%d]" % index
    if not isinstance(entry, dict) or not entry:
        raise AnsibleParserError("%s must be a non-empty dictionary of filters, got %r." % (where, entry))
    unknown = sorted("%s" % key for key in entry if key not in FILTER_SET_KEYS)
    if unknown:
        raise AnsibleParserError(
            "%s has unknown key(s) %s; a filter set takes %s."
            % (where, ", ".join(unknown), ", ".join(sorted(FILTER_SET_KEYS)))
        )
    for key, value in entry.items():
        if key != "tags" and not isinstance(value, str):
            raise AnsibleParserError("%s.%s must be text, got %r." % (where, key, value))
    try:
        entry = dict(entry, tags=parse_tags(entry.get("tags")))
        list_jobs_parameters(entry)  # field_type's choices, field_type with field_value
    except SaeError as error:
        raise AnsibleParserError("%s: %s" % (where, error)) from None
    return {key: value for key, value in entry.items() if key != "tags" or value}


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "alicloud.sae.sae_job"
    INVENTORY_FILE_SUFFIXES = ("sae_job.yml", "sae_job.yaml")

    def verify_file(self, path: str) -> bool:
        return super().verify_file(path) and path.endswith(self.INVENTORY_FILE_SUFFIXES)

    # ---- options -------------------------------------------------------------------------

    def _template(self, name: str, value: Any) -> Any:
        """A configuration value with vault decrypted and Jinja2 templates rendered."""
        if isinstance(value, list):
            items = []
            for item in value:
                rendered = self._template(name, item)
                # An entry that is a template of a list (regions: "{{ sae_regions }}") gives its items.
                items.extend(rendered if isinstance(rendered, list) and isinstance(item, str) else [rendered])
            return items
        if isinstance(value, dict):
            return {_plain(key): self._template(name, item) for key, item in value.items()}
        if type(value).__name__ in _VAULT_TYPES:
            return _decrypted(value)  # a vaulted value is never a template
        if isinstance(value, str) and self.templar.is_template(value):
            try:
                value = self.templar.template(value)
            except Exception as error:
                # The message names the option and the template's problem, never a rendered value.
                undefined = "undefined" in "%s" % error
                hint = _EXTRA_VARS_HINT if undefined and not self.get_option("use_extra_vars") else ""
                raise AnsibleParserError("Could not template the %s option: %s%s" % (name, error, hint)) from None
        return _plain(value)

    def _check_keys(self, config: dict) -> None:
        """Refuse a key that is no option (nor alias): ignored, ``namespace:`` would list every namespace."""
        known = set()
        for name, definition in self.option_definitions.items():
            known.update([name, *(definition.get("aliases") or [])])
        for key in config:
            if key not in known:
                close = difflib.get_close_matches("%s" % key, sorted(known), n=1)
                raise AnsibleParserError(
                    "alicloud.sae.sae_job: %r is not an option of this plugin%s."
                    % (key, "; did you mean %s?" % close[0] if close else "")
                )

    def _resolved_options(self) -> dict:
        # Templates see the extra vars (-e) only with use_extra_vars, as compose, groups and hostnames do.
        self.templar.available_variables = dict(self._vars or {}) if self.get_option("use_extra_vars") else {}
        options = {}
        for name in CLIENT_OPTIONS + ("regions", "namespaces", "tags", "include_filters", "max_concurrency"):
            value = self.get_option(name)
            options[name] = self._template(name, value) if name in TEMPLATED_OPTIONS else value
        return options

    @staticmethod
    def _regions(options: dict) -> list[str]:
        regions = options["regions"] or ([options["region"]] if options["region"] else [])
        regions = [region for region in regions if region not in (None, "")]
        if not regions:
            raise AnsibleParserError(
                "alicloud.sae.sae_job needs regions (a list of region ids) or region (or the ALIBABA_CLOUD_REGION_ID "
                "environment variable), for example cn-hangzhou."
            )
        for region in regions:
            if not isinstance(region, str):
                raise AnsibleParserError("regions must be a list of region ids, got %r." % (region,))
        return list(dict.fromkeys(regions))

    @staticmethod
    def _queries(
        regions: list[str], namespaces: list[str], tags: dict, include_filters: list | tuple = ()
    ) -> list[JobQuery]:
        """One listing per region and filter set: the short form (one set per namespace, each with the tags),
        then each set of include_filters. The short form counts only when it is set or nothing else is."""
        sets = [
            (_filter_set(index, entry), "include_filters[%d].namespace_id" % index)
            for index, entry in enumerate(include_filters)
        ]
        tags = _checked(parse_tags, tags)
        if namespaces or tags or not sets:
            base = {"tags": tags} if tags else {}
            short = [
                (dict(base, namespace_id=namespace), "namespaces entry") for namespace in dict.fromkeys(namespaces)
            ]
            sets = (short or [(base, "")]) + sets
        queries: dict[str, JobQuery] = {}
        for filters, option in sets:
            namespace = filters.get("namespace_id")
            # a namespace is listed in its own region only (<region>:<name>, or a region's default namespace)
            for region in regions if namespace is None else [_checked(validate_namespace, namespace, regions, option)]:
                # the same listing asked for twice (two equal sets) is sent once
                queries.setdefault(json.dumps([region, filters], sort_keys=True), JobQuery(region, dict(filters)))
        return list(queries.values())

    def _naming(self) -> tuple[str, str]:
        prefix = _plain(self.get_option("hostvars_prefix")) or ""
        suffix = _plain(self.get_option("hostvars_suffix")) or ""
        if not (prefix + "app_id" + suffix).isidentifier():
            raise AnsibleParserError(
                "hostvars_prefix %r and hostvars_suffix %r must make valid variable names (letters, digits, _)."
                % (prefix, suffix)
            )
        return prefix, suffix

    # ---- cache ---------------------------------------------------------------------------

    def _cache_key(self, path: str, options: dict, queries: list[JobQuery]) -> str:
        """Ansible's key (the file's path) extended with everything that changes the result."""
        identity = {name: options.get(name) for name in IDENTITY_OPTIONS}
        scope = {
            "format": CACHE_FORMAT,
            "queries": sorted(json.dumps([query.region, query.filters], sort_keys=True) for query in queries),
            "endpoint": options.get("endpoint") or "",
            "identity": identity,
        }
        digest = hashlib.sha256(json.dumps(scope, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]
        return "%s_%s" % (self.get_cache_key(path), digest)

    @staticmethod
    def _to_cache(data: dict) -> dict:
        """The cache entry of ``data``."""
        # Cache plugins encode their values with Ansible's JSON encoder, indented and key-sorted:
        # over a second for 5000 jobs. The listings as one compact JSON string cost them next to nothing.
        return {"format": CACHE_FORMAT, "listings": json.dumps(data["listings"], separators=(",", ":"))}

    @staticmethod
    def _from_cache(entry: Any) -> dict | None:
        """The cached data, or None when the entry is missing, of another format or damaged."""
        if not isinstance(entry, dict) or entry.get("format") != CACHE_FORMAT:
            return None
        try:
            listings = json.loads(entry.get("listings"))
        except (TypeError, ValueError, RecursionError):
            return None
        valid = isinstance(listings, list) and all(
            isinstance(item, dict) and isinstance(item.get("region"), str) and isinstance(item.get("jobs"), list)
            for item in listings
        )
        return {"format": CACHE_FORMAT, "listings": listings} if valid else None

    # ---- listing -------------------------------------------------------------------------

    @staticmethod
    def _where(error: SaeError, query: JobQuery | None) -> str:
        text = "%s" % error
        if query is not None and isinstance(error, SaeApiError):
            if not error.region:
                text += " (region %s)" % query.region
            if query.filters.get("namespace_id"):
                text += " (namespace %s)" % query.filters["namespace_id"]
        return text

    def _fail_message(self, error: SaeError, query: JobQuery | None, options: dict) -> str:
        return self._where(error, query) + hint(error, options)

    def _failures_message(self, failures: list, options: dict) -> str:
        """The failures, one error code (a wrong secret fails every region alike, in words that differ only by the
        string to sign) said once, with the region and request id of each listing it ended."""
        groups: dict = {}
        for query, error in failures:
            same = (error.code, error.status) if isinstance(error, SaeApiError) else "%s" % error
            groups.setdefault(same, []).append((query, error))
        messages = []
        for (query, error), *others in groups.values():
            text = self._where(error, query)
            for where, other in others:
                namespace = where.filters.get("namespace_id")
                text += "; %s too in region %s%s (request id %s)" % (
                    getattr(other, "code", "the same error"),
                    where.region,
                    " namespace %s" % namespace if namespace else "",
                    getattr(other, "request_id", None) or "none",
                )
            messages.append(text + hint(error, options))
        return "; ".join(messages)

    def _list(self, options: dict, regions: list[str], queries: list[JobQuery]) -> tuple[dict, bool]:
        """The listings as cacheable data, and whether all of them succeeded."""
        params = {name: options[name] for name in CLIENT_OPTIONS}
        params["max_concurrency"] = options["max_concurrency"]
        try:
            with SaeClient(params, regions, max_concurrency=options["max_concurrency"]) as client:
                for warning in client.warnings:  # said once a run: Display says the same warning once
                    self.display.warning("alicloud.sae.sae_job: %s" % warning)
                results = client.list_jobs_many(queries, page_size=PAGE_SIZE)
                stats = client.stats
        except SaeError as error:
            raise AnsibleParserError("alicloud.sae.sae_job: %s" % self._fail_message(error, None, options)) from None
        except ImportError as error:
            raise AnsibleParserError("alicloud.sae.sae_job requires the Python library %s." % error.name) from None
        rate = stats["rate_limit"]
        self.display.vvv(
            "alicloud.sae.sae_job: %d listing(s), %d API request(s), %d retr%s%s; %d throttled, %s"
            % (
                len(queries),
                stats["requests"],
                stats["retries"],
                "y" if stats["retries"] == 1 else "ies",
                (" %s" % stats["retried_codes"]) if stats["retried_codes"] else "",
                stats["throttled"],
                "not rate-limited" if rate is None else "rate limited to %g requests/s" % rate,
            )
        )
        listings, failures = [], []
        for query, result in zip(queries, results):
            if isinstance(result, JobListing):
                listings.append({"region": query.region, "jobs": result.jobs})
                for warning in result.warnings:
                    self.display.warning("alicloud.sae.sae_job: %s" % warning)
            else:
                failures.append((query, result))
        if failures:
            if not self.get_option("skip_failed_regions") or not listings:
                raise AnsibleParserError(
                    "alicloud.sae.sae_job: %s%s"
                    % (
                        "every listing failed: " if listings == [] and len(queries) > 1 else "",
                        self._failures_message(failures, options),
                    )
                )
            messages = [self._fail_message(error, query, options) for query, error in failures]
            for (query, error), message in zip(failures, messages):
                code = getattr(error, "code", type(error).__name__)
                self.display.warning(
                    "alicloud.sae.sae_job: skipping region %s%s (%s): %s"
                    % (
                        query.region,
                        (" namespace %s" % query.filters["namespace_id"]) if query.filters.get("namespace_id") else "",
                        code,
                        message,
                    )
                )
        return {"format": CACHE_FORMAT, "listings": listings}, not failures

    # ---- hosts and groups ----------------------------------------------------------------

    def _host_namer(self, strict: bool):
        """A function ``(job, hostvars) -> host name`` for the ``hostnames`` option."""
        entries = []
        for entry in self.get_option("hostnames") or []:
            if not isinstance(entry, str) or not entry.strip():
                raise AnsibleParserError("hostnames entries must be non-empty strings, got %r." % (entry,))
            if _VARIABLE_NAME.match(entry):
                entries.append(("variable", entry))
            elif "{{" in entry or "{%" in entry:
                entries.append(("template", entry))
            else:
                entries.append(("expression", entry))

        def name(job: dict, hostvars: dict) -> str:
            for kind, entry in entries:
                try:
                    if kind == "variable":
                        value = hostvars[entry] if entry in hostvars else job.get(entry)
                    elif kind == "template":
                        use_extra = self.get_option("use_extra_vars")
                        self.templar.available_variables = combine_vars(hostvars, self._vars) if use_extra else hostvars
                        value = self.templar.template(entry)
                    else:
                        value = self._compose(entry, hostvars)
                except Exception as error:
                    if strict:
                        raise AnsibleParserError(
                            "alicloud.sae.sae_job: hostnames entry %r failed for job template %s: %s"
                            % (entry, _describe_job(job, ""), error)
                        ) from None
                    continue
                if value is not None and "%s" % value != "":
                    return safe_host_name("%s" % value)
            return default_host_name(job)

        return name

    def _condition_holds(self, condition: str, hostvars: dict) -> bool:
        """Whether a condition of the user's (trusted) holds over a job's (untrusted) host variables."""
        extra = self._vars if self.get_option("use_extra_vars") else None
        self.templar.available_variables = combine_vars(hostvars, extra) if extra else hostvars
        if hasattr(self.templar, "evaluate_conditional"):  # ansible-core >= 2.19
            return bool(self.templar.evaluate_conditional(condition))
        return boolean(self.templar.template("{%% if %s %%} True {%% else %%} False {%% endif %%}" % condition))

    def _excluder(self):
        """A function ``(job, hostvars) -> bool``: whether any condition of ``exclude`` leaves the job out."""
        conditions = self.get_option("exclude") or []
        for condition in conditions:
            if not isinstance(condition, str) or not condition.strip():
                raise AnsibleParserError("exclude entries must be non-empty conditions, got %r." % (condition,))

        def excluded(job: dict, hostvars: dict) -> bool:
            for condition in conditions:
                try:
                    if self._condition_holds(condition, hostvars):
                        return True
                except Exception as error:
                    # Never guess: a job kept or dropped by a condition that failed is a surprise either way.
                    raise AnsibleParserError(
                        "alicloud.sae.sae_job: exclude condition %r failed for job template %s: %s"
                        % (condition, _describe_job(job, ""), error)
                    ) from None
            return False

        return excluded

    def _populate(self, data: dict) -> None:
        inventory = self.inventory
        prefix, suffix = self._naming()
        strict = self.get_option("strict")
        compose = self.get_option("compose") or {}
        groups = self.get_option("groups") or {}
        keyed_groups = self.get_option("keyed_groups") or []
        host_name = self._host_namer(strict)
        excluded = self._excluder()
        sanitize = self._sanitize_group_name
        group_names: dict[str, str] = {}
        trusted: dict[str, str] = {}

        def group(raw: str) -> str:
            name = group_names.get(raw)
            if name is None:
                name = group_names[raw] = inventory.add_group(sanitize(raw))
            return name

        all_group = group(ALL_GROUP)
        owners: dict[str, tuple[dict, str]] = {}
        seen_ids = set()
        for listing in data["listings"]:
            region = listing["region"]
            region_group = group("sae_region_%s" % region)
            for job in listing["jobs"]:
                if job["app_id"] in seen_ids:  # one host per job template, even if two listings return it
                    continue
                seen_ids.add(job["app_id"])
                # from the cache or the API alike: only what could be a template stays untrusted
                hostvars = {prefix + key + suffix: _hostvar(value, trusted) for key, value in job.items()}
                hostvars["ansible_connection"] = _hostvar("local", trusted)
                if excluded(job, hostvars):
                    continue
                host = host_name(job, hostvars)
                if host in owners:
                    other, other_region = owners[host]
                    raise AnsibleParserError(
                        "alicloud.sae.sae_job: hostnames give two job templates the same host name %r: %s and %s. "
                        "Add an entry that tells them apart, for example sae_app_id."
                        % (host, _describe_job(other, other_region), _describe_job(job, region))
                    )
                owners[host] = (job, region)
                inventory.add_host(host, group=all_group)
                for name, value in hostvars.items():
                    inventory.set_variable(host, name, value)
                inventory.add_child(region_group, host)
                namespace = job.get("namespace_id")
                if namespace:
                    inventory.add_child(group("sae_namespace_%s" % namespace), host)
                for key, value in (job.get("tags") or {}).items():
                    inventory.add_child(group("sae_tag_%s_%s" % (key, "" if value is None else value)), host)
                if job.get("suspend") is True:
                    inventory.add_child(group("sae_suspended"), host)
                inventory.add_child(group("sae_last_run_%s" % job["last_job_state_name"]), host)
                if compose or groups or keyed_groups:
                    self._set_composite_vars(compose, hostvars, host, strict=strict)
                    self._add_host_to_composed_groups(groups, hostvars, host, strict=strict)
                    self._add_host_to_keyed_groups(keyed_groups, hostvars, host, strict=strict)

    # ---- entry point ---------------------------------------------------------------------

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._check_keys(self._read_config_data(path))
        options = self._resolved_options()
        regions = self._regions(options)
        queries = self._queries(
            regions, options["namespaces"] or [], options["tags"] or {}, options["include_filters"] or []
        )

        cache_key = self._cache_key(path, options, queries)
        use_cache = self.get_option("cache")
        data = None
        if use_cache and cache:
            try:
                data = self._from_cache(self._cache[cache_key])
            except KeyError:
                data = None
            if data is not None:
                self.display.vvv("alicloud.sae.sae_job: using the cached job templates (no API call)")
        if data is None:
            data, complete = self._list(options, regions, queries)
            if use_cache and complete:
                self._cache[cache_key] = self._to_cache(data)
        self._populate(data)
