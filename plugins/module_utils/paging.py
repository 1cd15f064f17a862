# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Concurrent, consistent paging over an offset-paged listing.

Page 1 gives the total; the other pages are fetched concurrently through a bounded pool
and put back in the API's order. Offset paging is not a snapshot: a job created or
deleted while we page shifts the later pages, so a job can show up twice or slip
between two pages. We detect that (a page reporting another total, or fewer distinct
jobs than the total) and list again, a bounded number of times. Jobs are de-duplicated
by their id, keeping the first occurrence.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Callable, List

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


def _dedupe(pages: List[Page], key: Callable[[dict], str]) -> list:
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
    for attempt in range(1, max_attempts + 1):
        first = executor.submit(fetch_page, 1).result()
        futures = [executor.submit(fetch_page, number) for number in range(2, page_count(first.total, page_size) + 1)]
        pages = [first] + [future.result() for future in futures]
        items = _dedupe(pages, key)
        keys = [key(item) for item in items]
        if all(page.total == first.total for page in pages):
            # Two identical listings in a row are a stable answer even if the API's count disagrees.
            if len(items) == first.total or keys == previous_keys:
                return Listing(items, first.total, attempt)
        previous_keys = keys
    raise SaeApiError(
        "InconsistentListing",
        "the job list changed during each of %d listing attempts (jobs created or deleted while paging); "
        "refusing to return a list that may miss or double jobs" % max_attempts,
    )
