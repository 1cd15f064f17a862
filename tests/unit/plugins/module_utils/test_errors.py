# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The error types: what a person reading a failed task sees."""

from __future__ import annotations

from ansible_collections.alicloud.sae.plugins.module_utils.errors import (
    SaeApiError,
    SaeCredentialError,
    SaeError,
    SaeParameterError,
)


def test_api_error_message_names_code_region_status_and_request_id():
    error = SaeApiError("Throttling.User", "slow down", request_id="req-1", status=429, region="cn-beijing")
    assert (
        str(error) == "SAE ListJobs failed: Throttling.User: slow down (region cn-beijing, HTTP 429, request id req-1)"
    )


def test_api_error_without_request_id_says_so():
    assert (
        str(SaeApiError("ConnectionError", "refused"))
        == "SAE ListJobs failed: ConnectionError: refused (request id none)"
    )


def test_in_region_keeps_everything_else():
    error = SaeApiError("ServiceUnavailable", "busy", request_id="req-2", status=503, retry_after=3.0)
    located = error.in_region("cn-hangzhou")
    assert (located.code, located.message, located.request_id, located.status, located.retry_after) == (
        "ServiceUnavailable",
        "busy",
        "req-2",
        503,
        3.0,
    )
    assert located.region == "cn-hangzhou"
    assert "region cn-hangzhou" in str(located)
    assert error.region is None


def test_in_region_names_the_answer_a_fault_was_found_in():
    error = SaeApiError("InvalidResponse", "a job template has no AppId")
    located = error.in_region("cn-beijing", "req-3")
    assert (located.code, located.message, located.region, located.request_id) == (
        "InvalidResponse",
        "a job template has no AppId",
        "cn-beijing",
        "req-3",
    )
    assert "region cn-beijing, request id req-3" in str(located)


def test_to_dict():
    error = SaeApiError("Forbidden.RAM", "denied", request_id="req-3", status=403, region="cn-beijing")
    assert error.to_dict() == {
        "code": "Forbidden.RAM",
        "message": "denied",
        "request_id": "req-3",
        "status": 403,
        "region": "cn-beijing",
        "recommend": None,
    }


def test_the_message_ends_with_the_recommend_link_kept_in_every_region():
    link = "https://api.aliyun.com/troubleshoot?q=Throttling.User&product=sae&requestId=req-4"
    error = SaeApiError("Throttling.User", "slow down", request_id="req-4", status=400, recommend=link)
    located = error.in_region("cn-beijing")
    assert str(located) == (
        "SAE ListJobs failed: Throttling.User: slow down (region cn-beijing, HTTP 400, request id req-4) Recommend: "
        + link
    )
    assert located.to_dict()["recommend"] == link


def test_hierarchy():
    for kind in (SaeApiError, SaeCredentialError, SaeParameterError):
        assert issubclass(kind, SaeError)
    assert not issubclass(SaeCredentialError, SaeApiError)
