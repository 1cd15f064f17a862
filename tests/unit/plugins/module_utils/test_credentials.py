# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Credential resolution: precedence, the lazy SDK import, profiles, the default chain, secrecy."""

from __future__ import annotations

import json

import pytest

from ansible_collections.alicloud.sae.plugins.module_utils import credentials as creds
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeCredentialError
from ansible_collections.alicloud.sae.tests.unit.utils import AK_ID, SECRET

ROLE_ARN = "acs:ram::1234567890123456:role/sae-readonly"


def write_cli_config(home, profiles, current=None):
    directory = home / ".aliyun"
    directory.mkdir(exist_ok=True)
    document = {"current": current or profiles[0]["name"], "profiles": profiles}
    (directory / "config.json").write_text(json.dumps(document), encoding="utf-8")


def cli_profile(name, key_id, secret, mode="AK", **extra):
    return dict({"name": name, "mode": mode, "access_key_id": key_id, "access_key_secret": secret}, **extra)


def write_ini(home, name, sections):
    directory = home / ".alibabacloud"
    directory.mkdir(exist_ok=True)
    text = "".join(
        "[%s]\ntype = access_key\naccess_key_id = %s\naccess_key_secret = %s\n\n" % (section, key_id, secret)
        for section, (key_id, secret) in sections.items()
    )
    (directory / name).write_text(text, encoding="utf-8")


@pytest.fixture
def recorded_roles(monkeypatch):
    """Replace AssumeRole's network call: record each real RamRoleArnCredentialsProvider and its base."""
    from alibabacloud_credentials import provider
    from alibabacloud_credentials.provider.refreshable import Credentials as SdkCredentials

    made = []

    class RecordingRamRoleArn(provider.RamRoleArnCredentialsProvider):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.kwargs = kwargs
            self.base_credentials = None
            made.append(self)

        def get_credentials(self):
            self.base_credentials = self.kwargs["credentials_provider"].get_credentials()
            return SdkCredentials(
                access_key_id="STS.assumed",
                access_key_secret="assumed-secret",
                security_token="assumed-token",
                provider_name="ram_role_arn",
            )

    monkeypatch.setattr(provider, "RamRoleArnCredentialsProvider", RecordingRamRoleArn)
    return made


# --- explicit keys ------------------------------------------------------------------------------------


def test_explicit_keys_are_used_as_given():
    source = creds.resolve_credential_source({"access_key_id": AK_ID, "access_key_secret": SECRET})
    assert source.description == "explicit access_key_id/access_key_secret"
    assert source.get() == creds.Credentials(AK_ID, SECRET, None)


def test_explicit_keys_with_token():
    params = {"access_key_id": "STS.id", "access_key_secret": SECRET, "security_token": "tok"}
    assert creds.resolve_credential_source(params).get() == creds.Credentials("STS.id", SECRET, "tok")


def test_explicit_keys_win_over_profile(scratch_home):
    write_cli_config(scratch_home, [cli_profile("dev", "AK-PROFILE", "profile-secret")])
    source = creds.resolve_credential_source({"access_key_id": AK_ID, "access_key_secret": SECRET, "profile": "dev"})
    assert source.get().access_key_id == AK_ID


@pytest.mark.parametrize(
    "params, missing",
    [
        ({"access_key_id": AK_ID}, "access_key_secret is required when access_key_id is set"),
        ({"access_key_secret": SECRET}, "access_key_id is required when access_key_secret is set"),
        ({"access_key_id": AK_ID, "access_key_secret": ""}, "access_key_secret is required"),
        ({"access_key_id": AK_ID, "role_arn": ROLE_ARN}, "access_key_secret is required"),
        ({"security_token": "tok"}, "security_token needs access_key_id and access_key_secret"),
    ],
)
def test_half_given_keys_fail_at_resolution(params, missing):
    with pytest.raises(SaeCredentialError) as caught:
        creds.resolve_credential_source(params)
    assert missing in str(caught.value)
    assert SECRET not in str(caught.value)


