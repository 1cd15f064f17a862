"""STS ``AssumeRole`` (RPC style, signature V1 HMAC-SHA1 over the query), as alibabacloud-credentials calls it.

``RamRoleArnCredentialsProvider`` sends ``GET /?Action=AssumeRole&...&Signature=...`` over HTTPS,
signing ``GET&%2F&`` + the encoded sorted query with ``secret + "&"``. It encodes with
``quote_plus`` (space as ``+``) where the V1 spec says ``%20``: both spellings are accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from urllib.parse import quote, quote_plus

from .auth import SignedRequestCheck, parse_timestamp, token_mismatch
from .errors import ApiError, api_not_found, missing_parameter, new_request_id

STS_VERSION = "2015-04-01"
MIN_DURATION_SECONDS = 900
MAX_DURATION_SECONDS = 3600  # the default maximum session duration of a RAM role
_ROLE_ARN = re.compile(r"^acs:ram::(?P<account>\d+):role/(?P<role>[A-Za-z0-9.@_/-]{1,64})$")
_SESSION_NAME = re.compile(r"^[A-Za-z0-9.@_-]{2,64}$")


def _spec_encode(value: str) -> str:
    # The V1 spec's percentEncode: RFC 3986, only A-Z a-z 0-9 - _ . ~ bare.
    return quote(value, safe="~", encoding="utf-8")


def string_to_sign(method: str, params: dict, encode: Callable[[str], str]) -> str:
    query = "&".join("%s=%s" % (encode(key), encode(params[key])) for key in sorted(params))
    return "%s&%s&%s" % (method, encode("/"), encode(query))


def v1_signature(secret: str, text: str) -> str:
    digest = hmac.new((secret + "&").encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class AssumeRoleHandler(SignedRequestCheck):
    def handle(self, method: str, params: dict, request_id: str) -> dict:
        if params.get("Action") != "AssumeRole":
            raise api_not_found()
        for name in ("AccessKeyId", "Signature", "SignatureNonce", "Timestamp", "Version"):
            if not params.get(name):
                raise missing_parameter(name)
        if params["Version"] != STS_VERSION:
            raise ApiError(400, "InvalidVersion", "Specified parameter Version is not valid.")
        if params.get("SignatureMethod", "HMAC-SHA1") != "HMAC-SHA1":
            raise ApiError(400, "InvalidSignatureMethod", "Specified signature method is not supported.")
        if params.get("SignatureVersion", "1.0") != "1.0":
            raise ApiError(400, "InvalidSignatureVersion", "Specified signature version is not supported.")

        secret = self._secret(params)
        unsigned = {key: value for key, value in params.items() if key != "Signature"}
        candidates = {v1_signature(secret, string_to_sign(method, unsigned, enc)) for enc in (_spec_encode, quote_plus)}
        if not any(hmac.compare_digest(candidate, params["Signature"]) for candidate in candidates):
            raise ApiError(
                400,
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. server string to sign is:%s"
                % string_to_sign(method, unsigned, _spec_encode),
            )
        timestamp = parse_timestamp(params["Timestamp"])
        if timestamp is None:
            raise ApiError(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
        self._check_fresh(timestamp, "sts:" + params["AccessKeyId"], params["SignatureNonce"])

        role_arn = params.get("RoleArn")
        if not role_arn:
            raise missing_parameter("RoleArn")
        arn = _ROLE_ARN.match(role_arn)
        if not arn:
            raise ApiError(400, "InvalidParameter.RoleArn", "The parameter RoleArn is wrongly formed.")
        session_name = params.get("RoleSessionName")
        if not session_name:
            raise missing_parameter("RoleSessionName")
        if not _SESSION_NAME.match(session_name):
            raise ApiError(400, "InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrongly formed.")
        try:
            duration = int(params.get("DurationSeconds", "3600"))
        except ValueError:
            duration = -1
        if not MIN_DURATION_SECONDS <= duration <= MAX_DURATION_SECONDS:
            raise ApiError(
                400,
                "InvalidParameter.DurationSeconds",
                "The DurationSeconds must be between %d and %d." % (MIN_DURATION_SECONDS, MAX_DURATION_SECONDS),
            )

        session = self._keys.issue(role_arn, session_name, duration)
        role_id = "3" + str(int(hashlib.sha256(role_arn.encode("utf-8")).hexdigest(), 16))[:18]
        return {
            "RequestId": request_id or new_request_id(),
            "AssumedRoleUser": {
                "AssumedRoleId": "%s:%s" % (role_id, session_name),
                "Arn": "%s/%s" % (role_arn, session_name),
            },
            "Credentials": {
                "SecurityToken": session.security_token,
                "AccessKeyId": session.access_key_id,
                "AccessKeySecret": session.access_key_secret,
                "Expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(session.expiration)),
            },
        }

    def _secret(self, params: dict) -> str:
        access_key_id = params["AccessKeyId"]
        token = params.get("SecurityToken")
        secret = self._permanent_secret(access_key_id, token)
        if secret is not None:
            return secret
        session = self._keys.session_by_id(access_key_id)
        if session is None:
            raise ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        # Role chaining: temporary credentials may assume a role, with their token.
        if not token or token != session.security_token:
            raise token_mismatch()
        self._check_not_expired(session)
        return session.access_key_secret
