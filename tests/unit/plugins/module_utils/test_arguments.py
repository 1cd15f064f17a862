# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Validation of user input (before any request), the ListJobs parameters, and options kept in step with docs."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from ansible.module_utils.basic import env_fallback

from ansible_collections.alicloud.sae.plugins.doc_fragments.common import ModuleDocFragment
from ansible_collections.alicloud.sae.plugins.module_utils import arguments
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeParameterError

# --- resolve_endpoint -----------------------------------------------------------------------------


def test_default_endpoint_template():
    assert arguments.resolve_endpoint(None, "cn-beijing") == "https://sae.cn-beijing.aliyuncs.com"


@pytest.mark.parametrize(
    "template, base_url, host",
    [
        (
            "https://sae.{region}.example.com",
            "https://sae.ap-southeast-1.example.com",
            "sae.ap-southeast-1.example.com",
        ),
        ("http://127.0.0.1:8080/{region}", "http://127.0.0.1:8080/ap-southeast-1", "127.0.0.1:8080"),
        ("http://127.0.0.1:8080/{region}/", "http://127.0.0.1:8080/ap-southeast-1", "127.0.0.1:8080"),
        ("127.0.0.1:8443", "https://127.0.0.1:8443", "127.0.0.1:8443"),
        ("http://[::1]:8080", "http://[::1]:8080", "[::1]:8080"),
        ("https://sae.example.com", "https://sae.example.com", "sae.example.com"),
    ],
)
def test_endpoint_templates(template, base_url, host):
    assert arguments.resolve_endpoint(template, "ap-southeast-1") == base_url
    assert urlsplit(base_url).netloc == host  # where the request goes, and the host header signed


