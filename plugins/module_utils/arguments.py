# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shared options and the validation of user input, done before any request.

Pure functions over a params dict (the option names of ``alicloud.sae.common``), used by
the module and the inventory plugin alike.
"""

from __future__ import annotations

import json
import math
import os
import re

from ansible.module_utils.basic import env_fallback

from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeParameterError
from ansible_collections.alicloud.sae.plugins.module_utils.transport import resolve_endpoint

MAX_PAGE_SIZE = 200
MAX_CONCURRENCY = 64
# Enough for page 1 of five regions, then all their other pages, in one wave each.
DEFAULT_MAX_CONCURRENCY = 32
MAX_RETRIES = 20
FIELD_TYPES = ("appName", "appIds")
ORDER_BY = ("running", "instances")
_REGION_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

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


def _with_env(option: str, spec: dict) -> dict:
    spec["fallback"] = (env_fallback, OPTION_ENV[option])
    return spec


COMMON_ARGUMENT_SPEC = {
    "access_key_id": _with_env("access_key_id", {"type": "str", "aliases": ["alicloud_access_key", "access_key"]}),
    "access_key_secret": _with_env(
        "access_key_secret", {"type": "str", "no_log": True, "aliases": ["alicloud_secret_key", "secret_key"]}
    ),
    "security_token": _with_env(
        "security_token", {"type": "str", "no_log": True, "aliases": ["alicloud_security_token"]}
    ),
    "region": _with_env("region", {"type": "str", "aliases": ["alicloud_region", "region_id"]}),
    "profile": _with_env("profile", {"type": "str"}),
    # alibaba.alicloud's names for the role, so its users' files and variables work unchanged.
    "role_arn": _with_env("role_arn", {"type": "str", "aliases": ["alicloud_assume_role_arn"]}),
    "role_session_name": _with_env(
        "role_session_name", {"type": "str", "aliases": ["alicloud_assume_role_session_name"]}
    ),
    "sts_endpoint": {"type": "str"},
    "endpoint": _with_env("endpoint", {"type": "str"}),
    "validate_certs": {"type": "bool", "default": True},
    # The vendor SDK's Config calls it ``ca``; Ansible's cloud collections say ``ca_bundle``.
    "ca_bundle": _with_env("ca_bundle", {"type": "path"}),
    "timeout": {"type": "float", "default": 30.0},
    "max_retries": {"type": "int", "default": 5},
    "max_concurrency": {"type": "int", "default": DEFAULT_MAX_CONCURRENCY},
    "max_requests_per_second": _with_env("max_requests_per_second", {"type": "float"}),
}

# Filters of ListJobs, as module options (the inventory plugin offers namespaces and tags).
LIST_FILTER_ARGUMENT_SPEC = {
    "namespace_id": {"type": "str"},
    "app_name": {"type": "str"},
    "field_type": {"type": "str", "choices": list(FIELD_TYPES)},
    "field_value": {"type": "str"},
    "tags": {"type": "dict"},
    "order_by": {"type": "str", "choices": list(ORDER_BY)},
    "reverse": {"type": "bool"},
    "page_size": {"type": "int", "default": MAX_PAGE_SIZE},
    "current_page": {"type": "int"},
}


def validate_region(region: str | None, option: str = "region") -> str:
    if not region:
        raise SaeParameterError("%s is required (or set ALIBABA_CLOUD_REGION_ID), for example cn-hangzhou." % option)
    if not isinstance(region, str) or not _REGION_PATTERN.match(region):
        raise SaeParameterError("%s %r is not a region id such as cn-hangzhou." % (option, region))
    return region


def validate_client_params(params: dict, regions: list) -> None:
    """Check the connection options for every region they will be used with."""
    for region in regions:
        validate_region(region)
        resolve_endpoint(params.get("endpoint"), region)
    timeout = params.get("timeout")
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise SaeParameterError("timeout must be a number of seconds above 0, got %r." % (timeout,))
    max_retries = params.get("max_retries")
    if max_retries is not None and not (isinstance(max_retries, int) and 0 <= max_retries <= MAX_RETRIES):
        raise SaeParameterError("max_retries must be a whole number from 0 to %d, got %r." % (MAX_RETRIES, max_retries))
    ca_bundle = params.get("ca_bundle")
    if ca_bundle is not None and not (isinstance(ca_bundle, str) and os.path.isfile(ca_bundle)):
        raise SaeParameterError("ca_bundle %r is not a file (a PEM bundle of CA certificates is expected)." % ca_bundle)
    rate = params.get("max_requests_per_second")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < math.inf):
        raise SaeParameterError("max_requests_per_second must be a number above 0, got %r." % (rate,))


def validate_page_size(page_size: object) -> int:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise SaeParameterError("page_size must be a whole number from 1 to %d, got %r." % (MAX_PAGE_SIZE, page_size))
    return page_size


def validate_current_page(current_page: object) -> int | None:
    if current_page is None:
        return None
    if isinstance(current_page, bool) or not isinstance(current_page, int) or current_page < 1:
        raise SaeParameterError("current_page must be a whole number of 1 or more, got %r." % (current_page,))
    return current_page


def validate_max_concurrency(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CONCURRENCY:
        raise SaeParameterError(
            "max_concurrency must be a whole number from 1 to %d, got %r." % (MAX_CONCURRENCY, value)
        )
    return value


def tags_parameter(tags: object) -> str | None:
    """The ``Tags`` query value: the API's JSON list of ``{"key", "value"}`` objects."""
    if tags is None or tags == {}:
        return None
    if not isinstance(tags, dict):
        raise SaeParameterError("tags must be a dictionary of tag key to value, got %s." % type(tags).__name__)
    pairs = []
    for key, value in tags.items():
        if not isinstance(key, str) or not key:
            raise SaeParameterError("tags keys must be non-empty strings, got %r." % (key,))
        if isinstance(value, (dict, list)) or value is None:
            raise SaeParameterError("tags[%r] must be a string, got %s." % (key, type(value).__name__))
        pairs.append({"key": key, "value": value if isinstance(value, str) else json.dumps(value)})
    return json.dumps(pairs, ensure_ascii=False, separators=(",", ":"))


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
