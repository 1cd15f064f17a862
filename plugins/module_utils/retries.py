# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""When a failed call is tried again, and after how long.

Retried: throttling (``Throttling*`` codes, HTTP 429), HTTP 5xx and ``ServiceUnavailable``, connection errors and
timeouts. Nothing else: a signature, credential or parameter error would fail the same way again. Backoff is
exponential with full jitter; a wait the gateway asks for (answers.hinted_wait) replaces it, up to ``max_hinted_wait``:
``MAX_HINTED_WAIT``, and no more than ``timeout`` x ``max_retries`` (what the retries would have spent waiting for
answers). Asked to wait longer, the client ends the call instead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable

from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError

TRANSIENT_CODES = ("ServiceUnavailable", "ConnectionError", "ConnectTimeout", "ReadTimeout")
MAX_HINTED_WAIT = 60.0


@dataclass
class RetryPolicy:
    max_retries: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_hinted_wait: float = MAX_HINTED_WAIT
    rng: Callable[[], float] = field(default=random.random, repr=False)

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, base * 2**attempt)]."""
        return self.rng() * min(self.max_delay, self.base_delay * (2**attempt))


def is_throttling(error: SaeApiError) -> bool:
    """The API's flow control refused the call (``Throttling*``, whatever the HTTP status, or HTTP 429)."""
    return error.status == 429 or error.code.startswith("Throttling")


def is_retryable(error: SaeApiError) -> bool:
    if error.status is not None and error.status >= 500:
        return True
    return is_throttling(error) or error.code in TRANSIENT_CODES
