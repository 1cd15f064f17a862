# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One ListJobs answer -> its page (``read_page``); one raw ListJobs application -> the documented snake_case dict."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError
from ansible_collections.alicloud.sae.plugins.module_utils.normalise import (
    JOB_FIELDS,
    JOB_KEYS,
    normalise_job,
    parse_trigger_config,
    read_page,
)
from ansible_collections.alicloud.sae.tests.unit.utils import VENDOR_EXAMPLE

DOCUMENTED_KEYS = (
    "app_id",
    "app_name",
    "namespace_id",
    "region_id",
    "app_description",
    "tags",
    "trigger_config",
    "suspend",
    "active",
    "succeeded",
    "failed",
    "last_start_time",
    "completion_time",
    "last_changeorder_state",
    "last_job_state",
    "cpu",
    "mem",
    "image_url",
    "message",
    "last_job_state_name",
    "last_changeorder_state_name",
    "last_start_time_iso",
    "completion_time_iso",
)


def test_job_keys_are_the_documented_ones():
    assert JOB_KEYS == DOCUMENTED_KEYS


def test_returned_keys_match_the_module_return_documentation():
    import yaml

    from ansible_collections.alicloud.sae.plugins.modules import sae_job_info

    documented = yaml.safe_load(sae_job_info.RETURN)["jobs"]["contains"]
    assert tuple(documented) == JOB_KEYS


def test_vendor_example():
    job = normalise_job(VENDOR_EXAMPLE)
    assert tuple(job) == JOB_KEYS
    assert job == {
        "app_id": "f7730764-d88f-4b9a-8d8e-cd8efbfe****",
        "app_name": "demo-app",
        "namespace_id": "cn-beijing:demo",
        "region_id": "cn-beijing",
        "app_description": "description",
        "tags": {"key": "value"},
        "trigger_config": {"type": "time", "config": "0 1 */1 * ?", "timezone": "GMT+8:00"},
        "suspend": False,
        "active": 0,
        "succeeded": 3,
        "failed": 0,
        "last_start_time": 1657522800,
        "completion_time": 1657522839,
        "last_changeorder_state": "1",
        "last_job_state": "0",
        "cpu": 500,
        "mem": 1024,
        "image_url": "",
        "message": "success",
        "last_job_state_name": "not_run",
        "last_changeorder_state_name": "succeeded",
        "last_start_time_iso": "2022-07-11T07:00:00Z",
        "completion_time_iso": "2022-07-11T07:00:39Z",
    }
    # Types as the API gives them: no coercion of the string states or the integers.
    assert job["suspend"].__class__ is bool
    assert job["last_changeorder_state"].__class__ is str
    assert job["cpu"].__class__ is int


def test_input_is_not_modified():
    raw = dict(VENDOR_EXAMPLE)
    normalise_job(raw)
    assert raw == VENDOR_EXAMPLE


def test_http_trigger_config():
    config = {"type": "HTTPS", "method": ["GET"], "ip": [], "referer": [], "securityConfig": "none"}
    raw = dict(VENDOR_EXAMPLE, TriggerConfig=json.dumps({"type": "http", "config": config}))
    assert normalise_job(raw)["trigger_config"] == {"type": "http", "config": config}


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("0 1 */1 * ?", id="cron-text"),
        pytest.param("{not json", id="broken-json"),
        pytest.param("[1, 2]", id="json-array"),
        pytest.param('"text"', id="json-string"),
        pytest.param("", id="empty"),
        pytest.param("[" * 100_000, id="nested-too-deep"),
    ],
)
def test_trigger_config_that_is_not_a_json_object_is_kept_raw(raw):
    assert parse_trigger_config(raw) == raw
    assert normalise_job(dict(VENDOR_EXAMPLE, TriggerConfig=raw))["trigger_config"] == raw


def test_trigger_config_already_an_object_is_kept():
    assert parse_trigger_config({"type": "time"}) == {"type": "time"}
    assert parse_trigger_config(None) is None


def test_missing_fields_are_none():
    job = normalise_job({"AppId": "only-id"})
    assert tuple(job) == JOB_KEYS
    assert job["app_id"] == "only-id"
    assert job["tags"] == {}
    assert job["last_job_state_name"] == job["last_changeorder_state_name"] == "unknown"
    assert all(job[name] is None for name in JOB_KEYS if name not in ("app_id", "tags") and "state_name" not in name)


