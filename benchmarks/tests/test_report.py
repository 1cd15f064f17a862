# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How the benchmark turns runs into figures and verdicts: what the inventory goal (issue #3, acceptance 4) is
judged by."""

from __future__ import annotations

import pytest
import run


def _inventory(cold: list, warm: list, static: list | None = None) -> dict:
    """The inventory figures of parse times ``cold`` and ``warm`` (one of each per repeat). The cold runs at 0 ms
    parse 0.2 s faster than the cold ones. Whole runs take longer than their parse by a different time for each
    kind, so that a figure taken from the wrong one shows; the static file's take 25 s."""
    parse = {"cold": cold, "cold_0ms": [seconds - 0.2 for seconds in cold], "warm": warm, "static": [0.3]}
    extra = {"cold": 5.0, "cold_0ms": 5.3, "warm": 4.6, "static": 0.0}
    times = {kind: [seconds + extra[kind] for seconds in runs] for kind, runs in parse.items()}
    times["static"] = static or [25.0]
    return run.inventory_figures(5000, 5, times, parse, probes=[0.12, 0.15, 0.11])


def _verdict(results: dict, start: str) -> tuple:
    """(measured, goal, met) of the one row whose figure starts with ``start``."""
    (row,) = [row for row in run.table(results) if row[0].startswith(start)]
    return row[1:]


def test_the_goal_is_the_fastest_cold_parse_minus_the_fastest_warm_one():
    # The fastest cold run (0.90 s) and the fastest warm one (0.55 s) come from different repeats.
    figures = _inventory(cold=[1.00, 0.90, 1.10], warm=[0.60, 0.70, 0.55])
    assert (figures["cold_parse_s"], figures["warm_parse_s"]) == (0.90, 0.55)
    assert figures["cold_0ms_parse_s"] == pytest.approx(0.70)
    assert figures["static_yaml_parse_s"] == 0.3
    assert figures["round_trips"] == pytest.approx(3.5)
    assert figures["waiting_round_trips"] == pytest.approx(2.0)  # the cold runs at 0 ms took 0.2 s less
    # whole runs: the fastest of each kind
    assert (figures["cold_s"], figures["cold_0ms_s"], figures["warm_s"], figures["static_yaml_s"]) == pytest.approx(
        (5.90, 6.00, 5.15, 25.0)
    )
    assert figures["warm_vs_static"] == pytest.approx(5.15 / 25.0)
    assert (figures["cpu_probe_min_s"], figures["cpu_probe_max_s"]) == (0.11, 0.15)
    assert figures["cpu_probe_spread"] == pytest.approx(0.15 / 0.11)


@pytest.mark.parametrize(
    "cold, warm, shown, met",
    [
        ([1.10], [0.70], "4.0", True),  # at most 4 round trips: 4 itself meets the goal
        ([1.1001], [0.70], "4.0", False),  # shown as 4.0, but more than 4
        ([1.11], [0.70], "4.1", False),
        ([1.50, 0.70], [0.40, 0.60], "3.0", True),
    ],
)
def test_the_inventory_verdict(cold, warm, shown, met):
    results = {"inventory_cache": _inventory(cold, warm)}
    assert _verdict(results, "inventory: 5000 jobs / 5 regions, parse cold") == (shown, "<= 4", met)


def test_warm_against_the_static_file_is_judged_on_whole_runs():
    results = {"inventory_cache": _inventory([0.9], [0.5], static=[5.0])}
    assert _verdict(results, "inventory: whole run warm 5.10 s / static YAML 5.00 s") == ("1.02x", "<= 1.0x", False)


def test_the_machine_row_shows_the_probe_range():
    results = {"inventory_cache": _inventory([0.9], [0.5])}
    assert _verdict(results, "machine: a fixed CPU loop took 0.11-0.15 s") == ("1.36x", "max / min", None)


def test_the_spread_within_repeats_pairs_each_cold_run_with_the_warm_run_of_its_repeat():
    figures = _inventory(cold=[1.00, 0.90, 1.10], warm=[0.60, 0.70, 0.55])
    paired = run._with_pairs(figures)
    # 1.00 - 0.60, 0.90 - 0.70, 1.10 - 0.55: not the fastest of each
    assert paired["pairs"] == 3
    assert paired["pairs_min_round_trips"] == pytest.approx(2.0)
    assert paired["pairs_max_round_trips"] == pytest.approx(5.5)
    assert paired["pairs_median_round_trips"] == pytest.approx(4.0)
    row = _verdict({"inventory_cache": figures}, "inventory: cold - warm within each of the 3 repeats")
    assert row == ("4.0", "median", None)  # shown beside the goal, never a verdict of its own


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
