# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The execution environment: meta/execution-environment.yml and docs/execution-environment.yml.

No container runtime is needed: ``ansible-builder create`` writes the build context, the test
then runs the context's galaxy step (``ansible-galaxy collection install -r requirements.yml``
in ``_build/``, as the image build does in ``/build``) into a scratch directory, and
``ansible-builder introspect`` over that installed collection shows the Python and system
requirements the image would get.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sae_netguard
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EE_FILE = REPO / "docs" / "execution-environment.yml"


def _env(home: Path) -> dict:
    # As in an image build: no collection but the ones installed here. ansible-galaxy otherwise skips
    # the collection as "already installed" wherever ANSIBLE_COLLECTIONS_PATH or sys.path (PYTHONPATH)
    # of the test run holds it.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ALIBABA_CLOUD_", "ALICLOUD_"))
        and key not in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "PYTHONPATH")
    }
    env.update({"HOME": str(home), "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "ANSIBLE_NOCOLOR": "1"})
    return sae_netguard.child_environment(env)  # PYTHONPATH: only the network guard, never the collection


def _run(command: list, cwd: Path, home: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        [str(part) for part in command],
        cwd=str(cwd),
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert completed.returncode == 0, "%s failed (%d):\n%s\n%s" % (
        command,
        completed.returncode,
        completed.stdout[-4000:],
        completed.stderr[-4000:],
    )
    return completed


def _galaxy() -> dict:
    return yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))


def _tarball_name() -> str:
    galaxy = _galaxy()
    return "%s-%s-%s.tar.gz" % (galaxy["namespace"], galaxy["name"], galaxy["version"])


def _requirement_names(lines: list) -> set:
    """Lower-cased distribution names of pip requirement lines (comments and markers dropped)."""
    names = set()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("awx_builder")


@pytest.fixture(scope="module")
def tarball(work: Path) -> Path:
    """The collection tarball, built as docs/awx.md says (``ansible-galaxy collection build``): under
    ``make matrix-*`` (SAE_TEST_TARBALL), the one the cell built so with its own ansible-galaxy, not built twice."""
    out = work / "dist"
    prebuilt = os.environ.get("SAE_TEST_TARBALL")
    if prebuilt:
        out.mkdir()
        shutil.copy(prebuilt, out / os.path.basename(prebuilt))
    else:
        _run([BIN / "ansible-galaxy", "collection", "build", "--output-path", out, REPO], work, work / "home")
    built = out / _tarball_name()
    assert built.is_file(), sorted(os.listdir(out))
    return built


@pytest.fixture(scope="module")
def context(work: Path, tarball: Path) -> Path:
    """``ansible-builder create`` over a copy of docs/execution-environment.yml, as docs/awx.md lays it out."""
    ee_dir = work / "sae-ee"
    (ee_dir / "collection").mkdir(parents=True)
    shutil.copy(EE_FILE, ee_dir / "execution-environment.yml")
    shutil.copy(tarball, ee_dir / "collection" / tarball.name)
    completed = _run(
        [
            sys.executable,
            "-m",
            "ansible_builder",
            "create",
            "--file",
            "execution-environment.yml",
            "--context",
            "context",
            "--output-filename",
            "Containerfile",
            "-v",
            "3",
        ],
        ee_dir,
        work / "home",
    )
    assert "Complete!" in completed.stdout, completed.stdout
    return ee_dir / "context"


@pytest.fixture(scope="module")
def installed(work: Path, context: Path) -> Path:
    """The galaxy step of the image build, run on the build context: the collection as the EE holds it."""
    target = work / "ee_collections"
    _run(
        [
            BIN / "ansible-galaxy",
            "collection",
            "install",
            "--offline",
            "--force",  # a fresh image has nothing installed; never let the test machine's copy count
            "-r",
            "requirements.yml",
            "--collections-path",
            target,
        ],
        context / "_build",
        work / "home",
    )
    return target


def test_the_collection_declares_its_requirements_for_ansible_builder() -> None:
    meta = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text(encoding="utf-8"))
    assert meta["dependencies"] == {"python": "requirements.txt", "system": "bindep.txt"}
    assert (REPO / "requirements.txt").is_file() and (REPO / "bindep.txt").is_file()


def test_the_example_definition_is_version_3_and_names_the_tarball_galaxy_builds() -> None:
    definition = yaml.safe_load(EE_FILE.read_text(encoding="utf-8"))
    assert definition["version"] == 3
    assert definition["dependencies"]["galaxy"] == {
        "collections": [{"name": "collection/%s" % _tarball_name(), "type": "file"}]
    }
    (build_file,) = definition["additional_build_files"]
    assert build_file["dest"] == "collection"
    assert Path(_tarball_name()).match(Path(build_file["src"]).name)
    for name in ("ansible_core", "ansible_runner", "python_interpreter"):
        assert name in definition["dependencies"], name


def test_builder_create_writes_a_context_that_installs_the_collection(context: Path, tarball: Path) -> None:
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    # The galaxy stage installs from _build/requirements.yml, the builder stage introspects the
    # installed collections and the final stage installs what bindep and pip found.
    assert "ansible-galaxy collection install" in containerfile
    assert "-r requirements.yml" in containerfile
    assert "introspect.py introspect" in containerfile
    assert "/output/scripts/install-from-bindep" in containerfile
    copied = context / "_build" / "collection" / tarball.name
    assert filecmp.cmp(copied, tarball, shallow=False)
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text(encoding="utf-8"))
    assert requirements == {"collections": [{"name": "collection/%s" % tarball.name, "type": "file"}]}


def test_the_galaxy_step_installs_the_collection_with_its_builder_metadata(installed: Path) -> None:
    root = installed / "ansible_collections" / "alicloud" / "sae"
    for relative in (
        "MANIFEST.json",
        "meta/execution-environment.yml",
        "meta/runtime.yml",
        "requirements.txt",
        "bindep.txt",
        "plugins/modules/sae_job_info.py",
        "plugins/inventory/sae_job.py",
    ):
        assert (root / relative).is_file(), relative


def test_introspect_lists_every_python_and_system_requirement(installed: Path, work: Path) -> None:
    pip_file, bindep_file = work / "introspect-requirements.txt", work / "introspect-bindep.txt"
    completed = _run(
        [
            sys.executable,
            "-m",
            "ansible_builder",
            "introspect",
            "--sanitize",
            "--write-pip",
            pip_file,
            "--write-bindep",
            bindep_file,
            installed,
        ],
        work,
        work / "home",
    )
    report = yaml.safe_load(completed.stdout.split("---", 1)[1])
    python_names = _requirement_names(report["python"])
    assert {"requests", "alibabacloud-credentials"} <= python_names
    # Everything the collection's requirements.txt lists reaches the image, nothing is dropped.
    declared = (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert _requirement_names(declared) <= python_names
    assert all("from collection alicloud.sae" in line for line in report["python"])
    assert [line.split("#", 1)[0].strip() for line in report["system"]] == ["ca-certificates"]
    # The files the builder stage hands to pip and bindep.
    assert _requirement_names(pip_file.read_text(encoding="utf-8").splitlines()) == python_names
    assert "ca-certificates" in bindep_file.read_text(encoding="utf-8")
