# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers of the fault, security and untrusted-data suites: real ``ansible-inventory`` and
``ansible-playbook`` processes, their output and results read back, and a few emulator shortcuts."""

from __future__ import annotations

import json
import sys
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET
from playbook_runner import ANSIBLE_PLAYBOOK, run_timed

from sae_emulator.unsafe import plain

ANSIBLE_INVENTORY = str(Path(sys.executable).with_name("ansible-inventory"))
# The API's field for each result key but tags and trigger_config (whose values the client converts), written out
# here independently of the client's own table.
EXPECTED_FIELDS = {
    "app_id": "AppId",
    "app_name": "AppName",
    "namespace_id": "NamespaceId",
    "region_id": "RegionId",
    "app_description": "AppDescription",
    "suspend": "Suspend",
    "active": "Active",
    "succeeded": "Succeeded",
    "failed": "Failed",
    "last_start_time": "LastStartTime",
    "completion_time": "CompletionTime",
    "last_changeorder_state": "LastChangeorderState",
    "last_job_state": "LastJobState",
    "cpu": "Cpu",
    "mem": "Mem",
    "image_url": "ImageUrl",
    "message": "Message",
}


# The vendor page's meanings of the state codes (ListJobs: LastJobState, LastChangeorderState).
JOB_STATE_NAMES = {"0": "not_run", "1": "succeeded", "2": "failed", "3": "running"}
CHANGEORDER_STATE_NAMES = {"0": "failed", "1": "succeeded"}


def iso_time(seconds: int | None) -> str | None:
    """Unix seconds as ISO 8601 UTC text; None for 0 (never ran) or nothing."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds)) if seconds else None


def expected_job(raw: dict) -> dict:
    """What the module returns for, and the inventory's ``sae_*`` hostvars hold of, one raw ListJobs record."""
    job = {key: raw[field] for key, field in EXPECTED_FIELDS.items()}
    job["tags"] = {tag["Key"]: tag["Value"] for tag in raw["Tags"]}
    try:
        trigger = json.loads(raw["TriggerConfig"])
    except ValueError:
        trigger = raw["TriggerConfig"]
    job["trigger_config"] = trigger if isinstance(trigger, dict) else raw["TriggerConfig"]
    job["last_job_state_name"] = JOB_STATE_NAMES.get(raw["LastJobState"], "unknown")
    job["last_changeorder_state_name"] = CHANGEORDER_STATE_NAMES.get(raw["LastChangeorderState"], "unknown")
    job["last_start_time_iso"] = iso_time(raw["LastStartTime"])
    job["completion_time_iso"] = iso_time(raw["CompletionTime"])
    return job


def flat(text: str) -> str:
    """``text`` without any whitespace: how to compare output that ansible-core may have wrapped."""
    return "".join(text.split())


@dataclass
class InventoryRun:
    returncode: int
    output: str  # stdout and stderr together (warnings, -v messages)
    inventory: dict | None  # the --list JSON, unsafe markers removed; None when nothing was written
    seconds: float

    def says(self, text: str, ignore_case: bool = False) -> bool:
        """Whether the output holds ``text``, however ansible-core wrapped it (2.16-2.18 wrap warnings)."""
        haystack, needle = flat(self.output), flat(text)
        return needle.lower() in haystack.lower() if ignore_case else needle in haystack

    @property
    def hostvars(self) -> dict:
        return self.inventory["_meta"]["hostvars"]

    def group_hosts(self, group: str) -> list:
        return self.inventory.get(group, {}).get("hosts", [])


def inventory_config(emulator, regions: list, **options: Any) -> dict:
    """An ``alicloud.sae.sae_job`` configuration pointing at ``emulator`` with the demo key."""
    config = {
        "plugin": "alicloud.sae.sae_job",
        "regions": regions,
        "endpoint": emulator.endpoint,
        "access_key_id": DEMO_ACCESS_KEY_ID,
        "access_key_secret": DEMO_ACCESS_KEY_SECRET,
    }
    config.update(options)
    return config


