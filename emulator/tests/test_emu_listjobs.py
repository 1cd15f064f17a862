from __future__ import annotations

import json
import re

import pytest
from emu_helpers import call, error_code, job_params, list_all

from sae_emulator import EmulatorServer, app, data, listjobs

REQUEST_ID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
TOP_LEVEL_KEYS = ["Message", "RequestId", "Data", "Code", "Success", "CurrentPage", "TotalSize", "PageSize"]


def raw_ids(server, region, predicate=lambda job: True) -> list:
    return [job["AppId"] for job in server.jobs(region) if predicate(job)]


def ids(applications: list) -> list:
    return [job["AppId"] for job in applications]


def test_success_answer_has_the_vendor_shape(demo_server):
    response = call(demo_server, job_params(PageSize=2), "cn-hangzhou")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    document = json.loads(response.content)
    assert list(document) == TOP_LEVEL_KEYS
    assert document["Code"] == "200" and document["Success"] is True and document["Message"] == "success"
    assert REQUEST_ID.match(document["RequestId"])
    assert response.headers["x-acs-request-id"] == document["RequestId"]
    assert list(document["Data"]) == ["CurrentPage", "TotalSize", "PageSize", "Applications"]
    assert document["Data"]["CurrentPage"] == document["CurrentPage"] == 1
    assert document["Data"]["PageSize"] == document["PageSize"] == 2
    assert document["Data"]["TotalSize"] == document["TotalSize"] == len(demo_server.jobs("cn-hangzhou"))
    first = document["Data"]["Applications"][0]
    assert list(first) == list(data.VENDOR_FIELDS)
    assert first["Tags"] and all(set(tag) == {"Key", "Value"} for tag in first["Tags"])
    raw = demo_server.jobs("cn-hangzhou")[0]
    assert first == {name: raw[name] for name in data.VENDOR_FIELDS}


def test_every_request_gets_its_own_request_id(demo_server):
    seen = {call(demo_server).json()["RequestId"] for _unused in range(5)}
    seen.add(error_code_id(call(demo_server, job_params(PageSize=999))))
    assert len(seen) == 6


def error_code_id(response) -> str:
    document = response.json()
    assert set(document) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert document["Recommend"] == (
        "https://api.aliyun.com/troubleshoot?q=%s&product=sae&requestId=%s" % (document["Code"], document["RequestId"])
    )
    return document["RequestId"]


def test_region_comes_from_the_path_and_defaults_without_it(demo_server):
    for region in ("cn-beijing", "cn-shanghai", "cn-hangzhou"):
        got = call(demo_server, job_params(PageSize=50), region).json()["Data"]["Applications"]
        assert ids(got) == raw_ids(demo_server, region)
        assert {job["RegionId"] for job in got} == {region}
    default = call(demo_server, job_params(PageSize=50)).json()["Data"]["Applications"]
    assert ids(default) == raw_ids(demo_server, "cn-hangzhou")
    empty = call(demo_server, job_params(), "eu-central-1").json()
    assert empty["Data"]["Applications"] == [] and empty["TotalSize"] == 0


def test_paging_walks_every_job_once_in_creation_order(generated_server):
    for region in ("cn-hangzhou", "cn-beijing"):
        assert ids(list_all(generated_server, region, page_size=7)) == raw_ids(generated_server, region)
    beyond = call(generated_server, job_params(CurrentPage=1000, PageSize=10), "cn-beijing").json()
    assert beyond["Data"]["Applications"] == [] and beyond["TotalSize"] == 300 and beyond["CurrentPage"] == 1000


def test_defaults_are_page_one_of_ten(generated_server):
    document = call(generated_server).json()
    assert document["CurrentPage"] == 1 and document["PageSize"] == 10
    assert len(document["Data"]["Applications"]) == 10


