# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ACS3-HMAC-SHA256 (signature V3) request signing for Alibaba Cloud ROA APIs.

Pure functions over plain values: no I/O, no clock, no randomness. The caller supplies the date and nonce, which
keeps every function testable against the vendor SDK's own signing code.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:  # pragma: no cover
    from .credentials import Credentials

ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_PAYLOAD_SHA256 = hashlib.sha256(b"").hexdigest()


def percent_encode(value: str) -> str:
    """RFC 3986 encoding of one query value: only A-Z a-z 0-9 - _ . ~ stay bare."""
    return quote(value, safe="~", encoding="utf-8")


def canonical_query(params: dict) -> str:
    """Sorted ``name=value`` pairs, percent-encoded, joined with ``&``; ``None`` values are left out."""
    return "&".join(
        "%s=%s" % (percent_encode(name), percent_encode(params[name]))
        for name in sorted(params)
        if params[name] is not None
    )


def canonical_headers(headers: dict) -> tuple[str, str]:
    """Return ``(canonical header block, signed header names)`` for the given headers."""
    lowered = {name.lower(): str(value).strip() for name, value in headers.items() if value is not None}
    names = sorted(lowered)
    block = "".join("%s:%s\n" % (name, lowered[name]) for name in names)
    return block, ";".join(names)


def canonical_request(
    method: str, path: str, params: dict, headers: dict, payload_sha256: str = EMPTY_PAYLOAD_SHA256
) -> tuple[str, str]:
    """Return ``(canonical request, signed header names)``."""
    header_block, signed_names = canonical_headers(headers)
    request = "\n".join(
        [method.upper(), path or "/", canonical_query(params), header_block, signed_names, payload_sha256]
    )
    return request, signed_names


def string_to_sign(canonical: str) -> str:
    return "%s\n%s" % (ALGORITHM, hashlib.sha256(canonical.encode("utf-8")).hexdigest())


def signature(access_key_secret: str, text: str) -> str:
    return hmac.new(access_key_secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(
    access_key_id: str, access_key_secret: str, method: str, path: str, params: dict, headers: dict
) -> str:
    """The ``Authorization`` header value for a request whose headers are all to be signed."""
    canonical, signed_names = canonical_request(method, path, params, headers)
    return "%s Credential=%s,SignedHeaders=%s,Signature=%s" % (
        ALGORITHM,
        access_key_id,
        signed_names,
        signature(access_key_secret, string_to_sign(canonical)),
    )


def signed_headers(
    credentials: Credentials,
    host: str,
    method: str,
    path: str,
    params: dict,
    action: str,
    version: str,
    date: str,
    nonce: str,
    user_agent: str,
) -> dict:
    """Every header of a signed V3 request, ``Authorization`` included.

    ``host`` must be the host (and port) the request is sent to: it is signed.
    """
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": date,
        "x-acs-signature-nonce": nonce,
        "x-acs-content-sha256": EMPTY_PAYLOAD_SHA256,
        "accept": "application/json",
    }
    if credentials.security_token:
        headers["x-acs-security-token"] = credentials.security_token
        headers["x-acs-accesskey-id"] = credentials.access_key_id
    headers["authorization"] = authorization(
        credentials.access_key_id, credentials.access_key_secret, method, path, params, headers
    )
    # The User-Agent is sent but not signed: proxies may rewrite it.
    headers["user-agent"] = user_agent
    return headers
