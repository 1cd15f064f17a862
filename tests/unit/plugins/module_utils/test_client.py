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
from ansible_collections.alicloud.sae.plugins.module_utils import transport
from ansible_collections.alicloud.sae.plugins.module_utils.client import JobListing, JobQuery, SaeClient, hint
from ansible_collections.alicloud.sae.plugins.module_utils.errors import (
    SaeApiError,
    SaeCredentialError,
    SaeParameterError,
)
from ansible_collections.alicloud.sae.plugins.module_utils.normalise import JOB_KEYS
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
    # read twice: a listing of several pages is accepted when two reads agree; never a page past the total
    assert fake_api.pages_asked() == [1, 1, 2, 2, 3, 3]
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
        assert call["verify"] is True
        assert call["allow_redirects"] is False
        assert call["headers"]["user-agent"].startswith("alicloud.sae/%s " % transport.COLLECTION_VERSION)


def test_default_page_size_is_the_largest(fake_api):
    fake_api.add_jobs("cn-beijing", 150)
    with make_client() as client:
        listing = client.list_jobs(JobQuery("cn-beijing"))
    assert len(listing.jobs) == 150
    assert [call["params"]["PageSize"] for call in fake_api.calls] == ["200"]  # one page is one request
    assert fake_api.pages_asked() == [1]


def test_a_listing_asks_for_the_pages_after_page_1_at_once_then_for_every_page_at_once(fake_api):
    """Page 1, then pages 2 to 5 in flight together, then the confirming read of pages 1 to 5 in flight together:
    three round trips."""
    raw = fake_api.add_jobs("cn-beijing", 450)  # 5 pages of 100
    waves = []
    arrived = threading.Condition()

    def before_answer(region, page):
        # Hold each answer until every request of its wave has arrived (or 2 s passed): a wave that is not
        # sent at once never fills, and the listing then takes more waves than three.
        with arrived:
            number = len(fake_api.calls)
            wave_end = next(end for end in (1, 5, 10) if number <= end)
            arrived.wait_for(lambda: len(fake_api.calls) >= wave_end, timeout=2)
            arrived.notify_all()
            waves.append(len(fake_api.calls))

    fake_api.before_answer = before_answer
    with make_client(max_concurrency=8) as client:
        listing = client.list_jobs(JobQuery("cn-beijing"), page_size=100)
    assert app_ids(listing.jobs) == [job["AppId"] for job in raw]
    assert waves == [1] + [5] * 4 + [10] * 5
    assert [int(call["params"]["CurrentPage"]) for call in fake_api.calls[:1]] == [1]
    assert sorted(int(call["params"]["CurrentPage"]) for call in fake_api.calls[1:5]) == [2, 3, 4, 5]
    assert sorted(int(call["params"]["CurrentPage"]) for call in fake_api.calls[5:]) == [1, 2, 3, 4, 5]


def test_a_failed_page_is_retried_within_its_read(fake_api, monkeypatch):
    from ansible_collections.alicloud.sae.plugins.module_utils import retries

    monkeypatch.setattr(retries.RetryPolicy, "delay", lambda self, attempt, retry_after=None: 0.0)
    raw = fake_api.add_jobs("cn-beijing", 450)  # 5 pages of 100
    fake_api.fail_once("cn-beijing", 503, "ServiceUnavailable", "r-busy", page=3)
    fake_api.fail_once("cn-beijing", 503, "ServiceUnavailable", "r-busy-again", page=3)
    with make_client(max_concurrency=8, max_retries=2) as client:
        listing = client.list_jobs(JobQuery("cn-beijing"), page_size=100)
        assert app_ids(listing.jobs) == [job["AppId"] for job in raw]
    # page 3: 503, 503, then ok (the second and last retry max_retries allows), then in the confirming read
    assert fake_api.pages_asked() == [1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5]
    assert client.stats == {
        "requests": 12,
        "retries": 2,
        "retried_codes": {"ServiceUnavailable": 2},
        "throttled": 0,
        "rate_limit": None,
    }


def test_listings_of_one_page_each_cost_one_request_each(fake_api):
    regions = ("cn-beijing", "cn-hangzhou", "cn-shanghai", "cn-shenzhen", "cn-chengdu")
    for region in regions:
        fake_api.add_jobs(region, 100)
    with make_client(regions, max_concurrency=7) as client:
        listings = client.list_jobs_many([JobQuery(region) for region in regions])
        assert client.stats == {"requests": 5, "retries": 0, "retried_codes": {}, "throttled": 0, "rate_limit": None}
    assert [len(listing.jobs) for listing in listings] == [100] * 5
    assert [fake_api.pages_asked(region) for region in regions] == [[1]] * 5


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


