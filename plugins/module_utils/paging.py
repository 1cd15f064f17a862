# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Concurrent, consistent paging over an offset-paged listing.

Page 1 gives the total; the other pages are fetched concurrently through a bounded pool
and put back in the API's order. The first read may ask for the pages after page 1 together
with it (``first_read_pages``), before the total is known: a listing of more than one page that
fits in them is read in one round trip less. A shorter one costs requests answered with an empty
page: they are asked once, without retries, and the listing does not wait for them.

Offset paging is not a snapshot: a job created or
deleted while we page shifts the later pages, so a job can show up twice or slip
between two pages. A page reporting another total shows such a change, but a job
deleted and another created between two page reads leave the total as it was while
a job still slips between the pages. So a listing of more than one page is read
again (every page at once, the page count being known) and accepted only when two
reads in a row agree; a listing that keeps changing is read again a bounded number
of times. Jobs are de-duplicated by their id, keeping the first occurrence.

Pages hold the API's raw items. A read is converted (normalised) while the next read is
in flight, so the CPU work overlaps the waiting instead of adding to it, and the listing
returned is the first of the two reads that agree: a listing that is stable converts
one read. What a caller does with the converted items (``prepare``: the inventory
plugin encodes them for its cache) is done then too. A re-read hands ``fetch_page``
the page it read before, which it may return as it is when the answer has not changed,
so that an unchanged page is not decoded twice.

Converting waits for the requests (``ConversionHold``). Converting can wait for the confirming
read; the requests cannot: under the GIL, a conversion done first delays the signing and sending
of the next read's requests and the decoding of other pages, and so the round trips the listing
ends with. A listing converts its read once no listing it runs with (several regions or
namespaces share one hold) is still on its first read, and every request of the next reads is on
its way: ``request_sent()`` is called just before each is sent. A listing holds back no
longer than its own first read took, so a region much slower than the others (far away, or
retrying) does not hold up the rest.
"""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Callable, Optional

from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError

DEFAULT_MAX_ATTEMPTS = 5


@dataclass
class Page:
    items: list  # the API's items, in its order
    total: int
    request_id: str | None = None
    source: object = None  # what the page was read from, for ``fetch_page`` to tell an unchanged page


FetchPage = Callable[[int, Optional[Page]], Page]
ReadAhead = Callable[[int, Optional[BaseException]], Page]


@dataclass
class Listing:
    items: list
    total: int
    attempts: int
    prepared: object = None  # what ``prepare`` made of the items, if given


def page_count(total: int, page_size: int) -> int:
    return max(1, math.ceil(total / page_size))


def _unchanged(page: Page) -> list:
    return page.items


def _keys(pages: list[Page], key: Callable[[dict], str]) -> list[str]:
    """The item keys of a read, in order, each once."""
    return list(dict.fromkeys(key(item) for page in pages for item in page.items))


def _converted(pages: list[Page], key: Callable[[dict], str], convert: Callable[[Page], list]) -> list:
    """The converted items of a read, each key once (its first occurrence), as ``_keys`` has them."""
    items: dict = {}
    for page in pages:
        for item, converted in zip(page.items, convert(page)):
            items.setdefault(key(item), converted)
    return list(items.values())


def _is_whole(pages: list[Page], page_size: int) -> bool:
    """Every page of the read reports the same total, and there are as many pages as that total needs."""
    total = pages[0].total
    return len(pages) == page_count(total, page_size) and all(page.total == total for page in pages)


def _collect(futures: list[Future], fetch_page: FetchPage, page_size: int, executor: Executor) -> list[Page]:
    """A read's pages, in order; pages the listing grew by since the read started are fetched too."""
    pages = [future.result() for future in futures]
    more = range(len(pages) + 1, page_count(pages[0].total, page_size) + 1)
    return pages + [future.result() for future in [executor.submit(fetch_page, number, None) for number in more]]


def _first_read(
    fetch_page: FetchPage, read_ahead: ReadAhead, first_read_pages: int, page_size: int, executor: Executor
) -> list[Page]:
    """Page 1, and pages 2 to ``first_read_pages`` asked for with it (``read_ahead(n, None)``: once each,
    without retries), then as for any read. Of the pages asked for ahead, only those page 1's total needs are
    waited for: the others hold no job, and their errors are not the listing's. One that is needed but failed
    is asked again with ``read_ahead(n, error)``, which goes on as that first attempt's retries."""
    page_1 = executor.submit(fetch_page, 1, None)
    ahead = [executor.submit(read_ahead, number, None) for number in range(2, first_read_pages + 1)]
    needed = page_count(page_1.result().total, page_size)
    futures = [page_1] + [
        future if future.exception() is None else executor.submit(read_ahead, number, future.exception())
        for number, future in enumerate(ahead[: needed - 1], start=2)
    ]
    return _collect(futures, fetch_page, page_size, executor)


_sending = threading.local()  # the hold on the request the current thread is about to send, if any


def request_sent() -> None:
    """Called just before a request is handed to the HTTP library (the client has its transport call it on
    every attempt; only the first counts): conversions need not wait for it any more."""
    release = getattr(_sending, "release", None)
    if release is not None:
        _sending.release = None
        release()


