# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What inventory users asked for (issue 20), end to end through the collection against the emulator:
alibaba.alicloud's names for the role, a CA bundle option, extra vars in templated options, several filter
sets, and exclusions. Real ``ansible-inventory`` and ``ansible-playbook`` processes, each case with the
failure that must be clear."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEMO_ACCESS_KEY_SECRET, credential_env
from playbook_runner import run_module
from proof_helpers import (
    emulator_jobs,
    emulator_stats,
    flat,
    inventory_config,
    run_inventory,
    run_playbook,
    write_config,
)

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


# ---- 4. ca_bundle ------------------------------------------------------------------------------------


def _requests_made(emulator) -> int:
    return emulator_stats(emulator)["requests"]


def test_inventory_verifies_the_endpoint_with_ca_bundle(tmp_path, safe_env, emulator):
    import certifi

    https = emulator.info["https_endpoint"]
    expected = {job["AppId"] for job in emulator_jobs(emulator, REGION)}
    # The option wins over REQUESTS_CA_BUNDLE, here a bundle (certifi's) that does not hold the emulator's CA.
    env = dict(safe_env, REQUESTS_CA_BUNDLE=certifi.where())
    config = _config(emulator, [REGION], endpoint=https, max_retries=0, ca_bundle=emulator.info["ca_file"])
    run = run_inventory(tmp_path, env, [write_config(tmp_path, config, "option")])
    assert run.returncode == 0, run.output
    assert _app_ids(run) == expected
    # ALIBABA_CLOUD_CA_BUNDLE when the option is not set
    unset = write_config(tmp_path, _config(emulator, [REGION], endpoint=https, max_retries=0), "unset")
    run = run_inventory(tmp_path, dict(env, ALIBABA_CLOUD_CA_BUNDLE=emulator.info["ca_file"]), [unset])
    assert run.returncode == 0, run.output
    assert _app_ids(run) == expected
    # Without either, certifi's bundle does not trust the emulator's CA.
    run = run_inventory(tmp_path, env, [unset])
    assert run.returncode != 0 and run.says("certificate verify failed", ignore_case=True), run.output[-3000:]


def test_inventory_ca_bundle_that_is_not_a_file_fails_before_any_request(tmp_path, safe_env, emulator):
    https = emulator.info["https_endpoint"]
    before = _requests_made(emulator)
    for name, path in (("missing", str(tmp_path / "no-such-ca.pem")), ("directory", str(tmp_path))):
        config = _config(emulator, [REGION], endpoint=https, ca_bundle=path)
        run = run_inventory(tmp_path, safe_env, [write_config(tmp_path, config, name)])
        assert run.returncode != 0
        assert run.says("ca_bundle %r is not a file" % path), run.output[-3000:]
        assert "Traceback" not in run.output
    assert _requests_made(emulator) == before


def test_module_verifies_the_endpoint_with_ca_bundle(tmp_path, safe_env, emulator):
    env = credential_env(safe_env, emulator, REGION, ALIBABA_CLOUD_SAE_ENDPOINT=emulator.info["https_endpoint"])
    expected = [job["AppId"] for job in emulator_jobs(emulator, REGION)]
    run = run_module(tmp_path, env, {"ca_bundle": emulator.info["ca_file"], "max_retries": 0})
    assert run.result.get("failed") is not True, run.output
    assert [job["app_id"] for job in run.result["jobs"]] == expected
    run = run_module(tmp_path, dict(env, ALIBABA_CLOUD_CA_BUNDLE=emulator.info["ca_file"]), {"max_retries": 0})
    assert run.result.get("failed") is not True, run.output
    assert [job["app_id"] for job in run.result["jobs"]] == expected
    before = _requests_made(emulator)
    missing = str(tmp_path / "no-such-ca.pem")
    run = run_module(tmp_path, env, {"ca_bundle": missing})
    assert run.result["failed"] is True
    assert "ca_bundle %r is not a file" % missing in run.result["msg"]
    assert _requests_made(emulator) == before


# ---- 1. extra vars in templated options --------------------------------------------------------------


