"""The collection's own signing module, for the tests' client side (``emu_helpers.call``), laying out
``ansible_collections/alicloud/sae`` if needed.

Only the tests sign with it: the emulator verifies with code of its own (``sae_emulator.signature``),
so a signing bug in the collection fails these tests instead of verifying itself.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType

SIGNING_MODULE = "ansible_collections.alicloud.sae.plugins.module_utils.signing"
# emulator/tests/collection_signing.py -> the repository root is the collection root.
REPO_ROOT = Path(__file__).resolve().parents[2]


def _layout_dir() -> Path:
    """``<repo>/.tmp/collections`` holding ``ansible_collections/alicloud/sae -> <repo>`` (.tmp/ is git-ignored)."""
    base = REPO_ROOT / ".tmp" / "collections"
    link = base / "ansible_collections" / "alicloud" / "sae"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.symlink(REPO_ROOT, link, target_is_directory=True)
        except FileExistsError:  # another process made it at the same moment
            pass
    if link.resolve() != REPO_ROOT:
        raise ImportError("%s exists but does not point at %s" % (link, REPO_ROOT))
    return base


def load_signing() -> ModuleType:
    try:
        return importlib.import_module(SIGNING_MODULE)
    except ImportError:
        pass
    base = str(_layout_dir())
    if base not in sys.path:
        sys.path.append(base)
    # Namespace packages recompute their path when sys.path changes; only the finders' caches need a reset.
    importlib.invalidate_caches()
    return importlib.import_module(SIGNING_MODULE)


signing = load_signing()
