from __future__ import annotations

import calendar
import time
import uuid
from urllib.parse import urlencode

import pytest
import requests
from emu_helpers import Creds, call, error_code

from sae_emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, EmulatorServer
from sae_emulator.sts import string_to_sign, v1_signature

ROLE_ARN = "acs:ram::1234567890123456:role/sae-readonly"


def forget_tea_sessions() -> None:
    # Tea caches one HTTPS session (and its trust store) per host:port; ports get reused across tests.
    from Tea.core import TeaCore

    TeaCore._sessions.clear()


@pytest.fixture
def tls_server(monkeypatch):
    forget_tea_sessions()
    with EmulatorServer(dataset="demo", tls=True) as server:
        # Tea's HTTPS session builds its context with ssl.create_default_context(), which reads
        # SSL_CERT_FILE; it sends with verify=True, so REQUESTS_CA_BUNDLE is never consulted.
        monkeypatch.setenv("SSL_CERT_FILE", server.ca_file)
        yield server


def provider(server, **kwargs):
    from alibabacloud_credentials.provider import RamRoleArnCredentialsProvider

    settings = {
        "access_key_id": DEMO_ACCESS_KEY_ID,
        "access_key_secret": DEMO_ACCESS_KEY_SECRET,
        "role_arn": ROLE_ARN,
        "role_session_name": "emulator-tests",
        "sts_endpoint": server.sts_endpoint,
    }
    settings.update(kwargs)
    return RamRoleArnCredentialsProvider(**settings)


def sts_creds(server, **kwargs) -> Creds:
    got = provider(server, **kwargs).get_credentials()
    return Creds(got.get_access_key_id(), got.get_access_key_secret(), got.get_security_token())


def test_assume_role_through_alibabacloud_credentials(tls_server):
    got = provider(tls_server, duration_seconds=1800).get_credentials()
    assert got.get_access_key_id().startswith("STS.")
    assert got.get_security_token() and got.get_access_key_secret()
    assert got.get_access_key_secret() != DEMO_ACCESS_KEY_SECRET
    remaining = got.get_expiration() - time.time()
    assert 1700 < remaining <= 1800
    stats = tls_server.stats()
    assert stats["by_action"] == {"AssumeRole": 1} and stats["sts_sessions"] == 1


def test_policy_with_spaces_is_accepted(tls_server):
    # alibabacloud-credentials encodes with quote_plus (space as +) where the V1 spec says %20.
    policy = '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sae:ListJobs", "Resource": "*"}]}'
    assert sts_creds(tls_server, policy=policy).access_key_id.startswith("STS.")


def test_temporary_credentials_list_jobs_only_with_their_token(tls_server):
    creds = sts_creds(tls_server)
    response = call(tls_server, creds=creds, scheme="https", verify=tls_server.ca_file)
    assert response.status_code == 200, response.text
    # Plain HTTP on the same port works too.
    assert call(tls_server, creds=creds).status_code == 200

    without_token = Creds(creds.access_key_id, creds.access_key_secret)
    response = call(tls_server, creds=without_token)
    assert response.status_code == 400 and error_code(response) == "InvalidSecurityToken.MismatchWithAccessKey"

    other = sts_creds(tls_server, role_session_name="another-session")
    swapped = Creds(creds.access_key_id, creds.access_key_secret, other.security_token)
    response = call(tls_server, creds=swapped)
    assert response.status_code == 400 and error_code(response) == "InvalidSecurityToken.MismatchWithAccessKey"

    bogus = Creds(creds.access_key_id, creds.access_key_secret, "CAISnotIssuedByUs")
    response = call(tls_server, creds=bogus)
    assert response.status_code == 400 and error_code(response) == "InvalidSecurityToken.Malformed"

    assert tls_server.expire_sts_tokens() == 2
    response = call(tls_server, creds=creds)
    assert response.status_code == 400 and error_code(response) == "InvalidSecurityToken.Expired"


def test_wrong_secret_fails_assume_role(tls_server):
    from alibabacloud_credentials.exceptions import CredentialException

    with pytest.raises(CredentialException) as caught:
        provider(tls_server, access_key_secret="wrong-secret").get_credentials()
    assert "SignatureDoesNotMatch" in str(caught.value) and "http_code: 400" in str(caught.value)
    assert tls_server.stats()["sts_sessions"] == 0


def test_unknown_key_fails_assume_role(tls_server):
    from alibabacloud_credentials.exceptions import CredentialException

    with pytest.raises(CredentialException) as caught:
        provider(tls_server, access_key_id="LTAI5tNoSuchKey").get_credentials()
    assert "InvalidAccessKeyId.NotFound" in str(caught.value) and "http_code: 404" in str(caught.value)


