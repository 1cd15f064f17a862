"""Sparse answers (``Faults.sparse``, ``--sparse``): every null or empty member left out, as some gateways do."""

from __future__ import annotations

import pytest
import requests
from emu_helpers import call, job_params

from sae_emulator import EmulatorServer
from sae_emulator.sparse import without_empty_members

EMPTY_NAMESPACE = "cn-hangzhou:no-jobs-here"


def control(server, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, server.control_url + path, timeout=5, **kwargs)


def empty_members(value: object, path: str = "") -> list:
    """The paths of the members of ``value`` (at any depth) that are null, "", [] or {}."""
    found = []
    if isinstance(value, dict):
        for name, member in value.items():
            if member is None or member in ("", [], {}):
                found.append(path + "." + name)
            found.extend(empty_members(member, path + "." + name))
    elif isinstance(value, list):
        for index, element in enumerate(value):
            found.extend(empty_members(element, "%s[%d]" % (path, index)))
    return found


def without_request_id(document: dict) -> dict:
    return {name: value for name, value in document.items() if name != "RequestId"}


@pytest.fixture
def sparse_server(sparse_dataset):
    with EmulatorServer(dataset=sparse_dataset, faults={"sparse": True}) as server:
        yield server


def test_without_empty_members_at_every_depth():
    document = {
        "null": None,
        "text": "",
        "list": [],
        "object": {},
        "zero": 0,
        "false": False,
        "kept": "x",
        "nested": {"a": None, "b": {"c": ""}, "d": [{"e": [], "f": 0}, None, ""]},
        "only_empty": {"a": None, "b": {"c": []}},
    }
    assert without_empty_members(document) == {
        "zero": 0,
        "false": False,
        "kept": "x",
        # list elements are not members: kept, their own empty members left out
        "nested": {"d": [{"f": 0}, None, ""]},
    }
    assert without_empty_members([{"a": None}, 0]) == [{}, 0]
    assert without_empty_members("") == ""


def test_a_sparse_answer_has_no_empty_member_and_keeps_numbers_and_booleans(sparse_server, sparse_dataset):
    document = call(sparse_server, job_params(PageSize=10)).json()
    assert empty_members(document) == []
    tagged, untagged, bare = document["Data"]["Applications"]
    assert tagged["Tags"] == [{"Key": "env", "Value": "prod"}, {"Key": "note"}]  # the empty Value left out
    assert "Tags" not in untagged and "ImageUrl" not in untagged
    assert not {"Tags", "TriggerConfig", "AppDescription", "ImageUrl", "Message"} & set(bare)
    for sent, raw in zip(document["Data"]["Applications"], sparse_dataset.regions["cn-hangzhou"], strict=True):
        assert sent["Suspend"] is False
        numbers = {name: value for name, value in raw.items() if isinstance(value, (bool, int)) and name != "Instances"}
        assert {name: sent[name] for name in numbers} == numbers  # 0 and false are values, sent
    assert document["Data"]["TotalSize"] == document["TotalSize"] == 3


def test_an_empty_page_has_no_applications_member_but_its_sizes(sparse_server):
    document = call(sparse_server, job_params(NamespaceId=EMPTY_NAMESPACE)).json()
    assert document["Success"] is True and empty_members(document) == []
    assert document["Data"] == {"CurrentPage": 1, "TotalSize": 0, "PageSize": 10}
    past_the_end = call(sparse_server, job_params(CurrentPage=9, PageSize=2)).json()
    assert past_the_end["Data"] == {"CurrentPage": 9, "TotalSize": 3, "PageSize": 2}


def test_sparse_is_switched_at_run_time_through_the_control_interface(sparse_dataset):
    with EmulatorServer(dataset=sparse_dataset, faults={"latency_ms": 1}) as server:
        params = job_params(PageSize=10)
        full = call(server, params).json()
        assert empty_members(full)  # the full answer has empty members to leave out
        settings = control(server, "POST", "/faults?merge=true", json={"sparse": True}).json()
        assert settings["sparse"] is True and settings["latency_ms"] == 1
        assert control(server, "GET", "/faults").json()["sparse"] is True
        sparse = call(server, params).json()
        assert without_request_id(sparse) == without_request_id(without_empty_members(full))
        assert sparse["RequestId"] != full["RequestId"]
        # The same page again in each shape: each is its own answer, whatever was served before.
        control(server, "POST", "/faults?merge=true", json={"sparse": False})
        assert without_request_id(call(server, params).json()) == without_request_id(full)
        server.update_faults(sparse=True)
        assert empty_members(call(server, params).json()) == []
        control(server, "POST", "/reset", json={"faults": True})
        assert control(server, "GET", "/faults").json()["sparse"] is False
        assert without_request_id(call(server, params).json()) == without_request_id(full)


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_sparse_must_be_true_or_false(demo_server, value):
    response = control(demo_server, "POST", "/faults", json={"sparse": value})
    assert response.status_code == 400 and "sparse" in response.json()["error"]
    assert control(demo_server, "GET", "/faults").json()["sparse"] is False


def test_malformed_answers_are_sparse_too(sparse_dataset):
    with EmulatorServer(dataset=sparse_dataset, faults={"sparse": True, "malformed": "no_data"}) as server:
        document = call(server, job_params(NamespaceId=EMPTY_NAMESPACE)).json()
    assert "Data" not in document and document["TotalSize"] == 0 and empty_members(document) == []
