# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""API data is untrusted: Jinja2 in a job's description, tags, name, message or trigger is never evaluated.

Every hostile value here is a lookup that would create a marker file if it ran, so "not evaluated"
is checked by a side effect as well as by the text that comes out: in module results (registered,
re-templated through set_fact, copy and the template module, used in a condition), in inventory
hostvars, hostnames, compose and keyed_groups, and in plays over those hosts. It runs on whatever
ansible-core the venv has (the matrix runs it on every supported one).

test_inventory_sae_job.py already checks ``{{ 7*7 }}`` in compose/groups/keyed_groups and a play's
copy of it; this suite adds lookups with side effects, template blocks, templated tag keys,
``hostnames`` over hostile values and re-templating inside plays.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import credential_env
from proof_helpers import inventory_config, run_inventory, run_playbook, write_config

REGION = "cn-beijing"


def _lookup(marker: Path) -> str:
    return "{{ lookup('ansible.builtin.pipe', 'touch %s') }}" % marker


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, start_emulator):
    """An emulator whose two jobs carry templates that would touch marker files if evaluated."""
    from sae_emulator.data import generate

    directory = tmp_path_factory.mktemp("hostile")
    markers = {name: directory / ("evaluated-%s" % name) for name in ("desc", "tag", "name", "message", "trigger")}
    dataset = generate(jobs=2, regions=[REGION], namespaces_per_region=1, seed=61).to_dict()
    first, second = dataset["regions"][REGION]
    first.update(
        AppName="job-%s" % _lookup(markers["name"]),
        AppDescription=_lookup(markers["desc"]),
        Message="{{ undefined_variable_that_would_fail }}",
        TriggerConfig=json.dumps({"type": "time", "config": _lookup(markers["trigger"]), "timezone": "GMT+8:00"}),
        Tags=[
            {"Key": "hook", "Value": _lookup(markers["tag"])},
            {"Key": "{{ 6 * 7 }}", "Value": "{% if true %}block{% endif %}"},
        ],
    )
    second.update(
        AppDescription="{{ 7 * 7 }}", Message="{% raw %}raw{% endraw %}", Tags=[{"Key": "plain", "Value": "x"}]
    )
    dataset_file = directory / "dataset.json"
    dataset_file.write_text(json.dumps(dataset), encoding="utf-8")
    emulator = start_emulator("--dataset-file", str(dataset_file))
    return emulator, first, second, markers


def _no_marker(markers: dict) -> None:
    assert [name for name, path in markers.items() if path.exists()] == []


