# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One ListJobs call: a signed GET through one ``requests.Session``, the answer decoded (answers.py), transient
failures retried (retries.py), every send paced by the rate limiter (ratelimit.py)."""

from __future__ import annotations

import os
import platform
import re
import socket
import threading
import time
import uuid
from collections import Counter
from typing import Callable
from urllib.parse import urlsplit

from ansible_collections.alicloud.sae.plugins.module_utils import signing
from ansible_collections.alicloud.sae.plugins.module_utils.answers import decode_answer, snippet
from ansible_collections.alicloud.sae.plugins.module_utils.arguments import option_value, resolve_endpoint
from ansible_collections.alicloud.sae.plugins.module_utils.credentials import (
    CredentialSource,
    redact,
    resolve_credential_source,
)
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError, SaeParameterError
from ansible_collections.alicloud.sae.plugins.module_utils.ratelimit import RateLimiter
from ansible_collections.alicloud.sae.plugins.module_utils.retries import (
    MAX_HINTED_WAIT,
    RetryPolicy,
    is_retryable,
    is_throttling,
)

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import ReadTimeoutError

    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # reported by the module / plugin as a missing requirement
    requests = None
    REQUESTS_IMPORT_ERROR = exc

COLLECTION_VERSION = "1.0.0"  # sent in the User-Agent; a unit test keeps it equal to galaxy.yml's
API_ACTION = "ListJobs"
API_VERSION = "2019-05-06"
API_PATH = "/pop/v1/sam/job/listJobs"
USER_AGENT = "alicloud.sae/%s (Ansible collection; Python %s)" % (COLLECTION_VERSION, platform.python_version())
_OBJECT_PREFIX = re.compile(r"^<[^>]*>: ")
_NOT_HEADER_TEXT = re.compile(r"[^\t\x20-\x7e]")
_HEADER_SOURCES = {
    "x-acs-security-token": "The security token",
    "x-acs-accesskey-id": "The access key ID",
    "authorization": "The access key ID",  # the only part of it not made by the signing
    "host": "The endpoint's host",
}


class RequestStats:
    """Thread-safe counters of what the client did (shown at -vvv, and as the module's api_stats)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests = 0
        self._retried_codes: Counter = Counter()

    def count_request(self) -> None:
        with self._lock:
            self._requests += 1

    def count_retry(self, code: str) -> None:
        with self._lock:
            self._retried_codes[code] += 1

    def as_dict(self) -> dict:
        with self._lock:
            retried = dict(self._retried_codes)
            return {"requests": self._requests, "retries": sum(retried.values()), "retried_codes": retried}


# requests' failures (most specific first) as the codes and messages of our errors; each code is one
# ``is_retryable`` knows (a cut-short answer is as transient as any broken connection; RequestError is not).
_FAILURES = (
    ("SSLError", "SSLError", "TLS failure talking to %(host)s: %(reason)s"),
    ("ConnectTimeout", "ConnectTimeout", "no connection to %(host)s within %(timeout)s s"),
    ("ReadTimeout", "ReadTimeout", "no answer from %(host)s within %(timeout)s s"),
    ("ChunkedEncodingError", "ConnectionError", "the answer from %(host)s was cut short: %(reason)s"),
    ("ConnectionError", "ConnectionError", "could not talk to %(host)s: %(reason)s"),
    ("RequestException", "RequestError", "request to %(host)s failed: %(reason)s"),
)


class Transport:
    """Signed ListJobs requests through one ``requests.Session``, shared by every thread of a client, made as
    ``params`` (the common options, checked by ``validate_client_params``) say."""

    def __init__(
        self,
        params: dict,
        pool_size: int = 10,
        credential_source: CredentialSource | None = None,
        retry_policy: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: object | None = None,
    ) -> None:
        if requests is None:
            raise REQUESTS_IMPORT_ERROR  # the caller reports it as a missing requirement
        self._credentials = credential_source or resolve_credential_source(params)
        self._endpoint_template = params.get("endpoint")
        self._timeout = option_value(params, "timeout")
        self._validate_certs = option_value(params, "validate_certs")
        self._ca_bundle = params.get("ca_bundle")  # the ca_bundle option: before REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE
        retries = option_value(params, "max_retries")
        self.retry_policy = retry_policy or RetryPolicy(
            retries, max_hinted_wait=min(MAX_HINTED_WAIT, self._timeout * retries)
        )
        # One limiter for every listing, region and page of a client: they share one quota.
        self.rate_limiter = rate_limiter or RateLimiter(ceiling=params.get("max_requests_per_second"))
        self._sleep = sleep
        self.stats = RequestStats()
        self._session = session if session is not None else _new_session(pool_size)
        self._environments: dict = {}

    def close(self) -> None:
        self._session.close()

    def call(self, region: str, params: dict) -> dict:
        """One logical call, retried as the policy allows, each send when the rate limiter lets it go; errors
        name the region."""
        base_url = resolve_endpoint(self._endpoint_template, region)
        attempt = 0
        while True:
            sent_at = self.rate_limiter.wait_turn()
            try:
                answer = self._send(base_url, params)
                self.rate_limiter.accepted()
                return answer
            except _HostNotFound as error:  # asked again, the name does not resolve either: no retry
                message = "%s; check that region %s is spelt right, and the endpoint" % (error.message, region)
                raise error.in_region(region, message=message) from None
            except SaeApiError as error:
                hint, longest = error.retry_after, self.retry_policy.max_hinted_wait
                too_long = hint is not None and hint > longest
                if is_throttling(error):  # a hinted wait holds every thread's sends (the quota is the account's)
                    self.rate_limiter.throttled(sent_at, 0.0 if too_long or hint is None else hint)
                if attempt >= self.retry_policy.max_retries or not is_retryable(error):
                    raise error.in_region(region) from None
                if too_long:
                    wait = "; the gateway asked to wait %g s, longer than the %g s this client waits" % (hint, longest)
                    wait += " (at most %g s, and no more than timeout x max_retries)" % MAX_HINTED_WAIT
                    raise error.in_region(region, message=error.message + wait) from None
                self.stats.count_retry(error.code)
                if hint is None:
                    self._sleep(self.retry_policy.delay(attempt))
                elif not is_throttling(error):
                    self._sleep(hint)  # a 503's Retry-After is this call's wait; a throttle's holds every send
                attempt += 1

    def _send(self, base_url: str, params: dict) -> dict:
        credentials = self._credentials.get()
        parts = urlsplit(base_url)  # the netloc is where the request goes: signed as the host header
        headers = signing.signed_headers(
            credentials,
            parts.netloc,
            "GET",
            parts.path + API_PATH,
            params,
            API_ACTION,
            API_VERSION,
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            uuid.uuid4().hex,
            USER_AGENT,
        )
        _check_header_values(headers)
        url = "%s%s?%s" % (base_url, API_PATH, signing.canonical_query(params))
        proxies, verify = self._environment(base_url)
        self.stats.count_request()
        try:
            response = self._session.get(
                url, headers=headers, timeout=self._timeout, verify=verify, proxies=dict(proxies), allow_redirects=False
            )
            body = response.content
        except requests.exceptions.RequestException as exc:
            # The URL has no secret in it, but redact to be sure.
            secrets = (credentials.access_key_secret, credentials.security_token)
            raise _failure(exc, parts.netloc, self._timeout, secrets) from None
        return decode_answer(response.status_code, body, response.headers)

    def _environment(self, base_url: str) -> tuple[dict, bool | str]:
        """The proxies (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY) and certificate check (the ca_bundle option, else a
        CA bundle named by REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE, else requests' default: certifi's) for
        ``base_url``, as requests takes them from the environment; read once per endpoint (the session does not:
        it would also let ~/.netrc replace our signature)."""
        if base_url not in self._environments:
            verify = (self._ca_bundle or _ca_bundle() or True) if self._validate_certs else False
            self._environments[base_url] = (requests.utils.get_environ_proxies(base_url), verify)
        return self._environments[base_url]


class _HostNotFound(SaeApiError):
    """The endpoint's host name does not resolve."""


def _unresolved(exc: BaseException | None) -> bool:
    """Whether a ``socket.gaierror`` is among the causes of ``exc``: requests' ConnectionError wraps urllib3's
    MaxRetryError, whose reason (NameResolutionError, or NewConnectionError on urllib3 1.x) comes from it."""
    for _depth in range(8):  # the chains are 3 or 4 long: never loop on a cycle
        if exc is None or isinstance(exc, socket.gaierror):
            return exc is not None
        causes = (getattr(exc, "reason", None), exc.args[0] if exc.args else None, exc.__cause__, exc.__context__)
        exc = next((cause for cause in causes if isinstance(cause, BaseException)), None)  # ssl's reason is text
    return False


def _new_session(pool_size: int) -> object:
    session = requests.Session()
    session.trust_env = False  # see Transport._environment
    # As many kept-alive connections as requests in flight; requests and urllib3 never retry by themselves.
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _failure(exc: BaseException, host: str, timeout: float, secrets: tuple) -> SaeApiError:
    """A requests failure as an error of the kind ``_FAILURES`` names; its cause shown, never a secret."""
    if exc.args and isinstance(exc.args[0], ReadTimeoutError):
        exc = requests.exceptions.ReadTimeout(*exc.args)  # in the body, requests calls it a ConnectionError
    reason = snippet(redact(_cause(exc), secrets))
    if isinstance(exc, requests.exceptions.ConnectionError) and _unresolved(exc):
        return _HostNotFound(
            "ConnectionError", "the host name %s does not resolve (%s)" % (host.rsplit(":", 1)[0], reason)
        )
    for name, code, message in _FAILURES:
        if isinstance(exc, getattr(requests.exceptions, name)):
            return SaeApiError(code, message % {"host": host, "timeout": timeout, "reason": reason})
    raise exc  # not a RequestException: a bug, not a failure to report as the API's


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
