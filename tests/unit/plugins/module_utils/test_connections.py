# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""DirectConnections against scripted servers on 127.0.0.1: keep-alive, dropped connections, failures."""

from __future__ import annotations

import gzip
import http.client
import socket
import ssl
import subprocess
import threading
import time
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import trustme

from ansible_collections.alicloud.sae.plugins.module_utils import connections
from ansible_collections.alicloud.sae.plugins.module_utils.connections import ConnectionFailure, DirectConnections

HEADERS = {"host": "sae.cn-beijing.aliyuncs.com", "accept": "application/json", "authorization": "ACS3-HMAC-SHA256 x"}


def _answer(body: bytes = b'{"ok":true}', *extra: str) -> bytes:
    head = ["HTTP/1.1 200 OK", "Content-Type: application/json", "Content-Length: %d" % len(body), *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class ScriptedServer:
    """Accepts connections on 127.0.0.1 and answers each request with ``reply(connection, request, head)``:
    the bytes to send, then the connection stays open; or (bytes, True): send them and close."""

    def __init__(self, reply, tls: ssl.SSLContext | None = None) -> None:  # type: ignore[no-untyped-def]
        self.reply = reply
        self.tls = tls
        self.requests: list = []  # (connection number, request number on it, request head)
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._threads: list = []
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str = "/pop/v1/sam/job/listJobs?Workload=job", scheme: str = "http") -> str:
        return "%s://127.0.0.1:%d%s" % (scheme, self.port, path)

    def _accept(self) -> None:
        while True:
            try:
                sock, _address = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(sock, self.connections), daemon=True)
            thread.start()

    def _serve(self, sock: socket.socket, number: int) -> None:
        if self.tls is not None:
            try:
                sock = self.tls.wrap_socket(sock, server_side=True)
            except (OSError, ssl.SSLError):  # a client that does not trust us
                sock.close()
                return
        with sock:
            pending = b""
            request = 0
            while True:
                while b"\r\n\r\n" not in pending:
                    chunk = sock.recv(65536)
                    if not chunk:
                        return
                    pending += chunk
                head, pending = pending.split(b"\r\n\r\n", 1)
                request += 1
                self.requests.append((number, request, head.decode("latin-1")))
                reply = self.reply(number, request, head)
                close = isinstance(reply, tuple)
                data = reply[0] if close else reply
                if data:
                    sock.sendall(data)
                if close:
                    return

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def serve():
    servers = []

    def start(reply, tls=None):  # type: ignore[no-untyped-def]
        server = ScriptedServer(reply, tls)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def _failure(pool: DirectConnections, url: str, timeout: float = 5.0, verify: object = True) -> ConnectionFailure:
    with pytest.raises(ConnectionFailure) as caught:
        pool.get(url, HEADERS, timeout, verify)
    return caught.value


def test_answers_come_over_one_kept_alive_connection_with_the_headers_given(serve):
    server = serve(lambda _connection, request, _head: _answer(b'{"n":%d}' % request, "X-Acs-Request-Id: gw-1"))
    pool = DirectConnections(4)
    answers = [pool.get(server.url(), HEADERS, 5.0, True) for _attempt in range(3)]
    pool.close()
    assert [answer.body for answer in answers] == [b'{"n":1}', b'{"n":2}', b'{"n":3}']
    assert answers[0].status == 200
    assert answers[0].headers.get("x-acs-request-id") == "gw-1"  # header names in any case
    assert server.connections == 1
    request_line, *header_lines = server.requests[0][2].split("\r\n")
    assert request_line == "GET /pop/v1/sam/job/listJobs?Workload=job HTTP/1.1"
    sent = dict(line.split(": ", 1) for line in header_lines)
    # host is the signed one, given by the caller, and sent once; answers may come compressed
    assert [name.lower() for name in sent].count("host") == 1
    assert sent["host"] == "sae.cn-beijing.aliyuncs.com"
    assert sent["authorization"] == "ACS3-HMAC-SHA256 x"
    assert sent["Accept-Encoding"] == "gzip, deflate"


