# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hostile input, property-based: every value is either accepted or refused with a clear error, never another
exception.

- the argument checks of ``arguments.py`` and ``resolve_endpoint`` with random values of every type;
- ``sae_job_info`` as Ansible runs it (AnsibleModule's own parsing included) with random arguments;
- the decoding of random HTTP answers (``decode_answer``) and of random ListJobs documents into a page.

The normaliser fed random job records is covered by test_normalise.py and is not repeated here.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.alicloud.sae.plugins.module_utils import arguments
from ansible_collections.alicloud.sae.plugins.module_utils.answers import decode_answer
from ansible_collections.alicloud.sae.plugins.module_utils.arguments import resolve_endpoint
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError, SaeParameterError
from ansible_collections.alicloud.sae.plugins.module_utils.normalise import read_page
from ansible_collections.alicloud.sae.plugins.modules import sae_job_info
from ansible_collections.alicloud.sae.tests.unit.utils import AK_ID, SECRET, FakeSaeApi, run_module, serve_fake_api

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
AWKWARD_TEXT = st.one_of(
    TEXT,
    st.sampled_from(
        ["", " ", "cn-beijing", "x.evil.invalid#", "a/b", "a@b", "{region}", "{{ 7*7 }}", "生产", "\x00", "-1", "1e9"]
    ),
    st.text(min_size=1, max_size=3).map(lambda text: text * 20_000),  # huge
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    AWKWARD_TEXT,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=8,
)


def _accepted_or_parameter_error(check, *args):
    try:
        return check(*args)
    except SaeParameterError as error:
        message = "%s" % error
        assert message and "Traceback" not in message
        return error


@given(VALUES)
def test_paging_and_concurrency_checks(value):
    for check in (arguments.validate_page_size, arguments.validate_current_page, arguments.validate_max_concurrency):
        outcome = _accepted_or_parameter_error(check, value)
        if not isinstance(outcome, SaeParameterError):
            assert outcome is value or (outcome is None and value is None)
            assert outcome is None or (outcome.__class__ is int and outcome >= 1)


@given(VALUES)
def test_region_check(value):
    outcome = _accepted_or_parameter_error(arguments.validate_region, value)
    if not isinstance(outcome, SaeParameterError):
        # an accepted region can go into a host name and a path segment unchanged
        assert isinstance(outcome, str) and outcome.isascii()
        assert not set(outcome) - set("abcdefghijklmnopqrstuvwxyz0123456789-")


ENDPOINT_TEMPLATES = st.one_of(
    st.none(),
    AWKWARD_TEXT,
    st.builds(
        lambda scheme, user, host, port, path: "%s%s%s%s%s" % (scheme, user, host, port, path),
        st.sampled_from(["http://", "https://", "ftp://", "", "//", "HTTP://"]),
        st.sampled_from(["", "evil@", "u:p@", "@"]),
        st.sampled_from(
            ["127.0.0.1", "sae.{region}.aliyuncs.com", "{region}", "[::1]", "[::1", "", "exa mple", "h\u00e9"]
        ),
        st.sampled_from(["", ":8080", ":0", ":99999", ":x", ":"]),
        st.sampled_from(["", "/", "/{region}", "/{region}?q=1", "#f", "/a/../b", "/%2e"]),
    ),
)


@given(ENDPOINT_TEMPLATES, st.one_of(st.just("cn-beijing"), AWKWARD_TEXT))
def test_endpoint_resolution(template, region):
    try:
        base_url = resolve_endpoint(template, region)
    except SaeParameterError as error:
        assert "%s" % error
        return
    # accepted: a plain http(s) URL whose host is where the request goes, with nobody's user information
    host = urlsplit(base_url).netloc
    assert base_url.startswith(("http://", "https://"))
    assert "@" not in host and host
    assert base_url.split("://", 1)[1].startswith(host)


@given(
    st.dictionaries(st.sampled_from(["endpoint", "timeout", "max_retries", "validate_certs"]), VALUES, max_size=4),
    st.lists(st.one_of(st.just("cn-hangzhou"), AWKWARD_TEXT), max_size=3),
)
def test_client_parameter_checks(params, regions):
    _accepted_or_parameter_error(arguments.validate_client_params, params, regions)


FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "namespace_id": VALUES,
        "app_name": VALUES,
        "field_type": st.one_of(st.sampled_from(arguments.FIELD_TYPES), VALUES),
        "field_value": VALUES,
        "tags": st.one_of(st.dictionaries(VALUES.filter(lambda v: not isinstance(v, (dict, list))), VALUES), VALUES),
        "order_by": st.one_of(st.sampled_from(arguments.ORDER_BY), VALUES),
        "reverse": VALUES,
    },
)


@given(FILTERS)
def test_list_filters(filters):
    outcome = _accepted_or_parameter_error(arguments.list_jobs_parameters, filters)
    if not isinstance(outcome, SaeParameterError):
        assert outcome["Workload"] == "job"
        if "Tags" in outcome:
            pairs = json.loads(outcome["Tags"])
            assert all(set(pair) == {"key", "value"} and isinstance(pair["value"], str) for pair in pairs)