@pytest.mark.parametrize(
    "template, message",
    [
        ("http://user:pw@127.0.0.1:8080", "user information"),
        ("\x00", "spaces or control characters"),
        ("http://127.0.0.1\x00.example/{region}", "spaces or control characters"),
        ("http://127.0.0.1:8080/ {region}", "spaces or control characters"),
        ("http://127.0.0.1:8080/\t{region}", "spaces or control characters"),
        ("http://127.0.0.1:8080/\x85{region}", "spaces or control characters"),
        ("http://evil.example@127.0.0.1", "user information"),
        ("http://127.0.0.1:8080/?a=b", "query string"),
        ("http://127.0.0.1:8080/#x", "fragment"),
        ("ftp://127.0.0.1/{region}", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("http://", "http:// or https://"),
        ("http://127.0.0.1:99999", "invalid port"),
        ("http://127.0.0.1:port", "invalid port"),
    ],
)
def test_bad_endpoints_are_rejected(template, message):
    with pytest.raises(SaeParameterError, match=message) as caught:
        arguments.resolve_endpoint(template, "cn-beijing")
    assert "pw" not in str(caught.value).replace("passwd", "")


# --- paging and concurrency -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 20, 200])
def test_page_size_accepted(value):
    assert arguments.validate_page_size(value) == value


@pytest.mark.parametrize("value", [500, 201, -1, 0, True, False, 1.5, "10", None])
def test_page_size_rejected(value):
    with pytest.raises(SaeParameterError, match=r"^page_size must be a whole number from 1 to 200, got "):
        arguments.validate_page_size(value)


@pytest.mark.parametrize("value, expected", [(None, None), (1, 1), (99, 99)])
def test_current_page_accepted(value, expected):
    assert arguments.validate_current_page(value) == expected


@pytest.mark.parametrize("value", [0, -1, True, "1", 1.0])
def test_current_page_rejected(value):
    with pytest.raises(SaeParameterError, match=r"^current_page must be a whole number of 1 or more"):
        arguments.validate_current_page(value)


@pytest.mark.parametrize("value", [1, 10, 64])
def test_max_concurrency_accepted(value):
    assert arguments.validate_max_concurrency(value) == value


@pytest.mark.parametrize("value", [0, 65, -3, True, None, "4"])
def test_max_concurrency_rejected(value):
    with pytest.raises(SaeParameterError, match=r"^max_concurrency must be a whole number from 1 to 64"):
        arguments.validate_max_concurrency(value)


# --- regions and connection options -----------------------------------------------------------------


@pytest.mark.parametrize("region", ["cn-beijing", "ap-southeast-1", "us-east-1", "cn-hangzhou", "eu-central-1"])
def test_region_accepted(region):
    assert arguments.validate_region(region) == region


@pytest.mark.parametrize("region", [None, ""])
def test_region_required(region):
    with pytest.raises(SaeParameterError, match=r"^region is required \(or set ALIBABA_CLOUD_REGION_ID\)"):
        arguments.validate_region(region)


@pytest.mark.parametrize(
    "region",
    ["CN-Beijing", "cn_beijing", "cn-beijing/", "-cn", "cn-", "cn--x", "sae.evil.example/x", "cn beijing", 123, ["x"]],
)
def test_region_format_rejected(region):
    with pytest.raises(SaeParameterError, match="is not a region id such as cn-hangzhou"):
        arguments.validate_region(region)


def test_region_option_name_is_used_in_messages():
    with pytest.raises(SaeParameterError, match="^regions is required"):
        arguments.validate_region(None, option="regions")


def test_client_params_accept_defaults():
    arguments.validate_client_params({"timeout": 30.0, "max_retries": 5}, ["cn-beijing", "cn-hangzhou"])
    arguments.validate_client_params({"timeout": 0.1, "max_retries": 0}, ["cn-beijing"])
    arguments.validate_client_params({"timeout": 5, "max_retries": 20}, ["cn-beijing"])
    arguments.validate_client_params({}, ["cn-beijing"])
    for rate in (None, 10, 2.5, 0.1):
        arguments.validate_client_params({"max_requests_per_second": rate}, ["cn-beijing"])


def test_a_ca_bundle_that_is_a_file_is_accepted(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("", encoding="utf-8")
    arguments.validate_client_params({"ca_bundle": str(bundle)}, ["cn-beijing"])


@pytest.mark.parametrize(
    "params, message",
    [
        ({"timeout": 0}, "timeout must be a number of seconds above 0"),
        ({"timeout": -1.0}, "timeout must be a number of seconds above 0"),
        ({"timeout": float("nan")}, "timeout must be a number of seconds above 0"),
        ({"timeout": "30"}, "timeout must be a number of seconds above 0"),
        ({"max_retries": -1}, "max_retries must be a whole number from 0 to 20"),
        ({"max_retries": 21}, "max_retries must be a whole number from 0 to 20"),
        ({"max_retries": 2.5}, "max_retries must be a whole number from 0 to 20"),
        ({"max_requests_per_second": 0}, "max_requests_per_second must be a number above 0, got 0"),
        ({"max_requests_per_second": -2.0}, "max_requests_per_second must be a number above 0"),
        ({"max_requests_per_second": float("nan")}, "max_requests_per_second must be a number above 0"),
        ({"max_requests_per_second": float("inf")}, "max_requests_per_second must be a number above 0"),
        ({"max_requests_per_second": True}, "max_requests_per_second must be a number above 0, got True"),
        ({"max_requests_per_second": "10"}, "max_requests_per_second must be a number above 0, got '10'"),
        ({"endpoint": "http://user:pw@127.0.0.1/{region}"}, "must not contain user information"),
        ({"endpoint": "http://127.0.0.1/{region}?x=1"}, "must not contain a query string"),
        ({"endpoint": "gopher://127.0.0.1/{region}"}, "must be an http:// or https:// URL"),
        ({"ca_bundle": "/nonexistent/ca.pem"}, "ca_bundle '/nonexistent/ca.pem' is not a file"),
        ({"ca_bundle": "/"}, "ca_bundle '/' is not a file"),
        ({"ca_bundle": 5}, "ca_bundle 5 is not a file"),
    ],
)
def test_client_params_rejected(params, message):
    with pytest.raises(SaeParameterError, match=message.replace("?", r"\?")):
        arguments.validate_client_params(params, ["cn-beijing"])


def test_client_params_check_every_region():
    with pytest.raises(SaeParameterError, match="'Bad' is not a region id"):
        arguments.validate_client_params({}, ["cn-beijing", "Bad"])


# --- ListJobs parameters ----------------------------------------------------------------------------


def test_workload_is_always_job():
    assert arguments.list_jobs_parameters({}) == {"Workload": "job"}
    assert arguments.list_jobs_parameters({"namespace_id": None, "tags": {}}) == {"Workload": "job"}


def test_every_filter_maps_to_its_api_parameter():
    filters = {
        "namespace_id": "cn-beijing:prod",
        "app_name": "nightly",
        "field_type": "appIds",
        "field_value": "id-1,id-2",
        "tags": {"team": "billing"},
        "order_by": "running",
        "reverse": True,
    }
    assert arguments.list_jobs_parameters(filters) == {
        "Workload": "job",
        "NamespaceId": "cn-beijing:prod",
        "AppName": "nightly",
        "FieldType": "appIds",
        "FieldValue": "id-1,id-2",
        "Tags": '[{"key":"team","value":"billing"}]',
        "OrderBy": "running",
        "Reverse": "true",
    }
    assert arguments.list_jobs_parameters({"reverse": False})["Reverse"] == "false"


@pytest.mark.parametrize(
    "filters, message",
    [
        ({"field_type": "appNames", "field_value": "x"}, "field_type must be one of appName, appIds, got 'appNames'"),
        ({"field_type": "appName"}, "field_type and field_value must be given together"),
        ({"field_value": "x"}, "field_type and field_value must be given together"),
        ({"order_by": "name"}, "order_by must be one of running, instances, got 'name'"),
        ({"reverse": "yes"}, "reverse must be a boolean"),
        ({"tags": ["team", "billing"]}, "tags 'team' is not key=value text: the ListJobs API matches a tag by its key"),
        ({"tags": "team"}, "tags 'team' is not key=value text"),
        ({"tags": 3}, "tags must be a dictionary, key=value text or a list, got int"),
    ],
)
def test_bad_filters_rejected(filters, message):
    with pytest.raises(SaeParameterError) as caught:
        arguments.list_jobs_parameters(filters)
    assert message in str(caught.value)


def test_tags_become_the_api_json_list():
    tags = {"team": "billing", "中文": "任务 🚀", "quote": 'say "hi"', "odd": "a+b*c~/:&=%"}
    value = arguments.tags_parameter(tags)
    assert json.loads(value) == [{"key": k, "value": v} for k, v in tags.items()]
    assert "中文" in value and "🚀" in value  # ensure_ascii=False: the API gets the text, not \u escapes
    assert "\\u" not in value
    assert ", " not in value and ": " not in value  # compact separators


def test_tag_values_that_are_scalars_are_sent_as_text():
    assert json.loads(arguments.tags_parameter({"n": 3, "b": True, "f": 1.5})) == [
        {"key": "n", "value": "3"},
        {"key": "b", "value": "true"},
        {"key": "f", "value": "1.5"},
    ]


@pytest.mark.parametrize(
    "tags, message",
    [
        ({"": "v"}, "tags keys must be non-empty strings"),
        ({1: "v"}, "tags keys must be non-empty strings"),
        ({"k": None}, "tags['k'] must be a string, got NoneType"),
        ({"k": {"nested": "v"}}, "tags['k'] must be a string, got dict"),
        ({"k": ["v"]}, "tags['k'] must be a string, got list"),
    ],
)
def test_bad_tags_rejected(tags, message):
    with pytest.raises(SaeParameterError) as caught:
        arguments.tags_parameter(tags)
    assert message in str(caught.value)


def test_no_tags_means_no_parameter():
    assert arguments.tags_parameter(None) is None
    assert arguments.tags_parameter({}) is None


# --- kept in step with the documentation and galaxy.yml -------------------------------------------


def _collection_root():
    return Path(arguments.__file__).resolve().parents[2]


def test_option_env_matches_the_inventory_doc_fragment():
    inventory = yaml.safe_load(ModuleDocFragment.INVENTORY)["options"]
    # Ansible lets the last set variable win, so the fragment lists the preferred name last.
    documented = {option: [entry["name"] for entry in spec["env"]][::-1] for option, spec in inventory.items()}
    assert documented == arguments.OPTION_ENV


def test_option_env_is_named_in_the_option_descriptions():
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    for option, names in arguments.OPTION_ENV.items():
        description = " ".join(options[option]["description"])
        for name in names:
            assert "E(%s)" % name in description, (option, name)


def test_env_fallbacks_are_the_option_env():
    for option, spec in arguments.COMMON_ARGUMENT_SPEC.items():
        if option in arguments.OPTION_ENV:
            assert spec["fallback"] == (env_fallback, arguments.OPTION_ENV[option])
        else:
            assert "fallback" not in spec


def _compare_spec_with_docs(spec, documented):
    assert set(spec) == set(documented)
    for name, option in spec.items():
        doc = documented[name]
        assert option.get("type", "str") == doc.get("type", "str"), name
        assert option.get("default") == doc.get("default"), name
        assert sorted(option.get("aliases", [])) == sorted(doc.get("aliases", [])), name
        assert option.get("choices") == doc.get("choices"), name


def test_common_argument_spec_matches_its_documentation():
    _compare_spec_with_docs(arguments.COMMON_ARGUMENT_SPEC, yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"])


def test_secrets_are_no_log():
    assert arguments.COMMON_ARGUMENT_SPEC["access_key_secret"]["no_log"] is True
    assert arguments.COMMON_ARGUMENT_SPEC["security_token"]["no_log"] is True


def test_list_filter_spec_matches_the_module_documentation():
    from ansible_collections.alicloud.sae.plugins.modules import sae_job_info

    _compare_spec_with_docs(sae_job_info.ARGUMENT_SPEC, yaml.safe_load(sae_job_info.DOCUMENTATION)["options"])


# ---- issue 27: namespace IDs and the forms of tags --------------------------------------------------------


@pytest.mark.parametrize(
    "namespace, regions, region",
    [
        ("cn-beijing", ["cn-beijing"], "cn-beijing"),  # the region's default namespace
        ("cn-beijing:prod", ["cn-beijing"], "cn-beijing"),
        ("cn-hangzhou:a b/c:d", ["cn-beijing", "cn-hangzhou"], "cn-hangzhou"),  # the API page names no alphabet
    ],
)
def test_a_namespace_id_gives_its_region(namespace, regions, region):
    assert arguments.validate_namespace(namespace, regions) == region


@pytest.mark.parametrize(
    "namespace",
    ["prod", "cn-hangzhou:prod", "cn-beijing:", ":prod", "", None, 3, ["cn-beijing:prod"], "CN-BEIJING:prod"],
)
def test_a_namespace_id_of_another_form_or_region_is_refused_naming_the_form(namespace):
    with pytest.raises(SaeParameterError) as caught:
        arguments.validate_namespace(namespace, ["cn-beijing"])
    assert "%s" % caught.value == (
        "namespace_id %r is not a namespace of region cn-beijing: SAE namespace IDs are <region> (the region's "
        "default namespace) or <region>:<name>, for example cn-beijing:prod." % (namespace,)
    )


@pytest.mark.parametrize(
    "tags",
    [
        {"team": "billing", "env": "my value"},
        [{"key": "team", "value": "billing"}, {"key": "env", "value": "my value"}],
        "team=billing, env='my value'",
        "team=billing env='my value'",
        ["team=billing", "env='my value'"],
        [{"key": "team", "value": "billing"}, "env='my value'"],
    ],
)
def test_every_form_of_tags_gives_the_same_parameter(tags):
    assert arguments.parse_tags(tags) == {"team": "billing", "env": "my value"}
    assert json.loads(arguments.list_jobs_parameters({"tags": tags})["Tags"]) == [
        {"key": "team", "value": "billing"},
        {"key": "env", "value": "my value"},
    ]


def test_a_tag_value_may_hold_an_equals_sign_and_be_empty():
    assert arguments.parse_tags(["expr=a=b", "empty="]) == {"expr": "a=b", "empty": ""}


@pytest.mark.parametrize(
    "tags, message",
    [
        ("team", "tags 'team' is not key=value text: the ListJobs API matches a tag by its key and value"),
        (["team=billing", "tier"], "tags 'tier' is not key=value text"),
        ("team=billing, tier", "tags 'team=billing, tier' is not key=value text"),
        ([{"key": "team"}], "tags entries must be {key: ..., value: ...} or key=value text, got {'key': 'team'}"),
        ([{"Key": "team", "Value": "x"}], "tags entries must be {key: ..., value: ...}"),
        ([{"key": "team", "value": None}], "tags['team'] must be a string, got NoneType"),
        ({"team": None}, "tags['team'] must be a string, got NoneType: the ListJobs API matches a tag by its key"),
        ([3], "tags entries must be {key: ..., value: ...} or key=value text, got 3"),
        (["team=a", {"key": "team", "value": "b"}], "tags give the key 'team' twice."),
        (3, "tags must be a dictionary, key=value text or a list, got int"),
    ],
)
def test_a_tag_without_a_value_or_of_no_form_is_refused(tags, message):
    with pytest.raises(SaeParameterError) as caught:
        arguments.list_jobs_parameters({"tags": tags})
    assert message in "%s" % caught.value


@pytest.mark.parametrize(
    "template",
    [
        None,  # https://sae.{region}.aliyuncs.com
        "https://sae.{region}.example.com",
        "http://127.0.0.1:8080/{region}",
        "http://127.9.0.1/{region}",
        "http://localhost:1234",
        "http://[::1]:8080",
    ],
)
def test_https_and_loopback_endpoints_need_no_warning(template):
    assert arguments.plain_http_warning(template, ["cn-beijing", "cn-hangzhou"]) is None


def test_a_plain_http_endpoint_elsewhere_is_one_warning_naming_its_hosts():
    warning = arguments.plain_http_warning("http://sae.{region}.proxy.example", ["cn-beijing", "cn-hangzhou"])
    assert warning == (
        "endpoint is plain http:// to sae.cn-beijing.proxy.example, sae.cn-hangzhou.proxy.example: the AccessKey ID, "
        "the security token and the job data travel unencrypted; use https://."
    )
    assert "10.0.0.5" in arguments.plain_http_warning("http://10.0.0.5:8080/{region}", ["cn-beijing", "cn-hangzhou"])
    assert arguments.plain_http_warning("10.0.0.5:8080", ["cn-beijing"]) is None  # no scheme: https://
