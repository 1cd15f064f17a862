"""Fault injection: configuration (``Faults``) and the seeded decisions taken per request (``FaultInjector``).

Faults apply to SAE API requests only (never to STS or the control interface), after the
signature check: a throttled request has used its nonce, as a real gateway's would, so a
client must re-sign each retry.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import asdict, dataclass, field, fields

from .errors import ApiError
from .quota import THROTTLE_FORMS, flow_control_error

MALFORMED_KINDS = ("html", "truncated", "short_read", "text", "no_data", "success_false")

# HTTP status -> (Code, Message) used for a region failure given only as a status.
REGION_FAILURE_CODES = {
    400: ("InvalidParameter", "The specified parameter is not valid."),
    403: (
        "Forbidden.RAM",
        "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
    ),
    404: ("InvalidRegionId.NotFound", "The specified region does not exist."),
    429: ("Throttling.User", "Request was denied due to user flow control."),
    500: ("InternalError", "The request processing has failed due to some unknown error, exception or failure."),
    502: ("BadGateway", "The gateway could not reach the service."),
    503: ("ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
    504: ("GatewayTimeout", "The gateway timed out waiting for the service."),
}


def _rate(name: str, value: object) -> float:
    rate = float(value)  # type: ignore[arg-type]
    if not 0.0 <= rate <= 1.0:
        raise ValueError("%s must be between 0 and 1, got %r" % (name, value))
    return rate


def region_failure(spec: object) -> ApiError:
    """An ``ApiError`` from ``403``, ``"500"``, ``"403:Forbidden.RAM"`` or ``{"status", "code", "message"}``."""
    if isinstance(spec, dict):
        status, code, message = int(spec["status"]), spec.get("code"), spec.get("message")
    else:
        status_text, _separator, code = str(spec).partition(":")
        status, message = int(status_text), None
    if not 400 <= status <= 599:
        raise ValueError("a region failure needs a 4xx/5xx status, got %r" % (spec,))
    default_code, default_message = REGION_FAILURE_CODES.get(status, ("HTTP%d" % status, "Injected failure."))
    return ApiError(status, str(code or default_code), str(message or default_message))


@dataclass
class Faults:
    """What to inject. Rates are fractions of requests, drawn from ``random.Random(seed)``."""

    latency_ms: int = 0  # added to every SAE request before it is answered
    throttle_rate: float = 0.0  # answered Throttling.User, in ``throttle_form``
    retry_after: float | None = None  # seconds asked for with throttling, in the form's header and unit
    throttle_form: str = "acs"  # one of THROTTLE_FORMS: 400 + x-acs-retry-after (ms), "ratelimit", "429"
    error_rate: float = 0.0  # answered 503 ServiceUnavailable
    region_failures: dict = field(default_factory=dict)  # region -> 403 | "500" | "403:Code" | {...}
    hang_rate: float = 0.0  # connection accepted, never answered (until the server stops)
    malformed: str | None = None  # one of MALFORMED_KINDS
    malformed_rate: float = 1.0  # fraction of requests given the malformed answer when ``malformed`` is set
    after_requests: int = 0  # rate faults and malformed answers spare the first N SAE requests
    max_faults: int | None = None  # stop injecting rate faults after this many
    regions: list | None = None  # rate faults only in these regions (None: all)
    mutate_after: int | None = None  # after the Nth ListJobs request: delete one job, create one
    mutate_region: str | None = None  # region to mutate (and whose requests count); None: the request's
    mutate_delete: str | None = None  # AppId to delete; None: a seeded random job of the region
    mutate_create: bool = True
    seed: int = 0
    sparse: bool = False  # every SAE answer leaves out its null and empty members (see sparse.py); not drawn
    quota_rps: float | None = None  # account flow control: a bucket of N tokens refilled at N/s (see quota.py)
    reported_total_size: int | None = None  # every ListJobs answer says this TotalSize, whatever it lists
    served_page_size: int | None = None  # pages of at most this many jobs (and PageSize says so), whatever was asked

    def __post_init__(self) -> None:
        self.latency_ms = int(self.latency_ms)
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        for name in ("throttle_rate", "error_rate", "hang_rate", "malformed_rate"):
            setattr(self, name, _rate(name, getattr(self, name)))
        if self.retry_after is not None:
            self.retry_after = float(self.retry_after)
        if self.throttle_form not in THROTTLE_FORMS:
            raise ValueError(
                "throttle_form must be one of %s, got %r" % (", ".join(THROTTLE_FORMS), self.throttle_form)
            )
        for name, low in (("reported_total_size", 0), ("served_page_size", 1)):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < low):
                raise ValueError("%s must be a whole number of at least %d, got %r" % (name, low, value))
        if self.malformed is not None and self.malformed not in MALFORMED_KINDS:
            raise ValueError("malformed must be one of %s, got %r" % (", ".join(MALFORMED_KINDS), self.malformed))
        if not isinstance(self.region_failures, dict):
            raise ValueError("region_failures must map region -> failure")
        for spec in self.region_failures.values():
            region_failure(spec)  # validate now rather than on the first request
        self.after_requests = int(self.after_requests)
        if self.max_faults is not None:
            self.max_faults = int(self.max_faults)
        if self.mutate_after is not None:
            self.mutate_after = int(self.mutate_after)
            if self.mutate_after < 0:
                raise ValueError("mutate_after must be >= 0")
        if self.regions is not None:
            self.regions = [str(region) for region in self.regions]
        self.mutate_create = bool(self.mutate_create)
        if not isinstance(self.sparse, bool):
            raise ValueError("sparse must be true or false, got %r" % (self.sparse,))
        self.seed = int(self.seed)
        if self.quota_rps is not None:
            rate = float(self.quota_rps)
            if isinstance(self.quota_rps, bool) or not math.isfinite(rate) or rate <= 0:
                raise ValueError("quota_rps must be a number of requests/s above 0, got %r" % (self.quota_rps,))
            self.quota_rps = rate

    @classmethod
    def from_dict(cls, document: dict | None) -> Faults:
        document = dict(document or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(document) - known)
        if unknown:
            raise ValueError("unknown fault settings: %s (known: %s)" % (", ".join(unknown), ", ".join(sorted(known))))
        return cls(**document)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    kind: str  # "region" | "hang" | "throttle" | "error" | "malformed"
    error: ApiError | None = None
    malformed: str | None = None


class FaultInjector:
    """Thread-safe, seeded per-request decisions; ``configure`` restarts the sequence."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(faults or Faults())

    def configure(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults
            self._rng = random.Random(faults.seed)
            self._mutation_rng = random.Random(faults.seed + 1)
            self._sae_requests = 0
            self._list_requests = 0
            self._injected = 0
            self._mutated = False

    @property
    def latency_seconds(self) -> float:
        return self.faults.latency_ms / 1000.0

    def mutation_due(self, region: str) -> tuple | None:
        """Count one ListJobs request; ``(region, app_id_or_None, create, rng)`` once the mutation is due."""
        with self._lock:
            faults = self.faults
            if faults.mutate_after is None or self._mutated:
                return None
            if faults.mutate_region is not None and region != faults.mutate_region:
                return None
            self._list_requests += 1
            # The Nth request is answered from the old data; the mutation happens before the next one.
            if self._list_requests <= faults.mutate_after:
                return None
            self._mutated = True
            return (faults.mutate_region or region, faults.mutate_delete, faults.mutate_create, self._mutation_rng)

    def decide(self, region: str) -> Decision | None:
        with self._lock:
            faults = self.faults
            self._sae_requests += 1
            if region in faults.region_failures:
                return Decision("region", error=region_failure(faults.region_failures[region]))
            if self._sae_requests <= faults.after_requests:
                return None
            if faults.regions is not None and region not in faults.regions:
                return None
            if faults.max_faults is not None and self._injected >= faults.max_faults:
                return None
            decision = self._draw(faults)
            if decision is not None:
                self._injected += 1
            return decision

    def _draw(self, faults: Faults) -> Decision | None:
        # A rate of 0 draws nothing, so enabling one fault does not reshuffle another's sequence.
        if faults.hang_rate and self._rng.random() < faults.hang_rate:
            return Decision("hang")
        if faults.throttle_rate and self._rng.random() < faults.throttle_rate:
            return Decision("throttle", error=flow_control_error(faults.retry_after, faults.throttle_form))
        if faults.error_rate and self._rng.random() < faults.error_rate:
            error = ApiError(
                503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."
            )
            return Decision("error", error=error)
        if faults.malformed and (faults.malformed_rate >= 1.0 or self._rng.random() < faults.malformed_rate):
            return Decision("malformed", malformed=faults.malformed)
        return None
