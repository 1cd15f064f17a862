# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SaeClient end to end over a fake SAE API behind requests.Session.get (signatures checked with the SDK)."""

from __future__ import annotations

import json
import threading
import time

import pytest

from ansible_collections.alicloud.sae.plugins.module_utils import client as client_module
from ansible_collections.alicloud.sae.plugins.module_utils.client import JobListing, JobQuery, SaeClient
from ansible_collections.alicloud.sae.plugins.module_utils.errors import (
    SaeApiError,
    SaeCredentialError,
    SaeParameterError,
)
from ansible_collections.alicloud.sae.plugins.module_utils.normalise import JOB_KEYS
from ansible_collections.alicloud.sae.plugins.module_utils.version import COLLECTION_VERSION
from ansible_collections.alicloud.sae.tests.unit.utils import AK_ID, SECRET

PARAMS = {"access_key_id": AK_ID, "access_key_secret": SECRET, "timeout": 5.0, "max_retries": 0}


def make_client(regions=("cn-beijing",), max_concurrency=4, **overrides):
    return SaeClient(dict(PARAMS, **overrides), list(regions), max_concurrency=max_concurrency)


def app_ids(jobs):
    return [job["app_id"] for job in jobs]


def test_list_jobs_reads_every_page_in_order(fake_api):
    raw = fake_api.add_jobs("cn-beijing", 45)
    with make_client() as client:
        listing = client.list_jobs(JobQuery("cn-beijing"), page_size=20)
    assert isinstance(listing, JobListing)
    assert listing.total_size == 45
    assert app_ids(listing.jobs) == [job["AppId"] for job in raw]
    assert all(tuple(job) == JOB_KEYS for job in listing.jobs)
    assert listing.jobs[0]["tags"] == {"team": "t0"}
    assert listing.jobs[0]["trigger_config"]["type"] == "time"
    # read twice: a listing of several pages is accepted when two reads agree; the first read also asked
    # for page 4 (past the end) with page 1, before it knew the total
    assert fake_api.pages_asked() == [1, 1, 2, 2, 3, 3, 4]
    assert {call["params"]["PageSize"] for call in fake_api.calls} == {"20"}
    assert {call["params"]["Workload"] for call in fake_api.calls} == {"job"}
    assert {call["url"].split("?")[0] for call in fake_api.calls} == {
        "https://sae.cn-beijing.aliyuncs.com/pop/v1/sam/job/listJobs"
    }


def test_request_options_are_passed_on(fake_api):
    fake_api.add_jobs("cn-beijing", 1)
    with make_client(timeout=7.5) as client:
        client.list_jobs(JobQuery("cn-beijing"))
    assert fake_api.calls
    for call in fake_api.calls:
        assert call["timeout"] == 7.5
        assert call["verify"] is True  # redirects: DirectConnections never follows them (test_connections.py)
        assert call["headers"]["user-agent"].startswith("alicloud.sae/%s " % COLLECTION_VERSION)


def test_default_page_size_is_the_largest(fake_api):
    fake_api.add_jobs("cn-beijing", 150)
    with make_client() as client:
        listing = client.list_jobs(JobQuery("cn-beijing"))
    assert len(listing.jobs) == 150
    assert [call["params"]["PageSize"] for call in fake_api.calls] == ["200"] * 4  # one page and 3 asked ahead
    assert fake_api.pages_asked() == [1, 2, 3, 4]


@pytest.mark.parametrize(
    "max_concurrency, listings, pages",
    [(32, 1, 5), (32, 5, 5), (32, 7, 4), (32, 64, 1), (4, 1, 4), (7, 3, 2), (3, 5, 1), (1, 1, 1)],
)
def test_a_first_read_asks_for_up_to_5_pages_within_its_share_of_the_pool(max_concurrency, listings, pages):
    assert client_module.FIRST_READ_PAGES == 5
    assert client_module._first_read_pages(max_concurrency, listings) == pages


