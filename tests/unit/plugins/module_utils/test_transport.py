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
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import yaml
from urllib3.exceptions import ReadTimeoutError

from ansible_collections.alicloud.sae.plugins.module_utils import retries, signing, transport
from ansible_collections.alicloud.sae.plugins.module_utils.credentials import (
    Credentials,
    CredentialSource,
    resolve_credential_source,
)
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError, SaeParameterError
from ansible_collections.alicloud.sae.plugins.module_utils.ratelimit import RateLimiter
from ansible_collections.alicloud.sae.tests.unit.utils import (
    AK_ID,
    SECRET,
    FakeClock,
    FakeResponse,
    ScriptedSession,
    check_signature,
    error_answer,
    ok_answer,
)

PARAMS = {"Workload": "job", "PageSize": "200", "CurrentPage": "1", "Tags": '[{"key":"a b","value":"x+y*z~"}]'}


def make_transport(session=None, endpoint=None, max_retries=3, rng=lambda: 0.5, timeout=30.0, **kwargs):
    sleeps = []  # the backoff's; the rate limiter waits on a fake clock of its own
    limiter_clock = FakeClock()
    kwargs.setdefault("rate_limiter", RateLimiter(clock=limiter_clock, sleep=limiter_clock.sleep))
    source = kwargs.pop("source", None) or resolve_credential_source(
        {"access_key_id": AK_ID, "access_key_secret": SECRET}
    )
    options = {name: kwargs.pop(name) for name in ("validate_certs", "ca_bundle") if name in kwargs}
    client = transport.Transport(
        dict(options, endpoint=endpoint, timeout=timeout),
        credential_source=source,
        retry_policy=retries.RetryPolicy(max_retries=max_retries, rng=rng),
        sleep=sleeps.append,
        session=session,
        **kwargs,
    )
    return client, sleeps


def api_error(status, code, request_id, headers=None):
    return FakeResponse(status, error_answer(code, "%s happened" % code, request_id), headers)


def test_user_agent_names_the_collection_version_of_galaxy_yml():
    galaxy_yml = Path(transport.__file__).resolve().parents[2] / "galaxy.yml"
    galaxy = yaml.safe_load(galaxy_yml.read_text(encoding="utf-8"))
    assert (galaxy["namespace"], galaxy["name"]) == ("alicloud", "sae")
    assert transport.USER_AGENT.startswith("alicloud.sae/%s (Ansible collection; Python " % galaxy["version"])


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


class RecordingLimiter(RateLimiter):
    """A rate limiter that also records, in order, what the transport told it."""

    def __init__(self, events):
        clock = FakeClock()
        super().__init__(clock=clock, sleep=clock.sleep)
        self.events = events

    def wait_turn(self):
        self.events.append("wait")
        return super().wait_turn()

    def accepted(self):
        self.events.append("accepted")
        super().accepted()

    def throttled(self, sent_at, hold=0.0):
        self.events.append("throttled")
        super().throttled(sent_at, hold)


def test_every_send_retries_included_waits_for_the_rate_limiter_and_tells_it_the_outcome():
    events = []
    session = ScriptedSession(
        api_error(400, "Throttling.User", "r-1"),  # flow control, whatever the HTTP status
        api_error(429, "TooManyRequests", "r-2"),
        api_error(503, "ServiceUnavailable", "r-3"),  # retried, but no flow control
        FakeResponse(200, ok_answer([{"AppId": "a"}], request_id="r-4")),
    )
    client, sleeps = make_transport(session, max_retries=5, rate_limiter=RecordingLimiter(events))
    client.call("cn-beijing", {"Workload": "job"})
    assert events == ["wait", "throttled", "wait", "throttled", "wait", "wait", "accepted"]
    assert len(sleeps) == 3  # the jittered backoff stays, before each retry
    assert client.rate_limiter.as_dict()["throttled"] == 2


def test_a_throttled_call_that_exhausts_its_retries_is_counted_too():
    session = ScriptedSession(*[api_error(400, "Throttling.Api", "r-%d" % n) for n in range(3)])
    client, _sleeps = make_transport(session, max_retries=2)
    with pytest.raises(SaeApiError, match="Throttling.Api"):
        client.call("cn-beijing", {"Workload": "job"})
    assert client.rate_limiter.as_dict()["throttled"] == 3


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


