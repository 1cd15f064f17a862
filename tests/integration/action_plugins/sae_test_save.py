# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test-only action ``sae_test_save``: write ``content`` to the controller file ``dest``.

playbook_runner saves each registered result with it. ``ansible.builtin.copy`` would do the same through two
module runs (stat, then copy) of about half a second of CPU each, for every case of every test; this writes the
file in the controller and runs no module.
"""

from __future__ import annotations

from pathlib import Path

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        Path(self._task.args["dest"]).write_text(str(self._task.args["content"]), encoding="utf-8")
        result["changed"] = False
        return result
