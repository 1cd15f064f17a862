"""ACS3-HMAC-SHA256 (signature V3) verification of ROA requests, with the gateway's error codes.

The expected signature is computed by ``signature.SignatureScheme`` (the vendor SDK's signer, or an
independent one: never the collection's own code) from what arrived: the path as sent, the query decoded
as a form (``+`` is a space, as the vendor SDK sends it) and re-canonicalised, and the values of the
headers the client says it signed.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .credentials import KeyStore, NonceStore, StsSession
from .errors import ApiError, api_not_found, missing_parameter
from .signature import ALGORITHM, SignatureScheme

# Headers every V3 request carries and signs.
REQUIRED_HEADERS = (
    "host",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
)
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
MAX_CLOCK_SKEW_SECONDS = 15 * 60
_AUTHORIZATION = re.compile(
    r"^(?P<algorithm>\S+)\s+Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-fA-F]+)$"
)


@dataclass(frozen=True)
class Principal:
    access_key_id: str
    temporary: bool


def incomplete(message: str) -> ApiError:
    return ApiError(
        400, "IncompleteSignature", "The request signature does not conform to Aliyun standards. " + message
    )


def token_mismatch(message: str = "The security token does not match the AccessKeyId.") -> ApiError:
    return ApiError(400, "InvalidSecurityToken.MismatchWithAccessKey", message)


def parse_timestamp(value: str) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(value, DATE_FORMAT)))
    except (ValueError, OverflowError):
        return None


class SignedRequestCheck:
    """What the V3 and the STS (V1) signature checks share: the keys, the nonces used, the clock, the skew allowed."""

    def __init__(
        self,
        keys: KeyStore,
        nonces: NonceStore,
        clock: Callable[[], float] = time.time,
        max_skew: float = MAX_CLOCK_SKEW_SECONDS,
    ) -> None:
        self._keys = keys
        self._nonces = nonces
        self._clock = clock
        self._max_skew = max_skew

    def _check_fresh(self, timestamp: float, nonce_scope: str, nonce: str) -> None:
        """A request signed within the allowed clock skew, with a nonce not used before in ``nonce_scope``."""
        if abs(self._clock() - timestamp) > self._max_skew:
            raise ApiError(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
        if not self._nonces.use(nonce_scope, nonce):
            raise ApiError(400, "SignatureNonceUsed", "Specified signature nonce was used already.")

    def _permanent_secret(self, access_key_id: str, token: str | None) -> str | None:
        """The secret of a permanent key, which goes with no security token; None for any other key."""
        secret = self._keys.permanent_secret(access_key_id)
        if secret is not None and token:
            # A token only goes with the temporary key it was issued with.
            raise token_mismatch()
        return secret

    def _check_not_expired(self, session: StsSession) -> None:
        if self._keys.is_expired(session):
            raise ApiError(400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.")


class V3Verifier(SignedRequestCheck):
    def __init__(
        self,
        keys: KeyStore,
        nonces: NonceStore,
        scheme: SignatureScheme,
        clock: Callable[[], float] = time.time,
        max_skew: float = MAX_CLOCK_SKEW_SECONDS,
    ) -> None:
        super().__init__(keys, nonces, clock, max_skew)
        self.scheme = scheme

    def verify(
        self,
        method: str,
        path: str,
        params: dict,
        headers: Mapping[str, str],
        body: bytes,
        action: str,
        version: str,
    ) -> Principal:
        """Check one request; raise ``ApiError`` with the code the real gateway would answer.

        ``headers`` maps lower-case names to values as received (repeated headers joined by ``,``).
        """
        authorization = headers.get("authorization")
        if not authorization:
            raise incomplete("The Authorization header is missing.")
        match = _AUTHORIZATION.match(authorization.strip())
        if not match:
            raise incomplete("The Authorization header is malformed.")
        if match.group("algorithm") != ALGORITHM:
            raise incomplete("Unsupported signature algorithm %r." % match.group("algorithm"))
        access_key_id = match.group("credential")
        signed_names = match.group("signed").split(";")

        for name in REQUIRED_HEADERS:
            if not headers.get(name):
                raise missing_parameter(name)
        if any(name != name.lower() for name in signed_names):
            raise incomplete("SignedHeaders must be lower-case.")
        for name in signed_names:
            if name not in headers:
                raise incomplete("The signed header %r is not in the request." % name)
        for name in headers:
            # host and every x-acs-* header must be signed, or they could be changed in transit.
            if (name == "host" or name.startswith("x-acs-")) and name not in signed_names:
                raise incomplete("The header %r must be signed." % name)

        principal, secret = self._credentials(access_key_id, headers)

        payload_sha256 = hashlib.sha256(body).hexdigest()
        if headers["x-acs-content-sha256"].strip().lower() != payload_sha256:
            raise ApiError(400, "SignatureDoesNotMatch", "The x-acs-content-sha256 header does not match the body.")
        signed = {name: headers[name] for name in signed_names}
        text, expected = self.scheme.expected(method.upper(), path, params, signed, payload_sha256, secret)
        if not hmac.compare_digest(expected, match.group("signature").lower()):
            raise ApiError(
                400,
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. server string to sign is:%s" % text,
            )

        timestamp = parse_timestamp(headers["x-acs-date"].strip())
        if timestamp is None:
            raise ApiError(
                400,
                "InvalidTimeStamp.Format",
                "Specified time stamp or date value is not well formatted (expected %s)." % DATE_FORMAT,
            )
        self._check_fresh(timestamp, access_key_id, headers["x-acs-signature-nonce"])

        if headers["x-acs-action"] != action:
            raise api_not_found()
        if headers["x-acs-version"] != version:
            raise ApiError(400, "InvalidVersion", "Specified parameter Version is not valid.")
        return principal

    def _credentials(self, access_key_id: str, headers: Mapping[str, str]) -> tuple:
        """``(Principal, secret)`` for the key, checking the STS token pairing."""
        token = headers.get("x-acs-security-token")
        declared = headers.get("x-acs-accesskey-id")
        if declared is not None and declared != access_key_id:
            raise token_mismatch("The x-acs-accesskey-id header does not match the Credential of the signature.")
        secret = self._permanent_secret(access_key_id, token)
        if secret is not None:
            return Principal(access_key_id, False), secret
        if token:
            session = self._keys.session_by_token(token)
            if session is None:
                raise ApiError(400, "InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed.")
            if session.access_key_id != access_key_id:
                raise token_mismatch()
            self._check_not_expired(session)
            return Principal(access_key_id, True), session.access_key_secret
        if self._keys.session_by_id(access_key_id) is not None:
            raise token_mismatch(
                "This temporary AccessKeyId is only valid together with its security token (x-acs-security-token)."
            )
        raise ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
