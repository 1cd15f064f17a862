# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What AWX stores: ``ansible-inventory --list --export`` prints plain values.

AWX runs ``ansible-inventory --list --export`` for an inventory sync and stores the JSON as printed; a value printed
as ``{"__ansible_unsafe": "..."}`` becomes a dict-valued host variable in its database, UI, API and smart-inventory
filters (community.general#8212). Only a string from the API that could be a template (it holds ``{`` or ``}``) may
be printed that way, and it must still never be evaluated. For a job run AWX hands the stored JSON back to Ansible
as an inventory script: a play over it reads the host variables.

These run on whatever ansible-core the venv has (the matrix runs them on every cell).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from playbook_runner import run_timed
from proof_helpers import ANSIBLE_INVENTORY, JOB_STATE_NAMES, inventory_config, run_playbook, write_config

REGION = "cn-beijing"
UNSAFE = "__ansible_unsafe"


def _could_be_template(text: str) -> bool:
    return "{" in text or "}" in text


@pytest.fixture(scope="module")
def awx_data(tmp_path_factory, start_emulator):
    """An emulator with a few jobs; one carries text that would touch a marker file if it were evaluated."""
    from sae_emulator.data import generate

    directory = tmp_path_factory.mktemp("awx")
    marker = directory / "evaluated"
    dataset = generate(jobs=6, regions=[REGION], namespaces_per_region=2, seed=27).to_dict()
    hostile = dataset["regions"][REGION][0]
    hostile.update(
        AppName="hostile",
        AppDescription="{{ lookup('ansible.builtin.pipe', 'touch %s') }}" % marker,
        Message="{% raw %}x{% endraw %}",
        Tags=[
            {"Key": "team", "Value": "billing"},
            {"Key": "open", "Value": "a { b"},
            {"Key": "close", "Value": "c } d"},
            {"Key": "math", "Value": "{{ 6 * 7 }}"},
        ],
    )
    dataset_file = directory / "dataset.json"
    dataset_file.write_text(json.dumps(dataset), encoding="utf-8")
    return start_emulator("--dataset-file", str(dataset_file)), hostile, marker


def _export(tmp_path: Path, env: dict, source: Path) -> dict:
    """The JSON ``ansible-inventory --list --export`` prints, exactly as printed (markers kept)."""
    output = tmp_path / "export.json"
    command = [ANSIBLE_INVENTORY, "--list", "--export", "-i", str(source), "--output", str(output)]
    returncode, text, _seconds = run_timed(command, dict(env, ANSIBLE_INVENTORY_UNPARSED_FAILED="true"), tmp_path, 300)
    assert returncode == 0, text
    return json.loads(output.read_text(encoding="utf-8"))


def _strings(value, wrapped: list, plain: list) -> None:
    """Every string value (dict keys are never printed wrapped), sorted into the wrapped and the plain ones."""
    if isinstance(value, dict):
        if set(value) == {UNSAFE}:
            wrapped.append(value[UNSAFE])
            return
        for item in value.values():
            _strings(item, wrapped, plain)
    elif isinstance(value, list):
        for item in value:
            _strings(item, wrapped, plain)
    elif isinstance(value, str):
        plain.append(value)


def _host_of(exported: dict, app_id: str) -> str:
    hosts = [name for name, variables in exported["_meta"]["hostvars"].items() if app_id in json.dumps(variables)]
    assert len(hosts) == 1, hosts
    return hosts[0]


def test_export_wraps_only_strings_that_could_be_templates(tmp_path, safe_env, awx_data):
    emulator, hostile, marker = awx_data
    exported = _export(tmp_path, safe_env, write_config(tmp_path, inventory_config(emulator, [REGION])))
    assert not marker.exists()
    hostvars = exported["_meta"]["hostvars"]
    assert len(hostvars) == 6
    wrapped, plain = [], []
    _strings(exported, wrapped, plain)
    # AWX would store every one of these as a dict: only text that could be a template may be printed so.
    assert [text for text in wrapped if not _could_be_template(text)] == []
    # ... and such text still is: marked, never evaluated.
    assert [text for text in plain if _could_be_template(text)] == []
    variables = hostvars[_host_of(exported, hostile["AppId"])]
    assert variables["ansible_connection"] == "local"
    assert variables["sae_app_name"] == "hostile"
    assert variables["sae_app_id"] == hostile["AppId"]
    assert variables["sae_app_description"] == {UNSAFE: hostile["AppDescription"]}
    assert variables["sae_message"] == {UNSAFE: "{% raw %}x{% endraw %}"}
    assert variables["sae_tags"] == {
        "team": "billing",
        "open": {UNSAFE: "a { b"},
        "close": {UNSAFE: "c } d"},
        "math": {UNSAFE: "{{ 6 * 7 }}"},
    }
    assert variables["sae_trigger_config"] == json.loads(hostile["TriggerConfig"])  # nested values plain too
    assert len(plain) > 6 * 15, len(plain)  # every job's text fields, printed plain


def test_the_exported_json_as_a_script_inventory_runs_a_play(tmp_path, safe_env, awx_data):
    """As AWX runs a job: the stored JSON printed by an inventory script, and a play on one host."""
    emulator, hostile, marker = awx_data
    exported = _export(tmp_path, safe_env, write_config(tmp_path, inventory_config(emulator, [REGION])))
    stored = tmp_path / "stored.json"
    stored.write_text(json.dumps(exported), encoding="utf-8")
    script = tmp_path / "awx_inventory.py"
    script.write_text(
        "#!%s\nimport sys\nprint('{}' if '--host' in sys.argv else open(%r, encoding='utf-8').read())\n"
        % (sys.executable, str(stored)),
        encoding="utf-8",
    )
    script.chmod(0o755)
    host = _host_of(exported, hostile["AppId"])
    out = tmp_path / "out.json"
    tasks = [
        {"name": "Re-template a hostvar", "ansible.builtin.set_fact": {"again": "{{ sae_app_description }}"}},
        {
            "name": "Read the hostvars",
            "ansible.builtin.copy": {
                "dest": str(out),
                "content": "{{ {'name': sae_app_name, 'description': again, 'tags': sae_tags, "
                "'state': sae_last_job_state_name, 'connection': ansible_connection, "
                "'host': inventory_hostname, 'groups': group_names} | to_json }}",
            },
        },
    ]
    play = [{"name": "AWX job", "hosts": "all", "gather_facts": False, "tasks": tasks}]
    played = run_playbook(tmp_path, safe_env, play, str(script), extra_args=("--limit", host))
    assert played.returncode == 0, played.output
    assert "ok=2" in played.output and played.output.count("ok=") == 1, played.output  # the one host
    assert not marker.exists()
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["host"] == host
    assert written["name"] == "hostile" and written["connection"] == "local"
    assert written["description"] == hostile["AppDescription"]  # the text, not evaluated
    assert written["tags"] == {"team": "billing", "open": "a { b", "close": "c } d", "math": "{{ 6 * 7 }}"}
    assert written["state"] == JOB_STATE_NAMES[hostile["LastJobState"]]
    assert "sae_tag_team_billing" in written["groups"] and "sae_jobs" in written["groups"]
