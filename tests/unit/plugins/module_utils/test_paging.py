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

    def fetch_page(self, number, before=None):
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


def test_api_order_is_kept_when_later_pages_finish_first(pool):
    store = OffsetStore(40, 5)  # 8 pages

    def slow_early_pages(number, before=None):
        time.sleep((8 - number) * 0.01)
        return store.fetch_page(number, before)

    listing = paging.list_all(slow_early_pages, 5, pool, key)
    assert_exact(listing, store)
    assert store.fetches[1:] != sorted(store.fetches[1:]), "the pages did not finish out of order"


def test_pages_after_the_first_are_fetched_concurrently_within_the_pool():
    lock = threading.Lock()
    state = {"in_flight": 0, "max": 0, "alone_first": None}
    store = OffsetStore(120, 10)  # 12 pages

    def fetch(number, before=None):
        with lock:
            state["in_flight"] += 1
            state["max"] = max(state["max"], state["in_flight"])
            if number == 1 and state["alone_first"] is None:  # the first read's page 1 (the re-read has all at once)
                state["alone_first"] = state["in_flight"] == 1
        time.sleep(0.05)
        with lock:
            state["in_flight"] -= 1
        return store.fetch_page(number, before)

    with ThreadPoolExecutor(max_workers=4) as executor:
        listing = paging.list_all(fetch, 10, executor, key)
    assert_exact(listing, store)
    assert 1 < state["max"] <= 4
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
    assert listing.total == 10
    assert listing.attempts >= 2


def test_listing_that_never_settles_is_refused(pool):
    store = OffsetStore(9, 3)
    store.churn_page = 2  # a job is created every time page 2 is read
    with pytest.raises(SaeApiError) as caught:
        paging.list_all(store.fetch_page, 3, pool, key, max_attempts=4)
    assert caught.value.code == "InconsistentListing"
    assert "4 listing attempts" in caught.value.message
    assert store.fetches.count(1) == 4
    assert len(store.fetches) <= 4 * paging.page_count(9 + 4, 3)


def test_two_identical_listings_are_accepted_when_total_disagrees(pool):
    store = OffsetStore(9, 3, total_bias=1)  # the API counts one job it never lists
    listing = paging.list_all(store.fetch_page, 3, pool, key)
    assert_exact(listing, store)
    assert (listing.total, listing.attempts) == (10, 2)


def test_duplicates_from_the_api_are_dropped_keeping_the_first(pool):
    pages = {1: ["a", "b", "c"], 2: ["c", "d", "e"]}  # the API repeats "c"

    def fetch(number, before=None):
        return paging.Page([{"app_id": name, "page": number} for name in pages[number]], 6)

    listing = paging.list_all(fetch, 3, pool, key)
    assert ids(listing.items) == ["a", "b", "c", "d", "e"]
    assert [item["page"] for item in listing.items] == [1, 1, 1, 2, 2]
    assert listing.attempts == 2


@pytest.mark.parametrize("first_read_pages, failing_page", [(1, 3), (4, 2), (4, 3)])
def test_page_errors_propagate(pool, first_read_pages, failing_page):
    """Also from a page the first read needs among those it asked for at once."""
    store = OffsetStore(9, 3)

    def fetch(number, before=None):
        if number == failing_page:
            raise SaeApiError("Throttling.User", "slow down", request_id="r-9")
        return store.fetch_page(number, before)

    with pytest.raises(SaeApiError) as caught:
        paging.list_all(fetch, 3, pool, key, first_read_pages=first_read_pages)
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


