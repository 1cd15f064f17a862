# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Security suite: no secret or security token in any output, TLS verification, and an endpoint that
cannot send the signature anywhere but where it says.

Covered elsewhere and not repeated: the AccessKey secret in the module's -vvvv output and a wrong
secret (test_sae_job_info.py), the secret in inventory output and cache files
(test_inventory_sae_job.py), AWX/ansible-runner artifacts (test_awx_runner.py).
"""

from __future__ import annotations

import http.server
import json
import threading
import traceback
from pathlib import Path

import pytest
from conftest import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, credential_env
from proof_helpers import (
    assume_role,
    emulator_jobs,
    emulator_stats,
    flat,
    inventory_config,
    run_inventory,
    run_playbook,
    write_config,
)

REGION = "cn-beijing"
FAILING_REGION = "cn-shanghai"


@pytest.fixture(scope="module")
def emulator(start_emulator):
    """HTTP and HTTPS on one port (a self-signed CA), and one region that always answers 403."""
    return start_emulator(
        "--dataset", "generated", "--jobs", "60", "--regions", "cn-beijing,cn-hangzhou,cn-shanghai",
        "--seed", "51", "--tls", "--region-failure", "%s=403" % FAILING_REGION,
    )  # fmt: skip


@pytest.fixture
def sts(emulator) -> dict:
    """Fresh temporary credentials: an STS AccessKey, its secret and its security token."""
    return assume_role(emulator)


def _leaks(text: str, *secrets: str) -> list:
    # flat(): ansible-core 2.16-2.18 wrap warnings at 79 columns, which could split a secret over two lines
    return [secret for secret in secrets if secret and (secret in text or secret in flat(text))]


def _module_task(name: str, args: dict, result_file: Path, **extra) -> list:
    task = {"name": name, "alicloud.sae.sae_job_info": args, "register": "r", "ignore_errors": True}
    task.update(extra)
    save = {
        "name": "Save: " + name,
        "ansible.builtin.copy": {"content": "{{ r | to_json }}", "dest": str(result_file)},
    }
    return [task, save]


def _play(tasks: list) -> list:
    return [{"name": "security", "hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}]


def _results(tmp_path: Path, names: list) -> dict:
    return {name: json.loads((tmp_path / ("%s.json" % name)).read_text(encoding="utf-8")) for name in names}


# ---- secrets in module output -----------------------------------------------------------------


def test_module_never_shows_the_secret_or_the_token_at_vvvv(tmp_path, safe_env, emulator, sts):
    endpoint = emulator.info["http_endpoint"]
    keys = {
        "access_key_id": sts["AccessKeyId"],
        "access_key_secret": sts["AccessKeySecret"],
        "security_token": sts["SecurityToken"],
        "endpoint": endpoint,
        "max_retries": 0,
    }
    expire = {
        "name": "Expire every STS token",
        "ansible.builtin.uri": {"url": "http://127.0.0.1:%d/_emulator/sts/expire" % emulator.port, "method": "POST"},
    }
    tasks = (
        _module_task("listed", dict(keys, region=REGION), tmp_path / "listed.json")
        + _module_task("forbidden", dict(keys, region=FAILING_REGION), tmp_path / "forbidden.json")
        + _module_task("bad_argument", dict(keys, region=REGION, page_size=0), tmp_path / "bad_argument.json")
        # the secret and a (wrong) token from the environment, as AWX injects them
        + _module_task(
            "token_from_env",
            {"region": REGION, "endpoint": endpoint, "max_retries": 0, "access_key_id": sts["AccessKeyId"]},
            tmp_path / "token_from_env.json",
        )
        + [expire]
        + _module_task("expired", dict(keys, region=REGION), tmp_path / "expired.json")
    )
    # Not a task's `environment:`: ansible-core itself echoes that in its -vvvv EXEC line.
    env = dict(
        safe_env,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=sts["AccessKeySecret"],
        ALIBABA_CLOUD_SECURITY_TOKEN=sts["SecurityToken"] + "-not-issued",
    )
    run = run_playbook(tmp_path, env, _play(tasks), verbosity=4)
    assert run.returncode == 0, run.output
    results = _results(tmp_path, ["listed", "forbidden", "bad_argument", "token_from_env", "expired"])
    # each case did what it should, so the output below really holds its messages
    assert len(results["listed"]["jobs"]) == len(emulator_jobs(emulator, REGION))
    assert results["forbidden"]["error"]["code"] == "Forbidden.RAM"
    assert "page_size" in results["bad_argument"]["msg"]
    assert results["token_from_env"]["error"]["code"].startswith("InvalidSecurityToken")
    assert results["expired"]["error"]["code"] == "InvalidSecurityToken.Expired"
    # the output searched below holds the failures' messages
    assert "Forbidden.RAM" in run.output and "InvalidSecurityToken.Expired" in run.output
    secrets = (sts["AccessKeySecret"], sts["SecurityToken"])
    assert _leaks(run.output, *secrets) == []
    assert _leaks(json.dumps(results), *secrets) == []


# ---- secrets in inventory output, warnings and cache ------------------------------------------


def test_inventory_never_shows_the_secret_or_the_token(tmp_path, safe_env, emulator, sts):
    cache = tmp_path / "cache"
    # Credentials as AWX injects them: environment variables, nothing secret in the file.
    env = dict(
        safe_env,
        ALIBABA_CLOUD_ACCESS_KEY_ID=sts["AccessKeyId"],
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=sts["AccessKeySecret"],
        ALIBABA_CLOUD_SECURITY_TOKEN=sts["SecurityToken"],
    )
    config = {
        "plugin": "alicloud.sae.sae_job",
        "regions": [REGION, "cn-hangzhou"],
        "endpoint": emulator.info["http_endpoint"],
        "max_retries": 0,
        "cache": True,
        "cache_plugin": "ansible.builtin.jsonfile",
        "cache_connection": str(cache),
    }
    listed = run_inventory(tmp_path, env, [write_config(tmp_path, config)], verbosity=4)
    assert listed.returncode == 0, listed.output
    assert len(listed.hostvars) == len(emulator_jobs(emulator, REGION)) + len(emulator_jobs(emulator, "cn-hangzhou"))
    # a warning (a skipped region) ...
    skipping = dict(config, regions=[REGION, FAILING_REGION], skip_failed_regions=True, cache=False)
    warned = run_inventory(tmp_path, env, [write_config(tmp_path, skipping, "skipping")], verbosity=4)
    assert warned.returncode == 0, warned.output
    assert warned.says("skipping region %s" % FAILING_REGION)
    # ... and a failure that names the credential source
    bad_token = dict(env, ALIBABA_CLOUD_SECURITY_TOKEN=sts["SecurityToken"] + "-not-issued")
    failed = run_inventory(tmp_path, bad_token, [write_config(tmp_path, dict(config, cache=False), "bad")], 4)
    assert failed.returncode != 0
    assert failed.says("InvalidSecurityToken") and failed.says("credentials tried")
    secrets = (sts["AccessKeySecret"], sts["SecurityToken"])
    for run in (listed, warned, failed):
        assert _leaks(run.output, *secrets) == []
        assert _leaks(json.dumps(run.inventory), *secrets) == []
    files = [path for path in cache.rglob("*") if path.is_file()]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert _leaks(text, *secrets) == [], path


# ---- exception messages of the client ----------------------------------------------------------


def _client_failures(emulator, sts: dict) -> dict:
    """Run the shared client in-process into every kind of failure; the exception each one raised."""
    from ansible_collections.alicloud.sae.plugins.module_utils.client import JobQuery, SaeClient
    from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeError

    keys = {
        "access_key_id": sts["AccessKeyId"],
        "access_key_secret": sts["AccessKeySecret"],
        "security_token": sts["SecurityToken"],
        "max_retries": 0,
        "timeout": 5,
    }
    http, https = emulator.info["http_endpoint"], emulator.info["https_endpoint"]
    cases = {
        "api error": (dict(keys, endpoint=http), FAILING_REGION),
        "wrong token": (dict(keys, endpoint=http, security_token=sts["SecurityToken"] + "x"), REGION),
        "wrong secret": (dict(keys, endpoint=http, access_key_secret=sts["AccessKeySecret"] + "x"), REGION),
        "tls": (dict(keys, endpoint=https), REGION),
        "refused": (dict(keys, endpoint="http://127.0.0.1:1/{region}"), REGION),
        "bad endpoint": (dict(keys, endpoint="http://%s@127.0.0.1/{region}" % sts["AccessKeySecret"]), REGION),
        "secret without key id": ({"access_key_secret": sts["AccessKeySecret"], "endpoint": http}, REGION),
    }
    raised = {}
    for name, (params, region) in cases.items():
        try:
            with SaeClient(params, [region]) as client:
                client.list_jobs(JobQuery(region))
        except SaeError as error:
            raised[name] = error
    return raised


def test_client_exceptions_never_hold_the_secret_or_the_token(emulator, sts):
    raised = _client_failures(emulator, sts)
    assert sorted(raised) == sorted(
        [
            "api error",
            "wrong token",
            "wrong secret",
            "tls",
            "refused",
            "bad endpoint",
            "secret without key id",
        ]
    )
    assert raised["wrong secret"].code == "SignatureDoesNotMatch"
    assert raised["tls"].code == "SSLError"
    secrets = (sts["AccessKeySecret"], sts["SecurityToken"])
    for name, error in raised.items():
        everything = "\n".join(
            [
                str(error),
                repr(error),
                json.dumps(getattr(error, "to_dict", dict)(), default=str),
                json.dumps(vars(error), default=str),
                "".join(traceback.format_exception(type(error), error, error.__traceback__)),
            ]
        )
        assert _leaks(everything, *secrets) == [], name


# ---- TLS ------------------------------------------------------------------------------------------


def test_module_tls_refuses_a_self_signed_certificate_unless_told_otherwise(tmp_path, safe_env, emulator):
    https = emulator.info["https_endpoint"]
    args = {"region": REGION, "endpoint": https, "max_retries": 0}
    tasks = (
        _module_task("default", args, tmp_path / "default.json")
        + _module_task("no_validation", dict(args, validate_certs=False), tmp_path / "no_validation.json")
        + _module_task(
            "ca_bundle", args, tmp_path / "ca_bundle.json", environment={"REQUESTS_CA_BUNDLE": emulator.info["ca_file"]}
        )
    )
    run = run_playbook(tmp_path, credential_env(safe_env, emulator, REGION), _play(tasks))
    assert run.returncode == 0, run.output
    results = _results(tmp_path, ["default", "no_validation", "ca_bundle"])
    assert results["default"]["failed"] is True
    assert results["default"]["error"]["code"] == "SSLError"
    assert "certificate verify failed" in results["default"]["msg"].lower()
    assert "Traceback" not in run.output
    expected = [job["AppId"] for job in emulator_jobs(emulator, REGION)]
    for name in ("no_validation", "ca_bundle"):
        assert results[name].get("failed") is not True, results[name]
        assert [job["app_id"] for job in results[name]["jobs"]] == expected


def test_inventory_tls_refuses_a_self_signed_certificate_unless_told_otherwise(tmp_path, safe_env, emulator):
    https = emulator.info["https_endpoint"]
    strict = write_config(tmp_path, inventory_config(emulator, [REGION], endpoint=https, max_retries=0), "strict")
    relaxed_config = inventory_config(emulator, ["cn-hangzhou"], endpoint=https, validate_certs=False)
    relaxed = write_config(tmp_path, relaxed_config, "relaxed")
    run = run_inventory(tmp_path, safe_env, [strict, relaxed], fail_on_unparsed=False)
    assert run.returncode == 0, run.output
    assert run.says("SSLError") and run.says("certificate verify failed", ignore_case=True)
    assert sorted(v["sae_app_id"] for v in run.hostvars.values()) == sorted(
        job["AppId"] for job in emulator_jobs(emulator, "cn-hangzhou")
    )
    trusted = run_inventory(tmp_path, dict(safe_env, REQUESTS_CA_BUNDLE=emulator.info["ca_file"]), [strict])
    assert trusted.returncode == 0, trusted.output
    assert sorted(v["sae_app_id"] for v in trusted.hostvars.values()) == sorted(
        job["AppId"] for job in emulator_jobs(emulator, REGION)
    )


# ---- the endpoint cannot send the signature elsewhere --------------------------------------------


def test_module_endpoints_and_regions_that_would_send_the_request_elsewhere_are_refused(tmp_path, safe_env, emulator):
    port = emulator.port
    cases = [
        # (endpoint, region, what the message names)
        ("http://evil@127.0.0.1:%d/{region}" % port, REGION, "user information"),
        ("http://127.0.0.1:%d@sae-test.invalid/{region}" % port, REGION, "user information"),
        ("http://sae.{region}.127.0.0.1.nip.invalid:%d/" % port, "x.evil.invalid#", "not a region id"),
        ("http://127.0.0.1:%d/{region}" % port, "sae-test.invalid/", "not a region id"),
        ("http://127.0.0.1:%d/{region}" % port, "cn-beijing@evil", "not a region id"),
        ("http://127.0.0.1:%d/{region}?host=evil.invalid" % port, REGION, "query string"),
        ("http://127.0.0.1:%d/{region}#evil" % port, REGION, "fragment"),
    ]
    before = emulator_stats(emulator)["requests"]
    tasks = []
    for number, (endpoint, region, _needle) in enumerate(cases):
        args = {"region": region, "endpoint": endpoint}
        tasks += _module_task("case%d" % number, args, tmp_path / ("case%d.json" % number))
    run = run_playbook(tmp_path, credential_env(safe_env, emulator, REGION), _play(tasks))
    assert run.returncode == 0, run.output
    results = _results(tmp_path, ["case%d" % number for number in range(len(cases))])
    for number, (endpoint, region, needle) in enumerate(cases):
        result = results["case%d" % number]
        assert result["failed"] is True, (endpoint, region, result)
        assert needle in result["msg"], (endpoint, region, result["msg"])
    assert emulator_stats(emulator)["requests"] == before  # nothing was sent, anywhere


def test_inventory_endpoint_and_region_checks_fail_before_any_request(tmp_path, safe_env, emulator):
    before = emulator_stats(emulator)["requests"]
    smuggling = write_config(
        tmp_path, inventory_config(emulator, [REGION], endpoint="http://evil@127.0.0.1:%d/{region}" % emulator.port)
    )
    bad_region = write_config(tmp_path, inventory_config(emulator, [REGION, "x.evil.invalid#"]), "region")
    for source, needle in ((smuggling, "user information"), (bad_region, "not a region id")):
        run = run_inventory(tmp_path, safe_env, [source])
        assert run.returncode != 0
        assert run.says(needle), run.output[-3000:]
    assert emulator_stats(emulator)["requests"] == before


class _Redirector(http.server.BaseHTTPRequestHandler):
    """Answers every request with a redirect to another server (the emulator), and counts them."""

    target = ""
    seen: list = []

    def do_GET(self):
        type(self).seen.append(self.headers.get("Host"))
        self.send_response(307)
        self.send_header("Location", self.target + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):  # quiet
        pass


def test_a_redirect_never_takes_the_signed_request_to_another_host(tmp_path, safe_env, emulator):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    _Redirector.target, _Redirector.seen = "http://127.0.0.1:%d" % emulator.port, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        before = emulator_stats(emulator)["requests"]
        redirecting = "http://127.0.0.1:%d/{region}" % server.server_address[1]
        tasks = _module_task(
            "redirected", {"region": REGION, "endpoint": redirecting, "max_retries": 0}, tmp_path / "r.json"
        )
        # The signed host is the host connected to: "localhost:PORT" works as well as "127.0.0.1:PORT" ...
        localhost = "http://localhost:%d/{region}" % emulator.port
        tasks += _module_task("localhost", {"region": REGION, "endpoint": localhost}, tmp_path / "localhost.json")
        run = run_playbook(tmp_path, credential_env(safe_env, emulator, REGION), _play(tasks))
    finally:
        server.shutdown()
        server.server_close()
    assert run.returncode == 0, run.output
    redirected = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert redirected["failed"] is True
    assert redirected["error"]["status"] == 307 and "HTTP 307" in redirected["msg"]
    # Page 1 asked the redirector once (max_retries 0) ...
    assert _Redirector.seen == ["127.0.0.1:%d" % server.server_address[1]]
    # ... and the redirect was not followed: the only request the emulator saw is the localhost listing's
    # (one page of jobs).
    assert emulator_stats(emulator)["requests"] == before + 1
    listed = json.loads((tmp_path / "localhost.json").read_text(encoding="utf-8"))
    assert len(listed["jobs"]) == len(emulator_jobs(emulator, REGION))


def test_the_signed_host_must_be_the_host_connected_to(emulator):
    """The emulator refuses a signature made for another host: the other checks above rely on it."""
    import time
    import uuid

    import requests

    from ansible_collections.alicloud.sae.plugins.module_utils import signing
    from ansible_collections.alicloud.sae.plugins.module_utils.credentials import Credentials
    from ansible_collections.alicloud.sae.plugins.module_utils.transport import API_PATH

    params = {"Workload": "job"}
    path = "/%s%s" % (REGION, API_PATH)
    headers = signing.signed_headers(
        Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET),
        "sae.cn-beijing.aliyuncs.com",
        "GET",
        path,
        params,
        "ListJobs",
        "2019-05-06",
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        uuid.uuid4().hex,
        "proof-suite",
    )
    answer = requests.get("http://127.0.0.1:%d%s?Workload=job" % (emulator.port, path), headers=headers, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["Code"] == "SignatureDoesNotMatch"
