"""The account's flow control: one token bucket shared by every SAE request, as Alibaba Cloud meters an API
per account. Past it, a request is refused with 400 ``Throttling.User`` and the wait until the next token in
``x-acs-retry-after`` (ms), as darabonba-openapi's tests of flow control show it."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from .errors import ApiError

FLOW_CONTROL = ("Throttling.User", "Request was denied due to user flow control.")
# The forms of a throttling answer: status and the header the wait (in seconds) goes into, in its unit.
THROTTLE_FORMS = {
    "acs": (400, "x-acs-retry-after", lambda wait: "%d" % math.ceil(wait * 1000)),  # the SDK since mid-2026
    "ratelimit": (
        400,
        "x-ratelimit-user-api",
        lambda wait: "Limit:1,Remain:0,TimeLeft:%d,Reset:%d" % (math.ceil(wait * 1000), int(time.time() + wait)),
    ),  # older SDKs
    "429": (429, "Retry-After", lambda wait: "%g" % wait),  # HTTP's own form: no vendor SDK reads it
}


def flow_control_error(wait: float | None = None, form: str = "acs") -> ApiError:
    """The throttling answer in ``form``, asking for ``wait`` seconds (no header when None)."""
    status, header, render = THROTTLE_FORMS[form]
    return ApiError(status, *FLOW_CONTROL, headers={} if wait is None else {header: render(wait)})


class AccountQuota:
    """At most ``rps`` tokens (one a request), refilled at ``rps`` per second; no limit when ``rps`` is None."""

    def __init__(self, clock: Callable[[], float], rps: float | None = None) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.configure(rps)

    def configure(self, rps: float | None) -> None:
        """A new quota starts with a full bucket."""
        with self._lock:
            self._rps = rps
            self._capacity = max(1.0, rps or 0.0)  # below 1 request/s, a bucket of one token: one request
            self._tokens = self._capacity
            self._refilled_at = self._clock()

    def wait(self) -> float:
        """Seconds until the next token (after a ``take`` that found none)."""
        with self._lock:
            return max(0.0, (1.0 - self._tokens) / self._rps) if self._rps else 0.0

    def take(self) -> bool:
        """Whether a request may be served now (it then uses a token)."""
        with self._lock:
            if self._rps is None:
                return True
            now = self._clock()
            elapsed = max(0.0, now - self._refilled_at)  # a clock set back refills nothing
            self._tokens = min(self._capacity, self._tokens + elapsed * self._rps)
            self._refilled_at = now
            if self._tokens < 1.0:
                return False
            self._tokens -= 1.0
            return True
