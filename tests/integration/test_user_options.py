# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What inventory users asked for (issue 20), end to end through the collection against the emulator:
alibaba.alicloud's names for the role, a CA bundle option, extra vars in templated options, several filter
sets, and exclusions. Real ``ansible-inventory`` and ``ansible-playbook`` processes, each case with the
failure that must be clear."""

from __future__ import annotations

import pytest
from conftest import credential_env
from playbook_runner import run_module
from proof_helpers import emulator_jobs, emulator_stats, inventory_config, run_inventory, write_config

REGION = "cn-beijing"
REGIONS = ["cn-beijing", "cn-hangzhou"]
ROLE_ARN = "acs:ram::1234567890123456:role/inventory-users"


@pytest.fixture(scope="module")
def emulator(start_emulator):
    """HTTP and HTTPS on one port (a fresh CA, for STS and for ``ca_bundle``)."""
    return start_emulator(
        "--dataset", "generated", "--jobs", "36", "--regions", ",".join(REGIONS), "--namespaces", "3",
        "--seed", "20", "--tls",
    )  # fmt: skip


def _config(emulator, regions: list, **options) -> dict:
    """The inventory configuration, over plain HTTP unless ``endpoint`` says otherwise."""
    return inventory_config(emulator, regions, **dict({"endpoint": emulator.info["http_endpoint"]}, **options))


def _app_ids(run) -> set:
    return {values["sae_app_id"] for values in run.hostvars.values()}


def _assumed_roles(emulator) -> int:
    return emulator_stats(emulator)["by_action"].get("AssumeRole", 0)


# ---- 5. alibaba.alicloud's names for the role ------------------------------------------------------


def test_inventory_takes_alibaba_alicloud_role_aliases(tmp_path, safe_env, emulator):
    env = dict(safe_env, SSL_CERT_FILE=emulator.info["ca_file"])  # STS runs over HTTPS through the vendor SDK
    config = _config(
        emulator,
        [REGION],
        sts_endpoint=emulator.info["sts_endpoint"],
        alicloud_assume_role_arn=ROLE_ARN,
        alicloud_assume_role_session_name="inventory-users",
    )
    before = _assumed_roles(emulator)
    run = run_inventory(tmp_path, env, [write_config(tmp_path, config)])
    assert run.returncode == 0, run.output
    assert _app_ids(run) == {job["AppId"] for job in emulator_jobs(emulator, REGION)}
    assert _assumed_roles(emulator) == before + 1
    # The session name reaches AssumeRole: one the STS refuses fails the inventory.
    refused = write_config(tmp_path, dict(config, alicloud_assume_role_session_name="x"), "refused")
    run = run_inventory(tmp_path, env, [refused])
    assert run.returncode != 0
    assert run.says("RoleSessionName"), run.output[-3000:]


def test_module_reads_alibaba_alicloud_role_environment_variables(tmp_path, safe_env, emulator):
    env = credential_env(
        safe_env,
        emulator,
        REGION,
        ALIBABA_CLOUD_SAE_ENDPOINT=emulator.info["http_endpoint"],
        SSL_CERT_FILE=emulator.info["ca_file"],
        ALICLOUD_ASSUME_ROLE_ARN=ROLE_ARN,
        ALICLOUD_ASSUME_ROLE_SESSION_NAME="module-users",
    )
    args = {"sts_endpoint": emulator.info["sts_endpoint"]}
    before = _assumed_roles(emulator)
    run = run_module(tmp_path, env, args)
    assert run.result is not None and run.result.get("failed") is not True, run.output
    assert [job["app_id"] for job in run.result["jobs"]] == [job["AppId"] for job in emulator_jobs(emulator, REGION)]
    assert _assumed_roles(emulator) == before + 1
    refused = run_module(tmp_path, dict(env, ALICLOUD_ASSUME_ROLE_SESSION_NAME="x"), args)
    assert refused.result["failed"] is True
    assert "RoleSessionName" in refused.result["msg"]