@pytest.mark.parametrize(
    "headers, wait",
    [
        ({"x-acs-retry-after": "2500"}, 2.5),
        ({"x-ratelimit-user-api": "Limit:1,Remain:0,TimeLeft:2000,Reset:1234"}, 2.0),
        ({"x-ratelimit-user": "Limit:1,Remain:0,TimeLeft:3100,Reset:1234"}, 3.1),
        ({"Retry-After": "7"}, 7.0),
    ],
)
def test_a_throttles_hint_holds_the_retry_instead_of_the_backoff(headers, wait):
    session = ScriptedSession(api_error(400, "Throttling.User", "r-1", headers), FakeResponse(200, ok_answer([])))
    client, sleeps = make_transport(session, rng=lambda: 1.0)
    clock = client.rate_limiter._clock
    client.call("cn-beijing", {"Workload": "job"})
    # no backoff of its own (it would be 0.5 s): the rate limiter holds the retry, and every other send, that long
    assert sleeps == [] and clock.sleeps[0] == pytest.approx(wait)


def test_a_hint_longer_than_the_client_waits_ends_the_call_saying_how_long_was_asked():
    link = "https://api.aliyun.com/troubleshoot?q=Throttling.User&product=sae&requestId=r-1"
    body = error_answer("Throttling.User", "Request was denied due to user flow control.", "r-1")
    session = ScriptedSession(FakeResponse(400, dict(body, Recommend=link), {"x-acs-retry-after": "90000"}))
    client, sleeps = make_transport(session, max_retries=5)
    with pytest.raises(SaeApiError) as caught:
        client.call("cn-beijing", {"Workload": "job"})
    assert (len(session.calls), sleeps, caught.value.code, caught.value.region) == (
        1,
        [],
        "Throttling.User",
        "cn-beijing",
    )
    assert "the gateway asked to wait 90 s, longer than the 60 s this client waits" in str(caught.value)
    assert str(caught.value).endswith("Recommend: " + link)


def test_the_longest_wait_is_timeout_times_max_retries_when_that_is_shorter():
    session = ScriptedSession(api_error(400, "Throttling.User", "r-1", {"x-acs-retry-after": "2500"}))
    client = transport.Transport(
        {"endpoint": None, "timeout": 1.0, "max_retries": 2},
        credential_source=resolve_credential_source({"access_key_id": AK_ID, "access_key_secret": SECRET}),
        session=session,
    )
    with pytest.raises(SaeApiError, match=r"asked to wait 2\.5 s, longer than the 2 s this client waits"):
        client.call("cn-beijing", {"Workload": "job"})
    assert len(session.calls) == 1


def test_a_503s_retry_after_is_this_calls_own_wait():
    session = ScriptedSession(
        api_error(503, "ServiceUnavailable", "r-1", {"Retry-After": "7"}), FakeResponse(200, ok_answer([]))
    )
    client, sleeps = make_transport(session, rng=lambda: 1.0)
    client.call("cn-beijing", {"Workload": "job"})
    assert sleeps == [7.0] and client.rate_limiter._clock.sleeps == []


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
        # a read timeout in the middle of the body: requests raises it as a ConnectionError
        (requests.exceptions.ConnectionError(ReadTimeoutError(None, "/", "Read timed out.")), "ReadTimeout", True),
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


def test_one_session_pools_as_many_connections_as_requests_in_flight_and_never_retries_by_itself():
    client, _sleeps = make_transport(None, pool_size=7)
    session = client._session
    assert session.trust_env is False  # the environment is read once per endpoint, netrc never
    for prefix in ("http://", "https://"):
        adapter = session.get_adapter(prefix + "sae.cn-beijing.aliyuncs.com")
        assert adapter._pool_maxsize == 7
        assert adapter.max_retries.total == 0
    client.close()


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
    assert seen["headers"]["user-agent"] == transport.USER_AGENT


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
    """One call to 127.0.0.1:``port`` that must fail: its SaeApiError, the transport and its sleeps."""
    client, sleeps = make_transport(
        None, endpoint="http://127.0.0.1:%d" % port, max_retries=max_retries, timeout=timeout
    )
    with pytest.raises(SaeApiError) as caught:
        client.call("cn-beijing", {"Workload": "job"})
    client.close()
    return caught.value, client, sleeps


def test_connection_refused_is_a_connection_error():
    port = _free_port()
    error, client, sleeps = _failed_call(port, max_retries=2, timeout=3.0)
    assert error.code == "ConnectionError"
    assert error.message.startswith("could not talk to 127.0.0.1:%d: " % port)
    assert "Connection refused" in error.message
    assert client.stats.as_dict()["requests"] == 3
    assert len(sleeps) == 2