def test_explicit_key_path_never_imports_the_sdk(run_isolated):
    code = """
import sys
from ansible_collections.alicloud.sae.plugins.module_utils.credentials import resolve_credential_source
from ansible_collections.alicloud.sae.plugins.module_utils.client import JobQuery, SaeClient
import ansible_collections.alicloud.sae.plugins.modules.sae_job_info
from ansible_collections.alicloud.sae.plugins.module_utils import transport

params = {"access_key_id": "AK", "access_key_secret": "S", "profile": "ignored", "endpoint": None}
source = resolve_credential_source(params)
assert source.get().access_key_id == "AK"

class Answer:
    status_code = 200
    headers = {"Content-Type": "application/json"}
    content = b'{"Success": true, "Data": {"TotalSize": 1, "Applications": [{"AppId": "a1"}]}}'

class Session:
    def get(self, url, **kwargs):
        return Answer()
    def close(self):
        pass

client_transport = transport.Transport(params, credential_source=source, session=Session())
with SaeClient(params, ["cn-beijing"], transport=client_transport) as client:
    assert [job["app_id"] for job in client.list_jobs(JobQuery("cn-beijing")).jobs] == ["a1"]
print("after explicit keys:", "alibabacloud_credentials" in sys.modules)

try:
    resolve_credential_source({"profile": "nosuch"}).get()
except Exception:
    pass
print("after profile:", "alibabacloud_credentials" in sys.modules)
"""
    result = run_isolated(code)
    assert result.returncode == 0, result.stderr
    # The second line proves the check can see the import at all.
    assert result.stdout.splitlines() == ["after explicit keys: False", "after profile: True"]


# --- role_arn -------------------------------------------------------------------------------------


def test_role_is_assumed_from_explicit_keys_first(recorded_roles, scratch_home):
    write_cli_config(scratch_home, [cli_profile("dev", "AK-PROFILE", "profile-secret")])
    params = {
        "access_key_id": AK_ID,
        "access_key_secret": SECRET,
        "profile": "dev",
        "role_arn": ROLE_ARN,
        "role_session_name": "my-session",
        "sts_endpoint": "127.0.0.1:9443",
    }
    source = creds.resolve_credential_source(params)
    assert source.description.startswith("role_arn %s (AssumeRole from explicit" % ROLE_ARN)
    assert source.get() == creds.Credentials("STS.assumed", "assumed-secret", "assumed-token")
    (role,) = recorded_roles
    assert role.kwargs["role_arn"] == ROLE_ARN
    assert role.kwargs["role_session_name"] == "my-session"
    assert role.kwargs["sts_endpoint"] == "127.0.0.1:9443"
    assert role.base_credentials.get_access_key_id() == AK_ID
    assert role.base_credentials.get_access_key_secret() == SECRET


def test_role_is_assumed_from_profile_without_keys(recorded_roles, scratch_home):
    write_cli_config(scratch_home, [cli_profile("dev", "AK-PROFILE", "profile-secret")])
    source = creds.resolve_credential_source({"profile": "dev", "role_arn": ROLE_ARN})
    assert source.description.startswith("role_arn %s (AssumeRole from profile dev" % ROLE_ARN)
    assert source.get().security_token == "assumed-token"
    (role,) = recorded_roles
    assert role.kwargs["role_session_name"] == "ansible-alicloud-sae"
    assert role.kwargs["sts_endpoint"] is None
    assert role.base_credentials.get_access_key_id() == "AK-PROFILE"


