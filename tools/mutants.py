# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Deliberate bugs, one at a time, in a scratch copy of the collection: which tests catch each one?

    python tools/mutants.py [--full] [--only NAME ...] [--keep] [--list]

For every mutant: a fresh copy of the files git sees (never the working tree) laid out as
``<scratch>/ansible_collections/alicloud/sae``, the mutation applied there, then the suites that should
catch it run with pytest. The table at the end names the failing tests per mutant; a mutant no test
kills is SURVIVED (exit status 1). The suites run once unmutated first: a mutant only counts as killed
by tests that passed before it.

Each mutation finds its place by a small regular expression and stops with a clear error when the code
no longer has that shape (the file was rewritten): fix the anchor then, never loosen it to match anything.
``--full`` runs tests/unit, tests/integration and emulator/tests for every mutant (slow: minutes each).
Run it with the tools venv's Python (it runs ``python -m pytest`` with this interpreter).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_copy import copy_sources

FULL_SUITES = ("tests/unit", "tests/integration", "emulator/tests")


class AnchorNotFound(RuntimeError):
    """The code no longer has the shape a mutation looks for."""


@dataclass(frozen=True)
class Mutant:
    name: str
    what: str
    path: str  # relative to the collection root
    mutate: Callable[[str], str]
    suites: tuple  # pytest paths (files, directories, node ids) that should kill it


def substitute(pattern: str, replacement: str, flags: int = 0) -> Callable[[str], str]:
    """A mutation: the first match of ``pattern`` replaced (``re.sub`` syntax); AnchorNotFound without one."""
    compiled = re.compile(pattern, flags)

    def mutate(text: str) -> str:
        mutated, count = compiled.subn(replacement, text, count=1)
        if count != 1:
            raise AnchorNotFound("no match for /%s/" % pattern)
        return mutated

    return mutate


def then_append(first: Callable[[str], str], code: str) -> Callable[[str], str]:
    return lambda text: first(text) + "\n\n" + code


# Used by the jinja mutant: every string of a job (nested ones too) marked trusted as a template, which is
# what a plugin that lost its unsafe wrapping (2.16-2.18) or trusted API data (2.19+) amounts to.
_TRUST_HELPER = """
def _mutant_trusted(value):  # MUTANT
    try:
        from ansible.template import trust_as_template
    except ImportError:  # ansible-core < 2.19: plain strings are templated
        return value
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {key: _mutant_trusted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mutant_trusted(item) for item in value]
    return value
"""

MUTANTS = (
    Mutant(
        "star-bare",
        "signing.percent_encode leaves * unencoded",
        "plugins/module_utils/signing.py",
        substitute(r'(def percent_encode\b[^\n]*\n(?:[^\n]*\n)*?[^\n]*safe=")~(")', r"\1~*\2"),
        (
            "tests/integration/test_sae_job_info.py",
            "tests/integration/test_inventory_sae_job.py",
            "emulator/tests/test_emu_auth.py",
            "tests/unit/plugins/module_utils/test_signing.py",
        ),
    ),
    Mutant(
        "endpoint-ignored",
        "arguments.resolve_endpoint always uses the default endpoint template",
        "plugins/module_utils/arguments.py",
        substitute(
            # after the signature and the docstring: the first parameter (the template) set to None
            r"(def resolve_endpoint\((?P<first>\w+)[^)]*\)[^:]*:\n(?P<indent>[ \t]+)"
            r'(?:"""(?:.|\n)*?"""\n(?P=indent))?)',
            r"\g<1>\g<first> = None  # MUTANT: the endpoint option ignored\n\g<indent>",
        ),
        (
            "tests/integration/test_sae_job_info.py",
            "tests/integration/test_inventory_sae_job.py",
            "tests/unit/plugins/module_utils/test_arguments.py",
        ),
    ),
    Mutant(
        "tag-dropped",
        "normalise drops a job's first tag",
        "plugins/module_utils/normalise.py",
        substitute(r"(def _tags\b(?:.|\n)*?for (?P<item>\w+) in (?P<source>\w+))(:)", r"\1[1:]:"),
        (
            "tests/integration/test_sae_job_info.py",
            "tests/integration/test_inventory_sae_job.py",
            "tests/unit/plugins/module_utils/test_normalise.py",
        ),
    ),
    Mutant(
        "jinja-evaluated",
        "the inventory plugin hands API values over as trusted templates (no unsafe wrapping)",
        "plugins/inventory/sae_job.py",
        then_append(
            substitute(
                r"(hostvars = \{prefix \+ key \+ suffix: )_hostvar\(value, trusted\)"
                r"( for key, value in job\.items\(\)\})",
                r"\1_mutant_trusted(value)\2",
            ),
            _TRUST_HELPER,
        ),
        (
            "tests/integration/test_untrusted_data.py",
            "tests/integration/test_inventory_sae_job.py",
            "tests/unit/plugins/inventory/test_sae_job.py",
        ),
    ),
    Mutant(
        "secret-logged",
        "access_key_secret loses no_log",
        "plugins/module_utils/arguments.py",
        substitute(r'("access_key_secret":\s*\{[^}]*?)"no_log":\s*True,\s*', r"\1"),
        (
            "tests/integration/test_sae_job_info.py",
            "tests/integration/test_security.py",
            "tests/unit/plugins/modules/test_sae_job_info.py",
        ),
    ),
)


