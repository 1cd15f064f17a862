# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AWX custom credential type of awx/credential_type/, and how AWX injects it.

``inject_env`` renders the ``env`` injectors the way AWX's ``CredentialType.inject_credential``
does: each template is rendered in a Jinja2 ``ImmutableSandboxedEnvironment`` with the
credential's non-empty inputs as variables, so a field left empty renders as an empty string
(the variable is still set).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

REPO = Path(__file__).resolve().parents[2]
CREDENTIAL_TYPE_DIR = REPO / "awx" / "credential_type"

# Environment variables AWX refuses in a custom credential type (AWX's ENV_BLOCKLIST), and the
# prefix it refuses because it would change Ansible's own configuration.
AWX_ENV_BLOCKLIST = frozenset(
    (
        "VIRTUAL_ENV",
        "PATH",
        "PYTHONPATH",
        "JOB_ID",
        "INVENTORY_ID",
        "INVENTORY_SOURCE_ID",
        "INVENTORY_UPDATE_ID",
        "AD_HOC_COMMAND_ID",
        "REST_API_URL",
        "REST_API_TOKEN",
        "MAX_EVENT_RES",
        "CALLBACK_QUEUE",
        "CALLBACK_CONNECTION",
        "CACHE",
        "JOB_CALLBACK_DEBUG",
        "INVENTORY_HOSTVARS",
        "AWX_HOST",
        "PROJECT_REVISION",
        "SUPERVISOR_CONFIG_PATH",
    )
)
AWX_ENV_PREFIX_REFUSED = "ANSIBLE_"


def load_inputs() -> dict:
    return yaml.safe_load((CREDENTIAL_TYPE_DIR / "inputs.yml").read_text(encoding="utf-8"))


def load_injectors() -> dict:
    return yaml.safe_load((CREDENTIAL_TYPE_DIR / "injectors.yml").read_text(encoding="utf-8"))


def inject_env(credential_inputs: dict) -> dict:
    """The environment variables AWX sets for a credential of this type with ``credential_inputs``."""
    field_ids = {field["id"] for field in load_inputs()["fields"]}
    unknown = set(credential_inputs) - field_ids
    if unknown:
        raise ValueError("not fields of the credential type: %s" % ", ".join(sorted(unknown)))
    namespace = {name: value for name, value in credential_inputs.items() if value not in (None, "")}
    sandbox = ImmutableSandboxedEnvironment()
    return {
        name: sandbox.from_string(template).render(**namespace) for name, template in load_injectors()["env"].items()
    }
