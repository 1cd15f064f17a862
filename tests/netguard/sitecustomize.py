# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Imported by Python at the start of every process that has tests/netguard on its PYTHONPATH: the test
network guard (sae_netguard.py) is installed before any other code runs."""

from __future__ import annotations

import sae_netguard

sae_netguard.install()
