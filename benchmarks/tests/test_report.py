# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How the benchmark turns runs into figures and verdicts: what the inventory goal (issue #3, acceptance 4) is
judged by."""

from __future__ import annotations

import pytest
import run


def _inventory(cold: list, warm: list, cold_0ms: list | None = None, static: list | None = None) -> dict:
    """The inventory figures of parse times ``cold`` and ``warm`` (one of each per repeat); whole runs take 5 s
    longer than the parse, the static file 25 s."""
    cold_0ms = cold_0ms or [seconds - 0.2 for seconds in cold]
    parse = {"cold": cold, "cold_0ms": cold_0ms, "warm": warm, "static": [0.3]}
    times = {kind: [seconds + 5 for seconds in runs] for kind, runs in parse.items()}
    times["static"] = static or [25.0]
    return run.inventory_figures(5000, 5, times, parse, probes=[0.11, 0.15, 0.12])


def _verdict(results: dict, start: str) -> tuple:
    (row,) = [row for row in run.table(results) if row[0].startswith(start)]
    return row[1], row[3]


def test_the_goal_is_the_fastest_cold_parse_minus_the_fastest_warm_one():
    # The fastest cold run (0.90 s) and the fastest warm one (0.55 s) come from different repeats.
    figures = _inventory(cold=[1.00, 0.90, 1.10], warm=[0.60, 0.70, 0.55])
    assert figures["cold_parse_s"] == 0.90 and figures["warm_parse_s"] == 0.55
    assert figures["round_trips"] == pytest.approx(3.5)
    assert figures["waiting_round_trips"] == pytest.approx(2.0)  # the cold runs at 0 ms took 0.2 s less
    assert figures["warm_vs_static"] == pytest.approx(5.55 / 25.0)
    assert figures["cpu_probe_spread"] == pytest.approx(0.15 / 0.11)


@pytest.mark.parametrize(
    "cold, warm, shown, met",
    [
        ([1.10], [0.70], "4.0", True),  # at most 4 round trips: 4 itself meets the goal
        ([1.11], [0.70], "4.1", False),
        ([1.50, 0.70], [0.40, 0.60], "3.0", True),
    ],
)
def test_the_inventory_verdict(cold, warm, shown, met):
    results = {"inventory_cache": _inventory(cold, warm)}
    assert _verdict(results, "inventory: 5000 jobs / 5 regions, parse cold") == (shown, met)


def test_warm_against_the_static_file_is_judged_on_whole_runs():
    results = {"inventory_cache": _inventory([0.9], [0.5], static=[5.4])}
    assert _verdict(results, "inventory: whole run warm 5.50 s / static YAML 5.40 s") == ("1.02x", False)


def test_the_spread_within_repeats_pairs_each_cold_run_with_the_warm_run_of_its_repeat():
    figures = _inventory(cold=[1.00, 0.90, 1.10], warm=[0.60, 0.70, 0.55])
    paired = run._with_pairs(figures)
    # 1.00 - 0.60, 0.90 - 0.70, 1.10 - 0.55: not the fastest of each
    assert paired["pairs"] == 3
    assert paired["pairs_min_round_trips"] == pytest.approx(2.0)
    assert paired["pairs_max_round_trips"] == pytest.approx(5.5)
    assert paired["pairs_median_round_trips"] == pytest.approx(4.0)
    row = _verdict({"inventory_cache": figures}, "inventory: cold - warm within each of the 3 repeats")
    assert row == ("4.0", None)  # shown beside the goal, never a verdict of its own


def test_runs_that_do_not_pair_up_are_an_error_not_a_shorter_spread():
    figures = _inventory(cold=[1.0, 0.9], warm=[0.6])
    with pytest.raises(ValueError):
        run._with_pairs(figures)


def test_results_of_an_older_run_without_parse_runs_have_no_spread_row():
    figures = _inventory(cold=[0.9], warm=[0.5])
    del figures["parse_runs"]
    rows = run.table({"inventory_cache": figures})
    assert not [row for row in rows if "within each" in row[0]]
    assert [row for row in rows if "parse cold" in row[0]]
