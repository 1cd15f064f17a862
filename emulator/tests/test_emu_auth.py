from __future__ import annotations

import http.client
import json
import sys
import uuid
from urllib.parse import quote

import pytest
from collection_signing import signing
from emu_helpers import DEMO, PATH, Creds, call, error_code, job_params, utc

from sae_emulator import EmulatorServer
from sae_emulator.credentials import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET
from sae_emulator.signature import AUTO, INDEPENDENT, INDEPENDENT_SCHEME, VENDOR_SDK, scheme

REQUIRED = ("x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256")


def test_demo_credentials_are_the_documented_constants():
    assert DEMO_ACCESS_KEY_ID == "LTAI5tSAEEmulatorDemo"
    assert DEMO_ACCESS_KEY_SECRET == "emulator-demo-secret-do-not-use-in-prod"


@pytest.fixture(params=[VENDOR_SDK, INDEPENDENT])
def demo_server(request):
    """The demo emulator, once with each signature verifier: every test here runs against both."""
    with EmulatorServer(dataset="demo", signature_verifier=request.param) as server:
        assert server.info()["signature_verifier"] == request.param
        yield server


def test_the_vendor_sdk_verifier_runs_by_default_when_installed():
    # The vendor SDK is in requirements-test.txt: the emulator the other suites start must use it.
    with EmulatorServer(dataset="demo") as server:
        assert server.info()["signature_verifier"] == VENDOR_SDK


def test_the_independent_verifier_runs_when_the_vendor_sdk_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "alibabacloud_tea_openapi", None)  # import fails
    assert scheme(AUTO) is INDEPENDENT_SCHEME
    with pytest.raises(ValueError, match="vendor-sdk signature verifier needs alibabacloud-tea-openapi"):
        scheme(VENDOR_SDK)


# Values a canonical query must encode with care: reserved characters, the form-encoding traps, non-ASCII.
AWKWARD_VALUES = [
    "a*b", "a b", "a+b", "a~b", "a%2Ab", "生产", "é", "😀", '[{"key":"k*","value":"v w+x~y/z:生产"}]',
    "=&?#", "'\"<>", "", "A-Z_a.z~0-9",
]  # fmt: skip


@pytest.mark.parametrize("value", AWKWARD_VALUES)
def test_both_verifiers_compute_the_same_signature(value):
    params = {"Workload": "job", "AppName": value, "Tags": value + "!"}
    headers = {"host": "127.0.0.1:1", "x-acs-action": "ListJobs", "x-acs-date": "2026-01-01T00:00:00Z"}
    vendor = scheme(VENDOR_SDK).expected("GET", PATH, params, headers, "e3b0c442", "secret")
    assert INDEPENDENT_SCHEME.expected("GET", PATH, params, headers, "e3b0c442", "secret") == vendor


@pytest.mark.parametrize("value", AWKWARD_VALUES)
def test_awkward_values_signed_as_documented_pass(demo_server, value):
    params = job_params(AppName=value)
    assert call(demo_server, params).status_code == 200
    assert call(demo_server, params, form_encoding=True).status_code == 200


@pytest.mark.parametrize(
    "bare, value",
    [("*", "a*b"), (" ", "a b"), ("+", "a+b"), ("/", "a/b"), (":", '[{"key":"k"}]')],
)
def test_a_client_that_leaves_a_reserved_character_bare_is_refused(demo_server, monkeypatch, bare, value):
    # A client bug the emulator must catch: the collection's encoder made to keep one more character bare.
    # It signs and sends the same wrong encoding, so only a verifier of its own can see the mistake.
    monkeypatch.setattr(signing, "percent_encode", lambda text: quote(text, safe="~" + bare, encoding="utf-8"))
    response = call(demo_server, job_params(AppName=value))
    assert response.status_code == 400 and error_code(response) == "SignatureDoesNotMatch"


def test_a_correctly_signed_request_passes(demo_server):
    response = call(demo_server)
    assert response.status_code == 200, response.text


def test_unknown_access_key_is_not_found(demo_server):
    response = call(demo_server, creds=Creds("LTAI5tNoSuchKey", DEMO_ACCESS_KEY_SECRET))
    assert response.status_code == 404 and error_code(response) == "InvalidAccessKeyId.NotFound"


def test_wrong_secret_does_not_match(demo_server):
    response = call(demo_server, creds=Creds(DEMO_ACCESS_KEY_ID, "not-the-secret"))
    assert response.status_code == 400 and error_code(response) == "SignatureDoesNotMatch"
    message = response.json()["Message"]
    assert "server string to sign is:ACS3-HMAC-SHA256\n" in message
    assert DEMO_ACCESS_KEY_SECRET not in message


