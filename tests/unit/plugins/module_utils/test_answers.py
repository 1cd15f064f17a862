# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Decoding an answer: the JSON document of a success, or the error an error answer stands for."""

from __future__ import annotations

import email.utils
import json
import time

import pytest

from ansible_collections.alicloud.sae.plugins.module_utils import answers
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError
from ansible_collections.alicloud.sae.plugins.module_utils.retries import is_retryable
from ansible_collections.alicloud.sae.tests.unit.utils import error_answer, ok_answer

# --- decode_answer --------------------------------------------------------------------------------


def decode_error(status, body, content_type="application/json", retry_after=None, **headers):
    headers = dict(headers, **{"Content-Type": content_type}, **({"Retry-After": retry_after} if retry_after else {}))
    with pytest.raises(SaeApiError) as caught:
        answers.decode_answer(status, body, headers)
    return caught.value


def test_decode_success():
    answer = ok_answer([{"AppId": "a"}], request_id="r-1")
    assert answers.decode_answer(200, json.dumps(answer).encode(), {"Content-Type": "application/json"}) == answer


def test_decode_html_error_page():
    error = decode_error(502, b"<html><head><title>502 Bad Gateway</title></head></html>", "text/html")
    assert error.code == "HTTP502"
    assert error.status == 502
    assert "text/html" in error.message
    assert "not JSON" in error.message
    assert "502 Bad Gateway" in error.message
    assert is_retryable(error)


def test_decode_html_with_200_is_an_invalid_response():
    error = decode_error(200, b"<html>login portal</html>", "text/html")
    assert (error.code, error.status) == ("InvalidResponse", 200)
    assert not is_retryable(error)


@pytest.mark.parametrize(
    "body, what",
    [
        pytest.param(b'{"Success": true, "Data": {"Applic', "not JSON", id="truncated"),
        pytest.param(b"hello world", "not JSON", id="text"),
        pytest.param(b"", "empty body", id="empty"),
        pytest.param(b"[1, 2, 3]", "not a JSON object", id="array"),
        pytest.param(b'"just a string"', "not a JSON object", id="string"),
        pytest.param(b"null", "not JSON", id="null"),
        pytest.param(b"\xff\xfe\x00garbage", "not JSON", id="not-utf8"),
        pytest.param(b"[" * 100_000, "not JSON", id="deeply-nested"),
    ],
)
def test_decode_garbage_is_an_invalid_response(body, what):
    error = decode_error(200, body)
    assert error.code == "InvalidResponse"
    assert what in error.message


def test_decode_snippet_is_short_and_on_one_line():
    error = decode_error(200, ("line\n" * 200).encode(), "text/plain")
    assert "\n" not in error.message
    assert error.message.endswith("...")
    assert len(error.message) < 300


def test_decode_names_the_gateway_request_id_of_an_answer_that_is_not_json():
    with pytest.raises(SaeApiError) as caught:
        answers.decode_answer(
            502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html", "x-acs-request-id": "GW-REQ-1"}
        )
    assert caught.value.request_id == "GW-REQ-1" and "GW-REQ-1" in str(caught.value)
    with pytest.raises(SaeApiError) as caught:  # the body's own RequestId wins
        answers.decode_answer(400, b'{"Code": "X", "RequestId": "BODY-REQ"}', {"X-Acs-Request-Id": "GW-REQ-2"})
    assert caught.value.request_id == "BODY-REQ"


def test_decode_success_false_with_200():
    body = json.dumps({"Success": False, "Code": "InvalidParameter", "Message": "bad", "RequestId": "r-2"})
    error = decode_error(200, body.encode())
    assert (error.code, error.message, error.request_id, error.status) == ("InvalidParameter", "bad", "r-2", 200)


def test_decode_json_error_answer():
    body = json.dumps(error_answer("SignatureDoesNotMatch", "signature mismatch", "r-3")).encode()
    error = decode_error(400, body)
    assert (error.code, error.message, error.request_id, error.status) == (
        "SignatureDoesNotMatch",
        "signature mismatch",
        "r-3",
        400,
    )


def test_decode_json_error_without_code():
    assert decode_error(403, b'{"RequestId": "r-4"}').code == "HTTP403"
    assert decode_error(404, b'{"ErrorCode": "InvalidAppId.NotFound"}').code == "InvalidAppId.NotFound"


