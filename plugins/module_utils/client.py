# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``SaeClient``: the one entry point the module and the inventory plugin use to list job templates."""

from __future__ import annotations

import platform
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

from ansible_collections.alicloud.sae.plugins.module_utils.arguments import (
    COMMON_ARGUMENT_SPEC,
    DEFAULT_MAX_CONCURRENCY,
    list_jobs_parameters,
    validate_client_params,
    validate_current_page,
    validate_max_concurrency,
    validate_page_size,
    validate_region,
)
from ansible_collections.alicloud.sae.plugins.module_utils.credentials import resolve_credential_source
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError, SaeError
from ansible_collections.alicloud.sae.plugins.module_utils.normalise import job_key, normalise_job, read_page
from ansible_collections.alicloud.sae.plugins.module_utils.paging import Page, list_all
from ansible_collections.alicloud.sae.plugins.module_utils.ratelimit import RateLimiter
from ansible_collections.alicloud.sae.plugins.module_utils.retries import RetryPolicy
from ansible_collections.alicloud.sae.plugins.module_utils.transport import Transport
from ansible_collections.alicloud.sae.plugins.module_utils.version import COLLECTION_VERSION

API_ACTION = "ListJobs"
API_VERSION = "2019-05-06"
API_PATH = "/pop/v1/sam/job/listJobs"
USER_AGENT = "alicloud.sae/%s (Ansible collection; Python %s)" % (COLLECTION_VERSION, platform.python_version())


@dataclass
class JobQuery:
    """One listing: a region and the snake_case ListJobs filters (namespace_id, tags, ...)."""

    region: str
    filters: dict = field(default_factory=dict)


@dataclass
class JobListing:
    query: JobQuery
    jobs: list
    total_size: int


@contextmanager
def _answer_context(region: str, request_id: str | None) -> Iterator[None]:
    """What is wrong with an answer is an error naming its region and request id."""
    try:
        yield
    except SaeApiError as error:
        raise error.in_region(region, request_id) from None


def _page_from_answer(answer: dict, region: str) -> Page:
    """The answer's raw job templates, each checked to have the AppId the listing keys them by."""
    request_id = answer.get("RequestId")
    with _answer_context(region, request_id):
        applications, total = read_page(answer)
    return Page(applications, total, request_id)


def _normalised(page: Page, region: str) -> list:
    with _answer_context(region, page.request_id):
        return [normalise_job(application) for application in page.items]


def _option(params: dict, name: str) -> object:
    """An option's value, or its documented default when it is unset (None)."""
    value = params.get(name)
    return COMMON_ARGUMENT_SPEC[name]["default"] if value is None else value


class SaeClient:
    """Lists SAE job templates: signed, retried, paged concurrently, normalised.

    ``params`` holds the common options (see the ``alicloud.sae.common`` doc fragment).
    Nothing is sent before every option has been checked. Every request of every listing runs in one pool
    of ``max_concurrency`` threads, which bounds the requests in flight overall, and waits for one rate limiter.
    """

    def __init__(
        self,
        params: dict,
        regions: list[str],
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        transport: Transport | None = None,
    ) -> None:
        validate_client_params(params, regions)
        max_concurrency = validate_max_concurrency(max_concurrency)
        if transport is None:
            transport = Transport(
                resolve_credential_source(params),
                params.get("endpoint"),
                API_ACTION,
                API_VERSION,
                API_PATH,
                USER_AGENT,
                timeout=params.get("timeout") or 30.0,
                # None (an option left unset) must not turn certificate checks off or break retries.
                validate_certs=_option(params, "validate_certs"),
                retry_policy=RetryPolicy(max_retries=_option(params, "max_retries")),
                pool_size=max_concurrency,
                # One limiter for every listing, region and page of this client: they share one quota.
                rate_limiter=RateLimiter(ceiling=params.get("max_requests_per_second")),
                ca_bundle=params.get("ca_bundle"),
            )
        self.transport = transport
        self._pool = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="sae-page")

    def __enter__(self) -> SaeClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.transport.close()

    @property
    def stats(self) -> dict:
        return dict(self.transport.stats.as_dict(), **self.transport.rate_limiter.as_dict())

    def _fetch_page(self, region: str, parameters: dict, page_size: int, number: int) -> Page:
        answer = self.transport.call(region, dict(parameters, PageSize=str(page_size), CurrentPage=str(number)))
        return _page_from_answer(answer, region)

    def list_jobs(self, query: JobQuery, page_size: int = 200, current_page: int | None = None) -> JobListing:
        """Every job template of ``query`` (or only page ``current_page``), each exactly once."""
        # The region goes into the endpoint's host name: check it even if it was not given to __init__.
        validate_region(query.region)
        page_size = validate_page_size(page_size)
        current_page = validate_current_page(current_page)
        fetch_page = partial(self._fetch_page, query.region, list_jobs_parameters(query.filters), page_size)
        if current_page is not None:
            page = fetch_page(current_page)
            return JobListing(query, _normalised(page, query.region), page.total)
        listing = list_all(
            fetch_page, page_size, self._pool, key=job_key, convert=lambda page: _normalised(page, query.region)
        )
        return JobListing(query, listing.items, listing.total)

    def list_jobs_many(self, queries: list[JobQuery], page_size: int = 200) -> list[JobListing | SaeError]:
        """Run several listings at once; each result is a listing or the error that ended it."""
        for query in queries:
            validate_region(query.region)  # bad input fails before any request
            list_jobs_parameters(query.filters)
        page_size = validate_page_size(page_size)

        def run(query: JobQuery) -> JobListing | SaeError:
            try:
                return self.list_jobs(query, page_size)
            except SaeError as error:
                return error

        if len(queries) == 1:
            return [run(queries[0])]
        # Listings wait for their pages in threads of their own; their requests run in the one pool.
        with ThreadPoolExecutor(max_workers=min(len(queries), 64), thread_name_prefix="sae-listing") as listings:
            return list(listings.map(run, queries))