def test_a_listing_asks_for_its_first_pages_before_page_1_answers(fake_api):
    raw = fake_api.add_jobs("cn-beijing", 450)  # 5 pages of 100
    seen_by_page_1 = []

    def before_answer(region, page):
        if page == 1 and not seen_by_page_1:
            deadline = time.monotonic() + 2
            while len(fake_api.calls) < 5 and time.monotonic() < deadline:
                time.sleep(0.005)
            seen_by_page_1.append(len(fake_api.calls))

    fake_api.before_answer = before_answer
    with make_client(max_concurrency=8) as client:
        listing = client.list_jobs(JobQuery("cn-beijing"), page_size=100)
    assert app_ids(listing.jobs) == [job["AppId"] for job in raw]
    assert seen_by_page_1 == [5]
    assert fake_api.pages_asked() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]  # two reads: none of 3 round trips


def test_a_needed_page_asked_for_ahead_that_failed_is_asked_again_with_retries(fake_api, monkeypatch):
    from ansible_collections.alicloud.sae.plugins.module_utils import transport

    monkeypatch.setattr(transport.RetryPolicy, "delay", lambda self, attempt, retry_after=None: 0.0)
    raw = fake_api.add_jobs("cn-beijing", 450)  # 5 pages of 100
    fake_api.fail_once("cn-beijing", 503, "ServiceUnavailable", "r-busy", page=3)
    fake_api.fail_once("cn-beijing", 503, "ServiceUnavailable", "r-busy-again", page=3)
    with make_client(max_concurrency=8, max_retries=2) as client:
        listing = client.list_jobs(JobQuery("cn-beijing"), page_size=100)
        assert app_ids(listing.jobs) == [job["AppId"] for job in raw]
    # page 3: once ahead (503), then asked again as that attempt's retries (503, then ok, the second and last
    # retry max_retries allows), then in the confirming read
    assert fake_api.pages_asked() == [1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5]
    assert client.stats == {"requests": 12, "retries": 2, "retried_codes": {"ServiceUnavailable": 2}}


def test_listings_run_together_share_the_pool_in_their_first_reads(fake_api):
    regions = ("cn-beijing", "cn-hangzhou", "cn-shanghai")
    for region in regions:
        fake_api.add_jobs(region, 1)
    with make_client(regions, max_concurrency=7) as client:
        listings = client.list_jobs_many([JobQuery(region) for region in regions])
    assert [len(listing.jobs) for listing in listings] == [1, 1, 1]
    assert [fake_api.pages_asked(region) for region in regions] == [[1, 2]] * 3


def test_current_page_returns_that_page_only(fake_api):
    raw = fake_api.add_jobs("cn-beijing", 45)
    with make_client() as client:
        listing = client.list_jobs(JobQuery("cn-beijing"), page_size=20, current_page=2)
    assert app_ids(listing.jobs) == [job["AppId"] for job in raw[20:40]]
    assert listing.total_size == 45
    assert [(c["params"]["CurrentPage"], c["params"]["PageSize"]) for c in fake_api.calls] == [("2", "20")]


def test_filters_are_sent(fake_api):
    fake_api.add_jobs("cn-beijing", 9)
    with make_client() as client:
        listing = client.list_jobs(JobQuery("cn-beijing", {"namespace_id": "cn-beijing:demo", "tags": {"team": "t1"}}))
    assert app_ids(listing.jobs) == ["cn-beijing-app-0001", "cn-beijing-app-0004", "cn-beijing-app-0007"]
    params = fake_api.calls[0]["params"]
    assert params["NamespaceId"] == "cn-beijing:demo"
    assert json.loads(params["Tags"]) == [{"key": "team", "value": "t1"}]


