# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Answers that leave out their null and empty members (the emulator's ``--sparse``), as gateways in front of
Java services send them and the vendor SDK reads them: sae_job_info (ansible-playbook) and the sae_job
inventory (ansible-inventory) read them as the same jobs.

The data set (data/sparse_dataset.json) has tagged and untagged job templates in cn-beijing (a tag with an
empty value, empty ImageUrl, AppDescription, Message and TriggerConfig among them) and no job in cn-shanghai.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import credential_env
from playbook_runner import run_module_cases
from proof_helpers import EXPECTED_FIELDS, emulator_jobs, expected_job, inventory_config, run_inventory, write_config

from ansible_collections.alicloud.sae.plugins.module_utils.normalise import JOB_KEYS

DATASET = Path(__file__).resolve().parent / "data" / "sparse_dataset.json"
REGION = "cn-beijing"
EMPTY_REGION = "cn-shanghai"
EMPTY_NAMESPACE = "cn-beijing:no-jobs-here"


def sent(value: object) -> object:
    """A text member as a sparse answer carries it: left out (read as null) when it is empty."""
    return None if value == "" else value


def expected_sparse_job(raw: dict) -> dict:
    """What the module returns for ``raw`` (the emulator's record) read from a sparse answer."""
    job = {key: sent(raw[field]) for key, field in EXPECTED_FIELDS.items()}
    job["tags"] = {tag["Key"]: sent(tag["Value"]) for tag in raw["Tags"]}
    trigger = sent(raw["TriggerConfig"])
    job["trigger_config"] = json.loads(trigger) if trigger is not None else None
    job.update((key, value) for key, value in expected_job(raw).items() if key not in job)  # codes and times: sent
    return {key: job[key] for key in JOB_KEYS}


def empty_text_as_null(value: object) -> object:
    """``value`` with every empty string in it (at any depth) made null: what a sparse answer turns it into."""
    if isinstance(value, dict):
        return {name: empty_text_as_null(item) for name, item in value.items()}
    if isinstance(value, list):
        return [empty_text_as_null(item) for item in value]
    return sent(value)


@pytest.fixture(scope="module")
def sparse(start_emulator):
    emulator = start_emulator("--dataset-file", str(DATASET), "--sparse")
    assert emulator.control("/_emulator/faults")["sparse"] is True
    return emulator


@pytest.fixture(scope="module")
def full(start_emulator):
    return start_emulator("--dataset-file", str(DATASET))


@pytest.fixture(scope="module")
def raw_jobs(full) -> list:
    jobs = emulator_jobs(full, REGION)
    # The data set holds what this suite is about: untagged and tagged jobs, and empty text to leave out.
    assert any(not job["Tags"] for job in jobs) and any(job["Tags"] for job in jobs)
    assert any(tag["Value"] == "" for job in jobs for tag in job["Tags"])
    assert {"ImageUrl", "AppDescription", "Message", "TriggerConfig"} <= {
        field for job in jobs for field, value in job.items() if value == ""
    }
    assert emulator_jobs(full, EMPTY_REGION) == []
    return jobs


# ---- sae_job_info ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def module_listings(tmp_path_factory, safe_env, sparse):
    """The module's listings of the sparse emulator, one ansible-playbook for them all (one task each)."""
    cases = {
        "empty namespace": {"region": REGION, "namespace_id": EMPTY_NAMESPACE},
        "empty region": {"region": EMPTY_REGION},
        "region": {"region": REGION},
    }
    return run_module_cases(tmp_path_factory.mktemp("sparse_module"), credential_env(safe_env, sparse, REGION), cases)


def test_module_on_an_empty_namespace_returns_no_jobs(module_listings):
    run = module_listings
    assert run.returncode == 0, run.output
    result = run.results["empty namespace"]
    assert result["jobs"] == [] and result["total_size"] == 0
    assert result.get("failed") is not True


def test_module_on_an_empty_region_returns_no_jobs(module_listings):
    run = module_listings
    assert run.returncode == 0, run.output
    result = run.results["empty region"]
    assert (result["jobs"], result["total_size"]) == ([], 0)


def test_module_returns_every_job_with_every_key(module_listings, raw_jobs):
    run = module_listings
    assert run.returncode == 0, run.output
    jobs = run.results["region"]["jobs"]
    assert run.results["region"]["total_size"] == len(raw_jobs) == len(jobs)
    assert all(tuple(job) == JOB_KEYS for job in jobs)
    assert jobs == [expected_sparse_job(raw) for raw in raw_jobs]
    untagged = [job for job, raw in zip(jobs, raw_jobs, strict=True) if not raw["Tags"]]
    assert untagged and all(job["tags"] == {} for job in untagged)


# ---- the sae_job inventory -------------------------------------------------------------------------


def _inventory(tmp_path: Path, safe_env: dict, emulator, name: str, **options) -> dict:
    config = write_config(tmp_path, inventory_config(emulator, **options), name=name)
    run = run_inventory(tmp_path, safe_env, [config])
    assert run.returncode == 0, run.output
    return run.inventory


def test_inventory_over_an_empty_namespace_is_empty(tmp_path, safe_env, sparse, full):
    options = {"regions": [REGION], "namespaces": [EMPTY_NAMESPACE]}
    listed = _inventory(tmp_path, safe_env, sparse, "sparse", **options)
    assert listed["_meta"]["hostvars"] == {}
    assert not any(group.get("hosts") for group in listed.values() if isinstance(group, dict))
    assert listed == _inventory(tmp_path, safe_env, full, "full", **options)


def test_inventory_over_the_whole_region_is_the_one_of_full_answers(tmp_path, safe_env, sparse, full, raw_jobs):
    options = {"regions": [REGION, EMPTY_REGION]}
    from_sparse = _inventory(tmp_path, safe_env, sparse, "sparse", **options)
    from_full = _inventory(tmp_path, safe_env, full, "full", **options)
    hostvars = from_sparse.pop("_meta")["hostvars"]
    full_hostvars = from_full.pop("_meta")["hostvars"]
    assert len(hostvars) == len(raw_jobs)
    assert from_sparse == from_full  # the same groups, holding the same hosts
    assert hostvars.keys() == full_hostvars.keys()
    # The same variables, but for the empty text a sparse answer leaves out: the SDK, too, reads it as null.
    assert hostvars == empty_text_as_null(full_hostvars)
    unchanged = [host for host, values in full_hostvars.items() if empty_text_as_null(values) == values]
    assert unchanged and all(hostvars[host] == full_hostvars[host] for host in unchanged)
    untagged = {raw["AppId"] for raw in raw_jobs if not raw["Tags"]}
    assert {values["sae_app_id"] for values in hostvars.values() if values["sae_tags"] == {}} == untagged
