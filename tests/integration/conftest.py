# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures of the integration tests: the SAE emulator as a process, and a safe environment.

Every process these tests start gets ALIBABA_CLOUD_ECS_METADATA_DISABLED=true, a scratch HOME,
no real credential variable, endpoints on 127.0.0.1 only, and the network guard of tests/netguard.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
for _path in (REPO / "emulator", REPO / "tests" / "netguard"):  # also when PYTHONPATH holds only the collections
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

# The network guard every test process shares (tests/netguard): this one and every child it starts.
import sae_netguard  # noqa: E402
from netguard_pytest import netguard_each_test, pytest_sessionfinish  # noqa: E402, F401  # pylint: disable=unused-import

from sae_emulator.process import EmulatorProcess  # noqa: E402

# The collection every ansible-playbook / ansible-inventory these tests start runs: by default the source tree (a
# symlinked layout under .tmp/); with SAE_TEST_COLLECTIONS_PATH (set by `make matrix-*`), a collections path holding
# it installed from the built tarball, as users get it (build_ignore applied).
INSTALLED_COLLECTIONS = os.environ.get("SAE_TEST_COLLECTIONS_PATH")
COLLECTIONS_PATH = Path(INSTALLED_COLLECTIONS) if INSTALLED_COLLECTIONS else REPO / ".tmp" / "collections"
DEMO_ACCESS_KEY_ID = "LTAI5tSAEEmulatorDemo"
DEMO_ACCESS_KEY_SECRET = "emulator-demo-secret-do-not-use-in-prod"
_CREDENTIAL_PREFIXES = ("ALIBABA_CLOUD_", "ALICLOUD_")


def _ensure_collection_layout() -> None:
    link = COLLECTIONS_PATH / "ansible_collections" / "alicloud" / "sae"
    if INSTALLED_COLLECTIONS:
        if not (link / "MANIFEST.json").is_file():
            pytest.exit("SAE_TEST_COLLECTIONS_PATH=%s holds no installed alicloud.sae" % INSTALLED_COLLECTIONS, 2)
    elif not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO, target_is_directory=True)


# The emulator as a child process (``sae_emulator.process``); the tests know it by this name.
Emulator = EmulatorProcess


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
            # a local connection expands the remote ~ by user (~root), not by HOME: module files stay in scratch
            "ANSIBLE_REMOTE_TMP": str(scratch_home / ".ansible" / "remote_tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "PYTHONPATH": os.pathsep.join([str(REPO / "emulator"), str(COLLECTIONS_PATH)]),
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(proxy, None)
    return sae_netguard.child_environment(env)


@pytest.fixture(scope="session")
def start_emulator(safe_env: dict):
    """Factory: ``start_emulator("--dataset", "demo", ...)`` → a running ``Emulator``, stopped at session end."""
    started = []

    def start(*args: str) -> Emulator:
        emulator = Emulator(list(args), safe_env, cwd=REPO)
        started.append(emulator)
        # Signatures checked with the vendor SDK's signer (a test requirement), never the collection's own code.
        assert emulator.info["signature_verifier"] == "vendor-sdk", emulator.info
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
