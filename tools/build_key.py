# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The content key of a collection build: a hash of every file ``ansible-galaxy collection build`` takes.

    python tools/build_key.py [EXTRA...]     (EXTRA: more inputs, e.g. the venv's .stamp file or a text)

The files are those under the repository root that galaxy.yml's ``build_ignore`` (and ansible-galaxy's own
defaults) do not leave out, matched as ansible-galaxy matches them: a pattern against the path and against
each leading directory. Their paths, contents and symlink targets make the key, with galaxy.yml itself and
each EXTRA (a file's content, or the text given). A build is reused only while this key is unchanged:
checked by content, never by age. Leaving out less than ansible-galaxy does only makes the key change more often.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# ansible-galaxy's own exclusions (ansible.galaxy.collection: _build_files_manifest_walk)
DEFAULT_IGNORE = ("galaxy.yml", "galaxy.yaml", ".git", "*.pyc", "*.retry", "tests/output")


def _ignored(relative: str, patterns: tuple) -> bool:
    return any(fnmatch.fnmatch(relative, pattern) for pattern in patterns)


def build_key(extra: list) -> str:
    galaxy = (ROOT / "galaxy.yml").read_bytes()
    patterns = DEFAULT_IGNORE + tuple(yaml.safe_load(galaxy).get("build_ignore") or ())
    digest = hashlib.sha256(b"galaxy.yml\0" + galaxy)
    for directory, subdirectories, files in os.walk(ROOT):
        here = Path(directory).relative_to(ROOT)
        subdirectories[:] = sorted(name for name in subdirectories if not _ignored((here / name).as_posix(), patterns))
        for name in sorted(files):
            relative = (here / name).as_posix()
            if _ignored(relative, patterns):
                continue
            path = Path(directory) / name
            digest.update(b"\0file\0" + relative.encode())
            if path.is_symlink():
                digest.update(b"\0link\0" + os.readlink(path).encode())
            else:
                digest.update(b"\0" + hashlib.sha256(path.read_bytes()).digest())
    for item in extra:
        digest.update(b"\0extra\0" + (Path(item).read_bytes() if os.path.isfile(item) else item.encode()))
    return digest.hexdigest()


if __name__ == "__main__":
    print(build_key(sys.argv[1:]))
