# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AWX credential type (awx/credential_type/) injects only variables the collection reads."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sae_netguard
import yaml
from awx_credential import (
    AWX_ENV_BLOCKLIST,
    AWX_ENV_PREFIX_REFUSED,
    CREDENTIAL_TYPE_DIR,
    inject_env,
    load_injectors,
    load_inputs,
)

from ansible_collections.alicloud.sae.plugins.doc_fragments.common import ModuleDocFragment
from ansible_collections.alicloud.sae.plugins.module_utils.arguments import COMMON_ARGUMENT_SPEC, OPTION_ENV

# Each injector must be exactly one field reference, so the variable carries that field's value.
_FIELD_REFERENCE = re.compile(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")
# The inputs that hold secrets; AWX encrypts them and shows them as $encrypted$.
SECRET_FIELDS = {"access_key_secret", "security_token"}


def inventory_fragment_env() -> dict:
    """option -> env variable names, from the INVENTORY part of the alicloud.sae.common doc fragment."""
    options = yaml.safe_load(ModuleDocFragment.INVENTORY)["options"]
    return {option: [entry["name"] for entry in spec.get("env", [])] for option, spec in options.items()}


def injected() -> dict:
    """env variable -> the input field its template references."""
    result = {}
    for name, template in load_injectors()["env"].items():
        match = _FIELD_REFERENCE.match(template)
        assert match, "injector %s must be a single field reference like '{{ access_key_id }}', got %r" % (
            name,
            template,
        )
        result[name] = match.group(1)
    return result


def test_the_injectors_are_env_only() -> None:
    # extra_vars would never reach an inventory update (AWX applies them to jobs only); file
    # injectors would need a plugin option that reads a file.
    assert set(load_injectors()) == {"env"}


def test_every_injected_variable_is_one_the_module_and_the_inventory_plugin_read_for_that_field() -> None:
    fragment_env = inventory_fragment_env()
    for name, field in injected().items():
        assert field in OPTION_ENV, "%s injects field %s, which is no option with environment variables" % (name, field)
        assert name in OPTION_ENV[field], "the module does not read %s for %s (reads %s)" % (
            name,
            field,
            OPTION_ENV[field],
        )
        assert name in fragment_env.get(field, []), "the inventory plugin does not read %s for %s (reads %s)" % (
            name,
            field,
            fragment_env.get(field),
        )
        # The module really falls back to it (arguments.OPTION_ENV feeds the argument spec).
        fallback = COMMON_ARGUMENT_SPEC[field].get("fallback")
        assert fallback is not None and name in fallback[1], "%s has no env fallback to %s" % (field, name)


def test_the_preferred_name_is_injected_for_every_option() -> None:
    # The first name in OPTION_ENV is the one the module prefers; the inventory plugin lists it
    # last, because the last set variable wins there. Injecting it makes both agree.
    fragment_env = inventory_fragment_env()
    for name, field in injected().items():
        assert OPTION_ENV[field][0] == name
        assert fragment_env[field][-1] == name


def test_the_inventory_plugin_documentation_ansible_reads_lists_every_injected_variable(tmp_path: Path) -> None:
    """What ansible-core itself resolves for the sae_job plugin (its config comes from this documentation)."""
    ansible_doc = Path(sys.executable).with_name("ansible-doc")
    completed = subprocess.run(
        [str(ansible_doc), "-t", "inventory", "--json", "alicloud.sae.sae_job"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=_doc_env(tmp_path),
    )
    assert completed.returncode == 0, completed.stderr
    options = json.loads(completed.stdout)["alicloud.sae.sae_job"]["doc"]["options"]
    for name, field in injected().items():
        assert name in [entry["name"] for entry in options[field].get("env", [])], (name, field)


def _doc_env(tmp_path: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ALIBABA_CLOUD_", "ALICLOUD_"))}
    repo = Path(__file__).resolve().parents[2]
    collections = tmp_path / "collections"
    (collections / "ansible_collections" / "alicloud").mkdir(parents=True)
    (collections / "ansible_collections" / "alicloud" / "sae").symlink_to(repo, target_is_directory=True)
    env.update(
        {
            "HOME": str(tmp_path / "home"),
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
            "ANSIBLE_COLLECTIONS_PATH": str(collections),
        }
    )
    return sae_netguard.child_environment(env)


def test_every_field_is_injected_and_every_injector_names_a_field() -> None:
    fields = [field["id"] for field in load_inputs()["fields"]]
    assert len(fields) == len(set(fields)), "field ids repeat"
    assert sorted(injected().values()) == sorted(fields)


def test_the_fields_the_issue_asks_for_exist() -> None:
    fields = {field["id"] for field in load_inputs()["fields"]}
    assert {"access_key_id", "access_key_secret", "security_token", "region", "role_arn", "endpoint"} <= fields
    assert load_inputs()["required"] == ["access_key_id", "access_key_secret"]


def test_every_secret_input_is_marked_secret() -> None:
    by_id = {field["id"]: field for field in load_inputs()["fields"]}
    for field_id in SECRET_FIELDS:
        assert by_id[field_id].get("secret") is True, field_id
    # And every option the module treats as no_log is a secret field here.
    for field_id, field in by_id.items():
        if COMMON_ARGUMENT_SPEC.get(field_id, {}).get("no_log"):
            assert field.get("secret") is True, field_id
    # Nothing else is secret: AWX would hide a region or an ARN for no reason.
    assert {field_id for field_id, field in by_id.items() if field.get("secret")} == SECRET_FIELDS


def test_the_fields_are_valid_for_awx() -> None:
    inputs = load_inputs()
    assert set(inputs) == {"fields", "required"}
    labels = [field["label"] for field in inputs["fields"]]
    assert len(labels) == len(set(labels)), "AWX needs unique labels"
    for field in inputs["fields"]:
        assert set(field) <= {"id", "label", "type", "secret", "help_text", "multiline", "default", "choices"}, field
        assert field["type"] == "string"
    field_ids = {field["id"] for field in inputs["fields"]}
    assert set(inputs["required"]) <= field_ids


def test_awx_accepts_every_injected_name() -> None:
    for name in load_injectors()["env"]:
        assert name not in AWX_ENV_BLOCKLIST
        assert not name.startswith(AWX_ENV_PREFIX_REFUSED)
        assert re.match(r"^[A-Z_][A-Z0-9_]*$", name)


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (
            {"access_key_id": "LTAI-id", "access_key_secret": "s3cret", "region": "cn-beijing"},
            {
                "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-id",
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s3cret",
                "ALIBABA_CLOUD_SECURITY_TOKEN": "",
                "ALIBABA_CLOUD_REGION_ID": "cn-beijing",
                "ALIBABA_CLOUD_SAE_ROLE_ARN": "",
                "ALIBABA_CLOUD_SAE_ENDPOINT": "",
            },
        ),
        (
            {
                "access_key_id": "STS.id",
                "access_key_secret": "s3cret",
                "security_token": "tok",
                "role_arn": "acs:ram::1:role/r",
                "endpoint": "http://127.0.0.1:1/{region}",
            },
            {
                "ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.id",
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s3cret",
                "ALIBABA_CLOUD_SECURITY_TOKEN": "tok",
                "ALIBABA_CLOUD_REGION_ID": "",
                "ALIBABA_CLOUD_SAE_ROLE_ARN": "acs:ram::1:role/r",
                "ALIBABA_CLOUD_SAE_ENDPOINT": "http://127.0.0.1:1/{region}",
            },
        ),
    ],
)
def test_injection_renders_like_awx(inputs: dict, expected: dict) -> None:
    # An empty field still sets its variable, to "": the collection must take "" as not set
    # (test_awx_runner runs with exactly such a credential).
    assert inject_env(inputs) == expected


@pytest.mark.parametrize("name", ["inputs", "injectors"])
def test_docs_awx_md_shows_the_credential_type_files_verbatim(name: str) -> None:
    """docs/awx.md tells users to paste these blocks: they must be the files' content."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "awx.md").read_text(encoding="utf-8")
    marker = "<!-- awx-credential-type-%s:" % name
    assert docs.count(marker) == 1, marker
    after = docs.split(marker, 1)[1]
    block = after.split("```yaml\n", 1)[1].split("```\n", 1)[0]
    assert block == (CREDENTIAL_TYPE_DIR / ("%s.yml" % name)).read_text(encoding="utf-8")
