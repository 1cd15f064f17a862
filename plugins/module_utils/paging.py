# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Concurrent, consistent paging over an offset-paged listing.

Page 1 gives the total. If it holds the whole listing, that is the listing: one request. Otherwise pages 2..n are
fetched concurrently, at most ``window`` (max_concurrency) asked for ahead of the answers: what is queued is bounded by
the pool, never by a number in an answer. Pages are counted with the page size the answer reports (a gateway may page
by less than was asked). A page before the last (by its own total) that holds less than a page contradicts its total:
read again, then refused.

Offset paging is not a snapshot: a job created or deleted while we page shifts the later pages, so a job can show up
twice or slip between two pages, and a job deleted and another created between two page reads leave the total as it
was. So a listing of more than one page is read again (every page at once) and accepted only when two reads in a row
agree; a listing that keeps changing is read again a bounded number of times, then refused. Items are de-duplicated
by their key, keeping the first occurrence.
"""

from __future__ import annotations

import math
from collections import deque
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Callable

from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError

DEFAULT_MAX_ATTEMPTS = 5


@dataclass
class Page:
    items: list  # the API's items, in its order
    total: int
    size: int | None = None  # the page size the answer reports (None: the one asked)


@dataclass
class Listing:
    items: list  # the accepted read's items, converted, each key once
    total: int
    attempts: int


def page_count(total: int, page_size: int) -> int:
    return max(1, math.ceil(total / page_size))


def _keys(pages: list[Page], key: Callable[[dict], str]) -> list[str]:
    """The item keys of a read, in order, each once."""
    return list(dict.fromkeys(key(item) for page in pages for item in page.items))


def _converted(pages: list[Page], key: Callable[[dict], str], convert: Callable[[Page], list]) -> list:
    """The converted items of a read, each key once (its first occurrence)."""
    items: dict = {}
    for page in pages:
        for item, converted in zip(page.items, convert(page)):
            items.setdefault(key(item), converted)
    return list(items.values())


def _is_whole(pages: list[Page], page_size: int) -> bool:
    """Every page of the read reports the same total and page size, and there are as many pages as they need."""
    total, size = pages[0].total, pages[0].size or page_size
    return len(pages) == page_count(total, size) and all((p.total, p.size or page_size) == (total, size) for p in pages)


def _read(
    fetch_page: Callable[[int], Page], count: int, page_size: int, window: int, executor: Executor
) -> tuple[list[Page], str | None]:
    """Pages 1 to ``count``, then those after them that page 1's total says exist, in order, never more than
    ``window`` asked for ahead of the answers; a read stops at a page that contradicts its total (and says why)."""
    pages: list[Page] = []
    asked: deque = deque()
    last = count
    try:
        while len(pages) < last:
            while len(pages) + len(asked) < last and len(asked) < window:
                asked.append(executor.submit(fetch_page, len(pages) + len(asked) + 1))
            pages.append(asked.popleft().result())
            page, number = pages[-1], len(pages)
            size = page.size or page_size
            if number == 1:
                last = max(count, page_count(page.total, size))
            if number < page_count(page.total, size) and len(page.items) < size:  # a page short before the last
                facts = (page.total, size, page_count(page.total, size), number, len(page.items))
                return pages, "TotalSize %d at PageSize %d makes %d pages, yet page %d held %d job templates" % facts
    finally:
        for future in asked:  # after an error or a contradiction: the pages not yet asked for never will be
            future.cancel()
    return pages, None


def list_all(
    fetch_page: Callable[[int], Page],
    page_size: int,
    executor: Executor,
    key: Callable[[dict], str],
    convert: Callable[[Page], list] = lambda page: page.items,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    window: int = 32,
) -> Listing:
    """Every item of the listing exactly once; ``fetch_page(n)`` returns page ``n`` (from 1). ``convert(page)``
    turns a page's items into what the listing returns, one for one: done once, on the accepted read."""
    count, previous_keys, problem = 1, None, None
    for attempt in range(1, max_attempts + 1):
        pages, problem = _read(fetch_page, count, page_size, window, executor)
        if problem:  # read again, up to the page that contradicted its total
            count, previous_keys = len(pages), None
            continue
        keys = _keys(pages, key)
        # One page is one answer; more pages are only consistent when two reads in a row agree (which also
        # settles an API count that disagrees with the items it lists).
        if _is_whole(pages, page_size) and ((len(pages) == 1 and len(keys) == pages[0].total) or keys == previous_keys):
            return Listing(_converted(pages, key, convert), pages[0].total, attempt)
        count, previous_keys = page_count(pages[0].total, pages[0].size or page_size), keys
    if problem:
        raise SaeApiError(
            "InvalidResponse",
            "%s (only the last page may hold fewer than PageSize): the answers "
            "contradicted their own total in the last of %d reads" % (problem, max_attempts),
        )
    raise SaeApiError(
        "InconsistentListing",
        "the job list changed during each of %d listing attempts (jobs created or deleted while paging); "
        "refusing to return a list that may miss or double jobs" % max_attempts,
    )