# ---- the scratch copy ----------------------------------------------------------------------------------


def make_copy(scratch: Path) -> Path:
    """The files git sees, copied to ``scratch/ansible_collections/alicloud/sae``; that directory."""
    collection = scratch / "ansible_collections" / "alicloud" / "sae"
    copy_sources(collection)
    return collection


def apply(mutant: Mutant, collection: Path) -> None:
    path = collection / mutant.path
    original = path.read_text(encoding="utf-8")
    try:
        mutated = mutant.mutate(original)
    except AnchorNotFound as error:
        raise AnchorNotFound("mutant %s: %s in %s: update its anchor" % (mutant.name, error, mutant.path)) from None
    if mutated == original:
        raise AnchorNotFound("mutant %s changed nothing in %s" % (mutant.name, mutant.path))
    path.write_text(mutated, encoding="utf-8")


# ---- running the tests -----------------------------------------------------------------------------------


def safe_environment(scratch: Path) -> dict:
    """No real credential, no inherited Ansible setting, a scratch HOME, this Python's tools first on PATH."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ALIBABA_CLOUD_", "ALICLOUD_", "ANSIBLE_", "SAE_TEST_"))
        # bytecode written, as `make` does: without it every Ansible process compiles ansible-core again
        and name not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")
    }
    home = scratch / "home"
    home.mkdir(exist_ok=True)
    env.update(
        {
            "HOME": str(home),
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
            "ANSIBLE_COLLECTIONS_PATH": str(scratch),
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_NOCOLOR": "1",
            "PYTHONPATH": str(scratch),
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
            "PY_COLORS": "0",
        }
    )
    return env


def failing_tests(junit: Path) -> set:
    """Node ids of the tests that failed or errored, from pytest's JUnit XML."""
    if not junit.exists():
        return {"<no report: pytest did not run>"}
    failed = set()
    for case in ElementTree.parse(junit).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed.add("%s::%s" % (case.get("classname", "").replace(".", "/"), case.get("name")))
    return failed


def run_suites(collection: Path, suites: tuple, label: str) -> set:
    """Every suite (its own pytest process, as tools/pytest.sh does); the failing tests of all of them."""
    scratch = collection.parents[2]
    env = safe_environment(scratch)
    failed: set = set()
    for index, suite in enumerate(suites):
        junit = scratch / ("%s-%d.xml" % (label, index))
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml", str(junit), suite]
        started = time.monotonic()
        done = subprocess.run(command, cwd=str(collection), env=env, capture_output=True, text=True, check=False)
        found = failing_tests(junit)
        if done.returncode not in (0, 1) and not found:  # collection error, usage error, guard failure
            found = {"%s: pytest exit %d" % (suite, done.returncode)}
        print("  %-52s exit %d, %d failing, %.0f s" % (suite, done.returncode, len(found), time.monotonic() - started))
        failed |= found
    return failed


# ---- main ------------------------------------------------------------------------------------------------


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--full", action="store_true", help="run %s for every mutant" % ", ".join(FULL_SUITES))
    parser.add_argument("--only", nargs="+", choices=[mutant.name for mutant in MUTANTS], help="these mutants only")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies (their paths are printed)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = parser.parse_args(argv)
    mutants = [mutant for mutant in MUTANTS if not args.only or mutant.name in args.only]
    if args.list:
        for mutant in mutants:
            print("%-18s %s (%s)" % (mutant.name, mutant.what, mutant.path))
        return 0

    def suites_of(mutant: Mutant) -> tuple:
        return FULL_SUITES if args.full else mutant.suites

    work = Path(tempfile.mkdtemp(prefix="sae-mutants-"))
    try:
        # Every anchor is checked before anything runs: a stale one fails at once.
        probe = make_copy(work / "probe")
        for mutant in mutants:
            apply(mutant, probe)
        print("baseline (no mutation):")
        baseline_suites = tuple(dict.fromkeys(suite for mutant in mutants for suite in suites_of(mutant)))
        baseline = run_suites(make_copy(work / "baseline"), baseline_suites, "baseline")
        results = []
        for mutant in mutants:
            print("mutant %s: %s" % (mutant.name, mutant.what))
            collection = make_copy(work / mutant.name)
            apply(mutant, collection)
            results.append((mutant, run_suites(collection, suites_of(mutant), mutant.name) - baseline))
    finally:
        if args.keep:
            print("scratch copies kept in %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return report(baseline, results)


def report(baseline: set, results: list) -> int:
    print()
    if baseline:
        print("failing without any mutation (not counted as kills): %s" % ", ".join(sorted(baseline)))
    print("%-18s %-9s %s" % ("mutant", "verdict", "tests that failed"))
    survived = 0
    for mutant, failed in results:
        if failed:
            print("%-18s %-9s %d: %s" % (mutant.name, "KILLED", len(failed), ", ".join(sorted(failed))))
        else:
            survived += 1
            print("%-18s %-9s no test failed (%s)" % (mutant.name, "SURVIVED", mutant.what))
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