# What a member left out (or null) reads as, as the SDK's models read it: Tags an empty list, the rest None.
LEFT_OUT = {"tags": {}}
# The readable key made from a member, and what it reads as when the member is left out.
READABLE = {
    "last_job_state": ("last_job_state_name", "unknown"),
    "last_changeorder_state": ("last_changeorder_state_name", "unknown"),
    "last_start_time": ("last_start_time_iso", None),
    "completion_time": ("completion_time_iso", None),
}
OPTIONAL_FIELDS = [(key, api_field) for key, api_field in JOB_FIELDS if api_field != "AppId"]


@pytest.mark.parametrize("key, api_field", OPTIONAL_FIELDS, ids=[api_field for _key, api_field in OPTIONAL_FIELDS])
@pytest.mark.parametrize("absence", ["left-out", "null"])
def test_each_member_left_out_or_null_reads_as_its_empty_value(key, api_field, absence):
    raw = {name: value for name, value in VENDOR_EXAMPLE.items() if name != api_field}
    if absence == "null":
        raw[api_field] = None
    job = normalise_job(raw)
    assert tuple(job) == JOB_KEYS
    assert job[key] == LEFT_OUT.get(key)
    readable, empty = READABLE.get(key, (key, LEFT_OUT.get(key)))
    assert job[readable] == empty
    # Every other member reads as it does with the whole record.
    whole = normalise_job(VENDOR_EXAMPLE)
    assert {name: value for name, value in job.items() if name not in (key, readable)} == {
        name: value for name, value in whole.items() if name not in (key, readable)
    }


def test_unknown_fields_are_dropped():
    job = normalise_job(dict(VENDOR_EXAMPLE, NewField="x", AppName="n"))
    assert tuple(job) == JOB_KEYS
    assert "x" not in job.values()


def test_tags():
    tags = [{"Key": "team", "Value": "billing"}, {"Key": "中文", "Value": "任务 🚀"}, {"Key": "empty", "Value": ""}]
    assert normalise_job(dict(VENDOR_EXAMPLE, Tags=tags))["tags"] == {"team": "billing", "中文": "任务 🚀", "empty": ""}
    assert normalise_job(dict(VENDOR_EXAMPLE, Tags=[]))["tags"] == {}
    assert normalise_job(dict(VENDOR_EXAMPLE, Tags=None))["tags"] == {}
    assert normalise_job(dict(VENDOR_EXAMPLE, Tags=[{"Key": "k"}]))["tags"] == {"k": None}


@pytest.mark.parametrize(
    "tags",
    [
        pytest.param({"Key": "k", "Value": "v"}, id="object"),
        pytest.param("k=v", id="string"),
        pytest.param(["k"], id="list-of-strings"),
        pytest.param([{"Value": "v"}], id="no-key"),
        pytest.param([{"Key": 1, "Value": "v"}], id="number-key"),
    ],
)
def test_malformed_tags_are_an_invalid_response(tags):
    with pytest.raises(SaeApiError) as caught:
        normalise_job(dict(VENDOR_EXAMPLE, Tags=tags))
    assert caught.value.code == "InvalidResponse"
    assert VENDOR_EXAMPLE["AppId"] in caught.value.message


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({"AppName": "no-id"}, id="missing"),
        pytest.param({"AppId": None, "AppName": "null-id"}, id="null"),
        pytest.param({"AppId": ""}, id="empty"),
        pytest.param({"AppId": 12345}, id="number"),
        pytest.param({"AppId": ["a"]}, id="list"),
    ],
)
def test_no_app_id_is_an_invalid_response(raw):
    with pytest.raises(SaeApiError) as caught:
        normalise_job(raw)
    assert caught.value.code == "InvalidResponse"
    assert "AppId" in caught.value.message


@pytest.mark.parametrize("raw", [None, "job", 3, ["AppId", "x"]])
def test_not_an_object_is_an_invalid_response(raw):
    with pytest.raises(SaeApiError, match="InvalidResponse"):
        normalise_job(raw)


# ---- read_page: one answer's page, read as the SDK's ListJobsResponseBody reads it -----------------------

JOB = {"AppId": "app-1"}


def _answer(**data: object) -> dict:
    return {"RequestId": "req-1", "Success": True, "Data": data}


def _invalid_response(document: dict) -> SaeApiError:
    with pytest.raises(SaeApiError) as caught:
        read_page(document)
    error = caught.value
    assert error.code == "InvalidResponse"
    assert (error.request_id, error.region) == (None, None)  # the caller, who knows them, adds them
    return error


