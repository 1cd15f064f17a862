# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``ansible-inventory`` itself, with the seconds each inventory source took to parse written to a file.

    python benchmarks/timed_inventory.py TIMINGS.json [ansible-inventory arguments...]

The whole process also spends one to several seconds starting Python and ansible-core, and writing the
output; that part is the same for a cold and a warm run but varies by tenths of a second from run to run.
The parse time of the source (the plugin's listing or cache read, and adding its hosts and groups) is what
a cache changes, measured without that noise.
"""

from __future__ import annotations

import json
import sys
import time

from ansible.cli.inventory import main
from ansible.inventory.manager import InventoryManager

_parse_source = InventoryManager.parse_source
timings: list = []


def timed_parse_source(self, source, cache=False):
    started = time.perf_counter()
    try:
        return _parse_source(self, source, cache)
    finally:
        timings.append({"source": source, "seconds": time.perf_counter() - started})


if __name__ == "__main__":
    report = sys.argv.pop(1)
    sys.argv[0] = "ansible-inventory"
    InventoryManager.parse_source = timed_parse_source
    try:
        main()
    finally:
        with open(report, "w", encoding="utf-8") as stream:
            json.dump(timings, stream)
