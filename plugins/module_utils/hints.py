# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What to check after a failed call whose usual cause is an option: the words the module and the inventory
plugin add to its message."""

from __future__ import annotations

import re

from ansible_collections.alicloud.sae.plugins.module_utils.credentials import resolve_credential_source
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError, SaeError

# API errors that come from the credentials: their message also names the credential source.
_CREDENTIAL_CODE = re.compile(r"AccessKey|Signature|SecurityToken|Forbidden|NoPermission|Unauthorized|Credential", re.I)


def hint(error: SaeError, params: dict) -> str:
    """``"; ..."`` for ``error`` made with the common options ``params``, or ``""``."""
    code = getattr(error, "code", None) or ""
    if not isinstance(error, SaeApiError):
        return ""
    if code.startswith("InvalidAction"):
        return "; region %s may not offer SAE, or the endpoint is wrong" % (error.region or params.get("region"))
    if not (_CREDENTIAL_CODE.search(code) or error.status in (401, 403)):
        return ""
    try:
        text = "; credentials tried: %s" % resolve_credential_source(params).description
    except SaeError:
        text = ""
    if code == "SignatureDoesNotMatch":
        text += "; a wrong AccessKey secret is the usual cause"
    return text
