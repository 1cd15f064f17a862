# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What to check after a failed call whose usual cause is an option: the words the module and the inventory
plugin add to its message."""

from __future__ import annotations

import os
import re

from ansible_collections.alicloud.sae.plugins.module_utils.arguments import OPTION_ENV
from ansible_collections.alicloud.sae.plugins.module_utils.credentials import resolve_credential_source
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError, SaeError

# API errors that come from the credentials: their message also names the credential source.
_CREDENTIAL_CODE = re.compile(r"AccessKey|Signature|SecurityToken|Forbidden|NoPermission|Unauthorized|Credential", re.I)


def hint(error: SaeError, params: dict) -> str:
    """``"; ..."`` for ``error`` made with the common options ``params``, or ``""``."""
    if not isinstance(error, SaeApiError):
        return ""
    code = error.code or ""
    if code.startswith("InvalidAction"):
        return "; region %s may not offer SAE, or the endpoint is wrong" % (error.region or params.get("region"))
    if not (_CREDENTIAL_CODE.search(code) or error.status in (401, 403)):
        return ""
    try:
        text = "; credentials tried: %s" % resolve_credential_source(params).description
    except SaeError:
        text = ""
    key_id = params.get("access_key_id")
    for variable in OPTION_ENV["access_key_id"] if key_id else ():
        if os.environ.get(variable) == key_id:  # the option is unset, or set to what the variable holds
            text += " (access_key_id from the environment variable %s)" % variable
            break
    if code == "SignatureDoesNotMatch":
        text += "; a wrong AccessKey secret is the usual cause"
    return text