def test_awkward_tag_values_survive_the_round_trip(fake_api):
    awkward = "a+b c*d~e/f:g&h=i%j'k\"l 任务 🚀"
    fake_api.add_jobs("cn-beijing", 2)
    fake_api.jobs["cn-beijing"][1]["Tags"] = [{"Key": "note", "Value": awkward}]
    with make_client() as client:
        listing = client.list_jobs(JobQuery("cn-beijing", {"tags": {"note": awkward}}))
    assert app_ids(listing.jobs) == ["cn-beijing-app-0001"]


def test_endpoint_with_path_prefix(fake_api):
    fake_api.add_jobs("cn-beijing", 3)
    with make_client(endpoint="http://127.0.0.1:8080/{region}") as client:
        listing = client.list_jobs(JobQuery("cn-beijing"))
    assert len(listing.jobs) == 3
    assert fake_api.calls[0]["path"] == "/cn-beijing/pop/v1/sam/job/listJobs"
    assert fake_api.calls[0]["headers"]["host"] == "127.0.0.1:8080"


def test_list_jobs_many_returns_each_result_or_error(fake_api):
    fake_api.add_jobs("cn-beijing", 5)
    fake_api.add_jobs("cn-shanghai", 3)
    fake_api.fail_always("cn-hangzhou", 403, "Forbidden.RAM", "req-denied")
    queries = [JobQuery("cn-beijing"), JobQuery("cn-hangzhou"), JobQuery("cn-shanghai")]
    with make_client(regions=["cn-beijing", "cn-hangzhou", "cn-shanghai"]) as client:
        results = client.list_jobs_many(queries, page_size=2)
    beijing, hangzhou, shanghai = results
    assert isinstance(beijing, JobListing) and beijing.query is queries[0]
    assert len(beijing.jobs) == 5
    assert isinstance(shanghai, JobListing) and shanghai.query is queries[2]
    assert app_ids(shanghai.jobs) == ["cn-shanghai-app-0000", "cn-shanghai-app-0001", "cn-shanghai-app-0002"]
    assert isinstance(hangzhou, SaeApiError)
    assert (hangzhou.code, hangzhou.request_id, hangzhou.region, hangzhou.status) == (
        "Forbidden.RAM",
        "req-denied",
        "cn-hangzhou",
        403,
    )


def test_list_jobs_many_with_one_query(fake_api):
    fake_api.add_jobs("cn-beijing", 2)
    with make_client() as client:
        (result,) = client.list_jobs_many([JobQuery("cn-beijing")])
    assert len(result.jobs) == 2


def test_each_listing_is_prepared_as_the_caller_asks(fake_api):
    fake_api.add_jobs("cn-beijing", 5)  # 3 pages of 2: prepared while the confirming read is in flight
    fake_api.add_jobs("cn-shanghai", 1)  # one page
    queries = [JobQuery("cn-beijing"), JobQuery("cn-shanghai")]
    with make_client(regions=["cn-beijing", "cn-shanghai"]) as client:
        results = client.list_jobs_many(queries, page_size=2, prepare=app_ids)
        (unprepared,) = client.list_jobs_many(queries[1:], page_size=2)
        page = client.list_jobs(queries[0], page_size=2, current_page=3, prepare=app_ids)
    assert [result.prepared for result in results] == [app_ids(result.jobs) for result in results]
    assert [len(result.prepared) for result in results] == [5, 1]
    assert unprepared.prepared is None
    assert page.prepared == ["cn-beijing-app-0004"]


