# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""CPython's cyclic garbage collector held off while a listing builds its data.

A listing of 5000 jobs allocates a few hundred thousand containers (decoded JSON, normalised dicts). The
collector counts them and, along the way, runs full collections that walk every object of the process
(ansible-core's included): about a tenth of a second per listing, on the one core the GIL allows, to
find nothing, since decoded JSON holds no reference cycles. Reference counting still frees everything
as usual; only the search for cycles waits until the listing is done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Automatic cyclic garbage collection off inside, as it was after; a no-op when it is already off
    (nested use, or a caller that turned it off itself)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
