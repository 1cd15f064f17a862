"""``python -m sae_emulator`` as integration tests run it: a separate process, read through its first line."""

from __future__ import annotations

import email.utils
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import sae_netguard
from emu_helpers import call, error_code, job_params

import sae_emulator.process
from sae_emulator.process import EmulatorProcess

EMULATOR_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = EMULATOR_DIR.parent


def child_env(pythonpath: tuple = ()) -> dict:
    env = dict(os.environ)  # conftest already made it safe: scratch HOME, no credentials, no proxies
    env["PYTHONPATH"] = os.pathsep.join(str(path) for path in (EMULATOR_DIR, *pythonpath))
    return sae_netguard.child_environment(env)


def run_python(args: list, cwd: Path, timeout: float, pythonpath: tuple = ()) -> subprocess.CompletedProcess:
    """``python ARGS`` in ``cwd`` with the emulator (and ``pythonpath``) importable; its exit code and output."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=str(cwd),
        env=child_env(pythonpath),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_emulator(*args: str, cwd: Path) -> EmulatorProcess:
    """``python -m sae_emulator ARGS`` in ``cwd``, started (its first line read)."""
    return EmulatorProcess(list(args), child_env(), cwd=cwd)


def test_cli_generated_data_port_file_and_sigterm(tmp_path):
    port_file = tmp_path / "emulator.json"
    args = ["--dataset", "generated", "--jobs", "60", "--regions", "cn-beijing,cn-hangzhou", "--namespaces", "2"]
    args += ["--seed", "3", "--default-region", "cn-beijing", "--port-file", str(port_file)]
    running = start_emulator(*args, cwd=tmp_path)
    try:
        info = running.info
        assert json.loads(port_file.read_text()) == info
        assert info["endpoint"] == "http://127.0.0.1:%d/{region}" % info["port"]
        assert info["access_key_id"] == "LTAI5tSAEEmulatorDemo" and info["ca_file"] is None
        assert info["regions"] == ["cn-beijing", "cn-hangzhou"] and info["jobs"] == 60
        server = SimpleNamespace(port=running.port)
        assert call(server).json()["TotalSize"] == 30
        assert call(server, region="cn-hangzhou").json()["TotalSize"] == 30
        stats = requests.get(info["control_url"] + "/stats", timeout=5).json()
        assert stats["by_region"] == {"cn-beijing": 1, "cn-hangzhou": 1}
        started = time.perf_counter()
    finally:
        code = running.stop()
    assert code == 0 and time.perf_counter() - started < 5


def test_cli_same_seed_same_data(tmp_path):
    args = ["--dataset", "generated", "--jobs", "20", "--regions", "cn-beijing", "--seed", "9"]
    with start_emulator(*args, cwd=tmp_path) as one, start_emulator(*args, cwd=tmp_path) as two:
        first = requests.get(one.info["control_url"] + "/jobs?region=cn-beijing", timeout=5).json()
        second = requests.get(two.info["control_url"] + "/jobs?region=cn-beijing", timeout=5).json()
        assert first == second and len(first["jobs"]) == 20


def test_cli_tls_and_fault_flags(tmp_path):
    args = ["--tls", "--cert-dir", str(tmp_path), "--throttle-rate", "1", "--retry-after", "3"]
    args += ["--region-failure", "cn-beijing=403", "--fault-regions", "cn-hangzhou"]
    with start_emulator(*args, cwd=tmp_path) as running:
        info = running.info
        assert info["ca_file"] == str(tmp_path / "ca.pem") and os.path.exists(info["ca_file"])
        assert info["endpoint"].startswith("https://") and info["sts_endpoint"] == "127.0.0.1:%d" % running.port
        server = SimpleNamespace(port=running.port)
        response = call(server, scheme="https", verify=info["ca_file"])
        assert response.status_code == 400 and response.headers["x-acs-retry-after"] == "3000"
        response = call(server, region="cn-beijing")
        assert response.status_code == 403 and error_code(response) == "Forbidden.RAM"
        assert call(server, region="cn-shanghai").status_code == 200
        # Faults change at run time through the control interface.
        requests.post(info["control_url"] + "/faults", json={}, timeout=5)
        assert call(server).status_code == 200


def test_cli_faults_json_and_file_and_sigint(tmp_path):
    faults_file = tmp_path / "faults.json"
    faults_file.write_text(json.dumps({"malformed": "no_data"}))
    with start_emulator("--faults", "@" + str(faults_file), "--error-rate", "0", cwd=tmp_path) as running:
        document = call(SimpleNamespace(port=running.port)).json()
        assert "Data" not in document
        assert running.stop(signal.SIGINT) == 0
    with start_emulator("--faults", '{"error_rate": 1.0}', "--mutate-after", "0", cwd=tmp_path) as running:
        faults = requests.get(running.info["control_url"] + "/faults", timeout=5).json()
        assert faults["error_rate"] == 1.0 and faults["mutate_after"] == 0
        assert call(SimpleNamespace(port=running.port), job_params()).status_code == 503


def test_cli_sparse_flag(tmp_path):
    with start_emulator("--sparse", "--latency-ms", "1", cwd=tmp_path) as running:
        faults = requests.get(running.info["control_url"] + "/faults", timeout=5).json()
        assert faults["sparse"] is True and faults["latency_ms"] == 1
        document = call(SimpleNamespace(port=running.port), job_params(NamespaceId="cn-hangzhou:none")).json()
        assert document["Data"] == {"CurrentPage": 1, "TotalSize": 0, "PageSize": 10}  # no empty Applications


def test_cli_quota_flag(tmp_path):
    with start_emulator("--quota-rps", "2", cwd=tmp_path) as running:
        faults = requests.get(running.info["control_url"] + "/faults", timeout=5).json()
        assert faults["quota_rps"] == 2.0
        server = SimpleNamespace(port=running.port)
        # a bucket of 2 tokens, refilled at 2 a second: never more served than that allows
        started = time.monotonic()
        statuses = [call(server).status_code for _unused in range(8)]
        elapsed = time.monotonic() - started
        assert statuses[:2] == [200, 200] and set(statuses) == {200, 400}, statuses
        assert statuses.count(200) <= 2 + 2 * elapsed + 1, (statuses, elapsed)
        stats = requests.get(running.info["control_url"] + "/stats", timeout=5).json()
        assert stats["throttled"] == statuses.count(400)


@pytest.mark.parametrize(
    "args",
    [
        ["--quota-rps", "0"],
        ["--malformed", "xml"],
        ["--faults", '{"bogus": 1}'],
        ["--throttle-rate", "2"],
        ["--access-key", "no-equals"],
    ],
)
def test_cli_rejects_bad_arguments(tmp_path, args):
    done = run_python(["-m", "sae_emulator", *args], tmp_path, timeout=30)
    assert done.returncode == 2 and done.stdout == "" and "error" in done.stderr


def test_cli_extra_access_keys_file(tmp_path):
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"LTAI5tFromFile": "file-secret"}))
    args = ["--access-keys-file", str(keys), "--access-key", "LTAI5tFromFlag=flag-secret"]
    with start_emulator(*args, cwd=tmp_path) as r:
        from emu_helpers import Creds

        server = SimpleNamespace(port=r.port)
        assert call(server, creds=Creds("LTAI5tFromFile", "file-secret")).status_code == 200
        assert call(server, creds=Creds("LTAI5tFromFlag", "flag-secret")).status_code == 200
        assert "file-secret" not in json.dumps(r.info) and "flag-secret" not in json.dumps(r.info)


def test_the_emulator_imports_nothing_of_the_collection(tmp_path):
    # The emulator must not verify a request with the client's own code: not one module of the collection.
    code = (
        "import pkgutil, sys, importlib, sae_emulator; "
        "[importlib.import_module('sae_emulator.' + m.name) for m in pkgutil.iter_modules(sae_emulator.__path__)]; "
        "print(sorted(name for name in sys.modules if name.startswith('ansible_collections')))"
    )
    done = run_python(["-c", code], tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_tests_signer_lays_out_the_collection_by_itself(tmp_path):
    code = "import os, collection_signing as c; print(os.path.realpath(c.signing.__file__))"
    done = run_python(["-c", code], tmp_path, timeout=60, pythonpath=(Path(__file__).parent,))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(REPO_ROOT / "plugins" / "module_utils" / "signing.py")
    link = REPO_ROOT / ".tmp" / "collections" / "ansible_collections" / "alicloud" / "sae"
    assert link.resolve() == REPO_ROOT


@pytest.mark.parametrize("verifier", ["independent", "vendor-sdk"])
def test_cli_signature_verifier_is_in_the_startup_json(tmp_path, verifier):
    with start_emulator("--signature-verifier", verifier, cwd=tmp_path) as running:
        assert running.info["signature_verifier"] == verifier
        assert call(SimpleNamespace(port=running.port), job_params(AppName="a*b 生产")).status_code == 200


def _started_processes(monkeypatch) -> list:
    """The processes ``EmulatorProcess`` starts from now on, as they are started."""
    started, real_popen = [], subprocess.Popen

    def popen(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(sae_emulator.process.subprocess, "Popen", popen)
    return started


@pytest.mark.parametrize(
    "script, message",
    [
        ("exec sleep 60", r"printed no line within 0\.5 s"),
        ("printf '{'; exec sleep 60", r"printed no line within 0\.5 s"),  # a line begun and never ended
        ("echo notjson; exec sleep 60", r"printed 'notjson', not its startup JSON"),
        ("echo '{\"port\": 1}'; exec sleep 60", r"not its startup JSON"),  # no endpoint
        ("echo gone >&2; exit 3", r"did not start: gone"),
    ],
)
def test_an_emulator_that_does_not_start_is_killed_and_reaped(tmp_path, monkeypatch, script, message):
    fake_python = tmp_path / "fake-python"
    fake_python.write_text("#!/bin/sh\n%s\n" % script)
    fake_python.chmod(0o755)
    started_processes = _started_processes(monkeypatch)
    began = time.perf_counter()
    with pytest.raises(RuntimeError, match=message):
        EmulatorProcess([], child_env(), cwd=tmp_path, python=str(fake_python), startup_timeout=0.5)
    assert time.perf_counter() - began < 10
    (process,) = started_processes
    assert process.returncode is not None  # killed (or ended) and reaped, not left running
    assert process.stdout.closed and process.stderr.closed


def test_stop_gives_the_exit_code_closes_the_pipes_and_can_be_called_again(tmp_path):
    emulator = start_emulator(cwd=tmp_path)
    assert emulator.stop(signal.SIGINT) == 0
    assert emulator.process.stdout.closed and emulator.process.stderr.closed
    assert emulator.stop() == 0


def test_stderr_is_read_as_it_comes_and_its_end_kept(tmp_path):
    """With --verbose every request is a line on stderr: a pipe nobody reads fills and blocks the emulator, so the
    requests after that would time out."""
    emulator = start_emulator("--verbose", cwd=tmp_path)
    session = requests.Session()
    try:
        pipe_bytes = fcntl.fcntl(emulator.process.stderr.fileno(), fcntl.F_GETPIPE_SZ)  # 64 KiB on most kernels
        line = "sae-emulator: GET /_emulator/health\n"
        for number in range(pipe_bytes // len(line) + 1000):
            answer = session.get("%s/_emulator/health?n=%d" % (emulator.base_url, number), timeout=10)
            assert answer.status_code == 200
        deadline = time.monotonic() + 10
        while len(emulator.stderr_tail()) < 64 * 1024 and time.monotonic() < deadline:
            time.sleep(0.05)  # the reader may not have caught up yet
        tail = emulator.stderr_tail()
    finally:
        session.close()
        emulator.stop()
    assert len(tail.encode()) == 64 * 1024  # the end only: the first lines are gone
    assert tail.endswith(line) and line in tail[:100]  # whole lines from the cut on
    assert "?n=" not in tail  # as before: the query is never logged


def test_cli_fixed_port_and_a_taken_one(tmp_path):
    import socket

    with socket.socket() as probe:  # a port that is free now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = start_emulator("--dataset", "demo", "--port", str(port), cwd=tmp_path)
    try:
        assert running.info["port"] == port
        assert running.info["endpoint"] == "http://127.0.0.1:%d/{region}" % port
        taken = run_python(["-m", "sae_emulator", "--dataset", "demo", "--port", str(port)], tmp_path, timeout=30)
    finally:
        assert running.stop() == 0
    assert taken.returncode == 1 and taken.stdout == ""
    assert "sae_emulator: cannot listen on 127.0.0.1:%d" % port in taken.stderr
    assert "Traceback" not in taken.stderr


def test_cli_gateway_behaviour_flags(tmp_path):
    args = ["--throttle-rate", "1", "--max-faults", "1", "--retry-after", "2", "--throttle-form", "ratelimit"]
    args += ["--report-total-size", "2000000000", "--serve-page-size", "4", "--clock-offset", "-1023"]
    with start_emulator(*args, cwd=tmp_path) as running:
        server = SimpleNamespace(port=running.port)
        ahead = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1023))
        throttled = call(server, date=ahead)  # signed on the emulator's clock: 17 min 3 s behind this machine's
        assert throttled.status_code == 400 and "TimeLeft:2000" in throttled.headers["x-ratelimit-user-api"]
        answer = call(server, job_params(PageSize=200), date=ahead)
        assert answer.status_code == 200
        document = answer.json()
        assert (document["Data"]["TotalSize"], document["Data"]["PageSize"]) == (2_000_000_000, 4)
        served_at = email.utils.parsedate_to_datetime(answer.headers["Date"]).timestamp()
        assert 1023 - 5 <= time.time() - served_at <= 1023 + 5
        expired = call(server)  # this machine's time: 17 min ahead of the emulator's, past its 15 min
        assert expired.status_code == 400 and error_code(expired) == "InvalidTimeStamp.Expired"
