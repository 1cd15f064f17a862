# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Everyday mistakes that used to give an answer that looked normal and was wrong (issue 27, section 3), end to end
through real ``ansible-playbook`` and ``ansible-inventory`` processes against the emulator: each is an error before
any request (the emulator counts them) or a warning that names what happened."""

from __future__ import annotations

import pytest
import sae_netguard
from conftest import credential_env
from playbook_runner import run_module
from proof_helpers import emulator_jobs, emulator_stats, flat, inventory_config, run_inventory, write_config

REGION = "cn-beijing"
OTHER = "cn-hangzhou"
NO_SAE = "ap-nosae-1"  # a region the emulator answers as one without SAE
FORM = "SAE namespace IDs are <region> (the region's default namespace) or <region>:<name>"


@pytest.fixture(scope="module")
def emulator(start_emulator):
    return start_emulator(
        "--dataset", "generated", "--jobs", "60", "--regions", "%s,%s" % (REGION, OTHER), "--namespaces", "2",
        "--seed", "27", "--default-region", OTHER, "--region-failure", "%s=404:InvalidAction.NotFound" % NO_SAE,
    )  # fmt: skip


def _requests(emulator) -> int:
    return emulator_stats(emulator)["requests"]


def _module(tmp_path, safe_env, emulator, args: dict, **env):
    return run_module(tmp_path, credential_env(safe_env, emulator, REGION, **env), dict({"region": REGION}, **args))


def _inventory(tmp_path, safe_env, emulator, name: str, regions=(REGION,), **options):
    (tmp_path / name).mkdir()
    source = write_config(tmp_path / name, inventory_config(emulator, list(regions), **options))
    return run_inventory(tmp_path / name, safe_env, [source])


def _failed(run) -> str:
    assert run.result is not None and run.result.get("failed") is True, run.output[-3000:]
    assert "Traceback" not in flat(run.output)
    return run.result["msg"]


# ---- namespace IDs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("namespace", ["prod", "%s:prod" % OTHER, "%s:" % REGION])
def test_module_refuses_a_namespace_of_another_form_or_region_before_any_request(
    tmp_path, safe_env, emulator, namespace
):
    before = _requests(emulator)
    message = _failed(_module(tmp_path, safe_env, emulator, {"namespace_id": namespace}))
    assert message == "namespace_id %r is not a namespace of region %s: %s, for example %s:prod." % (
        namespace, REGION, FORM, REGION,
    )  # fmt: skip
    assert _requests(emulator) == before


def test_inventory_refuses_a_namespace_of_no_region_listed_before_any_request(tmp_path, safe_env, emulator):
    before = _requests(emulator)
    run = _inventory(tmp_path, safe_env, emulator, "namespaces", namespaces=["prod"])
    assert run.returncode != 0 and "Traceback" not in flat(run.output)
    assert run.says("namespaces entry 'prod' is not a namespace of region %s: %s" % (REGION, FORM)), run.output
    run = _inventory(
        tmp_path, safe_env, emulator, "filters", [REGION, OTHER], include_filters=[{"namespace_id": "prod"}]
    )
    assert run.returncode != 0
    assert run.says("include_filters[0].namespace_id 'prod' is not a namespace of regions %s, %s" % (REGION, OTHER))
    assert _requests(emulator) == before


def test_namespaces_of_both_forms_are_listed_in_their_region(tmp_path, safe_env, emulator):
    named = emulator_jobs(emulator, REGION)[0]["NamespaceId"]
    expected = {job["AppId"] for job in emulator_jobs(emulator, REGION) if job["NamespaceId"] == named}
    run = _inventory(tmp_path, safe_env, emulator, "ok", [REGION, OTHER], namespaces=[named])
    assert run.returncode == 0, run.output
    assert {values["sae_app_id"] for values in run.hostvars.values()} == expected


# ---- the region of the jobs answered --------------------------------------------------------------------------


def _mismatch(asked: str) -> str:
    return (
        "region %s was asked for, but the API answered with job templates of region %s: check that the endpoint is "
        "region %s's (with {region} in it)." % (asked, OTHER, asked)
    )


def test_module_warns_once_when_the_endpoint_answers_for_another_region(tmp_path, safe_env, emulator):
    # No {region}: the emulator answers every call with its default region's jobs, as one regional host would.
    endpoint = emulator.endpoint.replace("/{region}", "")
    run = _module(tmp_path, safe_env, emulator, {"endpoint": endpoint, "page_size": 10})
    assert run.result.get("failed") is not True, run.output
    assert len(run.result["jobs"]) == len(emulator_jobs(emulator, OTHER))
    assert run.result["warnings"] == [_mismatch(REGION)]  # once for the listing of several pages


def test_inventory_warns_once_per_listing_when_the_endpoint_answers_for_another_region(tmp_path, safe_env, emulator):
    endpoint = emulator.endpoint.replace("/{region}", "")
    run = _inventory(tmp_path, safe_env, emulator, "mismatch", endpoint=endpoint)
    assert run.returncode == 0, run.output
    assert run.says("alicloud.sae.sae_job: " + _mismatch(REGION)), run.output
    assert flat(run.output).count("wasaskedfor") == 1


def test_no_warning_when_the_jobs_are_of_the_region_asked(tmp_path, safe_env, emulator):
    run = _module(tmp_path, safe_env, emulator, {})
    assert run.result.get("failed") is not True, run.output
    assert not run.result.get("warnings")


# ---- keys of the inventory file ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, value, closest",
    [
        ("namespace", "%s:prod" % REGION, "namespaces"),
        ("filters", [{"app_name": "x"}], "include_filters"),
        ("keyed_group", [{"key": "sae_tags"}], "keyed_groups"),
    ],
)
def test_inventory_refuses_a_key_that_is_no_option_before_any_request(
    tmp_path, safe_env, emulator, key, value, closest
):
    before = _requests(emulator)
    run = _inventory(tmp_path, safe_env, emulator, key, **{key: value})
    assert run.returncode != 0 and "Traceback" not in flat(run.output)
    assert run.says("alicloud.sae.sae_job: %r is not an option of this plugin; did you mean %s?" % (key, closest))
    assert _requests(emulator) == before


# ---- a region that does not resolve -------------------------------------------------------------------------------


def test_module_does_not_retry_a_host_name_that_does_not_resolve(tmp_path, safe_env, emulator):
    normal = _module(tmp_path, safe_env, emulator, {})
    assert normal.result.get("failed") is not True, normal.output
    port = emulator.endpoint.split(":")[2].split("/")[0]
    with sae_netguard.expect_refusals() as refused:
        typo = run_module(
            tmp_path,
            sae_netguard.child_environment(credential_env(safe_env, emulator, REGION)),
            {"region": "cn-hangzou", "endpoint": "http://sae.{region}.invalid:%s/" % port},
        )
        looked_up = [entry["host"] for entry in refused()]
    message = _failed(typo)
    assert typo.result["error"]["code"] == "ConnectionError"
    assert "the host name sae.cn-hangzou.invalid does not resolve" in message
    assert "check that region cn-hangzou is spelt right, and the endpoint (region cn-hangzou," in message
    assert typo.seconds < normal.seconds + 2, (typo.seconds, normal.seconds)
    assert looked_up == ["sae.cn-hangzou.invalid"]  # one lookup: no retry


def test_inventory_does_not_retry_a_host_name_that_does_not_resolve(tmp_path, safe_env, emulator):
    normal = _inventory(tmp_path, safe_env, emulator, "normal")
    assert normal.returncode == 0, normal.output
    port = emulator.endpoint.split(":")[2].split("/")[0]
    config = inventory_config(emulator, ["cn-hangzou"], endpoint="http://sae.{region}.invalid:%s/" % port)
    with sae_netguard.expect_refusals() as refused:
        env = sae_netguard.child_environment(safe_env)
        typo = run_inventory(tmp_path, env, [write_config(tmp_path, config, "typo")])
        looked_up = [entry["host"] for entry in refused()]
    assert typo.returncode != 0 and "Traceback" not in typo.output
    assert typo.says("the host name sae.cn-hangzou.invalid does not resolve"), typo.output[-3000:]
    assert typo.says("check that region cn-hangzou is spelt right, and the endpoint")
    assert typo.seconds < normal.seconds + 2, (typo.seconds, normal.seconds)
    assert looked_up == ["sae.cn-hangzou.invalid"]


# ---- what the API's error means -------------------------------------------------------------------------------


def test_module_wrong_secret_names_the_credentials_and_the_usual_cause(tmp_path, safe_env, emulator):
    run = _module(tmp_path, safe_env, emulator, {}, ALIBABA_CLOUD_ACCESS_KEY_SECRET="a-wrong-secret-0123456789")
    message = _failed(run)
    assert run.result["error"]["code"] == "SignatureDoesNotMatch"
    assert message.endswith(
        "; credentials tried: explicit access_key_id/access_key_secret (access_key_id from the environment variable "
        "ALIBABA_CLOUD_ACCESS_KEY_ID); a wrong AccessKey secret is the usual cause"
    )
    assert "a-wrong-secret-0123456789" not in flat(run.output)


def test_inventory_says_one_signature_error_of_every_region_once(tmp_path, safe_env, emulator):
    run = _inventory(tmp_path, safe_env, emulator, "secret", [REGION, OTHER], access_key_secret="a-wrong-secret-9876")
    assert run.returncode != 0
    assert run.says("SignatureDoesNotMatch too in region %s (request id" % OTHER), run.output[-3000:]
    # once in each time the error is shown (ansible-core 2.19 and later show it twice; 2.16 wraps its lines)
    output = flat(run.output)
    shown = output.count(flat("alicloud.sae.sae_job: every listing failed: SAE ListJobs failed: SignatureDoesNotMatch"))
    assert shown >= 1, run.output[-3000:]
    assert output.count(flat("Specified signature is not matched")) == shown
    assert output.count(flat("a wrong AccessKey secret is the usual cause")) == shown
    assert run.says("credentials tried: explicit access_key_id/access_key_secret")
    assert "a-wrong-secret-9876" not in flat(run.output)


def test_a_region_without_sae_says_so(tmp_path, safe_env, emulator):
    run = run_module(tmp_path, credential_env(safe_env, emulator, NO_SAE), {})
    message = _failed(run)
    assert run.result["error"]["code"] == "InvalidAction.NotFound"
    assert message.endswith("; region %s may not offer SAE, or the endpoint is wrong" % NO_SAE)
    run = _inventory(tmp_path, safe_env, emulator, "nosae", [NO_SAE])
    assert run.returncode != 0
    assert run.says("region %s may not offer SAE, or the endpoint is wrong" % NO_SAE), run.output[-3000:]


# ---- tags ---------------------------------------------------------------------------------------------------------


def _a_tag(emulator) -> tuple:
    tag = emulator_jobs(emulator, REGION)[0]["Tags"][0]
    return tag["Key"], tag["Value"]


def test_module_and_inventory_take_every_form_of_tags_alike(tmp_path, safe_env, emulator):
    key, value = _a_tag(emulator)
    expected = [
        job["AppId"]
        for job in emulator_jobs(emulator, REGION)
        if {"Key": key, "Value": value} in (job.get("Tags") or [])
    ]
    forms = [{key: value}, [{"key": key, "value": value}], "%s=%s" % (key, value), ["%s=%s" % (key, value)]]
    for number, tags in enumerate(forms):
        run = _module(tmp_path, safe_env, emulator, {"tags": tags})
        assert run.result.get("failed") is not True, (tags, run.output)
        assert [job["app_id"] for job in run.result["jobs"]] == expected, tags
        run = _inventory(tmp_path, safe_env, emulator, "tags%d" % number, tags=tags)
        assert run.returncode == 0, (tags, run.output)
        assert sorted(values["sae_app_id"] for values in run.hostvars.values()) == sorted(expected), tags


def test_a_tag_key_without_a_value_is_refused_before_any_request(tmp_path, safe_env, emulator):
    key, _value = _a_tag(emulator)
    before = _requests(emulator)
    message = _failed(_module(tmp_path, safe_env, emulator, {"tags": [key]}))
    assert message.startswith(
        "tags %r is not key=value text: the ListJobs API matches a tag by its key and value" % key
    )
    run = _inventory(tmp_path, safe_env, emulator, "keyonly", tags={key: None})
    assert run.returncode != 0 and "Traceback" not in flat(run.output)
    assert run.says("alicloud.sae.sae_job: tags[%r] must be a string, got NoneType" % key), run.output[-3000:]
    assert _requests(emulator) == before
