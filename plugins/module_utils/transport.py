# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One signed ROA call over HTTP(S), its answer decoded, transient failures retried.

Retried: throttling (``Throttling*`` codes, HTTP 429), HTTP 5xx and ``ServiceUnavailable``,
connection errors and timeouts. Nothing else: a signature, credential or parameter error
would fail the same way again. Backoff is exponential with full jitter, and a
``Retry-After`` hint is honoured.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

from ansible_collections.alicloud.sae.plugins.module_utils import signing
from ansible_collections.alicloud.sae.plugins.module_utils.connections import (
    CONNECT_TIMEOUT,
    CONNECTION_ERROR,
    CUT_SHORT,
    READ_TIMEOUT,
    REQUEST_ERROR,
    SSL_ERROR,
    ConnectionFailure,
    DirectConnections,
    RawAnswer,
    Verify,
)
from ansible_collections.alicloud.sae.plugins.module_utils.credentials import CredentialSource, redact
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError, SaeParameterError

try:
    import requests
    from requests.adapters import HTTPAdapter

    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # reported by the module / plugin as a missing requirement
    requests = None
    HTTPAdapter = object
    REQUESTS_IMPORT_ERROR = exc

DEFAULT_ENDPOINT = "https://sae.{region}.aliyuncs.com"
TRANSIENT_CODES = ("ServiceUnavailable", "ConnectionError", "ConnectTimeout", "ReadTimeout")
MAX_RETRY_AFTER = 30.0
_ERROR_SNIPPET = 200
_OBJECT_PREFIX = re.compile(r"^<[^>]*>: ")
_REQUEST_ID_MEMBER = re.compile(rb'"RequestId"\s*:\s*"([0-9A-Za-z-]{16,64})"')
_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")
_FAILURE_MESSAGES = {
    SSL_ERROR: "TLS failure talking to %(host)s: %(reason)s",
    CONNECT_TIMEOUT: "no connection to %(host)s within %(timeout)s s",
    READ_TIMEOUT: "no answer from %(host)s within %(timeout)s s",
    CONNECTION_ERROR: "could not talk to %(host)s: %(reason)s",
    CUT_SHORT: "the answer from %(host)s was cut short: %(reason)s",
    REQUEST_ERROR: "request to %(host)s failed: %(reason)s",
}
_NOT_HEADER_TEXT = re.compile(r"[^\t\x20-\x7e]")
_HEADER_SOURCES = {
    "x-acs-security-token": "The security token",
    "x-acs-accesskey-id": "The access key ID",
    "authorization": "The access key ID",  # the only part of it not made by the signing
    "host": "The endpoint's host",
}
# The connection dropped mid-answer: as transient as any other broken connection.
_FAILURE_CODES = {CUT_SHORT: CONNECTION_ERROR}