@pytest.mark.parametrize("role_arn", ["arn:aws:iam::1:role/x", "acs:ram::abc:role/x", "acs:ram::1:user/x"])
def test_malformed_role_arn(tls_server, role_arn):
    from alibabacloud_credentials.exceptions import CredentialException

    with pytest.raises(CredentialException) as caught:
        provider(tls_server, role_arn=role_arn).get_credentials()
    assert "InvalidParameter.RoleArn" in str(caught.value)


def test_https_is_really_verified():
    from alibabacloud_credentials.exceptions import CredentialException

    # A fresh server whose CA nobody trusts: the handshake must fail (the Tea session is per port).
    forget_tea_sessions()
    with EmulatorServer(tls=True) as server:
        with pytest.raises((CredentialException, Exception)) as caught:
            provider(server).get_credentials()
        assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value) or "certificate verify failed" in str(caught.value)
        assert server.stats()["sts_sessions"] == 0


def signed_query(params: dict, secret: str = DEMO_ACCESS_KEY_SECRET) -> str:
    params = dict(params)
    params["Signature"] = v1_signature(secret, string_to_sign("GET", params, _quote_spec))
    return urlencode(params)


def _quote_spec(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="~")


def base_params(**extra: str) -> dict:
    params = {
        "Action": "AssumeRole",
        "Format": "JSON",
        "Version": "2015-04-01",
        "DurationSeconds": "900",
        "RoleArn": ROLE_ARN,
        "RoleSessionName": "manual",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "SignatureNonce": uuid.uuid4().hex,
        "AccessKeyId": DEMO_ACCESS_KEY_ID,
    }
    params.update(extra)
    return params


def assume(server, query: str) -> requests.Response:
    return requests.get("https://127.0.0.1:%d/?%s" % (server.port, query), verify=server.ca_file, timeout=10)


def test_assume_role_answer_shape(tls_server):
    response = assume(tls_server, signed_query(base_params()))
    assert response.status_code == 200, response.text
    document = response.json()
    assert set(document) == {"RequestId", "AssumedRoleUser", "Credentials"}
    assert set(document["Credentials"]) == {"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}
    assert document["AssumedRoleUser"]["Arn"] == ROLE_ARN + "/manual"
    assert document["AssumedRoleUser"]["AssumedRoleId"].endswith(":manual")
    expiration = calendar.timegm(time.strptime(document["Credentials"]["Expiration"], "%Y-%m-%dT%H:%M:%SZ"))
    assert 850 < expiration - time.time() <= 900


@pytest.mark.parametrize(
    "change,status,code",
    [
        ({"DurationSeconds": "899"}, 400, "InvalidParameter.DurationSeconds"),
        ({"DurationSeconds": "3601"}, 400, "InvalidParameter.DurationSeconds"),
        ({"RoleSessionName": "a b"}, 400, "InvalidParameter.RoleSessionName"),
        ({"Version": "2019-01-01"}, 400, "InvalidVersion"),
        ({"SignatureMethod": "HMAC-SHA256"}, 400, "InvalidSignatureMethod"),
        (
            {"Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))},
            400,
            "InvalidTimeStamp.Expired",
        ),
        ({"Action": "GetCallerIdentity"}, 404, "InvalidAction.NotFound"),
    ],
)
def test_assume_role_parameter_errors(tls_server, change, status, code):
    response = assume(tls_server, signed_query(base_params(**change)))
    assert response.status_code == status and response.json()["Code"] == code


def test_assume_role_missing_role_arn(tls_server):
    params = base_params()
    del params["RoleArn"]
    response = assume(tls_server, signed_query(params))
    assert response.status_code == 400 and response.json()["Code"] == "MissingParameter"


def test_assume_role_nonce_reuse(tls_server):
    query = signed_query(base_params())
    assert assume(tls_server, query).status_code == 200
    response = assume(tls_server, query)
    assert response.status_code == 400 and response.json()["Code"] == "SignatureNonceUsed"


def test_assume_role_tampered_query(tls_server):
    query = signed_query(base_params()).replace("RoleSessionName=manual", "RoleSessionName=other")
    response = assume(tls_server, query)
    assert response.status_code == 400 and response.json()["Code"] == "SignatureDoesNotMatch"


def test_role_chaining_with_temporary_credentials(tls_server):
    first = sts_creds(tls_server)
    params = base_params(AccessKeyId=first.access_key_id, SecurityToken=first.security_token)
    response = assume(tls_server, signed_query(params, first.access_key_secret))
    assert response.status_code == 200, response.text
    without_token = base_params(AccessKeyId=first.access_key_id)
    response = assume(tls_server, signed_query(without_token, first.access_key_secret))
    assert response.status_code == 400 and response.json()["Code"] == "InvalidSecurityToken.MismatchWithAccessKey"