def test_malformed_tags_fail_the_read_of_the_answer_they_came_in(fake_api):
    """Found when the page is read: the error names that answer, and no confirming read is spent on it."""
    fake_api.add_jobs("cn-beijing", 3)
    fake_api.jobs["cn-beijing"][2]["Tags"] = [{"Value": "a tag without its key"}]
    with make_client(max_concurrency=1) as client:  # one request at a time: page 1 is req-1, page 2 req-2
        with pytest.raises(SaeApiError) as caught:
            client.list_jobs(JobQuery("cn-beijing"), page_size=2)
    error = caught.value
    assert (error.code, error.request_id, error.region) == ("InvalidResponse", "req-2", "cn-beijing")
    assert "a tag is not an object with a string Key" in error.message
    assert len(fake_api.calls) == 2


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


def _answers_held_until_in_flight(api, count):
    """``before_answer`` for ``api``: each answer waits until ``count`` requests are in flight (or 0.3 s have
    passed, for the last ones of a read), so that a pool of ``count`` fills up and a larger one would go past."""

    def hold(region, page):
        deadline = time.monotonic() + 0.3
        while api._in_flight < count and time.monotonic() < deadline:
            time.sleep(0.002)

    return hold


def test_max_concurrency_bounds_requests_in_flight(fake_api):
    fake_api.add_jobs("cn-beijing", 100)
    fake_api.before_answer = _answers_held_until_in_flight(fake_api, 4)  # one more than the pool takes
    with make_client(max_concurrency=3) as client:
        listing = client.list_jobs(JobQuery("cn-beijing"), page_size=10)
    assert len(listing.jobs) == 100
    assert fake_api.max_in_flight == 3


def test_max_concurrency_bounds_requests_across_listings(fake_api):
    regions = ["cn-beijing", "cn-hangzhou", "cn-shanghai", "cn-shenzhen", "cn-chengdu"]
    for region in regions:
        fake_api.add_jobs(region, 30)
    fake_api.before_answer = _answers_held_until_in_flight(fake_api, 5)  # one more than the pool takes
    with make_client(regions=regions, max_concurrency=4) as client:
        results = client.list_jobs_many([JobQuery(region) for region in regions], page_size=10)
    assert [len(result.jobs) for result in results] == [30] * 5
    assert fake_api.max_in_flight == 4


def test_stats_count_requests(fake_api):
    fake_api.add_jobs("cn-beijing", 5)
    with make_client() as client:
        client.list_jobs(JobQuery("cn-beijing"), page_size=2)
    # 3 pages read twice, none past the end
    assert client.stats == {"requests": 6, "retries": 0, "retried_codes": {}, "throttled": 0, "rate_limit": None}


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
        ({"tags": ["a"]}, "tags 'a' is not key=value text"),
        ({"namespace_id": "prod"}, "namespace_id 'prod' is not a namespace of region cn-beijing"),
        (
            {"namespace_id": "cn-hangzhou:prod"},
            "namespace_id 'cn-hangzhou:prod' is not a namespace of region cn-beijing",
        ),
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
        ({"max_requests_per_second": 0}, ["cn-beijing"], 4, SaeParameterError, "max_requests_per_second"),
        ({"max_requests_per_second": "fast"}, ["cn-beijing"], 4, SaeParameterError, "max_requests_per_second"),
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


def test_a_listing_returns_the_confirming_read_normalised_once(fake_api, monkeypatch):
    """A field that changes while the set of jobs does not: the listing is the confirming read's data, and each
    job of it is normalised once, after the reads agree."""
    raw = fake_api.add_jobs("cn-beijing", 45)
    reads = {"page 3": 0}

    def job_finishes_during_the_second_read(region, page):
        if page == 3:
            reads["page 3"] += 1
            if reads["page 3"] == 2:
                raw[44]["LastJobState"] = "Succeeded"

    fake_api.before_answer = job_finishes_during_the_second_read
    normalised = []
    real_normalise = client_module.normalise_job
    monkeypatch.setattr(
        client_module, "normalise_job", lambda job: normalised.append(job["AppId"]) or real_normalise(job)
    )
    with make_client() as client:
        listing = client.list_jobs(JobQuery("cn-beijing"), page_size=20)
    assert app_ids(listing.jobs) == [job["AppId"] for job in raw]
    assert listing.jobs[44]["last_job_state"] == "Succeeded"
    assert fake_api.pages_asked() == [1, 1, 2, 2, 3, 3]
    assert normalised == [job["AppId"] for job in raw]