def test_page_with_jobs_and_total():
    jobs = [dict(VENDOR_EXAMPLE), {"AppId": "only-id"}]
    applications, total, size = read_page(_answer(Applications=jobs, TotalSize=12, CurrentPage=1, PageSize=2))
    assert applications == jobs and total == 12 and size == 2
    assert applications[0] is jobs[0]  # the raw templates themselves, normalised later


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({"RequestId": "req-1", "Success": True}, id="missing"),
        pytest.param({"Data": None}, id="null"),
        pytest.param({"Data": [JOB]}, id="list"),
        pytest.param({"Data": "Applications"}, id="string"),
        pytest.param({"Data": 3}, id="number"),
        pytest.param({"Data": True}, id="boolean"),
    ],
)
def test_data_that_is_not_an_object_is_an_invalid_response(document):
    # The SDK reads a missing or null Data as None (body.data.applications then fails) and cannot read the rest.
    assert "no Data object" in _invalid_response(document).message


@pytest.mark.parametrize("applications", ["left-out", None])
@pytest.mark.parametrize("total, expected", [("left-out", 0), (None, 0), (0, 0), (25, 25)])
def test_applications_left_out_or_null_is_an_empty_page(applications, total, expected):
    data = {"CurrentPage": 3, "PageSize": 10}
    if applications != "left-out":
        data["Applications"] = applications
    if total != "left-out":
        data["TotalSize"] = total
    assert read_page(_answer(**data)) == ([], expected, 10)


def test_an_empty_data_object_is_an_empty_listing():
    assert read_page(_answer()) == ([], 0, None)


@pytest.mark.parametrize("size", [0, -5, True, 2.0, "2", None], ids=repr)
def test_a_page_size_that_is_not_a_whole_number_above_0_is_the_one_asked(size):
    assert read_page(_answer(Applications=[JOB], TotalSize=1, PageSize=size)) == ([JOB], 1, None)


@pytest.mark.parametrize(
    "applications",
    [
        pytest.param({"AppId": "app-1"}, id="object"),
        pytest.param("app-1", id="string"),
        pytest.param(2, id="number"),
        pytest.param(True, id="boolean"),
    ],
)
def test_applications_that_is_not_a_list_is_an_invalid_response(applications):
    assert "Data.Applications" in _invalid_response(_answer(Applications=applications, TotalSize=1)).message


@pytest.mark.parametrize("jobs", [[], [JOB]], ids=["no-jobs", "jobs"])
@pytest.mark.parametrize(
    "total",
    [
        pytest.param("3", id="string"),
        pytest.param(3.0, id="float"),
        pytest.param(True, id="true"),
        pytest.param(False, id="false"),
        pytest.param([3], id="list"),
        pytest.param({"value": 3}, id="object"),
    ],
)
def test_total_size_that_is_not_a_number_is_an_invalid_response(jobs, total):
    assert "Data.TotalSize" in _invalid_response(_answer(Applications=jobs, TotalSize=total)).message


@pytest.mark.parametrize("total", ["left-out", None])
def test_total_size_left_out_with_jobs_on_the_page_is_an_invalid_response(total):
    # Without the listing's size there is no knowing whether more pages follow: never drop a job.
    data: dict = {"Applications": [JOB]}
    if total != "left-out":
        data["TotalSize"] = total
    assert "Data.TotalSize" in _invalid_response(_answer(**data)).message


@pytest.mark.parametrize(
    "job",
    [
        pytest.param({"AppName": "no-id"}, id="no-app-id"),
        pytest.param({"AppId": ""}, id="empty-app-id"),
        pytest.param({"AppId": 7}, id="number-app-id"),
        pytest.param(None, id="null"),
        pytest.param("app-1", id="string"),
    ],
)
def test_a_job_template_without_its_app_id_is_an_invalid_response(job):
    _invalid_response(_answer(Applications=[JOB, job], TotalSize=2))


