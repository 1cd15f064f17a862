# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a failed call's message adds about its usual cause: the credentials, a region without SAE."""

from __future__ import annotations

import pytest

from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError, SaeParameterError
from ansible_collections.alicloud.sae.plugins.module_utils.hints import hint
from ansible_collections.alicloud.sae.tests.unit.utils import AK_ID, SECRET

KEYS = {"access_key_id": AK_ID, "access_key_secret": SECRET}
SIGNATURE = SaeApiError("SignatureDoesNotMatch", "Specified signature is not matched.", "R1", 400, "cn-beijing")


@pytest.mark.parametrize(
    "params, source",
    [
        (KEYS, "credentials tried: explicit access_key_id/access_key_secret;"),
        ({"profile": "ops"}, "credentials tried: profile ops (~/.aliyun/config.json"),
        (dict(KEYS, role_arn="acs:ram::1:role/r"), "credentials tried: role_arn acs:ram::1:role/r (AssumeRole from"),
        ({}, "credentials tried: the alibabacloud-credentials default"),
    ],
)
def test_a_signature_error_names_the_credentials_and_the_usual_cause(params, source):
    text = hint(SIGNATURE, params)
    assert source in text
    assert text.endswith("; a wrong AccessKey secret is the usual cause")
    assert SECRET not in text


def test_the_environment_variable_the_access_key_came_from_is_named(monkeypatch):
    monkeypatch.setenv("ALICLOUD_ACCESS_KEY", AK_ID)
    assert hint(SIGNATURE, KEYS) == (
        "; credentials tried: explicit access_key_id/access_key_secret (access_key_id from the environment variable "
        "ALICLOUD_ACCESS_KEY); a wrong AccessKey secret is the usual cause"
    )
    monkeypatch.setenv("ALICLOUD_ACCESS_KEY", "another-key-id")
    assert "environment variable" not in hint(SIGNATURE, KEYS)


def test_other_credential_errors_name_the_credentials_only():
    error = SaeApiError("InvalidAccessKeyId.NotFound", "not found", "R2", 404, "cn-beijing")
    assert hint(error, KEYS) == "; credentials tried: explicit access_key_id/access_key_secret"


def test_invalid_action_says_the_region_may_not_offer_sae():
    error = SaeApiError("InvalidAction.NotFound", "Specified api is not found.", "R3", 404, "ap-nowhere-1")
    assert hint(error, KEYS) == "; region ap-nowhere-1 may not offer SAE, or the endpoint is wrong"


@pytest.mark.parametrize(
    "error",
    [
        SaeApiError("Throttling.User", "denied", "R4", 400, "cn-beijing"),
        SaeApiError("ConnectionError", "could not talk to 127.0.0.1:1"),
        SaeParameterError("page_size must be a whole number"),
    ],
)
def test_no_hint_for_the_other_errors(error):
    assert hint(error, KEYS) == ""
