# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The real gateway's habits, as the vendor's SDKs show them (shared/reference/GATEWAY-EVIDENCE.md), against the
emulator: the waits its throttling answers ask for, its troubleshooting links, its clock, a TotalSize its pages
contradict, pages smaller than asked; and the warning a plain http:// endpoint elsewhere than loopback deserves."""

from __future__ import annotations

import re
import socket
import sys

import playbook_runner
import pytest
from conftest import credential_env
from playbook_runner import run_module
from proof_helpers import emulator_jobs, inventory_config, run_inventory, write_config

REGION = "cn-beijing"
RECOMMEND = re.compile(
    r"Recommend: https://api\.aliyun\.com/troubleshoot\?q=Throttling\.User&product=sae&requestId=[0-9A-F-]{36}$"
)
UNENCRYPTED = "the AccessKey ID, the security token and the job data travel unencrypted"


def requests_log(emulator) -> list:
    return emulator.control("/_emulator/requests")["requests"]


def one_region(start_emulator, jobs: int, *faults: str):
    return start_emulator("--dataset", "generated", "--jobs", str(jobs), "--regions", REGION, *faults)


@pytest.mark.parametrize("form", ["acs", "ratelimit"])
def test_the_request_after_a_throttle_waits_what_the_gateway_asked_for(tmp_path, safe_env, start_emulator, form):
    # 2.5 s asked for: as x-acs-retry-after 2500 (ms), or x-ratelimit-user-api TimeLeft:2500 (ms)
    faults = ("--throttle-rate", "1", "--max-faults", "1", "--retry-after", "2.5", "--throttle-form", form)
    emulator = one_region(start_emulator, 150, *faults)
    run = run_module(tmp_path, credential_env(safe_env, emulator, REGION), {"region": REGION})
    assert run.returncode == 0, run.output
    assert len(run.result["jobs"]) == 150
    throttle, retry = requests_log(emulator)
    assert throttle["code"] == "Throttling.User" and retry["status"] == 200
    assert 2.5 <= retry["arrived"] - throttle["answered"] <= 4.0, (throttle, retry)
    assert run.result["api_stats"]["throttled"] == 1  # counted by the adaptive limiter as any throttle


def test_the_wait_holds_every_request_of_the_client_not_only_the_throttled_one(tmp_path, safe_env, start_emulator):
    # 20 pages of 200: page 1, then pages 2..20 at once; the first of them is throttled and asks for 2.5 s
    faults = ("--throttle-rate", "1", "--max-faults", "1", "--fault-after", "1", "--retry-after", "2.5")
    emulator = one_region(start_emulator, 4000, "--latency-ms", "300", *faults)
    run = run_module(tmp_path, credential_env(safe_env, emulator, REGION), {"region": REGION})
    assert run.returncode == 0, run.output
    assert len(run.result["jobs"]) == 4000
    log = requests_log(emulator)
    throttle = next(entry for entry in log if entry["code"] == "Throttling.User")
    later = [entry["arrived"] for entry in log if entry["arrived"] > throttle["answered"]]
    assert len(later) == 21  # the throttled page again, and the 20 pages of the confirming read
    assert min(later) - throttle["answered"] >= 2.5


def test_a_failed_call_ends_with_the_recommend_link(tmp_path, safe_env, start_emulator):
    emulator = one_region(start_emulator, 10, "--throttle-rate", "1", "--retry-after", "0.2")
    run = run_module(tmp_path, credential_env(safe_env, emulator, REGION), {"region": REGION, "max_retries": 1})
    assert run.result["failed"], run.output
    assert RECOMMEND.search(run.result["msg"]), run.result["msg"]
    assert run.result["msg"].startswith("SAE ListJobs failed: Throttling.User: Request was denied")
    assert run.result["error"]["recommend"] == run.result["msg"].rpartition("Recommend: ")[2]


def test_a_wait_longer_than_the_client_waits_ends_the_call_at_once_saying_how_long(tmp_path, safe_env, start_emulator):
    emulator = one_region(start_emulator, 10, "--throttle-rate", "1", "--retry-after", "90")
    run = run_module(tmp_path, credential_env(safe_env, emulator, REGION), {"region": REGION})
    assert run.result["failed"], run.output
    assert "the gateway asked to wait 90 s, longer than the 60 s this client waits" in run.result["msg"]
    assert RECOMMEND.search(run.result["msg"]), run.result["msg"]
    assert len(requests_log(emulator)) == 1


def test_an_expired_timestamp_says_how_far_this_machines_clock_is_from_the_gateways(tmp_path, safe_env, start_emulator):
    emulator = one_region(start_emulator, 10, "--clock-offset", "-1023")  # this machine: 17 min 3 s ahead
    run = run_module(tmp_path, credential_env(safe_env, emulator, REGION), {"region": REGION})
    assert run.result["failed"], run.output
    assert run.result["error"]["code"] == "InvalidTimeStamp.Expired"
    said = re.search(r"this machine's clock is 17 min (\d+) s ahead of the gateway's", run.result["msg"])
    assert said and 1 <= int(said.group(1)) <= 5, run.result["msg"]


