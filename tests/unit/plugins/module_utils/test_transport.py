# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One signed call: endpoints, answer decoding, the retry policy and loop, and real sockets on 127.0.0.1."""

from __future__ import annotations

import email.utils
import gzip
import http.server
import json
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.alicloud.sae.plugins.module_utils import signing, transport
from ansible_collections.alicloud.sae.plugins.module_utils.connections import DirectConnections, RawAnswer
from ansible_collections.alicloud.sae.plugins.module_utils.credentials import (
    Credentials,
    CredentialSource,
    resolve_credential_source,
)
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError, SaeParameterError
from ansible_collections.alicloud.sae.tests.unit.utils import (
    AK_ID,
    API_PATH,
    SECRET,
    FakeResponse,
    ScriptedSession,
    check_signature,
    error_answer,
    ok_answer,
)

PARAMS = {"Workload": "job", "PageSize": "200", "CurrentPage": "1", "Tags": '[{"key":"a b","value":"x+y*z~"}]'}


def make_transport(session=None, endpoint=None, max_retries=3, rng=lambda: 0.5, timeout=30.0, **kwargs):
    sleeps = []
    source = kwargs.pop("source", None) or resolve_credential_source(
        {"access_key_id": AK_ID, "access_key_secret": SECRET}
    )
    client = transport.Transport(
        source,
        endpoint,
        "ListJobs",
        "2019-05-06",
        API_PATH,
        "alicloud.sae/test",
        timeout=timeout,
        retry_policy=transport.RetryPolicy(max_retries=max_retries, rng=rng),
        sleep=sleeps.append,
        session=session,
        **kwargs,
    )
    return client, sleeps


def api_error(status, code, request_id, headers=None):
    return FakeResponse(status, error_answer(code, "%s happened" % code, request_id), headers)


# --- RetryPolicy ----------------------------------------------------------------------------------


@pytest.mark.parametrize("u", [0.0, 0.25, 0.999999])
def test_full_jitter_is_the_random_share_of_the_capped_exponential(u):
    policy = transport.RetryPolicy(base_delay=0.5, max_delay=20.0, rng=lambda: u)
    expected = [u * min(20.0, 0.5 * 2**attempt) for attempt in range(10)]
    assert [policy.delay(attempt) for attempt in range(10)] == pytest.approx(expected)
    assert policy.delay(9) == pytest.approx(u * 20.0)  # capped: 0.5 * 512 > 20


@given(
    attempt=st.integers(min_value=0, max_value=30),
    u=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
    base=st.floats(min_value=0.001, max_value=5.0),
    cap=st.floats(min_value=0.001, max_value=60.0),
)
def test_full_jitter_bounds(attempt, u, base, cap):
    delay = transport.RetryPolicy(base_delay=base, max_delay=cap, rng=lambda: u).delay(attempt)
    assert 0.0 <= delay <= min(cap, base * 2**attempt)


def test_jitter_uses_the_injected_rng():
    values = iter([0.1, 0.9])
    policy = transport.RetryPolicy(base_delay=1.0, max_delay=100.0, rng=lambda: next(values))
    assert [policy.delay(3), policy.delay(3)] == pytest.approx([0.8, 7.2])


def test_retry_after_is_a_floor_and_is_capped():
    policy = transport.RetryPolicy(base_delay=0.5, max_delay=20.0, rng=lambda: 0.0)
    assert policy.delay(0, retry_after=7.0) == 7.0
    assert policy.delay(0, retry_after=0.0) == 0.0
    assert policy.delay(0, retry_after=10_000.0) == transport.MAX_RETRY_AFTER
    high = transport.RetryPolicy(base_delay=10.0, max_delay=20.0, rng=lambda: 0.9)
    assert high.delay(1, retry_after=1.0) == pytest.approx(18.0)


# --- is_retryable ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, status",
    [
        ("Throttling.User", 429),
        ("Throttling.Api", 400),
        ("Throttling", None),
        ("HTTP429", 429),
        ("InternalError", 500),
        ("HTTP502", 502),
        ("ServiceUnavailable", 503),
        ("ServiceUnavailable", None),
        ("ConnectionError", None),
        ("ConnectTimeout", None),
        ("ReadTimeout", None),
    ],
)
def test_transient_failures_are_retried(code, status):
    assert transport.is_retryable(SaeApiError(code, "m", status=status))


