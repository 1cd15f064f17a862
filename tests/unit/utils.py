# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test helpers shared by the unit tests: module-argument compat, fake HTTP pieces, a fake SAE API."""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from alibabacloud_tea_openapi.utils import Utils as SdkUtils
from darabonba.request import DaraRequest
from requests.structures import CaseInsensitiveDict

from ansible_collections.alicloud.sae.plugins.module_utils import signing

try:  # ansible-core >= 2.19
    from ansible.module_utils.testing import patch_module_args as _patch_module_args
except ImportError:  # ansible-core 2.16 - 2.18
    _patch_module_args = None

AK_ID = "LTAI5tUnitTestKeyId"
SECRET = "unit-test-secret-Zq9x!+/="  # never to be seen in any output
API_PATH = "/pop/v1/sam/job/listJobs"


# ---------------------------------------------------------------------------------------------
# Module arguments and results, on every ansible-core from 2.16 on
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def module_args(args: dict) -> Iterator[None]:
    """Expose ``args`` to the ``AnsibleModule`` built inside the block."""
    if _patch_module_args is not None:
        with _patch_module_args(args):
            yield
        return
    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    payload = dict(args)
    payload.setdefault("_ansible_remote_tmp", "/tmp")
    payload.setdefault("_ansible_keep_remote_files", False)
    saved = basic._ANSIBLE_ARGS
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": payload}))
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = saved


class ModuleExit(Exception):
    def __init__(self, result: dict) -> None:
        super().__init__(result)
        self.result = result


class ModuleFail(Exception):
    def __init__(self, result: dict) -> None:
        super().__init__(result)
        self.result = result


