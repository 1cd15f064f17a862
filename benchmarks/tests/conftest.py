# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark's report: benchmarks/report.py and benchmarks/chart.py importable as ``report`` and ``chart``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# The network guard every test process shares (tests/netguard).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "netguard"))

from netguard_pytest import netguard_each_test, pytest_sessionfinish  # noqa: F401  # pylint: disable=unused-import
