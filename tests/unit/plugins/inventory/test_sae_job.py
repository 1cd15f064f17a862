# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the alicloud.sae.sae_job inventory plugin, with a fake SaeClient (no HTTP).

The plugin is loaded through ansible-core's plugin loader (so its documented options,
doc fragments included, are what ``set_options`` sees) and parses real configuration
files written to a temporary directory, as ``ansible-inventory`` does.
"""

from __future__ import annotations

import json
import sys
import textwrap

import pytest
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.inventory.host import Host
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from ansible.template import Templar

from ansible_collections.alicloud.sae.plugins.module_utils.client import JobListing, JobQuery
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError, SaeCredentialError
from ansible_collections.alicloud.sae.plugins.module_utils.normalise import JOB_KEYS, normalise_job

SECRET = "unit-test-secret-must-never-leak"
KEY_ID = "LTAI5tUnitTestKeyId"

try:  # ansible-core >= 2.19
    from ansible.template import is_trusted_as_template

    AnsibleUnsafe = None
except ImportError:  # 2.16-2.18
    is_trusted_as_template = None
    from ansible.utils.unsafe_proxy import AnsibleUnsafe


def raw_job(app_id, name, namespace, region, tags=None, description="", **extra):
    """One application as ListJobs returns it."""
    record = {
        "AppId": app_id,
        "AppName": name,
        "NamespaceId": namespace,
        "RegionId": region,
        "AppDescription": description,
        "Tags": [{"Key": key, "Value": value} for key, value in (tags or {}).items()],
        "TriggerConfig": '{"type": "time", "config": "0 1 * * ?", "timezone": "GMT+8:00"}',
        "Suspend": False,
        "Active": 0,
        "Succeeded": 3,
        "Failed": 0,
        "Cpu": 500,
        "Mem": 1024,
        "ImageUrl": "registry.example/job:1",
        "LastJobState": "1",
        "Message": "success",
    }
    record.update(extra)
    return record


def job(*args, **kwargs):
    return normalise_job(raw_job(*args, **kwargs))


# Three regions; the name "report" repeats across namespaces and regions.
JOBS = {
    "cn-beijing": [
        job("aaaaaaaa-0000-0000-0000-000000000001", "report", "cn-beijing:prod", "cn-beijing", {"team": "billing"}),
        job("aaaaaaaa-0000-0000-0000-000000000002", "report", "cn-beijing:staging", "cn-beijing", {"team": "billing"}),
        job("bbbbbbbb-0000-0000-0000-000000000003", "cleanup", "cn-beijing", "cn-beijing", {"团队": "账单"}),
    ],
    "cn-hangzhou": [
        job("cccccccc-0000-0000-0000-000000000004", "report", "cn-hangzhou:prod", "cn-hangzhou", {"env": "prod"}),
    ],
    "cn-shanghai": [
        job(
            "dddddddd-0000-0000-0000-000000000005",
            "nightly etl:v2",
            "cn-shanghai:data",
            "cn-shanghai",
            {"cost center": "a/b:c", "template": "{{ 7 * 7 }}"},
            description="{{ lookup('ansible.builtin.pipe', 'echo pwned') }}",
        ),
    ],
}
ALL_IDS = sorted(item["app_id"] for jobs in JOBS.values() for item in jobs)


class FakeClient:
    """Stands in for SaeClient: records what it is given, answers from ``data`` (region → jobs or error)."""

    instances: list = []
    data: dict = {}
    rate_limit: float | None = 7.5

    def __init__(self, params, regions, max_concurrency=10, transport=None):
        self.params = params
        self.regions = regions
        self.max_concurrency = max_concurrency
        self.calls = []
        self.warnings = []  # the real client's: a plain http:// endpoint (tests/integration/test_gateway_behaviours.py)
        self.closed = False
        FakeClient.instances.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.closed = True

    @property
    def stats(self):
        return {
            "requests": sum(len(call) for call in self.calls),
            "retries": 1,
            "retried_codes": {"Throttling": 1},
            "throttled": 1,
            "rate_limit": self.rate_limit,
        }

    def list_jobs_many(self, queries, page_size=200):
        self.calls.append(list(queries))
        results = []
        for query in queries:
            answer = self.data.get(query.region, [])
            if isinstance(answer, Exception):
                results.append(answer)
                continue
            namespace = query.filters.get("namespace_id")
            jobs = [item for item in answer if namespace is None or item["namespace_id"] == namespace]
            results.append(JobListing(query, jobs, len(jobs)))
        return results


class Recorder:
    """A stand-in for Display that keeps what the plugin shows."""

    def __init__(self):
        self.warnings = []
        self.messages = []

    def warning(self, message, *args, **kwargs):
        self.warnings.append(message)

    def vvv(self, message, *args, **kwargs):
        self.messages.append(message)

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


@pytest.fixture
def fake(monkeypatch):
    plugin_class = type(inventory_loader.get("alicloud.sae.sae_job"))
    module = sys.modules[plugin_class.__module__]
    FakeClient.instances = []
    FakeClient.data = dict(JOBS)
    monkeypatch.setattr(module, "SaeClient", FakeClient)
    for name in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_REGION_ID"):
        monkeypatch.delenv(name, raising=False)
    return FakeClient


class Run:
    def __init__(self, plugin, inventory, display):
        self.plugin = plugin
        self.inventory = inventory
        self.display = display

    @property
    def hosts(self):
        return self.inventory.hosts

    def vars(self, host):
        return self.inventory.get_host(host).get_vars()

    def group_hosts(self, group):
        return sorted(host.name for host in self.inventory.groups[group].get_hosts())

    def host_of(self, app_id):
        names = [name for name, host in self.hosts.items() if host.vars.get("sae_app_id") == app_id]
        assert len(names) == 1, names
        return names[0]


@pytest.fixture
def run(tmp_path, fake):
    def parse(config, name="test.sae_job.yml", cache=True, inventory=None):
        path = tmp_path / name
        if not isinstance(config, str):
            config = json.dumps(config)
        path.write_text(textwrap.dedent(config))
        plugin = inventory_loader.get("alicloud.sae.sae_job")
        display = Recorder()
        plugin.display = display
        inventory = InventoryData() if inventory is None else inventory
        loader = DataLoader()
        plugin.parse(inventory, loader, str(path), cache=cache)
        if getattr(plugin, "_cache", None) is not None and plugin.get_option("cache"):
            plugin.update_cache_if_changed()
        return Run(plugin, inventory, display)

    return parse


def base(**options):
    config = {
        "plugin": "alicloud.sae.sae_job",
        "regions": ["cn-beijing", "cn-hangzhou", "cn-shanghai"],
        "access_key_id": KEY_ID,
        "access_key_secret": SECRET,
    }
    config.update(options)
    return config


def is_untrusted(value):
    if is_trusted_as_template is not None:
        return not is_trusted_as_template(value)
    return isinstance(value, AnsibleUnsafe)


# ---- verify_file ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("prod.sae_job.yml", True),
        ("sae_job.yaml", True),
        ("eu.prod.sae_job.yaml", True),
        ("prod.aws_ec2.yml", False),
        ("sae_job.yml.bak", False),
        ("sae_job.json", False),
        ("inventory.ini", False),
    ],
)
def test_verify_file(tmp_path, name, expected):
    path = tmp_path / name
    path.write_text("plugin: alicloud.sae.sae_job\n")
    assert inventory_loader.get("alicloud.sae.sae_job").verify_file(str(path)) is expected


def test_verify_file_missing(tmp_path):
    assert inventory_loader.get("alicloud.sae.sae_job").verify_file(str(tmp_path / "gone.sae_job.yml")) is False


# ---- hosts, hostvars, default groups ----------------------------------------------------


def test_one_host_per_job_with_default_names(run):
    result = run(base())
    assert sorted(result.hosts) == sorted(
        [
            "report_aaaaaaaa-0000-0000-0000-000000000001",
            "report_aaaaaaaa-0000-0000-0000-000000000002",
            "cleanup_bbbbbbbb-0000-0000-0000-000000000003",
            "report_cccccccc-0000-0000-0000-000000000004",
            "nightly_etl_v2_dddddddd-0000-0000-0000-000000000005",
        ]
    )
    for name in result.hosts:
        assert not set(name) & set(":,!&[] \t{}"), name


def test_default_names_are_stable_when_other_jobs_appear(run, fake):
    before = set(run(base()).hosts)
    fake.data["cn-beijing"] = JOBS["cn-beijing"] + [job("eeeeeeee-1", "report", "cn-beijing:dev", "cn-beijing")]
    after = set(run(base()).hosts)
    assert before < after and len(after - before) == 1


def test_hostvars_are_the_normalised_job_prefixed(run):
    result = run(base())
    for jobs in JOBS.values():
        for item in jobs:
            host_vars = result.vars(result.host_of(item["app_id"]))
            assert {key: host_vars["sae_" + key] for key in item} == item
            assert host_vars["ansible_connection"] == "local"
            assert "tags" not in host_vars
            assert SECRET not in json.dumps({k: "%s" % v for k, v in host_vars.items()})
            assert KEY_ID not in json.dumps({k: "%s" % v for k, v in host_vars.items()})


def test_prefix_and_suffix(run):
    result = run(base(hostvars_prefix="job_", hostvars_suffix="_x"))
    host_vars = result.vars(next(iter(result.hosts)))
    assert "job_app_id_x" in host_vars and "job_tags_x" in host_vars
    assert not any(name.startswith("sae_") for name in host_vars)


def test_invalid_prefix_is_an_error(run):
    with pytest.raises(AnsibleParserError, match="hostvars_prefix"):
        run(base(hostvars_prefix="sae-"))


@pytest.fixture
def set_variable_calls(monkeypatch):
    """The (host, name) of every Host.set_variable call."""
    calls = []
    real = Host.set_variable

    def set_variable(host, name, value):
        calls.append((host.name, name))
        return real(host, name, value)

    monkeypatch.setattr(Host, "set_variable", set_variable)
    return calls


def test_every_host_variable_is_set_through_the_inventory(run, set_variable_calls):
    result = run(base())
    assert len(result.hosts) == sum(len(jobs) for jobs in JOBS.values())
    expected = {"inventory_file", "inventory_dir", "ansible_connection"} | {"sae_" + key for key in JOB_KEYS}
    for host in result.hosts:
        assert {name for owner, name in set_variable_calls if owner == host} == expected


def test_a_host_another_source_added_keeps_its_other_variables(run, set_variable_calls):
    item = JOBS["cn-beijing"][0]
    name = run(base()).host_of(item["app_id"])
    inventory = InventoryData()
    inventory.add_host(name)
    inventory.set_variable(name, "from_elsewhere", 1)
    inventory.set_variable(name, "sae_app_name", "old")
    set_variable_calls.clear()
    result = run(base(), inventory=inventory)
    assert {var for host, var in set_variable_calls if host == name and var.startswith("sae_")} == {
        "sae_" + key for key in item
    }
    host_vars = result.vars(name)
    assert (host_vars["from_elsewhere"], host_vars["sae_app_name"]) == (1, item["app_name"])


def test_names_ansible_core_rejects_go_through_set_variable(run, set_variable_calls):
    result = run(base(hostvars_prefix="é_"))  # an identifier, but not ASCII: ansible-core >= 2.19 warns about it
    assert "é_app_id" in {name for _host, name in set_variable_calls}
    assert all("é_app_id" in result.vars(host) for host in result.hosts)


def test_default_groups(run):
    result = run(base())
    groups = result.inventory.groups
    assert result.group_hosts("sae_jobs") == sorted(result.hosts)
    assert len(result.group_hosts("sae_region_cn_beijing")) == 3
    assert len(result.group_hosts("sae_region_cn_hangzhou")) == 1
    assert result.group_hosts("sae_namespace_cn_beijing_prod") == ["report_aaaaaaaa-0000-0000-0000-000000000001"]
    assert result.group_hosts("sae_namespace_cn_beijing") == ["cleanup_bbbbbbbb-0000-0000-0000-000000000003"]
    assert len(result.group_hosts("sae_tag_team_billing")) == 2
    # unicode letters are kept, every other non-word character becomes "_"
    assert result.group_hosts("sae_tag_团队_账单") == ["cleanup_bbbbbbbb-0000-0000-0000-000000000003"]
    assert "sae_tag_cost_center_a_b_c" in groups
    assert "sae_tag_template____7___7___" in groups
    # every job is in its region, namespace and tag groups
    for region, jobs in JOBS.items():
        for item in jobs:
            host = result.host_of(item["app_id"])
            names = {group.name for group in result.inventory.get_host(host).get_groups()}
            assert "sae_region_%s" % region.replace("-", "_") in names
            assert result.plugin._sanitize_group_name("sae_namespace_%s" % item["namespace_id"]) in names
            for key, value in item["tags"].items():
                assert result.plugin._sanitize_group_name("sae_tag_%s_%s" % (key, value)) in names


RUN_STATES = [  # (app_id, Suspend, LastJobState)
    ("eeeeeeee-0000-0000-0000-000000000001", True, "0"),
    ("eeeeeeee-0000-0000-0000-000000000002", False, "1"),
    ("eeeeeeee-0000-0000-0000-000000000003", False, "2"),
    ("eeeeeeee-0000-0000-0000-000000000004", True, "3"),
    ("eeeeeeee-0000-0000-0000-000000000005", False, "9"),
    ("eeeeeeee-0000-0000-0000-000000000006", False, "2"),
]


@pytest.mark.parametrize("naming", [{}, {"hostvars_prefix": "job_"}, {"hostvars_prefix": "", "hostvars_suffix": "_j"}])
def test_default_groups_exact_with_suspended_and_last_run(run, fake, naming):
    fake.data = {
        "cn-beijing": [
            job(app_id, "j%s" % app_id[-1], "cn-beijing:prod", "cn-beijing", Suspend=suspend, LastJobState=state)
            for app_id, suspend, state in RUN_STATES
        ]
    }
    result = run(base(regions=["cn-beijing"], **naming))
    members = {name: sorted(host.name[-1] for host in group.hosts) for name, group in result.inventory.groups.items()}
    # The default groups do not change with the host variables' names.
    assert members == {
        "all": [],
        "ungrouped": [],
        "sae_jobs": ["1", "2", "3", "4", "5", "6"],
        "sae_region_cn_beijing": ["1", "2", "3", "4", "5", "6"],
        "sae_namespace_cn_beijing_prod": ["1", "2", "3", "4", "5", "6"],
        "sae_suspended": ["1", "4"],
        "sae_last_run_not_run": ["1"],
        "sae_last_run_succeeded": ["2"],
        "sae_last_run_failed": ["3", "6"],
        "sae_last_run_running": ["4"],
        "sae_last_run_unknown": ["5"],
    }
    prefix, suffix = naming.get("hostvars_prefix", "sae_"), naming.get("hostvars_suffix", "")
    names = {host.name[-1]: host.vars[prefix + "last_job_state_name" + suffix] for host in result.hosts.values()}
    assert names == {"1": "not_run", "2": "succeeded", "3": "failed", "4": "running", "5": "unknown", "6": "failed"}


def test_readable_hostvars_next_to_the_raw_ones(run, fake):
    fake.data = {
        "cn-beijing": [
            job("f-1", "never", "cn-beijing:x", "cn-beijing", LastJobState="0", LastStartTime=0, CompletionTime=0),
            job(
                "f-2",
                "ran",
                "cn-beijing:x",
                "cn-beijing",
                LastJobState="2",
                LastChangeorderState="0",
                LastStartTime=1657522800,
                CompletionTime=1657522839,
            ),
        ]
    }
    result = run(base(regions=["cn-beijing"], hostvars_suffix="_x"))
    never, ran = result.vars("never_f-1"), result.vars("ran_f-2")
    assert (never["sae_last_job_state_x"], never["sae_last_job_state_name_x"]) == ("0", "not_run")
    assert never["sae_last_start_time_iso_x"] is None and never["sae_completion_time_iso_x"] is None
    assert never["sae_last_changeorder_state_name_x"] == "unknown"  # raw_job gives no LastChangeorderState
    assert (ran["sae_last_job_state_x"], ran["sae_last_job_state_name_x"]) == ("2", "failed")
    assert ran["sae_last_changeorder_state_name_x"] == "failed"
    assert (ran["sae_last_start_time_x"], ran["sae_last_start_time_iso_x"]) == (1657522800, "2022-07-11T07:00:00Z")
    assert (ran["sae_completion_time_x"], ran["sae_completion_time_iso_x"]) == (1657522839, "2022-07-11T07:00:39Z")


def test_group_names_use_ansible_core_sanitisation(run):
    from ansible.inventory.group import to_safe_group_name

    result = run(base())
    assert to_safe_group_name("sae_namespace_cn-beijing:prod", force=True, silent=True) in result.inventory.groups
    assert "sae_namespace_cn_beijing_prod" in result.inventory.groups


def test_a_job_returned_by_two_listings_is_one_host(run, fake):
    # cn-beijing (the default namespace) is listed in cn-beijing; a duplicate answer must not double the host
    fake.data["cn-hangzhou"] = JOBS["cn-hangzhou"] + [JOBS["cn-beijing"][0]]
    result = run(base())
    assert len(result.hosts) == len(ALL_IDS)


# ---- hostnames --------------------------------------------------------------------------


def test_hostnames_variable_and_field_forms(run, fake):
    fake.data = {"cn-beijing": JOBS["cn-beijing"][2:], "cn-shanghai": JOBS["cn-shanghai"]}
    assert sorted(run(base(hostnames=["sae_app_name"])).hosts) == ["cleanup", "nightly_etl_v2"]
    assert sorted(run(base(hostnames=["app_name"])).hosts) == ["cleanup", "nightly_etl_v2"]


def test_hostnames_expression_and_template_forms(run):
    result = run(base(hostnames=["sae_app_name ~ '.' ~ sae_namespace_id.split(':')[-1] ~ '.' ~ sae_region_id"]))
    assert "report.prod.cn-beijing" in result.hosts and "report.prod.cn-hangzhou" in result.hosts
    result = run(base(hostnames=["{{ sae_app_name }}-{{ sae_app_id[-4:] }}"]))
    assert "report-0001" in result.hosts and "nightly_etl_v2-0005" in result.hosts


def test_hostnames_first_non_empty_wins(run):
    # sae_tags.env is undefined for most jobs (skipped), empty for none; sae_app_id always gives a name
    result = run(base(hostnames=["sae_tags.env", "sae_image_url_missing", "sae_app_id"]))
    assert sorted(result.hosts) == sorted(["prod"] + [app_id for app_id in ALL_IDS if not app_id.startswith("cccc")])


def test_hostnames_fall_back_to_the_default_name(run):
    result = run(base(hostnames=["sae_tags.nothing | default('')", "sae_image_url_missing"]))
    assert sorted(result.hosts) == sorted(run(base()).hosts)


def test_hostnames_duplicate_is_an_error_naming_both_jobs(run):
    with pytest.raises(AnsibleParserError) as error:
        run(base(hostnames=["sae_app_name"]))
    message = "%s" % error.value
    assert "'report'" in message
    assert "aaaaaaaa-0000-0000-0000-000000000001" in message and "aaaaaaaa-0000-0000-0000-000000000002" in message
    assert "cn-beijing:prod" in message and "cn-beijing:staging" in message
    assert "region cn-beijing" in message


def test_hostnames_duplicate_after_sanitisation(run, fake):
    fake.data = {
        "cn-beijing": [
            job("f-1", "a b", "cn-beijing:x", "cn-beijing"),
            job("f-2", "a:b", "cn-beijing:y", "cn-beijing"),
        ]
    }
    with pytest.raises(AnsibleParserError, match="f-1.*f-2"):
        run(base(regions=["cn-beijing"], hostnames=["sae_app_name"]))


def test_hostnames_strict_makes_a_failing_entry_an_error(run):
    with pytest.raises(AnsibleParserError, match="hostnames entry"):
        run(base(hostnames=["sae_no_such_variable.upper()", "sae_app_id"], strict=True))
    result = run(base(hostnames=["sae_no_such_variable.upper()", "sae_app_id"]))
    assert sorted(result.hosts) == ALL_IDS


# ---- untrusted data ---------------------------------------------------------------------


def test_api_values_stay_text(run):
    result = run(
        base(
            compose={"description_copy": "sae_app_description", "template_tag": "sae_tags['template']"},
            keyed_groups=[{"key": "sae_tags", "prefix": "tag"}, {"key": "sae_app_description", "prefix": "desc"}],
        )
    )
    host = result.host_of("dddddddd-0000-0000-0000-000000000005")
    host_vars = result.vars(host)
    description = "{{ lookup('ansible.builtin.pipe', 'echo pwned') }}"
    assert host_vars["sae_app_description"] == description
    assert host_vars["sae_tags"]["template"] == "{{ 7 * 7 }}"
    assert host_vars["description_copy"] == description
    assert host_vars["template_tag"] == "{{ 7 * 7 }}"
    assert is_untrusted(host_vars["sae_app_description"])
    assert is_untrusted(host_vars["sae_tags"]["template"])
    assert is_untrusted(host_vars["description_copy"])
    groups = {group.name for group in result.inventory.get_host(host).get_groups()}
    assert "tag_template____7___7___" in groups
    # Evaluated, the lookup would give "desc_pwned" and the tag "tag_template_49": the literal text is grouped.
    literal = "desc____lookup__ansible_builtin_pipe____echo_pwned_____"  # the description, sanitised
    assert {name for name in groups if name.startswith("desc_")} == {literal}
    assert {name for name in groups if name.startswith("tag_template")} == {"tag_template____7___7___"}
    # what a play would see: the variable's value is text, never evaluated
    templar = Templar(loader=DataLoader(), variables=host_vars)
    try:  # 2.19+: template strings must be trusted; these two come from the "play"
        from ansible.template import trust_as_template
    except ImportError:

        def trust_as_template(value):
            return value

    assert templar.template(trust_as_template("{{ sae_app_description }}")) == description
    assert templar.template(trust_as_template("{{ description_copy }}")) == description
    assert templar.template(trust_as_template("{{ sae_tags.template }}")) == "{{ 7 * 7 }}"


def is_plain(value):
    """Whether a string prints plain in ``ansible-inventory --list --export`` (what AWX stores)."""
    if is_trusted_as_template is not None:
        return is_trusted_as_template(value)  # 2.19+: an untrusted string prints as {"__ansible_unsafe": ...}
    return not isinstance(value, AnsibleUnsafe)


def _strings(value):
    """Every string of a value, dict keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in _strings(key) + _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


