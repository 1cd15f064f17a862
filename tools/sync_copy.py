"""Refresh the copy of the collection that ansible-test runs in.

Usage: python tools/sync_copy.py DEST

ansible-test needs the collection at .../ansible_collections/alicloud/sae and works from
the physical working directory, so a symlinked layout is not enough for `--venv` (its
delegation goes back to the physical path) nor for `units` (pytest resolves real paths).
DEST gets a plain copy of the files git sees (tracked, plus untracked files that are not
ignored); DEST/tests/output (ansible-test's results and delegation venv) is kept between
runs, everything else is replaced. DEST is made a git repository of its own (nothing is
committed there): ansible-test lists a collection's files through git when it finds a
repository, and would otherwise find the checkout's, where .tmp/ is ignored.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEEP = Path("tests/output")
SKIP_TOP = {".git", ".tmp", ".venv", ".ansible", ".hypothesis", ".pytest_cache", ".ruff_cache"}


def source_files() -> list[str]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
        names = sorted({name for name in out.decode().split("\0") if name})
    except (OSError, subprocess.CalledProcessError):
        names = []
        for dirpath, dirnames, filenames in os.walk(ROOT):
            rel = Path(dirpath).relative_to(ROOT)
            dirnames[:] = [d for d in dirnames if not (rel == Path(".") and d in SKIP_TOP) and d != "__pycache__"]
            names += [str(rel / f) for f in filenames]
    return [name for name in names if not Path(name).is_relative_to(KEEP) and os.path.lexists(ROOT / name)]


def clear(dest: Path) -> None:
    for child in dest.iterdir():
        if child.name == "tests" and child.is_dir() and not child.is_symlink():
            for sub in child.iterdir():
                if sub.name != "output":
                    remove(sub)
        elif child.name != ".git":
            remove(child)


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def copy_sources(dest: Path) -> None:
    """Copy the files git sees into ``dest`` (symlinks stay symlinks); tools/mutants.py uses it too."""
    for name in source_files():
        src, dst = ROOT / name, dest / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)


def main(dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    if not (dest / ".git").exists():
        subprocess.run(["git", "init", "--quiet", str(dest)], check=True)
    clear(dest)
    copy_sources(dest)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