def test_a_read_is_converted_while_the_next_one_is_in_flight(pool):
    store = OffsetStore(20, 5)  # 4 pages
    second_read_started = threading.Event()
    seen = []

    def fetch(number, before=None):
        if len(store.fetches) >= 4:  # the first read had 4 pages: this is the second read
            second_read_started.set()
        return store.fetch_page(number, before)

    def convert(page):
        # Without the overlap, the second read only starts after every page is converted: this waits in vain.
        seen.append(second_read_started.wait(timeout=5))
        return page.items

    listing = paging.list_all(fetch, 5, pool, key, convert=convert)
    assert_exact(listing, store)
    assert seen == [True] * 4


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

    def fetch(number, before=None):
        if number == 1:
            calls["page 1"] += 1
            if calls["page 1"] == 2:  # just before the second read: three jobs go, one page fewer
                for app_id in ("job-000", "job-001", "job-002"):
                    store.delete(app_id)
                shrunk.set()
        elif before is not None:  # the second read's other pages are served after its page 1
            assert shrunk.wait(2)
        return store.fetch_page(number, before)

    listing = paging.list_all(fetch, 3, pool, key)
    assert_exact(listing, store)
    assert (listing.total, listing.attempts) == (6, 3)


def test_a_reread_is_handed_the_page_read_before():
    store = OffsetStore(20, 5)  # 4 pages
    handed = []

    def fetch(number, before=None):
        handed.append((number, None if before is None else ids(before.items)))
        return store.fetch_page(number, before)

    with ThreadPoolExecutor(max_workers=2) as executor:
        listing = paging.list_all(fetch, 5, executor, key)
    assert_exact(listing, store)
    first, second = handed[:4], sorted(handed[4:])
    assert [before for _number, before in first] == [None] * 4
    assert second == [(n, ["job-%03d" % i for i in range(5 * (n - 1), 5 * n)]) for n in range(1, 5)]


def test_unchanged_pages_handed_back_are_accepted_and_converted_once(pool):
    store = OffsetStore(20, 5)
    converted = []

    def fetch(number, before=None):
        page = store.fetch_page(number, before)
        if before is not None and before.items == page.items:
            return before  # what the client does for an answer that did not change
        return page

    def convert(page):
        converted.append(id(page))
        return page.items

    listing = paging.list_all(fetch, 5, pool, key, convert=convert)
    assert_exact(listing, store)
    assert listing.attempts == 2 and len(converted) == 4


def test_a_changed_page_among_unchanged_ones_still_relists(pool):
    store = OffsetStore(9, 3)  # pages [0 1 2] [3 4 5] [6 7 8]
    store.before_page[2] = [lambda: store.delete("job-000"), store.create_last]  # job-003 slips onto page 1

    def fetch(number, before=None):
        page = store.fetch_page(number, before)
        return before if before is not None and before.items == page.items else page

    listing = paging.list_all(fetch, 3, pool, key)
    assert_exact(listing, store)
    assert "job-003" in ids(listing.items)


# --- prepare: the caller's work on the converted items, while the confirming read is in flight ---------


def test_the_items_are_prepared_while_the_confirming_read_is_in_flight(pool):
    store = OffsetStore(20, 5)  # 4 pages, read twice
    prepared = threading.Event()
    calls, waited = [], []

    def fetch(number, before=None):
        if before is not None:  # a page of the confirming read
            # Without the overlap, prepare only runs once this read is in: this waits in vain.
            waited.append(prepared.wait(timeout=5))
        return store.fetch_page(number, before)

    def prepare(items):
        calls.append(ids(items))
        prepared.set()
        return "|".join(ids(items))

    listing = paging.list_all(fetch, 5, pool, key, prepare=prepare)
    assert_exact(listing, store)
    assert waited == [True] * 4
    assert calls == [ids(store.items)]  # once: the confirming read agreed
    assert listing.prepared == "|".join(ids(store.items))


def test_what_is_prepared_belongs_to_the_items_returned_when_the_listing_changed(pool):
    store = OffsetStore(7, 3)
    store.before_page[2] = [lambda: store.delete("job-000")]  # the first read is wrong, read 2 and 3 agree
    listing = paging.list_all(store.fetch_page, 3, pool, key, prepare=ids)
    assert_exact(listing, store)
    assert listing.attempts == 3
    assert listing.prepared == ids(listing.items) == ids(store.items)


def test_a_single_page_is_prepared_too(pool):
    store = OffsetStore(3, 5)
    listing = paging.list_all(store.fetch_page, 5, pool, key, prepare=ids)
    assert listing.prepared == ["job-000", "job-001", "job-002"]
    assert paging.list_all(store.fetch_page, 5, pool, key).prepared is None


