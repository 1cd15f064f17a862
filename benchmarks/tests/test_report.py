# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How the benchmark turns the emulator's request log into requests and round trips, and rows into verdicts,
the table, docs/performance.md and its chart."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import chart
import pytest
import report


def entry(page: int, total: int | None, arrived: float, answered: float | None, **fields) -> dict:
    """A ListJobs entry of the emulator's log: page ``page`` of 200 in cn-beijing, answered with ``total``."""
    params = {"Workload": "job", "PageSize": "200", "CurrentPage": str(page)}
    logged = {"action": "ListJobs", "region": "cn-beijing", "params": params, "status": 200, "total": total}
    return dict(logged, arrived=arrived, answered=answered, **fields)


def test_round_trips_run_from_the_first_request_in_to_the_last_answer_out():
    # logged in the order the answers went out, not the order the requests came in
    log = [
        entry(1, 4000, arrived=10.0, answered=11.05),
        entry(3, 4000, arrived=11.2, answered=12.2),
        entry(2, 4000, arrived=11.1, answered=12.3),
        {"action": "AssumeRole", "arrived": 5.0, "answered": 20.0, "status": 200},  # not a listing's request
    ]
    figures = report.listing_figures(log, latency_s=1.0)
    assert figures["span_s"] == pytest.approx(2.3)
    assert figures["round_trips"] == pytest.approx(2.3)
    assert report.listing_figures(log, latency_s=0.5)["round_trips"] == pytest.approx(4.6)
    assert figures["requests"] == 3 and figures["served"] == 3 and figures["refused"] == 0


def test_a_hung_request_has_no_answer_and_no_latency_no_round_trips():
    log = [entry(1, 400, arrived=1.0, answered=2.0), entry(2, None, arrived=2.0, answered=None, status=0)]
    assert report.listing_figures(log, latency_s=1.0)["round_trips"] == pytest.approx(1.0)
    assert report.listing_figures(log, latency_s=0)["round_trips"] is None
    assert report.listing_figures(log, latency_s=0)["span_s"] == pytest.approx(1.0)  # a span needs no latency
    assert report.listing_figures([], latency_s=1.0)["round_trips"] is None
    assert report.listing_figures([], latency_s=1.0)["span_s"] is None


def _quota_run(refused: int, served: int, span_s: float) -> dict:
    return {"refused": refused, "served": served, "span_s": span_s}


def test_quota_rows_give_refused_per_served_and_the_span_against_the_quotas_pace():
    runs = [_quota_run(10, 50, 5.8), _quota_run(6, 50, 5.3), _quota_run(25, 50, 9.9)]
    refused, span = report.quota_rows("5000 jobs / 5 regions, adaptive", runs, 10, 0.40)
    assert (
        refused.figure
        == "quota 10 requests/s, 5000 jobs / 5 regions, adaptive (median of 3): refused / served (10/50, 6/50, 25/50)"
    )
    assert (refused.value, refused.goal, refused.met) == (pytest.approx(0.2), 0.40, True)
    assert span.figure.endswith("listing s, quota's pace 5.0 s")
    assert (span.value, span.goal, span.met) == (5.8, 8.5, True)  # at most 1.5 x 5 s + 1 s


def test_quota_rows_miss_their_goals_past_them():
    refused, span = report.quota_rows("x", [_quota_run(3, 50, 8.6)], 10, 0.05)
    assert (refused.value, refused.met) == (pytest.approx(0.06), False)
    assert (span.value, span.met) == (8.6, False)


def test_served_and_refused_requests():
    log = [
        entry(1, 400, 1.0, 2.0),
        entry(2, None, 1.0, 2.0, status=429, code="Throttling.User"),
        entry(2, 400, 2.0, 3.0),
    ]
    figures = report.listing_figures(log, latency_s=1.0)
    assert (figures["requests"], figures["served"], figures["refused"]) == (3, 2, 1)
    assert figures["totals"] == {"cn-beijing": 400}


@pytest.mark.parametrize(
    "page, total, past",
    [
        (1, 0, False),  # page 1 tells the total: never past it
        (1, 150, False),
        (2, 150, True),
        (2, 200, True),
        (2, 201, False),
        (20, 4000, False),
        (21, 4000, True),
        (5, None, False),  # refused: no total to judge by
    ],
)
def test_a_page_past_the_total(page, total, past):
    assert report.past_total(entry(page, total, 0.0, 1.0)) is past


def test_pages_past_the_total_are_counted_per_request_and_over_every_listing():
    first = report.listing_figures([entry(page, 150, 0.0, 1.0) for page in range(1, 6)], latency_s=0)
    assert first["past_total"] == 4
    second = report.listing_figures([entry(1, 100, 0.0, 1.0)], latency_s=0)
    floor = {"label": "floor", "requests": 0}  # a run that listed nothing is not a listing
    row = report.past_total_row([first, second, floor])
    assert row.figure == "pages asked past the total, in all 2 listings of this run"
    assert (row.value, row.met) == (4, False)
    assert report.past_total_row([second]).met is True


@pytest.mark.parametrize(
    "totals, fewest",
    [([150], 1), ([100] * 5, 5), ([4000], 40), ([0], 1), ([200], 1), ([201], 4), ([1000] * 5, 50), ([150, 400], 5)],
)
def test_the_fewest_requests_a_listing_needs(totals, fewest):
    assert report.fewest_requests(totals) == fewest