def test_one_rate_limiter_waits_before_every_send_of_every_listing_and_page(fake_api, monkeypatch):
    from ansible_collections.alicloud.sae.plugins.module_utils import retries
    from ansible_collections.alicloud.sae.plugins.module_utils.ratelimit import RateLimiter
    from ansible_collections.alicloud.sae.tests.unit.utils import FakeClock

    limiters, waits = [], []

    class CountingLimiter(RateLimiter):
        def wait_turn(self):
            waits.append(1)
            return super().wait_turn()

    def make_limiter(ceiling=None):
        clock = FakeClock()  # no real waiting, whatever the rate
        limiters.append(CountingLimiter(ceiling, clock=clock, sleep=clock.sleep))
        return limiters[-1]

    monkeypatch.setattr(transport, "RateLimiter", make_limiter)
    monkeypatch.setattr(retries.RetryPolicy, "delay", lambda self, attempt, retry_after=None: 0.0)
    regions = ("cn-beijing", "cn-hangzhou", "cn-shanghai")
    for region in regions:
        fake_api.add_jobs(region, 250)  # 3 pages of 100, read twice
    fake_api.fail_once("cn-hangzhou", 400, "Throttling.User", "r-quota", page=2)
    with make_client(regions, max_retries=1, max_requests_per_second=50.0) as client:
        listings = client.list_jobs_many([JobQuery(region) for region in regions], page_size=100)
        stats = client.stats
    assert [len(listing.jobs) for listing in listings] == [250] * 3
    assert len(limiters) == 1 and client.transport.rate_limiter is limiters[0]
    assert len(waits) == len(fake_api.calls) == 3 * 6 + 1  # every send, the retry included
    assert stats["throttled"] == 1 and stats["retried_codes"] == {"Throttling.User": 1}
    assert 0 < stats["rate_limit"] <= 50.0  # lowered by the throttled call, never above the ceiling


# ---- issue 27: jobs of another region than the one asked ----------------------------------------------------


def test_jobs_of_another_region_give_one_warning_per_listing_naming_both(fake_api):
    fake_api.add_jobs("cn-beijing", 250, RegionId="cn-hangzhou")  # two pages of another region's jobs
    fake_api.add_jobs("cn-beijing", 1, RegionId="cn-shanghai", AppId="cn-shanghai-app")
    with make_client() as client:
        listing = client.list_jobs(JobQuery("cn-beijing"))
    assert len(listing.jobs) == 251
    assert listing.warnings == [
        "region cn-beijing was asked for, but the API answered with job templates of region cn-hangzhou, cn-shanghai: "
        "check that the endpoint is region cn-beijing's (with {region} in it)."
    ]


def test_jobs_of_the_region_asked_give_no_warning(fake_api):
    fake_api.add_jobs("cn-beijing", 3)
    fake_api.add_jobs(
        "cn-beijing", 1, RegionId=None, AppId="no-region-app"
    )  # a gateway may leave the member out: nothing to compare
    with make_client() as client:
        assert client.list_jobs(JobQuery("cn-beijing")).warnings == []


def test_a_plain_http_endpoint_elsewhere_than_loopback_is_a_warning_of_the_client():
    with make_client(("cn-beijing", "cn-hangzhou"), endpoint="http://sae.{region}.example.invalid") as client:
        assert client.warnings == [
            "endpoint is plain http:// to sae.cn-beijing.example.invalid, sae.cn-hangzhou.example.invalid: the "
            "AccessKey ID, the security token and the job data travel unencrypted; use https://."
        ]
    with make_client(endpoint="http://127.0.0.1:1/{region}") as client:
        assert client.warnings == []


def test_a_gateway_answering_pages_of_100_when_200_were_asked_is_followed_to_the_last_job(fake_api):
    raw = fake_api.add_jobs("cn-beijing", 1000)
    fake_api.served_page_size = 100  # and Data.PageSize says 100
    with make_client() as client:
        listing = client.list_jobs(JobQuery("cn-beijing"), page_size=200)
    assert app_ids(listing.jobs) == [job["AppId"] for job in raw] and listing.total_size == 1000
    assert fake_api.pages_asked() == sorted(list(range(1, 11)) * 2)  # pages counted with its size, read twice
    assert {call["params"]["PageSize"] for call in fake_api.calls} == {"200"}