def test_a_prepare_error_ends_the_listing(pool):
    store = OffsetStore(20, 5)

    def prepare(items):
        raise ValueError("cannot prepare")

    with pytest.raises(ValueError, match="cannot prepare"):
        paging.list_all(store.fetch_page, 5, pool, key, prepare=prepare)


# --- the conversion hold: a listing converts once no listing it runs with is on its first read, and the
# --- requests of their next reads are on their way


def _run_listing(*args, **kwargs):
    """``list_all`` in a thread of its own, as the client runs listings together; its result or error."""
    outcome = {}

    def target():
        try:
            outcome["listing"] = paging.list_all(*args, **kwargs)
        except Exception as error:  # the test asserts on it
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


def _run_b_then_a(fetch_b, fetch_a, convert_a, executor, hold):
    """Listings B and A run together (B started first, A converting with ``convert_a``); their outcomes once
    both have ended."""
    thread_b, outcome_b = _run_listing(fetch_b, 5, executor, key, hold=hold)
    thread_a, outcome_a = _run_listing(fetch_a, 5, executor, key, convert_a, hold=hold)
    thread_a.join(timeout=10)
    thread_b.join(timeout=10)
    assert not thread_a.is_alive() and not thread_b.is_alive()
    return outcome_b, outcome_a


def _slow_first_page(store, seconds, second_read_started=None):
    """``store.fetch_page``, its first page taking ``seconds`` the first time (the first read, and so how
    long the listing may hold back); ``second_read_started`` is set when the next read starts."""

    def fetch(number, before=None):
        if before is None and number == 1:
            time.sleep(seconds)
        elif before is not None and second_read_started is not None:
            second_read_started.set()
        return store.fetch_page(number, before)

    return fetch


def test_a_listing_converts_only_once_no_other_is_on_its_first_read(pool):
    store_a, store_b = OffsetStore(20, 5), OffsetStore(10, 5)  # 4 and 2 pages, each read twice
    hold = paging.ConversionHold()
    a_second_read = threading.Event()
    b_first_read = []
    b_over_when_a_converted = []

    def fetch_b(number, before=None):
        if before is None and number == 1:
            # Answered once A's first read is in: without the hold-back, A converts while this waits.
            a_second_read.wait(timeout=5)
            time.sleep(0.05)
        page = store_b.fetch_page(number, before)
        if before is None:
            b_first_read.append(number)
        return page

    def convert_a(page):
        b_over_when_a_converted.append(sorted(b_first_read) == [1, 2])
        return page.items

    fetch_a = _slow_first_page(store_a, 0.5, a_second_read)  # A may hold back up to 0.5 s
    outcome_b, outcome_a = _run_b_then_a(fetch_b, fetch_a, convert_a, pool, hold)
    assert_exact(outcome_a["listing"], store_a)
    assert_exact(outcome_b["listing"], store_b)
    assert b_over_when_a_converted == [True] * 4


def test_a_listing_on_its_first_read_holds_the_others_back_until_it_fails(pool):
    store_a = OffsetStore(20, 5)
    hold = paging.ConversionHold()
    a_second_read, b_failed = threading.Event(), threading.Event()
    converted = []

    def fetch_b(number, before=None):
        a_second_read.wait(timeout=5)
        time.sleep(0.05)
        b_failed.set()
        raise SaeApiError("ServiceUnavailable", "down", request_id="r-b")

    def convert_a(page):
        converted.append(b_failed.is_set())
        return page.items

    fetch_a = _slow_first_page(store_a, 0.5, a_second_read)
    outcome_b, outcome_a = _run_b_then_a(fetch_b, fetch_a, convert_a, pool, hold)
    assert_exact(outcome_a["listing"], store_a)
    assert converted == [True] * 4
    assert outcome_b["error"].code == "ServiceUnavailable"