def test_decode_retry_after_seconds_and_http_date():
    assert decode_error(429, b"{}", retry_after="7").retry_after == 7.0
    assert decode_error(429, b"{}", retry_after="-3").retry_after == 0.0
    assert decode_error(429, b"{}", retry_after="soon").retry_after is None
    assert decode_error(429, b"{}").retry_after is None
    future = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert 8.0 <= decode_error(503, b"<html/>", "text/html", future).retry_after <= 10.5
    past = email.utils.formatdate(time.time() - 100, usegmt=True)
    assert decode_error(503, b"{}", retry_after=past).retry_after == 0.0


# --- the gateway's hints: the wait it asks for, its troubleshooting link, its clock -----------------


@pytest.mark.parametrize(
    "headers, wait",
    [
        ({"x-acs-retry-after": "2500"}, 2.5),  # ms, what the vendor's SDK reads
        ({"X-Acs-Retry-After": "0"}, 0.0),
        ({"x-ratelimit-user-api": "Limit:1,Remain:0,TimeLeft:2000,Reset:1234"}, 2.0),  # older SDKs: TimeLeft in ms
        ({"x-ratelimit-user": "Limit:5,Remain:0,TimeLeft:750,Reset:99"}, 0.75),
        ({"Retry-After": "3"}, 3.0),  # seconds
        # the first found wins: x-acs-retry-after, then x-ratelimit-user-api / x-ratelimit-user, then Retry-After
        ({"x-acs-retry-after": "1500", "x-ratelimit-user-api": "TimeLeft:9000", "Retry-After": "30"}, 1.5),
        ({"x-ratelimit-user-api": "Limit:1,TimeLeft:400", "Retry-After": "30"}, 0.4),
        ({"x-ratelimit-user": "Limit:1,TimeLeft:600", "Retry-After": "30"}, 0.6),
        # unreadable hints are skipped, never a traceback
        ({"x-acs-retry-after": "soon", "x-ratelimit-user-api": "Limit:1", "Retry-After": "4"}, 4.0),
        ({"x-acs-retry-after": "inf"}, None),
        ({"x-acs-retry-after": "nan", "Retry-After": "nan"}, None),
        ({"x-acs-retry-after": "-5"}, 0.0),
        ({}, None),
    ],
)
def test_the_wait_the_gateway_asks_for_in_the_order_of_its_sdks(headers, wait):
    error = decode_error(400, json.dumps(error_answer("Throttling.User", "flow control", "r-1")).encode(), **headers)
    assert error.retry_after == (None if wait is None else pytest.approx(wait))


RECOMMEND = "https://api.aliyun.com/troubleshoot?q=Throttling.User&product=sae&requestId=r-7"


def test_an_error_ends_with_the_recommend_link_of_its_answer():
    body = dict(error_answer("Throttling.User", "Request was denied due to user flow control.", "r-7"))
    body.update(HostId="sae.cn-beijing.aliyuncs.com", Recommend=RECOMMEND)
    error = decode_error(400, json.dumps(body).encode())
    assert error.recommend == RECOMMEND
    assert str(error).endswith("request id r-7) Recommend: " + RECOMMEND)
    assert "Recommend" not in str(decode_error(400, json.dumps(error_answer("X", "no link", "r-8")).encode()))


@pytest.mark.parametrize(
    "offset, said",
    [
        (17 * 60 + 3, "this machine's clock is 17 min 3 s ahead of the gateway's"),
        (-(2 * 3600 + 5), "this machine's clock is 2 h 5 s behind the gateway's"),
        (-(16 * 60), "this machine's clock is 16 min 0 s behind the gateway's"),
    ],
)
def test_an_expired_timestamp_says_how_far_the_clocks_are_apart(monkeypatch, offset, said):
    body = json.dumps(error_answer("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", "r"))
    now = 1_800_000_000.0  # a whole second: the Date header has no fraction
    monkeypatch.setattr(answers.time, "time", lambda: now)
    date = email.utils.formatdate(now - offset, usegmt=True)
    error = decode_error(400, body.encode(), Date=date)
    assert error.message == "Specified time stamp or date value is expired.; " + said
    assert "clock" not in decode_error(400, json.dumps(error_answer("X", "m", "r")).encode(), Date=date).message


def test_an_expired_timestamp_without_a_date_says_so():
    body = json.dumps(error_answer("InvalidTimeStamp.Expired", "expired", "r")).encode()
    assert decode_error(400, body).message == (
        "expired; the answer has no Date header to compare this machine's clock with"
    )
