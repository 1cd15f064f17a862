# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``SaeClient``: the one entry point the module and the inventory plugin use to list job templates."""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

from ansible_collections.alicloud.sae.plugins.module_utils.arguments import (
    DEFAULT_MAX_CONCURRENCY,
    OPTION_ENV,
    list_jobs_parameters,
    plain_http_warning,
    validate_client_params,
    validate_current_page,
    validate_max_concurrency,
    validate_namespace,
    validate_page_size,
    validate_region,
)
from ansible_collections.alicloud.sae.plugins.module_utils.credentials import resolve_credential_source
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError, SaeError
from ansible_collections.alicloud.sae.plugins.module_utils.normalise import job_key, normalise_job, read_page
from ansible_collections.alicloud.sae.plugins.module_utils.paging import Page, list_all
from ansible_collections.alicloud.sae.plugins.module_utils.transport import Transport

# API errors that come from the credentials: their message also names the credential source.
_CREDENTIAL_CODE = re.compile(r"AccessKey|Signature|SecurityToken|Forbidden|NoPermission|Unauthorized|Credential", re.I)


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

    @property
    def warnings(self) -> list[str]:
        """What looks wrong with the listing: jobs of another region than the one asked for (the endpoint is not
        the region's), said once per listing."""
        others = sorted({job["region_id"] for job in self.jobs} - {None, self.query.region})
        if not others:
            return []
        return [
            "region %s was asked for, but the API answered with job templates of region %s: check that the endpoint "
            "is region %s's (with {region} in it)." % (self.query.region, ", ".join(others), self.query.region)
        ]


def _normalised(page: Page) -> list:
    # read_page has checked everything normalise_job could refuse, with the answer's request id at hand.
    return [normalise_job(application) for application in page.items]


def _parameters(query: JobQuery) -> dict:
    """The ListJobs parameters of ``query``, every part of it checked first."""
    validate_region(query.region)
    if query.filters.get("namespace_id") is not None:
        validate_namespace(query.filters["namespace_id"], [query.region])
    return list_jobs_parameters(query.filters)


def hint(error: SaeError, params: dict) -> str:
    """What to check after ``error``, a failed call made with the common options ``params``, when its usual cause is
    an option: ``"; ..."`` for the module and the inventory plugin to add to its message, or ``""``."""
    if not isinstance(error, SaeApiError):
        return ""
    code = error.code or ""
    if code.startswith("InvalidAction"):
        return "; region %s may not offer SAE, or the endpoint is wrong" % (error.region or params.get("region"))
    if not (_CREDENTIAL_CODE.search(code) or error.status in (401, 403)):
        return ""
    try:
        text = "; credentials tried: %s" % resolve_credential_source(params).description
    except SaeError:
        text = ""
    key_id = params.get("access_key_id")
    for variable in OPTION_ENV["access_key_id"] if key_id else ():
        if os.environ.get(variable) == key_id:  # the option is unset, or set to what the variable holds
            text += " (access_key_id from the environment variable %s)" % variable
            break
    if code == "SignatureDoesNotMatch":
        text += "; a wrong AccessKey secret is the usual cause"
    return text


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
        # What looks wrong with the options, for the caller to say once (the listings' own are JobListing.warnings).
        self.warnings = [warning for warning in [plain_http_warning(params.get("endpoint"), regions)] if warning]
        self.transport = transport or Transport(params, pool_size=max_concurrency)
        self._window = max_concurrency
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
        try:
            return Page(*read_page(answer))
        except SaeApiError as error:  # what is wrong with an answer: an error naming its region and request id
            raise error.in_region(region, answer.get("RequestId")) from None

    def list_jobs(self, query: JobQuery, page_size: int = 200, current_page: int | None = None) -> JobListing:
        """Every job template of ``query`` (or only page ``current_page``), each exactly once."""
        # The region goes into the endpoint's host name: check it even if it was not given to __init__.
        parameters = _parameters(query)
        page_size = validate_page_size(page_size)
        current_page = validate_current_page(current_page)
        fetch_page = partial(self._fetch_page, query.region, parameters, page_size)
        if current_page is not None:
            page = fetch_page(current_page)
            return JobListing(query, _normalised(page), page.total)
        try:
            listing = list_all(fetch_page, page_size, self._pool, key=job_key, convert=_normalised, window=self._window)
        except SaeApiError as error:  # a listing refused as a whole (its total contradicted, never settled)
            raise error.in_region(query.region) from None
        return JobListing(query, listing.items, listing.total)

    def list_jobs_many(self, queries: list[JobQuery], page_size: int = 200) -> list[JobListing | SaeError]:
        """Run several listings at once; each result is a listing or the error that ended it."""
        for query in queries:
            _parameters(query)  # bad input fails before any request
        page_size = validate_page_size(page_size)

        def run(query: JobQuery) -> JobListing | SaeError:
            try:
                return self.list_jobs(query, page_size)
            except SaeError as error:
                return error

        # Listings wait for their pages in threads of their own; their requests run in the one pool.
        with ThreadPoolExecutor(max_workers=min(len(queries), 64), thread_name_prefix="sae-listing") as listings:
            return list(listings.map(run, queries))