def test_extra_access_keys_are_accepted():
    extra = Creds("LTAI5tExtraTestKey", "extra-secret-for-tests")
    with EmulatorServer(access_keys={extra.access_key_id: extra.access_key_secret}) as server:
        assert call(server, creds=extra).status_code == 200
        assert call(server, creds=DEMO).status_code == 200
        later = Creds("LTAI5tAddedLater", "added-later-secret")
        assert error_code(call(server, creds=later)) == "InvalidAccessKeyId.NotFound"
        server.add_access_key(later.access_key_id, later.access_key_secret)
        assert call(server, creds=later).status_code == 200


def test_changed_query_does_not_match(demo_server):
    response = call(demo_server, job_params(PageSize=5), signed_params=job_params(PageSize=6))
    assert response.status_code == 400 and error_code(response) == "SignatureDoesNotMatch"


def test_query_is_read_as_a_form_plus_is_a_space(demo_server):
    # Signed as a literal "a+b" but sent with a bare "+": the gateway reads "a b", so it must fail...
    params = job_params(AppName="a+b")
    raw = "AppName=a+b&Workload=job"
    response = call(demo_server, params, raw_query=raw)
    assert response.status_code == 400 and error_code(response) == "SignatureDoesNotMatch"
    # ...while a request signed for "a b" and sent with "+" for the space passes.
    response = call(demo_server, job_params(AppName="a b"), raw_query=raw)
    assert response.status_code == 200, response.text
    # And a literal plus sent as %2B is a plus.
    response = call(demo_server, params, raw_query="AppName=a%2Bb&Workload=job")
    assert response.status_code == 200, response.text


def test_region_segment_is_part_of_the_signed_path(demo_server):
    response = call(demo_server, region="cn-beijing", signed_path=PATH)
    assert response.status_code == 400 and error_code(response) == "SignatureDoesNotMatch"
    assert call(demo_server, region="cn-beijing").status_code == 200


def test_missing_authorization_is_incomplete_signature(demo_server):
    response = call(demo_server, edit=lambda headers: headers.pop("authorization"))
    assert response.status_code == 400 and error_code(response) == "IncompleteSignature"


@pytest.mark.parametrize(
    "value",
    [
        "ACS3-HMAC-SHA256 Credential=%s" % DEMO_ACCESS_KEY_ID,
        "garbage",
        "ACS3-HMAC-SM3 Credential=%s,SignedHeaders=host,Signature=00" % DEMO_ACCESS_KEY_ID,
    ],
)
def test_malformed_authorization_is_incomplete_signature(demo_server, value):
    def edit(headers):
        headers["authorization"] = value

    response = call(demo_server, edit=edit)
    assert response.status_code == 400 and error_code(response) == "IncompleteSignature"


@pytest.mark.parametrize("header", REQUIRED)
def test_missing_required_header_is_missing_parameter(demo_server, header):
    response = call(demo_server, edit=lambda headers: headers.pop(header))
    assert response.status_code == 400 and error_code(response) == "MissingParameter"
    assert header in response.json()["Message"]