@pytest.mark.parametrize(
    "code, status",
    [
        ("SignatureDoesNotMatch", 400),
        ("IncompleteSignature", 400),
        ("InvalidTimeStamp.Expired", 400),
        ("InvalidParameter", 400),
        ("InvalidAccessKeyId.NotFound", 404),
        ("Forbidden.RAM", 403),
        ("InvalidAppId.NotFound", 404),
        ("HTTP400", 400),
        ("InvalidResponse", 200),
        ("InvalidResponse", None),
        ("SSLError", None),
        ("RequestError", None),
    ],
)
def test_permanent_failures_are_not_retried(code, status):
    assert not transport.is_retryable(SaeApiError(code, "m", status=status))


# --- decode_answer --------------------------------------------------------------------------------


def decode_error(status, body, content_type="application/json", retry_after=None):
    with pytest.raises(SaeApiError) as caught:
        transport.decode_answer(status, body, content_type, retry_after)
    return caught.value


def test_decode_success():
    answer = ok_answer([{"AppId": "a"}], request_id="r-1")
    assert transport.decode_answer(200, json.dumps(answer).encode(), "application/json", None) == answer


def test_decode_html_error_page():
    error = decode_error(502, b"<html><head><title>502 Bad Gateway</title></head></html>", "text/html")
    assert error.code == "HTTP502"
    assert error.status == 502
    assert "text/html" in error.message
    assert "not JSON" in error.message
    assert "502 Bad Gateway" in error.message
    assert transport.is_retryable(error)


def test_decode_html_with_200_is_an_invalid_response():
    error = decode_error(200, b"<html>login portal</html>", "text/html")
    assert (error.code, error.status) == ("InvalidResponse", 200)
    assert not transport.is_retryable(error)


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
        transport.decode_answer(502, b"<html>Bad Gateway</html>", "text/html", None, "GW-REQ-1")
    assert caught.value.request_id == "GW-REQ-1" and "GW-REQ-1" in str(caught.value)
    with pytest.raises(SaeApiError) as caught:  # the body's own RequestId wins
        transport.decode_answer(400, b'{"Code": "X", "RequestId": "BODY-REQ"}', "application/json", None, "GW-REQ-2")
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


# --- resolve_endpoint -----------------------------------------------------------------------------


def test_default_endpoint_template():
    endpoint = transport.resolve_endpoint(None, "cn-beijing")
    assert endpoint == transport.Endpoint("https://sae.cn-beijing.aliyuncs.com", "sae.cn-beijing.aliyuncs.com")


@pytest.mark.parametrize(
    "template, base_url, host",
    [
        (
            "https://sae.{region}.example.com",
            "https://sae.ap-southeast-1.example.com",
            "sae.ap-southeast-1.example.com",
        ),
        ("http://127.0.0.1:8080/{region}", "http://127.0.0.1:8080/ap-southeast-1", "127.0.0.1:8080"),
        ("http://127.0.0.1:8080/{region}/", "http://127.0.0.1:8080/ap-southeast-1", "127.0.0.1:8080"),
        ("127.0.0.1:8443", "https://127.0.0.1:8443", "127.0.0.1:8443"),
        ("http://[::1]:8080", "http://[::1]:8080", "[::1]:8080"),
        ("https://sae.example.com", "https://sae.example.com", "sae.example.com"),
    ],
)
def test_endpoint_templates(template, base_url, host):
    assert transport.resolve_endpoint(template, "ap-southeast-1") == transport.Endpoint(base_url, host)