@pytest.mark.parametrize("cached", [False, True], ids=["listed", "from-cache"])
def test_only_strings_that_could_be_templates_are_untrusted(run, tmp_path, cached):
    config = cache_config(tmp_path)
    result = run(config)
    if cached:
        result = run(config)  # read back from the cache: the same treatment
        assert len(FakeClient.instances) == 1
    host_vars = result.vars(result.host_of("dddddddd-0000-0000-0000-000000000005"))
    assert is_untrusted(host_vars["sae_app_description"])  # holds {{ }}
    assert is_untrusted(host_vars["sae_tags"]["template"])
    assert is_plain(host_vars["sae_tags"]["cost center"]) and is_plain(host_vars["sae_app_name"])
    assert is_plain(host_vars["ansible_connection"])  # the plugin's own value
    assert host_vars["sae_trigger_config"] == {"type": "time", "config": "0 1 * * ?", "timezone": "GMT+8:00"}
    for host in result.hosts:
        values = {name: value for name, value in result.vars(host).items() if name.startswith(("sae_", "ansible_"))}
        strings = _strings(list(values.values()))
        assert len(strings) > 10
        for text in strings:
            assert is_untrusted(text) if "{" in text or "}" in text else is_plain(text), text


# ---- constructed: compose, groups, keyed_groups, strict ----------------------------------


