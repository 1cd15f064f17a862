# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/performance.png from benchmarks/results/latest.json: inventory time against job count and region count.

python benchmarks/chart.py RESULTS_JSON OUTPUT_PNG      (needs matplotlib: benchmarks/requirements.txt)
"""

from __future__ import annotations

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main(results_file: str, png: str) -> None:
    with open(results_file, encoding="utf-8") as handle:
        results = json.load(handle)
    growth = results["growth"]
    info = results["machine"]
    figure, (by_jobs, by_regions) = plt.subplots(1, 2, figsize=(11, 4.2))
    jobs = [point["jobs"] for point in growth["by_jobs"]]
    by_jobs.plot(jobs, [point["seconds"] for point in growth["by_jobs"]], marker="o", label="sae_job inventory (cold)")
    cache = results.get("inventory_cache")
    if cache:
        by_jobs.scatter([cache["jobs"]], [cache["warm_s"]], marker="s", color="tab:green", label="warm cache", zorder=3)
        by_jobs.scatter(
            [cache["jobs"]], [cache["static_yaml_s"]], marker="^", color="tab:red", label="static YAML", zorder=3
        )
    by_jobs.set_xlabel("job templates (5 regions)")
    by_jobs.set_ylabel("ansible-inventory --list, seconds")
    by_jobs.set_title("Time against job count (100 ms latency)")
    by_jobs.set_ylim(bottom=0)
    by_jobs.grid(alpha=0.3)
    by_jobs.legend()
    regions = [point["regions"] for point in growth["by_regions"]]
    by_regions.plot(regions, [point["seconds"] for point in growth["by_regions"]], marker="o", color="tab:purple")
    by_regions.set_xlabel("regions (%d job templates in all)" % growth["by_regions"][0]["jobs"])
    by_regions.set_title("Time against region count (100 ms latency)")
    by_regions.set_ylim(bottom=0)
    by_regions.grid(alpha=0.3)
    figure.suptitle(
        "alicloud.sae inventory: %s CPUs, Python %s, ansible-core %s (%s)"
        % (info["nproc"], info["python"], info["ansible_core"], results["finished"]),
        fontsize=9,
    )
    figure.tight_layout()
    figure.savefig(png, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