def test_a_connection_the_server_closed_while_idle_is_not_used_again(serve, monkeypatch):
    server = serve(lambda _connection, _request, _head: (_answer(), True))  # closes, without saying so
    exchanges = []
    exchange = DirectConnections._exchange
    monkeypatch.setattr(
        DirectConnections, "_exchange", lambda pool, *args: exchanges.append(args[1]) or exchange(pool, *args)
    )
    pool = DirectConnections(4)
    first = pool.get(server.url(), HEADERS, 5.0, True)
    time.sleep(0.2)  # the close reaches us
    second = pool.get(server.url(), HEADERS, 5.0, True)
    pool.close()
    assert first.status == second.status == 200
    assert server.connections == 2
    assert [number for number, _request, _head in server.requests] == [1, 2]
    assert len(exchanges) == 2 and exchanges[0] is not exchanges[1]  # the closed one was never written to


def test_a_kept_connection_closed_as_it_is_used_again_is_replaced_once(serve):
    # The server answers the first request and drops the connection when the second comes on it: the race
    # between a server's idle timeout and our next request. A GET is sent again on a new connection.
    server = serve(lambda connection, request, _head: (b"", True) if request == 2 else _answer())
    pool = DirectConnections(4)
    pool.get(server.url(), HEADERS, 5.0, True)
    second = pool.get(server.url(), HEADERS, 5.0, True)
    pool.close()
    assert second.status == 200
    assert [(number, request) for number, request, _head in server.requests] == [(1, 1), (1, 2), (2, 1)]


def test_a_new_connection_closed_without_an_answer_is_a_connection_error(serve):
    server = serve(lambda _connection, _request, _head: (b"", True))
    failure = _failure(DirectConnections(4), server.url())
    assert failure.kind == connections.CONNECTION_ERROR
    assert server.connections == 1  # not sent again: a fresh connection is no stale one


def test_an_answer_cut_short_says_so(serve):
    server = serve(lambda _connection, _request, _head: (_answer(b"x" * 100)[:-90], True))
    failure = _failure(DirectConnections(4), server.url())
    assert failure.kind == connections.CUT_SHORT
    assert "10 bytes read" in str(failure.reason)


def test_an_answer_marked_connection_close_gives_no_connection_back(serve):
    server = serve(lambda _connection, _request, _head: _answer(b"{}", "Connection: close"))
    pool = DirectConnections(4)
    for _attempt in range(2):
        pool.get(server.url(), HEADERS, 5.0, True)
    pool.close()
    assert server.connections == 2


def test_a_redirect_is_an_answer_not_followed(serve):
    moved = b"HTTP/1.1 302 Found\r\nLocation: http://elsewhere.invalid/\r\nContent-Length: 0\r\n\r\n"
    server = serve(lambda _connection, _request, _head: moved)
    answer = DirectConnections(4).get(server.url(), HEADERS, 5.0, True)
    assert answer.status == 302
    assert answer.body == b""
    assert len(server.requests) == 1


def test_a_silent_server_is_a_read_timeout(serve):
    server = serve(lambda _connection, _request, _head: b"")  # reads the request, never answers
    started = time.monotonic()
    failure = _failure(DirectConnections(4), server.url(), timeout=0.3)
    assert failure.kind == connections.READ_TIMEOUT
    assert 0.25 <= time.monotonic() - started < 2.0


def test_a_refused_connection_is_a_connection_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    failure = _failure(DirectConnections(4), "http://127.0.0.1:%d/" % port)
    assert failure.kind == connections.CONNECTION_ERROR
    assert isinstance(failure.reason, ConnectionRefusedError)


def test_tls_to_a_server_that_does_not_speak_it_is_a_tls_failure():
    listener = socket.create_server(("127.0.0.1", 0))

    def answer_in_plain_text():  # type: ignore[no-untyped-def]
        sock, _address = listener.accept()
        with sock:
            sock.recv(65536)  # the TLS client hello
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=answer_in_plain_text, daemon=True).start()
    with listener:
        url = "https://127.0.0.1:%d/" % listener.getsockname()[1]
        failure = _failure(DirectConnections(4), url, verify=False)
    assert failure.kind == connections.SSL_ERROR
    assert isinstance(failure.reason, ssl.SSLError)


