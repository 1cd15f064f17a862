"""A tiny V3 signer for the tests, built on the collection's ``signing.signed_headers``."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import requests
from collection_signing import signing

from sae_emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET

PATH = "/pop/v1/sam/job/listJobs"


@dataclass(frozen=True)
class Creds:
    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)


DEMO = Creds(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET)


def utc(offset_seconds: float = 0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset_seconds))


def job_params(**extra: object) -> dict:
    params = {"Workload": "job"}
    params.update({name: str(value) for name, value in extra.items()})
    return params


def call(
    server,
    params: dict | None = None,
    region: str | None = None,
    creds: Creds = DEMO,
    *,
    date: str | None = None,
    nonce: str | None = None,
    signed_host: str | None = None,
    sent_host: str | None = None,
    signed_path: str | None = None,
    signed_params: dict | None = None,
    raw_query: str | None = None,
    form_encoding: bool = False,
    action: str = "ListJobs",
    version: str = "2019-05-06",
    edit: Callable[[dict], None] | None = None,
    scheme: str = "http",
    verify: object = True,
    timeout: float = 10,
    session: requests.Session | None = None,
) -> requests.Response:
    """Sign and send one ListJobs GET; the keyword arguments bend one thing at a time for negative tests."""
    params = job_params() if params is None else params
    path = ("/" + region if region else "") + PATH
    host = "127.0.0.1:%d" % server.port
    headers = signing.signed_headers(
        creds,
        signed_host or host,
        "GET",
        signed_path or path,
        signed_params if signed_params is not None else params,
        action,
        version,
        date or utc(),
        nonce or uuid.uuid4().hex,
        "sae-emulator-tests",
    )
    if sent_host is not None:
        headers["host"] = sent_host
    elif signed_host is not None:
        headers["host"] = host
    if edit is not None:
        edit(headers)
    if raw_query is None:
        # The canonical encoding is always safe; form encoding is what the vendor SDK sends (space as +).
        raw_query = urlencode(params) if form_encoding else signing.canonical_query(params)
    url = "%s://127.0.0.1:%d%s?%s" % (scheme, server.port, path, raw_query)
    sender = session or requests
    return sender.get(url, headers=headers, timeout=timeout, verify=verify, allow_redirects=False)


def error_code(response: requests.Response) -> str:
    return json.loads(response.content)["Code"]


def list_all(server, region: str | None = None, page_size: int = 50, **params: object) -> list:
    """Every job over all pages, following TotalSize."""
    jobs: list = []
    page = 1
    while True:
        response = call(server, job_params(CurrentPage=page, PageSize=page_size, **params), region)
        assert response.status_code == 200, response.text
        document = response.json()
        jobs.extend(document["Data"]["Applications"])
        if page * page_size >= document["Data"]["TotalSize"]:
            return jobs
        page += 1
