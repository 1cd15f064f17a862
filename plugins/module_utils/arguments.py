# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shared options and the validation of user input, done before any request.

Pure functions over a params dict (the option names of ``alicloud.sae.common``), used by the module and the inventory
plugin alike.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import re
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.validation import check_type_dict

from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeParameterError

MAX_PAGE_SIZE = 200
MAX_CONCURRENCY = 64
# Enough for page 1 of five regions, then all their other pages, in one wave each.
DEFAULT_MAX_CONCURRENCY = 32
MAX_RETRIES = 20
FIELD_TYPES = ("appName", "appIds")
ORDER_BY = ("running", "instances")
DEFAULT_ENDPOINT = "https://sae.{region}.aliyuncs.com"
_REGION_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")

# Environment variables per option, in order of precedence. The inventory plugin's
# documentation lists the same names (a unit test keeps the two in step).
OPTION_ENV = {
    "access_key_id": ["ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY"],
    "access_key_secret": ["ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY"],
    "security_token": ["ALIBABA_CLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN"],
    "region": ["ALIBABA_CLOUD_REGION_ID", "ALICLOUD_REGION"],
    "profile": ["ALIBABA_CLOUD_PROFILE", "ALICLOUD_PROFILE"],
    # Not ALIBABA_CLOUD_ROLE_ARN: alibabacloud-credentials reads that one as the role an OIDC token is
    # exchanged for (ACK RRSA sets it in pods); reading it here would assume that role twice.
    "role_arn": ["ALIBABA_CLOUD_SAE_ROLE_ARN", "ALICLOUD_ASSUME_ROLE_ARN"],
    # Not ALIBABA_CLOUD_ROLE_SESSION_NAME either: the OIDC exchange of alibabacloud-credentials reads it.
    "role_session_name": ["ALICLOUD_ASSUME_ROLE_SESSION_NAME"],
    "endpoint": ["ALIBABA_CLOUD_SAE_ENDPOINT"],
    "max_requests_per_second": ["ALIBABA_CLOUD_SAE_MAX_REQUESTS_PER_SECOND"],
    "ca_bundle": ["ALIBABA_CLOUD_CA_BUNDLE"],
}


COMMON_ARGUMENT_SPEC: dict = {
    "access_key_id": {"type": "str", "aliases": ["alicloud_access_key", "access_key"]},
    "access_key_secret": {"type": "str", "no_log": True, "aliases": ["alicloud_secret_key", "secret_key"]},
    "security_token": {"type": "str", "no_log": True, "aliases": ["alicloud_security_token"]},
    "region": {"type": "str", "aliases": ["alicloud_region", "region_id"]},
    "profile": {"type": "str"},
    # alibaba.alicloud's names for the role, so its users' files and variables work unchanged.
    "role_arn": {"type": "str", "aliases": ["alicloud_assume_role_arn"]},
    "role_session_name": {"type": "str", "aliases": ["alicloud_assume_role_session_name"]},
    "sts_endpoint": {"type": "str"},
    "endpoint": {"type": "str"},
    "validate_certs": {"type": "bool", "default": True},
    # The vendor SDK's Config calls it ``ca``; Ansible's cloud collections say ``ca_bundle``.
    "ca_bundle": {"type": "path"},
    "timeout": {"type": "float", "default": 30.0},
    "max_retries": {"type": "int", "default": 5},
    "max_concurrency": {"type": "int", "default": DEFAULT_MAX_CONCURRENCY},
    "max_requests_per_second": {"type": "float"},
}
for _name, _variables in OPTION_ENV.items():
    COMMON_ARGUMENT_SPEC[_name]["fallback"] = (env_fallback, _variables)


def validate_region(region: str | None, option: str = "region") -> str:
    if not region:
        raise SaeParameterError("%s is required (or set ALIBABA_CLOUD_REGION_ID), for example cn-hangzhou." % option)
    if not isinstance(region, str) or not _REGION_PATTERN.match(region):
        raise SaeParameterError("%s %r is not a region id such as cn-hangzhou." % (option, region))
    return region


