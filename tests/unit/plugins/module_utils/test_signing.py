# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ACS3-HMAC-SHA256 signing, checked against the vendor SDK's own code (alibabacloud-tea-openapi)."""

from __future__ import annotations

import hashlib
import hmac
import json
import string

import pytest
from alibabacloud_tea_openapi.utils import get_canonical_query_string, get_canonicalized_headers
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.alicloud.sae.plugins.module_utils import signing
from ansible_collections.alicloud.sae.plugins.module_utils.credentials import Credentials
from ansible_collections.alicloud.sae.tests.unit.utils import AK_ID, SECRET, parse_authorization, sdk_authorization

HOST = "sae.cn-beijing.aliyuncs.com"
PATH = "/pop/v1/sam/job/listJobs"
DATE = "2024-05-06T07:08:09Z"
NONCE = "3f0e6c7a0b9d4c1e8f2a5b6c7d8e9f00"

# value -> its canonical (RFC 3986, UTF-8) encoding, written out by hand.
ENCODING_VECTORS = [
    pytest.param("a b", "a%20b", id="space"),
    pytest.param("a+b", "a%2Bb", id="plus"),
    pytest.param("a*b", "a%2Ab", id="star"),
    pytest.param("a~b", "a~b", id="tilde"),
    pytest.param("cn-beijing:demo", "cn-beijing%3Ademo", id="colon"),
    pytest.param("a/b", "a%2Fb", id="slash"),
    pytest.param('say "hi"', "say%20%22hi%22", id="double-quote"),
    pytest.param("it's", "it%27s", id="single-quote"),
    pytest.param("a&b", "a%26b", id="ampersand"),
    pytest.param("a=b", "a%3Db", id="equals"),
    pytest.param("100%", "100%25", id="percent"),
    pytest.param("%20", "%2520", id="already-encoded"),
    pytest.param("任务", "%E4%BB%BB%E5%8A%A1", id="cjk"),
    pytest.param("🚀", "%F0%9F%9A%80", id="emoji"),
    pytest.param("", "", id="empty"),
    pytest.param("AZaz09-_.~", "AZaz09-_.~", id="unreserved"),
    pytest.param("a,b;c?d#e", "a%2Cb%3Bc%3Fd%23e", id="other-reserved"),
    pytest.param("line\nbreak\t", "line%0Abreak%09", id="control"),
    pytest.param(
        '[{"key":"k","value":"v"}]', "%5B%7B%22key%22%3A%22k%22%2C%22value%22%3A%22v%22%7D%5D", id="json-tags"
    ),
]


@pytest.mark.parametrize("value, encoded", ENCODING_VECTORS)
def test_percent_encode_vectors(value, encoded):
    assert signing.percent_encode(value) == encoded


@pytest.mark.parametrize("value, encoded", ENCODING_VECTORS)
def test_canonical_query_vector_matches_sdk(value, encoded):
    params = {"Tags": value, "Workload": "job"}
    ours = signing.canonical_query(params)
    assert ours == "Tags=%s&Workload=job" % encoded
    assert ours == get_canonical_query_string(params)


def test_canonical_query_sorts_by_name_and_drops_none_only():
    params = {"Workload": "job", "AppName": "", "CurrentPage": "1", "NamespaceId": None, "B": "x y", "a": "+"}
    ours = signing.canonical_query(params)
    # Byte order: upper case before lower case; an empty value stays (as "AppName="), None goes.
    assert ours == "AppName=&B=x%20y&CurrentPage=1&Workload=job&a=%2B"
    assert ours == get_canonical_query_string(params)


def test_canonical_query_of_nothing_is_empty():
    assert signing.canonical_query({}) == "" == get_canonical_query_string({})
    assert signing.canonical_query({"A": None}) == "" == get_canonical_query_string({"A": None})


def test_json_tag_list_with_every_awkward_character_matches_sdk():
    tags = {"team name": "a+b*c~d", "path": "/x/y:z", "quote": 'it\'s "q"', "amp": "a&b=c%", "中文": "🚀 任务"}
    value = json.dumps([{"key": k, "value": v} for k, v in tags.items()], ensure_ascii=False, separators=(",", ":"))
    params = {"Tags": value, "Workload": "job", "PageSize": "200"}
    assert signing.canonical_query(params) == get_canonical_query_string(params)
    assert "+" not in signing.canonical_query(params)
    assert " " not in signing.canonical_query(params)


