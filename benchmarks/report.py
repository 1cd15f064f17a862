# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How benchmarks/run.py turns runs into figures, goals and verdicts: what the emulator's request log of a run
says (requests, served, refused, pages past the total, round trips), the table's rows, and docs/performance.md.
No process is run here (unit-tested by benchmarks/tests)."""

from __future__ import annotations

import math
import statistics
import string
from dataclasses import dataclass

LATENCY_MS = 1000  # the latency round trips are measured at
PAGE_SIZE = 200  # what sae_job_info (by default) and the inventory ask for
ROUND_TRIPS_GOAL = 3.3  # page 1, the other pages at once, the confirming read: 3, and some CPU time


def past_total(entry: dict) -> bool:
    """Whether a ListJobs request asked for a page after the last one its answer's total fills (page 1 is how
    a client learns the total: never past it). Requests not answered with a listing have no total."""
    if entry.get("total") is None:
        return False
    params = entry["params"]
    last = max(1, math.ceil(entry["total"] / int(params["PageSize"])))
    return int(params.get("CurrentPage", 1)) > last


def listing_figures(log: list, latency_s: float) -> dict:
    """The figures of one run's request log: requests, served, refused, pages past the total, the total of each
    region, and round trips (None without latency, or without an answer)."""
    entries = [entry for entry in log if entry["action"] == "ListJobs"]
    answered = [entry["answered"] for entry in entries if entry["answered"] is not None]
    # The listing as the API saw it: from the first request in to the last answer out.
    span = max(answered) - min(entry["arrived"] for entry in entries) if answered else None
    round_trips = span / latency_s if span is not None and latency_s > 0 else None
    return {
        "requests": len(entries),
        "served": sum(entry["status"] == 200 for entry in entries),
        "refused": sum(entry["status"] != 200 for entry in entries),
        "past_total": sum(past_total(entry) for entry in entries),
        "totals": {entry["region"]: entry["total"] for entry in entries if entry.get("total") is not None},
        "span_s": span,
        "round_trips": round_trips,
    }


def fewest_requests(totals: list, page_size: int = PAGE_SIZE) -> int:
    """The requests listing regions of ``totals`` jobs needs: page 1 of each; where that is not all of it, its
    other pages and a confirming read of every page (without which a job deleted and another created between
    two page reads could go missing)."""
    pages = [max(1, math.ceil(total / page_size)) for total in totals]
    return sum(1 if count == 1 else 2 * count for count in pages)


@dataclass
class Row:
    figure: str
    value: float
    shown: str  # the value's %-format, also the goal's
    goal: float | None = None  # at most

    @property
    def met(self) -> bool | None:
        # Rounded far below what is shown: 1.1 - 0.7 is 4.000000000000001 in binary floating point.
        return None if self.goal is None else round(self.value, 9) <= self.goal

    def cells(self, no: str = "NO") -> list:
        """figure, measured, goal, and met: "yes", ``no`` or "" (no goal)."""
        goal = "" if self.goal is None else "<= " + self.shown % self.goal
        return [self.figure, self.shown % self.value, goal, {True: "yes", False: no, None: ""}[self.met]]

    def as_dict(self) -> dict:
        figure, measured, goal, _met = self.cells()
        return {"figure": figure, "measured": measured, "goal": goal, "met": self.met, "value": self.value}


def spread(jobs: int, regions: int) -> str:
    """``jobs`` over ``regions`` in words: "5000 jobs / 5 regions", "300 jobs / 1 region"."""
    return "%d jobs / %d region%s" % (jobs, regions, "" if regions == 1 else "s")


def requests_row(what: str, run: dict) -> Row:
    return Row("requests: %s" % what, run["requests"], "%d", fewest_requests(list(run["totals"].values())))


def round_trips_row(what: str, runs: list) -> Row:
    figures = [run["round_trips"] for run in runs]
    what = "%s (median of %d)" % (what, len(runs)) if len(runs) > 1 else what
    return Row(
        "round trips at %g s: %s" % (LATENCY_MS / 1000, what), statistics.median(figures), "%.2f", ROUND_TRIPS_GOAL
    )


def quota_rows(what: str, runs: list, quota: float, refused_goal: float) -> list:
    """Under an account quota of ``quota`` requests/s: refused calls against served ones, and the listing's span
    against the quota's pace (served calls / quota), both medians of ``runs``. Goals: ``refused_goal``, and at
    most 1.5 x the pace + 1 s."""
    refused = statistics.median(run["refused"] / run["served"] for run in runs)
    span = statistics.median(run["span_s"] for run in runs)
    pace = statistics.median(run["served"] for run in runs) / quota
    head = "quota %g requests/s, %s (median of %d)" % (quota, what, len(runs))
    counts = ", ".join("%d/%d" % (run["refused"], run["served"]) for run in runs)
    return [
        Row("%s: refused / served (%s)" % (head, counts), refused, "%.2f", refused_goal),
        Row("%s: listing s, quota's pace %.1f s" % (head, pace), span, "%.1f", 1.5 * pace + 1),
    ]


def past_total_row(runs: list) -> Row:
    listings = [run for run in runs if run["requests"]]
    figure = "pages asked past the total, in all %d listings of this run" % len(listings)
    return Row(figure, sum(run["past_total"] for run in listings), "%d", 0)


def text_table(rows: list) -> str:
    cells = [["figure", "measured", "goal", "met"]] + [row.cells() for row in rows]
    widths = [max(len(line[column]) for line in cells) for column in range(3)]
    return "\n".join("%-*s  %*s  %*s  %s" % (widths[0], a, widths[1], b, widths[2], c, d) for a, b, c, d in cells)


def markdown(results: dict, rows: list, template: str) -> str:
    table = ["| figure | measured | goal | met |", "| --- | --- | --- | --- |"]
    table += ["| %s |" % " | ".join(row.cells(no="**no**")) for row in rows]
    info = results["machine"]
    machine_line = "%s CPUs (%s), %s memory, Python %s, ansible-core %s, %s" % (
        info["nproc"], info["cpu"], info["memory"], info["python"], info["ansible_core"], info["platform"],
    )  # fmt: skip
    return string.Template(template).substitute(
        table="\n".join(table),
        machine=machine_line,
        finished=results["finished"],
        wall="%.0f" % results["wall_s"],
        loadavg=" / ".join(info["loadavg"]),
        loadavg_end=" / ".join(info["loadavg_end"]),
    )