def test_compose_groups_keyed_groups(run):
    result = run(
        base(
            compose={"ansible_connection": "'ssh'", "team": "sae_tags.team | default('none')"},
            groups={"billing": "sae_tags.team | default('') == 'billing'"},
            keyed_groups=[{"key": "sae_tags.team | default('none')", "prefix": "team"}],
        )
    )
    host = result.host_of("aaaaaaaa-0000-0000-0000-000000000001")
    assert result.vars(host)["ansible_connection"] == "ssh"  # compose overrides the default
    assert result.vars(host)["team"] == "billing"
    assert len(result.group_hosts("billing")) == 2
    assert len(result.group_hosts("team_billing")) == 2
    assert len(result.group_hosts("team_none")) == 3


def test_leading_separator(run):
    result = run(base(keyed_groups=[{"key": "sae_region_id"}], leading_separator=False))
    assert "cn_beijing" in result.inventory.groups
    result = run(base(keyed_groups=[{"key": "sae_region_id"}]))
    assert "_cn_beijing" in result.inventory.groups


def test_strict(run):
    config = base(compose={"x": "sae_undefined_variable + 1"}, keyed_groups=[{"key": "sae_undefined", "prefix": "k"}])
    result = run(config)  # not strict: the broken entries are skipped
    assert all("x" not in result.vars(host) for host in result.hosts)
    with pytest.raises(AnsibleError, match="Could not set x"):
        run(dict(config, strict=True))


