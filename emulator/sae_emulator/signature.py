"""The ACS3-HMAC-SHA256 signature a request should carry, computed with no code of the collection's.

A client bug must never sign and verify the same wrong way, so the emulator has two implementations,
neither of them the collection's ``plugins/module_utils/signing.py``:

- ``vendor-sdk``: the vendor SDK's own canonicalisation and signing (``alibabacloud_tea_openapi.utils``,
  installed with ``alibabacloud-sae20190506``), used whenever it can be imported;
- ``independent``: the standard library only, written from the API's documentation (the canonical
  request of signature V3), used when the vendor SDK is not installed.

``scheme(name)`` picks one; the emulator's startup JSON says which one runs (``signature_verifier``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace

ALGORITHM = "ACS3-HMAC-SHA256"
VENDOR_SDK = "vendor-sdk"
INDEPENDENT = "independent"
AUTO = "auto"
CHOICES = (AUTO, VENDOR_SDK, INDEPENDENT)

# What a signature is computed from: method, path as sent, decoded query, signed headers (lower-case names),
# hex SHA-256 of the body, and the secret. The answer: (string to sign, hex signature).
Expected = Callable[[str, str, Mapping[str, str], Mapping[str, str], str, str], tuple]


@dataclass(frozen=True)
class SignatureScheme:
    name: str
    expected: Expected


# ---- independent: written from the documentation --------------------------------------------------------

# RFC 3986 unreserved characters: the only ones a canonical query value keeps bare.
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def _encode_value(value: str) -> str:
    """Each UTF-8 byte outside the unreserved set as ``%XX`` (upper-case hex): a space is ``%20``, ``*`` ``%2A``."""
    return "".join(chr(byte) if byte in _UNRESERVED else "%%%02X" % byte for byte in value.encode("utf-8"))


def _independent_query(params: Mapping[str, str]) -> str:
    return "&".join("%s=%s" % (name, _encode_value(params[name])) for name in sorted(params))


def _independent_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    trimmed = {name.lower(): value.strip() for name, value in headers.items()}
    names = sorted(trimmed)
    return "".join("%s:%s\n" % (name, trimmed[name]) for name in names), ";".join(names)


def _independent_expected(
    method: str, path: str, params: Mapping[str, str], headers: Mapping[str, str], payload_sha256: str, secret: str
) -> tuple[str, str]:
    header_block, signed_names = _independent_headers(headers)
    canonical = "\n".join([method, path or "/", _independent_query(params), header_block, signed_names, payload_sha256])
    text = "%s\n%s" % (ALGORITHM, hashlib.sha256(canonical.encode("utf-8")).hexdigest())
    return text, hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


INDEPENDENT_SCHEME = SignatureScheme(INDEPENDENT, _independent_expected)


# ---- vendor-sdk: the vendor's own code -------------------------------------------------------------------


def _vendor_scheme() -> SignatureScheme:
    """The vendor SDK's signer; ImportError when it is not installed."""
    from alibabacloud_tea_openapi import utils as vendor

    def expected(
        method: str, path: str, params: Mapping[str, str], headers: Mapping[str, str], payload_sha256: str, secret: str
    ) -> tuple[str, str]:
        request = SimpleNamespace(method=method, pathname=path, query=dict(params), headers=dict(headers))
        # The signature is the vendor's whole computation (get_authorization); the string to sign, shown in the
        # error message as the gateway shows it, is built from the vendor's own canonicalisation functions.
        authorization = vendor.Utils.get_authorization(request, ALGORITHM, payload_sha256, "-", secret)
        signature = authorization.rpartition("Signature=")[2]
        header_block, signed_names = vendor.get_canonicalized_headers(request.headers)
        query = vendor.get_canonical_query_string(request.query)
        canonical = "\n".join([method, path or "/", query, header_block, signed_names, payload_sha256])
        digest = vendor.Utils.hex_encode(vendor.Utils.hash(canonical.encode("utf-8"), ALGORITHM))
        return "%s\n%s" % (ALGORITHM, digest), signature

    return SignatureScheme(VENDOR_SDK, expected)


def scheme(name: str = AUTO) -> SignatureScheme:
    """``auto``: the vendor SDK's when it can be imported, else the independent one; or the one named."""
    if name not in CHOICES:
        raise ValueError("unknown signature verifier %r (choose from %s)" % (name, ", ".join(CHOICES)))
    if name == INDEPENDENT:
        return INDEPENDENT_SCHEME
    try:
        return _vendor_scheme()
    except ImportError:
        if name == VENDOR_SDK:
            raise ValueError(
                "the vendor-sdk signature verifier needs alibabacloud-tea-openapi (in alibabacloud-sae20190506)"
            ) from None
        return INDEPENDENT_SCHEME
