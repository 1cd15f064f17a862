# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The retry policy: full-jitter backoff and which failures are transient."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.alicloud.sae.plugins.module_utils import retries
from ansible_collections.alicloud.sae.plugins.module_utils.errors import SaeApiError

# --- RetryPolicy ----------------------------------------------------------------------------------


@pytest.mark.parametrize("u", [0.0, 0.25, 0.999999])
def test_full_jitter_is_the_random_share_of_the_capped_exponential(u):
    policy = retries.RetryPolicy(base_delay=0.5, max_delay=20.0, rng=lambda: u)
    expected = [u * min(20.0, 0.5 * 2**attempt) for attempt in range(10)]
    assert [policy.delay(attempt) for attempt in range(10)] == pytest.approx(expected)
    assert policy.delay(9) == pytest.approx(u * 20.0)  # capped: 0.5 * 512 > 20


@given(
    attempt=st.integers(min_value=0, max_value=30),
    u=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
    base=st.floats(min_value=0.001, max_value=5.0),
    cap=st.floats(min_value=0.001, max_value=60.0),
)
def test_full_jitter_bounds(attempt, u, base, cap):
    delay = retries.RetryPolicy(base_delay=base, max_delay=cap, rng=lambda: u).delay(attempt)
    assert 0.0 <= delay <= min(cap, base * 2**attempt)


def test_jitter_uses_the_injected_rng():
    values = iter([0.1, 0.9])
    policy = retries.RetryPolicy(base_delay=1.0, max_delay=100.0, rng=lambda: next(values))
    assert [policy.delay(3), policy.delay(3)] == pytest.approx([0.8, 7.2])


def test_the_longest_hinted_wait_is_60_s_unless_set_lower():
    assert retries.MAX_HINTED_WAIT == 60.0
    assert retries.RetryPolicy().max_hinted_wait == 60.0
    assert retries.RetryPolicy(max_hinted_wait=12.0).max_hinted_wait == 12.0


# --- is_retryable ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, status",
    [
        ("Throttling.User", 429),
        ("Throttling.Api", 400),
        ("Throttling", None),
        ("HTTP429", 429),
        ("InternalError", 500),
        ("HTTP502", 502),
        ("ServiceUnavailable", 503),
        ("ServiceUnavailable", None),
        ("ConnectionError", None),
        ("ConnectTimeout", None),
        ("ReadTimeout", None),
    ],
)
def test_transient_failures_are_retried(code, status):
    assert retries.is_retryable(SaeApiError(code, "m", status=status))


@pytest.mark.parametrize(
    "code, status",
    [
        ("SignatureDoesNotMatch", 400),
        ("IncompleteSignature", 400),
        ("InvalidTimeStamp.Expired", 400),
        ("InvalidParameter", 400),
        ("InvalidAccessKeyId.NotFound", 404),
        ("Forbidden.RAM", 403),
        ("InvalidAppId.NotFound", 404),
        ("HTTP400", 400),
        ("InvalidResponse", 200),
        ("InvalidResponse", None),
        ("SSLError", None),
        ("RequestError", None),
    ],
)
def test_permanent_failures_are_not_retried(code, status):
    assert not retries.is_retryable(SaeApiError(code, "m", status=status))
