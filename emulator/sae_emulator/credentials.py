"""Access keys the emulator accepts: the documented demo key, extra keys, and STS sessions it issued.

The demo key is deliberately public (documented in README.md); it only works against the emulator.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

DEMO_ACCESS_KEY_ID = "LTAI5tSAEEmulatorDemo"
DEMO_ACCESS_KEY_SECRET = "emulator-demo-secret-do-not-use-in-prod"
# The account id in the role ARNs and AssumedRoleId values the emulator hands out.
DEMO_ACCOUNT_ID = "1234567890123456"

_ALPHANUM = string.ascii_letters + string.digits


@dataclass
class StsSession:
    """Temporary credentials issued by AssumeRole; valid only together with their security token."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str = field(repr=False)
    expiration: float
    role_arn: str
    session_name: str


class KeyStore:
    """Thread-safe lookup of permanent keys and issued STS sessions."""

    def __init__(self, extra_keys: dict | None = None, clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.Lock()
        self._keys: dict = {DEMO_ACCESS_KEY_ID: DEMO_ACCESS_KEY_SECRET}
        self._keys.update(extra_keys or {})
        self._sessions_by_token: dict = {}
        self._sessions_by_id: dict = {}
        self._clock = clock

    def add_key(self, access_key_id: str, access_key_secret: str) -> None:
        with self._lock:
            self._keys[access_key_id] = access_key_secret

    def key_ids(self) -> list:
        with self._lock:
            return sorted(self._keys)

    def permanent_secret(self, access_key_id: str) -> str | None:
        with self._lock:
            return self._keys.get(access_key_id)

    def session_by_id(self, access_key_id: str) -> StsSession | None:
        with self._lock:
            return self._sessions_by_id.get(access_key_id)

    def session_by_token(self, token: str) -> StsSession | None:
        with self._lock:
            return self._sessions_by_token.get(token)

    def issue(self, role_arn: str, session_name: str, duration_seconds: int) -> StsSession:
        # Random (not seeded) on purpose: these are secrets, and tests never need to predict them.
        session = StsSession(
            access_key_id="STS." + "".join(secrets.choice(_ALPHANUM) for _unused in range(25)),
            access_key_secret="".join(secrets.choice(_ALPHANUM) for _unused in range(44)),
            security_token="CAIS" + secrets.token_urlsafe(96),
            expiration=self._clock() + duration_seconds,
            role_arn=role_arn,
            session_name=session_name,
        )
        with self._lock:
            self._sessions_by_id[session.access_key_id] = session
            self._sessions_by_token[session.security_token] = session
        return session

    def expire_sessions(self) -> int:
        """Make every issued STS session expired (tests of token expiry); returns how many."""
        with self._lock:
            past = self._clock() - 1
            for session in self._sessions_by_id.values():
                session.expiration = past
            return len(self._sessions_by_id)

    def session_count(self) -> int:
        with self._lock:
            return len(self._sessions_by_id)

    def is_expired(self, session: StsSession) -> bool:
        return session.expiration <= self._clock()


class NonceStore:
    """Remembers signature nonces for the timestamp window, so a replay inside it is refused."""

    def __init__(self, window_seconds: float, clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.Lock()
        self._seen: dict = {}
        self._window = window_seconds
        self._clock = clock
        self._next_prune = 0.0

    def use(self, scope: str, nonce: str) -> bool:
        """Record ``nonce``; False if it was already used in the window."""
        now = self._clock()
        key = (scope, nonce)
        with self._lock:
            if now >= self._next_prune:
                # Outside the window the timestamp check refuses the request anyway: forget old nonces.
                horizon = now - 2 * self._window
                self._seen = {k: t for k, t in self._seen.items() if t >= horizon}
                self._next_prune = now + 60
            if key in self._seen:
                return False
            self._seen[key] = now
            return True

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