# ---- regions, namespaces, tags, one client call -------------------------------------------


def test_all_listings_in_one_client_call(run, fake):
    run(base(tags={"team": "billing"}, max_concurrency=7))
    (client,) = fake.instances
    assert client.regions == ["cn-beijing", "cn-hangzhou", "cn-shanghai"]
    assert client.max_concurrency == 7
    assert len(client.calls) == 1
    assert [(query.region, query.filters) for query in client.calls[0]] == [
        ("cn-beijing", {"tags": {"team": "billing"}}),
        ("cn-hangzhou", {"tags": {"team": "billing"}}),
        ("cn-shanghai", {"tags": {"team": "billing"}}),
    ]
    assert client.params["access_key_id"] == KEY_ID and client.params["access_key_secret"] == SECRET


def test_region_default_and_missing(run, fake):
    config = base()
    del config["regions"]
    with pytest.raises(AnsibleParserError, match="needs regions"):
        run(config)
    run(dict(config, region="cn-hangzhou"))
    assert fake.instances[-1].regions == ["cn-hangzhou"]


def test_region_from_environment(run, fake, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_REGION_ID", "cn-shanghai")
    config = base()
    del config["regions"]
    assert len(run(config).hosts) == 1


def test_namespaces_are_listed_in_their_region(run, fake):
    result = run(base(namespaces=["cn-beijing:prod", "cn-hangzhou:prod", "cn-beijing"]))
    queries = [(query.region, query.filters.get("namespace_id")) for query in fake.instances[-1].calls[0]]
    assert queries == [
        ("cn-beijing", "cn-beijing:prod"),
        ("cn-hangzhou", "cn-hangzhou:prod"),
        ("cn-beijing", "cn-beijing"),
    ]
    assert len(result.hosts) == 3
    calls = len(fake.instances)
    for namespace in ("cn-qingdao:prod", "custom", "cn-beijing:"):
        with pytest.raises(AnsibleParserError) as caught:
            run(base(namespaces=[namespace]))
        assert (
            "namespaces entry %r is not a namespace of regions cn-beijing, cn-hangzhou, cn-shanghai: SAE namespace "
            "IDs are <region> (the region's default namespace) or <region>:<name>" % namespace in str(caught.value)
        )
    assert len(fake.instances) == calls  # refused before any client


def _sent(fake) -> list:
    return [(query.region, query.filters) for query in fake.instances[-1].calls[0]]


def test_include_filters_one_listing_per_set_and_region(run, fake):
    sets = [
        {"namespace_id": "cn-beijing:prod", "tags": {"team": "billing"}},
        {"app_name": "nightly-", "field_type": "appName", "field_value": "nightly-"},
        {"namespace_id": "cn-beijing:prod", "tags": {"team": "billing"}},  # the same set twice: listed once
    ]
    result = run(base(regions=["cn-beijing", "cn-hangzhou"], include_filters=sets))
    nightly = {"app_name": "nightly-", "field_type": "appName", "field_value": "nightly-"}
    assert _sent(fake) == [
        ("cn-beijing", {"namespace_id": "cn-beijing:prod", "tags": {"team": "billing"}}),
        ("cn-beijing", nightly),
        ("cn-hangzhou", nightly),
    ]
    # the fake answers by region and namespace: the cn-beijing jobs come back from two listings, one host each
    assert len(result.hosts) == len({job["app_id"] for job in JOBS["cn-beijing"] + JOBS["cn-hangzhou"]})


def test_the_short_form_is_listed_with_include_filters_only_when_set(run, fake):
    extra = {"app_name": "report"}
    run(base(regions=["cn-beijing"], tags={"team": "x"}, include_filters=[extra]))
    assert _sent(fake) == [("cn-beijing", {"tags": {"team": "x"}}), ("cn-beijing", extra)]
    run(base(regions=["cn-beijing"], namespaces=["cn-beijing:prod"], include_filters=[extra]))
    assert _sent(fake) == [("cn-beijing", {"namespace_id": "cn-beijing:prod"}), ("cn-beijing", extra)]
    run(base(regions=["cn-beijing"], include_filters=[extra]))
    assert _sent(fake) == [("cn-beijing", extra)]


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"namespace": "cn-beijing:prod"}, "include_filters[0] has unknown key(s) namespace; a filter set takes"),
        ({"app_name": "x", "order_by": "running"}, "include_filters[0] has unknown key(s) order_by"),
        ({}, "include_filters[0] must be a non-empty dictionary of filters"),
        ("cn-beijing:prod", "include_filters[0] must be a non-empty dictionary of filters"),
        ({"app_name": ["a"]}, "include_filters[0].app_name must be text"),
        ({"field_type": "appName"}, "include_filters[0]: field_type and field_value must be given together"),
        ({"field_type": "name", "field_value": "x"}, "include_filters[0]: field_type must be one of appName, appIds"),
        ({"tags": ["team"]}, "include_filters[0]: tags 'team' is not key=value text"),
        ({"tags": {"team": None}}, "include_filters[0]: tags['team'] must be a string"),
        (
            {"namespace_id": "cn-qingdao:prod"},
            "include_filters[0].namespace_id 'cn-qingdao:prod' is not a namespace of",
        ),
        ({"namespace_id": "prod"}, "include_filters[0].namespace_id 'prod' is not a namespace of regions"),
    ],
)
def test_a_bad_filter_set_fails_before_any_client(run, fake, entry, message):
    with pytest.raises(AnsibleParserError) as caught:
        run(base(include_filters=[entry]))
    assert message in str(caught.value)
    assert fake.instances == []