@dataclass
class RetryPolicy:
    max_retries: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    rng: Callable[[], float] = field(default=random.random, repr=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Full jitter: uniform in [0, min(max_delay, base * 2**attempt)], never below a Retry-After hint."""
        delay = self.rng() * min(self.max_delay, self.base_delay * (2**attempt))
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
        return delay


def is_retryable(error: SaeApiError) -> bool:
    if error.status is not None and (error.status == 429 or error.status >= 500):
        return True
    return error.code.startswith("Throttling") or error.code in TRANSIENT_CODES


class RequestStats:
    """Thread-safe counters of what the client did (shown at -vvv)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.retries = 0
        self.retried_codes: dict = {}

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1

    def count_retry(self, code: str) -> None:
        with self._lock:
            self.retries += 1
            self.retried_codes[code] = self.retried_codes.get(code, 0) + 1

    def as_dict(self) -> dict:
        with self._lock:
            return {"requests": self.requests, "retries": self.retries, "retried_codes": dict(self.retried_codes)}


@dataclass(frozen=True)
class Answer:
    """A successful answer. ``fingerprint`` identifies its body but for the request id (all that differs
    between two answers to the same question), or is None when the body has no request id."""

    document: dict
    fingerprint: tuple | None = None


def fingerprint(body: bytes) -> tuple | None:
    """Where the body's ``RequestId`` value stands, the body's length, and the SHA-256 of the bytes around it.

    Two bodies with equal fingerprints are the same bytes but for the request id, at the same place. None
    when the body has no ``RequestId`` member as long as a UUID (then there is no shortcut).
    """
    match = _REQUEST_ID_MEMBER.search(body)
    if match is None:
        return None
    at, end = match.span(1)
    digest = hashlib.sha256(memoryview(body)[:at])
    digest.update(memoryview(body)[end:])
    return (at, len(body), digest.digest())


@dataclass(frozen=True)
class Endpoint:
    base_url: str  # scheme://netloc[/prefix], no trailing slash
    host: str  # the netloc the connection goes to: signed as the ``host`` header


def resolve_endpoint(template: str | None, region: str) -> Endpoint:
    """Expand ``{region}`` in the endpoint template and check the result is a plain http(s) URL."""
    if template is not None and not isinstance(template, str):
        raise SaeParameterError("endpoint must be a URL template (text), got %s." % type(template).__name__)
    url = (template or DEFAULT_ENDPOINT).replace("{region}", region)
    if _SPACE_OR_CONTROL.search(url):
        # never valid in a URL, and a NUL makes the standard library raise where it looks at the host
        raise SaeParameterError("endpoint must not contain spaces or control characters, got %r." % url)
    if "://" not in url:
        url = "https://" + url
    try:
        parts = urlsplit(url)
    except ValueError as error:  # for example "Invalid IPv6 URL" for an unclosed "["
        raise SaeParameterError("endpoint %r is not a valid URL: %s." % (url, error)) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SaeParameterError("endpoint must be an http:// or https:// URL, got %r." % url)
    if "@" in parts.netloc:
        # user:pass@host would send the request (and its signature) somewhere else than it looks.
        raise SaeParameterError("endpoint must not contain user information (user@host).")
    if parts.query or parts.fragment:
        raise SaeParameterError("endpoint must not contain a query string or fragment.")
    try:
        parts.port  # noqa: B018 - reading it is the check: urllib raises ValueError for a bad port
    except ValueError:
        raise SaeParameterError("endpoint has an invalid port: %r." % url) from None
    return Endpoint("%s://%s%s" % (parts.scheme, parts.netloc, parts.path.rstrip("/")), parts.netloc)


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text[:_ERROR_SNIPPET] + ("..." if len(text) > _ERROR_SNIPPET else "")


def decode_answer(
    status: int, body: bytes, content_type: str, retry_after: str | None, request_id: str | None = None
) -> dict:
    """The JSON object of a successful answer, or the ``SaeApiError`` it stands for.

    ``request_id`` is the gateway's ``x-acs-request-id`` header: the only id an answer that is not JSON has.
    """
    text = body.decode("utf-8", errors="replace")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply to decode
        document = None
    if not isinstance(document, dict):
        code = "InvalidResponse" if status < 400 else "HTTP%d" % status
        what = "not a JSON object" if document is not None else "not JSON"
        raise SaeApiError(
            code,
            "the answer (%s) is %s: %s" % (content_type or "no content type", what, _snippet(text) or "empty body"),
            request_id=request_id,
            status=status,
            retry_after=_retry_after_seconds(retry_after),
        )
    request_id = document.get("RequestId") or request_id
    if status >= 400 or document.get("Success") is False:
        raise SaeApiError(
            "%s" % (document.get("Code") or document.get("ErrorCode") or "HTTP%d" % status),
            "%s" % (document.get("Message") or "no message"),
            request_id=request_id,
            status=status,
            retry_after=_retry_after_seconds(retry_after),
        )
    return document


def _utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Transport:
    """Signed GET requests to one ROA API, shared by every thread of a listing."""

    def __init__(
        self,
        credential_source: CredentialSource,
        endpoint_template: str | None,
        action: str,
        version: str,
        path: str,
        user_agent: str,
        timeout: float = 30.0,
        validate_certs: bool = True,
        retry_policy: RetryPolicy | None = None,
        pool_size: int = 10,
        sleep: Callable[[float], None] = time.sleep,
        session: object | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> None:
        if requests is None:
            raise REQUESTS_IMPORT_ERROR  # the caller reports it as a missing requirement
        self._credentials = credential_source
        self._endpoint_template = endpoint_template
        self._action, self._version, self._path = action, version, path
        self._user_agent = user_agent
        self._timeout = timeout
        self._validate_certs = validate_certs
        self.retry_policy = retry_policy or RetryPolicy()
        self._sleep = sleep
        self._before_send = before_send
        self.stats = RequestStats()
        self._pool_size = pool_size
        # Requests straight to the API go through our own connections (see connections.py: a fifth of the
        # listing's CPU time less); requests through a proxy, and every request when a session is given, go
        # through requests.
        self._direct = None if session is not None else DirectConnections(pool_size, requests.certs.where())
        self._session = session
        self._session_lock = threading.Lock()
        self._environments: dict = {}

    def close(self) -> None:
        if self._direct is not None:
            self._direct.close()
        if self._session is not None:
            self._session.close()

    def _requests_session(self) -> object:
        with self._session_lock:  # one session, however many threads ask first
            if self._session is None:
                session = requests.Session()
                # The environment is read once per endpoint (_environment) instead of on every request, where
                # requests would also let a ~/.netrc entry replace the signed Authorization header.
                session.trust_env = False
                adapter = HTTPAdapter(pool_connections=self._pool_size, pool_maxsize=self._pool_size, max_retries=0)
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                self._session = session
            return self._session

    def call(self, region: str, params: dict) -> dict:
        """One logical call, retried as the policy allows; errors name the region."""
        return self.fetch(region, params).document

    def fetch(
        self,
        region: str,
        params: dict,
        previous: Answer | None = None,
        retry: bool = True,
        failed: SaeApiError | None = None,
    ) -> Answer:
        """``call``, as an ``Answer``: ``previous`` itself when the answer is the same as that one (same
        bytes but for the request id), so that a confirming read does not decode what it already has.
        ``retry=False`` sends the request once, whatever the error. ``failed`` is the error a first attempt
        made elsewhere (``retry=False``) ended with: this call goes on as its retries."""
        endpoint = resolve_endpoint(self._endpoint_template, region)
        attempt, error = 0, failed
        while True:
            if error is not None:
                if not retry or attempt >= self.retry_policy.max_retries or not is_retryable(error):
                    raise error.in_region(region) from None
                self.stats.count_retry(error.code)
                self._sleep(self.retry_policy.delay(attempt, error.retry_after))
                attempt += 1
            try:
                return self._send(endpoint, params, previous)
            except SaeApiError as exc:
                error = exc

    def _send(self, endpoint: Endpoint, params: dict, previous: Answer | None) -> Answer:
        credentials = self._credentials.get()
        path = urlsplit(endpoint.base_url).path + self._path
        headers = signing.signed_headers(
            credentials,
            endpoint.host,
            "GET",
            path,
            params,
            self._action,
            self._version,
            _utc_now(),
            uuid.uuid4().hex,
            self._user_agent,
        )
        _check_header_values(headers)
        url = "%s%s?%s" % (endpoint.base_url, self._path, signing.canonical_query(params))
        self.stats.count_request()
        secrets = (credentials.access_key_secret, credentials.security_token)
        proxies, proxied, verify = self._environment(endpoint)
        if self._before_send is not None:
            self._before_send()
        try:
            if self._direct is not None and not proxied:
                answer = self._direct.get(url, headers, self._timeout, verify)
            else:
                answer = self._through_requests(url, headers, proxies, verify)
        except ConnectionFailure as failure:
            # The URL has no secret in it, but redact to be sure.
            reason = _snippet(redact("%s" % failure.reason, secrets))
            message = _FAILURE_MESSAGES[failure.kind] % {
                "host": endpoint.host,
                "timeout": self._timeout,
                "reason": reason,
            }
            raise SaeApiError(_FAILURE_CODES.get(failure.kind, failure.kind), message) from None
        body, status = answer.body, answer.status
        body_print = None
        if status == 200:
            body_print = fingerprint(body)
            if body_print is not None and previous is not None and previous.fingerprint == body_print:
                return previous
        document = decode_answer(
            status,
            body,
            answer.headers.get("Content-Type", ""),
            answer.headers.get("Retry-After"),
            answer.headers.get("x-acs-request-id"),
        )
        return Answer(document, body_print)

    def _through_requests(self, url: str, headers: dict, proxies: dict, verify: Verify) -> RawAnswer:
        """``DirectConnections.get``, through requests (for proxies), its failures as ``ConnectionFailure``."""
        try:
            # Streamed and read in one piece: ``response.content`` reads in 10 kB chunks, each through
            # requests' and urllib3's layers, about a third of the CPU time a 135 kB page of jobs takes.
            response = self._requests_session().get(
                url,
                headers=headers,
                timeout=self._timeout,
                verify=verify,
                proxies=dict(proxies),
                allow_redirects=False,
                stream=True,
            )
            try:
                body = b"".join(response.iter_content(chunk_size=None))
            finally:
                response.close()
        except requests.exceptions.SSLError as exc:
            raise ConnectionFailure(SSL_ERROR, _cause(exc)) from None
        except requests.exceptions.ConnectTimeout as exc:
            raise ConnectionFailure(CONNECT_TIMEOUT, _cause(exc)) from None
        except requests.exceptions.ReadTimeout as exc:
            raise ConnectionFailure(READ_TIMEOUT, _cause(exc)) from None
        except requests.exceptions.ConnectionError as exc:
            raise ConnectionFailure(CONNECTION_ERROR, _cause(exc)) from None
        except requests.exceptions.ChunkedEncodingError as exc:
            raise ConnectionFailure(CUT_SHORT, _cause(exc)) from None
        except requests.exceptions.RequestException as exc:
            raise ConnectionFailure(REQUEST_ERROR, _cause(exc)) from None
        return RawAnswer(response.status_code, response.headers, body)

    def _environment(self, endpoint: Endpoint) -> tuple[dict, bool, Verify]:
        """The proxies (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY) and certificate check (a CA bundle named by
        REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE) for ``endpoint``, as requests takes them from the environment,
        and whether one of the proxies is for ``endpoint`` (they may hold only NO_PROXY's list)."""
        settings = self._environments.get(endpoint.base_url)
        if settings is None:
            verify: Verify = False
            if self._validate_certs:
                verify = _ca_bundle() or True
            proxies = requests.utils.get_environ_proxies(endpoint.base_url)
            proxied = requests.utils.select_proxy(endpoint.base_url + self._path, proxies) is not None
            settings = self._environments[endpoint.base_url] = (proxies, proxied, verify)
        return settings


def _ca_bundle() -> str | None:
    """The CA bundle requests would take from the environment; one that is not there is an error now,
    not a traceback from deep inside requests at the first request."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        path = os.environ.get(name)
        if path:
            if not os.path.exists(path):
                raise SaeParameterError("%s names %r, which does not exist." % (name, path))
            return path
    return None


def _check_header_values(headers: dict) -> None:
    """Refuse, before sending, a header that HTTP cannot carry as it is, naming where its value came from and
    never the value (it may be a security token)."""
    for name, value in headers.items():
        if _NOT_HEADER_TEXT.search(value):
            raise SaeParameterError(
                "%s holds a line break, another control character or a non-ASCII character, which an HTTP "
                "header cannot carry." % _HEADER_SOURCES.get(name, "the %s header" % name)
            )


def _cause(exc: BaseException) -> str:
    # requests wraps urllib3's MaxRetryError, whose text repeats the URL with its query and is cut off
    # before it names the cause: show the cause itself ("Connection refused", "Failed to resolve ..."),
    # without urllib3's "<...Connection object at 0x...>: " prefix.
    cause = exc.args[0] if exc.args else exc
    cause = getattr(cause, "reason", None) or cause
    return _OBJECT_PREFIX.sub("", "%s" % cause)