# A child that runs the command in a session of its own with at most 1 GiB of address space each (a runaway listing
# dies of MemoryError instead of taking the machine down) and for at most 90 s (then every process of it is killed),
# then prints the largest resident set of any process under it, in KiB.
_MEASURED = """
import os, resource, signal, subprocess, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
child = subprocess.Popen(sys.argv[1:], start_new_session=True)
try:
    code = child.wait(90)
except subprocess.TimeoutExpired:
    os.killpg(child.pid, signal.SIGKILL)
    code = child.wait()
print("MAXRSS_KIB %d" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)
"""


def test_an_impossible_total_fails_naming_it_in_max_attempts_requests_and_little_memory(
    tmp_path, safe_env, start_emulator, monkeypatch
):
    emulator = one_region(start_emulator, 150, "--report-total-size", "2000000000")
    timed = playbook_runner.run_timed
    monkeypatch.setattr(
        playbook_runner, "run_timed", lambda command, *args: timed([sys.executable, "-c", _MEASURED, *command], *args)
    )
    run = run_module(tmp_path, credential_env(safe_env, emulator, REGION), {"region": REGION}, timeout=120)
    assert run.result["failed"], run.output
    assert run.result["error"]["code"] == "InvalidResponse"
    assert "TotalSize 2000000000 at PageSize 200" in run.result["msg"] and "held 150 job templates" in run.result["msg"]
    log = requests_log(emulator)
    assert len(log) == 5  # max_attempts reads of page 1, nothing past it
    assert {entry["params"]["CurrentPage"] for entry in log} == {"1"}
    assert log[-1]["answered"] - log[0]["arrived"] < 3.0
    resident_kib = int(re.search(r"MAXRSS_KIB (\d+)", run.output).group(1))
    assert resident_kib < 200 * 1024, resident_kib


def test_pages_of_100_when_200_were_asked_list_every_job_exactly(tmp_path, safe_env, start_emulator):
    emulator = one_region(start_emulator, 1000, "--serve-page-size", "100")
    run = run_module(tmp_path, credential_env(safe_env, emulator, REGION), {"region": REGION, "page_size": 200})
    assert run.returncode == 0, run.output
    assert [job["app_id"] for job in run.result["jobs"]] == [job["AppId"] for job in emulator_jobs(emulator)]
    assert run.result["total_size"] == 1000
    asked = sorted(int(entry["params"]["CurrentPage"]) for entry in requests_log(emulator))
    assert asked == sorted(list(range(1, 11)) * 2)


# ---- plain http:// ------------------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _through_a_dead_local_proxy(env: dict) -> dict:
    """Requests to any host go to a closed port on 127.0.0.1: nothing leaves the machine, not even a name lookup."""
    return dict(env, HTTP_PROXY="http://127.0.0.1:%d" % _closed_port(), NO_PROXY="")


def test_the_module_warns_once_about_plain_http_to_a_host_that_is_not_loopback(tmp_path, safe_env, start_emulator):
    emulator = one_region(start_emulator, 10)
    env = credential_env(safe_env, emulator, REGION)
    assert emulator.endpoint.startswith("http://127.0.0.1:")
    local = run_module(tmp_path, env, {"region": REGION})  # the tests' and the demo's endpoint: nothing to say
    assert local.returncode == 0 and "warnings" not in local.result, local.output
    args = {"region": REGION, "endpoint": "http://sae.{region}.example.invalid", "max_retries": 0}
    run = run_module(tmp_path, _through_a_dead_local_proxy(env), args)
    assert run.result["failed"] and run.result["error"]["code"] == "ConnectionError", run.output
    assert run.result["warnings"] == [
        "endpoint is plain http:// to sae.cn-beijing.example.invalid: %s; use https://." % UNENCRYPTED
    ]
    assert len(requests_log(emulator)) == 1  # the local run's


def test_the_inventory_warns_once_naming_every_host(tmp_path, safe_env, start_emulator):
    emulator = one_region(start_emulator, 10)
    local = run_inventory(tmp_path, safe_env, [write_config(tmp_path, inventory_config(emulator, [REGION]))])
    assert local.returncode == 0 and "unencrypted" not in local.output, local.output
    config = inventory_config(
        emulator, [REGION, "cn-hangzhou"], endpoint="http://sae.{region}.example.invalid", max_retries=0
    )
    run = run_inventory(
        tmp_path, _through_a_dead_local_proxy(safe_env), [write_config(tmp_path, config)], fail_on_unparsed=False
    )
    hosts = "sae.cn-beijing.example.invalid, sae.cn-hangzhou.example.invalid"
    # ansible-core < 2.19 wraps warnings at the terminal width, even inside words: compare without white space
    output = "".join(run.output.split())
    assert output.count("".join(UNENCRYPTED.split())) == 1, run.output
    assert "plainhttp://to%s" % "".join(hosts.split()) in output, run.output
