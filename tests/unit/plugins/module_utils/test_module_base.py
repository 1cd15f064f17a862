# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the module base hands to syslog or journald: never a character they refuse, never a secret."""

from __future__ import annotations

import pytest

from ansible_collections.alicloud.sae.plugins.module_utils import module_base


@pytest.mark.parametrize(
    "value, logged",
    [
        ("plain", "plain"),
        ("a\x00b", "a\\x00b"),
        ("a\udcffb", "a\\udcffb"),  # a lone surrogate, which JSON module arguments can carry
        (7, 7),
    ],
)
def test_loggable_escapes_what_syslog_refuses(value, logged):
    assert module_base._loggable(value, set()) == logged


def test_loggable_removes_secrets_before_escaping():
    assert module_base._loggable("key=s\x00cret!", {"s\x00cret"}) == "key=********!"
