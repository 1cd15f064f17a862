# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AWX path, run the way AWX runs it: through ansible-runner, against the emulator.

Each run gets its own private data directory, laid out as AWX lays it out:

* ``project/``: a copy of awx/project (what a project sync checks out);
* ``env/envvars``: the environment of the run: the variables the "Alibaba Cloud SAE" credential
  type injects (rendered from awx/credential_type/injectors.yml as AWX renders them, empty
  optional fields included) plus AWX's non-credential settings. No credential is anywhere else:
  not in the inventory file, not in the playbook, not in this test process's environment;
* ``env/extravars``: the job's extra variables (the interpreter only);
* ``inventory/hosts`` (jobs only): the inventory as AWX hands it to a job, a script printing the
  hosts and groups that the inventory update imported.

The inventory update runs ``ansible-inventory --list --export -i <project>/inventory/prod.sae_job.yml
--output <artifacts>/<id>/output.json`` (AWX's command line) with ``suppress_env_files=True``.

Secret check: every file a run leaves (artifacts/, the generated inventory, the scratch HOME)
and everything the runner returned (stdout, events) is searched for the AccessKey secret, a
random value made for this test session (so it cannot occur by chance). One record is exempt:
the ``env`` member of ``artifacts/<id>/command``, where ansible-runner writes down the whole
environment it started the command with (``Runner.run`` dumps ``{"command", "cwd", "env"}``).
That record is the input AWX handed over, the same data as ``env/envvars``; the test checks
that it holds the secret only as the injected ALIBABA_CLOUD_ACCESS_KEY_SECRET and searches the
rest of that file (command line, cwd) like any other.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import sys
from pathlib import Path

import ansible_runner
import pytest
import yaml
from awx_credential import inject_env

from sae_emulator.unsafe import plain

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROJECT = REPO / "awx" / "project"
INVENTORY_FILE = "inventory/prod.sae_job.yml"
PLAYBOOK = "sae_job_check.yml"
LOOKUP_TASK = "Look up the job template by its ID"
CHECK_TASK = "Check that SAE still has the job template, in the same namespace"
# The regions of inventory/prod.sae_job.yml, which are the demo data set's.
REGIONS = ("cn-hangzhou", "cn-beijing", "cn-shanghai")
# The credential's default region; the playbook's module_defaults must override it per host.
CREDENTIAL_REGION = "cn-hangzhou"
# What AWX adds to the environment of every inventory update (awx.main.constants).
AWX_INVENTORY_UPDATE_ENV = {
    "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
    "ANSIBLE_INVENTORY_EXPORT": "True",
    "ANSIBLE_VERBOSE_TO_STDERR": "True",
}
_CREDENTIAL_PREFIXES = ("ALIBABA_CLOUD_", "ALICLOUD_")


# ---- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def awx_key(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """An AccessKey made for this session: (id, secret, keys file for the emulator)."""
    key_id = "LTAI5tAwxRunner" + secrets.token_hex(4)
    secret = "awx-runner-" + secrets.token_urlsafe(24)
    keys_file = tmp_path_factory.mktemp("awx_keys") / "keys.json"
    keys_file.write_text(json.dumps({key_id: secret}), encoding="utf-8")
    return key_id, secret, keys_file


@pytest.fixture(scope="module")
def sae(start_emulator, awx_key):
    """The emulator with the demo data set, accepting the session's key (read from a file, not argv)."""
    return start_emulator("--dataset", "demo", "--access-keys-file", str(awx_key[2]))


@pytest.fixture(scope="module")
def collections_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The collection as an execution environment holds it: <dir>/ansible_collections/alicloud/sae."""
    root = tmp_path_factory.mktemp("awx_collections")
    (root / "ansible_collections" / "alicloud").mkdir(parents=True)
    (root / "ansible_collections" / "alicloud" / "sae").symlink_to(REPO, target_is_directory=True)
    return root


@pytest.fixture(autouse=True)
def no_credentials_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """ansible-runner starts from this process's environment: it must carry no credential (nor a proxy)."""
    for name in list(os.environ):
        if name.startswith(_CREDENTIAL_PREFIXES) or name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def expected(sae) -> dict:
    """The emulator's jobs, read from its control interface (not through the plugin): app id -> facts."""
    jobs = {}
    for region in REGIONS:
        for row in sae.control("/_emulator/jobs?region=%s" % region)["jobs"]:
            tags = {tag["Key"]: tag["Value"] for tag in row["Tags"]}
            jobs[row["AppId"]] = {"region": region, "namespace": row["NamespaceId"], "tags": tags}
    return jobs


@pytest.fixture(scope="module")
def good_update(tmp_path_factory, sae, awx_key, collections_dir) -> dict:
    key_id, secret = awx_key[0], awx_key[1]
    return inventory_update(tmp_path_factory.mktemp("awx_update"), sae, key_id, secret, collections_dir)


@pytest.fixture(scope="module")
def job(tmp_path_factory, sae, awx_key, collections_dir, good_update) -> dict:
    key_id, secret = awx_key[0], awx_key[1]
    pdd = tmp_path_factory.mktemp("awx_job")
    home = prepare(pdd, sae, key_id, secret, collections_dir, {})
    write_job_inventory(pdd, good_update["inventory"])
    (pdd / "env" / "extravars").write_text(yaml.safe_dump({"ansible_python_interpreter": sys.executable}))
    runner = ansible_runner.run(
        private_data_dir=str(pdd),
        ident="2",
        playbook=PLAYBOOK,
        inventory=str(pdd / "inventory" / "hosts"),
        quiet=True,
        timeout=600,
    )
    return {"runner": runner, "pdd": pdd, "home": home, "events": list(runner.events), "stdout": runner.stdout.read()}


# ---- helpers -----------------------------------------------------------------------------


def prepare(pdd: Path, sae, key_id: str, secret: str, collections_dir: Path, extra_env: dict) -> Path:
    """Lay out an AWX private data directory; returns the run's scratch HOME."""
    shutil.copytree(PROJECT, pdd / "project")
    home = pdd / "home"
    home.mkdir()
    credential = {
        "access_key_id": key_id,
        "access_key_secret": secret,
        "region": CREDENTIAL_REGION,
        "endpoint": sae.endpoint,
        # security_token and role_arn left empty, as in most AWX credentials: injected as "".
    }
    envvars = inject_env(credential)
    envvars.update(
        {
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
            "HOME": str(home),
            "ANSIBLE_COLLECTIONS_PATH": str(collections_dir),
            "ANSIBLE_LOCAL_TEMP": str(home / ".ansible" / "tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "NO_PROXY": "127.0.0.1",
            # This Python's ansible-playbook first, as the execution environment's is on its PATH.
            "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
        }
    )
    envvars.update(extra_env)
    (pdd / "env").mkdir()
    (pdd / "env" / "envvars").write_text(yaml.safe_dump(envvars), encoding="utf-8")
    return home


def inventory_update(pdd: Path, sae, key_id: str, secret: str, collections_dir: Path, ident: str = "1") -> dict:
    home = prepare(pdd, sae, key_id, secret, collections_dir, AWX_INVENTORY_UPDATE_ENV)
    source = pdd / "project" / INVENTORY_FILE
    output = pdd / "artifacts" / ident / "output.json"
    runner = ansible_runner.run(
        private_data_dir=str(pdd),
        ident=ident,
        binary=str(BIN / "ansible-inventory"),
        cmdline="--list --export -i %s --output %s --playbook-dir %s" % (source, output, source.parent),
        suppress_env_files=True,
        quiet=True,
        timeout=600,
    )
    inventory = json.loads(output.read_text(encoding="utf-8")) if output.is_file() else None
    return {
        "runner": runner,
        "pdd": pdd,
        "home": home,
        "inventory": inventory,
        "events": list(runner.events),
        "stdout": runner.stdout.read(),
    }


def write_job_inventory(pdd: Path, exported: dict) -> None:
    """The synced inventory as AWX gives it to a job: an executable script that prints the JSON."""
    (pdd / "inventory").mkdir()
    data_file = pdd / "inventory" / "synced.json"
    data_file.write_text(json.dumps(plain(exported)), encoding="utf-8")
    script = pdd / "inventory" / "hosts"
    script.write_text(
        "#!%s\nimport sys\nsys.stdout.write(open(%r, encoding='utf-8').read() if '--list' in sys.argv else '{}')\n"
        % (sys.executable, str(data_file)),
        encoding="utf-8",
    )
    script.chmod(0o700)


def group_hosts(inventory: dict, group: str) -> set:
    return set(inventory.get(group, {}).get("hosts", []))


def app_ids(inventory: dict, hosts: set) -> set:
    hostvars = plain(inventory["_meta"]["hostvars"])
    return {hostvars[host]["sae_app_id"] for host in hosts}


def secret_leaks(run: dict, secret: str) -> list:
    """Where ``secret`` shows up in what a run left behind, the runner's environment record aside."""
    leaks = []
    if secret in run["stdout"]:
        leaks.append("runner stdout")
    for event in run["events"]:
        if secret in json.dumps(event):
            leaks.append("event %s %s" % (event.get("counter"), event.get("event")))
    pdd = run["pdd"]
    for root in (pdd / "artifacts", pdd / "inventory", run["home"]):
        for path in sorted(root.rglob("*")) if root.exists() else []:
            if not path.is_file():
                continue
            text = path.read_bytes().decode("utf-8", errors="replace")
            if path.name == "command" and path.parent.parent == pdd / "artifacts":
                record = json.loads(text)
                injected = {name for name, value in record["env"].items() if secret in value}
                if injected != {"ALIBABA_CLOUD_ACCESS_KEY_SECRET"}:
                    leaks.append("%s env: %s" % (path, sorted(injected)))
                text = json.dumps({key: value for key, value in record.items() if key != "env"})
            if secret in text:
                leaks.append(str(path))
    return leaks


# ---- (a) the inventory update ------------------------------------------------------------


def test_the_private_data_directory_holds_the_credentials_only_in_envvars(good_update, awx_key) -> None:
    key_id, secret = awx_key[0], awx_key[1]
    pdd = good_update["pdd"]
    envvars = yaml.safe_load((pdd / "env" / "envvars").read_text(encoding="utf-8"))
    assert envvars["ALIBABA_CLOUD_ACCESS_KEY_ID"] == key_id
    assert envvars["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] == secret
    assert envvars["ALIBABA_CLOUD_SECURITY_TOKEN"] == "" and envvars["ALIBABA_CLOUD_SAE_ROLE_ARN"] == ""
    for path in (pdd / "project").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert key_id not in text and secret not in text, path
    assert not [name for name in os.environ if name.startswith(_CREDENTIAL_PREFIXES)]
    # What the command ran with: exactly the credential variables of env/envvars, nothing inherited.
    record = json.loads((pdd / "artifacts" / "1" / "command").read_text(encoding="utf-8"))
    credential_env = {name: value for name, value in record["env"].items() if name.startswith(_CREDENTIAL_PREFIXES)}
    assert credential_env == {name: value for name, value in envvars.items() if name.startswith(_CREDENTIAL_PREFIXES)}


def test_inventory_update_succeeds(good_update) -> None:
    runner = good_update["runner"]
    assert (runner.status, runner.rc) == ("successful", 0), good_update["stdout"][-3000:]
    assert "Failed to parse" not in good_update["stdout"]
    assert good_update["inventory"] is not None


def test_inventory_has_every_job_template_as_a_host(good_update, expected) -> None:
    inventory = good_update["inventory"]
    hosts = set(inventory["_meta"]["hostvars"])
    assert len(hosts) == len(expected) == 10
    assert app_ids(inventory, hosts) == set(expected)
    assert group_hosts(inventory, "sae_jobs") == hosts
    hostvars = plain(inventory["_meta"]["hostvars"])
    for host, variables in hostvars.items():
        job = expected[variables["sae_app_id"]]
        assert variables["sae_region_id"] == job["region"], host
        assert variables["sae_namespace_id"] == job["namespace"], host
        assert variables["sae_tags"] == job["tags"], host
        assert variables["ansible_connection"] == "local", host
        assert not [name for name in variables if "secret" in name or "access_key" in name], host


def test_inventory_groups_by_region_namespace_and_tag(good_update, expected) -> None:
    inventory = good_update["inventory"]
    assert "sae_jobs" in inventory["all"]["children"]
    for region in REGIONS:
        group = "sae_region_%s" % region.replace("-", "_")
        want = {app_id for app_id, job in expected.items() if job["region"] == region}
        assert app_ids(inventory, group_hosts(inventory, group)) == want, group
    for namespace in ("cn-hangzhou:prod", "cn-hangzhou:staging", "cn-beijing:dev"):
        group = "sae_namespace_%s" % namespace.replace("-", "_").replace(":", "_")
        want = {app_id for app_id, job in expected.items() if job["namespace"] == namespace}
        assert want and app_ids(inventory, group_hosts(inventory, group)) == want, group
    want = {app_id for app_id, job in expected.items() if job["tags"].get("team") == "finance"}
    assert want and app_ids(inventory, group_hosts(inventory, "sae_tag_team_finance")) == want


# ---- (b) the job -------------------------------------------------------------------------


def test_job_succeeds(job) -> None:
    runner = job["runner"]
    assert (runner.status, runner.rc) == ("successful", 0), job["stdout"][-3000:]
    failed = [event for event in job["events"] if event["event"] in ("runner_on_failed", "runner_on_unreachable")]
    assert not failed, [event["stdout"] for event in failed]
    (stats,) = [event for event in job["events"] if event["event"] == "playbook_on_stats"]
    assert not stats["event_data"]["failures"] and not stats["event_data"]["dark"]


def test_job_runs_sae_job_info_on_every_host_with_module_defaults(job, good_update) -> None:
    hostvars = plain(good_update["inventory"]["_meta"]["hostvars"])
    lookups = {
        event["event_data"]["host"]: event["event_data"]["res"]
        for event in job["events"]
        if event["event"] == "runner_on_ok" and event["event_data"]["task"] == LOOKUP_TASK
    }
    assert set(lookups) == set(hostvars)
    regions_seen = set()
    for host, result in lookups.items():
        variables = hostvars[host]
        assert [found["app_id"] for found in result["jobs"]] == [variables["sae_app_id"]], host
        # The job was found in the host's region: the region came from the group's module_defaults,
        # not from the credential's ALIBABA_CLOUD_REGION_ID (the endpoint and keys did).
        assert result["jobs"][0]["region_id"] == variables["sae_region_id"], host
        regions_seen.add(result["jobs"][0]["region_id"])
        if "invocation" in result:  # ansible-core < 2.20 returns the module's arguments
            arguments = result["invocation"]["module_args"]
            assert arguments["region"] == variables["sae_region_id"], host
            assert arguments["access_key_secret"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", host
    assert regions_seen - {CREDENTIAL_REGION}, "module_defaults never overrode the credential's region"
    checked = {
        event["event_data"]["host"]
        for event in job["events"]
        if event["event"] == "runner_on_ok" and event["event_data"]["task"] == CHECK_TASK
    }
    assert checked == set(hostvars)


# ---- (c) no secret in any artifact -------------------------------------------------------


def test_no_artifact_of_the_inventory_update_contains_the_secret(good_update, awx_key) -> None:
    assert secret_leaks(good_update, awx_key[1]) == []
    assert awx_key[1] not in json.dumps(good_update["inventory"])


def test_no_artifact_of_the_job_contains_the_secret(job, awx_key) -> None:
    assert secret_leaks(job, awx_key[1]) == []


def test_the_leak_check_finds_a_secret_where_one_is_written(good_update, awx_key, tmp_path) -> None:
    """The check above can fail: a copy of the run with the secret planted in an artifact is caught."""
    planted = dict(good_update)
    planted["pdd"] = tmp_path / "pdd"
    shutil.copytree(good_update["pdd"] / "artifacts", planted["pdd"] / "artifacts", symlinks=True)
    leaked = planted["pdd"] / "artifacts" / "1" / "job_events" / "planted.json"
    leaked.write_text(json.dumps({"stdout": "key %s" % awx_key[1]}), encoding="utf-8")
    assert secret_leaks(planted, awx_key[1]) == [str(leaked)]


# ---- a failing inventory update ----------------------------------------------------------


def test_wrong_secret_fails_the_update_with_the_api_code_region_and_credential_source(
    tmp_path, sae, awx_key, collections_dir
) -> None:
    key_id = awx_key[0]
    wrong = "wrong-" + secrets.token_urlsafe(24)
    run = inventory_update(tmp_path, sae, key_id, wrong, collections_dir)
    runner = run["runner"]
    assert runner.status == "failed" and runner.rc != 0, run["stdout"][-3000:]
    # The sae_job plugin's own message, in ansible-inventory's report of the 'auto' plugin's
    # failure (the yaml and ini plugins' failures after it are noise). ansible-core < 2.19 wraps
    # warnings at the terminal width, even inside words: compare with all whitespace removed.
    text = re.sub(r"\s+", "", run["stdout"])
    assert "alicloud.sae.sae_job:" in text and re.search("'?auto'?plugin", text), run["stdout"][-3000:]
    # The API code and a region in one entry of the message, said once; every other region named with its
    # request id after it (one wrong secret fails every region alike: issue 27); then where the credentials came from.
    entry = r"SignatureDoesNotMatch:[^;]*\(region(%s),HTTP400,requestid[0-9A-F-]+\)" % "|".join(map(re.escape, REGIONS))
    first = re.search(entry, text)
    assert first, run["stdout"][-3000:]
    for region in REGIONS:
        if region != first.group(1):
            also = r"SignatureDoesNotMatchtooinregion%s\(requestid[0-9A-F-]+\)" % re.escape(region)
            assert re.search(also, text), (region, run["stdout"][-3000:])
    assert "credentialstried:explicitaccess_key_id/access_key_secret" in text, run["stdout"][-3000:]
    assert "awrongAccessKeysecretistheusualcause" in text, run["stdout"][-3000:]
    assert run["inventory"] is None
    assert secret_leaks(run, wrong) == []
