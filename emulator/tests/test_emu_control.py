from __future__ import annotations

import time

import pytest
import requests
from emu_helpers import call, error_code, job_params

from sae_emulator import EmulatorServer, data


def control(server, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, server.control_url + path, timeout=5, **kwargs)


def test_stats_count_requests_by_region_action_status(demo_server):
    call(demo_server, region="cn-beijing")
    call(demo_server, region="cn-beijing")
    call(demo_server, job_params(PageSize=500))
    requests.get("http://127.0.0.1:%d/?Action=AssumeRole" % demo_server.port, timeout=5)
    stats = control(demo_server, "GET", "/stats").json()
    assert stats["requests"] == 4 == demo_server.request_count
    assert stats["by_region"] == {"cn-beijing": 2, "cn-hangzhou": 1}
    assert stats["by_action"] == {"ListJobs": 3, "AssumeRole": 1}
    assert stats["by_status"] == {"200": 2, "400": 2}
    assert stats["by_code"] == {"InvalidParameter.WithMessage": 1, "MissingParameter": 1}
    assert stats["jobs"] == 10 and stats["in_flight"] == 0
    # Control requests are not counted.
    assert control(demo_server, "GET", "/stats").json()["requests"] == 4


def test_request_log(demo_server):
    call(demo_server, job_params(PageSize=3, CurrentPage=2), region="cn-shanghai")
    entries = control(demo_server, "GET", "/requests?last=1").json()["requests"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["params"] == {"Workload": "job", "PageSize": "3", "CurrentPage": "2"}
    assert entry["region"] == "cn-shanghai" and entry["status"] == 200 and entry["fault"] is None
    assert entry["total"] == len(demo_server.jobs("cn-shanghai"))  # the TotalSize answered
    assert entry["arrived"] <= entry["answered"]


def test_faults_can_be_set_merged_and_read(demo_server):
    response = control(demo_server, "POST", "/faults", json={"error_rate": 1.0, "latency_ms": 5})
    assert response.status_code == 200 and response.json()["error_rate"] == 1.0
    assert call(demo_server).status_code == 503
    merged = control(demo_server, "POST", "/faults?merge=true", json={"error_rate": 0.0}).json()
    assert merged["latency_ms"] == 5 and merged["error_rate"] == 0.0
    assert control(demo_server, "GET", "/faults").json() == merged
    assert call(demo_server).status_code == 200
    replaced = control(demo_server, "POST", "/faults", json={"throttle_rate": 1.0}).json()
    assert replaced["latency_ms"] == 0
    assert error_code(call(demo_server)) == "Throttling.User"


def test_bad_control_requests(demo_server):
    assert control(demo_server, "POST", "/faults", json={"nope": 1}).status_code == 400
    assert control(demo_server, "POST", "/faults", data=b"not json").status_code == 400
    assert control(demo_server, "POST", "/faults", json=[1]).status_code == 400
    assert control(demo_server, "GET", "/nothing-here").status_code == 404
    assert control(demo_server, "POST", "/mutate", json={}).status_code == 400


def test_reset_counters_faults_data_and_nonces(demo_server):
    demo_server.set_faults(error_rate=1.0)
    call(demo_server)
    deleted = demo_server.jobs("cn-beijing")[0]["AppId"]
    control(demo_server, "POST", "/mutate", json={"region": "cn-beijing", "delete": deleted, "create": False})
    assert control(demo_server, "POST", "/reset").json() == {"ok": True}
    assert demo_server.request_count == 0 and demo_server.faults.error_rate == 1.0
    assert len(demo_server.jobs("cn-beijing")) == 2
    control(demo_server, "POST", "/reset", json={"faults": True, "data": True, "nonces": True})
    assert demo_server.faults.error_rate == 0.0
    assert demo_server.jobs("cn-beijing")[0]["AppId"] == deleted
    assert call(demo_server).status_code == 200


def test_jobs_endpoint_gives_raw_data(demo_server):
    region = control(demo_server, "GET", "/jobs?region=cn-beijing").json()
    assert region["region"] == "cn-beijing" and region["jobs"] == demo_server.jobs("cn-beijing")
    assert "Instances" in region["jobs"][0]
    everything = control(demo_server, "GET", "/jobs").json()["regions"]
    assert sorted(everything) == ["cn-beijing", "cn-hangzhou", "cn-shanghai"]
    assert sum(len(jobs) for jobs in everything.values()) == 10


def test_mutate_endpoint(demo_server):
    before = [job["AppId"] for job in demo_server.jobs("cn-shanghai")]
    record = control(demo_server, "POST", "/mutate", json={"region": "cn-shanghai", "seed": 1}).json()
    after = [job["AppId"] for job in demo_server.jobs("cn-shanghai")]
    assert record["deleted"] in before and record["deleted"] not in after
    assert after[-1] == record["created"] and len(after) == len(before)
    assert demo_server.stats()["mutations"] == [record]


def test_info_and_health(demo_server):
    info = control(demo_server, "GET", "/info").json()
    assert info["port"] == demo_server.port and info["endpoint"] == "http://127.0.0.1:%d/{region}" % demo_server.port
    assert info["access_key_id"] == "LTAI5tSAEEmulatorDemo" and info["ca_file"] is None
    assert control(demo_server, "GET", "/health").json() == {"ok": True, "port": demo_server.port}


def test_sts_expire_endpoint(demo_server):
    assert control(demo_server, "POST", "/sts/expire").json() == {"expired": 0}


def test_python_api_add_and_delete_jobs():
    with EmulatorServer(dataset=data.Dataset("empty", {"cn-beijing": []})) as server:
        job = data.demo().regions["cn-beijing"][0]
        server.add_job("cn-beijing", job)
        assert call(server, region="cn-beijing").json()["TotalSize"] == 1
        assert server.delete_job("cn-beijing", job["AppId"]) is True
        assert server.delete_job("cn-beijing", job["AppId"]) is False
        assert call(server, region="cn-beijing").json()["TotalSize"] == 0


def test_server_binds_loopback_only(demo_server):
    assert demo_server._httpd.socket.getsockname()[0] == "127.0.0.1"


@pytest.mark.parametrize("tls", [False, True])
def test_stop_cuts_keep_alive_connections(tls, tmp_path):
    server = EmulatorServer(tls=tls, cert_dir=str(tmp_path)).start()
    scheme, verify = ("https", server.ca_file) if tls else ("http", True)
    with requests.Session() as session:
        assert call(server, scheme=scheme, verify=verify, session=session).status_code == 200
        started = time.perf_counter()
        server.stop()
        assert time.perf_counter() - started < 3
        with pytest.raises(requests.exceptions.ConnectionError):
            call(server, scheme=scheme, verify=verify, session=session)