def test_requests_rows_are_judged_against_the_fewest_for_the_totals_the_emulator_answered():
    five_regions = {"requests": 25, "totals": dict.fromkeys(["a", "b", "c", "d", "e"], 100)}
    row = report.requests_row("inventory, 5 regions of 100 jobs", five_regions)
    assert row.cells() == ["requests: inventory, 5 regions of 100 jobs", "25", "<= 5", "NO"]
    assert report.requests_row("x", {"requests": 40, "totals": {"a": 4000}}).met is True


@pytest.mark.parametrize(
    "value, shown, met",
    [(3.3, "3.30", True), (1.1 - 0.7 + 2.9, "3.30", True), (3.3001, "3.30", False), (3.31, "3.31", False)],
)
def test_the_round_trips_goal_is_at_most_3_3_and_met_exactly_at_it(value, shown, met):
    row = report.round_trips_row("sae_job_info, 4000 jobs", [{"round_trips": value}])
    assert row.cells() == ["round trips at 1 s: sae_job_info, 4000 jobs", shown, "<= 3.30", "yes" if met else "NO"]


def test_round_trips_of_several_runs_are_their_median():
    runs = [{"round_trips": value} for value in (3.9, 2.1, 2.4)]
    row = report.round_trips_row("inventory cold, " + report.spread(5000, 5), runs)
    assert row.figure == "round trips at 1 s: inventory cold, 5000 jobs / 5 regions (median of 3)"
    assert (row.value, row.met) == (2.4, True)
    assert report.spread(300, 1) == "300 jobs / 1 region"


def test_a_row_without_a_goal_has_no_verdict():
    row = report.Row("inventory cold, 500 jobs / 5 regions, whole run", 6.04, "%.1f s")
    assert row.met is None and row.cells() == ["inventory cold, 500 jobs / 5 regions, whole run", "6.0 s", "", ""]
    assert row.as_dict() == {"figure": row.figure, "measured": "6.0 s", "goal": "", "met": None, "value": 6.04}


ROWS = [report.Row("warm cache / static YAML", 1.02, "%.2fx", 1.0), report.Row("requests: x", 1, "%d", 1)]
RESULTS = {
    "finished": "2026-12-02 18:00 UTC",
    "wall_s": 312.4,
    "machine": {
        "nproc": 2,
        "cpu": "CPU",
        "memory": "8.0 GiB",
        "python": "3.11.7",
        "ansible_core": "2.19.14",
        "platform": "Linux",
        "loadavg": ["0.1", "0.2", "0.3"],
        "loadavg_end": ["1.0", "1.1", "1.2"],
    },
    "runs": [
        {"label": "growth by jobs", "jobs": 20000, "regions": 5, "seconds": 25.0, "round_trips": 3.2},
        {"label": "growth by jobs", "jobs": 500, "regions": 5, "seconds": 4.0, "round_trips": 3.0},
        {"label": "growth by regions", "jobs": 5000, "regions": 1, "seconds": 9.0, "round_trips": 3.1},
        {"label": "growth by regions", "jobs": 5000, "regions": 3, "seconds": 8.0, "round_trips": 3.05},
        {"label": "requests", "jobs": 150, "regions": 1, "seconds": 1.5, "round_trips": None},
    ],
}


def test_the_text_table_lines_up_its_columns():
    lines = report.text_table(ROWS).splitlines()
    assert lines[0].split() == ["figure", "measured", "goal", "met"]
    assert lines[1].split("  ")[0] == "warm cache / static YAML" and lines[1].endswith("1.02x  <= 1.00x  NO")
    assert lines[2].endswith("1      <= 1  yes")
    # the measured column right-aligned: it ends at the same place on every line
    assert lines[0].index("measured") + 8 == lines[1].index("1.02x") + 5 == lines[2].index("1      <=") + 1


def test_the_page_is_the_template_filled_in():
    template = Path(report.__file__).with_name("performance.md.in").read_text(encoding="utf-8")
    page = report.markdown(RESULTS, ROWS, template)
    assert "| warm cache / static YAML | 1.02x | <= 1.00x | **no** |" in page
    assert "| requests: x | 1 | <= 1 | yes |" in page
    assert "2 CPUs (CPU), 8.0 GiB memory, Python 3.11.7, ansible-core 2.19.14, Linux" in page
    assert "0.1 / 0.2 / 0.3 at the start, 1.0 / 1.1 / 1.2 at the end" in page
    assert "2026-12-02 18:00 UTC, in 312 s" in page
    assert "$" not in page  # every placeholder filled
    with pytest.raises(KeyError):
        report.markdown(RESULTS, ROWS, template + "$unknown")


def test_the_chart_plots_each_growth_run_once(tmp_path):
    path = tmp_path / "chart.svg"
    chart.write_chart(RESULTS, path)
    svg = ElementTree.parse(path).getroot()
    namespace = {"svg": "http://www.w3.org/2000/svg"}
    assert len(svg.findall("svg:circle", namespace)) == 4
    lines = [line.get("points").split() for line in svg.findall("svg:polyline", namespace)]
    assert [len(points) for points in lines] == [2, 2]
    # by jobs: 500 left of 20000, and 25 s higher (a smaller y) than 4 s
    (low_x, low_y), (high_x, high_y) = ([float(value) for value in point.split(",")] for point in lines[0])
    assert low_x < high_x and high_y < low_y
    labels = [text.text for text in svg.findall("svg:text", namespace)]
    assert "3.2 rt" in labels and "regions (5000 jobs in all; log scale)" in labels


@pytest.mark.parametrize("value, top", [(0, 1.0), (0.8, 1.0), (3.2, 5.0), (25.0, 50.0), (20.0, 20.0), (101, 200.0)])
def test_the_chart_axis_ends_at_a_round_number(value, top):
    assert chart.nice_top(value) == pytest.approx(top)
