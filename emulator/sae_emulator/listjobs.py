"""ListJobs: request parameters validated as the vendor page describes, filtering, ordering, paging, answer shape."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .data import public_view
from .errors import ApiError, invalid_parameter, missing_parameter

ACTION = "ListJobs"
VERSION = "2019-05-06"
PATH = "/pop/v1/sam/job/listJobs"
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 200
ORDER_FIELDS = {"running": "Active", "instances": "Instances"}
FIELD_TYPES = ("appName", "appIds")


@dataclass(frozen=True)
class ListJobsQuery:
    current_page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    app_name: str | None = None
    namespace_id: str | None = None
    tags: tuple = ()  # ((key, value or None), ...)
    order_by: str | None = None
    reverse: bool = False
    field_type: str | None = None
    field_value: str | None = None

    def selection_key(self) -> tuple:
        """Everything but paging: equal keys select the same jobs in the same order."""
        return (
            self.app_name,
            self.namespace_id,
            self.tags,
            self.order_by,
            self.reverse,
            self.field_type,
            self.field_value,
        )


def _text(params: dict, name: str) -> str | None:
    # An empty value is treated as not given, as the SDK leaves unset parameters out anyway.
    value = params.get(name)
    return value if value else None


def _integer(params: dict, name: str, default: int, low: int, high: int | None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit():
        raise invalid_parameter("%s must be an integer, got %r." % (name, raw))
    value = int(raw)
    if value < low or (high is not None and value > high):
        bounds = "[%d, %d]" % (low, high) if high is not None else ">= %d" % low
        raise invalid_parameter("%s must be in %s, got %d." % (name, bounds, value))
    return value


def _tags(raw: str | None) -> tuple:
    if raw is None:
        return ()
    try:
        document = json.loads(raw)
    except ValueError:
        raise invalid_parameter('Tags must be a JSON list of {"key","value"} objects.') from None
    if not isinstance(document, list):
        raise invalid_parameter('Tags must be a JSON list of {"key","value"} objects.')
    wanted = []
    for item in document:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not item["key"]:
            raise invalid_parameter('Each tag in Tags needs a non-empty string "key".')
        value = item.get("value")
        if value is not None and not isinstance(value, str):
            raise invalid_parameter('A tag "value" in Tags must be a string.')
        wanted.append((item["key"], value))
    return tuple(wanted)


def parse(params: dict) -> ListJobsQuery:
    """The validated query, or ``ApiError`` (HTTP 400) naming the bad parameter."""
    workload = params.get("Workload")
    if not workload:
        raise missing_parameter("Workload")
    if workload != "job":
        raise invalid_parameter("Workload must be job, got %r." % workload)
    reverse_raw = params.get("Reverse")
    if reverse_raw in (None, ""):
        reverse = False
    elif reverse_raw.lower() in ("true", "false"):
        reverse = reverse_raw.lower() == "true"
    else:
        raise invalid_parameter("Reverse must be true or false, got %r." % reverse_raw)
    order_by = _text(params, "OrderBy")
    if order_by is not None and order_by not in ORDER_FIELDS:
        raise invalid_parameter("OrderBy must be running or instances, got %r." % order_by)
    field_type = _text(params, "FieldType")
    if field_type is not None and field_type not in FIELD_TYPES:
        raise invalid_parameter("FieldType must be appName or appIds, got %r." % field_type)
    return ListJobsQuery(
        current_page=_integer(params, "CurrentPage", 1, 1, None),
        page_size=_integer(params, "PageSize", DEFAULT_PAGE_SIZE, 0, MAX_PAGE_SIZE),
        app_name=_text(params, "AppName"),
        namespace_id=_text(params, "NamespaceId"),
        tags=_tags(_text(params, "Tags")),
        order_by=order_by,
        reverse=reverse,
        field_type=field_type,
        field_value=_text(params, "FieldValue"),
    )


def _has_tags(job: dict, wanted: tuple) -> bool:
    pairs = {(tag["Key"], tag["Value"]) for tag in job["Tags"]}
    keys = {tag["Key"] for tag in job["Tags"]}
    return all((key in keys) if value is None else ((key, value) in pairs) for key, value in wanted)


def select(jobs: list, query: ListJobsQuery) -> list:
    """The matching jobs, in creation order or ordered by ``OrderBy`` (ties keep creation order)."""
    selected = jobs
    if query.namespace_id is not None:
        selected = [job for job in selected if job["NamespaceId"] == query.namespace_id]
    if query.app_name is not None:
        # Name search is a substring match, like the console's: callers wanting equality filter again.
        selected = [job for job in selected if query.app_name in job["AppName"]]
    if query.field_type == "appName" and query.field_value is not None:
        selected = [job for job in selected if query.field_value in job["AppName"]]
    elif query.field_type == "appIds" and query.field_value is not None:
        ids = {part.strip() for part in query.field_value.split(",") if part.strip()}
        selected = [job for job in selected if job["AppId"] in ids]
    if query.tags:
        selected = [job for job in selected if _has_tags(job, query.tags)]
    if query.order_by is not None:
        field_name = ORDER_FIELDS[query.order_by]
        # Reverse=true is ascending, false descending (sic, per the vendor page). Python's sort is
        # stable, and negating the key keeps ties in creation order in both directions.
        if query.reverse:
            selected = sorted(selected, key=lambda job: job[field_name])
        else:
            selected = sorted(selected, key=lambda job: -job[field_name])
    return list(selected)


def answer(selected: list, query: ListJobsQuery, request_id: str, total: int | None = None) -> dict:
    """The success body, with the vendor example's fields and order (ErrorCode is left out on success); ``total``
    replaces the true TotalSize (the fault ``reported_total_size``)."""
    start = (query.current_page - 1) * query.page_size
    page = selected[start : start + query.page_size] if query.page_size else []
    total = len(selected) if total is None else total
    return {
        "Message": "success",
        "RequestId": request_id,
        "Data": {
            "CurrentPage": query.current_page,
            "TotalSize": total,
            "PageSize": query.page_size,
            "Applications": [public_view(job) for job in page],
        },
        "Code": "200",
        "Success": True,
        "CurrentPage": query.current_page,
        "TotalSize": total,
        "PageSize": query.page_size,
    }


def ensure_route(method: str) -> None:
    if method != "GET":
        raise ApiError(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