def test_listings_run_together_normalise_once_none_is_on_its_first_read(fake_api, monkeypatch):
    fake_api.add_jobs("cn-beijing", 5)  # 3 pages of 2
    fake_api.add_jobs("cn-shanghai", 3)  # 2 pages of 2
    answered = {"cn-beijing": [], "cn-shanghai": []}
    beijing_second_read = threading.Event()
    shanghai_over_when_beijing_normalised = []

    def answer(region, page):
        if region == "cn-beijing" and not answered[region]:
            time.sleep(0.5)  # Beijing's first read takes 0.5 s: it may hold back as long
        if region == "cn-beijing" and page in answered[region]:
            beijing_second_read.set()
        if region == "cn-shanghai" and not answered[region]:
            # Answered once Beijing's first read is in: without the hold-back, Beijing normalises meanwhile.
            beijing_second_read.wait(timeout=5)
            time.sleep(0.05)
        answered[region].append(page)

    real_normalised = client_module._normalised

    def normalised(page, region):
        if region == "cn-beijing":
            shanghai_over_when_beijing_normalised.append(sorted(answered["cn-shanghai"][:2]) == [1, 2])
        return real_normalised(page, region)

    fake_api.before_answer = answer
    monkeypatch.setattr(client_module, "_normalised", normalised)
    queries = [JobQuery("cn-beijing"), JobQuery("cn-shanghai")]
    with make_client(regions=["cn-beijing", "cn-shanghai"]) as client:
        beijing, shanghai = client.list_jobs_many(queries, page_size=2)
    assert (len(beijing.jobs), len(shanghai.jobs)) == (5, 3)
    assert shanghai_over_when_beijing_normalised == [True] * 3


def test_a_listing_normalises_once_its_confirming_requests_are_sent_not_answered(fake_api, monkeypatch):
    fake_api.add_jobs("cn-beijing", 5)  # 3 pages of 2, all asked for in the first read
    confirming_asked_at, normalised_at = [], []
    normalising = threading.Event()
    answered = []
    lock = threading.Lock()

    def answer(region, page):
        with lock:
            second_time = page in answered
            answered.append(page)
            if second_time:
                confirming_asked_at.append(time.monotonic())
        if page == 1 and not second_time:
            time.sleep(1.0)  # the first read takes 1 s: the longest normalising may hold back
        if second_time:
            normalising.wait(timeout=5)  # the confirming read is answered once normalising has begun

    real_normalised = client_module._normalised

    def normalised(page, region):
        if not normalising.is_set():
            normalised_at.append(time.monotonic())
            normalising.set()
        return real_normalised(page, region)

    fake_api.before_answer = answer
    monkeypatch.setattr(client_module, "_normalised", normalised)
    with make_client(max_concurrency=3) as client:
        listing = client.list_jobs(JobQuery("cn-beijing"), page_size=2)
    assert len(listing.jobs) == 5
    assert len(confirming_asked_at) == 3
    # Normalising began when the transport said the requests were sent (just before the fake API got them):
    # not once they were answered (they wait for it), nor after holding back for as long as the first read took.
    assert normalised_at[0] - max(confirming_asked_at) < 0.6


def test_conversions_hold_back_for_no_more_requests_than_the_pool_takes(fake_api, monkeypatch):
    fake_api.add_jobs("cn-beijing", 3)
    capacities = []

    class RecordedHold(client_module.ConversionHold):
        def __init__(self, capacity=None):
            capacities.append(capacity)
            super().__init__(capacity)

    monkeypatch.setattr(client_module, "ConversionHold", RecordedHold)
    with make_client(max_concurrency=6) as client:
        client.list_jobs(JobQuery("cn-beijing"))
        client.list_jobs_many([JobQuery("cn-beijing"), JobQuery("cn-beijing")])
    assert capacities == [6, 6]


def test_api_errors_carry_the_region(fake_api):
    fake_api.fail_always("cn-beijing", 400, "InvalidParameter.Namespace", "req-bad-ns")
    with make_client() as client:
        with pytest.raises(SaeApiError) as caught:
            client.list_jobs(JobQuery("cn-beijing"))
    error = caught.value
    assert (error.code, error.request_id, error.region) == ("InvalidParameter.Namespace", "req-bad-ns", "cn-beijing")
    assert "region cn-beijing" in str(error)
    assert SECRET not in str(error)


