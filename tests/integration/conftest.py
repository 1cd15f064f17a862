# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures of the integration tests: the SAE emulator as a process, and a safe environment.

Every process these tests start gets ALIBABA_CLOUD_ECS_METADATA_DISABLED=true, a scratch HOME,
no real credential variable, and endpoints on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COLLECTIONS_PATH = REPO / ".tmp" / "collections"
DEMO_ACCESS_KEY_ID = "LTAI5tSAEEmulatorDemo"
DEMO_ACCESS_KEY_SECRET = "emulator-demo-secret-do-not-use-in-prod"
_CREDENTIAL_PREFIXES = ("ALIBABA_CLOUD_", "ALICLOUD_")


def _ensure_collection_layout() -> None:
    link = COLLECTIONS_PATH / "ansible_collections" / "alicloud" / "sae"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO, target_is_directory=True)


class Emulator:
    """A running emulator process; ``info`` is the JSON line it printed on start."""

    def __init__(self, args: list, env: dict) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sae_emulator", "--port", "0", *args],
            cwd=str(REPO),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        if not line:
            self.process.kill()
            raise RuntimeError("the emulator did not start: %s" % self.process.stderr.read())
        self.info = json.loads(line)
        self.port = self.info["port"]
        self.endpoint = self.info["endpoint"]
        self.base_url = (
            "http://127.0.0.1:%d" % self.port if not self.info.get("ca_file") else "https://127.0.0.1:%d" % self.port
        )

    def control(self, path: str, payload: object = None) -> object:
        """GET (or POST ``payload`` as JSON to) a path of the emulator's control interface."""
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method="GET" if data is None else "POST")
        request.add_header("Content-Type", "application/json")
        context = None
        if self.info.get("ca_file"):
            import ssl

            context = ssl.create_default_context(cafile=self.info["ca_file"])
        with urllib.request.urlopen(request, timeout=10, context=context) as answer:
            return json.loads(answer.read() or b"null")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()


@pytest.fixture(scope="session")
def scratch_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="session")
def safe_env(scratch_home: Path) -> dict:
    """The environment for every subprocess: no real credentials, no metadata service, no real HOME."""
    _ensure_collection_layout()
    env = {name: value for name, value in os.environ.items() if not name.startswith(_CREDENTIAL_PREFIXES)}
    env.update(
        {
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
            "HOME": str(scratch_home),
            "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_PATH),
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_LOCAL_TEMP": str(scratch_home / ".ansible" / "tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "PYTHONPATH": os.pathsep.join([str(REPO / "emulator"), str(COLLECTIONS_PATH)]),
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(proxy, None)
    return env


@pytest.fixture(scope="session")
def start_emulator(safe_env: dict):
    """Factory: ``start_emulator("--dataset", "demo", ...)`` → a running ``Emulator``, stopped at session end."""
    started = []

    def start(*args: str) -> Emulator:
        emulator = Emulator(list(args), safe_env)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


def credential_env(safe_env: dict, emulator: Emulator, region: str = "cn-beijing", **extra: str) -> dict:
    """``safe_env`` plus the emulator's demo credentials and endpoint, as AWX would inject them."""
    env = dict(safe_env)
    env.update(
        {
            "ALIBABA_CLOUD_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEMO_ACCESS_KEY_SECRET,
            "ALIBABA_CLOUD_REGION_ID": region,
            "ALIBABA_CLOUD_SAE_ENDPOINT": emulator.endpoint,
        }
    )
    env.update(extra)
    return env
