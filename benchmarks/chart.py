# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/performance.svg: the cold inventory's whole-run seconds against job count and against region count.

Plain SVG written with the standard library: ``make bench`` needs no plotting package, and the chart's changes
show in a diff as text.
"""

from __future__ import annotations

import math
from pathlib import Path
from xml.sax.saxutils import escape

WIDTH, HEIGHT, PANEL_WIDTH = 900, 356, 450
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 40, 66  # a panel's margins: below, tick labels, the axis label, the caption


def nice_top(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (the y axis's end)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def panel(offset: float, title: str, x_label: str, points: list) -> list:
    """SVG elements of one panel: ``points`` are (x, seconds, round trips), x ascending and positive, on a log
    scale (job counts from 500 to 20 000 stay apart)."""
    top = nice_top(max(seconds for _x, seconds, _trips in points))
    low, high = math.log(points[0][0]), math.log(points[-1][0])
    width, height = PANEL_WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def place(x: float, y: float) -> tuple:
        share = (math.log(x) - low) / (high - low) if high > low else 0.5
        return offset + LEFT + share * width, TOP + height - y / top * height

    parts = ['<text x="%g" y="22" font-weight="bold">%s</text>' % (offset + LEFT, escape(title))]
    for tick in range(6):
        y = TOP + height - height * tick / 5
        parts.append(
            '<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#ddd"/>' % (offset + LEFT, y, offset + LEFT + width, y)
        )
        parts.append('<text x="%g" y="%g" text-anchor="end">%g</text>' % (offset + LEFT - 6, y + 4, top * tick / 5))
    line = []
    for x, seconds, trips in points:
        px, py = place(x, seconds)
        line.append("%.1f,%.1f" % (px, py))
        parts.append('<circle cx="%.1f" cy="%.1f" r="3.5" fill="#1f77b4"/>' % (px, py))
        parts.append('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10">%.1f rt</text>' % (px, py - 8, trips))
        parts.append('<text x="%.1f" y="%g" text-anchor="middle">%g</text>' % (px, TOP + height + 16, x))
    parts.append('<polyline points="%s" fill="none" stroke="#1f77b4" stroke-width="2"/>' % " ".join(line))
    parts.append(
        '<text x="%g" y="%g" text-anchor="middle">%s</text>'
        % (offset + LEFT + width / 2, TOP + height + 34, escape(x_label))
    )
    return parts


def series(runs: list, label: str, x: str) -> list:
    """(x, seconds, round trips) of the runs labelled ``label``, x ascending."""
    return sorted((run[x], run["seconds"], run["round_trips"]) for run in runs if run["label"] == label)


def write_chart(results: dict, path: Path) -> None:
    """The chart of ``results`` (run.py's) as SVG at ``path``."""
    runs = results["runs"]
    by_jobs, by_regions = series(runs, "growth by jobs", "jobs"), series(runs, "growth by regions", "regions")
    jobs = next(run["jobs"] for run in runs if run["label"] == "growth by regions")
    parts = panel(0, "ansible-inventory --list, cold, seconds (1 s latency)", "jobs (5 regions; log scale)", by_jobs)
    parts += panel(PANEL_WIDTH, "the same, by region count", "regions (%d jobs in all; log scale)" % jobs, by_regions)
    caption = "rt: round trips, from the emulator's log. %s, ansible-core %s" % (
        results["finished"],
        results["machine"]["ansible_core"],
    )
    parts.append(
        '<text x="%g" y="%g" text-anchor="end" font-size="10" fill="#666">%s</text>'
        % (WIDTH - 10, HEIGHT - 6, escape(caption))
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
        'font-family="sans-serif" font-size="12">\n<rect width="100%%" height="100%%" fill="white"/>\n%s\n</svg>\n'
    ) % (WIDTH, HEIGHT, WIDTH, HEIGHT, "\n".join(parts))
    path.write_text(svg, encoding="utf-8")
