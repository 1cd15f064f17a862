# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a listing costs, counted by the emulator: every API request is quota someone else wanted."""

from __future__ import annotations

from collections import Counter

from conftest import credential_env
from playbook_runner import run_module
from proof_helpers import emulator_jobs, inventory_config, reset_counters, run_inventory, set_faults, write_config

REGIONS = ["cn-beijing", "cn-hangzhou", "cn-shanghai", "cn-shenzhen", "cn-chengdu"]


def pages_asked(emulator) -> Counter:
    """(region, page number) of every ListJobs request the emulator answered, with how often each was asked."""
    log = emulator.control("/_emulator/requests")["requests"]
    return Counter((entry["region"], int(entry["params"]["CurrentPage"])) for entry in log)


def test_a_listing_of_one_page_is_one_request(tmp_path, safe_env, start_emulator):
    emulator = start_emulator("--dataset", "generated", "--jobs", "150", "--regions", "cn-beijing", "--seed", "1")
    run = run_module(tmp_path, credential_env(safe_env, emulator, "cn-beijing"), {"region": "cn-beijing"})
    assert run.returncode == 0, run.output
    assert len(run.result["jobs"]) == run.result["total_size"] == 150
    assert run.result["api_stats"] == {
        "requests": 1,
        "retries": 0,
        "retried_codes": {},
        "throttled": 0,
        "rate_limit": None,  # nothing throttled, no ceiling: nothing limited, nothing waited for
    }
    assert pages_asked(emulator) == Counter({("cn-beijing", 1): 1})


def test_an_inventory_of_five_one_page_regions_is_five_requests(tmp_path, safe_env, start_emulator):
    emulator = start_emulator("--dataset", "generated", "--jobs", "500", "--regions", ",".join(REGIONS))
    assert [len(emulator_jobs(emulator, region)) for region in REGIONS] == [100] * 5
    run = run_inventory(tmp_path, safe_env, [write_config(tmp_path, inventory_config(emulator, REGIONS))])
    assert run.returncode == 0, run.output
    assert len(run.hostvars) == 500
    assert pages_asked(emulator) == Counter({(region, 1): 1 for region in REGIONS})


def test_a_listing_of_20_pages_is_40_requests_none_past_the_total(tmp_path, safe_env, start_emulator):
    emulator = start_emulator("--dataset", "generated", "--jobs", "4000", "--regions", "cn-beijing", "--seed", "2")
    run = run_module(tmp_path, credential_env(safe_env, emulator, "cn-beijing"), {"region": "cn-beijing"})
    assert run.returncode == 0, run.output
    assert [job["app_id"] for job in run.result["jobs"]] == [job["AppId"] for job in emulator_jobs(emulator)]
    assert run.result["api_stats"]["requests"] == 40
    # each of the 20 pages twice (the first read and the one confirming it), and nothing past page 20
    assert pages_asked(emulator) == Counter({("cn-beijing", page): 2 for page in range(1, 21)})


def test_a_job_deleted_and_another_created_mid_listing_is_neither_missed_nor_doubled(
    tmp_path, safe_env, start_emulator
):
    emulator = start_emulator("--dataset", "generated", "--jobs", "4000", "--regions", "cn-beijing", "--seed", "3")
    before = [job["AppId"] for job in emulator_jobs(emulator)]
    reset_counters(emulator)
    # After the 5th request (during the first read's pages 2..20): the first job goes, a new one comes last.
    set_faults(emulator, mutate_after=5, mutate_delete=before[0])
    run = run_module(tmp_path, credential_env(safe_env, emulator, "cn-beijing"), {"region": "cn-beijing"})
    assert run.returncode == 0, run.output
    after = [job["AppId"] for job in emulator_jobs(emulator)]
    assert after[:-1] == before[1:] and after[-1] not in before  # the total is unchanged: 4000
    assert [job["app_id"] for job in run.result["jobs"]] == after
    # the first read saw the change, so a third read had to confirm the second: 60 requests
    assert run.result["api_stats"]["requests"] == 60
