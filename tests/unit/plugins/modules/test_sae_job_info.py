# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The sae_job_info module: argument errors send nothing, results, API errors, check mode."""

from __future__ import annotations

import json

import pytest

from ansible_collections.alicloud.sae.plugins.module_utils.normalise import JOB_KEYS
from ansible_collections.alicloud.sae.plugins.modules import sae_job_info
from ansible_collections.alicloud.sae.tests.unit.utils import AK_ID, SECRET, run_module

BASE = {"region": "cn-beijing", "access_key_id": AK_ID, "access_key_secret": SECRET}


def run(monkeypatch, **args):
    return run_module(sae_job_info.main, dict(BASE, **args), monkeypatch)


@pytest.mark.parametrize(
    "args, message",
    [
        ({"page_size": 500}, "page_size must be a whole number from 1 to 200, got 500."),
        ({"page_size": -1}, "page_size must be a whole number from 1 to 200, got -1."),
        ({"page_size": 0}, "page_size must be a whole number from 1 to 200, got 0."),
        ({"current_page": 0}, "current_page must be a whole number of 1 or more, got 0."),
        ({"field_type": "appNames", "field_value": "x"}, "field_type must be one of: appName, appIds"),
        ({"order_by": "name"}, "order_by must be one of: running, instances"),
        ({"tags": ["team", "billing"]}, "tags 'team' is not key=value text"),
        ({"tags": {"team": None}}, "tags['team'] must be a string, got NoneType"),
        (
            {"namespace_id": "prod"},
            "namespace_id 'prod' is not a namespace of region cn-beijing: SAE namespace IDs are",
        ),
        (
            {"namespace_id": "cn-hangzhou:prod"},
            "namespace_id 'cn-hangzhou:prod' is not a namespace of region cn-beijing",
        ),
        ({"namespace_id": "cn-beijing:"}, "namespace_id 'cn-beijing:' is not a namespace of region cn-beijing"),
        ({"field_type": "appName"}, "parameters are required together: field_type, field_value"),
        ({"field_value": "x"}, "parameters are required together: field_type, field_value"),
        ({"region": None}, "region is required"),
        ({"region": "Not A Region"}, "is not a region id such as cn-hangzhou"),
        ({"endpoint": "http://user:pw@127.0.0.1/{region}"}, "endpoint must not contain user information"),
        # NUL: syslog refuses it while ansible-core logs the invocation; the standard library where it parses the host
        ({"endpoint": "\x00"}, "endpoint must not contain spaces or control characters"),
        ({"endpoint": "http://127.0.0.1\x00:8080/{region}"}, "endpoint must not contain spaces or control characters"),
        ({"endpoint": "http://127.0.0.1 :8080/{region}"}, "endpoint must not contain spaces or control characters"),
        ({"region": "cn-beijing\x00"}, "is not a region id such as cn-hangzhou"),
        ({"max_concurrency": 0}, "max_concurrency must be a whole number from 1 to 64"),
        ({"max_retries": 50}, "max_retries must be a whole number from 0 to 20"),
        ({"timeout": 0}, "timeout must be a number of seconds above 0"),
        ({"max_requests_per_second": 0}, "max_requests_per_second must be a number above 0, got 0.0"),
        ({"max_requests_per_second": "fast"}, "argument 'max_requests_per_second' is of type"),
        ({"access_key_secret": None}, "access_key_secret is required when access_key_id is set"),
        ({"unknown_option": 1}, "Unsupported parameters"),
    ],
)
def test_invalid_arguments_fail_clearly_and_send_nothing(fake_api, monkeypatch, args, message):
    fake_api.add_jobs("cn-beijing", 3)
    outcome, result = run(monkeypatch, **args)
    assert outcome == "fail"
    assert message in result["msg"]
    assert fake_api.calls == []
    assert SECRET not in json.dumps(result)
    assert "Traceback" not in result["msg"]


def test_lists_every_job(fake_api, monkeypatch):
    raw = fake_api.add_jobs("cn-beijing", 7)
    outcome, result = run(monkeypatch, page_size=3)
    assert outcome == "exit"
    assert result["changed"] is False
    assert result["total_size"] == 7
    assert [job["app_id"] for job in result["jobs"]] == [job["AppId"] for job in raw]
    assert all(tuple(job) == JOB_KEYS for job in result["jobs"])
    assert result["jobs"][0]["tags"] == {"team": "t0"}
    # 3 pages, read twice: page 1, pages 2 and 3, then the confirming read of all three
    assert result["api_stats"] == {
        "requests": 6,
        "retries": 0,
        "retried_codes": {},
        "throttled": 0,
        "rate_limit": None,
    }
    assert fake_api.pages_asked() == [1, 1, 2, 2, 3, 3]
    assert SECRET not in json.dumps(result)


