"""The vendor's own SDK (alibabacloud-sae20190506) against the emulator: it must be accepted as is."""

from __future__ import annotations

import json

import pytest
from emu_helpers import call, job_params

from sae_emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, EmulatorServer, data

REGION = "cn-beijing"


@pytest.fixture(scope="module")
def sdk_server():
    dataset = data.generate(jobs=450, regions=["cn-hangzhou", REGION], namespaces_per_region=3, seed=2026)
    # The SDK puts its endpoint into the Host header and cannot add a path prefix, so it talks to
    # the default-region path.
    with EmulatorServer(dataset=dataset, default_region=REGION) as server:
        yield server


def sdk_client(server, secret: str = DEMO_ACCESS_KEY_SECRET):
    from alibabacloud_sae20190506.client import Client
    from alibabacloud_tea_openapi.models import Config

    config = Config(
        access_key_id=DEMO_ACCESS_KEY_ID,
        access_key_secret=secret,
        endpoint="127.0.0.1:%d" % server.port,
        protocol="http",
        region_id=REGION,
    )
    return Client(config)


def list_every_job(server, page_size: int, **filters) -> tuple:
    from alibabacloud_sae20190506 import models

    client = sdk_client(server)
    jobs, pages, page = [], 0, 1
    while True:
        request = models.ListJobsRequest(workload="job", current_page=page, page_size=page_size, **filters)
        body = client.list_jobs(request).body
        assert body.success is True and body.code == "200"
        assert body.data.current_page == page and body.data.page_size == page_size
        jobs.extend(body.data.applications)
        pages += 1
        if page * page_size >= body.data.total_size:
            return jobs, pages, body.data.total_size
        page += 1


def test_sdk_lists_every_job_over_several_pages(sdk_server):
    jobs, pages, total = list_every_job(sdk_server, page_size=40)
    raw = sdk_server.jobs(REGION)
    assert total == len(raw) == 225 and pages == 6
    assert [job.app_id for job in jobs] == [job["AppId"] for job in raw]
    first = jobs[0].to_map()
    assert {name: first[name] for name in data.VENDOR_FIELDS} == {name: raw[0][name] for name in data.VENDOR_FIELDS}
    assert sdk_server.stats()["by_status"].get("200", 0) >= pages


def test_sdk_tags_filter_with_awkward_characters(sdk_server):
    tag = data.AWKWARD_TAG
    for char in (" ", "+", "*", "~", ":", "/", "生产"):
        assert char in tag["Value"]
    tags = json.dumps([{"key": tag["Key"], "value": tag["Value"]}], ensure_ascii=False)
    jobs, pages, total = list_every_job(sdk_server, page_size=8, tags=tags)
    expected = [job["AppId"] for job in sdk_server.jobs(REGION) if tag in job["Tags"]]
    assert [job.app_id for job in jobs] == expected
    assert total == len(expected) and pages >= 3
    # The SDK really sent its form encoding (a space as "+", a plus as "%2B"), read back as the same text.
    entry = sdk_server.requests()[-1]
    assert entry["params"]["Tags"] == tags
    assert "+" in entry["query"] and "%2B" in entry["query"] and "%20" not in entry["query"]


def test_sdk_order_by_and_reverse(sdk_server):
    jobs, _pages, _total = list_every_job(sdk_server, page_size=100, order_by="instances", reverse=True)
    expected = sorted(sdk_server.jobs(REGION), key=lambda job: job["Instances"])
    assert [job.app_id for job in jobs] == [job["AppId"] for job in expected]
    entry = sdk_server.requests()[-1]
    # The SDK sends Python's str(True): "True". The gateway reads booleans case-insensitively.
    assert entry["params"]["Reverse"] == "True" and entry["params"]["OrderBy"] == "instances"