class ConversionHold:
    """What the conversions of the listings run together wait for (see the module's doc): the listings still
    on their first read, and the requests of next reads not yet on their way.

    ``capacity`` is the pool's size: a request submitted while as many requests of next reads are unfinished
    would wait in the pool's queue for an answer to another, so conversions do not wait for it."""

    def __init__(self, capacity: int | None = None) -> None:
        self._count = 0
        self._capacity = capacity
        self._unfinished = 0  # requests of next reads submitted and not done
        self._condition = threading.Condition()

    def hold(self) -> None:
        with self._condition:
            self._count += 1

    def release(self) -> None:
        with self._condition:
            self._count -= 1
            if not self._count:
                self._condition.notify_all()

    def submit(self, executor: Executor, fetch_page: FetchPage, number: int, before: Page | None) -> Future:
        """``executor.submit(fetch_page, number, before)``, held until its request is sent (``request_sent``)
        or, whatever happens, until it ends (also when it is cancelled before it starts); not held when it
        would wait for a free place in the pool (see ``capacity``)."""
        with self._condition:
            held = self._capacity is None or self._unfinished < self._capacity
            self._unfinished += 1
            if held:
                self._count += 1
        released = threading.Lock()

        def release_once() -> None:
            if released.acquire(blocking=False) and held:
                self.release()

        def finished(_future: Future | None) -> None:
            with self._condition:
                self._unfinished -= 1
            release_once()

        def fetch(number: int, before: Page | None) -> Page:
            _sending.release = release_once
            try:
                return fetch_page(number, before)
            finally:
                _sending.release = None

        try:
            future = executor.submit(fetch, number, before)
        except BaseException:  # for example a pool shut down: nothing will run to release it
            finished(None)
            raise
        future.add_done_callback(finished)
        return future

    def wait(self, timeout: float) -> bool:
        """Whether, within ``timeout`` seconds, nothing holds conversions back any more. Listings not yet
        begun (queued behind the waiting ones when there are more queries than listing threads) do not
        count, or the waiting ones could wait for them forever."""
        with self._condition:
            return self._condition.wait_for(lambda: not self._count, timeout)


def list_all(
    fetch_page: FetchPage,
    page_size: int,
    executor: Executor,
    key: Callable[[dict], str],
    convert: Callable[[Page], list] = _unchanged,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    prepare: Callable[[list], object] | None = None,
    hold: ConversionHold | None = None,
    first_read_pages: int = 1,
    read_ahead: ReadAhead | None = None,
) -> Listing:
    """Every item of the listing exactly once; ``fetch_page(n, before)`` returns page ``n`` (from 1), given
    the page ``n`` of the read before (or None), which it may return when the page has not changed.

    ``convert(page)`` turns a page's items into what the listing returns, one for one. ``prepare(items)``,
    if given, is called on the converted items of a read, while the read that may confirm them is in
    flight; its result for the items returned is ``Listing.prepared``. ``hold`` is shared by the listings
    run together (see ``ConversionHold``); a listing alone has one of its own. The first read asks for pages
    1 to ``first_read_pages`` at once, pages after page 1 through ``read_ahead`` if given (see
    ``_first_read``), else ``fetch_page(n, None)``.
    """
    started = time.monotonic()
    first_read_seconds: float | None = None
    if hold is None:
        hold = ConversionHold()

    def first_read_over() -> None:
        nonlocal first_read_seconds
        if first_read_seconds is None:
            first_read_seconds = time.monotonic() - started
            hold.release()

    def convert_read(pages: list[Page]) -> tuple[list, object]:
        """The read's items, converted, and what ``prepare`` makes of them."""
        first_read_over()
        hold.wait(timeout=first_read_seconds)
        items = _converted(pages, key, convert)
        return items, None if prepare is None else prepare(items)

    hold.hold()
    try:
        first_read = _first_read(
            fetch_page,
            read_ahead or (lambda number, _failed: fetch_page(number, None)),
            first_read_pages,
            page_size,
            executor,
        )
        return _settled(first_read, fetch_page, page_size, executor, hold, key, convert_read, max_attempts)
    finally:
        first_read_over()  # a listing that failed or ended holds no other back


def _settled(
    pages: list[Page],
    fetch_page: FetchPage,
    page_size: int,
    executor: Executor,
    hold: ConversionHold,
    key: Callable[[dict], str],
    convert_read: Callable[[list[Page]], tuple[list, object]],
    max_attempts: int,
) -> Listing:
    """``list_all``'s reads from the first one, ``pages``, until two in a row agree (or one page is the whole
    listing)."""
    previous_keys: list | None = None
    previous_items: list = []
    previous_prepared: object = None
    for attempt in range(1, max_attempts + 1):
        keys = _keys(pages, key)
        if _is_whole(pages, page_size):
            if len(pages) == 1 and len(keys) == pages[0].total:  # one page is one answer
                items, prepared = convert_read(pages)
                return Listing(items, pages[0].total, attempt, prepared)
            if keys == previous_keys:
                # More pages are only consistent when two reads in a row agree (which also settles an API
                # count that disagrees with the jobs it lists). The items are the first read's: the same
                # jobs, already converted (and prepared) while this read was in flight.
                return Listing(previous_items, pages[0].total, attempt, previous_prepared)
        if attempt == max_attempts:
            break
        # The next read starts now, every page at once; this read is converted while it is in flight.
        next_read_pages = page_count(pages[0].total, page_size)
        futures = [
            hold.submit(executor, fetch_page, number, pages[number - 1] if number <= len(pages) else None)
            for number in range(1, next_read_pages + 1)
        ]
        try:
            previous_keys, (previous_items, previous_prepared) = keys, convert_read(pages)
        except Exception:
            for future in futures:  # the listing has failed: its next read need not run
                future.cancel()
            raise
        pages = _collect(futures, fetch_page, page_size, executor)
    raise SaeApiError(
        "InconsistentListing",
        "the job list changed during each of %d listing attempts (jobs created or deleted while paging); "
        "refusing to return a list that may miss or double jobs" % max_attempts,
    )
