from __future__ import annotations

import json
import re
import uuid

import pytest

from sae_emulator import data

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
FIELD_TYPES = {
    "AppName": str,
    "NamespaceId": str,
    "AppId": str,
    "Tags": list,
    "RegionId": str,
    "AppDescription": str,
    "TriggerConfig": str,
    "Suspend": bool,
    "Active": int,
    "Succeeded": int,
    "Failed": int,
    "LastStartTime": int,
    "CompletionTime": int,
    "LastChangeorderState": str,
    "LastJobState": str,
    "Cpu": int,
    "Mem": int,
    "Message": str,
    "ImageUrl": str,
}


def all_jobs(dataset: data.Dataset) -> list:
    return [job for jobs in dataset.regions.values() for job in jobs]


def trigger_kind(job: dict) -> str:
    try:
        return json.loads(job["TriggerConfig"])["type"]
    except ValueError:
        return "not-json"


def test_vendor_field_list_matches_the_example_response():
    assert list(FIELD_TYPES) == list(data.VENDOR_FIELDS)


@pytest.mark.parametrize("dataset", [data.demo(), data.generate(jobs=300, seed=5)], ids=["demo", "generated"])
def test_every_job_has_every_vendor_field_with_its_type(dataset):
    for region, jobs in dataset.regions.items():
        for job in jobs:
            assert set(job) == set(data.VENDOR_FIELDS) | {"Instances"}
            for name, kind in FIELD_TYPES.items():
                assert job[name].__class__ is kind, (name, job[name])
            assert job["RegionId"] == region
            namespace_region, _separator, namespace = job["NamespaceId"].partition(":")
            assert namespace_region == region and namespace
            assert UUID_RE.match(job["AppId"])
            assert (job["Cpu"], job["Mem"]) in data.CPU_MEM
            assert job["Instances"] >= job["Active"] >= 0
            assert all(set(tag) == {"Key", "Value"} for tag in job["Tags"])
            assert job["LastJobState"] in ("0", "1", "2", "3")
            assert job["LastChangeorderState"] in ("0", "1")


def test_demo_is_small_readable_and_deterministic():
    first, second = data.demo(), data.demo()
    assert first.to_dict() == second.to_dict()
    jobs = all_jobs(first)
    assert 5 <= len(jobs) <= 20
    assert 2 <= len(first.regions) <= 3
    names = {job["AppName"] for job in jobs}
    assert {"nightly-report", "billing-sync", "cache-warmup"} <= names
    assert {trigger_kind(job) for job in jobs} == {"time", "http"}
    assert any(job["Suspend"] for job in jobs) and not all(job["Suspend"] for job in jobs)
    # The same name in several namespaces and regions.
    places = {(job["RegionId"], job["NamespaceId"]) for job in jobs if job["AppName"] == "nightly-report"}
    assert len({region for region, _namespace in places}) >= 2 and len(places) >= 3


def test_generate_is_deterministic_in_its_seed():
    one = data.generate(jobs=200, regions=["cn-beijing", "cn-shanghai"], namespaces_per_region=2, seed=42)
    two = data.generate(jobs=200, regions=["cn-beijing", "cn-shanghai"], namespaces_per_region=2, seed=42)
    other = data.generate(jobs=200, regions=["cn-beijing", "cn-shanghai"], namespaces_per_region=2, seed=43)
    assert one.to_dict() == two.to_dict()
    assert [j["AppId"] for j in all_jobs(one)] != [j["AppId"] for j in all_jobs(other)]


def test_generate_20000_jobs_is_well_formed():
    dataset = data.generate(jobs=20000, regions=["cn-hangzhou", "cn-beijing", "cn-shanghai"], namespaces_per_region=4)
    jobs = all_jobs(dataset)
    assert len(jobs) == dataset.job_count() == 20000
    ids = [job["AppId"] for job in jobs]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(app_id).version == 4 for app_id in ids[:100])
    assert {job["NamespaceId"] for job in jobs} == {
        "%s:%s" % (region, name)
        for region in ("cn-hangzhou", "cn-beijing", "cn-shanghai")
        for name in data.NAMESPACE_NAMES[:4]
    }


def test_generated_names_collide_across_namespaces_and_regions_but_not_inside_one():
    dataset = data.generate(jobs=500, regions=["cn-hangzhou", "cn-beijing"], namespaces_per_region=3, seed=1)
    jobs = all_jobs(dataset)
    inside = [(job["NamespaceId"], job["AppName"]) for job in jobs]
    assert len(set(inside)) == len(inside)
    where: dict = {}
    for job in jobs:
        where.setdefault(job["AppName"], set()).add((job["RegionId"], job["NamespaceId"]))
    assert max(len(places) for places in where.values()) == 6
    assert any(len({region for region, _namespace in places}) == 2 for places in where.values())


def test_generated_awkward_text_and_trigger_kinds():
    dataset = data.generate(jobs=100, seed=3)
    jobs = all_jobs(dataset)
    tags = [(tag["Key"], tag["Value"]) for job in jobs for tag in job["Tags"]]
    awkward = data.AWKWARD_TAG["Value"]
    for char in (" ", "+", "*", "~", ":", "/", "生产"):
        assert char in awkward
    assert ("owner team", awkward) in tags
    assert ("home", "{{ lookup('env','HOME') }}") in tags
    assert ("quote", 'it\'s "quoted"') in tags
    assert ("环境", "生产") in tags
    assert any(job["AppDescription"] == "{{ 7*7 }}" for job in jobs)
    kinds = [trigger_kind(job) for job in jobs]
    assert kinds.count("not-json") == 1
    assert {"time", "http"} <= set(kinds)
    http = next(json.loads(job["TriggerConfig"]) for job in jobs if trigger_kind(job) == "http")
    assert http["config"]["type"] == "HTTPS" and isinstance(http["config"]["method"], list)


def test_small_generated_sets_still_hold_the_awkward_cases():
    jobs = all_jobs(data.generate(jobs=5, seed=0))
    assert len(jobs) == 5
    assert data.AWKWARD_TAG in jobs[0]["Tags"] or any(data.AWKWARD_TAG in job["Tags"] for job in jobs)
    assert sum(trigger_kind(job) == "not-json" for job in jobs) == 1


@pytest.mark.parametrize(
    "kwargs",
    [{"jobs": -1}, {"regions": []}, {"regions": ["cn-a", "cn-a"]}, {"namespaces_per_region": 0}],
)
def test_generate_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        data.generate(**kwargs)


def test_dataset_documents_round_trip_and_are_checked():
    original = data.generate(jobs=30, regions=["cn-beijing"], seed=9)
    copy = data.Dataset.from_dict(json.loads(json.dumps(original.to_dict())))
    assert copy.to_dict() == original.to_dict()
    broken = original.to_dict()
    del broken["regions"]["cn-beijing"][0]["AppId"]
    with pytest.raises(ValueError, match="AppId"):
        data.Dataset.from_dict(broken)
    with pytest.raises(ValueError, match="regions"):
        data.Dataset.from_dict({"name": "x"})
