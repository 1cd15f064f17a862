# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Concurrent, consistent paging over an offset-paged listing.

Page 1 gives the total. If it holds the whole listing, that is the listing: one request. Otherwise pages 2..n are
fetched at once through the bounded pool.

Offset paging is not a snapshot: a job created or deleted while we page shifts the later pages, so a job can show up
twice or slip between two pages, and a job deleted and another created between two page reads leave the total as it
was. So a listing of more than one page is read again (every page at once) and accepted only when two reads in a row
agree; a listing that keeps changing is read again a bounded number of times, then refused. Items are de-duplicated
by their key, keeping the first occurrence.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Callable

from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError

DEFAULT_MAX_ATTEMPTS = 5


@dataclass
class Page:
    items: list  # the API's items, in its order
    total: int


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
    """Every page of the read reports the same total, and there are as many pages as that total needs."""
    total = pages[0].total
    return len(pages) == page_count(total, page_size) and all(page.total == total for page in pages)


def _read(fetch_page: Callable[[int], Page], count: int, page_size: int, executor: Executor) -> list[Page]:
    """Pages 1 to ``count`` asked for at once, then those after them that page 1's total says exist, in order."""
    pages = [future.result() for future in [executor.submit(fetch_page, n) for n in range(1, count + 1)]]
    more = range(count + 1, page_count(pages[0].total, page_size) + 1)
    return pages + [future.result() for future in [executor.submit(fetch_page, n) for n in more]]


def list_all(
    fetch_page: Callable[[int], Page],
    page_size: int,
    executor: Executor,
    key: Callable[[dict], str],
    convert: Callable[[Page], list] = lambda page: page.items,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> Listing:
    """Every item of the listing exactly once; ``fetch_page(n)`` returns page ``n`` (from 1). ``convert(page)``
    turns a page's items into what the listing returns, one for one: done once, on the accepted read."""
    pages = _read(fetch_page, 1, page_size, executor)
    previous_keys: list | None = None
    for attempt in range(1, max_attempts + 1):
        keys = _keys(pages, key)
        # One page is one answer; more pages are only consistent when two reads in a row agree (which also
        # settles an API count that disagrees with the items it lists).
        if _is_whole(pages, page_size) and ((len(pages) == 1 and len(keys) == pages[0].total) or keys == previous_keys):
            return Listing(_converted(pages, key, convert), pages[0].total, attempt)
        previous_keys = keys
        if attempt < max_attempts:
            pages = _read(fetch_page, page_count(pages[0].total, page_size), page_size, executor)
    raise SaeApiError(
        "InconsistentListing",
        "the job list changed during each of %d listing attempts (jobs created or deleted while paging); "
        "refusing to return a list that may miss or double jobs" % max_attempts,
    )
