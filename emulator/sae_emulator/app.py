"""The emulator's request processing, independent of HTTP plumbing: one request in, one ``Response`` out."""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl

from . import listjobs
from .auth import MAX_CLOCK_SKEW_SECONDS, V3Verifier
from .credentials import KeyStore, NonceStore
from .data import Dataset
from .errors import ApiError, api_not_found, invalid_parameter, new_request_id
from .faults import FaultInjector, Faults
from .quota import AccountQuota, flow_control_error
from .signature import AUTO, scheme
from .sparse import without_empty_members
from .stats import Stats
from .store import JobStore
from .sts import AssumeRoleHandler

DEFAULT_REGION = "cn-hangzhou"
# An optional leading region segment: /cn-beijing/pop/v1/... ("pop" has no dash, so never a region).
_REGION_PATH = re.compile(r"^(?:/(?P<region>[a-z]{2,}(?:-[a-z0-9]+)+))?(?P<rest>/.*)$")
JSON_TYPE = "application/json;charset=utf-8"
HTML_ERROR_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>Tengine</center></body></html>\n"
)
NON_JSON_TEXT = "upstream connect error or disconnect/reset before headers. reset reason: connection termination"


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: dict = field(default_factory=dict)
    declared_length: int | None = None  # a Content-Length larger than the body: the connection is cut short
    hang: threading.Event | None = None  # wait on it, then close without answering


