# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""alicloud.sae.sae_job_info through ansible-playbook, against the emulator."""

from __future__ import annotations

import json
import re
import socket
import subprocess
from pathlib import Path

import pytest
from conftest import COLLECTIONS_PATH, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, INSTALLED_COLLECTIONS, credential_env
from playbook_runner import run_module, run_module_cases
from proof_helpers import expected_job

REGION = "cn-beijing"
JOB_COUNT = 1200


@pytest.fixture(scope="module")
def large(start_emulator):
    return start_emulator("--dataset", "generated", "--jobs", str(JOB_COUNT), "--regions", REGION, "--seed", "7")


@pytest.fixture(scope="module")
def raw_jobs(large) -> list:
    return large.control("/_emulator/jobs?region=%s" % REGION)["jobs"]


def requests_sent(emulator) -> int:
    return emulator.control("/_emulator/stats")["requests"]


def _awkward_tags(raw_jobs: list) -> list:
    """Distinct (key, value) tags from the data whose text needs careful encoding."""
    awkward = set()
    for raw in raw_jobs:
        for tag in raw["Tags"]:
            text = tag["Key"] + tag["Value"]
            if "{{" in text:
                continue  # written into a playbook, a template is (rightly) rendered by Ansible
            if any(character in text for character in " +*~:/") or any(ord(c) > 0x2E7F for c in text):
                awkward.add((tag["Key"], tag["Value"]))
    return sorted(awkward)


@pytest.fixture(scope="module")
def listings(tmp_path_factory, safe_env, large, raw_jobs):
    """The successful listings of the large emulator, one ansible-playbook for them all (one task each): the
    whole region, one page with current_page, and one listing per awkward tag (a loop)."""
    tags = _awkward_tags(raw_jobs)
    cases = {
        "all": {"region": REGION},
        "page 3": {"region": REGION, "page_size": 50, "current_page": 3},
        "tags": {"region": REGION, "tags": "{{ item }}"},
    }
    loops = {"tags": [{key: value} for key, value in tags]}
    run = run_module_cases(
        tmp_path_factory.mktemp("listings"), credential_env(safe_env, large, REGION), cases, loops=loops
    )
    return run, tags


def test_lists_every_job_exactly_once_with_every_field(listings, raw_jobs):
    assert len(raw_jobs) == JOB_COUNT
    run, _tags = listings
    assert run.returncode == 0, run.output
    result = run.results["all"]
    assert result["changed"] is False
    assert result["total_size"] == JOB_COUNT
    ids = [job["app_id"] for job in result["jobs"]]
    assert len(ids) == len(set(ids)) == JOB_COUNT
    assert result["jobs"] == [expected_job(raw) for raw in raw_jobs]  # every field, in the API's order
    assert result["api_stats"]["requests"] == 2 * -(-JOB_COUNT // 200)  # several pages: read twice


def test_tag_filters_with_awkward_characters_return_exactly_the_matching_jobs(listings, raw_jobs):
    run, tags = listings
    covered = "".join(key + value for key, value in tags)
    for needed in (" ", "+", "*", "~", ":", "/", "生产"):
        assert needed in covered, "the data set lacks a tag with %r" % needed
    assert run.returncode == 0, run.output
    assert len(run.results["tags"]["results"]) == len(tags)
    for (key, value), result in zip(tags, run.results["tags"]["results"], strict=True):
        expected = [raw["AppId"] for raw in raw_jobs if {"Key": key, "Value": value} in raw["Tags"]]
        assert expected, (key, value)
        assert [job["app_id"] for job in result["jobs"]] == expected, (key, value)


def test_one_page_only_with_current_page(listings, raw_jobs):
    run, _tags = listings
    assert run.returncode == 0, run.output
    result = run.results["page 3"]
    assert [job["app_id"] for job in result["jobs"]] == [raw["AppId"] for raw in raw_jobs[100:150]]
    assert result["total_size"] == JOB_COUNT


INVALID_ARGUMENTS = [
    # the whole message (a regular expression): the module's own words, or ansible-core's argument checks
    ({"page_size": 500}, r"page_size must be a whole number from 1 to 200, got 500\."),
    ({"page_size": -1}, r"page_size must be a whole number from 1 to 200, got -1\."),
    ({"current_page": 0}, r"current_page must be a whole number of 1 or more, got 0\."),
    (
        {"field_type": "appColour", "field_value": "x"},
        r"value of field_type must be one of: appName, appIds, got: appColour",
    ),
    ({"order_by": "name"}, r"value of order_by must be one of: running, instances, got: name"),
    # a list of key=value text is a form of tags (issue 27): a key without a value is not
    ({"tags": ["team", "billing"]}, r"tags 'team' is not key=value text: .*"),
    ({"field_type": "appName"}, r"parameters are required together: field_type, field_value"),
    (
        {"endpoint": "ftp://127.0.0.1/{region}"},
        r"endpoint must be an http:// or https:// URL, got 'ftp://127\.0\.0\.1/cn-beijing'\.",
    ),
]


@pytest.fixture(scope="module")
def invalid_arguments(tmp_path_factory, safe_env, large):
    """Every call of INVALID_ARGUMENTS in one ansible-playbook at -vvvv, and the requests the emulator saw meanwhile."""
    before = requests_sent(large)
    cases = {
        str(number): dict({"region": REGION}, **bad_args) for number, (bad_args, _m) in enumerate(INVALID_ARGUMENTS)
    }
    run = run_module_cases(
        tmp_path_factory.mktemp("invalid"), credential_env(safe_env, large, REGION), cases, verbosity=4
    )
    return run, requests_sent(large) - before


@pytest.mark.parametrize("bad_args, message", INVALID_ARGUMENTS)
def test_invalid_arguments_fail_before_any_request(invalid_arguments, bad_args, message):
    run, requests_during_the_run = invalid_arguments
    result = run.results[str(INVALID_ARGUMENTS.index((bad_args, message)))]
    assert result["failed"] is True, bad_args
    assert re.fullmatch(message, result["msg"]), result["msg"]
    assert "Traceback" not in run.output  # -vvvv: where Ansible would show one
    assert requests_during_the_run == 0


def test_wrong_secret_names_the_error_code_and_never_shows_the_secret(tmp_path, safe_env, large):
    wrong_secret = "wrong-secret-4f1c9a7e2b"
    env = credential_env(safe_env, large, REGION)
    del env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]
    run = run_module(
        tmp_path,
        env,
        {"region": REGION, "access_key_id": DEMO_ACCESS_KEY_ID, "access_key_secret": wrong_secret, "max_retries": 0},
        verbosity=4,
    )
    assert run.result["failed"] is True
    assert "SignatureDoesNotMatch" in run.result["msg"]
    assert run.result["error"]["code"] == "SignatureDoesNotMatch"
    assert run.result["error"]["request_id"]
    assert run.result["error"]["request_id"] in run.result["msg"]
    assert wrong_secret not in run.output
    assert wrong_secret not in json.dumps(run.result)  # as saved, no longer echoed by copy at -vvvv
    assert "Traceback" not in run.output


