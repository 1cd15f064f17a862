# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The adaptive rate limiter, on a fake clock: no real sleep anywhere."""

from __future__ import annotations

import pytest

from ansible_collections.alicloud.sae.plugins.module_utils.ratelimit import BETA, MIN_RATE, SCALE, RateLimiter
from ansible_collections.alicloud.sae.tests.unit.utils import FakeClock


def make_limiter(ceiling=None):
    clock = FakeClock()
    return RateLimiter(ceiling, clock=clock, sleep=clock.sleep), clock


def send_times(limiter, count):
    return [limiter.wait_turn() for _unused in range(count)]


def gaps(times):
    return [later - earlier for earlier, later in zip(times[:-1], times[1:], strict=True)]


def throttled_after_accepting(limiter, clock, accepted):
    """``accepted`` calls answered within the last second, then a call sent now is throttled."""
    for _unused in range(accepted):
        limiter.accepted()
        clock.advance(0.01)
    limiter.throttled(limiter.wait_turn())


def test_nothing_is_limited_until_a_call_is_throttled():
    limiter, clock = make_limiter()
    for _unused in range(100):
        assert limiter.wait_turn() == clock.now
        limiter.accepted()
    assert clock.sleeps == []
    assert limiter.as_dict() == {"throttled": 0, "rate_limit": None}


def test_a_ceiling_spaces_every_request_from_the_first_on():
    limiter, clock = make_limiter(ceiling=4.0)
    start = clock.now
    times = send_times(limiter, 5)
    assert times[0] == start  # the first request goes at once
    assert gaps(times) == pytest.approx([0.25] * 4)
    assert limiter.as_dict() == {"throttled": 0, "rate_limit": 4.0}


def test_a_throttled_call_lowers_the_rate_to_beta_times_the_rate_accepted_over_the_last_second():
    limiter, clock = make_limiter()
    throttled_after_accepting(limiter, clock, 10)
    assert limiter.as_dict() == {"throttled": 1, "rate_limit": pytest.approx(10 * BETA)}
    spacing = gaps(send_times(limiter, 4))
    assert spacing[0] == pytest.approx(1 / (10 * BETA))
    assert spacing == sorted(spacing, reverse=True)  # and closer and closer as the rate climbs back


def test_calls_accepted_more_than_a_second_before_do_not_count():
    limiter, clock = make_limiter()
    for _unused in range(10):
        limiter.accepted()
    clock.advance(2.0)
    throttled_after_accepting(limiter, clock, 3)
    assert limiter.as_dict()["rate_limit"] == pytest.approx(3 * BETA)


def test_calls_sent_before_the_rate_was_lowered_do_not_lower_it_again():
    limiter, clock = make_limiter()
    burst = send_times(limiter, 20)  # all at once: nothing is limited yet
    clock.advance(0.05)  # the answers come back
    for _unused in range(10):
        limiter.accepted()
    for sent_at in burst[10:]:  # the other ten come back throttled
        limiter.throttled(sent_at)
    assert limiter.as_dict() == {"throttled": 10, "rate_limit": pytest.approx(10 * BETA)}
    # A call sent after the cut and throttled too: the rate went past the quota again.
    limiter.throttled(limiter.wait_turn())
    assert limiter.as_dict()["throttled"] == 11
    assert limiter.as_dict()["rate_limit"] < 10 * BETA * 0.75


def test_the_rate_climbs_back_to_where_it_was_cut_then_past_it():
    limiter, clock = make_limiter()
    throttled_after_accepting(limiter, clock, 10)
    plateau = (10 * (1 - BETA) / SCALE) ** (1 / 3)
    rates = []
    for _unused in range(12):
        rates.append(limiter.as_dict()["rate_limit"])
        clock.advance(0.5)
    assert rates[0] == pytest.approx(7.0)
    assert rates == sorted(rates)  # never lower while nothing is throttled
    clock.now -= 12 * 0.5 - plateau
    assert limiter.as_dict()["rate_limit"] == pytest.approx(10.0)  # flat near the rate that was too much
    clock.advance(2.0)
    assert limiter.as_dict()["rate_limit"] == pytest.approx(10.0 + SCALE * 8)


def test_the_ceiling_caps_the_adaptive_rate_and_what_it_is_cut_from():
    limiter, clock = make_limiter(ceiling=5.0)
    throttled_after_accepting(limiter, clock, 10)  # accepted 10/s at most, but allowed only 5
    assert limiter.as_dict()["rate_limit"] == pytest.approx(5.0 * BETA)
    clock.advance(60)
    assert limiter.as_dict()["rate_limit"] == 5.0


def test_the_rate_never_falls_below_the_minimum():
    limiter, clock = make_limiter()
    limiter.throttled(limiter.wait_turn())  # the very first call: nothing accepted yet
    assert limiter.as_dict()["rate_limit"] == MIN_RATE
    assert gaps(send_times(limiter, 2)) == pytest.approx([1 / MIN_RATE])


def test_a_waiting_send_goes_at_the_rate_of_the_moment_it_goes():
    """Sends queued while the rate was low go out faster once it has climbed: nothing is booked in advance."""
    limiter, clock = make_limiter()
    throttled_after_accepting(limiter, clock, 10)
    first = gaps(send_times(limiter, 3))
    clock.advance(5.0)  # the rate has climbed well past the cut
    later = gaps(send_times(limiter, 3))
    assert later[-1] < first[-1] / 2


def test_a_hinted_wait_holds_every_send_even_without_a_rate_limit_yet():
    limiter, clock = make_limiter()
    sent_at = limiter.wait_turn()
    limiter.throttled(sent_at, hold=2.5)  # the gateway asked for 2.5 s
    # every later send, of any thread, waits for the end of the hold; the limiter's spacing applies after it
    times = send_times(limiter, 3)
    assert times[0] == pytest.approx(sent_at + 2.5)
    assert all(gap > 0 for gap in gaps(times))
    assert limiter.as_dict()["throttled"] == 1


def test_a_hold_is_never_shortened_by_a_later_shorter_one_and_counts_as_any_throttle():
    limiter, clock = make_limiter(ceiling=100.0)
    first, second = limiter.wait_turn(), limiter.wait_turn()
    limiter.throttled(first, hold=5.0)
    limiter.throttled(second, hold=1.0)  # sent before the cut: lowers nothing more, and cannot shorten the hold
    assert limiter.wait_turn() >= first + 5.0
    assert limiter.as_dict()["throttled"] == 2


def test_a_hold_makes_other_threads_wait_too():
    import threading
    import time as real_time

    limiter = RateLimiter()
    limiter.throttled(limiter.wait_turn(), hold=0.3)
    started = real_time.monotonic()
    waited = []
    threads = [threading.Thread(target=lambda: waited.append(limiter.wait_turn() - started)) for _n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert len(waited) == 4 and min(waited) >= 0.29