def test_gzip_and_deflate_answers_are_decoded(serve):
    body = b'{"Data":' + b'"x",' * 500 + b'"y"}'
    encoded = {
        "gzip": gzip.compress(body[:100]) + gzip.compress(body[100:]),  # two members, as gzip allows
        "deflate": zlib.compress(body),
        "raw-deflate": zlib.compress(body)[2:-4],  # a deflate stream without its zlib header
    }

    def reply(_connection, request, _head):  # type: ignore[no-untyped-def]
        name = list(encoded)[request - 1]
        return _answer(encoded[name], "Content-Encoding: %s" % name.replace("raw-", ""))

    server = serve(reply)
    pool = DirectConnections(4)
    assert [pool.get(server.url(), HEADERS, 5.0, True).body for _name in encoded] == [body] * 3


def test_an_answer_that_does_not_decompress_is_a_request_error(serve):
    server = serve(lambda _connection, _request, _head: _answer(b"not gzip at all", "Content-Encoding: gzip"))
    failure = _failure(DirectConnections(4), server.url())
    assert failure.kind == connections.REQUEST_ERROR
    assert "gzip" in str(failure.reason)


class _Idle:
    def __init__(self) -> None:
        self.closed = False
        self.sock = None

    def close(self) -> None:
        self.closed = True


def test_no_more_idle_connections_are_kept_than_the_pool_size():
    pool = DirectConnections(2)
    kept = [_Idle() for _number in range(3)]
    for connection in kept:
        pool._release(("http", "127.0.0.1", 80, True), connection)
    assert [connection.closed for connection in kept] == [False, False, True]
    pool.close()
    assert all(connection.closed for connection in kept)


