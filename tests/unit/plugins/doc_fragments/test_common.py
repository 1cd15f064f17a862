# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared doc fragment documents exactly the options, types, aliases and defaults the code uses."""

from __future__ import annotations

import yaml

from ansible_collections.alicloud.sae.plugins.doc_fragments.common import ModuleDocFragment
from ansible_collections.alicloud.sae.plugins.module_utils.arguments import COMMON_ARGUMENT_SPEC

DOCUMENTED = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]


def test_every_common_option_is_documented_and_nothing_else():
    assert sorted(DOCUMENTED) == sorted(COMMON_ARGUMENT_SPEC)


def test_types_aliases_defaults_and_no_log_match_the_argument_spec():
    for name, spec in COMMON_ARGUMENT_SPEC.items():
        documented = DOCUMENTED[name]
        assert documented["type"] == spec["type"], name
        assert documented.get("aliases", []) == spec.get("aliases", []), name
        assert documented.get("default") == spec.get("default"), name
    secrets = {name for name, spec in COMMON_ARGUMENT_SPEC.items() if spec.get("no_log")}
    assert secrets == {"access_key_secret", "security_token"}
