# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault suite: sae_job_info (ansible-playbook) and the sae_job inventory (ansible-inventory) against the
emulator's fault injection: throttling and 5xx, jobs changing mid-listing, a server that never answers,
malformed answers, unreachable endpoints.

What test_sae_job_info.py already covers for the module (a hanging server, a refused connection's
error code) and test_inventory_sae_job.py for the inventory (one region failing among several, with and
without skip_failed_regions) is not repeated here.
"""

from __future__ import annotations

import os
import re
import socket

import pytest
import sae_netguard
from conftest import credential_env
from playbook_runner import run_module
from proof_helpers import (
    emulator_jobs,
    emulator_stats,
    flat,
    inventory_config,
    run_inventory,
    set_faults,
    write_config,
)

REGION = "cn-beijing"
# Enough retries that 30 % throttling + 10 % 503 cannot exhaust them (0.4 ** 11 per request).
MAX_RETRIES = 10
TRANSIENT = {"throttle_rate": 0.3, "error_rate": 0.1}
MALFORMED_REGIONS = ("cn-beijing", "cn-hangzhou", "cn-shanghai", "cn-shenzhen", "cn-chengdu", "cn-qingdao")
MALFORMED = {
    # kind: what the error must say (all of it), and its code
    "html": (["HTTP502", "text/html", "not JSON", "502 Bad Gateway"], "HTTP502"),
    "truncated": (["InvalidResponse", "not JSON"], "InvalidResponse"),
    "short_read": (["IncompleteRead", "cut short"], "ConnectionError"),
    "text": (["InvalidResponse", "text/plain", "not JSON", "upstream connect error"], "InvalidResponse"),
    "no_data": (["InvalidResponse", "no Data.Applications"], "InvalidResponse"),
    "success_false": (["InternalError", "The request processing has failed"], "InternalError"),
}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ids(jobs: list, key: str = "AppId") -> list:
    return [job[key] for job in jobs]


def _injected(stats: dict) -> dict:
    """The faults the emulator injected, as the client names the codes it retried."""
    return {
        code: count for code, count in stats["by_code"].items() if code in ("Throttling.User", "ServiceUnavailable")
    }


def _inventory_app_ids(run) -> list:
    return [variables["sae_app_id"] for variables in run.hostvars.values()]


# ---- throttling and 5xx ------------------------------------------------------------------


def test_module_result_is_complete_under_throttling_and_503s_and_reports_the_retries(
    tmp_path, safe_env, start_emulator
):
    emulator = start_emulator(
        "--dataset", "generated", "--jobs", "1000", "--regions", REGION, "--seed", "21",
        "--throttle-rate", "0.3", "--error-rate", "0.1", "--fault-seed", "5",
    )  # fmt: skip
    raw = emulator_jobs(emulator, REGION)
    run = run_module(
        tmp_path,
        credential_env(safe_env, emulator, REGION),
        {"region": REGION, "page_size": 100, "max_retries": MAX_RETRIES},
        verbosity=3,
    )
    assert run.returncode == 0, run.output
    assert _ids(run.result["jobs"], "app_id") == _ids(raw)  # complete, exact, in the API's order
    assert run.result["total_size"] == len(raw) == 1000
    stats = emulator_stats(emulator)
    injected = _injected(stats)
    assert sum(injected.values()) >= 3, stats  # the faults really happened
    api_stats = dict(run.result["api_stats"])
    rate_limit = api_stats.pop("rate_limit")
    assert api_stats == {
        "requests": stats["requests"],
        "retries": sum(injected.values()),
        "retried_codes": injected,
        "throttled": injected.get("Throttling.User", 0),
    }
    assert rate_limit > 0 if injected.get("Throttling.User") else rate_limit is None
    # -vvv shows the result, and with it the retries
    shown = re.search(r'"retried_codes": \{([^}]*)\}', run.output)
    assert shown, run.output[-3000:]
    for code, count in injected.items():
        assert '"%s": %d' % (code, count) in shown.group(1)


def test_inventory_is_complete_under_throttling_and_503s_and_shows_the_retries_at_vvv(
    tmp_path, safe_env, start_emulator
):
    regions = ["cn-beijing", "cn-hangzhou", "cn-shanghai"]
    emulator = start_emulator(
        "--dataset", "generated", "--jobs", "3000", "--regions", ",".join(regions), "--seed", "22",
        "--throttle-rate", "0.3", "--error-rate", "0.1", "--fault-seed", "6",
    )  # fmt: skip
    raw = emulator_jobs(emulator)
    source = write_config(tmp_path, inventory_config(emulator, regions, max_retries=MAX_RETRIES))
    run = run_inventory(tmp_path, safe_env, [source], verbosity=3)
    assert run.returncode == 0, run.output
    app_ids = _inventory_app_ids(run)
    assert sorted(app_ids) == sorted(_ids(raw)) and len(app_ids) == 3000
    stats = emulator_stats(emulator)
    injected = _injected(stats)
    assert sum(injected.values()) >= 3, stats
    shown = re.search(r"(\d+) API request\(s\), (\d+) retr(?:y|ies)(.*)", run.output)
    assert shown, run.output[-3000:]
    assert (int(shown.group(1)), int(shown.group(2))) == (stats["requests"], sum(injected.values()))
    for code, count in injected.items():
        assert "'%s': %d" % (code, count) in shown.group(3)
    assert "; %d throttled, rate limited to " % injected["Throttling.User"] in shown.group(3)


# ---- jobs created and deleted while the pages are read -------------------------------------


@pytest.fixture(scope="module")
def mutating(start_emulator):
    """Two emulators whose data change once while a listing runs (1000 jobs, 10 pages of 100)."""
    return [
        start_emulator("--dataset", "generated", "--jobs", "1000", "--regions", REGION, "--seed", str(seed))
        for seed in (31, 32)
    ]


def _check_listing_across_a_mutation(got: list, before: list, after: list) -> None:
    """A listing read while the data changed once is the data after the change, exactly: two reads in a row
    must agree before a listing is accepted, and only the later ones can."""
    assert before != after
    assert got == after, (
        "missing: %s, extra: %s" % (sorted(set(after) - set(got)), sorted(set(got) - set(after)))
        if set(got) != set(after)
        else "same jobs, another order or a job twice"
    )


def test_module_listing_while_a_job_is_deleted_and_one_created(tmp_path, safe_env, mutating):
    first, second = mutating
    befores = [_ids(emulator_jobs(emulator, REGION)) for emulator in mutating]
    # 1: right after page 1, a job of page 1 is deleted and one is appended: the job count does not change.
    set_faults(first, mutate_after=1, mutate_delete=befores[0][5])
    # 2: a seeded random job is deleted (and one appended) while the later pages are being read.
    set_faults(second, mutate_after=4, seed=3)
    run = run_module(
        tmp_path,
        credential_env(safe_env, first, REGION),
        {"region": REGION, "page_size": 100, "endpoint": "{{ item }}"},
        loop=[emulator.endpoint for emulator in mutating],
    )
    assert run.returncode == 0, run.output
    for emulator, before, result in zip(mutating, befores, run.result["results"], strict=True):
        assert result.get("failed") is not True, result
        (mutation,) = emulator_stats(emulator)["mutations"]
        assert mutation["deleted"] and mutation["created"]
        after = _ids(emulator_jobs(emulator, REGION))
        _check_listing_across_a_mutation(_ids(result["jobs"], "app_id"), before, after)


def test_inventory_listing_while_a_job_is_deleted_and_one_created(tmp_path, safe_env, start_emulator):
    emulator = start_emulator(
        "--dataset", "generated", "--jobs", "2000", "--regions", "cn-beijing,cn-hangzhou", "--seed", "33"
    )
    before = _ids(emulator_jobs(emulator))
    beijing = _ids(emulator_jobs(emulator, "cn-beijing"))
    set_faults(emulator, mutate_after=1, mutate_region="cn-beijing", mutate_delete=beijing[7])
    source = write_config(tmp_path, inventory_config(emulator, ["cn-beijing", "cn-hangzhou"]))
    run = run_inventory(tmp_path, safe_env, [source])
    assert run.returncode == 0, run.output
    (mutation,) = emulator_stats(emulator)["mutations"]
    assert mutation["deleted"] == beijing[7] and mutation["created"]
    # The inventory's hosts come in host-name order, not the API's.
    _check_listing_across_a_mutation(
        sorted(_inventory_app_ids(run)), sorted(before), sorted(_ids(emulator_jobs(emulator)))
    )


# ---- a server that accepts the connection and never answers (inventory) ---------------------


def test_inventory_against_a_server_that_never_answers_fails_within_timeout_times_attempts(
    tmp_path, safe_env, start_emulator
):
    emulator = start_emulator("--dataset", "demo")
    timeout, max_retries = 1, 2
    # The same inventory failing before any request: what Ansible itself costs on this machine now.
    (tmp_path / "baseline").mkdir()
    baseline_source = write_config(tmp_path / "baseline", inventory_config(emulator, ["Not-A-Region"]))
    baseline = run_inventory(tmp_path / "baseline", safe_env, [baseline_source])
    assert baseline.returncode != 0 and baseline.says("Not-A-Region")
    assert emulator_stats(emulator)["requests"] == 0
    set_faults(emulator, hang_rate=1.0)
    source = write_config(tmp_path, inventory_config(emulator, [REGION], timeout=timeout, max_retries=max_retries))
    try:
        run = run_inventory(tmp_path, safe_env, [source])
    finally:
        set_faults(emulator)  # let the held connections go
    assert run.returncode != 0
    assert run.says("ReadTimeout")
    assert run.says("no answer from 127.0.0.1:%d within %s s" % (emulator.port, float(timeout)))
    assert run.says("region %s" % REGION)
    assert "Traceback" not in run.output
    # page 1 with its retries, and nothing else: no page is asked for before page 1 gives the total
    assert emulator_stats(emulator)["requests"] == max_retries + 1
    # timeout x attempts, plus at most 0.5 + 1 s of backoff, plus slack for a loaded machine.
    assert run.seconds - baseline.seconds < timeout * (max_retries + 1) + 1.5 + 3


# ---- malformed answers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def malformed(start_emulator):
    """One emulator per malformed answer kind, each giving that answer to every request."""
    return {kind: start_emulator("--dataset", "demo", "--malformed", kind) for kind in MALFORMED}


def test_module_malformed_answers_fail_with_a_clear_error(tmp_path, safe_env, malformed):
    kinds = list(malformed)
    any_emulator = malformed[kinds[0]]
    run = run_module(
        tmp_path,
        credential_env(safe_env, any_emulator, REGION),
        {"region": REGION, "endpoint": "{{ item }}", "max_retries": 0},
        loop=[malformed[kind].endpoint for kind in kinds],
        verbosity=3,
    )
    assert "Traceback" not in run.output
    assert len(run.result["results"]) == len(kinds)
    for kind, result in zip(kinds, run.result["results"], strict=True):
        needles, code = MALFORMED[kind]
        assert result["failed"] is True, (kind, result)
        assert result["error"]["code"] == code, (kind, result)
        assert result["error"]["region"] == REGION
        if kind != "short_read":  # an answer that was read names its request id, JSON or not
            assert result["error"]["request_id"], (kind, result)
            assert result["error"]["request_id"] in result["msg"], (kind, result)
        for needle in needles:
            assert needle in result["msg"], (kind, needle, result["msg"])
        # ansible-core >= 2.19 adds "exception": "(traceback unavailable)" to every fail_json
        assert "Traceback" not in result.get("exception", "") and "module_stderr" not in result, (kind, result)


def test_inventory_malformed_answers_fail_with_a_clear_error(tmp_path, safe_env, malformed):
    # One region per kind, so that each failure message says which source it came from.
    regions = dict(zip(MALFORMED, MALFORMED_REGIONS, strict=True))
    sources = {
        kind: write_config(tmp_path, inventory_config(emulator, [regions[kind]], max_retries=0), name=kind)
        for kind, emulator in malformed.items()
    }
    # Without ANSIBLE_INVENTORY_UNPARSED_FAILED every source is tried, and each failure is a warning.
    run = run_inventory(tmp_path, safe_env, list(sources.values()), fail_on_unparsed=False)
    assert "Traceback" not in run.output
    assert run.inventory is not None and "sae_jobs" not in run.inventory
    for kind in sources:
        needles, _code = MALFORMED[kind]
        messages = re.findall(r"SAEListJobsfailed:(.*?)\(region%s[,)]" % re.escape(regions[kind]), flat(run.output))
        assert messages, (kind, run.output[-4000:])
        for needle in needles:
            assert flat(needle) in messages[0], (kind, needle, messages[0])
    # ... and with it set (as AWX does), the first failure fails the command.
    strict = run_inventory(tmp_path, safe_env, [sources["no_data"]])
    assert strict.returncode != 0
    assert strict.says("no Data.Applications") and "Traceback" not in strict.output


# ---- unreachable endpoints --------------------------------------------------------------------

UNRESOLVABLE_HOST = "sae-test.invalid"
UNREACHABLE = {
    # endpoint, what the error must say
    "refused": ("http://127.0.0.1:{port}/{{region}}", ["ConnectionError", "127.0.0.1:{port}", "refused"]),
    # The test network guard (tests/netguard) fails this lookup as a resolver would, without asking one.
    "unresolvable": ("http://%s/{{region}}" % UNRESOLVABLE_HOST, ["ConnectionError", UNRESOLVABLE_HOST, "resolve"]),
}


def _only_the_unresolvable_host_was_looked_up(recorded: list) -> None:
    """The guard saw the lookups of the .invalid name, by the module or inventory process, and nothing else."""
    assert recorded, "no process asked for %s: the endpoint option was not used" % UNRESOLVABLE_HOST
    assert {(entry["action"], entry["host"]) for entry in recorded} == {("resolve", UNRESOLVABLE_HOST)}
    assert os.getpid() not in {entry["pid"] for entry in recorded}


def _unreachable(port: int) -> dict:
    return {
        name: (template.format(port=port), [needle.format(port=port) for needle in needles])
        for name, (template, needles) in UNREACHABLE.items()
    }


def test_module_unreachable_endpoints_fail_with_a_clear_error(tmp_path, safe_env, malformed):
    cases = _unreachable(_closed_port())
    with sae_netguard.expect_refusals() as refused:
        run = run_module(
            tmp_path,
            sae_netguard.child_environment(credential_env(safe_env, malformed["html"], REGION)),
            {"region": REGION, "endpoint": "{{ item }}", "max_retries": 0, "timeout": 5},
            loop=[endpoint for endpoint, _needles in cases.values()],
            verbosity=4,  # where Ansible shows a module's traceback, if there is one
        )
        _only_the_unresolvable_host_was_looked_up(refused())
    assert "Traceback" not in run.output
    for (name, (_endpoint, needles)), result in zip(cases.items(), run.result["results"], strict=True):
        assert result["failed"] is True, (name, result)
        assert result["error"]["code"] == "ConnectionError"
        for needle in needles:
            assert needle.lower() in result["msg"].lower(), (name, needle, result["msg"])
    assert run.seconds < 60


def test_inventory_unreachable_endpoints_fail_with_a_clear_error(tmp_path, safe_env, malformed):
    cases = _unreachable(_closed_port())
    for name, (endpoint, needles) in cases.items():
        config = inventory_config(malformed["html"], [REGION], endpoint=endpoint, max_retries=0, timeout=5)
        (tmp_path / name).mkdir()
        with sae_netguard.expect_refusals() as refused:
            # -vvvv: where Ansible shows an inventory plugin's traceback, if there is one
            env = sae_netguard.child_environment(safe_env)
            run = run_inventory(tmp_path / name, env, [write_config(tmp_path / name, config)], verbosity=4)
            if name == "unresolvable":
                _only_the_unresolvable_host_was_looked_up(refused())
            else:
                assert refused() == []
        assert run.returncode != 0, (name, run.output)
        assert "Traceback" not in run.output
        assert run.says("region %s" % REGION)
        for needle in needles:
            assert run.says(needle, ignore_case=True), (name, needle, run.output[-3000:])
