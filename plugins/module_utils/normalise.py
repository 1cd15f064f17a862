# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One ListJobs answer → its page of raw job templates (``read_page``), and one raw job template → the snake_case
dict the module and the inventory plugin return (``normalise_job``).

Both read an answer as the official SDK's models (alibabacloud-sae20190506, ``ListJobsResponseBody``) do: every
member is optional, and one left out reads as null (see docs/architecture.md, "What an answer may leave out"). What
the SDK itself cannot read, or what leaves no way to list every job, is an ``InvalidResponse``. Values keep the types
the API gives them; only ``Tags`` (a list of Key/Value objects) becomes a dict and ``TriggerConfig`` (a JSON string)
is parsed. Four readable keys follow them: the state codes' names and the times as ISO 8601 UTC text.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError

# (result key, API field), in the order users see them.
JOB_FIELDS = (
    ("app_id", "AppId"),
    ("app_name", "AppName"),
    ("namespace_id", "NamespaceId"),
    ("region_id", "RegionId"),
    ("app_description", "AppDescription"),
    ("tags", "Tags"),
    ("trigger_config", "TriggerConfig"),
    ("suspend", "Suspend"),
    ("active", "Active"),
    ("succeeded", "Succeeded"),
    ("failed", "Failed"),
    ("last_start_time", "LastStartTime"),
    ("completion_time", "CompletionTime"),
    ("last_changeorder_state", "LastChangeorderState"),
    ("last_job_state", "LastJobState"),
    ("cpu", "Cpu"),
    ("mem", "Mem"),
    ("image_url", "ImageUrl"),
    ("message", "Message"),
)
# Readable forms of the coded fields (the vendor page's meanings); any other code is "unknown".
_JOB_STATES = {"0": "not_run", "1": "succeeded", "2": "failed", "3": "running"}
_CHANGEORDER_STATES = {"0": "failed", "1": "succeeded"}
_NAMED = ("last_job_state_name", "last_changeorder_state_name", "last_start_time_iso", "completion_time_iso")
JOB_KEYS = tuple(key for key, _field in JOB_FIELDS) + _NAMED


def _invalid(what: str) -> SaeApiError:
    return SaeApiError("InvalidResponse", what)


def _kind(value: Any) -> str:
    """How an error names a value it cannot use, without the (untrusted, maybe huge) value itself."""
    return "missing or null" if value is None else "of type %s" % type(value).__name__


def _tags(raw: Any, app_id: str) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise _invalid("job template %s: Tags is %s, not a list" % (app_id, type(raw).__name__))
    tags = {}
    for tag in raw:
        if not isinstance(tag, dict) or not isinstance(tag.get("Key"), str):
            raise _invalid("job template %s: a tag is not an object with a string Key" % app_id)
        tags[tag["Key"]] = tag.get("Value")
    return tags


def parse_trigger_config(raw: Any) -> Any:
    """The TriggerConfig JSON as a dict; anything that is not a JSON object stays as given."""
    if not isinstance(raw, str):
        return raw
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply to decode
        return raw
    return parsed if isinstance(parsed, dict) else raw


def read_page(document: dict) -> tuple[list, int, int | None]:
    """The raw job templates of one ListJobs answer (each with the AppId the listing keys it by, and nothing else
    ``normalise_job`` would refuse), the listing's total and the page size the answer pages by (``Data.PageSize``,
    None unless a whole number above 0), read as the SDK's models read them: a missing or null ``Applications`` is
    an empty page. Raises ``InvalidResponse`` without a request id or region: the caller adds
    them."""
    data = document.get("Data")
    if not isinstance(data, dict):
        # The SDK reads a missing or null Data as None (and [], "", 0, false as empty): nothing to list.
        raise _invalid("the answer has no Data object, so no Data.Applications list (Data is %s)" % _kind(data))
    applications = data.get("Applications")
    if applications is None:
        applications = []
    elif not isinstance(applications, list):
        raise _invalid("Data.Applications is %s, not a list" % _kind(applications))
    total = data.get("TotalSize")
    if total is None and not applications:
        total = 0  # an empty listing from a server that leaves out null and empty members
    elif isinstance(total, bool) or not isinstance(total, int):
        # Without the listing's size there is no knowing how many pages to read: never drop a job.
        raise _invalid(
            "Data.TotalSize is %s, not an integer (with %d job templates on the page)"
            % (_kind(total), len(applications))
        )
    for application in applications:
        app_id = job_key(application)
        _tags(application.get("Tags"), app_id)
    size = data.get("PageSize")
    return applications, total, size if isinstance(size, int) and not isinstance(size, bool) and size > 0 else None


def job_key(raw: Any) -> str:
    """The AppId a raw job template is known by; a record without a usable one is an API error, not a job
    to drop."""
    if not isinstance(raw, dict):
        raise _invalid("a job template is %s, not an object" % type(raw).__name__)
    app_id = raw.get("AppId")
    if not isinstance(app_id, str) or not app_id:
        raise _invalid("a job template has no AppId (AppName %r)" % (raw.get("AppName"),))
    return app_id


def _iso(seconds: Any) -> str | None:
    """Unix seconds (the vendor's examples) as ISO 8601 UTC; None for 0 (never ran), nothing, or year 10000 on."""
    valid = isinstance(seconds, int) and not isinstance(seconds, bool) and 0 < seconds < 253402300800
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds)) if valid else None


def normalise_job(raw: Any) -> dict:
    """Normalise one job template (see ``job_key`` for what makes it one)."""
    app_id = job_key(raw)
    job = {key: raw.get(api_field) for key, api_field in JOB_FIELDS}
    job["tags"] = _tags(raw.get("Tags"), app_id)
    job["trigger_config"] = parse_trigger_config(raw.get("TriggerConfig"))
    job["last_job_state_name"] = _JOB_STATES.get(str(job["last_job_state"]), "unknown")
    job["last_changeorder_state_name"] = _CHANGEORDER_STATES.get(str(job["last_changeorder_state"]), "unknown")
    job["last_start_time_iso"] = _iso(job["last_start_time"])
    job["completion_time_iso"] = _iso(job["completion_time"])
    return job