def test_names_are_encoded_like_values():
    # The V3 specification encodes names as well; the SDK leaves names bare, which only differs for
    # names outside A-Z a-z 0-9 - _ . ~ (ListJobs has none). The query sent must stay parseable.
    assert signing.canonical_query({"a b&c": "1"}) == "a%20b%26c=1"


def test_canonical_headers_lowercases_trims_and_sorts_like_sdk():
    headers = {
        "X-Acs-Version": " 2019-05-06 ",
        "Host": HOST,
        "x-acs-action": "ListJobs\t",
        "Accept": "application/json",
    }
    block, names = signing.canonical_headers(headers)
    assert names == "accept;host;x-acs-action;x-acs-version"
    assert block == ("accept:application/json\nhost:%s\nx-acs-action:ListJobs\nx-acs-version:2019-05-06\n" % HOST)
    assert (block, names) == get_canonicalized_headers(headers)


def test_canonical_headers_leave_out_none():
    block, names = signing.canonical_headers({"host": HOST, "x-acs-security-token": None})
    assert names == "host"
    assert block == "host:%s\n" % HOST


def test_canonical_request_known_answer():
    headers = {"host": HOST, "x-acs-action": "ListJobs", "x-acs-date": DATE}
    canonical, names = signing.canonical_request("get", PATH, {"Workload": "job", "AppName": "a b"}, headers)
    assert names == "host;x-acs-action;x-acs-date"
    assert canonical == "\n".join(
        [
            "GET",
            PATH,
            "AppName=a%20b&Workload=job",
            "host:%s\nx-acs-action:ListJobs\nx-acs-date:%s\n" % (HOST, DATE),
            "host;x-acs-action;x-acs-date",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ]
    )


def test_empty_path_is_signed_as_slash():
    headers = {"host": HOST, "x-acs-content-sha256": signing.EMPTY_PAYLOAD_SHA256}
    canonical, _names = signing.canonical_request("GET", "", {}, headers)
    assert canonical.split("\n")[1] == "/"
    ours = signing.authorization(AK_ID, SECRET, "GET", "", {}, headers)
    assert ours == sdk_authorization("GET", "", {}, headers, AK_ID, SECRET)


def test_string_to_sign_and_signature_known_answer():
    text = signing.string_to_sign("GET\n/\n\n\n\n" + signing.EMPTY_PAYLOAD_SHA256)
    digest = hashlib.sha256(("GET\n/\n\n\n\n" + signing.EMPTY_PAYLOAD_SHA256).encode()).hexdigest()
    assert text == "ACS3-HMAC-SHA256\n" + digest
    assert signing.signature("key", "message") == hmac.new(b"key", b"message", hashlib.sha256).hexdigest()
    assert signing.signature("键", "消息") == hmac.new("键".encode(), "消息".encode(), hashlib.sha256).hexdigest()


def _signed(credentials, params, host=HOST, path=PATH):
    return signing.signed_headers(
        credentials, host, "GET", path, params, "ListJobs", "2019-05-06", DATE, NONCE, "alicloud.sae/test"
    )


def _signed_part(headers):
    return {name: value for name, value in headers.items() if name not in ("authorization", "user-agent")}


PARAM_SETS = [
    pytest.param({"Workload": "job", "PageSize": "200", "CurrentPage": "1"}, id="paging"),
    pytest.param({"Workload": "job", "NamespaceId": "cn-beijing:prod", "AppName": "my job"}, id="namespace"),
    pytest.param(
        {"Workload": "job", "Tags": '[{"key":"团队","value":"a+b*c ~/:\\"&=%🚀"}]', "OrderBy": "running"}, id="tags"
    ),
    pytest.param({"Workload": "job", "FieldType": "appIds", "FieldValue": "id-1,id-2", "Reverse": "true"}, id="ids"),
    pytest.param({"Workload": "job", "AppName": ""}, id="empty-value"),
]