def test_module_results_stay_text_through_register_set_fact_copy_and_template(tmp_path, safe_env, hostile):
    emulator, first, second, markers = hostile
    out = tmp_path / "out"
    out.mkdir()
    template = tmp_path / "show.j2"
    template.write_text("desc={{ first_desc }}\ntag={{ hook }}\n", encoding="utf-8")
    tasks = [
        {"name": "List", "alicloud.sae.sae_job_info": {"region": REGION}, "register": "r"},
        {
            "name": "Pick the hostile values",
            "ansible.builtin.set_fact": {
                "job": "{{ r.jobs | selectattr('app_id', 'equalto', '%s') | first }}" % first["AppId"],
            },
        },
        {
            "name": "Re-template them through set_fact",
            "ansible.builtin.set_fact": {
                "first_desc": "{{ job.app_description }}",
                "hook": "{{ job.tags.hook }}",
                "message": "{{ job.message }}",
                "name": "{{ job.app_name }}",
            },
        },
        {
            "name": "Write them with copy",
            "ansible.builtin.copy": {
                "dest": str(out / "copy.json"),
                "content": "{{ {'desc': first_desc, 'hook': hook, 'message': message, 'name': name, "
                "'trigger': job.trigger_config, 'tags': job.tags, 'all': r.jobs} | to_json }}",
            },
        },
        {
            "name": "Write them with template",
            "ansible.builtin.template": {"src": str(template), "dest": str(out / "t")},
        },
        {"name": "Show one", "ansible.builtin.debug": {"msg": "{{ message }} {{ first_desc }}"}},
        {"name": "Use one in a condition", "ansible.builtin.assert": {"that": ["first_desc is search('lookup')"]}},
    ]
    play = [{"name": "untrusted", "hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}]
    run = run_playbook(tmp_path, credential_env(safe_env, emulator, REGION), play, verbosity=1)
    assert run.returncode == 0, run.output
    _no_marker(markers)
    written = json.loads((out / "copy.json").read_text(encoding="utf-8"))
    assert written["desc"] == first["AppDescription"]
    assert written["hook"] == first["Tags"][0]["Value"]
    assert written["message"] == "{{ undefined_variable_that_would_fail }}"
    assert written["name"] == first["AppName"]
    assert written["trigger"]["config"] == json.loads(first["TriggerConfig"])["config"]
    assert written["tags"] == {"hook": first["Tags"][0]["Value"], "{{ 6 * 7 }}": "{% if true %}block{% endif %}"}
    by_id = {job["app_id"]: job for job in written["all"]}
    assert by_id[second["AppId"]]["app_description"] == "{{ 7 * 7 }}"
    assert by_id[second["AppId"]]["message"] == "{% raw %}raw{% endraw %}"
    rendered = (out / "t").read_text(encoding="utf-8")
    assert rendered == "desc=%s\ntag=%s\n" % (first["AppDescription"], first["Tags"][0]["Value"])


def test_inventory_hostvars_hostnames_compose_keyed_groups_and_plays_keep_the_text(tmp_path, safe_env, hostile):
    emulator, first, second, markers = hostile
    config = inventory_config(
        emulator,
        [REGION],
        hostnames=["sae_tags['hook']", "sae_app_id"],
        compose={"desc_copy": "sae_app_description", "hook_copy": "sae_tags.hook | default('none')"},
        keyed_groups=[{"key": "sae_tags", "prefix": "tag"}, {"key": "sae_message", "prefix": "msg"}],
        groups={"with_hook": "'hook' in sae_tags"},
    )
    source = write_config(tmp_path, config)
    listed = run_inventory(tmp_path, safe_env, [source])
    assert listed.returncode == 0, listed.output
    _no_marker(markers)
    hook = first["Tags"][0]["Value"]
    hostile_host = "".join(c if c.isalnum() or c in "_-." else "_" for c in hook)  # the hostnames entry, made safe
    assert sorted(listed.hostvars) == sorted([hostile_host, second["AppId"]])
    variables = listed.hostvars[hostile_host]
    assert variables["sae_app_description"] == variables["desc_copy"] == first["AppDescription"]
    assert variables["hook_copy"] == hook
    assert variables["sae_message"] == "{{ undefined_variable_that_would_fail }}"
    assert variables["sae_tags"]["{{ 6 * 7 }}"] == "{% if true %}block{% endif %}"
    assert variables["sae_trigger_config"]["config"] == json.loads(first["TriggerConfig"])["config"]
    assert listed.hostvars[second["AppId"]]["desc_copy"] == "{{ 7 * 7 }}"
    assert listed.group_hosts("with_hook") == [hostile_host]
    groups = [name for name in listed.inventory if name != "_meta"]
    # had the templates been evaluated: "{{ 6 * 7 }}" -> 42, "{% if %}" -> block, the lookup -> ""
    assert not {"sae_tag_42_block", "tag_42_block", "sae_tag_hook_", "tag_hook_"} & set(groups), groups
    assert any(name.startswith("sae_tag____6___7___") for name in groups), groups  # the key, as literal text
    assert any(name.startswith("sae_tag_hook____lookup_") for name in groups), groups

    out = tmp_path / "out"
    out.mkdir()
    template = tmp_path / "host.j2"
    template.write_text("{{ again }}|{{ desc_copy }}\n", encoding="utf-8")
    tasks = [
        {"name": "Re-template", "ansible.builtin.set_fact": {"again": "{{ sae_app_description }}"}},
        {
            "name": "Write",
            "ansible.builtin.copy": {
                "dest": "%s/{{ sae_app_id }}.json" % out,
                "content": "{{ {'again': again, 'hook': hook_copy, 'message': sae_message, 'tags': sae_tags, "
                "'groups': group_names, 'name': inventory_hostname} | to_json }}",
            },
        },
        {"name": "Template", "ansible.builtin.template": {"src": str(template), "dest": "%s/{{ sae_app_id }}.t" % out}},
        {"name": "Show", "ansible.builtin.debug": {"msg": "{{ sae_message }} {{ again }} {{ hook_copy }}"}},
    ]
    play = [{"name": "untrusted inventory", "hosts": "sae_jobs", "gather_facts": False, "tasks": tasks}]
    played = run_playbook(tmp_path, dict(safe_env, ANSIBLE_INVENTORY_UNPARSED_FAILED="true"), play, str(source))
    assert played.returncode == 0, played.output
    _no_marker(markers)
    for job in (first, second):
        written = json.loads((out / ("%s.json" % job["AppId"])).read_text(encoding="utf-8"))
        assert written["again"] == job["AppDescription"]
        assert written["message"] == job["Message"]
        assert written["tags"] == {tag["Key"]: tag["Value"] for tag in job["Tags"]}
        assert (out / ("%s.t" % job["AppId"])).read_text(encoding="utf-8") == "%s|%s\n" % (
            job["AppDescription"],
            job["AppDescription"],
        )
    assert json.loads((out / ("%s.json" % first["AppId"])).read_text(encoding="utf-8"))["hook"] == hook
