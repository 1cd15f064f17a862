from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import requests
from emu_helpers import Creds, call, error_code, job_params

from sae_emulator import EmulatorServer, Faults, app, data, listjobs


def wait_for_hangs(server, count: int, deadline_seconds: float = 30) -> None:
    """Poll the emulator's stats until ``count`` requests have been held ("hang" faults), or fail."""
    deadline = time.monotonic() + deadline_seconds
    while server.stats()["faults"].get("hang", 0) < count:
        assert time.monotonic() < deadline, "no held request within %s s: %s" % (deadline_seconds, server.stats())
        time.sleep(0.01)


def statuses(server, count: int, region=None) -> list:
    return [call(server, region=region).status_code for _unused in range(count)]


def test_latency_is_added():
    with EmulatorServer(faults={"latency_ms": 150}) as server:
        started = time.perf_counter()
        assert call(server).status_code == 200
        assert time.perf_counter() - started >= 0.15  # a lower bound only: a loaded machine cannot break it


class LatencyWaits(threading.Event):
    """Stands in for the emulator's stop event: records each latency wait asked for; ``during`` runs inside it."""

    def __init__(self, during=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.asked: list = []
        self._during = during

    def wait(self, timeout=None):  # type: ignore[no-untyped-def]
        self.asked.append(timeout)
        if self._during is not None:
            self._during()
        return self.is_set()


def test_latency_includes_the_emulators_own_work(monkeypatch):
    """The latency is request to answer, as a real server's round trip: after 400 ms of work, 100 ms more of 500."""
    clock = [1000.0]
    monkeypatch.setattr(app, "time", SimpleNamespace(monotonic=lambda: clock[0]))  # the emulator's clock only
    slow_answer = listjobs.answer

    def answer(*args, **kwargs):
        clock[0] += 0.4  # 400 ms of work, on the emulator's clock
        return slow_answer(*args, **kwargs)

    monkeypatch.setattr(listjobs, "answer", answer)
    with EmulatorServer(faults={"latency_ms": 500}) as server:
        waits = LatencyWaits()
        monkeypatch.setattr(server.emulator, "stop_event", waits)
        assert call(server).status_code == 200
    assert waits.asked == [pytest.approx(0.1)]  # added one after the other, it would be 0.5


def test_the_request_log_says_when_each_request_arrived_and_was_answered():
    """On the emulator's monotonic clock (this process's, in process): what the benchmarks count round trips by."""
    with EmulatorServer(faults={"latency_ms": 200}) as server:
        before = time.monotonic()
        assert call(server).status_code == 200
        assert call(server).status_code == 200
        after = time.monotonic()
        first, second = server.requests()
    assert before <= first["arrived"] <= first["answered"] - 0.2
    assert first["answered"] <= second["arrived"] <= second["answered"] - 0.2
    assert second["answered"] <= after


def test_small_answers_go_out_without_nagles_delay():
    """Headers and body are two writes: with Nagle's algorithm each small answer waited ~40 ms for an ACK."""
    with EmulatorServer(dataset=data.generate(jobs=5, seed=4)) as server, requests.Session() as session:
        assert call(server, job_params(PageSize=1), session=session).status_code == 200  # connected, kept alive
        (connection,) = server._httpd._connections
        assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_concurrent_requests_with_latency_are_not_serialised(monkeypatch):
    count = 25
    # Every request's latency wait must be under way at once for the barrier to let any of them go.
    barrier = threading.Barrier(count, timeout=60)
    with EmulatorServer(dataset=data.generate(jobs=400, seed=4), faults={"latency_ms": 600}) as server:
        monkeypatch.setattr(server.emulator, "stop_event", LatencyWaits(during=barrier.wait))
        with ThreadPoolExecutor(max_workers=count) as pool:
            pages = list(pool.map(lambda n: call(server, job_params(CurrentPage=n, PageSize=5)), range(1, count + 1)))
        assert [response.status_code for response in pages] == [200] * count
        assert server.stats()["max_in_flight"] == count


def test_throttling_answers_400_with_recommend_and_x_acs_retry_after_in_ms_by_default():
    with EmulatorServer(faults={"throttle_rate": 1.0, "retry_after": 2.5}) as server:
        response = call(server)
        assert response.status_code == 400 and error_code(response) == "Throttling.User"
        assert response.json()["Message"] == "Request was denied due to user flow control."
        assert response.json()["Recommend"].startswith("https://api.aliyun.com/troubleshoot?q=Throttling.User&")
        assert response.headers["x-acs-retry-after"] == "2500"
        assert "Retry-After" not in response.headers and "x-ratelimit-user-api" not in response.headers
        assert server.stats()["faults"] == {"throttle": 1}


def test_throttling_in_the_older_sdks_x_ratelimit_user_api_form():
    with EmulatorServer(faults={"throttle_rate": 1.0, "retry_after": 2, "throttle_form": "ratelimit"}) as server:
        before = int(time.time())
        response = call(server)
        assert response.status_code == 400 and error_code(response) == "Throttling.User"
        limit, remain, time_left, reset = response.headers["x-ratelimit-user-api"].split(",")
        assert (limit, remain, time_left) == ("Limit:1", "Remain:0", "TimeLeft:2000")
        assert before + 1 <= int(reset.split(":")[1]) <= before + 3
        assert "x-acs-retry-after" not in response.headers


def test_throttling_answers_429_with_retry_after_as_an_option():
    with EmulatorServer(faults={"throttle_rate": 1.0, "retry_after": 2, "throttle_form": "429"}) as server:
        response = call(server)
        assert response.status_code == 429 and error_code(response) == "Throttling.User"
        assert response.headers["Retry-After"] == "2"
        assert "x-acs-retry-after" not in response.headers


@pytest.mark.parametrize("form", ["acs", "ratelimit", "429"])
def test_throttling_without_a_wait_sends_no_hint_header(form):
    with EmulatorServer(faults=Faults(throttle_rate=1.0, throttle_form=form)) as server:
        response = call(server)
        assert response.status_code == (429 if form == "429" else 400)
        assert not {"retry-after", "x-acs-retry-after", "x-ratelimit-user-api"} & {h.lower() for h in response.headers}


def test_error_rate_answers_503():
    with EmulatorServer(faults={"error_rate": 1.0}) as server:
        response = call(server)
        assert response.status_code == 503 and error_code(response) == "ServiceUnavailable"


def test_max_faults_and_after_requests_bound_the_faults():
    with EmulatorServer(faults={"throttle_rate": 1.0, "max_faults": 2}) as server:
        assert statuses(server, 4) == [400, 400, 200, 200]
    with EmulatorServer(faults={"error_rate": 1.0, "after_requests": 2}) as server:
        assert statuses(server, 4) == [200, 200, 503, 503]


def test_seeded_faults_are_reproducible():
    settings = {"throttle_rate": 0.3, "error_rate": 0.3, "seed": 7}
    with EmulatorServer(faults=settings) as server:
        first = statuses(server, 30)
        server.set_faults(settings)  # restarts the sequence
        again = statuses(server, 30)
    with EmulatorServer(faults=settings) as other:
        third = statuses(other, 30)
    assert first == again == third
    assert {200, 400, 503} <= set(first)
    with EmulatorServer(faults=dict(settings, seed=8)) as other_seed:
        assert statuses(other_seed, 30) != first


def test_region_failures():
    failures = {"cn-beijing": 403, "cn-shanghai": "500", "cn-hangzhou": "404:InvalidNamespace.NotFound"}
    with EmulatorServer(faults={"region_failures": failures}) as server:
        response = call(server, region="cn-beijing")
        assert response.status_code == 403 and error_code(response) == "Forbidden.RAM"
        response = call(server, region="cn-shanghai")
        assert response.status_code == 500 and error_code(response) == "InternalError"
        response = call(server, region="cn-hangzhou")
        assert response.status_code == 404 and error_code(response) == "InvalidNamespace.NotFound"
        assert call(server, region="eu-central-1").status_code == 200


def test_rate_faults_can_be_limited_to_regions():
    with EmulatorServer(faults={"error_rate": 1.0, "regions": ["cn-beijing"]}) as server:
        assert call(server, region="cn-beijing").status_code == 503
        assert call(server, region="cn-hangzhou").status_code == 200


def test_faults_come_after_the_signature_check():
    with EmulatorServer(faults={"throttle_rate": 1.0}) as server:
        response = call(server, creds=Creds("LTAI5tSAEEmulatorDemo", "wrong"))
        assert error_code(response) == "SignatureDoesNotMatch"


def test_faults_do_not_touch_sts_or_control(tmp_path):
    with EmulatorServer(faults={"error_rate": 1.0}) as server:
        control = requests.get(server.control_url + "/stats", timeout=5)
        assert control.status_code == 200
        response = requests.get("http://127.0.0.1:%d/?Action=AssumeRole" % server.port, timeout=5)
        assert response.json()["Code"] == "MissingParameter"  # answered by STS, not by a fault


def test_hang_holds_the_connection_until_faults_change():
    with EmulatorServer(faults={"hang_rate": 1.0}) as server:
        with pytest.raises(requests.exceptions.ReadTimeout):
            call(server, timeout=0.5)
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(call, server, None, None, timeout=10)
            wait_for_hangs(server, 2)  # the request arrived and is held
            assert not pending.done()
            server.set_faults()  # releases the held connection: closed without an answer
            with pytest.raises(requests.exceptions.ConnectionError):
                pending.result(timeout=5)
        assert call(server).status_code == 200
        assert server.stats()["faults"] == {"hang": 2}
        # a hung request was never answered; the one after the release was
        assert [entry["answered"] is None for entry in server.requests()] == [True, True, False]


def test_stop_releases_hung_connections_quickly():
    server = EmulatorServer(faults={"hang_rate": 1.0}).start()
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(call, server, None, None, timeout=10)
        wait_for_hangs(server, 1)  # the request arrived and is held
        assert not pending.done()
        server.stop()
        # Cut by stop(), not by the client's own 10 s timeout (which would leave result() waiting past 5 s).
        with pytest.raises(requests.exceptions.ConnectionError):
            pending.result(timeout=5)


def malformed(kind: str) -> EmulatorServer:
    return EmulatorServer(faults={"malformed": kind})


def test_malformed_html_error_page():
    with malformed("html") as server:
        response = call(server)
        assert response.status_code == 502 and response.headers["Content-Type"].startswith("text/html")
        assert response.text.lstrip().startswith("<!DOCTYPE html>")


def test_malformed_truncated_json():
    with malformed("truncated") as server:
        response = call(server)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
        assert int(response.headers["Content-Length"]) == len(response.content)
        with pytest.raises(ValueError):
            json.loads(response.content)
        assert response.content.startswith(b'{"Message": "success"')


def test_malformed_short_read_cuts_the_connection():
    with malformed("short_read") as server:
        for _unused in range(2):  # each on a fresh connection: the server keeps serving
            with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
                call(server)
        server.set_faults()
        assert call(server).status_code == 200


def test_malformed_non_json_text():
    with malformed("text") as server:
        response = call(server)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
        with pytest.raises(ValueError):
            json.loads(response.content)


def test_malformed_json_without_data():
    with malformed("no_data") as server:
        document = call(server).json()
        assert "Data" not in document and document["Success"] is True


def test_malformed_success_false_with_http_200():
    with malformed("success_false") as server:
        response = call(server)
        assert response.status_code == 200
        document = response.json()
        assert document["Success"] is False and document["Code"] != "200" and "Data" not in document


def test_malformed_rate_with_seed():
    with EmulatorServer(faults={"malformed": "text", "malformed_rate": 0.5, "seed": 3}) as server:
        kinds = [call(server).headers["Content-Type"].split(";")[0] for _unused in range(20)]
        assert {"text/plain", "application/json"} == set(kinds)


def test_mutation_during_listing_shifts_offset_pages():
    dataset = data.generate(jobs=40, regions=["cn-beijing"], seed=8)
    with EmulatorServer(dataset=dataset, default_region="cn-beijing") as server:
        before = [job["AppId"] for job in server.jobs("cn-beijing")]
        victim = before[2]
        server.set_faults(mutate_after=1, mutate_delete=victim)
        page1 = call(server, job_params(CurrentPage=1, PageSize=5)).json()
        page2 = call(server, job_params(CurrentPage=2, PageSize=5)).json()
        after = [job["AppId"] for job in server.jobs("cn-beijing")]
        assert [job["AppId"] for job in page1["Data"]["Applications"]] == before[:5]
        # One job before the offset vanished: page 2 starts one later, so before[5] is skipped.
        assert [job["AppId"] for job in page2["Data"]["Applications"]] == before[6:11]
        assert victim not in after and len(after) == len(before)
        mutation = server.stats()["mutations"]
        assert len(mutation) == 1 and mutation[0]["deleted"] == victim and mutation[0]["after_request"] == 1
        assert after[-1] == mutation[0]["created"]
        assert page2["TotalSize"] == page1["TotalSize"] == 40
        # Once only.
        call(server)
        assert len(server.stats()["mutations"]) == 1


def test_random_mutation_is_seeded():
    dataset = data.generate(jobs=30, regions=["cn-beijing", "cn-hangzhou"], seed=8)
    results = []
    for _unused in range(2):
        with EmulatorServer(
            dataset=dataset, faults={"mutate_after": 0, "mutate_region": "cn-hangzhou", "seed": 5}
        ) as server:
            call(server, region="cn-beijing")  # another region's requests neither count nor get mutated
            assert server.stats()["mutations"] == []
            call(server, region="cn-hangzhou")
            results.append(server.stats()["mutations"])
    assert results[0] == results[1] and results[0][0]["deleted"] and results[0][0]["region"] == "cn-hangzhou"


def test_mutation_without_create():
    with EmulatorServer(faults={"mutate_after": 0, "mutate_create": False}) as server:
        before = len(server.jobs("cn-hangzhou"))
        assert call(server).json()["TotalSize"] == before - 1


@pytest.mark.parametrize(
    "settings",
    [
        {"throttle_rate": 1.5},
        {"error_rate": -0.1},
        {"malformed": "xml"},
        {"region_failures": {"cn-beijing": 200}},
        {"region_failures": {"cn-beijing": "oops"}},
        {"latency_ms": -1},
        {"no_such_setting": 1},
    ],
)
def test_bad_fault_settings_are_refused(settings):
    with pytest.raises((ValueError, TypeError)):
        Faults.from_dict(settings)


def test_update_faults_keeps_other_settings(demo_server):
    demo_server.set_faults(latency_ms=10, throttle_rate=0.5)
    demo_server.update_faults(throttle_rate=0.0)
    assert demo_server.faults.latency_ms == 10 and demo_server.faults.throttle_rate == 0.0
    demo_server.set_faults(error_rate=0.1)
    assert demo_server.faults.latency_ms == 0


def test_an_impossible_total_size_is_reported_on_every_answer_as_asked():
    with EmulatorServer(
        dataset={"regions": {"cn-hangzhou": []}}, faults={"reported_total_size": 2_000_000_000}
    ) as server:
        document = call(server, job_params(PageSize=200)).json()
        assert document["TotalSize"] == document["Data"]["TotalSize"] == 2_000_000_000
        assert document["Data"]["Applications"] == []
    with EmulatorServer(faults={"reported_total_size": 2_000_000_000, "sparse": True}) as server:
        assert call(server, job_params(PageSize=2)).json()["Data"]["TotalSize"] == 2_000_000_000


def test_a_smaller_page_size_than_asked_is_served_and_said():
    with EmulatorServer(faults={"served_page_size": 3}) as server:
        everything = call(server, job_params(PageSize=200)).json()
        assert (everything["PageSize"], everything["Data"]["PageSize"]) == (3, 3)
        assert len(everything["Data"]["Applications"]) == 3
        second = call(server, job_params(PageSize=200, CurrentPage=2)).json()["Data"]
        third = call(server, job_params(PageSize=2, CurrentPage=2)).json()["Data"]  # a smaller one is kept
    with EmulatorServer() as plain:
        expected = [job["AppId"] for job in call(plain, job_params(PageSize=10)).json()["Data"]["Applications"]]
    assert [job["AppId"] for job in second["Applications"]] == expected[3:6]
    assert third["PageSize"] == 2 and [job["AppId"] for job in third["Applications"]] == expected[2:4]


@pytest.mark.parametrize(
    "settings",
    [
        {"throttle_form": "503"},
        {"reported_total_size": -1},
        {"reported_total_size": True},
        {"served_page_size": 0},
        {"served_page_size": "10"},
    ],
)
def test_new_fault_settings_are_checked(settings):
    with pytest.raises(ValueError):
        Faults.from_dict(settings)
