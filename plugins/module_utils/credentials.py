# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Credential resolution. First match wins:

1. explicit ``access_key_id`` + ``access_key_secret`` (+ ``security_token``);
2. ``role_arn``: AssumeRole through alibabacloud-credentials, from the explicit keys if given,
   else from ``profile``, else from its default chain;
3. ``profile``: the aliyun CLI profile, then the INI credentials file profile;
4. alibabacloud-credentials' default chain.

The explicit-key path never imports alibabacloud-credentials: that import costs about 180 ms, on every task.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import Any, Callable

from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeCredentialError

STATIC_DESCRIPTION = "explicit access_key_id/access_key_secret"
DEFAULT_CHAIN_DESCRIPTION = (
    "the alibabacloud-credentials default chain (ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET, "
    "OIDC role, ~/.aliyun/config.json, ~/.alibabacloud/credentials.ini, ECS RAM role unless "
    "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true, ALIBABA_CLOUD_CREDENTIALS_URI)"
)


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)


class CredentialSource:
    """Where credentials come from; ``get()`` is called before each request so STS credentials can refresh."""

    def __init__(self, description: str, fetch: Callable[[], Credentials], secrets: tuple = ()) -> None:
        self.description = description
        self._fetch = fetch
        self._secrets = tuple(s for s in secrets if s)

    def get(self) -> Credentials:
        try:
            credentials = self._fetch()
        except Exception as exc:  # the SDK raises many types; each becomes one clear error
            raise SaeCredentialError(
                "Could not get Alibaba Cloud credentials from %s: %s"
                % (self.description, redact("%s" % exc, self._secrets))
            ) from None
        if not credentials.access_key_id or not credentials.access_key_secret:
            raise SaeCredentialError("Could not get Alibaba Cloud credentials from %s." % self.description)
        return credentials


def redact(text: str, secrets: tuple) -> str:
    """Replace each secret in ``text`` with a placeholder."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "********")
    return text


def _static_source(params: dict) -> CredentialSource:
    credentials = Credentials(
        params["access_key_id"], params["access_key_secret"], params.get("security_token") or None
    )
    return CredentialSource(STATIC_DESCRIPTION, lambda: credentials)


def _from_sdk(provider: Any) -> Credentials:
    sdk_credentials = provider.get_credentials()
    return Credentials(
        sdk_credentials.get_access_key_id(),
        sdk_credentials.get_access_key_secret(),
        sdk_credentials.get_security_token() or None,
    )


def _sdk_source(description: str, make_provider: Callable[[], Any], secrets: tuple = ()) -> CredentialSource:
    # The provider is made on first use (then kept): a bad option surfaces as a credential error, not at import.
    provider = functools.lru_cache(maxsize=None)(make_provider)
    return CredentialSource(description, lambda: _from_sdk(provider()), secrets)


def _profile_provider(profile: str) -> Any:
    from alibabacloud_credentials.provider import CLIProfileCredentialsProvider, ProfileCredentialsProvider
    from alibabacloud_credentials.utils import auth_constant, auth_util

    providers = [CLIProfileCredentialsProvider(profile_name=profile)]
    if not auth_util.environment_credentials_file:
        # The documented INI file: the SDK itself only reads ~/.alibabacloud/credentials.ini.
        documented = os.path.join(auth_constant.HOME, ".alibabacloud", "credentials")
        providers.append(ProfileCredentialsProvider(profile_name=profile, profile_file=documented))
    providers.append(ProfileCredentialsProvider(profile_name=profile))
    return _FirstOf(providers)


def _static_provider(params: dict) -> Any:
    """The explicit keys as the SDK's own static provider, the base AssumeRole starts from."""
    from alibabacloud_credentials.provider import StaticAKCredentialsProvider, StaticSTSCredentialsProvider

    keys = {"access_key_id": params["access_key_id"], "access_key_secret": params["access_key_secret"]}
    if params.get("security_token"):
        return StaticSTSCredentialsProvider(security_token=params["security_token"], **keys)
    return StaticAKCredentialsProvider(**keys)


def _default_chain_provider() -> Any:
    from alibabacloud_credentials.provider import DefaultCredentialsProvider

    return DefaultCredentialsProvider()


class _FirstOf:
    """The first provider that yields credentials; the error lists why each failed."""

    def __init__(self, providers: list) -> None:
        self._providers = providers

    def get_credentials(self) -> Any:
        errors = []
        for provider in self._providers:
            try:
                credentials = provider.get_credentials()
            except Exception as exc:
                errors.append("%s: %s" % (type(provider).__name__, exc))
                continue
            if credentials is not None:
                return credentials
        # Not a SaeCredentialError: CredentialSource.get() must wrap it with what was tried.
        raise LookupError("; ".join(errors))


def _role_source(params: dict, base_description: str, base_provider: Callable[[], Any]) -> CredentialSource:
    def make_provider() -> Any:
        from alibabacloud_credentials.provider import RamRoleArnCredentialsProvider

        return RamRoleArnCredentialsProvider(
            credentials_provider=base_provider(),
            role_arn=params["role_arn"],
            role_session_name=params.get("role_session_name") or "ansible-alicloud-sae",
            sts_endpoint=params.get("sts_endpoint") or None,
        )

    description = "role_arn %s (AssumeRole from %s)" % (params["role_arn"], base_description)
    return _sdk_source(description, make_provider, (params.get("access_key_secret"), params.get("security_token")))


def resolve_credential_source(params: dict) -> CredentialSource:
    """Pick the credential source for ``params`` (the common options). Imports nothing heavy."""
    key_id, secret = params.get("access_key_id"), params.get("access_key_secret")
    if bool(key_id) != bool(secret):
        given, missing = ("access_key_id", "access_key_secret") if key_id else ("access_key_secret", "access_key_id")
        raise SaeCredentialError("%s is required when %s is set." % (missing, given))
    if params.get("security_token") and not key_id:
        raise SaeCredentialError("security_token needs access_key_id and access_key_secret.")

    profile = params.get("profile")
    if params.get("role_arn"):
        if key_id:
            return _role_source(params, STATIC_DESCRIPTION, lambda: _static_provider(params))
        if profile:
            return _role_source(params, "profile %s" % profile, lambda: _profile_provider(profile))
        return _role_source(params, DEFAULT_CHAIN_DESCRIPTION, _default_chain_provider)
    if key_id:
        return _static_source(params)
    if profile:
        return _sdk_source(
            "profile %s (~/.aliyun/config.json, then ~/.alibabacloud/credentials or credentials.ini)" % profile,
            lambda: _profile_provider(profile),
        )
    return _sdk_source(DEFAULT_CHAIN_DESCRIPTION, _default_chain_provider)
