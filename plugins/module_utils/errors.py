# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Exception types of the SAE client.

Every message is written for a person reading a failed task: it names what was wrong, the API error code and the
request id where there is one, and never a secret (messages are built only from values that are not credentials).
"""

from __future__ import annotations


class SaeError(Exception):
    """Base of every error the client raises."""


class SaeParameterError(SaeError):
    """Invalid user input, detected before any request is sent."""


class SaeCredentialError(SaeError):
    """No usable credentials could be resolved."""


class SaeApiError(SaeError):
    """A failed call: an error answer from the API, or a transport failure.

    ``code`` is the API's error code (``SignatureDoesNotMatch``, ``Throttling.User``...) or,
    for failures that never got an API answer, a client-side code such as
    ``ConnectionError``, ``ReadTimeout`` or ``InvalidResponse``.
    """

    def __init__(
        self,
        code: str,
        message: str,
        request_id: str | None = None,
        status: int | None = None,
        region: str | None = None,
        retry_after: float | None = None,
        recommend: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.request_id = request_id
        self.status = status
        self.region = region
        self.retry_after = retry_after
        self.recommend = recommend  # the gateway's troubleshooting link: last, where a reader looks for what to do
        details = ["region %s" % region] if region else []
        if status is not None:
            details.append("HTTP %s" % status)
        details.append("request id %s" % (request_id or "none"))
        text = "SAE ListJobs failed: %s: %s (%s)" % (code, message, ", ".join(details))
        super().__init__(text + (" Recommend: %s" % recommend if recommend else ""))

    def in_region(self, region: str, request_id: str | None = None, message: str | None = None) -> SaeApiError:
        """The same error, naming the region it happened in and, for a fault found in an answer, that answer's
        request id; ``message``, if given, replaces its message."""
        fields = dict(self.to_dict(), retry_after=self.retry_after, region=region)  # every argument of __init__
        return SaeApiError(**dict(fields, request_id=request_id or self.request_id, message=message or self.message))

    def to_dict(self) -> dict:
        return {
            name: getattr(self, name) for name in ("code", "message", "request_id", "status", "region", "recommend")
        }
