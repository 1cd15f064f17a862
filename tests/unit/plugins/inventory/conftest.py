# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Install ansible-core's collection loader before the inventory tests import the collection.

The tests load the plugin through ansible-core's plugin loader (its options come from its
documentation and doc fragments), which needs the collection finder. ``ansible-test units``
installs it itself; under plain pytest (``PYTHONPATH=.tmp/collections``) this does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ansible.plugins.loader import init_plugin_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig


def _collections_path() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if parent.name == "ansible_collections":
            return parent.parent
    return here.parents[4] / ".tmp" / "collections"  # the checkout itself: its collection layout


if AnsibleCollectionConfig.collection_finder is None:
    # A plain import of ansible_collections.* (from PYTHONPATH) before the finder exists leaves
    # packages without collection metadata, which the plugin loader refuses: import them afresh.
    for name in [
        name for name in sys.modules if name == "ansible_collections" or name.startswith("ansible_collections.")
    ]:
        del sys.modules[name]
    init_plugin_loader([str(_collections_path())])
