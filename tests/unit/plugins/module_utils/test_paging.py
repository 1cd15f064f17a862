# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Concurrent paging and the consistent-listing algorithm, against a fake offset-paged store."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.alicloud.sae.plugins.module_utils import paging
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError


def key(item):
    return item["app_id"]


class OffsetStore:
    """A listing served by offset, like ListJobs: it may change between two page fetches.

    ``before_page[n]`` holds changes made just before page ``n`` is served the first time.
    """

    def __init__(self, count, page_size, total_bias=0):
        self.items = [{"app_id": "job-%03d" % n} for n in range(count)]
        self._next = count
        self.page_size = page_size
        self.total_bias = total_bias
        self.before_page = {}
        self.churn_page = None  # a page before which a job is created on every fetch
        self.fetches = []
        self._lock = threading.Lock()

    def new_item(self):
        item = {"app_id": "job-%03d" % self._next}
        self._next += 1
        return item

    def create_first(self):
        self.items.insert(0, self.new_item())

    def create_last(self):
        self.items.append(self.new_item())

    def delete(self, app_id):
        self.items = [item for item in self.items if item["app_id"] != app_id]

    def fetch_page(self, number):
        with self._lock:
            self.fetches.append(number)
            for change in self.before_page.pop(number, []):
                change()
            if number == self.churn_page:
                self.create_first()
            start = (number - 1) * self.page_size
            return paging.Page(list(self.items[start : start + self.page_size]), len(self.items) + self.total_bias)


@pytest.fixture
def pool():
    with ThreadPoolExecutor(max_workers=4) as executor:
        yield executor


def ids(items):
    return [item["app_id"] for item in items]


def assert_exact(listing, store):
    assert ids(listing.items) == ids(store.items)
    assert len(set(ids(listing.items))) == len(listing.items)


def test_page_count():
    assert paging.page_count(0, 200) == 1
    assert paging.page_count(1, 200) == 1
    assert paging.page_count(200, 200) == 1
    assert paging.page_count(201, 200) == 2
    assert paging.page_count(1000, 7) == 143


def test_stable_listing_of_several_pages_is_read_twice(pool):
    store = OffsetStore(1000, 7)
    listing = paging.list_all(store.fetch_page, 7, pool, key)
    assert_exact(listing, store)
    assert (listing.total, listing.attempts) == (1000, 2)
    assert sorted(store.fetches) == sorted(list(range(1, 144)) * 2)
    assert store.fetches[0] == 1


def test_one_page_is_read_once(pool):
    store = OffsetStore(7, 7)
    listing = paging.list_all(store.fetch_page, 7, pool, key)
    assert_exact(listing, store)
    assert (listing.total, listing.attempts, store.fetches) == (7, 1, [1])


def test_empty_listing_is_one_request(pool):
    store = OffsetStore(0, 200)
    listing = paging.list_all(store.fetch_page, 200, pool, key)
    assert (listing.items, listing.total, listing.attempts, store.fetches) == ([], 0, 1, [1])


@given(count=st.integers(min_value=0, max_value=60), page_size=st.integers(min_value=1, max_value=25))
def test_every_item_exactly_once_in_api_order(count, page_size):
    store = OffsetStore(count, page_size)
    with ThreadPoolExecutor(max_workers=3) as executor:
        listing = paging.list_all(store.fetch_page, page_size, executor, key)
    assert_exact(listing, store)
    pages = paging.page_count(count, page_size)
    assert len(store.fetches) == (1 if pages == 1 else 2 * pages)


def test_api_order_is_kept_when_later_pages_finish_first():
    store = OffsetStore(40, 5)  # 8 pages
    fetched = {number: threading.Event() for number in range(1, 10)}
    fetched[9].set()  # there is no page 9: page 8 goes first

    def last_page_first(number):
        if number > 1:  # each page after page 1 is served once the page after it has been
            assert fetched[number + 1].wait(timeout=10)
        page = store.fetch_page(number)
        fetched[number].set()
        return page

    with ThreadPoolExecutor(max_workers=8) as executor:
        listing = paging.list_all(last_page_first, 5, executor, key)
    assert_exact(listing, store)
    assert store.fetches[:8] == [1, 8, 7, 6, 5, 4, 3, 2]


