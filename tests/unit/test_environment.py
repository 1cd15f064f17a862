# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The environment tests/unit/conftest.py promises: nothing real can be read or reached."""

from __future__ import annotations

import json
import os
import socket
import tempfile
from types import SimpleNamespace

import netguard_pytest
import pytest
import sae_netguard


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


@pytest.mark.parametrize("address", [("100.100.100.200", 80), ("192.0.2.1", 443), ("::ffff:192.0.2.1", 443)])
def test_sockets_cannot_leave_the_machine(address):
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with sae_netguard.expect_refusals() as refused, socket.socket(family, socket.SOCK_STREAM) as sock:
        with pytest.raises(ConnectionRefusedError, match="refusing to connect to %r" % address[0]):
            sock.connect(address)
        assert [(entry["action"], entry["host"]) for entry in refused()] == [("connect to", address[0])]


def test_names_are_not_resolved():
    with sae_netguard.expect_refusals() as refused:
        with pytest.raises(socket.gaierror, match="refusing to resolve 'sae.cn-beijing.aliyuncs.com'"):
            socket.getaddrinfo("sae.cn-beijing.aliyuncs.com", 443)
        with pytest.raises(socket.gaierror, match="refusing to resolve 'example.invalid'"):
            socket.gethostbyname("example.invalid")
        assert socket.getaddrinfo("127.0.0.1", 80) and socket.getaddrinfo("localhost", 80)
        assert [entry["host"] for entry in refused()] == ["sae.cn-beijing.aliyuncs.com", "example.invalid"]


CHILD_REACHES_OUT = """
import socket, sys
try:
    socket.create_connection(("192.0.2.7", 443), timeout=5)
except OSError as error:
    print(error)  # swallowed, as a client's retry loop or a play's ignore_errors would
try:
    socket.socket().connect(("198.51.100.9", 80))
except OSError as error:
    print(error)
"""


def test_a_child_process_is_refused_and_the_refusal_recorded(run_isolated):
    # The child swallows its errors and exits 0: only the record file tells.
    with sae_netguard.expect_refusals() as refused:
        done = run_isolated(CHILD_REACHES_OUT)
        assert done.returncode == 0, done.stderr
        assert "refusing to connect to '198.51.100.9'" in done.stdout
        assert "refusing to resolve '192.0.2.7'" in done.stdout  # create_connection looks the address up first
        recorded = refused()
    assert [(entry["action"], entry["host"]) for entry in recorded] == [
        ("resolve", "192.0.2.7"),
        ("connect to", "198.51.100.9"),
    ]
    assert {entry["pid"] for entry in recorded} != {os.getpid()}


def test_a_refusal_fails_the_session(tmp_path, monkeypatch):
    record = tmp_path / "record.jsonl"
    monkeypatch.setenv(sae_netguard.RECORD_VARIABLE, str(record))
    session = SimpleNamespace(exitstatus=0)
    netguard_pytest.pytest_sessionfinish(session, 0)
    assert session.exitstatus == 0
    record.write_text(json.dumps({"pid": 1, "argv": ["ansible-playbook"], "action": "resolve", "host": "x.y"}) + "\n")
    netguard_pytest.pytest_sessionfinish(session, 0)
    assert session.exitstatus == 1