def option_value(params: dict, name: str) -> object:
    """A common option's value, or its documented default when it is unset (None)."""
    value = params.get(name)
    return COMMON_ARGUMENT_SPEC[name]["default"] if value is None else value


def resolve_endpoint(template: str | None, region: str) -> str:
    """The base URL (``scheme://host[:port][/prefix]``, no trailing slash) of ``template`` for ``region``: ``{region}``
    expanded, and checked to be a plain http(s) URL."""
    if template is not None and not isinstance(template, str):
        raise SaeParameterError("endpoint must be a URL template (text), got %s." % type(template).__name__)
    url = (template or DEFAULT_ENDPOINT).replace("{region}", region)
    if _SPACE_OR_CONTROL.search(url):
        # never valid in a URL, and a NUL makes the standard library raise where it looks at the host
        raise SaeParameterError("endpoint must not contain spaces or control characters, got %r." % url)
    if "://" not in url:
        url = "https://" + url
    try:
        parts = urlsplit(url)
    except ValueError as error:  # for example "Invalid IPv6 URL" for an unclosed "["
        raise SaeParameterError("endpoint %r is not a valid URL: %s." % (url, error)) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SaeParameterError("endpoint must be an http:// or https:// URL, got %r." % url)
    if "@" in parts.netloc:
        # user:pass@host would send the request (and its signature) somewhere else than it looks.
        raise SaeParameterError("endpoint must not contain user information (user@host).")
    if parts.query or parts.fragment:
        raise SaeParameterError("endpoint must not contain a query string or fragment.")
    try:
        parts.port  # noqa: B018 - reading it is the check: urllib raises ValueError for a bad port
    except ValueError:
        raise SaeParameterError("endpoint has an invalid port: %r." % url) from None
    return "%s://%s%s" % (parts.scheme, parts.netloc, parts.path.rstrip("/"))


def plain_http_warning(template: str | None, regions: list) -> str | None:
    """The warning an ``http://`` endpoint to a host that is not a loopback address deserves, None if none does."""
    hosts = [urlsplit(resolve_endpoint(template, region)) for region in regions]
    hosts = [parts.hostname for parts in hosts if parts.scheme == "http" and not _is_loopback(parts.hostname)]
    if not hosts:
        return None
    return (
        "endpoint is plain http:// to %s: the AccessKey ID, the security token and the job data travel unencrypted; "
        "use https://." % ", ".join(dict.fromkeys(hosts))
    )


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def validate_client_params(params: dict, regions: list) -> None:
    """Check the connection options for every region they will be used with."""
    for region in regions:
        validate_region(region)
        resolve_endpoint(params.get("endpoint"), region)
    _number_above_zero("timeout", "a number of seconds", params.get("timeout"))
    if params.get("max_retries") is not None:
        _whole_number("max_retries", params["max_retries"], 0, MAX_RETRIES)
    ca_bundle = params.get("ca_bundle")
    if ca_bundle is not None and not (isinstance(ca_bundle, str) and os.path.isfile(ca_bundle)):
        raise SaeParameterError("ca_bundle %r is not a file (a PEM bundle of CA certificates is expected)." % ca_bundle)
    _number_above_zero("max_requests_per_second", "a number", params.get("max_requests_per_second"))


def _number_above_zero(option: str, what: str, value: object) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf
    ):
        raise SaeParameterError("%s must be %s above 0, got %r." % (option, what, value))