def test_malformed_job_is_an_invalid_response_with_request_id_and_region(fake_api):
    fake_api.add_jobs("cn-beijing", 3)
    del fake_api.jobs["cn-beijing"][1]["AppId"]
    with make_client(max_concurrency=1) as client:  # one request at a time: the first, page 1, is req-1
        with pytest.raises(SaeApiError) as caught:
            client.list_jobs(JobQuery("cn-beijing"))
    assert caught.value.code == "InvalidResponse"
    assert caught.value.region == "cn-beijing"
    assert caught.value.request_id == "req-1"


def test_answer_without_data_is_an_invalid_response(fake_api, monkeypatch):
    from ansible_collections.alicloud.sae.tests.unit.utils import FakeResponse

    monkeypatch.setattr(
        fake_api, "_answer", lambda *args: FakeResponse(200, {"Success": True, "RequestId": "req-empty"})
    )
    with make_client() as client:
        with pytest.raises(SaeApiError) as caught:
            client.list_jobs(JobQuery("cn-beijing"))
    assert (caught.value.code, caught.value.request_id, caught.value.region) == (
        "InvalidResponse",
        "req-empty",
        "cn-beijing",
    )


def test_max_concurrency_bounds_requests_in_flight(fake_api):
    fake_api.add_jobs("cn-beijing", 100)
    fake_api.delay = 0.03
    with make_client(max_concurrency=3) as client:
        listing = client.list_jobs(JobQuery("cn-beijing"), page_size=10)
    assert len(listing.jobs) == 100
    assert 1 < fake_api.max_in_flight <= 3


def test_max_concurrency_bounds_requests_across_listings(fake_api):
    regions = ["cn-beijing", "cn-hangzhou", "cn-shanghai", "cn-shenzhen", "cn-chengdu"]
    for region in regions:
        fake_api.add_jobs(region, 30)
    fake_api.delay = 0.02
    with make_client(regions=regions, max_concurrency=4) as client:
        results = client.list_jobs_many([JobQuery(region) for region in regions], page_size=10)
    assert [len(result.jobs) for result in results] == [30] * 5
    assert 1 < fake_api.max_in_flight <= 4


def test_stats_count_requests(fake_api):
    fake_api.add_jobs("cn-beijing", 5)
    with make_client() as client:
        client.list_jobs(JobQuery("cn-beijing"), page_size=2)
    # 3 pages read twice, and page 4 (past the end) asked for in the first read
    assert client.stats == {"requests": 7, "retries": 0, "retried_codes": {}}


def test_client_options_reach_the_transport(fake_api):
    with make_client(max_retries=7) as client:
        assert client.transport.retry_policy.max_retries == 7


def test_unset_options_take_their_documented_defaults(fake_api):
    fake_api.add_jobs("cn-beijing", 1)
    params = {"access_key_id": AK_ID, "access_key_secret": SECRET, "validate_certs": None, "max_retries": None}
    with SaeClient(params, ["cn-beijing"]) as client:
        client.list_jobs(JobQuery("cn-beijing"))
        assert client.transport.retry_policy.max_retries == 5
    assert fake_api.calls[0]["verify"] is True  # never silently off
    assert fake_api.calls[0]["timeout"] == 30.0


# --- nothing is sent for bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"page_size": 500}, "page_size must be a whole number from 1 to 200"),
        ({"page_size": -1}, "page_size must be a whole number from 1 to 200"),
        ({"page_size": 0}, "page_size must be a whole number from 1 to 200"),
        ({"page_size": True}, "page_size must be a whole number from 1 to 200"),
        ({"current_page": 0}, "current_page must be a whole number of 1 or more"),
    ],
)
def test_bad_paging_sends_nothing(fake_api, kwargs, message):
    with make_client() as client:
        with pytest.raises(SaeParameterError, match=message):
            client.list_jobs(JobQuery("cn-beijing"), **kwargs)
    assert fake_api.calls == []


