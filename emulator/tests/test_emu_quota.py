"""The account's flow control (``quota_rps``): a token bucket on the emulator's clock, counted apart from the
injected faults, set at start or at run time."""

from __future__ import annotations

import time

import pytest
import requests
from emu_helpers import call, error_code

from sae_emulator import EmulatorServer, Faults
from sae_emulator.quota import AccountQuota

FLOW_CONTROL = ("Throttling.User", "Request was denied due to user flow control.")


class FrozenClock:
    """Real time, standing still until ``advance``: signatures stay fresh, the bucket refills only when told."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def answers(server, count: int) -> list:
    return [call(server).status_code for _unused in range(count)]


def test_past_the_bucket_requests_are_refused_with_the_flow_control_error_until_it_refills():
    clock = FrozenClock()
    with EmulatorServer(faults={"quota_rps": 4}, clock=clock) as server:
        assert answers(server, 4) == [200] * 4  # a full bucket: N requests at once
        refused = call(server)
        assert refused.status_code == 400
        assert (error_code(refused), refused.json()["Message"]) == FLOW_CONTROL
        clock.advance(1 / 4)  # one token back
        assert answers(server, 2) == [200, 400]
        clock.advance(60)  # never more than N tokens
        assert answers(server, 5) == [200, 200, 200, 200, 400]
        stats = server.stats()
    assert stats["throttled"] == 3
    assert stats["faults"] == {}  # not an injected fault
    assert stats["by_status"] == {"200": 9, "400": 3} and stats["by_code"] == {"Throttling.User": 3}
    assert [entry.get("throttled", False) for entry in server.requests()][3:6] == [False, True, False]


def test_refused_requests_do_not_use_up_the_injected_faults_sequence():
    clock = FrozenClock()
    with EmulatorServer(faults={"quota_rps": 1, "throttle_rate": 1.0, "max_faults": 1}, clock=clock) as server:
        first = call(server)  # a token: then the injected fault (no wait asked for: no hint header)
        assert first.status_code == 400 and "x-acs-retry-after" not in first.headers
        assert call(server).status_code == 400  # no token: flow control, before any fault is drawn
        clock.advance(1)
        assert call(server).status_code == 200  # the one injected fault is spent; a token again
        stats = server.stats()
    assert (stats["throttled"], stats["faults"]) == (1, {"throttle": 1})


def test_the_quota_is_set_and_lifted_at_run_time_through_the_control_interface():
    clock = FrozenClock()
    with EmulatorServer(clock=clock) as server:
        assert answers(server, 5) == [200] * 5  # no quota by default
        url = server.control_url + "/faults"
        assert requests.post(url, json={"quota_rps": 2}, timeout=5).json()["quota_rps"] == 2.0
        assert answers(server, 3) == [200, 200, 400]
        requests.post(url + "?merge=true", json={"latency_ms": 0}, timeout=5)  # a new configuration: a full bucket
        assert answers(server, 3) == [200, 200, 400]
        assert requests.post(url, json={}, timeout=5).json()["quota_rps"] is None
        assert answers(server, 5) == [200] * 5
        assert server.stats()["throttled"] == 2


@pytest.mark.parametrize("value", [0, -1, True, "many"])
def test_a_quota_must_be_a_rate_above_zero(value):
    with pytest.raises(ValueError):
        Faults(quota_rps=value)


def test_the_bucket_refills_at_the_rate_and_a_clock_set_back_refills_nothing():
    clock = FrozenClock()
    quota = AccountQuota(clock, 2.0)
    assert [quota.take() for _unused in range(3)] == [True, True, False]
    clock.advance(0.25)  # half a token
    assert quota.take() is False
    clock.advance(0.25)
    assert quota.take() is True
    clock.advance(-100)
    assert quota.take() is False
    unlimited = AccountQuota(clock)
    assert all(unlimited.take() for _unused in range(1000))


def test_a_quota_below_one_request_per_second_still_lets_one_through():
    clock = FrozenClock()
    quota = AccountQuota(clock, 0.5)
    assert [quota.take(), quota.take()] == [True, False]
    clock.advance(2)
    assert quota.take() is True


def test_a_refused_request_is_told_in_x_acs_retry_after_how_long_until_the_next_token():
    clock = FrozenClock()
    with EmulatorServer(faults={"quota_rps": 4}, clock=clock) as server:
        assert answers(server, 4) == [200] * 4
        refused = call(server)
        assert refused.status_code == 400 and refused.headers["x-acs-retry-after"] == "250"  # 1 token at 4/s
        assert refused.json()["Recommend"].startswith("https://api.aliyun.com/troubleshoot?q=Throttling.User&")
        clock.advance(0.2)
        assert call(server).headers["x-acs-retry-after"] == "50"