def run_module(main: Any, args: dict, monkeypatch: Any) -> tuple:
    """Run a module's ``main()`` with ``args``; returns ``("exit" | "fail", result)``."""
    from ansible.module_utils import basic

    def exit_json(self: Any, **kwargs: Any) -> None:
        kwargs.setdefault("changed", False)
        raise ModuleExit(kwargs)

    def fail_json(self: Any, msg: str = "", **kwargs: Any) -> None:
        kwargs["failed"] = True
        kwargs["msg"] = msg
        raise ModuleFail(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    with module_args(args):
        try:
            main()
        except ModuleExit as done:
            return "exit", done.result
        except ModuleFail as failed:
            return "fail", failed.result
    raise AssertionError("the module returned without calling exit_json or fail_json")


# ---------------------------------------------------------------------------------------------
# HTTP fakes
# ---------------------------------------------------------------------------------------------


class FakeResponse:
    """What ``Transport`` reads of a ``requests.Response``."""

    def __init__(self, status: int, body: Any, headers: dict | None = None) -> None:
        self.status_code = status
        if isinstance(body, bytes):
            self.body = body
        elif isinstance(body, str):
            self.body = body.encode("utf-8")
        else:
            self.body = json.dumps(body).encode("utf-8")
        self.headers = CaseInsensitiveDict({"Content-Type": "application/json;charset=utf-8"})
        self.headers.update(headers or {})

    @property
    def content(self) -> bytes:
        return self.body


class ScriptedSession:
    """A session whose ``get`` plays a script: each entry is a response or an exception to raise."""

    def __init__(self, *script: Any) -> None:
        self.script = list(script)
        self.calls: list = []
        self.closed = False

    def get(self, url: str, **kwargs: Any) -> FakeResponse:
        self.calls.append(dict(kwargs, url=url))
        if not self.script:
            raise AssertionError("more requests than scripted: %s" % url)
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step

    def close(self) -> None:
        self.closed = True


def ok_answer(applications: list, total: int | None = None, request_id: str = "req-ok") -> dict:
    return {
        "Success": True,
        "Code": "200",
        "Message": "success",
        "RequestId": request_id,
        "Data": {
            "Applications": applications,
            "TotalSize": len(applications) if total is None else total,
            "CurrentPage": 1,
            "PageSize": 20,
        },
    }


def error_answer(code: str, message: str, request_id: str) -> dict:
    return {"RequestId": request_id, "Code": code, "Message": message, "Success": False}


# The application of the vendor's "Success response" example, verbatim.
VENDOR_EXAMPLE = json.loads(
    r"""
{
  "AppName": "demo-app",
  "NamespaceId": "cn-beijing:demo",
  "AppId": "f7730764-d88f-4b9a-8d8e-cd8efbfe****",
  "Tags": [{"Key": "key", "Value": "value"}],
  "RegionId": "cn-beijing",
  "AppDescription": "description",
  "TriggerConfig": "{\"type\":\"time\",\"config\":\"0 1 */1 * ?\",\"timezone\":\"GMT+8:00\"}",
  "Suspend": false,
  "Active": 0,
  "Succeeded": 3,
  "Failed": 0,
  "LastStartTime": 1657522800,
  "CompletionTime": 1657522839,
  "LastChangeorderState": "1",
  "LastJobState": "0",
  "Cpu": 500,
  "Mem": 1024,
  "Message": "success",
  "ImageUrl": ""
}
"""
)


def raw_job(number: int, region: str = "cn-beijing", **overrides: Any) -> dict:
    """One ListJobs application, shaped as in the vendor's documentation (its example, numbered)."""
    job = dict(
        VENDOR_EXAMPLE,
        AppName="job-%03d" % number,
        NamespaceId="%s:demo" % region,
        AppId="%s-app-%04d" % (region, number),
        Tags=[{"Key": "team", "Value": "t%d" % (number % 3)}],
        RegionId=region,
        AppDescription="job number %d" % number,
        Succeeded=number,
    )
    job.update(overrides)
    return job


def sdk_authorization(method: str, path: str, query: dict, headers: dict, access_key_id: str, secret: str) -> str:
    """The ``Authorization`` value the vendor SDK computes for these (signed) headers."""
    request = DaraRequest()
    request.method = method
    request.pathname = path
    request.query = dict(query)
    request.headers = dict(headers)
    return SdkUtils.get_authorization(
        request, signing.ALGORITHM, headers["x-acs-content-sha256"], access_key_id, secret
    )


def parse_authorization(value: str) -> dict:
    algorithm, _separator, rest = value.partition(" ")
    fields = dict(part.split("=", 1) for part in rest.split(","))
    return {
        "algorithm": algorithm,
        "credential": fields["Credential"],
        "signed_headers": fields["SignedHeaders"].split(";"),
        "signature": fields["Signature"],
    }


def check_signature(url: str, headers: dict, secrets: dict) -> str | None:
    """None if the request is signed as the vendor SDK would sign it, else why not."""
    headers = {name.lower(): value for name, value in headers.items()}
    if "authorization" not in headers:
        return "no Authorization header"
    auth = parse_authorization(headers["authorization"])
    secret = secrets.get(auth["credential"])
    if secret is None:
        return "unknown AccessKey id %s" % auth["credential"]
    parts = urlsplit(url)
    if headers.get("host") != parts.netloc:
        return "the signed host %r is not the URL's %r" % (headers.get("host"), parts.netloc)
    missing = [name for name in headers if name not in auth["signed_headers"] and name.startswith("x-acs-")]
    if missing or "host" not in auth["signed_headers"]:
        return "unsigned headers: %s" % (missing or ["host"])
    signed = {name: headers[name] for name in auth["signed_headers"]}
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    expected = sdk_authorization("GET", parts.path, query, signed, auth["credential"], secret)
    if expected != headers["authorization"]:
        return "signature mismatch"
    return None


class FakeSaeApi:
    """An in-memory ListJobs service with ``requests.Session.get``'s signature (``serve_fake_api`` puts it behind
    the client).

    Every request is checked as the real service would: signed as the vendor SDK signs
    (an ``Authorization`` that does not match answers ``SignatureDoesNotMatch``), the host
    signed is the host asked, ``Workload=job``. Regions come from the host name
    (``sae.<region>.aliyuncs.com``) or from a path prefix (``/<region>/pop/...``).
    """

    def __init__(self) -> None:
        self.jobs: dict = {}  # region -> raw applications, in API order
        self.secrets = {AK_ID: SECRET}
        self.failures: dict = {}  # region -> list of (page or None for any, status, body, headers), in order
        self.sticky_failures: dict = {}  # region -> (status, body, headers), every time
        self.gateway_request_ids = False  # True: UUID request ids, also in an x-acs-request-id header
        self.before_answer: Any = None  # called with (region, page number) before a page is answered
        self.served_page_size: int | None = None  # pages of at most this many jobs, whatever was asked (and said so)
        self.calls: list = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self.max_in_flight = 0

    # --- set-up -------------------------------------------------------------------------------
    def add_jobs(self, region: str, count: int, **overrides: Any) -> list:
        jobs = [raw_job(number, region, **overrides) for number in range(count)]
        self.jobs.setdefault(region, []).extend(jobs)
        return jobs

    def fail_once(
        self, region: str, status: int, code: str, request_id: str, headers: dict | None = None, page: int | None = None
    ) -> None:
        """The next request for ``region`` (for its page ``page`` only, if given) fails as told."""
        body = error_answer(code, "%s happened" % code, request_id)
        self.failures.setdefault(region, []).append((page, status, body, headers))

    def fail_always(self, region: str, status: int, code: str, request_id: str) -> None:
        self.sticky_failures[region] = (status, error_answer(code, "%s happened" % code, request_id), None)

    def pages_asked(self, region: str | None = None) -> list:
        """The page numbers asked for (of ``region`` only, if given), sorted: each as often as it was asked."""
        return sorted(int(call["params"]["CurrentPage"]) for call in self.calls if region in (None, call["region"]))

    # --- requests.Session.get -------------------------------------------------------------------
    def get(self, url: str, headers: dict | None = None, **kwargs: Any) -> FakeResponse:
        parts = urlsplit(url)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        region = self._region(parts)
        call = dict(kwargs, url=url, headers=dict(headers or {}), params=params, region=region, path=parts.path)
        with self._lock:
            self.calls.append(call)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            return self._answer(url, parts, params, region, headers or {})
        finally:
            with self._lock:
                self._in_flight -= 1

    @staticmethod
    def _region(parts: Any) -> str | None:
        host = parts.hostname or ""
        if host.startswith("sae.") and host.endswith(".aliyuncs.com"):
            return host[len("sae.") : -len(".aliyuncs.com")]
        prefix = parts.path[: -len(API_PATH)] if parts.path.endswith(API_PATH) else ""
        return prefix.strip("/") or None

    def _answer(self, url: str, parts: Any, params: dict, region: str | None, headers: dict) -> FakeResponse:
        number = len(self.calls)
        if not parts.path.endswith(API_PATH):
            return FakeResponse(404, "<html><body>Not Found</body></html>", {"Content-Type": "text/html"})
        problem = check_signature(url, headers, self.secrets)
        if problem:
            return FakeResponse(400, error_answer("SignatureDoesNotMatch", problem, "req-sig-%d" % number))
        if params.get("Workload") != "job":
            return FakeResponse(
                400, error_answer("InvalidParameter.Workload", "Workload must be job", "req-%d" % number)
            )
        size = min(int(params.get("PageSize", "10")), self.served_page_size or 1_000_000)
        page = int(params.get("CurrentPage", "1"))
        with self._lock:
            queued = self.failures.get(region) or []
            due = [entry for entry in queued if entry[0] in (None, page)][:1]
            for entry in due:
                queued.remove(entry)
            failure = due[0][1:] if due else self.sticky_failures.get(region)
        if failure:
            status, body, extra_headers = failure
            return FakeResponse(status, body, extra_headers)
        if self.before_answer is not None:
            self.before_answer(region, page)
        jobs = [job for job in self.jobs.get(region, []) if self._matches(job, params)]
        request_id, extra_headers = "req-%d" % number, None
        if self.gateway_request_ids:
            request_id = "%s" % uuid.uuid4()
            extra_headers = {"x-acs-request-id": request_id}
        answer = ok_answer(jobs[(page - 1) * size : page * size], total=len(jobs), request_id=request_id)
        answer["Data"].update(CurrentPage=page, PageSize=size)
        return FakeResponse(200, answer, extra_headers)

    @staticmethod
    def _matches(job: dict, params: dict) -> bool:
        if "NamespaceId" in params and job["NamespaceId"] != params["NamespaceId"]:
            return False
        if "AppName" in params and params["AppName"] not in job["AppName"]:
            return False
        if params.get("FieldType") == "appName" and job["AppName"] != params["FieldValue"]:
            return False
        if params.get("FieldType") == "appIds" and job["AppId"] not in params["FieldValue"].split(","):
            return False
        if "Tags" in params:
            tags = {tag["Key"]: tag["Value"] for tag in job.get("Tags") or []}
            for wanted in json.loads(params["Tags"]):
                if tags.get(wanted["key"]) != wanted["value"]:
                    return False
        return True


def serve_fake_api(api: FakeSaeApi, patch: Any) -> None:
    """Answer every request the client sends (``requests.Session.get``) with ``api``; any other way out fails
    the test."""
    import requests

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a request bypassed the fake API")

    patch.setattr(requests.Session, "get", lambda session, url, **kwargs: api.get(url, **kwargs))
    patch.setattr(requests.Session, "request", refuse)
    patch.setattr(requests.adapters.HTTPAdapter, "send", refuse)


class FakeClock:
    """A clock that only moves when something sleeps on it (or ``advance`` is called): no real waiting."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds
