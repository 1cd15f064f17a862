# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A ListJobs answer's body: the JSON document of a success, or the ``SaeApiError`` an error answer stands for."""

from __future__ import annotations

import email.utils
import json
import math
import re
import time

from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError

_ERROR_SNIPPET = 200
_TIME_LEFT = re.compile(r"(?i)\bTimeLeft:\s*(\d+(?:\.\d+)?)")
# Codes about the request's time: the gateway's clock and this machine's disagree.
_CLOCK_CODES = re.compile(r"(?i)^(InvalidTimeStamp\.Expired|IllegalTimestamp|RequestTimeTooSkewed)$")


def _number(value: str | None, unit: float) -> float | None:
    try:
        number = float(value) * unit  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return max(0.0, number) if math.isfinite(number) else None


def hinted_wait(headers: dict) -> float | None:
    """The seconds the gateway asks a client to wait, from (first found) ``x-acs-retry-after`` (ms, what the vendor's
    SDK reads), ``x-ratelimit-user-api`` / ``x-ratelimit-user`` TimeLeft (ms, older SDKs), ``Retry-After`` (s or an
    HTTP date); ``headers`` have lower-case names."""
    time_left = (_TIME_LEFT.search(headers.get(name) or "") for name in ("x-ratelimit-user-api", "x-ratelimit-user"))
    for milliseconds in [headers.get("x-acs-retry-after"), *(found.group(1) for found in time_left if found)]:
        if _number(milliseconds, 0.001) is not None:
            return _number(milliseconds, 0.001)
    value = headers.get("retry-after")
    if not value or _number(value, 1.0) is not None:
        return _number(value, 1.0)
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def _clock_offset(date: str | None) -> str:
    """How far this machine's clock is from the one of the gateway that sent ``date`` (its Date header)."""
    try:
        offset = round(time.time() - email.utils.parsedate_to_datetime(date).timestamp())  # type: ignore[arg-type]
    except (TypeError, ValueError, IndexError, OverflowError):
        return "; the answer has no Date header to compare this machine's clock with"
    hours, rest = divmod(abs(offset), 3600)
    amount = (
        ("%d h " % hours if hours else "") + ("%d min " % (rest // 60) if rest >= 60 else "") + "%d s" % (rest % 60)
    )
    return "; this machine's clock is %s %s the gateway's" % (amount, "ahead of" if offset >= 0 else "behind")


def snippet(text: str) -> str:
    text = " ".join(text.split())
    return text[:_ERROR_SNIPPET] + ("..." if len(text) > _ERROR_SNIPPET else "")


def decode_answer(status: int, body: bytes, headers: dict) -> dict:
    """The JSON object of a successful answer, or the ``SaeApiError`` it stands for (with the wait the gateway asked
    for, its ``Recommend`` link, and for a code about the request's time how far the clocks are apart).

    ``headers`` are the answer's; its ``x-acs-request-id`` is the only id an answer that is not JSON has.
    """
    headers = {name.lower(): value for name, value in headers.items()}
    text = body.decode("utf-8", errors="replace")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply to decode
        document = None
    recommend = None
    request_id = headers.get("x-acs-request-id")
    if isinstance(document, dict):
        if status < 400 and document.get("Success") is not False:
            return document
        code = "%s" % (document.get("Code") or document.get("ErrorCode") or "HTTP%d" % status)
        message = "%s" % (document.get("Message") or "no message")
        request_id = document.get("RequestId") or request_id
        recommend = snippet("%s" % document["Recommend"]) if document.get("Recommend") else None
        message += _clock_offset(headers.get("date")) if _CLOCK_CODES.match(code) else ""
    else:
        code = "InvalidResponse" if status < 400 else "HTTP%d" % status
        what = "not a JSON object" if document is not None else "not JSON"
        content_type = headers.get("content-type") or "no content type"
        message = "the answer (%s) is %s: %s" % (content_type, what, snippet(text) or "empty body")
    raise SaeApiError(code, message, request_id, status, retry_after=hinted_wait(headers), recommend=recommend)