@pytest.mark.parametrize(
    "params",
    [
        {"PageSize": "201"},
        {"PageSize": "-1"},
        {"PageSize": "ten"},
        {"PageSize": "1.5"},
        {"CurrentPage": "0"},
        {"CurrentPage": "x"},
        {"OrderBy": "name"},
        {"Reverse": "yes"},
        {"FieldType": "namespace", "FieldValue": "x"},
        {"Tags": "not json"},
        {"Tags": '{"key":"env"}'},
        {"Tags": '[{"value":"prod"}]'},
        {"Tags": '[{"key":"env","value":1}]'},
        {"Workload": "app"},
    ],
)
def test_bad_parameters_are_invalid_parameter_400(demo_server, params):
    response = call(demo_server, dict(job_params(), **params))
    assert response.status_code == 400
    assert error_code(response).startswith("InvalidParameter")
    assert error_code_id(response)


def test_workload_is_required(demo_server):
    response = call(demo_server, {"PageSize": "5"})
    assert response.status_code == 400 and error_code(response) == "MissingParameter"
    assert "Workload" in response.json()["Message"]


def test_page_size_bounds(generated_server):
    assert len(call(generated_server, job_params(PageSize=200)).json()["Data"]["Applications"]) == 200
    zero = call(generated_server, job_params(PageSize=0)).json()
    assert zero["Data"]["Applications"] == [] and zero["TotalSize"] == 300 and zero["PageSize"] == 0


def test_app_name_is_a_substring_match(demo_server):
    got = call(demo_server, job_params(AppName="report", PageSize=50), "cn-hangzhou").json()["Data"]["Applications"]
    assert ids(got) == raw_ids(demo_server, "cn-hangzhou", lambda job: "report" in job["AppName"])
    assert len(got) == 2
    none = call(demo_server, job_params(AppName="no-such-job")).json()
    assert none["TotalSize"] == 0


def test_namespace_id_is_an_exact_match(demo_server):
    got = call(demo_server, job_params(NamespaceId="cn-hangzhou:prod", PageSize=50)).json()["Data"]["Applications"]
    assert ids(got) == raw_ids(demo_server, "cn-hangzhou", lambda job: job["NamespaceId"] == "cn-hangzhou:prod")
    assert len(got) == 3
    assert call(demo_server, job_params(NamespaceId="cn-hangzhou:pro")).json()["TotalSize"] == 0


def has(job: dict, key: str, value: str) -> bool:
    return {"Key": key, "Value": value} in job["Tags"]


def test_tags_filter_needs_every_given_tag(demo_server):
    wanted = [{"key": "env", "value": "prod"}, {"key": "team", "value": "finance"}]
    got = call(demo_server, job_params(Tags=json.dumps(wanted), PageSize=50)).json()["Data"]["Applications"]
    expected = raw_ids(demo_server, "cn-hangzhou", lambda j: has(j, "env", "prod") and has(j, "team", "finance"))
    assert ids(got) == expected and len(expected) == 1
    one = call(demo_server, job_params(Tags=json.dumps(wanted[:1]), PageSize=50)).json()
    assert one["TotalSize"] == 3
    key_only = call(demo_server, job_params(Tags='[{"key":"owner"}]', PageSize=50)).json()
    assert ids(key_only["Data"]["Applications"]) == raw_ids(
        demo_server, "cn-hangzhou", lambda j: any(t["Key"] == "owner" for t in j["Tags"])
    )
    assert key_only["TotalSize"] == 1
    assert call(demo_server, job_params(Tags="[]", PageSize=50)).json()["TotalSize"] == 5


@pytest.mark.parametrize("form_encoding", [False, True], ids=["canonical-%20", "form-plus"])
def test_awkward_tag_values_match_in_both_query_encodings(generated_server, form_encoding):
    tag = data.AWKWARD_TAG
    tags = json.dumps([{"key": tag["Key"], "value": tag["Value"]}], ensure_ascii=False)
    response = call(generated_server, job_params(Tags=tags, PageSize=200), "cn-beijing", form_encoding=form_encoding)
    assert response.status_code == 200, response.text
    got = response.json()["Data"]["Applications"]
    expected = raw_ids(generated_server, "cn-beijing", lambda job: tag in job["Tags"])
    assert ids(got) == expected and len(expected) > 10


