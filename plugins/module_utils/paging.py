# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Concurrent, consistent paging over an offset-paged listing.

Page 1 gives the total; the other pages are fetched concurrently through a bounded pool
and put back in the API's order. Offset paging is not a snapshot: a job created or
deleted while we page shifts the later pages, so a job can show up twice or slip
between two pages. A page reporting another total shows such a change, but a job
deleted and another created between two page reads leave the total as it was while
a job still slips between the pages. So a listing of more than one page is read
again (every page at once, the page count being known) and accepted only when two
reads in a row agree; a listing that keeps changing is read again a bounded number
of times. Jobs are de-duplicated by their id, keeping the first occurrence.
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
    items: list  # normalised jobs, in the API's order
    total: int


@dataclass
class Listing:
    items: list
    total: int
    attempts: int


def page_count(total: int, page_size: int) -> int:
    return max(1, math.ceil(total / page_size))


def _dedupe(pages: list[Page], key: Callable[[dict], str]) -> list:
    seen = set()
    items = []
    for page in pages:
        for item in page.items:
            item_key = key(item)
            if item_key not in seen:
                seen.add(item_key)
                items.append(item)
    return items


def list_all(
    fetch_page: Callable[[int], Page],
    page_size: int,
    executor: Executor,
    key: Callable[[dict], str],
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> Listing:
    """Every item of the listing exactly once; ``fetch_page(n)`` returns page ``n`` (from 1)."""
    previous_keys = None
    known_pages = None
    for attempt in range(1, max_attempts + 1):
        if known_pages is None:  # page 1 gives the total, then the other pages at once
            first = executor.submit(fetch_page, 1).result()
            futures = [executor.submit(fetch_page, n) for n in range(2, page_count(first.total, page_size) + 1)]
            pages = [first] + [future.result() for future in futures]
        else:  # a re-read: the page count is known, every page at once
            futures = [executor.submit(fetch_page, number) for number in range(1, known_pages + 1)]
            pages = [future.result() for future in futures]
            first = pages[0]
            more = range(known_pages + 1, page_count(first.total, page_size) + 1)  # the listing grew
            pages += [future.result() for future in [executor.submit(fetch_page, number) for number in more]]
        items = _dedupe(pages, key)
        keys = [key(item) for item in items]
        known_pages = page_count(first.total, page_size)
        if len(pages) == known_pages and all(page.total == first.total for page in pages):
            # One page is one answer; more pages are only consistent when two reads in a row agree
            # (which also settles an API count that disagrees with the jobs it lists).
            if (len(pages) == 1 and len(items) == first.total) or keys == previous_keys:
                return Listing(items, first.total, attempt)
        previous_keys = keys
    raise SaeApiError(
        "InconsistentListing",
        "the job list changed during each of %d listing attempts (jobs created or deleted while paging); "
        "refusing to return a list that may miss or double jobs" % max_attempts,
    )