def test_exclude_leaves_out_jobs_any_condition_holds_for(run):
    result = run(base(exclude=["sae_app_name == 'cleanup'", "sae_namespace_id is match('cn-beijing:st')"]))
    names = {(values["sae_app_name"], values["sae_namespace_id"]) for values in map(result.vars, result.hosts)}
    assert ("cleanup", "cn-beijing") not in names and ("report", "cn-beijing:staging") not in names
    assert len(result.hosts) == len(ALL_IDS) - 2


def test_exclude_sees_extra_vars_only_with_use_extra_vars(run, extra_vars):
    extra_vars.update(unwanted="report")
    assert len(run(base(use_extra_vars=True, exclude=["sae_app_name == unwanted"])).hosts) == len(ALL_IDS) - 3
    with pytest.raises(AnsibleParserError, match="exclude condition 'sae_app_name == unwanted' failed for job"):
        run(base(exclude=["sae_app_name == unwanted"]))


@pytest.mark.parametrize("entry", ["", "  ", 5])
def test_exclude_entries_must_be_conditions(run, entry):
    with pytest.raises(AnsibleParserError, match="exclude entries must be non-empty conditions"):
        run(base(exclude=[entry]))


# ---- options from templates and the environment -------------------------------------------


def test_options_may_be_templates(run, fake, monkeypatch):
    monkeypatch.setenv("SAE_UNIT_SECRET", SECRET)
    config = """
        plugin: alicloud.sae.sae_job
        regions: ["{{ 'cn-' ~ 'beijing' }}"]
        access_key_id: LTAI5tUnitTestKeyId
        access_key_secret: "{{ lookup('ansible.builtin.env', 'SAE_UNIT_SECRET') }}"
    """
    run(config)
    (client,) = fake.instances
    assert client.regions == ["cn-beijing"]
    assert client.params["access_key_secret"] == SECRET
    assert client.params["access_key_secret"].__class__ is str  # not a tagged or unsafe subclass