def test_template_text_is_returned_as_plain_text(generated_server):
    everything = list_all(generated_server, "cn-beijing", page_size=200) + list_all(generated_server, page_size=200)
    assert any(job["AppDescription"] == "{{ 7*7 }}" for job in everything)
    assert any({"Key": "home", "Value": "{{ lookup('env','HOME') }}"} in job["Tags"] for job in everything)


@pytest.mark.parametrize("order_by,field_name", [("running", "Active"), ("instances", "Instances")])
@pytest.mark.parametrize("reverse", ["true", "false", None])
def test_order_by_with_reverse_true_ascending(generated_server, order_by, field_name, reverse):
    extra = {"OrderBy": order_by} if reverse is None else {"OrderBy": order_by, "Reverse": reverse}
    got = ids(list_all(generated_server, "cn-beijing", page_size=60, **extra))
    raw = generated_server.jobs("cn-beijing")
    ascending = reverse == "true"
    expected = sorted(raw, key=lambda job: job[field_name] if ascending else -job[field_name])
    assert got == ids(expected)
    values = [job[field_name] for job in expected]
    assert values == sorted(values, reverse=not ascending) and len(set(values)) > 1


def test_reverse_without_order_by_keeps_creation_order(generated_server):
    got = ids(list_all(generated_server, "cn-beijing", page_size=100, Reverse="true"))
    assert got == raw_ids(generated_server, "cn-beijing")


def test_field_type_app_ids_takes_a_comma_separated_list(generated_server):
    raw = raw_ids(generated_server, "cn-hangzhou")
    wanted = [raw[40], raw[3], raw[17]]
    value = "%s, %s ,%s,unknown-id" % tuple(wanted)
    got = call(generated_server, job_params(FieldType="appIds", FieldValue=value, PageSize=50)).json()
    assert ids(got["Data"]["Applications"]) == [raw[3], raw[17], raw[40]]
    assert got["TotalSize"] == 3


def test_field_type_app_name(demo_server):
    got = call(demo_server, job_params(FieldType="appName", FieldValue="cache", PageSize=50), "cn-beijing").json()
    assert ids(got["Data"]["Applications"]) == raw_ids(demo_server, "cn-beijing", lambda j: "cache" in j["AppName"])
    assert got["TotalSize"] == 1


def test_filters_combine(generated_server):
    params = job_params(NamespaceId="cn-hangzhou:staging", AppName="report", Tags='[{"key":"env","value":"staging"}]')
    got = list_all(generated_server, "cn-hangzhou", page_size=3, **{k: v for k, v in params.items() if k != "Workload"})
    expected = raw_ids(
        generated_server,
        "cn-hangzhou",
        lambda j: j["NamespaceId"] == "cn-hangzhou:staging" and "report" in j["AppName"] and has(j, "env", "staging"),
    )
    assert ids(got) == expected and len(expected) > 3


def test_unknown_path_and_method(demo_server):
    import requests

    response = requests.get("http://127.0.0.1:%d/pop/v1/sam/job/listJob" % demo_server.port, timeout=5)
    assert response.status_code == 404 and error_code(response) == "InvalidAction.NotFound"
    response = requests.post("http://127.0.0.1:%d/pop/v1/sam/job/listJobs" % demo_server.port, timeout=5)
    assert response.status_code == 404 and error_code(response) == "InvalidAction.NotFound"


def test_empty_region_data_set():
    with EmulatorServer(dataset=data.Dataset("empty", {"cn-hangzhou": []})) as server:
        document = call(server).json()
        assert document["TotalSize"] == 0 and document["Data"]["Applications"] == []


