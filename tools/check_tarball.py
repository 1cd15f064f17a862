"""Check the file list of a built collection artifact.

Usage: python tools/check_tarball.py alicloud-sae-X.Y.Z.tar.gz

Fails (exit 1) when the tarball holds development-only or generated files, or lacks a
file users need. Prints the file list either way.
"""

from __future__ import annotations

import fnmatch
import sys
import tarfile

# Nothing matching these may be in the artifact (matched against every path and each of
# its leading directories). .ansible-lint stays in: Galaxy's importer runs ansible-lint on
# the artifact, and needs the collection's configuration (mock_modules, kinds).
FORBIDDEN = [
    ".venv",
    ".tmp",
    ".git",
    ".ci",
    ".ansible",
    ".hypothesis",
    ".pytest_cache",
    ".ruff_cache",
    "__pycache__",
    "*.pyc",
    "*.tar.gz",
    "benchmarks",
    "emulator",
    "scratch",
    "tests",
    "tools",
    "docs/build",
    "changelogs/.plugin-cache.yaml",
    "changelogs/fragments",
    "Makefile",
    "pyproject.toml",
    "tox.ini",
    "noxfile.py",
    ".yamllint",
    ".gitignore",
]

REQUIRED = [
    "MANIFEST.json",
    "FILES.json",
    "README.md",
    "meta/runtime.yml",
    "plugins/modules/sae_job_info.py",
    "plugins/inventory/sae_job.py",
    "changelogs/changelog.yaml",
    "CHANGELOG.rst",
]


def main(path: str) -> int:
    with tarfile.open(path) as tar:
        names = sorted(member.name.removeprefix("./") for member in tar.getmembers())
    errors = []
    for name in names:
        parts = name.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        for pattern in FORBIDDEN:
            if any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes):
                errors.append(f"{name}: development-only or generated file (matches {pattern!r})")
                break
    for name in REQUIRED:
        if name not in names:
            errors.append(f"{name}: missing from the artifact")
    print(f"{path}: {len(names)} entries")
    for name in names:
        print(f"  {name}")
    for error in errors:
        print(f"ERROR: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