def test_role_is_assumed_from_default_chain_last(recorded_roles, scratch_home):
    from alibabacloud_credentials.provider import DefaultCredentialsProvider

    write_cli_config(scratch_home, [cli_profile("chain", "AK-CHAIN", "chain-secret")])
    source = creds.resolve_credential_source({"role_arn": ROLE_ARN})
    assert "default chain" in source.description
    assert source.get().access_key_id == "STS.assumed"
    (role,) = recorded_roles
    assert isinstance(role.kwargs["credentials_provider"], DefaultCredentialsProvider)
    assert role.base_credentials.get_access_key_id() == "AK-CHAIN"


def test_role_failure_is_one_redacted_error(monkeypatch):
    from alibabacloud_credentials import provider

    class FailingRamRoleArn(provider.RamRoleArnCredentialsProvider):
        def get_credentials(self):
            raise RuntimeError("STS said no to secret %s and token tok-SECRET-123" % SECRET)

    monkeypatch.setattr(provider, "RamRoleArnCredentialsProvider", FailingRamRoleArn)
    params = {"access_key_id": AK_ID, "access_key_secret": SECRET, "security_token": "tok-SECRET-123"}
    source = creds.resolve_credential_source(dict(params, role_arn=ROLE_ARN))
    with pytest.raises(SaeCredentialError) as caught:
        source.get()
    message = str(caught.value)
    assert message.startswith("Could not get Alibaba Cloud credentials from role_arn %s" % ROLE_ARN)
    assert "STS said no" in message
    assert SECRET not in message
    assert "tok-SECRET-123" not in message
    assert "********" in message


# --- profile --------------------------------------------------------------------------------------


def test_profile_from_aliyun_cli_config(scratch_home):
    write_cli_config(
        scratch_home,
        [cli_profile("default", "AK-DEFAULT", "default-secret"), cli_profile("dev", "AK-DEV", "dev-secret")],
        current="default",
    )
    source = creds.resolve_credential_source({"profile": "dev"})
    assert source.get() == creds.Credentials("AK-DEV", "dev-secret", None)


def test_sts_profile_from_aliyun_cli_config(scratch_home):
    write_cli_config(scratch_home, [cli_profile("sts", "STS.id", "sts-secret", mode="StsToken", sts_token="tok")])
    assert creds.resolve_credential_source({"profile": "sts"}).get() == creds.Credentials("STS.id", "sts-secret", "tok")


def test_profile_from_documented_ini_file(scratch_home):
    # The documentation (and the profile option) names ~/.alibabacloud/credentials.
    write_ini(scratch_home, "credentials", {"default": ("AK-D", "d-secret"), "ops": ("AK-INI", "ini-secret")})
    assert creds.resolve_credential_source({"profile": "ops"}).get() == creds.Credentials("AK-INI", "ini-secret")


def test_profile_from_sdk_default_ini_file(scratch_home):
    # alibabacloud-credentials itself reads ~/.alibabacloud/credentials.ini.
    write_ini(scratch_home, "credentials.ini", {"ops": ("AK-INI2", "ini2-secret")})
    assert creds.resolve_credential_source({"profile": "ops"}).get() == creds.Credentials("AK-INI2", "ini2-secret")


def test_cli_profile_wins_over_ini_profile(scratch_home):
    write_cli_config(scratch_home, [cli_profile("ops", "AK-CLI", "cli-secret")])
    write_ini(scratch_home, "credentials", {"ops": ("AK-INI", "ini-secret")})
    assert creds.resolve_credential_source({"profile": "ops"}).get().access_key_id == "AK-CLI"


def test_missing_profile_is_one_error_naming_what_was_tried(scratch_home):
    write_cli_config(scratch_home, [cli_profile("dev", "AK-DEV", "dev-secret")])
    with pytest.raises(SaeCredentialError) as caught:
        creds.resolve_credential_source({"profile": "nosuch"}).get()
    message = str(caught.value)
    assert message.startswith("Could not get Alibaba Cloud credentials from profile nosuch")
    assert ".aliyun/config.json" in message
    assert ".alibabacloud/credentials" in message
    assert "dev-secret" not in message


# --- the default chain ----------------------------------------------------------------------------


