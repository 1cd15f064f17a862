# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The client's share of the account's API quota, after botocore's adaptive retry mode.

No limit until the API throttles a call (or ``max_requests_per_second`` sets one). A throttling answer lowers the
rate to ``BETA`` times the rate the API accepted calls at over the last ``WINDOW`` (what the quota allowed just
before); the rate then climbs back as a CUBIC curve, flat near that rate and faster past it, so it dwells near the
quota and probes beyond it slowly. Sends are spaced ``1 / rate`` apart, with no burst: an account's bucket left with
tokens serves the account's other clients. A wait the gateway asks for holds every send of the client until it ends:
the quota is the account's, not one thread's.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Callable

BETA = 0.7  # after a throttling answer: this fraction of the rate accepted just before
SCALE = 0.4  # how fast the rate climbs back: requests/s per s**3 (CUBIC's C)
MIN_RATE = 0.5  # requests/s; never slower, whatever the measure
WINDOW = 1.0  # seconds of accepted calls the accepted rate is measured over


class RateLimiter:
    """One per client, shared by its threads: ``wait_turn`` before each send, then ``accepted`` or ``throttled``."""

    def __init__(
        self,
        ceiling: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._ceiling = ceiling  # max_requests_per_second: a hard limit from the first request on
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._last_send = -math.inf  # when the last limited send went out
        self._accepted: deque = deque(maxlen=1000)  # when the last calls were answered: over a second's worth
        self._peak: float | None = None  # the accepted rate at the last cut (None: never throttled)
        self._cut_at = -math.inf  # when the rate was last lowered
        self._throttled = 0
        self._held_until = -math.inf  # no send before then: the wait a throttling answer asked for

    def _rate(self, now: float) -> float | None:
        """The allowed rate at ``now``, None for no limit; the caller holds the lock."""
        if self._peak is None:
            return self._ceiling
        # CUBIC: BETA * peak at the cut, the peak again after ``plateau`` seconds, then faster and faster.
        plateau = (self._peak * (1 - BETA) / SCALE) ** (1 / 3)
        rate = max(MIN_RATE, self._peak + SCALE * (now - self._cut_at - plateau) ** 3)
        return rate if self._ceiling is None else min(rate, self._ceiling)

    def wait_turn(self) -> float:
        """Wait until a request may be sent, ``1 / rate`` after the one before at the rate of the moment; the time
        it is sent at (to give ``throttled``)."""
        while True:
            with self._lock:
                now = self._clock()
                rate = self._rate(now)
                wait = self._held_until - now
                if rate is None and wait <= 0:
                    return now  # nothing throttled and no ceiling: no waiting, no bookkeeping
                wait = wait if rate is None else max(wait, self._last_send + 1.0 / rate - now)
                if wait <= 0:
                    self._last_send = now
                    return now
            self._sleep(wait)  # then look again: the rate may have changed, another thread may have gone first

    def accepted(self) -> None:
        """A call was answered (not throttled)."""
        with self._lock:
            self._accepted.append(self._clock())

    def throttled(self, sent_at: float, hold: float = 0.0) -> None:
        """A call sent at ``sent_at`` was throttled: no send for the next ``hold`` seconds (the gateway's hint), and
        the rate lowered, once for all the calls sent before."""
        with self._lock:
            self._throttled += 1
            self._held_until = max(self._held_until, self._clock() + hold)
            if sent_at < self._cut_at:
                return  # sent before the last cut: that cut already answered the same excess
            now = self._clock()
            measured = sum(1 for answered in self._accepted if answered >= now - WINDOW) / WINDOW
            current = self._rate(now)
            self._peak = max(MIN_RATE, measured if current is None else min(measured, current))
            self._cut_at = now

    def as_dict(self) -> dict:
        """The calls throttled so far, and the rate allowed now (requests/s, None for no limit)."""
        with self._lock:
            rate = self._rate(self._clock())
            return {"throttled": self._throttled, "rate_limit": None if rate is None else round(rate, 2)}
