# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared fixtures of the unit tests, and the environment every one of them runs in.

Environment safety comes first, at import time: alibabacloud-credentials reads its
environment variables and ``HOME`` when it is imported, so they are made safe here,
before any test module (or anything it imports) can import it.

- ``ALIBABA_CLOUD_ECS_METADATA_DISABLED=true``: the default chain never asks 100.100.100.200.
- ``HOME`` is a scratch directory: no real ``~/.aliyun`` or ``~/.alibabacloud`` file is read.
- Every real ``ALIBABA_CLOUD_*`` / ``ALICLOUD_*`` variable, every proxy variable and the CA bundle
  variables requests reads are removed (tests that need them set them).
- Sockets may only reach 127.0.0.1 / ::1 / localhost: tests/netguard guards this process and its children.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

_SCRATCH_HOME = tempfile.mkdtemp(prefix="alicloud-sae-unit-home-")
_REQUESTS_VARIABLES = (
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "FTP_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
)  # fmt: skip


def _make_environment_safe() -> None:
    if "alibabacloud_credentials" in sys.modules:
        raise RuntimeError(
            "alibabacloud_credentials was imported before tests/unit/conftest.py made the environment safe"
        )
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(("ALIBABA_CLOUD_", "ALICLOUD_")) or upper in _REQUESTS_VARIABLES:
            del os.environ[name]
    os.environ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"
    os.environ["HOME"] = _SCRATCH_HOME
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost,::1"


_make_environment_safe()
atexit.register(shutil.rmtree, _SCRATCH_HOME, True)

# Only now may anything that could import alibabacloud_credentials be imported.
import subprocess  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# The network guard every test process shares (tests/netguard): this one and every child it starts.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "netguard"))
import sae_netguard  # noqa: E402
from netguard_pytest import netguard_each_test, pytest_sessionfinish  # noqa: E402, F401  # pylint: disable=unused-import

# No example database in the tree (ansible-test runs from the collection root); no deadline,
# since a loaded CI machine makes timing-based failures meaningless.
settings.register_profile(
    "alicloud-sae", database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=100
)
settings.load_profile("alicloud-sae")


def collections_root() -> Path:
    """The directory holding ``ansible_collections/`` that this run imports the collection from."""
    from ansible_collections.alicloud.sae.plugins.module_utils import errors

    # .../ansible_collections/alicloud/sae/plugins/module_utils/errors.py: parents[5] holds ansible_collections.
    return Path(os.path.abspath(errors.__file__)).parents[5]


@pytest.fixture
def scratch_home():
    """The scratch HOME alibabacloud-credentials read at import, emptied of credential files around the test."""
    home = Path(_SCRATCH_HOME)

    def clean() -> None:
        for name in (".aliyun", ".alibabacloud"):
            shutil.rmtree(home / name, ignore_errors=True)

    clean()
    from alibabacloud_credentials.utils import auth_constant

    assert auth_constant.HOME == _SCRATCH_HOME, "alibabacloud_credentials did not pick up the scratch HOME"
    yield home
    clean()


@pytest.fixture
def run_isolated(tmp_path):
    """Run Python code in a fresh interpreter with a minimal, safe environment and its own scratch HOME.

    Needed wherever alibabacloud-credentials must read the environment afresh (it does so at import).
    """
    home = tmp_path / "isolated-home"
    home.mkdir()

    def run(code: str, env: dict | None = None) -> subprocess.CompletedProcess:
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
            "NO_PROXY": "127.0.0.1,localhost,::1",
            "PYTHONPATH": os.pathsep.join([str(collections_root())] + [p for p in sys.path if p]),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        environment.update(env or {})
        environment = sae_netguard.child_environment(environment)
        return subprocess.run(
            [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=120, check=False
        )

    run.home = home
    return run


@pytest.fixture
def fake_api(monkeypatch):
    """A fake SAE ListJobs service behind every way the client sends a request: no socket is ever opened."""
    from ansible_collections.alicloud.sae.tests.unit.utils import FakeSaeApi, serve_fake_api

    api = FakeSaeApi()
    serve_fake_api(api, monkeypatch)
    return api
