"""The account's flow control: one token bucket shared by every SAE request, as Alibaba Cloud meters an API
per account. Past it, a request is refused with 400 ``Throttling.User`` (the status real gateways use most)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from .errors import ApiError


def flow_control_error() -> ApiError:
    return ApiError(400, "Throttling.User", "Request was denied due to user flow control.")


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