def test_a_listing_holds_back_no_longer_than_its_own_first_read_took(pool):
    store_a = OffsetStore(20, 5)
    hold = paging.ConversionHold()
    a_done, a_second_read = threading.Event(), threading.Event()
    second_read_at, converted_at = [], []

    def fetch_b(number, before=None):  # a region far slower than A: on its first read until A is done
        a_done.wait(timeout=10)
        return OffsetStore(3, 5).fetch_page(number, before)

    def fetch_a(number, before=None):
        if before is not None and not second_read_at:
            second_read_at.append(time.monotonic())
        return _slow_first_page(store_a, 0.3, a_second_read)(number, before)

    def convert_a(page):
        converted_at.append(time.monotonic())
        return page.items

    thread_b, outcome_b = _run_listing(fetch_b, 5, pool, key, hold=hold)
    thread_a, outcome_a = _run_listing(fetch_a, 5, pool, key, convert_a, hold=hold)
    thread_a.join(timeout=5)
    assert not thread_a.is_alive(), "A waits for as long as B's first read takes"
    a_done.set()
    thread_b.join(timeout=10)
    assert_exact(outcome_a["listing"], store_a)
    assert len(outcome_b["listing"].items) == 3
    # A's first read took at least 0.3 s: A held back about as long before converting, while B was
    # still on its first read (the second read starts just before the first conversion).
    assert converted_at[0] - second_read_at[0] >= 0.25


@pytest.mark.parametrize("how_it_ends", ["fails on its first read", "is one page", "fails converting", "relists"])
def test_a_listing_that_ends_is_no_longer_on_its_first_read(pool, how_it_ends):
    store = OffsetStore(3 if how_it_ends == "is one page" else 20, 5)
    hold = paging.ConversionHold()
    if how_it_ends == "relists":
        store.before_page[2] = [lambda: store.delete("job-000")]

    def fetch(number, before=None):
        if how_it_ends == "fails on its first read" and number == 2:
            raise SaeApiError("Throttling.User", "slow down", request_id="r-b")
        return store.fetch_page(number, before)

    def convert(page):
        if how_it_ends == "fails converting":
            raise SaeApiError("InvalidResponse", "bad job", request_id="r-c")
        return page.items

    try:
        listing = paging.list_all(fetch, 5, pool, key, convert, hold=hold)
    except SaeApiError:
        assert how_it_ends.startswith("fails")
    else:
        assert_exact(listing, store)
    # Ended, however: it holds no other listing back, once the requests it had submitted have ended (those of
    # a next read it no longer needs are cancelled, or end on their own).
    assert hold.wait(timeout=5)


def _sending_slowly(store, sent, converted=None):
    """``store.fetch_page`` as the client's: ``paging.request_sent()`` just before the request goes out. A next
    read's request takes 0.2 s to get there (as signing it can, on a busy GIL), is recorded in ``sent``, then
    is answered only once ``converted`` is set (if given)."""
    lock = threading.Lock()

    def fetch(number, before=None):
        if before is None:
            paging.request_sent()  # a first read's request holds nothing back: a no-op
            return store.fetch_page(number, before)
        time.sleep(0.2)
        with lock:
            sent.append((number, time.monotonic()))
        paging.request_sent()
        if converted is not None:
            converted.wait(timeout=5)
        return store.fetch_page(number, before)

    return fetch


def test_a_listing_converts_once_the_requests_of_its_next_read_are_sent_not_answered():
    store = OffsetStore(20, 5)  # 4 pages, read twice
    sent, converted, conversions = [], threading.Event(), []

    def fetch(number, before=None):
        if before is None and number == 1:
            # The first read takes 2 s, the longest the listing may hold back: a listing that does not learn
            # that the requests were sent converts 2 s after its first read, 1.8 s after the last was sent.
            time.sleep(2.0)
        return sending(number, before)

    def convert(page):
        if not converted.is_set():
            conversions.append((sorted(number for number, _at in sent), time.monotonic()))
            converted.set()  # the next read is answered from now on
        return page.items

    sending = _sending_slowly(store, sent, converted)
    with ThreadPoolExecutor(max_workers=8) as executor:
        listing = paging.list_all(fetch, 5, executor, key, convert)
    assert_exact(listing, store)
    pages_sent, converted_at = conversions[0]
    assert pages_sent == [1, 2, 3, 4]  # converted only once all of them were sent ...
    # ... and not held back until they were answered (they wait for it) or for as long as the first read took
    assert converted_at - max(at for _number, at in sent) < 1.0


