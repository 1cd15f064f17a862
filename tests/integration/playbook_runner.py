# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run ``alicloud.sae.sae_job_info`` through a real ``ansible-playbook`` and read back its result."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ANSIBLE_PLAYBOOK = str(Path(sys.executable).with_name("ansible-playbook"))
# sae_test_save: writes a registered result on the controller, without copy's two module runs per case
ACTION_PLUGINS = str(Path(__file__).resolve().with_name("action_plugins"))


def run_timed(command: list, env: dict, cwd: Path, timeout: int) -> tuple:
    """Run ``command`` in ``cwd``: its return code, its stdout and stderr together, and the seconds it took."""
    started = time.monotonic()
    completed = subprocess.run(
        command, env=env, cwd=str(cwd), capture_output=True, text=True, timeout=timeout, check=False
    )
    return completed.returncode, completed.stdout + completed.stderr, time.monotonic() - started


@dataclass
class PlaybookRun:
    returncode: int
    output: str  # stdout and stderr together
    result: dict | None  # the registered task result
    seconds: float


def _call_and_save(task_name: str, module_args: dict, register: str, path: Path, loop: list | None) -> list:
    """A task calling the module (``ignore_errors``), and one writing its registered result to ``path``."""
    task = {"name": task_name, "alicloud.sae.sae_job_info": module_args, "register": register, "ignore_errors": True}
    if loop is not None:
        task["loop"] = loop
    save = {
        "name": "Save the result of %s" % register,
        "sae_test_save": {"content": "{{ %s | to_json }}" % register, "dest": str(path)},
        "check_mode": False,
    }
    return [task, save]


def _run_tasks(
    tmp_path: Path, env: dict, tasks: list, verbosity: int, check_mode: bool, timeout: int
) -> tuple[int, str, float]:
    """``tasks`` as one play on localhost in one ``ansible-playbook``: its exit status, output and seconds."""
    playbook = [{"name": "Run sae_job_info", "hosts": "localhost", "gather_facts": False, "tasks": tasks}]
    playbook_file = tmp_path / "playbook.yml"
    playbook_file.write_text(json.dumps(playbook), encoding="utf-8")  # JSON is YAML
    command = [ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", str(playbook_file)]
    if verbosity:
        command.append("-" + "v" * verbosity)
    if check_mode:
        command.append("--check")
    return run_timed(command, dict(env, ANSIBLE_ACTION_PLUGINS=ACTION_PLUGINS), tmp_path, timeout)


def _read_result(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def run_module(
    tmp_path: Path,
    env: dict,
    module_args: dict,
    verbosity: int = 0,
    check_mode: bool = False,
    timeout: int = 300,
    loop: list | None = None,
) -> PlaybookRun:
    """One task with ``module_args`` on localhost; its registered result is written to a file and returned.

    With ``loop``, the task runs once per item (``{{ item }}`` in ``module_args``) and the result has ``results``.
    """
    result_file = tmp_path / "result.json"
    tasks = _call_and_save("Call the module", module_args, "sae_result", result_file, loop)
    returncode, output, seconds = _run_tasks(tmp_path, env, tasks, verbosity, check_mode, timeout)
    return PlaybookRun(returncode, output, _read_result(result_file), seconds)


@dataclass
class CasesRun:
    returncode: int
    output: str  # stdout and stderr together, of every case
    results: dict  # case name -> its registered task result (None when the task did not run)
    seconds: float


def run_module_cases(
    tmp_path: Path,
    env: dict,
    cases: dict,
    verbosity: int = 0,
    check_mode: bool = False,
    timeout: int = 300,
    loops: dict | None = None,
) -> CasesRun:
    """One ``ansible-playbook`` for several independent calls of the module: one task per case (``ignore_errors``)
    with ``cases[name]`` as its arguments, each result written to its own file and returned by case name.

    ``loops[name]``: that case's task runs once per item (``{{ item }}`` in its arguments), as ``run_module``'s loop.
    Where several tests check calls with the same environment, verbosity and check mode, this starts Ansible once
    for all of them (a module- or session-scoped fixture runs it, each test asserts on its own case).
    """
    tasks = []
    files = {}
    for number, (name, module_args) in enumerate(cases.items()):
        files[name] = tmp_path / ("case-%d.json" % number)
        loop = (loops or {}).get(name)
        tasks += _call_and_save("Case %s" % name, module_args, "case_%d" % number, files[name], loop)
    returncode, output, seconds = _run_tasks(tmp_path, env, tasks, verbosity, check_mode, timeout)
    return CasesRun(returncode, output, {name: _read_result(path) for name, path in files.items()}, seconds)
