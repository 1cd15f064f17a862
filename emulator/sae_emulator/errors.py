"""The one exception type every layer raises, and the vendor's error body built from it."""

from __future__ import annotations

import uuid
from urllib.parse import quote

RECOMMEND = "https://api.aliyun.com/troubleshoot?q=%s&product=sae&requestId=%s"


def new_request_id() -> str:
    """A fresh request id in the vendor's shape (upper-case UUID), unique per request."""
    return str(uuid.uuid4()).upper()


class ApiError(Exception):
    """An answer the real service gives as HTTP 4xx/5xx with a JSON ``{RequestId, HostId, Code, Message}``."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None) -> None:
        super().__init__("%s %s: %s" % (status, code, message))
        self.status = status
        self.code = code
        self.message = message
        # Extra response headers, e.g. Retry-After on throttling.
        self.headers = dict(headers or {})

    def body(self, request_id: str, host_id: str) -> dict:
        # Recommend: the vendor's troubleshooting page for this request (darabonba-openapi reads it; the URL's shape
        # is a guess).
        return {
            "RequestId": request_id,
            "HostId": host_id,
            "Code": self.code,
            "Message": self.message,
            "Recommend": RECOMMEND % (quote(self.code), request_id),
        }


def invalid_parameter(message: str) -> ApiError:
    # SAE reports parameter problems as InvalidParameter.WithMessage (HTTP 400).
    return ApiError(400, "InvalidParameter.WithMessage", message)


def missing_parameter(name: str) -> ApiError:
    return ApiError(
        400,
        "MissingParameter",
        'The input parameter "%s" that is mandatory for processing this request is not supplied.' % name,
    )


def api_not_found() -> ApiError:
    return ApiError(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