def test_default_chain_reads_environment_variables(run_isolated):
    code = """
import json
from ansible_collections.alicloud.sae.plugins.module_utils.credentials import resolve_credential_source
source = resolve_credential_source({})
got = source.get()
print(json.dumps([source.description, got.access_key_id, got.access_key_secret, got.security_token]))
"""
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "AK-FROM-ENV",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret",
        "ALIBABA_CLOUD_SECURITY_TOKEN": "env-token",
    }
    result = run_isolated(code, env)
    assert result.returncode == 0, result.stderr
    description, key_id, secret, token = json.loads(result.stdout)
    assert description == creds.DEFAULT_CHAIN_DESCRIPTION
    assert (key_id, secret, token) == ("AK-FROM-ENV", "env-secret", "env-token")


def test_default_chain_reads_the_cli_current_profile(run_isolated):
    write_cli_config(run_isolated.home, [cli_profile("other", "AK-O", "o"), cli_profile("cur", "AK-CUR", "c")], "cur")
    code = """
from ansible_collections.alicloud.sae.plugins.module_utils.credentials import resolve_credential_source
print(resolve_credential_source({}).get().access_key_id)
"""
    result = run_isolated(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "AK-CUR"


def test_default_chain_description_names_the_ini_file_the_chain_reads(run_isolated):
    write_ini(run_isolated.home, "credentials.ini", {"default": ("AK-INI-CHAIN", "s")})
    code = """
from ansible_collections.alicloud.sae.plugins.module_utils.credentials import resolve_credential_source
print(resolve_credential_source({}).get().access_key_id)
"""
    result = run_isolated(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "AK-INI-CHAIN"
    assert "~/.alibabacloud/credentials.ini" in creds.DEFAULT_CHAIN_DESCRIPTION


def test_no_credentials_anywhere_is_one_error_naming_what_was_tried(scratch_home):
    with pytest.raises(SaeCredentialError) as caught:
        creds.resolve_credential_source({}).get()
    message = str(caught.value)
    assert message.startswith("Could not get Alibaba Cloud credentials from the alibabacloud-credentials default chain")
    for tried in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "~/.aliyun/config.json", "EnvironmentVariableCredentialsProvider"):
        assert tried in message
    assert "\n" not in message


# --- CredentialSource -----------------------------------------------------------------------------


def test_source_rejects_empty_credentials():
    source = creds.CredentialSource("a test source", lambda: creds.Credentials("", "x"))
    with pytest.raises(SaeCredentialError, match="^Could not get Alibaba Cloud credentials from a test source.$"):
        source.get()


def test_source_redacts_known_secrets_from_sdk_errors():
    def fetch():
        raise ValueError("bad response for %s" % SECRET)

    source = creds.CredentialSource("a test source", fetch, (SECRET, None))
    with pytest.raises(SaeCredentialError) as caught:
        source.get()
    assert str(caught.value) == "Could not get Alibaba Cloud credentials from a test source: bad response for ********"


def test_source_fetches_on_every_get():
    tokens = iter(["t1", "t2"])
    source = creds.CredentialSource("rotating", lambda: creds.Credentials("STS.id", "s", next(tokens)))
    assert [source.get().security_token, source.get().security_token] == ["t1", "t2"]


def test_secrets_are_not_in_reprs():
    value = creds.Credentials(AK_ID, SECRET, "token-XYZ")
    assert AK_ID in repr(value)
    assert SECRET not in repr(value)
    assert "token-XYZ" not in repr(value)
    assert SECRET not in str(value)
    source = creds.resolve_credential_source({"access_key_id": AK_ID, "access_key_secret": SECRET})
    assert SECRET not in repr(source)
    assert SECRET not in source.description


def test_redact():
    assert creds.redact("a SECRET b SECRET", ("SECRET", None, "")) == "a ******** b ********"
    assert creds.redact("nothing here", ()) == "nothing here"