def test_pages_after_the_first_are_fetched_concurrently_within_the_pool():
    lock = threading.Lock()
    state = {"in_flight": 0, "max": 0, "alone_first": None}
    store = OffsetStore(120, 10)  # 12 pages

    def fetch(number):
        with lock:
            state["in_flight"] += 1
            state["max"] = max(state["max"], state["in_flight"])
            if number == 1 and state["alone_first"] is None:  # the first read's page 1 (the re-read has all at once)
                state["alone_first"] = state["in_flight"] == 1
        # Served once one more request than the pool takes is in flight (or 0.3 s passed): a pool of 4 fills up,
        # and a larger one would show.
        deadline = time.monotonic() + 0.3
        while state["in_flight"] < 5 and time.monotonic() < deadline:
            time.sleep(0.002)
        with lock:
            state["in_flight"] -= 1
        return store.fetch_page(number)

    with ThreadPoolExecutor(max_workers=4) as executor:
        listing = paging.list_all(fetch, 10, executor, key)
    assert_exact(listing, store)
    assert state["max"] == 4
    assert state["alone_first"] is True  # page 1 first: it gives the total


def test_deletion_before_an_unread_page_relists(pool):
    store = OffsetStore(7, 3)  # pages [0 1 2] [3 4 5] [6]
    store.before_page[2] = [lambda: store.delete("job-000")]  # job-003 would slip onto page 1
    listing = paging.list_all(store.fetch_page, 3, pool, key)
    assert_exact(listing, store)
    assert "job-003" in ids(listing.items)
    assert "job-000" not in ids(listing.items)
    assert (listing.total, listing.attempts) == (6, 3)


def test_creation_before_an_unread_page_relists(pool):
    store = OffsetStore(7, 3)
    store.before_page[2] = [store.create_first]  # job-002 would show up on pages 1 and 2
    listing = paging.list_all(store.fetch_page, 3, pool, key)
    assert_exact(listing, store)
    assert ids(listing.items)[0] == "job-007"
    assert (listing.total, listing.attempts) == (8, 3)


def test_creation_at_the_end_relists(pool):
    store = OffsetStore(6, 3)
    store.before_page[2] = [store.create_last]
    listing = paging.list_all(store.fetch_page, 3, pool, key)
    assert_exact(listing, store)
    assert (listing.total, listing.attempts) == (7, 3)


def test_deletion_and_creation_that_keep_the_total_relist(pool):
    store = OffsetStore(9, 3)  # pages [0 1 2] [3 4 5] [6 7 8]
    # Before page 2: job-000 deleted, job-009 appended. The total stays 9, yet job-003 slips onto page 1.
    store.before_page[2] = [lambda: store.delete("job-000"), store.create_last]
    listing = paging.list_all(store.fetch_page, 3, pool, key)
    assert_exact(listing, store)
    assert "job-003" in ids(listing.items)
    assert (listing.total, listing.attempts) == (9, 3)


def test_deletion_and_creation_relist(pool):
    store = OffsetStore(10, 3)  # 4 pages
    store.before_page[2] = [lambda: store.delete("job-001")]
    store.before_page[4] = [store.create_first]
    listing = paging.list_all(store.fetch_page, 3, pool, key)
    assert_exact(listing, store)
    # The first read never agrees with itself (page 1 holds job-001, deleted since); the second and third do.
    assert (listing.total, listing.attempts) == (10, 3)


def test_listing_that_never_settles_is_refused():
    store = OffsetStore(9, 3)
    store.churn_page = 2  # a job is created every time page 2 is read
    with ThreadPoolExecutor(max_workers=1) as in_order, pytest.raises(SaeApiError) as caught:
        paging.list_all(store.fetch_page, 3, in_order, key, max_attempts=4)
    assert caught.value.code == "InconsistentListing"
    assert caught.value.message == (
        "the job list changed during each of 4 listing attempts (jobs created or deleted while paging); "
        "refusing to return a list that may miss or double jobs"
    )
    # Each read asks for the pages its page 1's total says exist: 3 (total 9), then 3 and the 4th page 1 now
    # reports (total 10), then 4 and 4; no fifth read.
    assert store.fetches == [1, 2, 3] + [1, 2, 3, 4] + [1, 2, 3, 4] + [1, 2, 3, 4]


