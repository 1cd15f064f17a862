# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The base every alicloud.sae module stands on: the common options and one way to fail."""

from __future__ import annotations

from typing import NoReturn

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.parameters import remove_values

from ansible_collections.alicloud.sae.plugins.module_utils.arguments import COMMON_ARGUMENT_SPEC
from ansible_collections.alicloud.sae.plugins.module_utils.client import hint
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError, SaeError
from ansible_collections.alicloud.sae.plugins.module_utils.transport import REQUESTS_IMPORT_ERROR


def _loggable(value: object, secrets: set) -> object:
    if not isinstance(value, str):
        return value
    # Secrets out first: escaped, a secret holding such a character would no longer match its no_log value.
    value = remove_values(value, secrets)
    return value.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


class _AnsibleModuleLoggingSafely(AnsibleModule):
    def log(self, msg: str, log_args: dict | None = None) -> None:
        # A NUL character or a lone surrogate in an option makes syslog (or journald) refuse the log line
        # while the invocation is logged, before the options are checked: a traceback on ansible-core 2.16,
        # a failure about syslog on later ones. Logged escaped, the option reaches the check that names
        # what is wrong with it.
        if log_args is not None:
            log_args = {name: _loggable(value, self.no_log_values) for name, value in log_args.items()}
        super().log(_loggable(msg, self.no_log_values), log_args)


class SaeModule:
    """An ``AnsibleModule`` with the options of the ``alicloud.sae.common`` doc fragment."""

    def __init__(self, argument_spec: dict, **kwargs: object) -> None:
        spec = dict(COMMON_ARGUMENT_SPEC, **argument_spec)
        self.module = _AnsibleModuleLoggingSafely(argument_spec=spec, **kwargs)
        if REQUESTS_IMPORT_ERROR is not None:
            self.module.fail_json(msg=missing_required_lib("requests"), exception="%s" % REQUESTS_IMPORT_ERROR)

    @property
    def params(self) -> dict:
        return self.module.params

    def fail(self, error: SaeError) -> NoReturn:
        """Fail the task with the error's message (code, request id); never a traceback or a secret."""
        result = {"msg": "%s%s" % (error, hint(error, self.params))}
        if isinstance(error, SaeApiError):
            result["error"] = error.to_dict()
        self.module.fail_json(**result)