def test_filters_and_one_page(fake_api, monkeypatch):
    raw = fake_api.add_jobs("cn-beijing", 12)
    outcome, result = run(
        monkeypatch,
        namespace_id="cn-beijing:demo",
        tags={"team": "t1"},
        order_by="running",
        reverse=False,
        page_size=2,
        current_page=2,
    )
    assert outcome == "exit"
    matching = [job["AppId"] for job in raw if job["Tags"][0]["Value"] == "t1"]
    assert [job["app_id"] for job in result["jobs"]] == matching[2:4]
    assert result["total_size"] == len(matching)
    (call,) = fake_api.calls
    assert call["params"]["CurrentPage"] == "2"
    assert call["params"]["OrderBy"] == "running"
    assert call["params"]["Reverse"] == "false"
    assert json.loads(call["params"]["Tags"]) == [{"key": "team", "value": "t1"}]


def test_field_type_filter(fake_api, monkeypatch):
    fake_api.add_jobs("cn-beijing", 5)
    outcome, result = run(monkeypatch, field_type="appIds", field_value="cn-beijing-app-0001,cn-beijing-app-0003")
    assert outcome == "exit"
    assert [job["app_id"] for job in result["jobs"]] == ["cn-beijing-app-0001", "cn-beijing-app-0003"]


def test_aliases_and_endpoint_template(fake_api, monkeypatch):
    fake_api.add_jobs("cn-shanghai", 2)
    args = {
        "alicloud_region": "cn-shanghai",
        "alicloud_access_key": AK_ID,
        "alicloud_secret_key": SECRET,
        "endpoint": "http://127.0.0.1:8080/{region}",
    }
    outcome, result = run_module(sae_job_info.main, args, monkeypatch)
    assert outcome == "exit"
    assert len(result["jobs"]) == 2
    assert fake_api.calls[0]["path"] == "/cn-shanghai/pop/v1/sam/job/listJobs"


def test_region_and_keys_from_the_environment(fake_api, monkeypatch):
    fake_api.add_jobs("cn-hangzhou", 1)
    monkeypatch.setenv("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou")
    monkeypatch.setenv("ALICLOUD_ACCESS_KEY", AK_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    outcome, result = run_module(sae_job_info.main, {}, monkeypatch)
    assert outcome == "exit"
    assert result["jobs"][0]["region_id"] == "cn-hangzhou"


def test_max_requests_per_second_from_the_environment_is_the_ceiling_reported(fake_api, monkeypatch):
    fake_api.add_jobs("cn-beijing", 3)
    monkeypatch.setenv("ALIBABA_CLOUD_SAE_MAX_REQUESTS_PER_SECOND", "1000")
    outcome, result = run(monkeypatch)
    assert outcome == "exit"
    assert (result["api_stats"]["throttled"], result["api_stats"]["rate_limit"]) == (0, 1000.0)


def test_check_mode_lists_as_usual(fake_api, monkeypatch):
    fake_api.add_jobs("cn-beijing", 4)
    outcome, result = run(monkeypatch, _ansible_check_mode=True)
    assert outcome == "exit"
    assert result["changed"] is False
    assert len(result["jobs"]) == 4
    assert fake_api.pages_asked() == [1]  # one page, one read, as without check mode


def test_api_error_names_code_and_request_id_never_the_secret(fake_api, monkeypatch):
    fake_api.fail_always("cn-beijing", 403, "Forbidden.RAM", "4C1A-REQUEST-ID")
    outcome, result = run(monkeypatch)
    assert outcome == "fail"
    assert "Forbidden.RAM" in result["msg"]
    assert "4C1A-REQUEST-ID" in result["msg"]
    assert "region cn-beijing" in result["msg"]
    assert result["error"] == {
        "code": "Forbidden.RAM",
        "message": "Forbidden.RAM happened",
        "request_id": "4C1A-REQUEST-ID",
        "status": 403,
        "region": "cn-beijing",
        "recommend": None,
    }
    assert SECRET not in json.dumps(result)
    assert "jobs" not in result


def test_wrong_secret_is_a_signature_error_without_the_secret(fake_api, monkeypatch):
    wrong = "a-wrong-secret-value"
    outcome, result = run(monkeypatch, access_key_secret=wrong)
    assert outcome == "fail"
    assert result["error"]["code"] == "SignatureDoesNotMatch"
    assert result["error"]["request_id"]
    assert wrong not in json.dumps(result)
    assert fake_api.pages_asked() == [1]  # not retried


def test_missing_credentials_fail_before_any_request(fake_api, monkeypatch, scratch_home):
    outcome, result = run_module(sae_job_info.main, {"region": "cn-beijing"}, monkeypatch)
    assert outcome == "fail"
    assert result["msg"].startswith("Could not get Alibaba Cloud credentials from the alibabacloud-credentials default")
    assert "error" not in result
    assert fake_api.calls == []


def test_transient_error_is_retried(fake_api, monkeypatch):
    fake_api.add_jobs("cn-beijing", 2)
    fake_api.fail_once("cn-beijing", 503, "ServiceUnavailable", "r-busy", {"Retry-After": "0"}, page=1)
    from ansible_collections.alicloud.sae.plugins.module_utils import retries

    monkeypatch.setattr(retries.RetryPolicy, "delay", lambda self, attempt, retry_after=None: 0.0)
    outcome, result = run(monkeypatch)
    assert outcome == "exit"
    assert len(result["jobs"]) == 2
    assert fake_api.pages_asked() == [1, 1]
    assert result["api_stats"] == {
        "requests": 2,
        "retries": 1,
        "retried_codes": {"ServiceUnavailable": 1},
        "throttled": 0,  # a 503 is no flow control: nothing is rate-limited
        "rate_limit": None,
    }


def _syslog_like_python_312(logged):
    def syslog(priority, message):
        if "\x00" in message:
            raise ValueError("embedded null character")  # what syslog.syslog does on Python >= 3.12
        logged.append(message)

    return syslog


def test_a_nul_in_an_option_is_logged_escaped_and_checked_like_any_input(fake_api, monkeypatch):
    from ansible.module_utils import basic

    logged = []
    monkeypatch.setattr(basic, "has_journal", False)
    monkeypatch.setattr(basic, "HAS_SYSLOG", True)
    monkeypatch.setattr(basic.syslog, "syslog", _syslog_like_python_312(logged))
    outcome, result = run(monkeypatch, endpoint="http://127.0.0.1\x00/{region}")
    assert outcome == "fail"
    assert "endpoint must not contain spaces or control characters" in result["msg"]
    assert any("endpoint=http://127.0.0.1\\x00/{region}" in message for message in logged)
    assert fake_api.calls == []


def test_a_secret_holding_a_nul_is_still_kept_out_of_the_log(fake_api, monkeypatch):
    from ansible.module_utils import basic

    fake_api.add_jobs("cn-beijing", 1)
    secret = "nul\x00secret-value"
    fake_api.secrets[AK_ID] = secret
    logged = []
    monkeypatch.setattr(basic, "has_journal", False)
    monkeypatch.setattr(basic, "HAS_SYSLOG", True)
    monkeypatch.setattr(basic.syslog, "syslog", _syslog_like_python_312(logged))
    # the secret also inside another option, which ansible-core masks in the log by value
    outcome, _result = run(monkeypatch, access_key_secret=secret, app_name="x" + secret)
    assert outcome == "exit"
    assert logged and not any("secret-value" in message for message in logged)


# ---- issue 27: no silent wrong answers ----------------------------------------------------------------------


def _warnings(monkeypatch) -> list:
    from ansible.module_utils import basic

    shown: list = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, warning: shown.append(warning))
    return shown