def test_certificates_are_checked_against_the_bundle_given_or_not_at_all(tmp_path):
    pool = DirectConnections(2, default_ca_file=None)
    unchecked = pool._context(False)
    assert (unchecked.verify_mode, unchecked.check_hostname) == (ssl.CERT_NONE, False)
    checked = pool._context(True)
    assert (checked.verify_mode, checked.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert pool._context(True) is checked  # made once
    with pytest.raises(FileNotFoundError):
        pool._context(str(tmp_path / "missing.pem"))  # a bundle named is the one read
    with pytest.raises(FileNotFoundError):
        DirectConnections(2, default_ca_file=str(tmp_path / "missing.pem"))._context(True)


def test_a_name_that_does_not_resolve_says_so():
    # tests/unit/conftest.py refuses to resolve any name but the loopback ones: nothing leaves the machine.
    failure = _failure(DirectConnections(4), "https://sae-test.invalid/")
    assert failure.kind == connections.CONNECTION_ERROR
    assert "failed to resolve 'sae-test.invalid'" in failure.reason


def test_a_header_value_http_forbids_is_named_never_shown(serve):
    server = serve(lambda _connection, _request, _head: _answer())
    headers = dict(HEADERS, **{"x-acs-security-token": "token\r\nX-Injected: yes"})
    with pytest.raises(ConnectionFailure) as caught:
        DirectConnections(4).get(server.url(), headers, 5.0, True)
    failure = caught.value
    assert failure.kind == connections.REQUEST_ERROR
    assert failure.reason == "the x-acs-security-token header holds a line break or another character HTTP forbids"
    assert failure.__context__ is None  # http.client's ValueError shows the value
    assert server.requests == []  # nothing was sent


def test_a_path_that_is_not_ascii_is_sent_percent_encoded(serve):
    server = serve(lambda _connection, _request, _head: _answer())
    DirectConnections(4).get(server.url("/生产/listJobs?Workload=job&Tags=%5B%5D"), HEADERS, 5.0, True)
    request_line = server.requests[0][2].split("\r\n")[0]
    assert request_line == "GET /%E7%94%9F%E4%BA%A7/listJobs?Workload=job&Tags=%5B%5D HTTP/1.1"


def test_an_idle_connection_is_dropped_once_the_server_closed_or_wrote_to_it():
    ours, theirs = socket.socketpair()
    idle = _Idle()
    idle.sock = ours
    with ours, theirs:
        assert connections._is_dropped(idle) is False
        theirs.sendall(b"HTTP/1.1 408 Request Timeout\r\n\r\n")  # unasked for: the connection is not clean
        assert connections._is_dropped(idle) is True
        ours.recv(100)
        assert connections._is_dropped(idle) is False
        theirs.close()
        assert connections._is_dropped(idle) is True
    assert connections._is_dropped(_Idle()) is True  # never connected, or closed by us


@pytest.mark.parametrize(
    "url, address",
    [
        ("http://[::1]/x", ("::1", 80)),
        ("https://[::1]/x", ("::1", 443)),
        ("http://[::1]:8080/x", ("::1", 8080)),
        ("https://sae.cn-beijing.aliyuncs.com/x", ("sae.cn-beijing.aliyuncs.com", 443)),
    ],
)
def test_the_connection_goes_to_the_url_s_host_and_port(monkeypatch, url, address):
    went = []
    for kind in (http.client.HTTPConnection, http.client.HTTPSConnection):
        monkeypatch.setattr(kind, "connect", lambda self: went.append((self.host, self.port)))
    DirectConnections(4, default_ca_file=None)._new_connection(urlsplit(url), 5.0, True)
    assert went == [address]


def test_an_empty_answer_said_to_be_gzip_is_empty(serve):
    unavailable = b"HTTP/1.1 503 Service Unavailable\r\nContent-Encoding: gzip\r\nContent-Length: 0\r\n\r\n"
    server = serve(lambda _connection, _request, _head: unavailable)
    answer = DirectConnections(4).get(server.url(), HEADERS, 5.0, True)
    assert (answer.status, answer.body) == (503, b"")  # the transport retries a 503


def test_a_connection_ending_after_close_is_not_kept(serve):
    pool = DirectConnections(4)
    pool.close()
    late = _Idle()
    pool._release(("http", "127.0.0.1", 80, True), late)  # a request that was still running
    assert late.closed


# ---- TLS, with a CA made for the test --------------------------------------------------------------


@pytest.fixture
def tls_server(serve, tmp_path):
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    server = serve(lambda _connection, _request, _head: _answer(b'{"tls":true}'), tls=context)
    return server, str(tmp_path / "ca.pem")


def test_https_with_the_ca_given_or_as_the_default_bundle(tls_server):
    server, ca_file = tls_server
    named = DirectConnections(4).get(server.url(scheme="https"), HEADERS, 5.0, ca_file)
    default = DirectConnections(4, default_ca_file=ca_file).get(server.url(scheme="https"), HEADERS, 5.0, True)
    assert named.body == default.body == b'{"tls":true}'


def test_https_with_a_directory_of_ca_certificates(tls_server, tmp_path):
    server, ca_file = tls_server
    directory = tmp_path / "certs"
    directory.mkdir()
    # OpenSSL finds a CA in a directory by the hash of its subject: <hash>.0
    subject_hash = subprocess.run(
        ["openssl", "x509", "-subject_hash", "-noout", "-in", ca_file], capture_output=True, text=True, check=True
    ).stdout.strip()
    (directory / (subject_hash + ".0")).write_bytes(Path(ca_file).read_bytes())
    answer = DirectConnections(4).get(server.url(scheme="https"), HEADERS, 5.0, str(directory))
    assert answer.body == b'{"tls":true}'


def test_https_refuses_an_untrusted_certificate_unless_told_not_to_check(tls_server, tmp_path):
    server, _ca_file = tls_server
    other_ca = tmp_path / "other.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    failure = _failure(DirectConnections(4), server.url(scheme="https"), verify=str(other_ca))
    assert failure.kind == connections.SSL_ERROR
    assert "certificate verify failed" in str(failure.reason)
    unchecked = DirectConnections(4).get(server.url(scheme="https"), HEADERS, 5.0, False)
    assert unchecked.body == b'{"tls":true}'


def test_https_checks_the_host_name(serve, tmp_path):
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("sae.cn-beijing.aliyuncs.com").configure_cert(context)  # not the host we connect to
    server = serve(lambda _connection, _request, _head: _answer(), tls=context)
    failure = _failure(DirectConnections(4), server.url(scheme="https"), verify=str(tmp_path / "ca.pem"))
    assert failure.kind == connections.SSL_ERROR
    assert "mismatch" in str(failure.reason).lower()


def test_ca_certificates_that_cannot_be_loaded_are_a_tls_failure(tls_server, tmp_path):
    server, _ca_file = tls_server
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("not a certificate", encoding="utf-8")
    failure = _failure(DirectConnections(4), server.url(scheme="https"), verify=str(not_pem))
    assert failure.kind == connections.SSL_ERROR
    assert str(failure.reason).startswith("the CA certificates could not be loaded: ")