def test_two_identical_listings_are_accepted_when_total_disagrees(pool):
    store = OffsetStore(9, 3, total_bias=1)  # the API counts one job it never lists
    listing = paging.list_all(store.fetch_page, 3, pool, key)
    assert_exact(listing, store)
    assert (listing.total, listing.attempts) == (10, 2)


def test_duplicates_from_the_api_are_dropped_keeping_the_first(pool):
    pages = {1: ["a", "b", "c"], 2: ["c", "d", "e"]}  # the API repeats "c"

    def fetch(number):
        return paging.Page([{"app_id": name, "page": number} for name in pages[number]], 6)

    listing = paging.list_all(fetch, 3, pool, key)
    assert ids(listing.items) == ["a", "b", "c", "d", "e"]
    assert [item["page"] for item in listing.items] == [1, 1, 1, 2, 2]
    assert listing.attempts == 2


@pytest.mark.parametrize("failing_page", [1, 2, 3])
def test_page_errors_propagate(pool, failing_page):
    store = OffsetStore(9, 3)

    def fetch(number):
        if number == failing_page:
            raise SaeApiError("Throttling.User", "slow down", request_id="r-9")
        return store.fetch_page(number)

    with pytest.raises(SaeApiError) as caught:
        paging.list_all(fetch, 3, pool, key)
    assert (caught.value.code, caught.value.request_id) == ("Throttling.User", "r-9")


def test_only_one_read_is_converted(pool):
    store = OffsetStore(50, 7)  # 8 pages, read twice
    converted = []

    def convert(page):
        converted.append(len(page.items))
        return [dict(item, converted=True) for item in page.items]

    listing = paging.list_all(store.fetch_page, 7, pool, key, convert=convert)
    assert_exact(listing, store)
    assert all(item["converted"] for item in listing.items)
    assert sum(converted) == 50 and len(converted) == 8
    assert len(store.fetches) == 16


def test_the_items_are_the_accepted_reads(pool):
    store = OffsetStore(20, 5)  # 4 pages
    store.before_page[3] = [lambda: store.items[12].update(state="first read")]

    def fetch(number):
        if len(store.fetches) == 4:  # the first page of the second read: a field changes, the jobs do not
            store.items[12]["state"] = "second read"
        return store.fetch_page(number)

    with ThreadPoolExecutor(max_workers=1) as in_order:
        listing = paging.list_all(fetch, 5, in_order, key, convert=lambda page: [dict(item) for item in page.items])
    assert_exact(listing, store)
    assert listing.attempts == 2
    assert listing.items[12]["state"] == "second read"


def test_a_conversion_error_ends_the_listing(pool):
    store = OffsetStore(20, 5)

    def convert(page):
        raise SaeApiError("InvalidResponse", "bad job", request_id="r-1")

    with pytest.raises(SaeApiError) as caught:
        paging.list_all(store.fetch_page, 5, pool, key, convert=convert)
    assert caught.value.request_id == "r-1"


def test_a_listing_that_shrinks_between_reads_settles(pool):
    store = OffsetStore(9, 3)  # 3 pages
    calls = {"page 1": 0}
    shrunk = threading.Event()

    def fetch(number):
        if number == 1:
            calls["page 1"] += 1
            if calls["page 1"] == 2:  # just before the second read: three jobs go, one page fewer
                for app_id in ("job-000", "job-001", "job-002"):
                    store.delete(app_id)
                shrunk.set()
        elif len(store.fetches) >= 3:  # the second read's other pages are served after its page 1
            assert shrunk.wait(2)
        return store.fetch_page(number)

    listing = paging.list_all(fetch, 3, pool, key)
    assert_exact(listing, store)
    assert (listing.total, listing.attempts) == (6, 3)


# ---- answers that contradict their total; a gateway paging by less than asked; the window of pages asked ahead ----


class CountingPool(ThreadPoolExecutor):
    """A pool that records the most pages ever asked for and not yet answered."""

    def __init__(self, workers):
        super().__init__(max_workers=workers)
        self.lock, self.outstanding, self.most, self.submitted = threading.Lock(), 0, 0, 0

    def submit(self, *args, **kwargs):
        with self.lock:
            self.outstanding += 1
            self.submitted += 1
            self.most = max(self.most, self.outstanding)
        future = super().submit(*args, **kwargs)
        future.add_done_callback(lambda _future: self._done())
        return future

    def _done(self):
        with self.lock:
            self.outstanding -= 1


