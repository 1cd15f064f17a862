# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A pytest plugin that counts the Ansible processes each test starts (a measuring aid, not a gate).

    PYTHONPATH=tools python -m pytest -p pytest_process_count tests/integration
    SAE_PROCESS_COUNT_REPORT=counts.tsv ...   (also write one "nodeid<TAB>command<TAB>count" line each)

An audit hook (PEP 578) sees every ``subprocess`` start and every ``os.exec*`` of this process and of
its forked children (ansible-runner's pexpect child execs ansible-playbook after the fork): each start
of a program whose name begins with ``ansible`` is counted for the test running then. A start during
a module- or session-scoped fixture counts for the test whose setup ran it. Processes those programs
start in turn (modules, ansible-playbook's own workers) are not counted.
"""

from __future__ import annotations

import collections
import os
import shutil
import sys
import tempfile

_COUNTS: collections.Counter = collections.Counter()
_PARENT = os.getpid()
# Forked children (pexpect closes every other descriptor before its exec) report through a file, by name.
_CHILD_LOG = os.path.join(tempfile.mkdtemp(prefix="sae-process-count-"), "children.tsv")


def _program(args: object) -> str | None:
    if isinstance(args, (str, bytes)):
        args = [args]
    try:
        argv = [os.fsdecode(part) for part in args]  # type: ignore[union-attr]
    except TypeError:
        return None
    if not argv:
        return None
    name = os.path.basename(argv[0])
    if name.startswith("python") and len(argv) > 1:  # python -m ansible_builder, python .../ansible-playbook
        name = argv[2] if argv[1] == "-m" and len(argv) > 2 else os.path.basename(argv[1])
    name = name.replace("_", "-")
    return name if name.startswith("ansible") else None


def _test() -> str:
    current = os.environ.get("PYTEST_CURRENT_TEST", "<outside a test>")
    return current.rsplit(" ", 1)[0]


def _hook(event: str, args: tuple) -> None:
    if event not in ("subprocess.Popen", "os.exec", "os.posix_spawn"):
        return
    program = _program(args[1])
    if not program:
        return
    if os.getpid() == _PARENT:
        _COUNTS[(_test(), program)] += 1
        return
    try:
        descriptor = os.open(_CHILD_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, ("%s\t%s\n" % (_test(), program)).encode())
        finally:
            os.close(descriptor)
    except OSError:
        pass


def _drain() -> None:
    try:
        with open(_CHILD_LOG, encoding="utf-8") as stream:
            lines = stream.read().splitlines()
        os.unlink(_CHILD_LOG)
    except FileNotFoundError:
        return
    for line in lines:
        test, program = line.split("\t")
        _COUNTS[(test, program)] += 1


def pytest_configure(config) -> None:
    sys.addaudithook(_hook)


def pytest_runtest_logfinish(nodeid, location) -> None:
    _drain()


def pytest_terminal_summary(terminalreporter) -> None:
    _drain()
    shutil.rmtree(os.path.dirname(_CHILD_LOG), ignore_errors=True)
    per_test: dict = collections.defaultdict(collections.Counter)
    for (test, program), count in _COUNTS.items():
        per_test[test][program] += count
    totals: collections.Counter = collections.Counter()
    for counter in per_test.values():
        totals.update(counter)
    write = terminalreporter.write_line
    terminalreporter.section("Ansible processes started, per test")
    for test in sorted(per_test):
        write(
            "%4d  %s  (%s)"
            % (sum(per_test[test].values()), test, ", ".join("%s %d" % kv for kv in sorted(per_test[test].items())))
        )
    write("total: %d (%s)" % (sum(totals.values()), ", ".join("%s %d" % kv for kv in sorted(totals.items()))))
    report = os.environ.get("SAE_PROCESS_COUNT_REPORT")
    if report:
        with open(report, "w", encoding="utf-8") as stream:
            for (test, program), count in sorted(_COUNTS.items()):
                stream.write("%s\t%s\t%d\n" % (test, program, count))