@pytest.fixture
def extra_vars(monkeypatch):
    """The extra vars (-e) BaseInventoryPlugin.parse loads into ``self._vars``."""
    import ansible.plugins.inventory as base_plugin

    values = {}
    monkeypatch.setattr(base_plugin, "load_extra_vars", lambda loader: dict(values))
    return values


def test_templated_options_see_extra_vars_only_with_use_extra_vars(run, fake, extra_vars):
    extra_vars.update(sae_secret=SECRET, sae_region="cn-hangzhou", sae_namespace="cn-hangzhou:prod", sae_team="billing")
    config = base(
        use_extra_vars=True,
        access_key_secret="{{ sae_secret }}",
        regions=["{{ sae_region }}"],
        namespaces=["{{ sae_namespace }}"],
        tags={"team": "{{ sae_team }}"},
        endpoint="http://127.0.0.1:1/{{ '{' }}region}",
    )
    run(config)
    (client,) = fake.instances
    assert client.params["access_key_secret"] == SECRET
    assert client.params["access_key_secret"].__class__ is str
    assert client.regions == ["cn-hangzhou"]
    (queries,) = client.calls
    assert [query.filters for query in queries] == [{"tags": {"team": "billing"}, "namespace_id": "cn-hangzhou:prod"}]
    assert client.params["endpoint"] == "http://127.0.0.1:1/{region}"
    with pytest.raises(AnsibleParserError) as caught:
        run(dict(config, use_extra_vars=False))
    message = str(caught.value)
    assert "Could not template the access_key_secret option" in message and "sae_secret" in message
    assert "use_extra_vars: true" in message
    assert SECRET not in message


def test_an_error_that_is_not_an_undefined_variable_gives_no_extra_vars_hint(run, fake):
    with pytest.raises(AnsibleParserError) as caught:
        run(base(access_key_secret="{{ 1 / 0 }}"))
    assert "Could not template the access_key_secret option" in str(caught.value)
    assert "use_extra_vars" not in str(caught.value)