# ---- the module, as Ansible runs it ---------------------------------------------------------------

MODULE_ARGS = st.fixed_dictionaries(
    {},
    optional={
        "region": st.one_of(st.just("cn-beijing"), VALUES),
        "namespace_id": VALUES,
        "app_name": VALUES,
        "field_type": st.one_of(st.sampled_from(arguments.FIELD_TYPES), VALUES),
        "field_value": VALUES,
        "tags": VALUES,
        "order_by": st.one_of(st.sampled_from(arguments.ORDER_BY), VALUES),
        "reverse": VALUES,
        "page_size": st.one_of(st.integers(min_value=-5, max_value=250), VALUES),
        "current_page": st.one_of(st.integers(min_value=-2, max_value=4), VALUES),
        "timeout": st.one_of(st.floats(min_value=-1, max_value=5), VALUES),
        "max_retries": st.one_of(st.integers(min_value=-1, max_value=25), VALUES),
        "max_concurrency": st.one_of(st.integers(min_value=-1, max_value=70), VALUES),
        "validate_certs": VALUES,
        "endpoint": st.one_of(st.just("http://127.0.0.1:9/{region}"), ENDPOINT_TEMPLATES),
        "security_token": VALUES,
        "unexpected_option": VALUES,
    },
)


def _has_reserved_key(value: object) -> bool:
    if isinstance(value, dict):
        return any(str(key).startswith("__ansible") or _has_reserved_key(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_reserved_key(item) for item in value)
    return False


def _json_safe(args: dict) -> dict:
    # Ansible hands a module JSON: what survives a JSON round trip is what a module can receive.
    # Keys starting with "__ansible" are the wire format's own markers (ansible-core >= 2.19 decodes
    # them before any module code runs); a controller never sends them as data.
    if _has_reserved_key(args):
        raise ValueError("reserved key")
    return json.loads(json.dumps(args, allow_nan=False))


def _run_module(args: dict) -> None:
    try:
        args = _json_safe(dict({"access_key_id": AK_ID, "access_key_secret": SECRET}, **args))
    except ValueError:
        return  # NaN / infinity or a wire-format marker: nothing a controller sends to a module
    api = FakeSaeApi()
    api.add_jobs("cn-beijing", 3)
    with pytest.MonkeyPatch.context() as patch:
        serve_fake_api(api, patch)
        outcome, result = run_module(sae_job_info.main, args, patch)
    text = json.dumps(result, default=str)
    assert SECRET not in text
    if outcome == "fail":
        assert isinstance(result["msg"], str) and result["msg"]
        assert "Traceback" not in result["msg"]
    else:
        assert isinstance(result["jobs"], list) and result["changed"] is False


@given(MODULE_ARGS)
def test_module_arguments_end_in_a_result_or_a_clear_failure(args):
    _run_module(args)


@given(ENDPOINT_TEMPLATES, st.one_of(st.just("cn-beijing"), AWKWARD_TEXT))
def test_module_endpoint_and_region_end_in_a_result_or_a_clear_failure(endpoint, region):
    _run_module({"region": region, "endpoint": endpoint, "max_retries": 0})


# ---- random answers from the API ------------------------------------------------------------------

BODIES = st.one_of(
    st.binary(max_size=200),
    VALUES.map(lambda value: json.dumps(value, allow_nan=True).encode("utf-8")),
    st.sampled_from([b"", b"{", b'{"Data": ', b"[" * 5000 + b"]" * 5000, b"\xff\xfe", b"<html>502</html>"]),
)


HINT_HEADERS = ("Content-Type", "Retry-After", "x-acs-retry-after", "x-ratelimit-user-api", "x-ratelimit-user", "Date")


@given(st.integers(min_value=100, max_value=599), BODIES, st.dictionaries(st.sampled_from(HINT_HEADERS), TEXT))
def test_decoding_random_answers(status, body, headers):
    try:
        document = decode_answer(status, body, headers)
    except SaeApiError as error:
        assert error.code and "%s" % error
        assert error.retry_after is None or error.retry_after >= 0
        return
    assert isinstance(document, dict) and status < 400 and document.get("Success") is not False


DOCUMENTS = st.one_of(
    VALUES,
    st.fixed_dictionaries(
        {"Data": st.one_of(VALUES, st.fixed_dictionaries({}, optional={"Applications": VALUES, "TotalSize": VALUES}))},
        optional={"RequestId": VALUES},
    ),
)


@given(DOCUMENTS)
def test_page_from_random_documents(document):
    if not isinstance(document, dict):
        return  # decode_answer only hands over JSON objects
    try:
        applications, total, size = read_page(document)
    except SaeApiError as error:
        assert error.code == "InvalidResponse" and "%s" % error
        return
    assert isinstance(total, int) and isinstance(applications, list)
    assert size is None or (isinstance(size, int) and not isinstance(size, bool) and size > 0)