# -- answer bodies: serialised once per selection -------------------------------------------------


def test_answer_body_is_the_answer_as_json_whatever_the_jobs_hold(generated_dataset):
    jobs = [dict(job) for job in generated_dataset.regions["cn-hangzhou"][:30]]
    # job text holding the placeholder (as a value and as JSON) must not be taken for the RequestId
    jobs[0]["AppDescription"] = app.AnswerBodies._PLACEHOLDER
    jobs[1]["AppName"] = json.dumps(app.AnswerBodies._PLACEHOLDER)
    bodies = app.AnswerBodies()
    for page in (1, 2, 3, 4):
        query = listjobs.parse(job_params(PageSize=10, CurrentPage=page))
        for request_id in ("0C8D4D4E-1F6B-4F1E-9C56-9F0B9B1C1E01", 'odd "id" \\ 生产', ""):
            expected = json.dumps(listjobs.answer(jobs, query, request_id), ensure_ascii=False).encode("utf-8")
            assert bodies.body(jobs, query, request_id) == expected


def test_answer_body_is_serialised_once_per_selection_and_page(generated_dataset, monkeypatch):
    built = []
    answer = listjobs.answer
    monkeypatch.setattr(listjobs, "answer", lambda *args: built.append(args[1].current_page) or answer(*args))
    jobs = list(generated_dataset.regions["cn-hangzhou"][:30])
    bodies = app.AnswerBodies()
    page_1, page_2 = (listjobs.parse(job_params(PageSize=10, CurrentPage=page)) for page in (1, 2))
    for request_id in ("A", "B", "C"):
        bodies.body(jobs, page_1, request_id)
    bodies.body(jobs, page_2, "D")
    assert built == [1, 2]
    changed = jobs[1:]  # new data: JobStore.selection hands out a new list
    assert json.loads(bodies.body(changed, page_1, "E"))["Data"]["Applications"][0]["AppId"] == jobs[1]["AppId"]
    assert built == [1, 2, 1]


def test_answer_body_cache_is_bounded_in_bytes(generated_dataset):
    jobs = list(generated_dataset.regions["cn-hangzhou"])
    queries = [listjobs.parse(job_params(PageSize=1, CurrentPage=page)) for page in range(1, 10)]
    one_page = len(app.AnswerBodies().body(jobs, queries[0], ""))
    bodies = app.AnswerBodies(capacity_bytes=3 * one_page + one_page // 2)
    for query in queries:
        bodies.body(jobs, query, "X")
        bodies.body(jobs, query, "X")  # a hit does not count twice
    assert [key[1] for key in bodies._bodies] == [7, 8, 9]  # the least recently used went first
    assert bodies._size == sum(len(before) + len(after) for _list, before, after in bodies._bodies.values())
    assert bodies._size <= 3 * one_page + one_page // 2


def test_a_page_read_again_is_not_serialised_again_until_the_data_change(generated_server, monkeypatch):
    built = []
    answer = listjobs.answer
    monkeypatch.setattr(listjobs, "answer", lambda *args: built.append(args[1].current_page) or answer(*args))
    region = "cn-hangzhou"
    first = call(generated_server, job_params(PageSize=5), region).json()
    again = call(generated_server, job_params(PageSize=5), region).json()
    assert again["Data"] == first["Data"] and again["RequestId"] != first["RequestId"]
    assert built == [1]
    deleted = first["Data"]["Applications"][0]["AppId"]
    generated_server.mutate(region, delete=deleted, create=False)
    after = call(generated_server, job_params(PageSize=5), region).json()
    assert ids(after["Data"]["Applications"]) == ids(first["Data"]["Applications"])[1:] + [
        raw_ids(generated_server, region)[4]
    ]
    assert after["Data"]["TotalSize"] == first["Data"]["TotalSize"] - 1
    assert built == [1, 1]
