# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Readable job data next to the raw codes: state names and ISO 8601 times, in module results and hostvars, and
the default groups ``sae_suspended`` and ``sae_last_run_<state>``, over the emulator's demo data set (which has a
job that never ran, failed, running and succeeded ones, and paused ones)."""

from __future__ import annotations

import pytest
from conftest import credential_env
from playbook_runner import run_module
from proof_helpers import (
    CHANGEORDER_STATE_NAMES,
    JOB_STATE_NAMES,
    emulator_jobs,
    inventory_config,
    iso_time,
    run_inventory,
    write_config,
)

REGIONS = ["cn-hangzhou", "cn-beijing", "cn-shanghai"]


def readable(raw: dict) -> dict:
    """The readable fields of a raw record: from the test's own tables (proof_helpers), every code a known one."""
    return {
        "last_job_state_name": JOB_STATE_NAMES[raw["LastJobState"]],
        "last_changeorder_state_name": CHANGEORDER_STATE_NAMES[raw["LastChangeorderState"]],
        "last_start_time_iso": iso_time(raw["LastStartTime"]),
        "completion_time_iso": iso_time(raw["CompletionTime"]),
    }


@pytest.fixture(scope="module")
def demo(start_emulator):
    emulator = start_emulator("--dataset", "demo")
    jobs = emulator_jobs(emulator)
    # what the checks below rely on: every state, a job that never ran, paused jobs
    assert {job["LastJobState"] for job in jobs} == set(JOB_STATE_NAMES)
    assert any(job["LastJobState"] == "0" and job["LastStartTime"] == job["CompletionTime"] == 0 for job in jobs)
    assert any(job["Suspend"] for job in jobs)
    return emulator, {job["AppId"]: job for job in jobs}


def test_module_results_carry_the_readable_fields(tmp_path, safe_env, demo):
    emulator, raw = demo
    run = run_module(tmp_path, credential_env(safe_env, emulator), {"region": "{{ item }}"}, loop=REGIONS)
    assert run.returncode == 0, run.output
    jobs = [job for result in run.result["results"] for job in result["jobs"]]
    assert sorted(job["app_id"] for job in jobs) == sorted(raw)
    for job in jobs:
        source = raw[job["app_id"]]
        assert {key: job[key] for key in readable(source)} == readable(source), job["app_name"]
        # the raw fields are kept
        assert (job["last_job_state"], job["last_start_time"]) == (source["LastJobState"], source["LastStartTime"])
    never = [job for job in jobs if job["last_job_state"] == "0"]
    assert never and all(job["last_start_time_iso"] is None and job["completion_time_iso"] is None for job in never)
    assert all(job["last_job_state_name"] == "not_run" for job in never)


def test_hostvars_and_default_groups(tmp_path, safe_env, demo):
    emulator, raw = demo
    source = write_config(tmp_path, inventory_config(emulator, REGIONS))
    listed = run_inventory(tmp_path, safe_env, [source])
    assert listed.returncode == 0, listed.output
    host_of = {variables["sae_app_id"]: host for host, variables in listed.hostvars.items()}
    assert sorted(host_of) == sorted(raw)
    for app_id, host in host_of.items():
        variables = listed.hostvars[host]
        expected = {"sae_" + key: value for key, value in readable(raw[app_id]).items()}
        assert {name: variables[name] for name in expected} == expected, host
        assert variables["sae_last_job_state"] == raw[app_id]["LastJobState"]
    assert sorted(listed.group_hosts("sae_suspended")) == sorted(
        host_of[app_id] for app_id, job in raw.items() if job["Suspend"] is True
    )
    for code, name in JOB_STATE_NAMES.items():
        assert sorted(listed.group_hosts("sae_last_run_%s" % name)) == sorted(
            host_of[app_id] for app_id, job in raw.items() if job["LastJobState"] == code
        ), name
    run_groups = {group for group in listed.inventory if group.startswith("sae_last_run_")}
    assert run_groups == {"sae_last_run_%s" % name for name in JOB_STATE_NAMES.values()}