def test_an_impossible_total_is_refused_after_max_attempts_reads_of_its_page():
    store = OffsetStore(150, 200, total_bias=2_000_000_000 - 150)  # TotalSize 2,000,000,000 on 150 jobs
    with CountingPool(32) as executor, pytest.raises(SaeApiError) as caught:
        paging.list_all(store.fetch_page, 200, executor, key, max_attempts=5, window=32)
    assert store.fetches == [1] * 5 and executor.submitted == 5
    assert caught.value.code == "InvalidResponse"
    assert caught.value.message == (
        "TotalSize 2000000000 at PageSize 200 makes 10000000 pages, yet page 1 held 150 job templates (only the "
        "last page may hold fewer than PageSize): the answers contradicted their own total in the last of 5 reads"
    )


def test_a_short_page_in_the_middle_is_read_again_up_to_it_then_refused():
    store = OffsetStore(1000, 100)  # 10 pages
    full_fetch = store.fetch_page

    def fetch(number):
        page = full_fetch(number)
        return paging.Page(page.items[:60], page.total) if number == 3 else page  # page 3 always short

    with ThreadPoolExecutor(max_workers=1) as in_order, pytest.raises(SaeApiError) as caught:
        paging.list_all(fetch, 100, in_order, key, max_attempts=3, window=1)
    assert "TotalSize 1000 at PageSize 100 makes 10 pages, yet page 3 held 60 job templates" in caught.value.message
    assert store.fetches == [1, 2, 3] * 3  # never past the page that contradicts its total


def test_a_contradiction_that_goes_away_on_the_next_read_is_a_listing():
    store = OffsetStore(500, 100)  # 5 pages
    calls = {"n": 0}

    def fetch(number):
        page = store.fetch_page(number)
        calls["n"] += 1
        return paging.Page(page.items[:10], page.total) if calls["n"] == 2 else page  # the first page 2 is short

    with ThreadPoolExecutor(max_workers=1) as in_order:
        listing = paging.list_all(fetch, 100, in_order, key, window=1)
    assert_exact(listing, store)
    assert store.fetches == [1, 2] + [1, 2, 3, 4, 5] * 2


@pytest.mark.parametrize("served", [100, 7, 1])
def test_a_gateway_paging_by_less_than_asked_is_followed_never_truncated(pool, served):
    store = OffsetStore(1000, served)

    def fetch(number):
        page = store.fetch_page(number)
        return paging.Page(page.items, page.total, served)  # it says so in Data.PageSize

    listing = paging.list_all(fetch, 200, pool, key)
    assert_exact(listing, store)
    pages = paging.page_count(1000, served)
    assert sorted(store.fetches) == sorted(list(range(1, pages + 1)) * 2)


def test_pages_of_different_sizes_in_one_read_are_never_accepted(pool):
    store = OffsetStore(40, 10)
    sizes = iter([10] * 4 + [10, 10, 5, 10] + [10] * 100)  # the second read's page 3 says 5: it is read again

    def fetch(number):
        page = store.fetch_page(number)
        return paging.Page(page.items, page.total, next(sizes))

    with ThreadPoolExecutor(max_workers=1) as in_order:
        listing = paging.list_all(fetch, 10, in_order, key, window=1)
    assert_exact(listing, store)
    assert listing.attempts == 3


@pytest.mark.parametrize("window", [1, 3, 8])
def test_never_more_than_window_pages_are_asked_ahead_of_the_answers(window):
    store = OffsetStore(10_000, 10)  # 1,000 pages, read twice
    with CountingPool(8) as executor:
        listing = paging.list_all(store.fetch_page, 10, executor, key, window=window)
    assert_exact(listing, store)
    assert executor.most == window and executor.submitted == 2000


def test_an_error_cancels_the_pages_not_yet_asked_for():
    store = OffsetStore(2000, 10)  # 200 pages
    started = threading.Event()

    def fetch(number):
        if number == 2:
            raise SaeApiError("ServiceUnavailable", "busy", request_id="r-2")
        started.set()
        time.sleep(0.01)
        return store.fetch_page(number)

    with CountingPool(2) as executor, pytest.raises(SaeApiError):
        paging.list_all(fetch, 10, executor, key, window=4)
    assert executor.submitted <= 1 + 4 and len(store.fetches) <= 1 + 4