def json_bytes(value: object) -> bytes:
    """A JSON body as the gateway sends it: UTF-8, non-ASCII characters as they are."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def shaped(document: dict, sparse: bool) -> dict:
    """The answer as sent: without its null and empty members when the emulator answers sparsely."""
    return without_empty_members(document) if sparse else document


def json_response(status: int, document: dict, request_id: str | None = None, headers: dict | None = None) -> Response:
    return json_bytes_response(status, json_bytes(document), request_id, headers)


def json_bytes_response(
    status: int, body: bytes, request_id: str | None = None, headers: dict | None = None
) -> Response:
    all_headers = dict(headers or {})
    if request_id:
        all_headers["x-acs-request-id"] = request_id
    return Response(status, body, JSON_TYPE, all_headers)


class AnswerBodies:
    """Success bodies as bytes, each page serialised once per selection (and answer shape, full or sparse).

    Serialising a 200-job page costs the emulator about 3 ms of CPU. A client's confirming read asks for
    every page again at once, and 25 pages serialised one after another behind the GIL would add the
    emulator's CPU to the simulated latency, which a real, scaled-out gateway does not. A page is the same
    bytes for the same selection (one data version: ``JobStore.selection`` hands out a new list when the
    data change) but for its RequestId, so its body is kept split around that value.
    """

    _PLACEHOLDER = "request-id-placeholder"

    def __init__(self, capacity_bytes: int = 64 * 1024 * 1024) -> None:
        # 64 MiB: every page of a 20 000-job listing (about 14 MB) several data versions over. Pages of an
        # older version are never asked for again; they go first, least recently used.
        self._capacity_bytes = capacity_bytes
        self._size = 0
        self._lock = threading.Lock()
        self._bodies: OrderedDict = OrderedDict()

    def body(
        self,
        selected: list,
        query: listjobs.ListJobsQuery,
        request_id: str,
        sparse: bool = False,
        total: int | None = None,
    ) -> bytes:
        """``listjobs.answer(selected, query, request_id, total)``, ``shaped`` by ``sparse``, as JSON bytes."""
        key = (id(selected), query.current_page, query.page_size, sparse, total)
        with self._lock:
            entry = self._bodies.get(key)
            if entry is not None and entry[0] is selected:  # the same list, not a new one at a reused id
                self._bodies.move_to_end(key)
                before, after = entry[1], entry[2]
            else:
                entry = None
        if entry is None:
            # RequestId is the answer's second member: the first occurrence of the placeholder is it.
            document = shaped(listjobs.answer(selected, query, self._PLACEHOLDER, total), sparse)
            before, _placeholder, after = json_bytes(document).partition(json_bytes(self._PLACEHOLDER))
            with self._lock:
                replaced = self._bodies.pop(key, None)
                if replaced is not None:
                    self._size -= len(replaced[1]) + len(replaced[2])
                self._bodies[key] = (selected, before, after)  # holding the list keeps its id from reuse
                self._size += len(before) + len(after)
                while self._size > self._capacity_bytes and len(self._bodies) > 1:
                    _key, (_selected, old_before, old_after) = self._bodies.popitem(last=False)
                    self._size -= len(old_before) + len(old_after)
        return before + json_bytes(request_id) + after


def parse_query(raw_query: str) -> dict:
    """The query decoded as a form (``+`` is a space), as the gateway reads it; a repeated name keeps its last value."""
    try:
        return dict(parse_qsl(raw_query, keep_blank_values=True, encoding="utf-8", errors="strict"))
    except ValueError:
        raise invalid_parameter("The query string is not valid UTF-8 form encoding.") from None


class Emulator:
    def __init__(
        self,
        dataset: Dataset,
        faults: Faults | None = None,
        default_region: str = DEFAULT_REGION,
        access_keys: dict | None = None,
        clock: Callable[[], float] = time.time,
        signature_verifier: str = AUTO,
    ) -> None:
        self.default_region = default_region
        self.clock = clock
        self.keys = KeyStore(access_keys, clock)
        self.nonces = NonceStore(MAX_CLOCK_SKEW_SECONDS, clock)
        self.store = JobStore(dataset)
        self.answer_bodies = AnswerBodies()
        self.injector = FaultInjector(faults)
        self.quota = AccountQuota(clock, self.injector.faults.quota_rps)
        self.stats = Stats()
        self.verifier = V3Verifier(self.keys, self.nonces, scheme(signature_verifier), clock)
        self.sts = AssumeRoleHandler(self.keys, self.nonces, clock)
        self.port = 0  # set by the server once bound
        self.stop_event = threading.Event()
        self._hang_release = threading.Event()
        self._hang_lock = threading.Lock()

    # -- run-time control -------------------------------------------------------------------
    def set_faults(self, faults: Faults) -> None:
        self.injector.configure(faults)
        self.quota.configure(faults.quota_rps)
        with self._hang_lock:
            # A new configuration lets go of connections held by an earlier "hang".
            self._hang_release.set()
            self._hang_release = threading.Event()

    def release_hangs(self) -> threading.Event:
        with self._hang_lock:
            return self._hang_release

    def mutate(self, region: str, delete: str | None = None, create: bool = True, seed: int = 0) -> dict:
        record = self.store.mutate(region, delete, create, random.Random(seed))
        self.stats.mutated(record)
        return record

    # -- request processing -----------------------------------------------------------------
    def handle(self, method: str, raw_path: str, raw_query: str, headers: dict, body: bytes) -> Response:
        """Answer one API request. ``headers`` maps lower-case names to values."""
        request_id = new_request_id()
        host_id = headers.get("host") or "127.0.0.1:%d" % self.port
        match = _REGION_PATH.match(raw_path)
        rest = match.group("rest") if match else raw_path
        region = (match.group("region") if match else None) or self.default_region
        if rest == listjobs.PATH:
            return self._list_jobs(method, raw_path, raw_query, headers, body, region, request_id, host_id)
        if rest == "/" and not (match and match.group("region")) and "Action=" in raw_query:
            return self._rpc(method, raw_query, request_id, host_id)
        seq_entry = {"action": "Unknown", "region": None, "path": raw_path, "arrived": time.monotonic()}
        self.stats.started("Unknown", None)
        error = api_not_found()
        self.stats.finished(dict(seq_entry, status=error.status, code=error.code, fault=None))
        return json_response(
            error.status, shaped(error.body(request_id, host_id), self.injector.faults.sparse), request_id
        )

    def _check_host(self, headers: dict) -> None:
        # The signed host must be where the request really went: 127.0.0.1 or localhost on our port.
        host = headers.get("host", "")
        name, _separator, port = host.rpartition(":") if ":" in host else (host, "", "")
        if name not in ("127.0.0.1", "localhost") or (port and port != str(self.port)):
            raise ApiError(
                400,
                "SignatureDoesNotMatch",
                "The signed host header %r is not the host this request was sent to (127.0.0.1:%d)."
                % (host, self.port),
            )

    def _list_jobs(
        self,
        method: str,
        raw_path: str,
        raw_query: str,
        headers: dict,
        body: bytes,
        region: str,
        request_id: str,
        host_id: str,
    ) -> Response:
        started = time.monotonic()
        seq = self.stats.started(listjobs.ACTION, region)
        entry: dict = {
            "seq": seq,
            "action": listjobs.ACTION,
            "region": region,
            "path": raw_path,
            "query": raw_query,  # as sent, to check a client's encoding; ListJobs queries hold no secrets
            "params": None,
            "arrived": started,
        }
        fault: str | None = None
        sparse = self.injector.faults.sparse  # one answer shape for the whole request, even if the faults change
        try:
            params = parse_query(raw_query)
            entry["params"] = params  # ListJobs parameters hold no secrets
            listjobs.ensure_route(method)
            self.verifier.verify(method, raw_path, params, headers, body, listjobs.ACTION, listjobs.VERSION)
            self._check_host(headers)
            if not self.quota.take():
                entry["throttled"] = True  # flow control, counted apart from the injected faults
                raise flow_control_error(self.quota.wait())
            decision = self.injector.decide(region)
            malformed = None
            if decision is not None:
                fault = decision.kind
                if decision.kind == "hang":
                    entry.update(status=0, code=None)
                    return Response(0, hang=self.release_hangs())
                if decision.error is not None:
                    raise decision.error
                malformed = decision.malformed
            due = self.injector.mutation_due(region)
            if due is not None:
                mutate_region, delete, create, rng = due
                self.stats.mutated(dict(self.store.mutate(mutate_region, delete, create, rng), after_request=seq - 1))
            query = listjobs.parse(params)
            served = self.injector.faults.served_page_size
            if served is not None and query.page_size > served:
                query = replace(query, page_size=served)  # pages counted with its size, as it says
            selected = self.store.selection(region, query.selection_key(), lambda jobs: listjobs.select(jobs, query))
            total = self.injector.faults.reported_total_size  # None: the true one
            if malformed:
                document = shaped(listjobs.answer(selected, query, request_id, total), sparse)
                response = self._malformed(malformed, document, request_id, sparse)
            else:
                body = self.answer_bodies.body(selected, query, request_id, sparse, total)
                response = json_bytes_response(200, body, request_id)
            entry.update(status=response.status, code=None, total=len(selected))  # the answer's TotalSize
            return response
        except ApiError as error:
            entry.update(status=error.status, code=error.code)
            document = shaped(error.body(request_id, host_id), sparse)
            return json_response(error.status, document, request_id, error.headers)
        finally:
            # The latency is the time from the request to its answer, the emulator's own work included (as a
            # real server's work counts toward its round trip): that work overlaps the wait, not adds to it.
            remaining = self.injector.latency_seconds - (time.monotonic() - started)
            if remaining > 0:
                self.stop_event.wait(remaining)
            entry["fault"] = fault
            self.stats.finished(entry)

    def _malformed(self, kind: str, document: dict, request_id: str, sparse: bool) -> Response:
        headers = {"x-acs-request-id": request_id}
        if kind == "html":
            return Response(502, HTML_ERROR_PAGE.encode("utf-8"), "text/html", headers)
        if kind == "text":
            return Response(200, NON_JSON_TEXT.encode("utf-8"), "text/plain", headers)
        full = json_bytes(document)
        if kind == "truncated":
            return Response(200, full[: len(full) // 2], JSON_TYPE, headers)
        if kind == "short_read":
            return Response(200, full[: len(full) // 2], JSON_TYPE, headers, declared_length=len(full))
        if kind == "no_data":
            return json_response(200, {k: v for k, v in document.items() if k != "Data"}, request_id)
        if kind == "success_false":
            failed = {
                "Message": "The request processing has failed due to some unknown error.",
                "RequestId": request_id,
                "Code": "InternalError",
                "ErrorCode": "InternalError",
                "Success": False,
            }
            return json_response(200, shaped(failed, sparse), request_id)
        raise ValueError("unknown malformed kind %r" % kind)

    def _rpc(self, method: str, raw_query: str, request_id: str, host_id: str) -> Response:
        # Never log the RPC query: it holds the signature, and for role chaining a security token.
        entry: dict = {"action": "AssumeRole", "region": None, "path": "/", "params": None, "fault": None}
        entry["arrived"] = time.monotonic()
        self.stats.started("AssumeRole", None)
        try:
            if method != "GET":
                raise api_not_found()
            document = self.sts.handle(method, parse_query(raw_query), request_id)
            entry.update(status=200, code=None)
            return json_response(200, document, request_id)
        except ApiError as error:
            entry.update(status=error.status, code=error.code)
            return json_response(error.status, error.body(request_id, host_id), request_id, error.headers)
        finally:
            self.stats.finished(entry)
