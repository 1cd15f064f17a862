"""Counters and a bounded request log, for tests and benchmarks to observe what clients did."""

from __future__ import annotations

import threading
import time
from collections import deque

# The largest listing the benchmarks make (20 000 jobs: 100 pages, read twice) is a few hundred requests
# between two resets; the log keeps the last 10 000.
REQUEST_LOG_SIZE = 10000


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.by_region: dict = {}
            self.by_action: dict = {}
            self.by_status: dict = {}
            self.by_code: dict = {}
            self.faults: dict = {}
            self.throttled = 0  # refused by the account's flow control (--quota-rps), not injected
            self.mutations: list = []
            self.in_flight = 0
            self.max_in_flight = 0
            self.log: deque = deque(maxlen=REQUEST_LOG_SIZE)

    def started(self, action: str, region: str | None) -> int:
        """Count one API request at arrival; returns its sequence number (1-based)."""
        with self._lock:
            self.requests += 1
            self.by_action[action] = self.by_action.get(action, 0) + 1
            if region is not None:
                self.by_region[region] = self.by_region.get(region, 0) + 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            return self.requests

    def finished(self, entry: dict) -> None:
        """Record the outcome: ``entry`` has seq, action, region, params (no secrets), status, code, fault and
        ``arrived``, the ``time.monotonic()`` of the request's arrival. ``answered`` is added on the same clock:
        now, when the answer is ready and written at once (after the emulated latency); None for a hang."""
        entry["answered"] = None if entry["status"] == 0 else time.monotonic()
        with self._lock:
            self.in_flight = max(0, self.in_flight - 1)
            status = str(entry["status"])
            self.by_status[status] = self.by_status.get(status, 0) + 1
            if entry.get("code"):
                self.by_code[entry["code"]] = self.by_code.get(entry["code"], 0) + 1
            if entry.get("throttled"):
                self.throttled += 1
            if entry.get("fault"):
                self.faults[entry["fault"]] = self.faults.get(entry["fault"], 0) + 1
            self.log.append(entry)

    def mutated(self, record: dict) -> None:
        with self._lock:
            self.mutations.append(record)

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "requests": self.requests,
                "by_region": dict(self.by_region),
                "by_action": dict(self.by_action),
                "by_status": dict(self.by_status),
                "by_code": dict(self.by_code),
                "faults": dict(self.faults),
                "throttled": self.throttled,
                "mutations": list(self.mutations),
                "in_flight": self.in_flight,
                "max_in_flight": self.max_in_flight,
            }

    def entries(self) -> list:
        with self._lock:
            return [dict(entry) for entry in self.log]