def test_a_listing_converts_once_the_requests_of_the_next_reads_of_those_run_with_it_are_sent():
    store_a, store_b = OffsetStore(20, 5), OffsetStore(20, 5)
    hold = paging.ConversionHold()
    a_second_read = threading.Event()
    b_sent, b_sent_when_a_converted = [], []
    sending_b = _sending_slowly(store_b, b_sent)

    def fetch_b(number, before=None):
        if before is None and number == 1:
            a_second_read.wait(timeout=5)  # B's first read ends once A's is over: then B's next read goes out
        return sending_b(number, before)

    def convert_a(page):
        b_sent_when_a_converted.append(sorted(number for number, _at in b_sent))
        return page.items

    fetch_a = _slow_first_page(store_a, 1.0, a_second_read)  # A may hold back up to 1 s, longer than B needs
    with ThreadPoolExecutor(max_workers=8) as executor:
        outcome_b, outcome_a = _run_b_then_a(fetch_b, fetch_a, convert_a, executor, hold)
    assert_exact(outcome_a["listing"], store_a)
    assert_exact(outcome_b["listing"], store_b)
    assert b_sent_when_a_converted == [[1, 2, 3, 4]] * 4


def test_a_request_that_would_wait_for_a_place_in_the_pool_holds_no_conversion_back():
    store = OffsetStore(40, 5)  # 8 pages, read twice through a pool of 2
    answered, answered_when_converted = [], []
    lock = threading.Lock()

    def fetch(number, before=None):
        if before is None:
            if number == 1:
                time.sleep(1.0)  # the first read takes 1 s: the longest the listing may hold back
            return store.fetch_page(number, before)
        paging.request_sent()
        time.sleep(0.2)  # answered after 0.2 s: the next read goes out 2 requests at a time, the last after 0.6 s
        with lock:
            answered.append(number)
        return store.fetch_page(number, before)

    def convert(page):
        if not answered_when_converted:
            answered_when_converted.append(len(answered))
        return page.items

    with ThreadPoolExecutor(max_workers=2) as executor:
        listing = paging.list_all(fetch, 5, executor, key, convert, hold=paging.ConversionHold(capacity=2))
    assert_exact(listing, store)
    assert answered_when_converted == [0]  # converted once the 2 requests the pool could take were sent


def test_a_request_that_cannot_be_submitted_holds_nothing_back():
    hold = paging.ConversionHold()
    executor = ThreadPoolExecutor(max_workers=1)
    executor.shutdown()
    with pytest.raises(RuntimeError):
        hold.submit(executor, OffsetStore(3, 5).fetch_page, 1, None)
    assert hold.wait(timeout=0)


# ---- a first read that asks for the pages after page 1 at once ---------------------------------


def page_1_answers_once_asked_with(store, other_pages):
    """``store.fetch_page``, but page 1 of the first read answers only once ``other_pages`` more are asked for."""
    asked = threading.Semaphore(0)

    def fetch(number, before=None):
        if number == 1 and before is None:
            for _unused in range(other_pages):
                assert asked.acquire(timeout=2), "the pages after page 1 were not asked for with it"
        else:
            asked.release()
        return store.fetch_page(number, before)

    return fetch


def test_a_first_read_asks_for_its_pages_before_page_1_answers():
    store = OffsetStore(12, 3)  # 4 pages
    with ThreadPoolExecutor(max_workers=4) as executor:
        listing = paging.list_all(page_1_answers_once_asked_with(store, 3), 3, executor, key, first_read_pages=4)
    assert_exact(listing, store)
    assert listing.attempts == 2
    assert sorted(store.fetches) == [1, 1, 2, 2, 3, 3, 4, 4]  # two reads, no page asked for after page 1 answered


def test_a_listing_longer_than_its_first_read_asks_for_the_rest_once_page_1_answers():
    store = OffsetStore(20, 3)  # 7 pages
    with ThreadPoolExecutor(max_workers=4) as executor:
        listing = paging.list_all(page_1_answers_once_asked_with(store, 2), 3, executor, key, first_read_pages=3)
    assert_exact(listing, store)
    assert sorted(store.fetches) == sorted(list(range(1, 8)) * 2)  # pages 2 and 3 are not asked for twice
    assert sorted(store.fetches[3:7]) == [4, 5, 6, 7]


