"""Test environment for the emulator's tests: set before anything imports alibabacloud_credentials.

No test may reach the metadata service or any real Alibaba Cloud host: the ECS metadata lookup is
disabled, HOME is a scratch directory (no ~/.aliyun or ~/.alibabacloud), credential variables and
proxies are cleared, and every endpoint the tests use is on 127.0.0.1.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile

for _name in list(os.environ):
    if _name.startswith("ALIBABA_CLOUD_") or _name.upper() in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "DEBUG"):
        del os.environ[_name]
os.environ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
os.environ["HOME"] = tempfile.mkdtemp(prefix="sae-emulator-test-home-")
os.environ.pop("SSL_CERT_FILE", None)
os.environ.pop("REQUESTS_CA_BUNDLE", None)

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR_DIR = os.path.dirname(HERE)
for _path in (EMULATOR_DIR, HERE, os.path.join(os.path.dirname(EMULATOR_DIR), "tests", "netguard")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import pytest  # noqa: E402

# The network guard every test process shares (tests/netguard): this one and every child it starts.
from netguard_pytest import netguard_each_test, pytest_sessionfinish  # noqa: E402, F401  # pylint: disable=unused-import

from sae_emulator import EmulatorServer, data, generate  # noqa: E402


@pytest.fixture
def demo_server():
    with EmulatorServer(dataset="demo") as server:
        yield server


@pytest.fixture(scope="module")
def generated_dataset():
    return generate(jobs=600, regions=["cn-hangzhou", "cn-beijing"], namespaces_per_region=3, seed=11)


@pytest.fixture
def generated_server(generated_dataset):
    with EmulatorServer(dataset=generated_dataset, default_region="cn-hangzhou") as server:
        yield server


@pytest.fixture(scope="module")
def sparse_dataset():
    """cn-hangzhou: a tagged job (one tag with an empty value), an untagged one without an image, one with
    neither a description nor a trigger; every member a sparse answer leaves out is there to leave out."""
    rng = random.Random(5)
    rows = (
        ("prod", [{"Key": "env", "Value": "prod"}, {"Key": "note", "Value": ""}], data.time_trigger("0 1 * * ?"), {}),
        ("prod", [], data.http_trigger(), {"ImageUrl": ""}),
        ("dev", [], "", {"AppDescription": "", "ImageUrl": "", "Message": ""}),
    )
    jobs = []
    for number, (namespace, tags, trigger, overrides) in enumerate(rows):
        job = data.make_job(
            rng,
            region="cn-hangzhou",
            namespace="cn-hangzhou:" + namespace,
            name="job-%d" % number,
            app_id=data.seeded_uuid(rng),
            tags=tags,
            trigger=trigger,
            suspend=False,
        )
        jobs.append(dict(job, **overrides))
    return data.Dataset("sparse", {"cn-hangzhou": jobs})