def _vaulted_vars_file(tmp_path: Path, env: dict, values: dict) -> tuple:
    """``values`` as a vars file encrypted with ansible-vault, and the password file that opens it."""
    password = tmp_path / "vault-password"
    password.write_text("inventory-users-vault-password\n", encoding="utf-8")
    secrets = tmp_path / "secrets.yml"
    secrets.write_text(json.dumps(values), encoding="utf-8")
    vault = str(Path(sys.executable).with_name("ansible-vault"))
    subprocess.run(
        [vault, "encrypt", "--vault-password-file", str(password), str(secrets)],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert secrets.read_text(encoding="utf-8").startswith("$ANSIBLE_VAULT")
    return secrets, password


def test_templated_options_see_vaulted_extra_vars_with_use_extra_vars(tmp_path, safe_env, emulator):
    namespace = emulator_jobs(emulator, "cn-hangzhou")[0]["NamespaceId"]
    secret = DEMO_ACCESS_KEY_SECRET
    values = {
        "sae_secret": secret,
        "sae_regions": REGIONS,
        "sae_endpoint": emulator.info["http_endpoint"],
        "sae_namespace": namespace,
    }
    secrets, password = _vaulted_vars_file(tmp_path, safe_env, values)
    config = _config(
        emulator,
        "{{ sae_regions }}",  # a list, as a template
        use_extra_vars=True,
        access_key_secret="{{ sae_secret }}",
        endpoint="{{ sae_endpoint }}",
        namespaces=["{{ sae_namespace }}"],
        cache=True,
        cache_plugin="ansible.builtin.jsonfile",
        cache_connection=str(tmp_path / "cache"),
    )
    source = write_config(tmp_path, config, "prod")
    args = ("-e", "@%s" % secrets, "--vault-password-file", str(password))
    run = run_inventory(tmp_path, safe_env, [source], verbosity=4, extra_args=args)
    assert run.returncode == 0, run.output
    expected = {job["AppId"] for job in emulator_jobs(emulator, "cn-hangzhou") if job["NamespaceId"] == namespace}
    assert expected and _app_ids(run) == expected
    assert secret not in run.output and secret not in flat(run.output)
    cached = [path for path in (tmp_path / "cache").rglob("*") if path.is_file()]
    assert cached and not any(secret in path.read_text(errors="replace") for path in cached)
    # ansible-playbook reads the same inventory with the same extra vars
    out = tmp_path / "hosts.json"
    play = [{
        "hosts": "sae_jobs", "gather_facts": False,
        "tasks": [{
            "ansible.builtin.copy": {"dest": str(out), "content": "{{ ansible_play_hosts | to_json }}"},
            "delegate_to": "localhost", "run_once": True,
        }],
    }]  # fmt: skip
    played = run_playbook(tmp_path, safe_env, play, inventory=str(source), extra_args=args + ("--flush-cache",))
    assert played.returncode == 0, played.output
    assert len(json.loads(out.read_text(encoding="utf-8"))) == len(expected)
    assert secret not in played.output


def test_without_use_extra_vars_an_extra_var_is_undefined_and_the_error_says_so(tmp_path, safe_env, emulator):
    secret = DEMO_ACCESS_KEY_SECRET
    secrets = tmp_path / "secrets.yml"
    secrets.write_text(json.dumps({"sae_secret": secret}), encoding="utf-8")
    config = _config(emulator, [REGION], access_key_secret="{{ sae_secret }}")
    source = write_config(tmp_path, config, "prod")
    before = _requests_made(emulator)
    run = run_inventory(tmp_path, safe_env, [source], extra_args=("-e", "@%s" % secrets))
    assert run.returncode != 0
    assert run.says("Could not template the access_key_secret option"), run.output[-3000:]
    assert run.says("sae_secret") and run.says("use_extra_vars: true")
    assert secret not in run.output
    strict_env = dict(safe_env, ANSIBLE_INVENTORY_UNPARSED_FAILED="true")
    play = [{"hosts": "all", "gather_facts": False, "tasks": []}]
    played = run_playbook(tmp_path, strict_env, play, inventory=str(source), extra_args=("-e", "@%s" % secrets))
    assert played.returncode != 0
    assert "use_extra_vars:true" in flat(played.output) and "access_key_secret" in played.output, played.output
    assert secret not in played.output
    assert _requests_made(emulator) == before


# ---- 2. include_filters ------------------------------------------------------------------------------


def _sent_since(emulator, before: int) -> list:
    return emulator.control("/_emulator/requests")["requests"][before:]


def test_include_filters_list_each_set_in_each_region_and_merge_by_job(tmp_path, safe_env, emulator):
    jobs = {region: emulator_jobs(emulator, region) for region in REGIONS}
    tagged = next(job for job in jobs[REGION] if job["Tags"])
    tag = tagged["Tags"][0]
    namespace = tagged["NamespaceId"]
    # set 1: one namespace of cn-beijing with one tag; set 2: a name in every region (a substring match)
    in_set_1 = {job["AppId"] for job in jobs[REGION] if job["NamespaceId"] == namespace and tag in job["Tags"]}
    in_set_2 = {job["AppId"] for region in REGIONS for job in jobs[region] if tagged["AppName"] in job["AppName"]}
    assert tagged["AppId"] in in_set_1 & in_set_2  # a job both sets match
    sets = [
        {"namespace_id": namespace, "tags": {tag["Key"]: tag["Value"]}},
        {"field_type": "appName", "field_value": tagged["AppName"]},
    ]
    before = len(emulator.control("/_emulator/requests")["requests"])
    source = write_config(tmp_path, _config(emulator, REGIONS, include_filters=sets))
    run = run_inventory(tmp_path, safe_env, [source])
    assert run.returncode == 0, run.output
    assert sorted(_app_ids(run)) == sorted(in_set_1 | in_set_2)
    assert len(run.hostvars) == len(in_set_1 | in_set_2)  # the job of both sets is one host
    sent = sorted((entry["region"], entry["params"].get("NamespaceId", ""), entry["params"].get("FieldValue", ""))
                  for entry in _sent_since(emulator, before))  # fmt: skip
    # one listing per set and region (each fits one page); the namespace's set in its own region only
    assert sent == sorted([(REGION, namespace, "")] + [(region, "", tagged["AppName"]) for region in REGIONS])


def test_a_filter_set_with_an_unknown_key_fails_before_any_request(tmp_path, safe_env, emulator):
    sets = [{"app_name": "report"}, {"namespace": "cn-beijing:prod"}]
    source = write_config(tmp_path, _config(emulator, REGIONS, include_filters=sets))
    before = _requests_made(emulator)
    run = run_inventory(tmp_path, safe_env, [source])
    assert run.returncode != 0
    assert run.says("include_filters[1] has unknown key(s) namespace"), run.output[-3000:]
    strict_env = dict(safe_env, ANSIBLE_INVENTORY_UNPARSED_FAILED="true")
    play = [{"hosts": "all", "gather_facts": False, "tasks": []}]
    played = run_playbook(tmp_path, strict_env, play, inventory=str(source))
    assert played.returncode != 0 and "include_filters[1] has unknown key(s) namespace" in played.output
    assert _requests_made(emulator) == before


# ---- 3. exclude: the user's conditions over untrusted API data ---------------------------------------

PWNED = "{{ lookup('ansible.builtin.pipe', 'echo pwned') }}"


@pytest.fixture(scope="module")
def excludable(tmp_path_factory, start_emulator):
    """Four jobs: a suspended one, a tmp- one, one whose tag value is a lookup, and an ordinary one."""
    from sae_emulator.data import generate

    dataset = generate(jobs=4, regions=[REGION], namespaces_per_region=1, seed=3).to_dict()
    suspended, temporary, hostile, ordinary = dataset["regions"][REGION]
    suspended.update(AppName="billing-sync", Suspend=True, Tags=[])
    temporary.update(AppName="tmp-backfill", Suspend=False, Tags=[])
    hostile.update(AppName="report", Suspend=False, Tags=[{"Key": "hook", "Value": PWNED}])
    ordinary.update(AppName="cleanup", Suspend=False, Tags=[{"Key": "hook", "Value": "plain"}])
    dataset_file = tmp_path_factory.mktemp("excludable") / "dataset.json"
    dataset_file.write_text(json.dumps(dataset), encoding="utf-8")
    return start_emulator("--dataset-file", str(dataset_file)), dataset["regions"][REGION]


def test_exclude_conditions_leave_jobs_out_and_never_evaluate_api_data(tmp_path, safe_env, excludable):
    emulator, (suspended, temporary, hostile, ordinary) = excludable
    conditions = [
        "sae_suspend",
        "sae_app_name is match('tmp-')",
        "sae_tags.hook | default('') == 'pwned'",  # true only if the tag's lookup ran
    ]
    source = write_config(tmp_path, _config(emulator, [REGION], exclude=conditions))
    run = run_inventory(tmp_path, safe_env, [source])
    assert run.returncode == 0, run.output
    assert _app_ids(run) == {hostile["AppId"], ordinary["AppId"]}
    tags = {values["sae_app_id"]: values["sae_tags"] for values in run.hostvars.values()}
    assert tags[hostile["AppId"]] == {"hook": PWNED}  # text, as the API sent it
    # The condition sees the text: it can exclude on it.
    literal_config = _config(emulator, [REGION], exclude=["'lookup' in sae_tags.hook | default('')"])
    literal = write_config(tmp_path, literal_config, "literal")
    run = run_inventory(tmp_path, safe_env, [literal])
    assert run.returncode == 0, run.output
    assert _app_ids(run) == {suspended["AppId"], temporary["AppId"], ordinary["AppId"]}
    # A play over the inventory sees the same hosts, and the tag's text.
    out = tmp_path / "hooks.json"
    play = [{
        "hosts": "sae_jobs", "gather_facts": False,
        "tasks": [{
            "ansible.builtin.copy": {
                "dest": str(out),
                "content": "{{ dict(ansible_play_hosts | map('extract', hostvars, 'sae_app_id')"
                           " | zip(ansible_play_hosts | map('extract', hostvars, 'sae_tags'))) | to_json }}",
            },
            "delegate_to": "localhost", "run_once": True,
        }],
    }]  # fmt: skip
    played = run_playbook(tmp_path, safe_env, play, inventory=str(source))
    assert played.returncode == 0, played.output
    hooks = json.loads(out.read_text(encoding="utf-8"))
    assert hooks == {hostile["AppId"]: {"hook": PWNED}, ordinary["AppId"]: {"hook": "plain"}}
    assert "pwned" not in played.output.replace(PWNED, "")


def test_an_exclude_condition_that_fails_names_itself_and_the_job(tmp_path, safe_env, excludable):
    emulator, _jobs = excludable
    source = write_config(tmp_path, _config(emulator, [REGION], exclude=["sae_tags.hook == 'x'"]))
    run = run_inventory(tmp_path, safe_env, [source])
    assert run.returncode != 0
    assert run.says("exclude condition \"sae_tags.hook == 'x'\" failed for job template"), run.output[-3000:]