@pytest.mark.parametrize("count, attempts, fetches", [(5, 2, [1, 1, 2, 2, 3, 4]), (2, 1, [1, 2, 3, 4])])
def test_a_short_listing_asks_for_the_pages_past_its_end_only_in_its_first_read(count, attempts, fetches):
    store = OffsetStore(count, 3)
    with ThreadPoolExecutor(max_workers=4) as executor:  # left once every page asked for is answered
        listing = paging.list_all(store.fetch_page, 3, executor, key, first_read_pages=4)
    assert_exact(listing, store)
    assert (listing.attempts, sorted(store.fetches)) == (attempts, fetches)


def test_pages_past_the_end_are_not_waited_for_and_their_errors_are_not_the_listings(pool):
    store = OffsetStore(4, 3)  # 2 pages
    released = threading.Event()

    def fetch(number, before=None):
        if number == 3:
            assert released.wait(2), "the listing waited for a page past its end"
        if number == 4:
            raise SaeApiError("Throttling.User", "slow down", request_id="r-4")
        return store.fetch_page(number, before)

    try:
        listing = paging.list_all(fetch, 3, pool, key, first_read_pages=4)
    finally:
        released.set()
    assert_exact(listing, store)
    assert listing.attempts == 2


def test_a_change_during_a_first_read_that_asked_ahead_relists(pool):
    store = OffsetStore(7, 3)  # pages [0 1 2] [3 4 5] [6]
    store.before_page[2] = [lambda: store.delete("job-000")]  # job-003 slips from page 2 onto page 1
    served = threading.Condition()
    state = {"first_read_page_1": False}

    def page_1_first(number, before=None):
        """The first read's pages, asked for at once, are served page 1 first."""
        if number == 1 and before is None:
            page = store.fetch_page(number, before)
            with served:
                state["first_read_page_1"] = True
                served.notify_all()
            return page
        with served:
            assert served.wait_for(lambda: state["first_read_page_1"], timeout=2)
        return store.fetch_page(number, before)

    listing = paging.list_all(page_1_first, 3, pool, key, first_read_pages=5)
    assert_exact(listing, store)
    assert "job-003" in ids(listing.items)
    assert listing.attempts == 3  # the first read is not whole; the next two agree


@given(
    count=st.integers(min_value=0, max_value=60),
    page_size=st.integers(min_value=1, max_value=25),
    first_read_pages=st.integers(min_value=1, max_value=6),
)
def test_every_item_exactly_once_whatever_the_first_read_asked_for(count, page_size, first_read_pages):
    store = OffsetStore(count, page_size)
    with ThreadPoolExecutor(max_workers=3) as executor:
        listing = paging.list_all(store.fetch_page, page_size, executor, key, first_read_pages=first_read_pages)
    assert_exact(listing, store)
    pages = paging.page_count(count, page_size)
    assert len(store.fetches) == max(pages, first_read_pages) + (0 if pages == 1 else pages)


def test_pages_asked_for_ahead_go_through_read_ahead_and_a_needed_one_that_failed_is_asked_again(pool):
    store = OffsetStore(10, 3)  # 4 pages
    ahead = []

    def read_ahead(number, failed):
        ahead.append((number, None if failed is None else failed.request_id))
        if number in (3, 5) and failed is None:  # page 3 is needed, page 5 is past the end
            raise SaeApiError("Throttling.User", "slow down", request_id="r-%d" % number)
        return store.fetch_page(number)

    listing = paging.list_all(store.fetch_page, 3, pool, key, first_read_pages=5, read_ahead=read_ahead)
    assert_exact(listing, store)
    # page 3 asked again, handed its first attempt's error; page 5 never again
    assert sorted(ahead, key=str) == [(2, None), (3, "r-3"), (3, None), (4, None), (5, None)]
    assert sorted(store.fetches) == [1, 1, 2, 2, 3, 3, 4, 4]