def test_missing_host_header_is_missing_parameter(demo_server):
    headers = signing.signed_headers(
        DEMO, "127.0.0.1:%d" % demo_server.port, "GET", PATH, {"Workload": "job"}, "ListJobs", "2019-05-06",
        utc(), uuid.uuid4().hex, "tests",
    )  # fmt: skip
    del headers["host"]
    connection = http.client.HTTPConnection("127.0.0.1", demo_server.port, timeout=5)
    try:
        connection.putrequest("GET", PATH + "?Workload=job", skip_host=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        document = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 400 and document["Code"] == "MissingParameter" and "host" in document["Message"]


@pytest.mark.parametrize("header", ("host",) + REQUIRED)
def test_required_header_not_signed_is_incomplete_signature(demo_server, header):
    def edit(headers):
        authorization = headers["authorization"]
        names = authorization.split("SignedHeaders=")[1].split(",")[0]
        kept = ";".join(name for name in names.split(";") if name != header)
        headers["authorization"] = authorization.replace("SignedHeaders=" + names, "SignedHeaders=" + kept)

    response = call(demo_server, edit=edit)
    assert response.status_code == 400 and error_code(response) == "IncompleteSignature"
    assert header in response.json()["Message"]


def test_an_unsigned_extra_acs_header_is_refused(demo_server):
    def edit(headers):
        headers["x-acs-extra"] = "sneaked in"

    response = call(demo_server, edit=edit)
    assert response.status_code == 400 and error_code(response) == "IncompleteSignature"


def test_unsigned_ordinary_headers_are_fine(demo_server):
    def edit(headers):
        headers["x-custom-trace"] = "1"
        headers["user-agent"] = "changed after signing"

    assert call(demo_server, edit=edit).status_code == 200


@pytest.mark.parametrize("offset", [-16 * 60, 16 * 60, -3600 * 24])
def test_stale_or_future_date_is_expired(demo_server, offset):
    response = call(demo_server, date=utc(offset))
    assert response.status_code == 400 and error_code(response) == "InvalidTimeStamp.Expired"


@pytest.mark.parametrize("offset", [-14 * 60, 14 * 60])
def test_date_inside_fifteen_minutes_passes(demo_server, offset):
    assert call(demo_server, date=utc(offset)).status_code == 200


def test_badly_formatted_date(demo_server):
    response = call(demo_server, date="Sat, 28 Nov 2026 10:00:00 GMT")
    assert response.status_code == 400 and error_code(response) == "InvalidTimeStamp.Format"


def test_reused_nonce_is_refused(demo_server):
    nonce = uuid.uuid4().hex
    assert call(demo_server, nonce=nonce).status_code == 200
    response = call(demo_server, nonce=nonce)
    assert response.status_code == 400 and error_code(response) == "SignatureNonceUsed"
    # A failed signature does not burn the nonce of a later good request.
    other = uuid.uuid4().hex
    assert error_code(call(demo_server, nonce=other, creds=Creds(DEMO_ACCESS_KEY_ID, "bad"))) == "SignatureDoesNotMatch"
    assert call(demo_server, nonce=other).status_code == 200


def test_signed_host_must_be_the_host_the_request_went_to(demo_server):
    # Signed for another host, sent with the real Host header: the signature cannot match.
    response = call(demo_server, signed_host="sae.cn-hangzhou.aliyuncs.com")
    assert response.status_code == 400 and error_code(response) == "SignatureDoesNotMatch"
    # Signed and sent with another Host header, though delivered here: refused too.
    response = call(demo_server, signed_host="sae.cn-hangzhou.aliyuncs.com", sent_host="sae.cn-hangzhou.aliyuncs.com")
    assert response.status_code == 400 and error_code(response) == "SignatureDoesNotMatch"
    assert "not the host" in response.json()["Message"]
    wrong_port = "127.0.0.1:%d" % (demo_server.port + 1)
    response = call(demo_server, signed_host=wrong_port, sent_host=wrong_port)
    assert response.status_code == 400 and error_code(response) == "SignatureDoesNotMatch"


def test_localhost_is_an_accepted_host_name(demo_server):
    host = "localhost:%d" % demo_server.port
    assert call(demo_server, signed_host=host, sent_host=host).status_code == 200


def test_content_sha256_must_match_the_body(demo_server):
    def edit(headers):
        headers["x-acs-content-sha256"] = "0" * 64

    response = call(demo_server, edit=edit)
    assert response.status_code == 400 and error_code(response) == "SignatureDoesNotMatch"


def test_wrong_action_or_version(demo_server):
    response = call(demo_server, action="ListApplications")
    assert response.status_code == 404 and error_code(response) == "InvalidAction.NotFound"
    response = call(demo_server, version="2017-12-01")
    assert response.status_code == 400 and error_code(response) == "InvalidVersion"


def test_security_token_with_a_permanent_key_is_refused(demo_server):
    creds = Creds(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "CAISmadeUpToken")
    response = call(demo_server, creds=creds)
    assert response.status_code == 400 and error_code(response) == "InvalidSecurityToken.MismatchWithAccessKey"


def test_unknown_security_token_is_malformed(demo_server):
    creds = Creds("STS.NoSuchTemporaryKey", "whatever", "CAISneverIssued")
    response = call(demo_server, creds=creds)
    assert response.status_code == 400 and error_code(response) == "InvalidSecurityToken.Malformed"


def test_error_answers_carry_request_and_host_ids(demo_server):
    response = call(demo_server, creds=Creds("LTAI5tNoSuchKey", "x"))
    document = response.json()
    assert document["HostId"] == "127.0.0.1:%d" % demo_server.port
    assert document["RequestId"] == response.headers["x-acs-request-id"]