@pytest.mark.parametrize("params", PARAM_SETS)
def test_signed_headers_authorization_matches_sdk(params):
    headers = _signed(Credentials(AK_ID, SECRET), params)
    assert headers["authorization"] == sdk_authorization("GET", PATH, params, _signed_part(headers), AK_ID, SECRET)


@pytest.mark.parametrize("params", PARAM_SETS)
def test_sts_authorization_matches_sdk(params):
    credentials = Credentials("STS.NTmpKeyId", "sts-secret", "sts-token-CAIS+/=")
    headers = _signed(credentials, params)
    expected = sdk_authorization("GET", PATH, params, _signed_part(headers), "STS.NTmpKeyId", "sts-secret")
    assert headers["authorization"] == expected


def test_signed_headers_sign_host_and_every_acs_header_but_not_user_agent():
    headers = _signed(Credentials(AK_ID, SECRET), {"Workload": "job"})
    auth = parse_authorization(headers["authorization"])
    assert auth["algorithm"] == "ACS3-HMAC-SHA256"
    assert auth["credential"] == AK_ID
    assert auth["signed_headers"] == [
        "accept",
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
    ]
    assert headers["host"] == HOST
    assert headers["x-acs-action"] == "ListJobs"
    assert headers["x-acs-version"] == "2019-05-06"
    assert headers["x-acs-date"] == DATE
    assert headers["x-acs-signature-nonce"] == NONCE
    assert headers["x-acs-content-sha256"] == hashlib.sha256(b"").hexdigest()
    assert headers["user-agent"] == "alicloud.sae/test"
    assert "x-acs-security-token" not in headers
    assert "x-acs-accesskey-id" not in headers
    assert SECRET not in json.dumps(headers)


def test_security_token_travels_in_signed_headers():
    credentials = Credentials("STS.NTmpKeyId", "sts-secret", "sts-token-value")
    headers = _signed(credentials, {"Workload": "job"})
    assert headers["x-acs-security-token"] == "sts-token-value"
    assert headers["x-acs-accesskey-id"] == "STS.NTmpKeyId"
    signed = parse_authorization(headers["authorization"])["signed_headers"]
    assert "x-acs-security-token" in signed
    assert "x-acs-accesskey-id" in signed
    other = _signed(Credentials("STS.NTmpKeyId", "sts-secret", "another-token"), {"Workload": "job"})
    assert other["authorization"] != headers["authorization"], "the token must be covered by the signature"


def test_signature_depends_on_every_signed_input():
    base = _signed(Credentials(AK_ID, SECRET), {"Workload": "job"})["authorization"]
    assert _signed(Credentials(AK_ID, SECRET + "x"), {"Workload": "job"})["authorization"] != base
    assert _signed(Credentials(AK_ID, SECRET), {"Workload": "job", "A": ""})["authorization"] != base
    assert _signed(Credentials(AK_ID, SECRET), {"Workload": "job"}, host=HOST + ":443")["authorization"] != base
    assert _signed(Credentials(AK_ID, SECRET), {"Workload": "job"}, path="/x" + PATH)["authorization"] != base


# --- property tests against the SDK -----------------------------------------------------------------

# The SDK leaves names bare (see test_names_are_encoded_like_values): names from the unreserved set.
NAMES = st.text(alphabet=string.ascii_letters + string.digits + "-_.~", min_size=1, max_size=12)
VALUES = st.one_of(st.none(), st.text(max_size=40), st.sampled_from(["+", "*", "~", " ", "%", "&=", "🚀", "中"]))
PARAMS = st.dictionaries(NAMES, VALUES, max_size=8)


@given(PARAMS)
def test_canonical_query_matches_sdk_for_random_unicode(params):
    assert signing.canonical_query(params) == get_canonical_query_string(params)


@given(
    params=PARAMS,
    secret=st.text(min_size=1, max_size=40),
    token=st.one_of(st.none(), st.text(min_size=1, max_size=40).filter(lambda t: t.strip() == t)),
    path=st.text(max_size=30).map(lambda p: "/" + p),
)
def test_authorization_matches_sdk_for_random_requests(params, secret, token, path):
    credentials = Credentials(AK_ID, secret, token or None)
    headers = _signed(credentials, params, path=path)
    expected = sdk_authorization("GET", path, params, _signed_part(headers), AK_ID, secret)
    assert headers["authorization"] == expected