def _whole_number(option: str, value: object, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bounds = "from %d to %d" % (low, high) if high is not None else "of %d or more" % low
        raise SaeParameterError("%s must be a whole number %s, got %r." % (option, bounds, value))
    return value


def validate_page_size(page_size: object) -> int:
    return _whole_number("page_size", page_size, 1, MAX_PAGE_SIZE)


def validate_current_page(current_page: object) -> int | None:
    return None if current_page is None else _whole_number("current_page", current_page, 1)


def validate_max_concurrency(value: object) -> int:
    return _whole_number("max_concurrency", value, 1, MAX_CONCURRENCY)


def validate_namespace(namespace: object, regions: list, option: str = "namespace_id") -> str:
    """The region of a namespace ID, ``<region>`` (its default namespace) or ``<region>:<name>``, which must be
    one of ``regions``: any other ID would be listed, and match nothing, without a word."""
    region, colon, name = namespace.partition(":") if isinstance(namespace, str) else ("", "", "")
    if region not in regions or (colon and not name):
        raise SaeParameterError(
            "%s %r is not a namespace of %s %s: SAE namespace IDs are <region> (the region's default namespace) "
            "or <region>:<name>, for example %s:prod."
            % (option, namespace, "region" if len(regions) == 1 else "regions", ", ".join(regions), regions[0])
        )
    return region


def _tag_pairs(tags: object) -> list:
    """The (key, value) pairs of tags given as a dictionary, ``key=value`` text (as Ansible reads a dict option
    given as text) or a list of the API's ``{key, value}`` objects or of such text."""
    if isinstance(tags, str):
        try:
            return list(check_type_dict(tags).items())
        except (TypeError, ValueError):
            raise SaeParameterError(
                "tags %r is not key=value text: the ListJobs API matches a tag by its key and value, so each tag "
                "needs both (team=billing); quote a value that holds a comma or space (env='my value')." % tags
            ) from None
    if isinstance(tags, dict):
        return list(tags.items())
    if not isinstance(tags, list):
        raise SaeParameterError("tags must be a dictionary, key=value text or a list, got %s." % type(tags).__name__)
    pairs = []
    for entry in tags:
        if isinstance(entry, dict) and set(entry) == {"key", "value"}:
            pairs.append((entry["key"], entry["value"]))
        elif isinstance(entry, str):
            pairs.extend(_tag_pairs(entry))
        else:
            raise SaeParameterError("tags entries must be {key: ..., value: ...} or key=value text, got %r." % (entry,))
    return pairs


def parse_tags(tags: object) -> dict:
    """Tags in any of the forms ``_tag_pairs`` reads, as a dictionary of tag key to text value."""
    result: dict = {}
    for key, value in [] if tags is None else _tag_pairs(tags):
        if not isinstance(key, str) or not key:
            raise SaeParameterError("tags keys must be non-empty strings, got %r." % (key,))
        if isinstance(value, (dict, list)) or value is None:
            raise SaeParameterError(
                "tags[%r] must be a string, got %s: the ListJobs API matches a tag by its key and value."
                % (key, type(value).__name__)
            )
        if key in result:  # a job carries one value per key: two would match nothing
            raise SaeParameterError("tags give the key %r twice." % key)
        result[key] = value if isinstance(value, str) else json.dumps(value)
    return result


def tags_parameter(tags: object) -> str | None:
    """The ``Tags`` query value: the API's JSON list of ``{"key", "value"}`` objects."""
    pairs = [{"key": key, "value": value} for key, value in parse_tags(tags).items()]
    return json.dumps(pairs, ensure_ascii=False, separators=(",", ":")) if pairs else None


def list_jobs_parameters(filters: dict) -> dict:
    """ListJobs query parameters (paging aside) for snake_case ``filters``; ``Workload=job`` always."""
    field_type, field_value = filters.get("field_type"), filters.get("field_value")
    if field_type is not None and field_type not in FIELD_TYPES:
        raise SaeParameterError("field_type must be one of %s, got %r." % (", ".join(FIELD_TYPES), field_type))
    if (field_type is None) != (field_value is None):
        raise SaeParameterError("field_type and field_value must be given together.")
    order_by = filters.get("order_by")
    if order_by is not None and order_by not in ORDER_BY:
        raise SaeParameterError("order_by must be one of %s, got %r." % (", ".join(ORDER_BY), order_by))
    reverse = filters.get("reverse")
    if reverse is not None and not isinstance(reverse, bool):
        raise SaeParameterError("reverse must be a boolean, got %r." % (reverse,))
    parameters = {
        "Workload": "job",
        "NamespaceId": filters.get("namespace_id"),
        "AppName": filters.get("app_name"),
        "FieldType": field_type,
        "FieldValue": field_value,
        "Tags": tags_parameter(filters.get("tags")),
        "OrderBy": order_by,
        "Reverse": None if reverse is None else ("true" if reverse else "false"),
    }
    return {name: value for name, value in parameters.items() if value is not None}