@pytest.mark.parametrize(
    "filters, message",
    [
        ({"field_type": "bogus", "field_value": "x"}, "field_type must be one of"),
        ({"field_type": "appName"}, "field_type and field_value must be given together"),
        ({"order_by": "name"}, "order_by must be one of"),
        ({"tags": ["a"]}, "tags must be a dictionary"),
    ],
)
def test_bad_filters_send_nothing(fake_api, filters, message):
    fake_api.add_jobs("cn-beijing", 1)
    with make_client() as client:
        with pytest.raises(SaeParameterError, match=message):
            client.list_jobs(JobQuery("cn-beijing", filters))
        with pytest.raises(SaeParameterError, match=message):
            client.list_jobs_many([JobQuery("cn-beijing"), JobQuery("cn-beijing", filters)])
        with pytest.raises(SaeParameterError, match="page_size"):
            client.list_jobs_many([JobQuery("cn-beijing")], page_size=201)
    assert fake_api.calls == []


@pytest.mark.parametrize("region", ["sae.evil.example/x", "cn-beijing.evil.example#", "Bad", ""])
def test_query_region_is_checked_before_any_request(fake_api, region):
    # A region is spliced into the endpoint's host name: an unchecked one could send the request elsewhere.
    with make_client() as client:
        with pytest.raises(SaeParameterError, match="region"):
            client.list_jobs(JobQuery(region))
        with pytest.raises(SaeParameterError, match="region"):
            client.list_jobs_many([JobQuery("cn-beijing"), JobQuery(region)])
    assert fake_api.calls == []


@pytest.mark.parametrize(
    "overrides, regions, max_concurrency, error, message",
    [
        ({}, ["cn_beijing"], 4, SaeParameterError, "is not a region id"),
        ({}, [None], 4, SaeParameterError, "region is required"),
        ({"endpoint": "http://u:p@127.0.0.1/{region}"}, ["cn-beijing"], 4, SaeParameterError, "user information"),
        ({"timeout": 0}, ["cn-beijing"], 4, SaeParameterError, "timeout"),
        ({"max_retries": 99}, ["cn-beijing"], 4, SaeParameterError, "max_retries"),
        ({}, ["cn-beijing"], 0, SaeParameterError, "max_concurrency"),
        ({}, ["cn-beijing"], 65, SaeParameterError, "max_concurrency"),
        ({"access_key_secret": None}, ["cn-beijing"], 4, SaeCredentialError, "access_key_secret is required"),
    ],
)
def test_bad_client_options_send_nothing(fake_api, overrides, regions, max_concurrency, error, message):
    with pytest.raises(error, match=message) as caught:
        SaeClient(dict(PARAMS, **overrides), regions, max_concurrency=max_concurrency)
    assert SECRET not in str(caught.value)
    assert fake_api.calls == []


def test_user_agent_names_the_collection_version():
    assert client_module.USER_AGENT.startswith("alicloud.sae/%s (Ansible collection; Python " % COLLECTION_VERSION)


def test_a_confirming_read_decodes_only_the_pages_that_changed(fake_api, monkeypatch):
    from ansible_collections.alicloud.sae.plugins.module_utils import transport

    fake_api.gateway_request_ids = True
    raw = fake_api.add_jobs("cn-beijing", 45)
    reads = {"page 3": 0}

    def job_finishes_during_the_second_read(region, page):
        if page == 3:
            reads["page 3"] += 1
            if reads["page 3"] == 2:
                raw[44]["LastJobState"] = "Succeeded"  # a field changes; the set of jobs does not

    fake_api.before_answer = job_finishes_during_the_second_read
    decoded = []
    real_decode = transport.decode_answer
    monkeypatch.setattr(transport, "decode_answer", lambda *args: decoded.append(args[0]) or real_decode(*args))
    with make_client() as client:
        listing = client.list_jobs(JobQuery("cn-beijing"), page_size=20)
    assert app_ids(listing.jobs) == [job["AppId"] for job in raw]
    assert fake_api.pages_asked() == [1, 1, 2, 2, 3, 3, 4]  # 3 pages read twice, the first time with page 4
    assert len(decoded) == 5  # the first read's 4 pages, and the one page that changed