def write_config(directory: Path, config: dict, name: str = "test") -> Path:
    path = directory / ("%s.sae_job.yml" % name)
    path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    return path


def run_inventory(
    tmp_path: Path,
    env: dict,
    sources: list,
    verbosity: int = 0,
    fail_on_unparsed: bool = True,
    extra_args: tuple = (),
    timeout: int = 300,
) -> InventoryRun:
    """``ansible-inventory --list --export -i SOURCE...``, its JSON written to a file and read back.

    ``fail_on_unparsed`` sets ANSIBLE_INVENTORY_UNPARSED_FAILED=true (as AWX does), so a failing
    source fails the command instead of leaving a warning and an empty inventory.
    """
    output_file = tmp_path / ("inventory-%s.json" % uuid.uuid4().hex[:8])
    command = [ANSIBLE_INVENTORY, "--list", "--export", "--output", str(output_file)]
    for source in sources:
        command += ["-i", str(source)]
    command += list(extra_args)
    if verbosity:
        command.append("-" + "v" * verbosity)
    env = dict(env)
    if fail_on_unparsed:
        env["ANSIBLE_INVENTORY_UNPARSED_FAILED"] = "true"
    returncode, output, seconds = run_timed(command, env, tmp_path, timeout)
    inventory = None
    if output_file.exists() and output_file.stat().st_size:
        inventory = plain(json.loads(output_file.read_text(encoding="utf-8")))
    return InventoryRun(returncode, output, inventory, seconds)


@dataclass
class PlayRun:
    returncode: int
    output: str
    seconds: float


def run_playbook(
    tmp_path: Path,
    env: dict,
    playbook: list,
    inventory: str = "localhost,",
    verbosity: int = 0,
    timeout: int = 300,
    extra_args: tuple = (),
) -> PlayRun:
    """``ansible-playbook`` of ``playbook`` (a list of plays) against ``inventory``."""
    playbook_file = tmp_path / ("playbook-%s.yml" % uuid.uuid4().hex[:8])
    playbook_file.write_text(json.dumps(playbook, ensure_ascii=False), encoding="utf-8")
    command = [ANSIBLE_PLAYBOOK, "-i", inventory, str(playbook_file), *extra_args]
    if verbosity:
        command.append("-" + "v" * verbosity)
    return PlayRun(*run_timed(command, env, tmp_path, timeout))


def emulator_stats(emulator) -> dict:
    return emulator.control("/_emulator/stats")


def emulator_jobs(emulator, region: str | None = None) -> list:
    """The raw jobs of one region, or of every region (region by region) when ``region`` is None."""
    if region:
        return emulator.control("/_emulator/jobs?region=%s" % region)["jobs"]
    return [job for jobs in emulator.control("/_emulator/jobs")["regions"].values() for job in jobs]


def set_faults(emulator, **faults: Any) -> None:
    """Replace the emulator's fault settings (this also releases connections held by a hang)."""
    emulator.control("/_emulator/faults", faults)


def reset_counters(emulator) -> None:
    emulator.control("/_emulator/reset", {})


def assume_role(emulator, role_arn: str = "acs:ram::1234567890123456:role/proof-suite") -> dict:
    """Temporary credentials from the emulator's STS (an AssumeRole signed with the demo key), over plain HTTP."""
    from sae_emulator.sts import _spec_encode, string_to_sign, v1_signature

    params = {
        "Action": "AssumeRole",
        "Format": "JSON",
        "Version": "2015-04-01",
        "AccessKeyId": DEMO_ACCESS_KEY_ID,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "RoleArn": role_arn,
        "RoleSessionName": "proof-suite",
        "DurationSeconds": "3600",
    }
    params["Signature"] = v1_signature(DEMO_ACCESS_KEY_SECRET, string_to_sign("GET", params, _spec_encode))
    url = "http://127.0.0.1:%d/?%s" % (emulator.port, urllib.parse.urlencode(params))
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())["Credentials"]