def test_credentials_from_environment_only(run, fake, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    monkeypatch.setenv("ALIBABA_CLOUD_SAE_ENDPOINT", "http://127.0.0.1:1/{region}")
    run({"plugin": "alicloud.sae.sae_job", "regions": ["cn-beijing"]})
    (client,) = fake.instances
    assert client.params["access_key_id"] == KEY_ID
    assert client.params["access_key_secret"] == SECRET
    assert client.params["endpoint"] == "http://127.0.0.1:1/{region}"
    assert client.params["max_requests_per_second"] is None  # unset: no ceiling


def test_max_requests_per_second_reaches_the_client(run, fake, monkeypatch):
    run(base(max_requests_per_second=2.5))
    assert fake.instances[-1].params["max_requests_per_second"] == 2.5
    monkeypatch.setenv("ALIBABA_CLOUD_SAE_MAX_REQUESTS_PER_SECOND", "10")
    run(base())
    assert fake.instances[-1].params["max_requests_per_second"] == 10.0


# ---- failures -----------------------------------------------------------------------------


def test_a_failed_region_fails_the_inventory_by_default(run, fake):
    fake.data["cn-hangzhou"] = SaeApiError("Throttling.User", "Request was denied", "REQ-1", 429, "cn-hangzhou")
    with pytest.raises(AnsibleParserError) as error:
        run(base())
    message = "%s" % error.value
    assert "Throttling.User" in message and "cn-hangzhou" in message and "REQ-1" in message
    assert SECRET not in message


def test_skip_failed_regions_warns_and_goes_on(run, fake):
    fake.data["cn-hangzhou"] = SaeApiError("ServiceUnavailable", "down", "REQ-2", 503, "cn-hangzhou")
    result = run(base(skip_failed_regions=True))
    assert len(result.hosts) == len(ALL_IDS) - 1
    assert "sae_region_cn_hangzhou" not in result.inventory.groups
    (warning,) = result.display.warnings
    assert "cn-hangzhou" in warning and "ServiceUnavailable" in warning


def test_skip_failed_regions_still_fails_when_every_listing_fails(run, fake):
    fake.data = {region: SaeApiError("ServiceUnavailable", "down", None, 503, region) for region in JOBS}
    with pytest.raises(AnsibleParserError, match="every listing failed"):
        run(base(skip_failed_regions=True))


def test_credential_errors_name_the_source_never_the_secret(run, fake):
    fake.data["cn-beijing"] = SaeApiError("InvalidAccessKeyId.NotFound", "Specified access key is not found.", "R", 404)
    with pytest.raises(AnsibleParserError) as error:
        run(base())
    message = "%s" % error.value
    assert "InvalidAccessKeyId.NotFound" in message and "region cn-beijing" in message
    assert "explicit access_key_id/access_key_secret" in message
    assert SECRET not in message


def test_client_errors_become_parser_errors(run, fake, monkeypatch):
    def broken(*args, **kwargs):
        raise SaeCredentialError("access_key_secret is required when access_key_id is set.")

    monkeypatch.setattr(sys.modules[type(inventory_loader.get("alicloud.sae.sae_job")).__module__], "SaeClient", broken)
    with pytest.raises(AnsibleParserError, match="access_key_secret is required"):
        run(base())


def test_stats_are_shown_at_vvv(run, fake, monkeypatch):
    result = run(base())
    assert any(
        "3 API request(s), 1 retry {'Throttling': 1}; 1 throttled, rate limited to 7.5 requests/s" in message
        for message in result.display.messages
    ), result.display.messages
    monkeypatch.setattr(fake, "rate_limit", None)
    result = run(base())
    assert any("1 throttled, not rate-limited" in message for message in result.display.messages)


def cache_config(tmp_path, **options):
    return base(
        cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(tmp_path / "cache"), **options
    )


def test_warm_cache_makes_no_call_and_flush_refreshes(run, fake, tmp_path):
    first = run(cache_config(tmp_path))
    assert len(fake.instances) == 1
    second = run(cache_config(tmp_path))
    assert len(fake.instances) == 1  # no client, no request
    assert sorted(second.hosts) == sorted(first.hosts)
    assert second.vars(second.host_of(ALL_IDS[0])) == first.vars(first.host_of(ALL_IDS[0]))
    fake.data["cn-hangzhou"] = []
    third = run(cache_config(tmp_path), cache=False)  # --flush-cache
    assert len(fake.instances) == 2 and len(third.hosts) == len(ALL_IDS) - 1
    fourth = run(cache_config(tmp_path))
    assert len(fake.instances) == 2 and len(fourth.hosts) == len(ALL_IDS) - 1


def test_cache_files_hold_no_secret(run, tmp_path):
    run(cache_config(tmp_path))
    files = list((tmp_path / "cache").iterdir())
    assert files
    for path in files:
        text = path.read_text()
        assert "aaaaaaaa-0000-0000-0000-000000000001" in text
        assert SECRET not in text and KEY_ID not in text


def test_cache_key(run, tmp_path):
    plugin = run(cache_config(tmp_path)).plugin

    def key(**options):
        config = cache_config(tmp_path, **options)
        options = {name: config.get(name) for name in ("access_key_id", "profile", "role_arn", "tags", "endpoint")}
        options.update(role_session_name=None, sts_endpoint=None)
        queries = plugin._queries(config["regions"], config.get("namespaces", []), config.get("tags", {}))
        return plugin._cache_key(str(tmp_path / "test.sae_job.yml"), options, queries)

    reference = key()
    assert reference.startswith(plugin.get_cache_key(str(tmp_path / "test.sae_job.yml")) + "_")
    assert SECRET not in reference
    assert key(access_key_secret="another-secret") == reference  # the secret is not part of the key
    assert key(regions=["cn-beijing", "cn-shanghai", "cn-hangzhou"]) == reference  # order does not matter
    different = [
        key(regions=["cn-beijing"]),
        key(namespaces=["cn-beijing:prod"]),
        key(tags={"team": "billing"}),
        key(endpoint="http://127.0.0.1:9/{region}"),
        key(access_key_id="LTAI5tAnotherKey"),
        key(profile="other"),
        key(role_arn="acs:ram::1:role/x"),
    ]
    assert len(set(different + [reference])) == len(different) + 1


def test_partial_results_are_not_cached(run, fake, tmp_path):
    fake.data["cn-hangzhou"] = SaeApiError("ServiceUnavailable", "down", None, 503, "cn-hangzhou")
    run(cache_config(tmp_path, skip_failed_regions=True))
    fake.data = dict(JOBS)
    result = run(cache_config(tmp_path, skip_failed_regions=True))
    assert len(fake.instances) == 2 and len(result.hosts) == len(ALL_IDS)


def test_unusable_cache_entry_is_ignored(run, fake, tmp_path):
    first = run(cache_config(tmp_path))
    for path in (tmp_path / "cache").iterdir():
        path.write_text(json.dumps({"format": 0}))
    second = run(cache_config(tmp_path))
    assert len(fake.instances) == 2 and sorted(second.hosts) == sorted(first.hosts)


def test_a_cache_entry_of_the_previous_format_is_listed_again(run, fake, tmp_path):
    run(cache_config(tmp_path))
    for path in (tmp_path / "cache").iterdir():  # as 1.0.0 wrote it: the jobs without the readable keys
        entry = json.loads(path.read_text())
        entry = json.loads(entry["__payload__"]) if "__payload__" in entry else entry  # 2.19+ jsonfile's envelope
        listings = json.loads(entry["listings"])
        for listing in listings:
            for item in listing["jobs"]:
                del item["last_job_state_name"]
        path.write_text(json.dumps({"format": 2, "listings": json.dumps(listings)}))
    second = run(cache_config(tmp_path))
    assert len(fake.instances) == 2
    assert {second.vars(host)["sae_last_job_state_name"] for host in second.hosts} == {"succeeded"}


def test_queries_helper_is_pure():
    plugin = inventory_loader.get("alicloud.sae.sae_job")
    assert plugin._queries(["cn-beijing"], [], {}) == [JobQuery("cn-beijing", {})]


@pytest.mark.parametrize(
    "entry",
    [
        {"format": 2, "listings": '[{"region": "cn-hangzhou", "jobs": [tru'},  # cut-off JSON
        {"format": 2, "listings": '{"region": "cn-hangzhou"}'},  # not a list of listings
        {"format": 2, "listings": None},
    ],
)
def test_damaged_cache_entry_is_ignored(run, fake, tmp_path, entry):
    first = run(cache_config(tmp_path))
    for path in (tmp_path / "cache").iterdir():
        path.write_text(json.dumps(entry))
    second = run(cache_config(tmp_path))
    assert len(fake.instances) == 2 and sorted(second.hosts) == sorted(first.hosts)


def test_cache_holds_the_listings_as_one_compact_string():
    # Cache plugins encode values indented and key-sorted (over a second for 5000 jobs); one string is cheap.
    plugin = inventory_loader.get("alicloud.sae.sae_job")
    jobs = [
        [{"app_id": "a", "app_description": 'say "hi" {{ x }}', "tags": {"k\u00e9y": "v\\"}, "cpu": 500}],
        [],
        [{"app_id": "b", "trigger_config": {"type": "time"}, "suspend": False, "message": None}],
    ]
    data = {
        "format": 3,
        "listings": [
            {"region": region, "jobs": job_list}
            for region, job_list in zip(("cn-hangzhou", "cn-beijing", "cn-shanghai"), jobs, strict=True)
        ],
    }
    entry = plugin._to_cache(data)
    assert entry == {"format": 3, "listings": json.dumps(data["listings"], separators=(",", ":"))}
    assert "\n" not in entry["listings"]
    assert plugin._from_cache(json.loads(json.dumps(entry))) == data


# ---- issue 27: no silent wrong answers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, closest",
    [("namespace", "namespaces"), ("filters", "include_filters"), ("keyed_group", "keyed_groups")],
)
def test_a_key_that_is_no_option_is_refused_naming_the_closest(run, fake, key, closest):
    with pytest.raises(AnsibleParserError) as caught:
        run(base(**{key: "cn-beijing:prod"}))
    assert "alicloud.sae.sae_job: %r is not an option of this plugin; did you mean %s?" % (key, closest) in str(
        caught.value
    )
    assert fake.instances == []  # before any client, so before any request