def test_a_job_template_of_only_its_app_id_is_a_job():
    assert read_page(_answer(Applications=[{"AppId": "app-1"}], TotalSize=1)) == ([{"AppId": "app-1"}], 1, None)


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.text(min_size=1, max_size=4).map(lambda s: s * 10_000),  # huge strings, cheaply
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
FIELDS = [
    "AppId",
    "AppName",
    "NamespaceId",
    "RegionId",
    "AppDescription",
    "Tags",
    "TriggerConfig",
    "Suspend",
    "Active",
    "Cpu",
    "Mem",
    "ImageUrl",
    "Message",
]
TAG_LISTS = st.lists(
    st.one_of(
        st.fixed_dictionaries({"Key": st.text(max_size=10), "Value": JSON_VALUES}),
        st.dictionaries(st.sampled_from(["Key", "Value", "key"]), JSON_VALUES, max_size=2),
        JSON_SCALARS,
    ),
    max_size=4,
)
FIELD_VALUES = {
    "AppId": st.one_of(st.text(max_size=20), JSON_VALUES),
    "Tags": st.one_of(TAG_LISTS, JSON_VALUES),
    "TriggerConfig": st.one_of(JSON_VALUES.map(json.dumps), st.text(max_size=40), JSON_VALUES),
}
PAYLOADS = st.one_of(
    st.fixed_dictionaries({}, optional={name: FIELD_VALUES.get(name, JSON_VALUES) for name in FIELDS}),
    st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=6),
    JSON_VALUES,
)


@given(PAYLOADS)
def test_random_payloads_normalise_or_raise_an_api_error(raw):
    try:
        job = normalise_job(raw)
    except SaeApiError as error:
        assert error.code == "InvalidResponse"
        return
    assert tuple(job) == JOB_KEYS
    assert isinstance(job["app_id"], str) and job["app_id"]
    assert isinstance(job["tags"], dict)


# ---- readable forms of the coded fields ----------------------------------------------------


@pytest.mark.parametrize(
    "code, name",
    [("0", "not_run"), ("1", "succeeded"), ("2", "failed"), ("3", "running"), ("4", "unknown"), ("", "unknown")]
    + [("-1", "unknown"), ("succeeded", "unknown"), (None, "unknown"), (True, "unknown"), ([1], "unknown")],
)
def test_last_job_state_name(code, name):
    job = normalise_job(dict(VENDOR_EXAMPLE, LastJobState=code))
    assert job["last_job_state_name"] == name
    assert job["last_job_state"] == code  # the raw field is kept as the API gives it


@pytest.mark.parametrize(
    "code, name",
    [("0", "failed"), ("1", "succeeded"), ("2", "unknown"), ("", "unknown"), (None, "unknown"), ({}, "unknown")],
)
def test_last_changeorder_state_name(code, name):
    job = normalise_job(dict(VENDOR_EXAMPLE, LastChangeorderState=code))
    assert job["last_changeorder_state_name"] == name
    assert job["last_changeorder_state"] == code


@pytest.mark.parametrize(
    "seconds, text",
    [
        (1657522800, "2022-07-11T07:00:00Z"),
        (1, "1970-01-01T00:00:01Z"),
        (1767225600, "2026-01-01T00:00:00Z"),
        (253402300799, "9999-12-31T23:59:59Z"),
        (0, None),  # never ran
        (None, None),
        (-5, None),
        (True, None),
        ("1657522800", None),
        (1657522800.5, None),
        (1657522800000, None),  # milliseconds: no year 54000
        (10**30, None),
    ],
)
def test_times_as_iso_8601_utc(seconds, text):
    job = normalise_job(dict(VENDOR_EXAMPLE, LastStartTime=seconds, CompletionTime=seconds))
    assert job["last_start_time_iso"] == job["completion_time_iso"] == text
    assert job["last_start_time"] == job["completion_time"] == seconds


def test_a_job_that_never_ran():
    # As the emulator (and the API) give one: state "0", both times 0.
    job = normalise_job(dict(VENDOR_EXAMPLE, LastJobState="0", LastStartTime=0, CompletionTime=0, Succeeded=0))
    assert job["last_job_state_name"] == "not_run"
    assert job["last_start_time_iso"] is None
    assert job["completion_time_iso"] is None
    assert (job["last_job_state"], job["last_start_time"], job["completion_time"]) == ("0", 0, 0)


def test_a_running_job_has_a_start_and_no_completion():
    job = normalise_job(dict(VENDOR_EXAMPLE, LastJobState="3", Active=1, LastStartTime=1767225540, CompletionTime=0))
    assert job["last_job_state_name"] == "running"
    assert (job["last_start_time_iso"], job["completion_time_iso"]) == ("2025-12-31T23:59:00Z", None)