def test_jobs_of_another_region_than_asked_warn_once_naming_both(fake_api, monkeypatch):
    fake_api.add_jobs("cn-beijing", 60, RegionId="cn-hangzhou")
    shown = _warnings(monkeypatch)
    outcome, result = run(monkeypatch)
    assert outcome == "exit" and len(result["jobs"]) == 60
    assert shown == [
        "region cn-beijing was asked for, but the API answered with job templates of region cn-hangzhou: check "
        "that the endpoint is region cn-beijing's (with {region} in it)."
    ]


def test_jobs_of_the_region_asked_warn_nothing(fake_api, monkeypatch):
    fake_api.add_jobs("cn-beijing", 3)
    shown = _warnings(monkeypatch)
    assert run(monkeypatch)[0] == "exit"
    assert shown == []


def test_a_wrong_secret_names_the_credentials_and_the_usual_cause(fake_api, monkeypatch):
    outcome, result = run(monkeypatch, access_key_secret="a-wrong-secret-value")
    assert outcome == "fail"
    assert result["msg"].endswith(
        "; credentials tried: explicit access_key_id/access_key_secret; a wrong AccessKey secret is the usual cause"
    )
    assert "a-wrong-secret-value" not in json.dumps(result)


def test_a_region_without_sae_says_so(fake_api, monkeypatch):
    fake_api.fail_always("cn-beijing", 404, "InvalidAction.NotFound", "R-404")
    outcome, result = run(monkeypatch)
    assert outcome == "fail"
    assert "InvalidAction.NotFound" in result["msg"] and "R-404" in result["msg"]
    assert result["msg"].endswith("; region cn-beijing may not offer SAE, or the endpoint is wrong")


@pytest.mark.parametrize(
    "tags",
    [{"team": "t1"}, [{"key": "team", "value": "t1"}], "team=t1", ["team=t1"]],
)
def test_tags_in_every_form_filter_alike(fake_api, monkeypatch, tags):
    fake_api.add_jobs("cn-beijing", 6)
    outcome, result = run(monkeypatch, tags=tags)
    assert outcome == "exit"
    assert [job["tags"] for job in result["jobs"]] == [{"team": "t1"}, {"team": "t1"}]
    assert {call["params"]["Tags"] for call in fake_api.calls} == {'[{"key":"team","value":"t1"}]'}