def test_a_key_close_to_no_option_is_refused_without_a_guess(run, fake):
    with pytest.raises(AnsibleParserError) as caught:
        run(base(zzzz=1))
    assert str(caught.value).endswith("'zzzz' is not an option of this plugin.")


def test_options_and_their_aliases_are_keys(run, fake):
    config = base(alicloud_assume_role_session_name="s", region_id="cn-beijing", keyed_groups=[], cache=False)
    del config["access_key_id"], config["access_key_secret"]
    config.update(alicloud_access_key=KEY_ID, secret_key=SECRET)
    assert len(run(config).hosts) == len(ALL_IDS)


def test_jobs_of_another_region_than_asked_warn_once_per_listing(run, fake):
    fake.data["cn-shanghai"] = [dict(item, region_id="cn-hangzhou") for item in JOBS["cn-hangzhou"]]
    fake.data["cn-shanghai"] = [dict(item, app_id="copy-" + item["app_id"]) for item in fake.data["cn-shanghai"]]
    result = run(base())
    assert result.display.warnings == [
        "alicloud.sae.sae_job: region cn-shanghai was asked for, but the API answered with job templates of region "
        "cn-hangzhou: check that the endpoint is region cn-shanghai's (with {region} in it)."
    ]


def test_one_error_of_every_region_is_said_once_with_each_request_id(run, fake):
    fake.data = {
        region: SaeApiError(
            "SignatureDoesNotMatch",
            "Specified signature is not matched. string to sign %s" % region,
            "R-" + region,
            400,
            region,
        )  # fmt: skip
        for region in JOBS
    }
    with pytest.raises(AnsibleParserError) as caught:
        run(base())
    message = str(caught.value)
    assert message.count("SignatureDoesNotMatch") == 3  # the error once, then the code for each other region
    assert message.count("Specified signature is not matched") == 1
    assert message.count("credentials tried") == 1 and message.count("a wrong AccessKey secret") == 1
    for region in JOBS:
        assert "R-" + region in message
    assert message.endswith(
        "; SignatureDoesNotMatch too in region cn-shanghai (request id R-cn-shanghai); credentials tried: explicit "
        "access_key_id/access_key_secret; a wrong AccessKey secret is the usual cause"
    )


def test_different_errors_are_each_said(run, fake):
    fake.data["cn-beijing"] = SaeApiError(
        "InvalidAction.NotFound", "Specified api is not found.", "R1", 404, "cn-beijing"
    )
    fake.data["cn-hangzhou"] = SaeApiError("ServiceUnavailable", "down", "R2", 503, "cn-hangzhou")
    with pytest.raises(AnsibleParserError) as caught:
        run(base())
    message = str(caught.value)
    assert (
        "Specified api is not found. (region cn-beijing, HTTP 404, request id R1); region cn-beijing may not "
        "offer SAE, or the endpoint is wrong; " in message
    )
    assert "ServiceUnavailable: down (region cn-hangzhou, HTTP 503, request id R2)" in message


@pytest.mark.parametrize(
    "tags",
    [{"team": "billing"}, [{"key": "team", "value": "billing"}], "team=billing", ["team=billing"]],
)
def test_tags_in_every_form_of_the_module(run, fake, tags):
    run(base(regions=["cn-beijing"], tags=tags, include_filters=[{"tags": tags}]))
    assert _sent(fake) == [("cn-beijing", {"tags": {"team": "billing"}})]  # the two equal sets: one listing


@pytest.mark.parametrize("tags", ["team", ["team"], {"team": None}, [{"key": "team"}]])
def test_a_tag_key_without_a_value_is_refused_before_any_client(run, fake, tags):
    with pytest.raises(AnsibleParserError) as caught:
        run(base(tags=tags))
    assert str(caught.value).startswith("alicloud.sae.sae_job: tags")
    assert fake.instances == []


def test_one_error_that_is_no_api_error_is_said_once(run, fake):
    fake.data = {region: SaeCredentialError("Could not get Alibaba Cloud credentials from x.") for region in JOBS}
    with pytest.raises(AnsibleParserError) as caught:
        run(base())
    message = str(caught.value)
    assert message.count("Could not get Alibaba Cloud credentials from x.") == 1
    assert message.endswith("; the same error too in region cn-shanghai (request id none)")


def test_a_templated_namespace_is_checked_as_rendered(run, fake):
    run(base(namespaces=["{{ 'cn-beijing' ~ ':prod' }}"], include_filters=[{"namespace_id": "{{ 'cn-hangzhou' }}"}]))
    assert [(region, filters.get("namespace_id")) for region, filters in _sent(fake)] == [
        ("cn-beijing", "cn-beijing:prod"),
        ("cn-hangzhou", "cn-hangzhou"),
    ]
    with pytest.raises(AnsibleParserError, match="namespaces entry 'prod' is not a namespace of regions"):
        run(base(namespaces=["{{ 'prod' }}"]))
    assert len(fake.instances) == 1