@pytest.mark.parametrize(
    "template, message",
    [
        ("http://user:pw@127.0.0.1:8080", "user information"),
        ("\x00", "spaces or control characters"),
        ("http://127.0.0.1\x00.example/{region}", "spaces or control characters"),
        ("http://127.0.0.1:8080/ {region}", "spaces or control characters"),
        ("http://127.0.0.1:8080/\t{region}", "spaces or control characters"),
        ("http://127.0.0.1:8080/\x85{region}", "spaces or control characters"),
        ("http://evil.example@127.0.0.1", "user information"),
        ("http://127.0.0.1:8080/?a=b", "query string"),
        ("http://127.0.0.1:8080/#x", "fragment"),
        ("ftp://127.0.0.1/{region}", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("http://", "http:// or https://"),
        ("http://127.0.0.1:99999", "invalid port"),
        ("http://127.0.0.1:port", "invalid port"),
    ],
)
def test_bad_endpoints_are_rejected(template, message):
    with pytest.raises(SaeParameterError, match=message) as caught:
        transport.resolve_endpoint(template, "cn-beijing")
    assert "pw" not in str(caught.value).replace("passwd", "")


# --- one call, through a fake session ---------------------------------------------------------------


def test_request_is_signed_for_the_url_it_goes_to():
    session = ScriptedSession(FakeResponse(200, ok_answer([])))
    client, _sleeps = make_transport(session, endpoint="http://127.0.0.1:8080/{region}")
    client.call("cn-beijing", PARAMS)
    (call,) = session.calls
    url = urlsplit(call["url"])
    assert url.path == "/cn-beijing/pop/v1/sam/job/listJobs"
    assert url.query == signing.canonical_query(PARAMS)
    assert call["headers"]["host"] == url.netloc == "127.0.0.1:8080"
    assert check_signature(call["url"], call["headers"], {AK_ID: SECRET}) is None
    assert call["allow_redirects"] is False
    assert call["verify"] is True
    assert call["timeout"] == 30.0


def test_the_answer_is_streamed_read_in_one_piece_and_released():
    # response.content would read it in 10 kB chunks, each through requests' and urllib3's layers.
    answer = FakeResponse(200, ok_answer([{"AppId": "a"}] * 50))
    session = ScriptedSession(answer)
    client, _sleeps = make_transport(session)
    assert client.call("cn-beijing", PARAMS)["Data"]["TotalSize"] == 50
    assert session.calls[0]["stream"] is True
    assert answer.chunk_sizes == [None]
    assert answer.closed


def test_default_endpoint_url():
    session = ScriptedSession(FakeResponse(200, ok_answer([])))
    client, _sleeps = make_transport(session)
    client.call("cn-hangzhou", {"Workload": "job"})
    assert session.calls[0]["url"] == "https://sae.cn-hangzhou.aliyuncs.com/pop/v1/sam/job/listJobs?Workload=job"
    assert session.calls[0]["headers"]["host"] == "sae.cn-hangzhou.aliyuncs.com"


def test_validate_certs_false_is_passed_on():
    session = ScriptedSession(FakeResponse(200, ok_answer([])))
    client, _sleeps = make_transport(session, validate_certs=False, timeout=4.5)
    client.call("cn-beijing", {"Workload": "job"})
    assert session.calls[0]["verify"] is False
    assert session.calls[0]["timeout"] == 4.5


def test_each_attempt_gets_fresh_credentials_nonce_and_signature():
    tokens = iter(["token-1", "token-2"])
    source = CredentialSource("rotating", lambda: Credentials("STS.id", "sts-secret", next(tokens)))
    session = ScriptedSession(api_error(503, "ServiceUnavailable", "r-1"), FakeResponse(200, ok_answer([])))
    client, sleeps = make_transport(session, source=source)
    client.call("cn-beijing", {"Workload": "job"})
    first, second = (call["headers"] for call in session.calls)
    assert [first["x-acs-security-token"], second["x-acs-security-token"]] == ["token-1", "token-2"]
    assert first["x-acs-signature-nonce"] != second["x-acs-signature-nonce"]
    assert first["authorization"] != second["authorization"]
    for call in session.calls:
        assert check_signature(call["url"], call["headers"], {"STS.id": "sts-secret"}) is None
    assert len(sleeps) == 1


def test_date_header_is_current_utc():
    session = ScriptedSession(FakeResponse(200, ok_answer([])))
    client, _sleeps = make_transport(session)
    client.call("cn-beijing", {"Workload": "job"})
    sent = time.mktime(time.strptime(session.calls[0]["headers"]["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ"))
    now = time.mktime(time.gmtime())
    assert abs(now - sent) < 60


# --- the retry loop -------------------------------------------------------------------------------


def test_transient_errors_are_retried_until_success():
    session = ScriptedSession(
        api_error(503, "ServiceUnavailable", "r-1"),
        api_error(429, "Throttling.User", "r-2"),
        FakeResponse(200, ok_answer([{"AppId": "a"}], request_id="r-3")),
    )
    client, sleeps = make_transport(session, max_retries=5, rng=lambda: 0.5)
    answer = client.call("cn-beijing", {"Workload": "job"})
    assert answer["RequestId"] == "r-3"
    assert len(session.calls) == 3
    assert sleeps == pytest.approx([0.25, 0.5])  # 0.5 * min(20, 0.5 * 2**attempt)
    assert client.stats.as_dict() == {
        "requests": 3,
        "retries": 2,
        "retried_codes": {"ServiceUnavailable": 1, "Throttling.User": 1},
    }


def test_before_send_is_called_just_before_each_request_goes_out():
    session = ScriptedSession(
        api_error(503, "ServiceUnavailable", "r-1"),
        FakeResponse(200, ok_answer([{"AppId": "a"}], request_id="r-2")),
    )
    requests_out_when_called = []
    client, _sleeps = make_transport(session, before_send=lambda: requests_out_when_called.append(len(session.calls)))
    client.call("cn-beijing", {"Workload": "job"})
    assert requests_out_when_called == [0, 1]  # once for each attempt, each time before the session has it


def test_retries_stop_at_max_retries_and_name_code_request_id_region():
    session = ScriptedSession(*[api_error(429, "Throttling.User", "r-%d" % n) for n in range(4)])
    client, sleeps = make_transport(session, max_retries=3)
    with pytest.raises(SaeApiError) as caught:
        client.call("cn-beijing", {"Workload": "job"})
    error = caught.value
    assert len(session.calls) == 4
    assert len(sleeps) == 3
    assert (error.code, error.request_id, error.region, error.status) == ("Throttling.User", "r-3", "cn-beijing", 429)
    for part in ("Throttling.User", "r-3", "cn-beijing", "HTTP 429"):
        assert part in str(error)
    assert SECRET not in str(error)


def test_zero_retries_means_one_attempt():
    session = ScriptedSession(api_error(503, "ServiceUnavailable", "r-1"))
    client, sleeps = make_transport(session, max_retries=0)
    with pytest.raises(SaeApiError, match="ServiceUnavailable"):
        client.call("cn-beijing", {"Workload": "job"})
    assert (len(session.calls), sleeps) == (1, [])


@pytest.mark.parametrize(
    "status, code", [(400, "SignatureDoesNotMatch"), (400, "InvalidParameter"), (403, "Forbidden"), (404, "NotFound")]
)
def test_permanent_errors_are_not_retried(status, code):
    session = ScriptedSession(api_error(status, code, "r-1"))
    client, sleeps = make_transport(session, max_retries=5)
    with pytest.raises(SaeApiError) as caught:
        client.call("cn-beijing", {"Workload": "job"})
    assert (caught.value.code, caught.value.request_id, caught.value.region) == (code, "r-1", "cn-beijing")
    assert (len(session.calls), sleeps) == (1, [])
    assert client.stats.as_dict()["retries"] == 0


def test_invalid_response_is_not_retried():
    session = ScriptedSession(FakeResponse(200, b"<html>captive portal</html>", {"Content-Type": "text/html"}))
    client, sleeps = make_transport(session, max_retries=5)
    with pytest.raises(SaeApiError, match="InvalidResponse"):
        client.call("cn-beijing", {"Workload": "job"})
    assert (len(session.calls), sleeps) == (1, [])


def test_retry_after_seconds_is_slept():
    session = ScriptedSession(
        api_error(429, "Throttling.User", "r-1", {"Retry-After": "7"}), FakeResponse(200, ok_answer([]))
    )
    client, sleeps = make_transport(session, rng=lambda: 0.0)
    client.call("cn-beijing", {"Workload": "job"})
    assert sleeps == [7.0]


def test_retry_after_http_date_is_slept():
    when = email.utils.formatdate(time.time() + 12, usegmt=True)
    session = ScriptedSession(
        FakeResponse(503, b"<html>busy</html>", {"Content-Type": "text/html", "Retry-After": when}),
        FakeResponse(200, ok_answer([])),
    )
    client, sleeps = make_transport(session, rng=lambda: 0.0)
    client.call("cn-beijing", {"Workload": "job"})
    assert len(sleeps) == 1
    assert 10.0 <= sleeps[0] <= 12.5


@pytest.mark.parametrize(
    "exception, code, retried",
    [
        (requests.exceptions.ConnectionError("refused"), "ConnectionError", True),
        (requests.exceptions.ConnectTimeout("slow connect"), "ConnectTimeout", True),
        (requests.exceptions.ReadTimeout("slow answer"), "ReadTimeout", True),
        (requests.exceptions.SSLError("bad certificate"), "SSLError", False),
        (requests.exceptions.ChunkedEncodingError("IncompleteRead(12 bytes read)"), "ConnectionError", True),
        (requests.exceptions.TooManyRedirects("loop"), "RequestError", False),
    ],
)
def test_transport_failures_map_to_codes(exception, code, retried):
    session = ScriptedSession(exception, exception, exception)
    client, sleeps = make_transport(session, max_retries=2)
    with pytest.raises(SaeApiError) as caught:
        client.call("cn-beijing", {"Workload": "job"})
    assert caught.value.code == code
    assert caught.value.region == "cn-beijing"
    assert caught.value.request_id is None
    assert len(session.calls) == (3 if retried else 1)
    assert len(sleeps) == (2 if retried else 0)


def test_transport_failure_messages_are_redacted():
    token = "token-that-must-not-leak"
    source = resolve_credential_source({"access_key_id": AK_ID, "access_key_secret": SECRET, "security_token": token})
    failure = requests.exceptions.ConnectionError("proxy echoed %s and %s" % (SECRET, token))
    client, _sleeps = make_transport(ScriptedSession(failure), source=source, max_retries=0)
    with pytest.raises(SaeApiError) as caught:
        client.call("cn-beijing", {"Workload": "job"})
    assert SECRET not in str(caught.value)
    assert token not in str(caught.value)
    assert "proxy echoed ********" in str(caught.value)


def test_bad_endpoint_fails_before_any_request():
    session = ScriptedSession()
    client, _sleeps = make_transport(session, endpoint="http://user:pw@127.0.0.1/{region}")
    with pytest.raises(SaeParameterError):
        client.call("cn-beijing", {"Workload": "job"})
    assert session.calls == []


@pytest.mark.parametrize(
    "credentials, endpoint, named",
    [
        ({"security_token": "token\r\nX-Injected: yes"}, None, "The security token"),
        ({"security_token": "tøken-not-ascii"}, None, "The security token"),
        ({"access_key_id": "LTAI\x00id"}, None, "The access key ID"),
        ({}, "http://sae.例子.example/{region}", "The endpoint's host"),
    ],
)
def test_a_header_http_cannot_carry_is_refused_before_sending_and_not_shown(credentials, endpoint, named):
    keys = dict({"access_key_id": AK_ID, "access_key_secret": SECRET}, **credentials)
    session = ScriptedSession()
    client, _sleeps = make_transport(session, source=resolve_credential_source(keys), endpoint=endpoint)
    with pytest.raises(SaeParameterError) as caught:
        client.call("cn-beijing", PARAMS)
    assert str(caught.value).startswith(named + " holds a line break, another control character or a non-ASCII")
    for value in credentials.values():
        assert value not in str(caught.value)
    assert session.calls == []


def test_close_closes_the_session():
    session = ScriptedSession()
    client, _sleeps = make_transport(session)
    client.close()
    assert session.closed


# --- real sockets on 127.0.0.1 ----------------------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests_seen: list = []

    def do_GET(self):
        headers = {name.lower(): value for name, value in self.headers.items()}
        url = "http://%s%s" % (headers.get("host", ""), self.path)
        self.requests_seen.append({"path": self.path, "headers": headers})
        problem = check_signature(url, headers, {AK_ID: SECRET})
        if problem:
            status, body = 400, error_answer("SignatureDoesNotMatch", problem, "srv-bad")
        else:
            status, body = 200, ok_answer([{"AppId": "from-server"}], request_id="srv-ok")
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    _Recorder.requests_seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_real_http_request_is_signed_as_the_sdk_would(local_server):
    port = local_server.server_address[1]
    client, _sleeps = make_transport(None, endpoint="http://127.0.0.1:%d/{region}" % port, max_retries=0, timeout=5)
    try:
        answer = client.call("cn-beijing", PARAMS)
    finally:
        client.close()
    assert answer["RequestId"] == "srv-ok"
    (seen,) = _Recorder.requests_seen
    path, _separator, query = seen["path"].partition("?")
    assert path == "/cn-beijing/pop/v1/sam/job/listJobs"
    assert query == signing.canonical_query(PARAMS)
    assert seen["headers"]["host"] == "127.0.0.1:%d" % port
    assert seen["headers"]["user-agent"] == "alicloud.sae/test"


class _KeepAliveGzip(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; answers gzip-encoded, in chunks, as gateways may send them."""

    protocol_version = "HTTP/1.1"
    connections: list = []

    def setup(self):
        super().setup()
        self.connections.append(self.client_address)

    def do_GET(self):
        payload = gzip.compress(json.dumps(ok_answer([{"AppId": "j%d" % n} for n in range(300)])).encode())
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for start in range(0, len(payload), 1000):
            chunk = payload[start : start + 1000]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args):
        pass


def test_a_gzip_chunked_answer_is_read_whole_over_one_kept_alive_connection():
    _KeepAliveGzip.connections = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _KeepAliveGzip)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    client, _sleeps = make_transport(None, endpoint="http://127.0.0.1:%d" % server.server_address[1], timeout=5)
    try:
        answers = [client.call("cn-beijing", PARAMS) for _attempt in range(3)]
    finally:
        client.close()
        server.shutdown()
        server.server_close()
    assert [len(answer["Data"]["Applications"]) for answer in answers] == [300, 300, 300]
    assert answers[0]["Data"]["Applications"][299] == {"AppId": "j299"}
    assert len(_KeepAliveGzip.connections) == 1  # a body read to its end gives the connection back to the pool


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _failed_call(port: int, max_retries: int, timeout: float) -> tuple:
    """One call to 127.0.0.1:``port`` that must fail: its SaeApiError, the transport, its sleeps, the seconds taken."""
    client, sleeps = make_transport(
        None, endpoint="http://127.0.0.1:%d" % port, max_retries=max_retries, timeout=timeout
    )
    started = time.monotonic()
    with pytest.raises(SaeApiError) as caught:
        client.call("cn-beijing", {"Workload": "job"})
    elapsed = time.monotonic() - started
    client.close()
    return caught.value, client, sleeps, elapsed


def test_connection_refused_is_a_connection_error_within_the_timeout():
    port = _free_port()
    error, client, sleeps, elapsed = _failed_call(port, max_retries=2, timeout=3.0)
    assert error.code == "ConnectionError"
    assert "127.0.0.1:%d" % port in error.message
    assert elapsed < 3.0
    assert client.stats.as_dict()["requests"] == 3
    assert len(sleeps) == 2


def test_silent_server_is_a_read_timeout_after_about_timeout_per_attempt():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # the kernel completes the handshake; nobody ever answers
    port = listener.getsockname()[1]
    try:
        error, client, sleeps, elapsed = _failed_call(port, max_retries=1, timeout=0.4)
    finally:
        listener.close()
    assert error.code == "ReadTimeout"
    assert "0.4 s" in error.message
    assert client.stats.as_dict() == {"requests": 2, "retries": 1, "retried_codes": {"ReadTimeout": 1}}
    assert len(sleeps) == 1
    assert 0.75 <= elapsed < 2.5


# --- what requests would take from the environment, read once per endpoint --------------------------


def test_environment_proxy_is_used_and_no_proxy_honoured(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("NO_PROXY", "sae.cn-beijing.aliyuncs.com")
    session = ScriptedSession(FakeResponse(200, ok_answer([])), FakeResponse(200, ok_answer([])))
    client, _sleeps = make_transport(session)
    client.call("cn-hangzhou", PARAMS)
    client.call("cn-beijing", PARAMS)
    assert session.calls[0]["proxies"].get("https") == "http://proxy.example:3128"
    assert session.calls[1]["proxies"] == {}


def test_requests_through_a_proxy_go_through_requests_the_others_straight(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("NO_PROXY", "sae.cn-beijing.aliyuncs.com")
    routes = []

    def direct(connections, url, headers, timeout, verify):
        routes.append(("direct", urlsplit(url).hostname, verify))
        return RawAnswer(200, {}, json.dumps(ok_answer([])).encode())

    def through_requests(transport, url, headers, proxies, verify):
        routes.append(("requests", urlsplit(url).hostname, proxies.get("https")))
        return RawAnswer(200, {}, json.dumps(ok_answer([])).encode())

    monkeypatch.setattr(DirectConnections, "get", direct)
    monkeypatch.setattr(transport.Transport, "_through_requests", through_requests)
    client, _sleeps = make_transport(None)
    for region in ("cn-hangzhou", "cn-beijing"):
        client.call(region, PARAMS)
    assert routes == [
        ("requests", "sae.cn-hangzhou.aliyuncs.com", "http://proxy.example:3128"),
        ("direct", "sae.cn-beijing.aliyuncs.com", True),
    ]


def test_threads_through_a_proxy_share_one_requests_session(monkeypatch):
    made = []

    class SlowSession(requests.Session):
        def __init__(self):
            time.sleep(0.05)  # long enough for every thread to ask before the first one has it
            super().__init__()
            made.append(self)

    monkeypatch.setattr(requests, "Session", SlowSession)
    client, _sleeps = make_transport(None)
    sessions = []
    threads = [threading.Thread(target=lambda: sessions.append(client._requests_session())) for _n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.close()
    assert len(made) == 1
    assert all(session is made[0] for session in sessions)


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_ca_bundle_from_the_environment(monkeypatch, tmp_path, variable):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("", encoding="utf-8")
    monkeypatch.setenv(variable, str(bundle))
    session = ScriptedSession(FakeResponse(200, ok_answer([])))
    client, _sleeps = make_transport(session)
    client.call("cn-beijing", PARAMS)
    assert session.calls[0]["verify"] == str(bundle)


def test_validate_certs_false_wins_over_a_ca_bundle(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/example/ca.pem")
    session = ScriptedSession(FakeResponse(200, ok_answer([])))
    client, _sleeps = make_transport(session, validate_certs=False)
    client.call("cn-beijing", PARAMS)
    assert session.calls[0]["verify"] is False


def test_environment_is_read_once_per_endpoint(monkeypatch):
    calls = []
    real = requests.utils.get_environ_proxies
    monkeypatch.setattr(requests.utils, "get_environ_proxies", lambda url: calls.append(url) or real(url))
    session = ScriptedSession(*[FakeResponse(200, ok_answer([])) for _unused in range(3)])
    client, _sleeps = make_transport(session)
    for region in ("cn-beijing", "cn-beijing", "cn-hangzhou"):
        client.call(region, PARAMS)
    assert calls == ["https://sae.cn-beijing.aliyuncs.com", "https://sae.cn-hangzhou.aliyuncs.com"]


def _netrc(tmp_path, monkeypatch):
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password netrc-password\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))


def test_netrc_never_replaces_the_signature_through_requests(tmp_path, monkeypatch):
    """requests lets a ~/.netrc entry replace the Authorization header: the signed one must reach the server."""
    _netrc(tmp_path, monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # requests through a proxy go through requests
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    seen = {}

    def send(adapter, request, **kwargs):
        seen["authorization"] = request.headers.get("Authorization")
        raise requests.exceptions.ConnectionError("stop here")

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    client, _sleeps = make_transport(endpoint="http://127.0.0.1:8/{region}", max_retries=0)
    with pytest.raises(SaeApiError):
        client.call("cn-beijing", PARAMS)
    assert seen["authorization"].startswith("ACS3-HMAC-SHA256 ")


def test_netrc_never_replaces_the_signature_of_a_direct_request(tmp_path, monkeypatch, local_server):
    _netrc(tmp_path, monkeypatch)
    client, _sleeps = make_transport(
        None, endpoint="http://127.0.0.1:%d/{region}" % local_server.server_address[1], max_retries=0, timeout=5
    )
    try:
        assert client.call("cn-beijing", PARAMS)["RequestId"] == "srv-ok"
    finally:
        client.close()
    (seen,) = _Recorder.requests_seen
    assert seen["headers"]["authorization"].startswith("ACS3-HMAC-SHA256 ")


# --- an answer the same as the one before is not decoded again ---------------------------------------

RID_A = "5D0B8C1E-0000-4000-8000-00000000000A"
RID_B = "5D0B8C1E-0000-4000-8000-00000000000B"


def test_fingerprint_is_the_body_but_its_request_id():
    body_a = json.dumps(ok_answer([{"AppId": "a"}], request_id=RID_A)).encode()
    body_b = json.dumps(ok_answer([{"AppId": "a"}], request_id=RID_B)).encode()
    other = json.dumps(ok_answer([{"AppId": "b"}], request_id=RID_B)).encode()
    assert transport.fingerprint(body_a) is not None
    assert transport.fingerprint(body_a) == transport.fingerprint(body_b)
    assert transport.fingerprint(body_a) != transport.fingerprint(other)


@pytest.mark.parametrize(
    "body",
    [
        b'{"RequestId": "req-1"}',  # too short to be sure it is the id
        b'{"Data": {}}',  # no id at all
        b'{"RequestId": 12345678901234567890}',  # not text
    ],
)
def test_no_fingerprint_without_a_request_id_member(body):
    assert transport.fingerprint(body) is None


def test_only_the_request_id_value_is_left_out():
    # the id's text elsewhere in the body is part of what must be equal
    body_a = b'{"RequestId": "%s", "Message": "%s"}' % (RID_A.encode(), RID_A.encode())
    body_b = b'{"RequestId": "%s", "Message": "%s"}' % (RID_B.encode(), RID_A.encode())
    body_c = b'{"RequestId": "%s", "Message": "%s"}' % (RID_B.encode(), RID_B.encode())
    assert transport.fingerprint(body_a) == transport.fingerprint(body_b) != transport.fingerprint(body_c)


def test_fingerprint_tells_where_the_id_stands():
    # the same bytes around the id, the id elsewhere
    body_a = b'{"A": "x", "RequestId": "%s", "B": "y"}' % RID_A.encode()
    body_b = b'{"A": "x", "B": "y", "RequestId": "%s"}' % RID_B.encode()
    assert transport.fingerprint(body_a) != transport.fingerprint(body_b)


def _gateway_answer(applications, request_id, status=200):
    return FakeResponse(status, ok_answer(applications, request_id=request_id), {"x-acs-request-id": request_id})


def test_fetch_returns_the_previous_answer_when_only_the_request_id_changed(monkeypatch):
    decoded = []
    real_decode = transport.decode_answer
    monkeypatch.setattr(transport, "decode_answer", lambda *args: decoded.append(args[0]) or real_decode(*args))
    session = ScriptedSession(
        _gateway_answer([{"AppId": "a"}], RID_A),
        _gateway_answer([{"AppId": "a"}], RID_B),
        _gateway_answer([{"AppId": "a", "LastJobState": "Running"}], RID_A),
    )
    client, _sleeps = make_transport(session)
    first = client.fetch("cn-beijing", PARAMS)
    again = client.fetch("cn-beijing", PARAMS, previous=first)
    changed = client.fetch("cn-beijing", PARAMS, previous=first)
    assert again is first
    assert changed is not first and changed.document["Data"]["Applications"][0]["LastJobState"] == "Running"
    assert decoded == [200, 200]  # the unchanged answer was not decoded


def test_an_error_answer_is_never_taken_for_the_previous_one():
    error_body = error_answer("Throttling.User", "slow down", RID_B)
    session = ScriptedSession(
        _gateway_answer([{"AppId": "a"}], RID_A),
        FakeResponse(429, error_body, {"x-acs-request-id": RID_B}),
    )
    client, _sleeps = make_transport(session, max_retries=0)
    first = client.fetch("cn-beijing", PARAMS)
    with pytest.raises(SaeApiError) as caught:
        client.fetch("cn-beijing", PARAMS, previous=first)
    assert caught.value.code == "Throttling.User"


def test_a_missing_ca_bundle_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    session = ScriptedSession(FakeResponse(200, ok_answer([])))
    client, _sleeps = make_transport(session)
    with pytest.raises(SaeParameterError, match="REQUESTS_CA_BUNDLE names .*missing.pem.*, which does not exist"):
        client.call("cn-beijing", PARAMS)
    assert session.calls == []
