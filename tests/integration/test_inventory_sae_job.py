# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The alicloud.sae.sae_job inventory plugin, end to end: real ``ansible-inventory --list --export``
(and ``ansible-playbook``) subprocesses, through the default ``auto`` plugin, against the emulator.

Every subprocess gets the ``safe_env`` of conftest.py (no real credential, metadata lookups off,
a scratch HOME, the collection of conftest.COLLECTIONS_PATH), ``ANSIBLE_INVENTORY_UNPARSED_FAILED=true``
(as AWX sets it, so a failing source fails the command instead of giving an empty inventory),
and the emulator's endpoint on 127.0.0.1.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from proof_helpers import expected_job

REGIONS = ["cn-beijing", "cn-hangzhou", "cn-shanghai"]
KEY_ID = "LTAI5tInventoryItKey"
SECRET = "inventory-it-secret-7f3e0c1d-never-print"
BIN = Path(sys.executable).parent


def binary(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else (shutil.which(name) or name)


def group_name(raw: str) -> str:
    """ansible-core's sanitisation of group names (to_safe_group_name with force)."""
    return re.sub(r"^[\d\W]|[^\w]", "_", raw)


def unwrap(value):
    """``--export`` output of ansible-core >= 2.19 marks untrusted strings as {"__ansible_unsafe": ...}."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


@pytest.fixture(scope="module")
def emulator(start_emulator):
    # Generated data: every name in every namespace of every region, awkward tags (":", "/", "+",
    # "*", "~", CJK, quotes, an empty value, "{{ lookup(...) }}"), a description "{{ 7*7 }}".
    return start_emulator(
        "--dataset",
        "generated",
        "--jobs",
        "72",
        "--regions",
        ",".join(REGIONS),
        "--namespaces",
        "3",
        "--seed",
        "11",
        "--access-key",
        "%s=%s" % (KEY_ID, SECRET),
    )


@pytest.fixture(scope="module")
def emulator_jobs(emulator):
    return {region: emulator.control("/_emulator/jobs?region=%s" % region)["jobs"] for region in REGIONS}


def requests_made(emulator) -> int:
    return emulator.control("/_emulator/stats")["requests"]


class Result:
    def __init__(self, completed: subprocess.CompletedProcess) -> None:
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self._inventory = None

    @property
    def inventory(self) -> dict:
        if self._inventory is None:
            assert self.rc == 0, self.stderr
            self._inventory = json.loads(self.stdout)
        return self._inventory

    @property
    def hostvars(self) -> dict:
        return {host: unwrap(values) for host, values in self.inventory["_meta"]["hostvars"].items()}

    def group(self, name: str) -> set:
        return set(self.inventory.get(name, {}).get("hosts", []))

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def errors(self) -> str:
        """stderr without whitespace: ansible-core < 2.19 wraps warnings at 80 columns (also after hyphens)."""
        return "".join(self.stderr.split())

    def says(self, text: str) -> bool:
        return "".join(text.split()) in self.errors


def inventory_runner(directory: Path, safe_env: dict, emulator):
    """``run(config, env=..., args=...)``: ansible-inventory on a ``*.sae_job.yml`` file written in ``directory``."""

    def run(config, env=None, args=(), credentials=True, name="it.sae_job.yml", command="ansible-inventory"):
        path = directory / name
        if isinstance(config, dict):
            config = dict(config)
            config.setdefault("plugin", "alicloud.sae.sae_job")
            config.setdefault("endpoint", emulator.endpoint)
            if credentials:
                config.setdefault("access_key_id", KEY_ID)
                config.setdefault("access_key_secret", SECRET)
            path.write_text(json.dumps(config))
        else:
            path.write_text(config)
        environment = dict(safe_env, ANSIBLE_INVENTORY_UNPARSED_FAILED="true")
        environment.update(env or {})
        cmd = [binary(command), "-i", str(path), *args]
        if command == "ansible-inventory" and "--graph" not in args:
            cmd += ["--list", "--export"]
        completed = subprocess.run(
            cmd, env=environment, cwd=str(directory), capture_output=True, text=True, timeout=300, check=False
        )
        return Result(completed)

    return run


@pytest.fixture
def inventory(tmp_path, safe_env, emulator):
    """``inventory(config, env=..., args=...)``: run ansible-inventory on a ``*.sae_job.yml`` file."""
    return inventory_runner(tmp_path, safe_env, emulator)


@pytest.fixture(scope="module")
def default_listing(tmp_path_factory, safe_env, emulator) -> Result:
    """ansible-inventory over every region with the default options: one run, which several tests check."""
    return inventory_runner(tmp_path_factory.mktemp("default_listing"), safe_env, emulator)({"regions": REGIONS})


# ---- acceptance 1: one host per job, hostvars equal the emulator's data, default groups -------


def test_every_job_is_one_host_with_its_data_and_groups(default_listing, emulator_jobs):
    result = default_listing
    hostvars = result.hostvars
    all_jobs = [job for jobs in emulator_jobs.values() for job in jobs]
    assert len(all_jobs) == 72 and len(hostvars) == 72
    # names collide across namespaces and regions; hosts never merge
    names = [job["AppName"] for job in all_jobs]
    assert len(set(names)) < len(names)
    by_app_id = {values["sae_app_id"]: host for host, values in hostvars.items()}
    assert len(by_app_id) == 72
    assert result.group("sae_jobs") == set(hostvars)
    for region, jobs in emulator_jobs.items():
        region_group = result.group("sae_region_" + region.replace("-", "_"))
        for raw in jobs:
            host = by_app_id[raw["AppId"]]
            assert not set(host) & set(":,!&[]{} \t"), host
            # from the test's own field map (proof_helpers.expected_job), not the plugin's normaliser
            expected = {"sae_" + key: value for key, value in expected_job(raw).items()}
            expected["ansible_connection"] = "local"
            assert hostvars[host] == expected
            assert host in region_group
            assert host in result.group(group_name("sae_namespace_" + raw["NamespaceId"]))
            for tag in raw["Tags"]:
                assert host in result.group(group_name("sae_tag_%s_%s" % (tag["Key"], tag["Value"])))
    # awkward values came through as text
    descriptions = {values["sae_app_description"] for values in hostvars.values()}
    assert "{{ 7*7 }}" in descriptions
    assert any("生产" in json.dumps(values["sae_tags"], ensure_ascii=False) for values in hostvars.values())
    assert "sae_tag_环境_生产" in result.inventory


def test_default_host_names_are_stable(inventory, default_listing, emulator_jobs):
    first = default_listing.hostvars
    second = inventory({"regions": REGIONS}).hostvars
    assert first.keys() == second.keys()
    raw = emulator_jobs["cn-beijing"][0]
    expected = re.sub(r"[^\w.-]", "_", "%s_%s" % (raw["AppName"], raw["AppId"]))
    assert expected in first


def test_namespaces_and_tag_filter(inventory, emulator, emulator_jobs):
    namespace = emulator_jobs["cn-hangzhou"][0]["NamespaceId"]
    result = inventory({"regions": REGIONS, "namespaces": [namespace]})
    assert {values["sae_namespace_id"] for values in result.hostvars.values()} == {namespace}
    assert len(result.hostvars) == sum(job["NamespaceId"] == namespace for job in emulator_jobs["cn-hangzhou"])
    tagged = [job for jobs in emulator_jobs.values() for job in jobs if {"Key": "环境", "Value": "生产"} in job["Tags"]]
    assert tagged
    result = inventory({"regions": REGIONS, "tags": {"环境": "生产"}})
    assert {values["sae_app_id"] for values in result.hostvars.values()} == {job["AppId"] for job in tagged}


# The data set's all-awkward tag: a space, "+", "*", "~", ":", "/" and CJK text (sae_emulator.data.AWKWARD_TAG).
AWKWARD_KEY, AWKWARD_VALUE = "owner team", "ops+dev *~:/ 生产"


def test_a_tag_filter_with_reserved_characters_is_sent_and_signed_exactly(inventory, emulator, emulator_jobs):
    tagged = {
        job["AppId"]
        for jobs in emulator_jobs.values()
        for job in jobs
        if {"Key": AWKWARD_KEY, "Value": AWKWARD_VALUE} in job["Tags"]
    }
    assert tagged and len(tagged) < 72
    before = len(emulator.control("/_emulator/requests")["requests"])
    result = inventory({"regions": REGIONS, "tags": {AWKWARD_KEY: AWKWARD_VALUE}})
    assert result.rc == 0, result.stderr  # the emulator checks the signature with the vendor SDK's signer
    assert {values["sae_app_id"] for values in result.hostvars.values()} == tagged
    sent = emulator.control("/_emulator/requests")["requests"][before:]
    assert {entry["region"] for entry in sent} == set(REGIONS)
    for entry in sent:
        assert entry["status"] == 200, entry
        assert json.loads(entry["params"]["Tags"]) == [{"key": AWKWARD_KEY, "value": AWKWARD_VALUE}]
        # on the wire: every reserved character percent-encoded, "*" as %2A, the space as %20 (never "+")
        assert "%2A" in entry["query"] and "%2B" in entry["query"] and "%20" in entry["query"]
        assert not set(entry["query"]) & set("* +:/[]{}\"'")


# ---- untrusted data stays text: hostvars, compose, keyed_groups, group names, plays ------------


def test_template_like_values_stay_text_in_plays(inventory, tmp_path, emulator_jobs):
    templated = [job for jobs in emulator_jobs.values() for job in jobs if job["AppDescription"] == "{{ 7*7 }}"]
    assert templated
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "play.yml").write_text(
        textwrap_dedent(
            """
            - hosts: templated
              gather_facts: false
              tasks:
                - ansible.builtin.copy:
                    dest: "{{ out_dir }}/{{ inventory_hostname }}.json"
                    content: "{{ {'description': sae_app_description, 'composed': composed_description,
                                  'home': sae_tags.home | default('none'), 'groups': group_names} | to_json }}"
            """
        )
    )
    config = {
        "regions": REGIONS,
        "compose": {"composed_description": "sae_app_description"},
        "groups": {"templated": "'7*7' in sae_app_description"},
        "keyed_groups": [{"key": "sae_app_description", "prefix": "desc"}, {"key": "sae_tags", "prefix": "tag"}],
    }
    listed = inventory(config)
    hosts = listed.group("templated")
    assert len(hosts) == len(templated)
    for host in hosts:
        assert listed.hostvars[host]["composed_description"] == "{{ 7*7 }}"
    assert "desc____7_7___" in listed.inventory  # a sanitised literal, never "desc_49"
    assert not any(name.startswith("desc_49") for name in listed.inventory)
    played = inventory(
        config,
        command="ansible-playbook",
        args=[str(tmp_path / "play.yml"), "-e", "out_dir=%s" % out, "--limit", "templated[0:1]"],
    )
    assert played.rc == 0, played.output
    written = {path.stem: json.loads(path.read_text()) for path in out.iterdir()}
    assert len(written) == min(2, len(hosts)) and set(written) <= hosts  # --limit templated[0:1]: hosts 0 and 1
    for host, result in written.items():
        assert result["description"] == "{{ 7*7 }}"
        assert result["composed"] == "{{ 7*7 }}"
        # the host's own home tag, as text (a "{{ lookup('env','HOME') }}" is never evaluated), or the default
        assert result["home"] == listed.hostvars[host]["sae_tags"].get("home", "none")
        assert "desc____7_7___" in result["groups"]


def textwrap_dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).lstrip()


# ---- constructed options ------------------------------------------------------------------------


def test_keyed_groups_compose_groups(inventory, emulator_jobs):
    result = inventory(
        {
            "regions": REGIONS,
            "keyed_groups": [
                {"key": "sae_tags.team | default('none')", "prefix": "team"},
                {"key": "sae_region_id", "prefix": "", "separator": ""},
            ],
            "compose": {"cpu_cores": "sae_cpu / 1000", "ansible_connection": "'ssh'"},
            "groups": {"paused": "sae_suspend", "big": "sae_mem >= 4096"},
        }
    )
    hostvars = result.hostvars
    for host, values in hostvars.items():
        # a number (ansible-core >= 2.17 and native Jinja), or its text (2.16's default string templating)
        assert float(values["cpu_cores"]) == values["sae_cpu"] / 1000
        assert values["ansible_connection"] == "ssh"
        assert (host in result.group("paused")) == bool(values["sae_suspend"])
        assert (host in result.group("big")) == (values["sae_mem"] >= 4096)
        team = values["sae_tags"].get("team", "none")
        assert host in result.group(group_name("team_" + team))
        assert host in result.group(group_name(values["sae_region_id"]))
    assert result.group("paused")


def test_strict(inventory):
    config = {"regions": REGIONS, "compose": {"broken": "sae_no_such_variable.attribute"}}
    lenient = inventory(config)
    assert lenient.rc == 0, lenient.stderr
    # without strict, a compose that cannot be evaluated is left out, every host still there
    assert len(lenient.hostvars) == 72
    assert not any("broken" in values for values in lenient.hostvars.values())
    result = inventory(dict(config, strict=True))
    assert result.rc != 0
    assert result.says("Could not set broken")


# ---- hostnames ------------------------------------------------------------------------------------


def test_hostnames_field_and_expression(inventory, emulator_jobs):
    all_ids = {job["AppId"] for jobs in emulator_jobs.values() for job in jobs}
    assert set(inventory({"regions": REGIONS, "hostnames": ["sae_app_id"]}).hostvars) == all_ids
    result = inventory(
        {"regions": REGIONS, "hostnames": ["sae_app_name ~ '.' ~ sae_namespace_id ~ '.' ~ sae_app_id[:8]"]}
    )
    raw = emulator_jobs["cn-shanghai"][0]
    expected = re.sub(r"[^\w.-]", "_", "%s.%s.%s" % (raw["AppName"], raw["NamespaceId"], raw["AppId"][:8]))
    assert expected in result.hostvars
    assert len(result.hostvars) == len(all_ids)


def test_hostnames_duplicate_names_both_jobs(inventory, emulator_jobs):
    result = inventory({"regions": REGIONS, "hostnames": ["sae_app_name"]}, args=["-vvvv"])
    assert result.rc != 0
    match = re.search(r"samehostname'([^']+)':(.*?)Addanentry", result.errors)
    assert match, result.stderr
    ids = re.findall(r"app_id([0-9a-f-]{36})", match.group(2))
    assert len(ids) == 2 and ids[0] != ids[1]
    by_id = {job["AppId"]: job for jobs in emulator_jobs.values() for job in jobs}
    for app_id in ids:
        assert by_id[app_id]["AppName"] == match.group(1)
        assert result.says("namespace %s, region %s" % (by_id[app_id]["NamespaceId"], by_id[app_id]["RegionId"]))
    assert "Traceback" not in result.output  # -vvvv: where Ansible would show one


# ---- failures: skip_failed_regions, credentials ----------------------------------------------------


@pytest.fixture
def failing_region(emulator):
    emulator.control("/_emulator/faults", {"region_failures": {"cn-shanghai": "403:Forbidden.RAM"}})
    yield "cn-shanghai"
    emulator.control("/_emulator/faults", {})


def test_a_failing_region_fails_the_inventory(inventory, failing_region):
    result = inventory({"regions": REGIONS})
    assert result.rc != 0
    assert result.says("Forbidden.RAM") and result.says("region cn-shanghai")
    assert result.says("explicit access_key_id/access_key_secret")  # which credentials were tried
    assert SECRET not in result.output


def test_skip_failed_regions(inventory, failing_region, emulator_jobs):
    result = inventory({"regions": REGIONS, "skip_failed_regions": True})
    assert result.rc == 0, result.stderr
    assert {values["sae_region_id"] for values in result.hostvars.values()} == {"cn-beijing", "cn-hangzhou"}
    assert len(result.hostvars) == len(emulator_jobs["cn-beijing"]) + len(emulator_jobs["cn-hangzhou"])
    assert "[WARNING]" in result.stderr and result.says("skipping region cn-shanghai (Forbidden.RAM)")


def test_wrong_secret_names_the_code_and_the_credential_source(inventory):
    result = inventory({"regions": ["cn-beijing"], "access_key_secret": "a-wrong-secret-value-123"}, args=["-vvvv"])
    assert result.rc != 0
    assert result.says("SignatureDoesNotMatch") and result.says("region cn-beijing")
    assert result.says("credentials tried: explicit access_key_id/access_key_secret")
    assert "a-wrong-secret-value-123" not in result.output
    assert "Traceback" not in result.output  # -vvvv: where Ansible would show one


def test_no_credentials_names_the_sources_tried(inventory):
    result = inventory({"regions": ["cn-beijing"]}, credentials=False)
    assert result.rc != 0
    assert result.says("Could not get Alibaba Cloud credentials from the alibabacloud-credentials default chain")


def test_missing_region_is_a_clear_error(inventory):
    result = inventory({})
    assert result.rc != 0
    assert result.says("needs regions")


# ---- credentials from the environment, a vault, a lookup -----------------------------------------


def test_environment_only_credentials(inventory, emulator, emulator_jobs):
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
        "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou",
        "ALIBABA_CLOUD_SAE_ENDPOINT": emulator.endpoint,
    }
    result = inventory("plugin: alicloud.sae.sae_job\n", env=env)
    assert len(result.hostvars) == len(emulator_jobs["cn-hangzhou"])
    assert SECRET not in result.output


def test_vault_encrypted_secret(inventory, tmp_path, safe_env, emulator, emulator_jobs):
    password = tmp_path / "vault-password"
    password.write_text("integration-vault-password\n")
    encrypted = subprocess.run(
        [
            binary("ansible-vault"),
            "encrypt_string",
            "--vault-password-file",
            str(password),
            "--name",
            "access_key_secret",
            SECRET,
        ],
        env=safe_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "$ANSIBLE_VAULT" in encrypted and SECRET not in encrypted
    config = "plugin: alicloud.sae.sae_job\nregions: [cn-beijing]\nendpoint: '%s'\naccess_key_id: %s\n%s" % (
        emulator.endpoint,
        KEY_ID,
        encrypted,
    )
    result = inventory(config, args=["--vault-password-file", str(password), "-vvvv"])
    assert result.rc == 0, result.stderr
    assert len(json.loads(result.stdout[result.stdout.index("{") :])["_meta"]["hostvars"]) == len(
        emulator_jobs["cn-beijing"]
    )
    assert SECRET not in result.output


def test_secret_from_a_lookup_template(inventory, emulator_jobs):
    config = {
        "regions": ["cn-beijing"],
        "access_key_secret": "{{ lookup('ansible.builtin.env', 'SAE_IT_SECRET') }}",
    }
    result = inventory(config, env={"SAE_IT_SECRET": SECRET})
    assert len(result.hostvars) == len(emulator_jobs["cn-beijing"])


# ---- cache ------------------------------------------------------------------------------------------


def test_cache_second_run_makes_no_api_call(inventory, emulator, tmp_path, safe_env):
    cache_dir = tmp_path / "cache"
    config = {
        "regions": REGIONS,
        "cache": True,
        "cache_plugin": "ansible.builtin.jsonfile",
        "cache_connection": str(cache_dir),
    }
    before = requests_made(emulator)
    cold = inventory(config, args=["-vvvv"])
    assert cold.rc == 0, cold.stderr
    cold_requests = requests_made(emulator) - before
    # A region's 24 jobs fit on page 1: one request per region.
    sent = emulator.control("/_emulator/requests")["requests"][before:]
    assert sorted(entry["region"] for entry in sent) == sorted(REGIONS)
    assert cold_requests == len(REGIONS)
    assert "%d API request(s), 0 retries" % cold_requests in cold.output

    before = requests_made(emulator)
    warm = inventory(config, args=["-vvvv"])
    assert warm.rc == 0, warm.stderr
    assert requests_made(emulator) == before  # zero API calls
    assert "using the cached job templates" in warm.output

    def hostvars(result):
        text = result.stdout[result.stdout.index("{\n") :]
        return json.loads(text)["_meta"]["hostvars"]

    assert hostvars(warm) == hostvars(cold)

    before = requests_made(emulator)
    if (
        "--flush-cache"
        in subprocess.run(
            [binary("ansible-inventory"), "--help"], env=safe_env, capture_output=True, text=True, check=False
        ).stdout
    ):
        flushed = inventory(config, args=["--flush-cache"])
    else:  # ansible-inventory < 2.17 has no --flush-cache: ansible-playbook has
        (tmp_path / "noop.yml").write_text("- hosts: localhost\n  gather_facts: false\n  tasks: []\n")
        flushed = inventory(config, command="ansible-playbook", args=["--flush-cache", str(tmp_path / "noop.yml")])
    assert flushed.rc == 0, flushed.stderr
    assert requests_made(emulator) - before == cold_requests

    files = [path for path in cache_dir.rglob("*") if path.is_file()]
    assert files
    for path in files:
        text = path.read_text(errors="replace")
        assert SECRET not in text
    for result in (cold, warm, flushed):
        assert SECRET not in result.output


def test_cache_entries_do_not_mix_identities(inventory, emulator, tmp_path):
    config = {
        "regions": ["cn-beijing"],
        "cache": True,
        "cache_plugin": "ansible.builtin.jsonfile",
        "cache_connection": str(tmp_path / "cache"),
    }
    assert inventory(config).rc == 0
    # another identity with the same file must not be served the first one's cache
    before = requests_made(emulator)
    result = inventory(
        dict(config, access_key_id="LTAI5tSAEEmulatorDemo", access_key_secret="emulator-demo-secret-do-not-use-in-prod")
    )
    assert result.rc == 0, result.stderr
    assert requests_made(emulator) > before
