# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A ListJobs answer's body: the JSON document of a success, or the ``SaeApiError`` an error answer stands for."""

from __future__ import annotations

import email.utils
import json
import time

from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError

_ERROR_SNIPPET = 200


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def snippet(text: str) -> str:
    text = " ".join(text.split())
    return text[:_ERROR_SNIPPET] + ("..." if len(text) > _ERROR_SNIPPET else "")


def decode_answer(
    status: int, body: bytes, content_type: str, retry_after: str | None, request_id: str | None = None
) -> dict:
    """The JSON object of a successful answer, or the ``SaeApiError`` it stands for.

    ``request_id`` is the gateway's ``x-acs-request-id`` header: the only id an answer that is not JSON has.
    """
    text = body.decode("utf-8", errors="replace")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply to decode
        document = None
    if isinstance(document, dict):
        if status < 400 and document.get("Success") is not False:
            return document
        code = "%s" % (document.get("Code") or document.get("ErrorCode") or "HTTP%d" % status)
        message = "%s" % (document.get("Message") or "no message")
        request_id = document.get("RequestId") or request_id
    else:
        code = "InvalidResponse" if status < 400 else "HTTP%d" % status
        what = "not a JSON object" if document is not None else "not JSON"
        message = "the answer (%s) is %s: %s" % (content_type or "no content type", what, snippet(text) or "empty body")
    raise SaeApiError(code, message, request_id, status, retry_after=_retry_after_seconds(retry_after))