def test_secret_from_the_environment_never_shows_at_vvvv(tmp_path, safe_env, large):
    before = len(large.control("/_emulator/requests")["requests"])
    run = run_module(
        tmp_path, credential_env(safe_env, large, REGION), {"region": REGION, "page_size": 200}, verbosity=4
    )
    assert DEMO_ACCESS_KEY_SECRET not in run.output
    # the registered result as saved (copy echoed it into the output at -vvvv; the test's save action does not)
    assert DEMO_ACCESS_KEY_SECRET not in json.dumps(run.result)
    # The play ignores errors: the module must really have succeeded, with requests signed with that secret.
    assert run.returncode == 0, run.output
    assert run.result.get("failed") is not True, run.result
    assert run.result["total_size"] == len(run.result["jobs"]) == JOB_COUNT
    sent = large.control("/_emulator/requests")["requests"][before:]
    assert sent and all(entry["status"] == 200 for entry in sent), sent  # every signature verified
    assert "Call the module" in run.output and "<localhost> EXEC" in run.output  # -vvvv really was on


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_endpoint_fails_cleanly_within_the_timeout(tmp_path, safe_env, large):
    env = credential_env(
        safe_env, large, REGION, ALIBABA_CLOUD_SAE_ENDPOINT="http://127.0.0.1:%d/{region}" % _closed_port()
    )
    run = run_module(tmp_path, env, {"region": REGION, "timeout": 2, "max_retries": 1}, verbosity=4)
    assert run.result["failed"] is True
    assert run.result["error"]["code"] == "ConnectionError"
    assert "127.0.0.1" in run.result["msg"]
    assert "Traceback" not in run.output  # -vvvv: where Ansible would show one
    assert run.seconds < 30


def test_a_server_that_never_answers_fails_within_timeout_times_attempts(tmp_path, safe_env, start_emulator):
    hanging = start_emulator("--dataset", "demo", "--hang-rate", "1")
    env = credential_env(safe_env, hanging, REGION)
    timeout, max_retries = 1, 2
    (tmp_path / "baseline").mkdir()
    # The same playbook failing at once (before any request): Ansible's own cost on this machine now.
    baseline = run_module(tmp_path / "baseline", env, {"region": REGION, "page_size": 0})
    assert baseline.result["failed"] is True
    run = run_module(tmp_path, env, {"region": REGION, "timeout": timeout, "max_retries": max_retries})
    assert run.result["failed"] is True
    assert run.result["error"]["code"] == "ReadTimeout"
    assert "within 1" in run.result["msg"]
    # page 1 with its retries, and nothing else: no page is asked for before page 1 gives the total
    assert hanging.control("/_emulator/stats")["requests"] == max_retries + 1
    # timeout x attempts, plus at most 0.5 + 1 s of backoff, plus slack for a loaded machine.
    assert run.seconds - baseline.seconds < timeout * (max_retries + 1) + 1.5 + 3


def test_check_mode_lists_as_usual(tmp_path, safe_env, start_emulator):
    demo = start_emulator("--dataset", "demo")
    run = run_module(tmp_path, credential_env(safe_env, demo, REGION), {"region": REGION}, check_mode=True)
    assert run.returncode == 0, run.output
    assert run.result["changed"] is False
    assert len(run.result["jobs"]) == len(demo.control("/_emulator/jobs?region=%s" % REGION)["jobs"]) > 0


def test_the_playbooks_run_the_collection_under_test(safe_env):
    """What ansible-playbook and ansible-inventory load here: the source tree, or (SAE_TEST_COLLECTIONS_PATH, under
    `make matrix-*`) the collection installed from the built tarball."""
    done = subprocess.run(
        ["ansible-doc", "--json", "alicloud.sae.sae_job_info"],
        env=safe_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    filename = json.loads(done.stdout)["alicloud.sae.sae_job_info"]["doc"]["filename"]
    collection = COLLECTIONS_PATH / "ansible_collections" / "alicloud" / "sae"
    assert Path(filename) == collection / "plugins" / "modules" / "sae_job_info.py"
    if INSTALLED_COLLECTIONS:  # build_ignore applied: no tests or emulator in what users install
        assert (collection / "MANIFEST.json").is_file() and not (collection / "tests").exists()
