# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The environment tests/unit/conftest.py promises: nothing real can be read or reached."""

from __future__ import annotations

import os
import socket
import tempfile

import pytest


def test_no_real_credentials_and_no_metadata_service():
    assert os.environ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] == "true"
    leftovers = [
        name
        for name in os.environ
        if name.upper().startswith(("ALIBABA_CLOUD_", "ALICLOUD_")) and name != "ALIBABA_CLOUD_ECS_METADATA_DISABLED"
    ]
    assert leftovers == []


def test_home_is_a_scratch_directory():
    home = os.environ["HOME"]
    assert home.startswith(tempfile.gettempdir())
    assert os.path.expanduser("~") == home


def test_sdk_read_the_safe_environment():
    from alibabacloud_credentials.provider import DefaultCredentialsProvider, EcsRamRoleCredentialsProvider
    from alibabacloud_credentials.utils import auth_constant, auth_util

    assert auth_constant.HOME == os.environ["HOME"]
    assert auth_util.environment_ecs_metadata_disabled == "true"
    assert auth_util.environment_access_key_id is None
    chain = DefaultCredentialsProvider()._DefaultCredentialsProvider__providers_chain
    assert not any(isinstance(provider, EcsRamRoleCredentialsProvider) for provider in chain)


@pytest.mark.parametrize("address", [("100.100.100.200", 80), ("192.0.2.1", 443)])
def test_sockets_cannot_leave_the_machine(address):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(OSError, match="only 127.0.0.1 is allowed"):
            sock.connect(address)


def test_names_are_not_resolved():
    with pytest.raises(socket.gaierror, match="refusing to resolve"):
        socket.getaddrinfo("sae.cn-beijing.aliyuncs.com", 443)
    assert socket.getaddrinfo("127.0.0.1", 80)