def test_sdk_name_and_namespace_filters(sdk_server):
    namespace = "%s:staging" % REGION
    jobs, _pages, total = list_every_job(sdk_server, page_size=10, namespace_id=namespace, app_name="billing sync")
    assert total == 0 and jobs == []
    jobs, _pages, total = list_every_job(sdk_server, page_size=10, namespace_id=namespace, app_name="billing-sync")
    expected = [
        job["AppId"]
        for job in sdk_server.jobs(REGION)
        if job["NamespaceId"] == namespace and "billing-sync" in job["AppName"]
    ]
    assert [job.app_id for job in jobs] == expected and total == len(expected) > 0


def test_sdk_sees_signature_errors(sdk_server):
    from alibabacloud_sae20190506 import models
    from alibabacloud_tea_openapi.exceptions import ClientException

    with pytest.raises(ClientException) as caught:
        sdk_client(sdk_server, secret="wrong-secret").list_jobs(models.ListJobsRequest(workload="job"))
    assert caught.value.code == "SignatureDoesNotMatch" and caught.value.status_code == 400
    assert caught.value.request_id


def test_sdk_through_a_region_path_is_refused_cleanly():
    # What happens if someone tries to smuggle the region into the SDK endpoint: the Host header
    # becomes "127.0.0.1:PORT/cn-beijing" and the signed path lacks the prefix, so it cannot pass.
    from alibabacloud_sae20190506 import models
    from alibabacloud_sae20190506.client import Client
    from alibabacloud_tea_openapi.models import Config

    with EmulatorServer() as server:
        config = Config(
            access_key_id=DEMO_ACCESS_KEY_ID,
            access_key_secret=DEMO_ACCESS_KEY_SECRET,
            endpoint="127.0.0.1:%d/cn-beijing" % server.port,
            protocol="http",
            region_id=REGION,
        )
        from alibabacloud_tea_openapi.exceptions import ClientException

        with pytest.raises(ClientException) as caught:
            Client(config).list_jobs(models.ListJobsRequest(workload="job"))
        assert caught.value.code == "SignatureDoesNotMatch"


def _collection_normalise():
    """The collection's normalise module (collection_signing lays out ansible_collections if needed)."""
    import importlib

    from collection_signing import load_signing

    load_signing()
    return importlib.import_module("ansible_collections.alicloud.sae.plugins.module_utils.normalise")


@pytest.mark.parametrize("namespace", [None, "cn-hangzhou:no-jobs-here"], ids=["jobs", "empty-namespace"])
def test_the_collection_reads_a_sparse_answer_as_the_sdk_models_do(sparse_dataset, namespace):
    """A member left out reads as None (Tags: no tag) in the vendor's models and in read_page + normalise_job."""
    from alibabacloud_sae20190506 import models

    normalise = _collection_normalise()
    filters = {"NamespaceId": namespace} if namespace else {}
    with EmulatorServer(dataset=sparse_dataset, faults={"sparse": True}) as server:
        document = call(server, job_params(PageSize=10, **filters)).json()
    body = models.ListJobsResponseBody().from_map(document)
    applications, total, size = normalise.read_page(document)
    assert total == body.data.total_size == len(applications) == len(body.data.applications)
    assert size == body.data.page_size
    assert len(applications) == (0 if namespace else 3)
    for raw, model in zip(applications, body.data.applications, strict=True):
        job, read = normalise.normalise_job(raw), model.to_map()  # to_map: only the members the model holds
        assert job["tags"] == {tag.key: tag.value for tag in model.tags}
        assert job["trigger_config"] == normalise.parse_trigger_config(model.trigger_config)
        plain = [(key, field) for key, field in normalise.JOB_FIELDS if field not in ("Tags", "TriggerConfig")]
        assert {key: job[key] for key, _field in plain} == {key: read.get(field) for key, field in plain}


def test_the_sdk_lists_an_empty_namespace_of_a_sparse_emulator(sparse_dataset):
    from alibabacloud_sae20190506 import models

    with EmulatorServer(dataset=sparse_dataset, default_region="cn-hangzhou", faults={"sparse": True}) as server:
        request = models.ListJobsRequest(workload="job", namespace_id="cn-hangzhou:no-jobs-here")
        body = sdk_client(server).list_jobs(request).body
    assert body.success is True and body.data.applications == [] and body.data.total_size == 0