def test_silent_server_is_a_read_timeout():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # the kernel completes the handshake; nobody ever answers
    port = listener.getsockname()[1]
    try:
        error, client, sleeps = _failed_call(port, max_retries=1, timeout=0.4)
    finally:
        listener.close()
    assert error.code == "ReadTimeout"
    assert "0.4 s" in error.message
    assert client.stats.as_dict() == {"requests": 2, "retries": 1, "retried_codes": {"ReadTimeout": 1}}
    assert len(sleeps) == 1


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


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_ca_bundle_from_the_environment(monkeypatch, tmp_path, variable):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("", encoding="utf-8")
    monkeypatch.setenv(variable, str(bundle))
    session = ScriptedSession(FakeResponse(200, ok_answer([])))
    client, _sleeps = make_transport(session)
    client.call("cn-beijing", PARAMS)
    assert session.calls[0]["verify"] == str(bundle)


def test_the_ca_bundle_option_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/example/environment-ca.pem")
    session = ScriptedSession(FakeResponse(200, ok_answer([])))
    client, _sleeps = make_transport(session, ca_bundle="/etc/example/option-ca.pem")
    client.call("cn-beijing", PARAMS)
    assert session.calls[0]["verify"] == "/etc/example/option-ca.pem"


def test_validate_certs_false_wins_over_the_ca_bundle_option():
    session = ScriptedSession(FakeResponse(200, ok_answer([])))
    client, _sleeps = make_transport(session, validate_certs=False, ca_bundle="/etc/example/option-ca.pem")
    client.call("cn-beijing", PARAMS)
    assert session.calls[0]["verify"] is False


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


def test_netrc_never_replaces_the_signature(tmp_path, monkeypatch, local_server):
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


def test_a_missing_ca_bundle_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    session = ScriptedSession(FakeResponse(200, ok_answer([])))
    client, _sleeps = make_transport(session)
    with pytest.raises(SaeParameterError, match="REQUESTS_CA_BUNDLE names .*missing.pem.*, which does not exist"):
        client.call("cn-beijing", PARAMS)
    assert session.calls == []


# ---- issue 27: a host name that does not resolve ----------------------------------------------------------


def _unresolvable_call(port: int) -> tuple:
    client, sleeps = make_transport(None, endpoint="http://sae.{region}.invalid:%d" % port, max_retries=3)
    started = time.monotonic()
    with pytest.raises(SaeApiError) as caught:
        client.call("cn-hangzou", {"Workload": "job"})
    seconds = time.monotonic() - started
    client.close()
    return caught.value, client.stats.as_dict()["requests"], sleeps, seconds


def _check_not_retried_and_named(outcome: tuple) -> None:
    error, requests_sent, sleeps, seconds = outcome
    assert error.code == "ConnectionError"
    assert error.region == "cn-hangzou"
    assert error.message.startswith("the host name sae.cn-hangzou.invalid does not resolve (")
    assert error.message.endswith("; check that region cn-hangzou is spelt right, and the endpoint")
    assert "region cn-hangzou" in "%s" % error
    assert (requests_sent, sleeps) == (1, [])  # asked again, it would not resolve either
    assert seconds < 2


def test_a_host_name_the_resolver_does_not_know_is_not_retried(monkeypatch):
    def resolver_says_no(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", resolver_says_no)  # as a real resolver answers, netguard or not
    _check_not_retried_and_named(_unresolvable_call(_free_port()))


def test_a_host_name_the_network_guard_refuses_to_look_up_is_not_retried():
    import sae_netguard

    with sae_netguard.expect_refusals() as refused:
        outcome = _unresolvable_call(_free_port())
        assert {(entry["action"], entry["host"]) for entry in refused()} == {("resolve", "sae.cn-hangzou.invalid")}
    _check_not_retried_and_named(outcome)


def test_a_tls_failure_whose_cause_has_a_text_reason_stays_a_tls_failure():
    import ssl

    from urllib3.exceptions import MaxRetryError
    from urllib3.exceptions import SSLError as Urllib3SSLError

    cause = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cause.reason = "CERTIFICATE_VERIFY_FAILED"  # as the ssl module sets it: text, not an exception
    failure = requests.exceptions.SSLError(MaxRetryError(None, "/", Urllib3SSLError(cause)))
    client, sleeps = make_transport(ScriptedSession(failure), max_retries=2)
    with pytest.raises(SaeApiError) as caught:
        client.call("cn-beijing", {"Workload": "job"})
    assert caught.value.code == "SSLError"
    assert "certificate verify failed" in caught.value.message
    assert sleeps == []