def test_a_listing_asks_no_more_pages_ahead_than_max_concurrency(fake_api, monkeypatch):
    fake_api.add_jobs("cn-beijing", 400)
    asked_ahead = []
    real_list_all = client_module.list_all

    def spy(*args, **kwargs):
        asked_ahead.append(kwargs["window"])
        return real_list_all(*args, **kwargs)

    monkeypatch.setattr(client_module, "list_all", spy)
    with make_client(max_concurrency=3) as client:
        assert len(client.list_jobs(JobQuery("cn-beijing"), page_size=10).jobs) == 400
    assert asked_ahead == [3]


def test_a_total_its_pages_contradict_is_refused_naming_the_region(fake_api):
    fake_api.add_jobs("cn-beijing", 150)
    real_answer = fake_api._answer

    def impossible_total(*args):
        response = real_answer(*args)
        document = json.loads(response.body)
        document["Data"]["TotalSize"] = 2_000_000_000
        response.body = json.dumps(document).encode()
        return response

    fake_api._answer = impossible_total
    with make_client() as client, pytest.raises(SaeApiError) as caught:
        client.list_jobs(JobQuery("cn-beijing"), page_size=200)
    assert (caught.value.code, caught.value.region) == ("InvalidResponse", "cn-beijing")
    assert "TotalSize 2000000000 at PageSize 200" in str(caught.value) and "region cn-beijing" in str(caught.value)
    assert fake_api.pages_asked() == [1] * 5


# --- hint: what a failed call's message adds about its usual cause: the credentials, a region without SAE ---

KEYS = {"access_key_id": AK_ID, "access_key_secret": SECRET}
SIGNATURE = SaeApiError("SignatureDoesNotMatch", "Specified signature is not matched.", "R1", 400, "cn-beijing")


@pytest.mark.parametrize(
    "params, source",
    [
        (KEYS, "credentials tried: explicit access_key_id/access_key_secret;"),
        ({"profile": "ops"}, "credentials tried: profile ops (~/.aliyun/config.json"),
        (dict(KEYS, role_arn="acs:ram::1:role/r"), "credentials tried: role_arn acs:ram::1:role/r (AssumeRole from"),
        ({}, "credentials tried: the alibabacloud-credentials default"),
    ],
)
def test_a_signature_error_names_the_credentials_and_the_usual_cause(params, source):
    text = hint(SIGNATURE, params)
    assert source in text
    assert text.endswith("; a wrong AccessKey secret is the usual cause")
    assert SECRET not in text


def test_the_environment_variable_the_access_key_came_from_is_named(monkeypatch):
    monkeypatch.setenv("ALICLOUD_ACCESS_KEY", AK_ID)
    assert hint(SIGNATURE, KEYS) == (
        "; credentials tried: explicit access_key_id/access_key_secret (access_key_id from the environment variable "
        "ALICLOUD_ACCESS_KEY); a wrong AccessKey secret is the usual cause"
    )
    monkeypatch.setenv("ALICLOUD_ACCESS_KEY", "another-key-id")
    assert "environment variable" not in hint(SIGNATURE, KEYS)


def test_other_credential_errors_name_the_credentials_only():
    error = SaeApiError("InvalidAccessKeyId.NotFound", "not found", "R2", 404, "cn-beijing")
    assert hint(error, KEYS) == "; credentials tried: explicit access_key_id/access_key_secret"


def test_invalid_action_says_the_region_may_not_offer_sae():
    error = SaeApiError("InvalidAction.NotFound", "Specified api is not found.", "R3", 404, "ap-nowhere-1")
    assert hint(error, KEYS) == "; region ap-nowhere-1 may not offer SAE, or the endpoint is wrong"


@pytest.mark.parametrize(
    "error",
    [
        SaeApiError("Throttling.User", "denied", "R4", 400, "cn-beijing"),
        SaeApiError("ConnectionError", "could not talk to 127.0.0.1:1"),
        SaeParameterError("page_size must be a whole number"),
    ],
)
def test_no_hint_for_the_other_errors(error):
    assert hint(error, KEYS) == ""
