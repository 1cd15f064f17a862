# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmarks of alicloud.sae against the local SAE emulator, in what users feel (``make bench``).

    python benchmarks/run.py [--quick] [--only NAME]...

Requests and round trips come from the emulator's own request log (reset before every run): requests per
listing, pages asked past the total, and round trips = (last answer out - first request in) / latency, at an
emulated latency of 1 s. Seconds and peak memory (max RSS, from wait4) are of whole ansible-playbook and
ansible-inventory runs.

Results: a table on stdout and benchmarks/results/latest.json; a full run also writes docs/performance.md
(from the template benchmarks/performance.md.in, which says what each row means) and docs/performance.svg.
``--quick`` is a small dry run: it writes benchmarks/results/quick.json and nothing in docs/.

Every process runs with ALIBABA_CLOUD_ECS_METADATA_DISABLED=true, a scratch HOME, no inherited credentials
or Ansible settings, and every endpoint on 127.0.0.1.

A benchmark is a function ``bench_NAME(bench) -> [Row, ...]`` listed in BENCHES. Each run it makes records the
log's ``requests``, ``served`` (answered 200), ``refused`` (any other status) and ``round_trips``, and the
run's ``seconds``: a listing under a request quota, say, starts its emulator with the quota, runs
``bench.inventory`` and makes its rows from those.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLLECTIONS = ROOT / ".tmp" / "collections"
RESULTS = ROOT / "benchmarks" / "results"
TEMPLATE = ROOT / "benchmarks" / "performance.md.in"
BIN = Path(sys.executable).parent
KEY_ID = "LTAI5tSAEEmulatorDemo"
KEY_SECRET = "emulator-demo-secret-do-not-use-in-prod"
REGIONS = [
    "cn-hangzhou", "cn-beijing", "cn-shanghai", "cn-shenzhen", "cn-zhangjiakou", "cn-huhehaote", "cn-chengdu",
    "cn-hongkong", "ap-southeast-1", "ap-southeast-5", "ap-northeast-1", "eu-central-1", "eu-west-1",
    "us-west-1", "us-east-1",
]  # fmt: skip

sys.path.insert(0, str(ROOT / "emulator"))  # run as a child process; its helpers imported here
sys.path.insert(0, str(ROOT / "benchmarks"))
from chart import write_chart  # noqa: E402
from report import (  # noqa: E402
    LATENCY_MS,
    Row,
    listing_figures,
    markdown,
    past_total_row,
    quota_rows,
    requests_row,
    round_trips_row,
    spread,
    text_table,
)

from sae_emulator.process import EmulatorProcess  # noqa: E402
from sae_emulator.unsafe import plain  # noqa: E402

FULL = {
    "repeats": 5,  # warm cache and static YAML runs, alternating
    "round_trip_repeats": 3,
    "small_jobs": 150,
    "module_jobs": 4000,
    "inventory_jobs": 5000,
    "inventory_regions": 5,
    "growth_jobs": [500, 1000, 2000, 5000, 10000, 20000],
    "growth_regions": [1, 3, 5, 10, 15],
    "growth_regions_jobs": 5000,
    "quota_rps": 10,
}
QUICK = dict(
    FULL, repeats=1, round_trip_repeats=1, module_jobs=400, inventory_jobs=500, inventory_regions=2,
    growth_jobs=[100, 400], growth_regions=[1, 3], growth_regions_jobs=300,
)  # fmt: skip


# ---- processes -----------------------------------------------------------------------------------


def safe_env(home: Path) -> dict:
    link = COLLECTIONS / "ansible_collections" / "alicloud" / "sae"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(ROOT, target_is_directory=True)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ALIBABA_CLOUD_", "ALICLOUD_", "ANSIBLE_"))
        and name.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env.update(
        {
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
            "HOME": str(home),
            "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_LOCAL_TEMP": str(home / ".ansible" / "tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "emulator"), str(COLLECTIONS)]),
            "NO_PROXY": "127.0.0.1,localhost",
            "PATH": "%s%s%s" % (BIN, os.pathsep, os.environ.get("PATH", "/usr/bin:/bin")),
        }
    )
    return env


# Runs the command in a small process of its own, so that the peak RSS wait4 reports is the command's and not
# the memory it shared with this (larger) process at fork time; it times the command too.
_MEASURE = """
import json, os, subprocess, sys, time
started = time.monotonic()
child = subprocess.Popen(sys.argv[2:])
_pid, status, usage = os.wait4(child.pid, 0)
seconds = time.monotonic() - started
with open(sys.argv[1], "w") as report:
    json.dump({"seconds": seconds, "max_rss_kib": usage.ru_maxrss}, report)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run(command: list, env: dict, cwd: Path) -> dict:
    """Run ``command``: its wall time and its peak RSS (KiB). Fails loudly, with the end of its output."""
    log, report = cwd / ("run-%s.log" % uuid.uuid4().hex[:8]), cwd / ("run-%s.json" % uuid.uuid4().hex[:8])
    with open(log, "w", encoding="utf-8") as output:
        command = [sys.executable, "-c", _MEASURE, str(report), *map(str, command)]
        done = subprocess.run(
            command, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, timeout=900, check=False
        )
    if done.returncode != 0:
        output = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError("%s failed (%d):\n%s" % (command[4:6], done.returncode, output))
    log.unlink()
    result = json.loads(report.read_text(encoding="utf-8"))
    report.unlink()
    return result


class Bench:
    """What the benchmarks share: the scale, the environment of child processes, a scratch directory, and the
    figures of every run so far (kept in the results)."""

    def __init__(self, scale: dict, env: dict, work: Path) -> None:
        self.scale, self.env, self.work = scale, env, work
        self.runs: list = []

    def emulator(self, jobs: int, regions: list, *options: str) -> EmulatorProcess:
        """An emulator with ``jobs`` generated jobs dealt over ``regions`` and ``options`` (e.g. fault settings);
        stop it with ``with``."""
        args = ["--dataset", "generated", "--jobs", str(jobs), "--regions", ",".join(regions), "--seed", "1", *options]
        return EmulatorProcess(args, self.env, cwd=ROOT, keep_stderr=False)

    def measure(self, label: str, emulator: EmulatorProcess, latency_ms: int, command: list, env=None, **facts):
        """Run ``command`` (in ``env``, by default the benchmarks') against ``emulator`` answering after
        ``latency_ms``: the run's seconds, peak RSS, what the emulator's log says of it, and ``facts``."""
        emulator.control("/_emulator/faults?merge=true", {"latency_ms": latency_ms})
        emulator.control("/_emulator/reset", {})
        result = run(command, env or self.env, self.work)
        log = emulator.control("/_emulator/requests")["requests"]
        if emulator.control("/_emulator/stats")["requests"] != len(log):
            raise RuntimeError("%s: the emulator's request log lost requests" % label)
        result.update(label=label, latency_ms=latency_ms, **facts, **listing_figures(log, latency_ms / 1000))
        self.runs.append(result)
        return result

    def module(self, label: str, emulator: EmulatorProcess, latency_ms: int, jobs: int) -> dict:
        """sae_job_info listing the one region of ``emulator``, which holds ``jobs`` jobs."""
        region = emulator.info["regions"][0]
        options = {"region": region, "endpoint": emulator.endpoint, "access_key_id": KEY_ID}
        tasks = [
            {"alicloud.sae.sae_job_info": dict(options, access_key_secret=KEY_SECRET), "register": "listing"},
            {"ansible.builtin.assert": {"that": ["listing.jobs | length == %d" % jobs]}},
        ]
        book = self.work / "module.yml"
        book.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]), "utf-8")
        command = [BIN / "ansible-playbook", "-i", "localhost,", "-c", "local", book]
        return self.measure(label, emulator, latency_ms, command, jobs=jobs, regions=1)

    def source(self, emulator: EmulatorProcess, cache: bool = False, **options) -> Path:
        """A ``*.sae_job.yml`` inventory source listing every region of ``emulator``, with ``options``."""
        config = {"plugin": "alicloud.sae.sae_job", "regions": emulator.info["regions"], **options}
        config.update(endpoint=emulator.endpoint, access_key_id=KEY_ID, access_key_secret=KEY_SECRET)
        if cache:
            config.update(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_timeout=3600)
            config.update(cache_connection=str(self.work / ("cache-%s" % uuid.uuid4().hex[:8])))
        path = self.work / ("%s.sae_job.yml" % uuid.uuid4().hex[:8])
        path.write_text(json.dumps(config), encoding="utf-8")
        return path

    def inventory(
        self, label: str, emulator: EmulatorProcess, latency_ms: int, source: Path, *options, env=None, keep=False
    ):
        """``ansible-inventory --list -i source OPTIONS``; its figures, and ``listing`` (what it printed) with
        ``keep``. Every run must give a host for each job."""
        output, jobs, regions = self.work / "inventory.json", emulator.info["jobs"], len(emulator.info["regions"])
        command = [BIN / "ansible-inventory", "--list", "--output", output, "-i", source, *options]
        result = self.measure(label, emulator, latency_ms, command, env, jobs=jobs, regions=regions)
        listing = json.loads(output.read_text(encoding="utf-8"))
        if len(listing["_meta"]["hostvars"]) != result["jobs"]:
            raise RuntimeError("%s: %d hosts, not %d" % (label, len(listing["_meta"]["hostvars"]), result["jobs"]))
        return dict(result, listing=listing) if keep else result


# ---- the benchmarks -------------------------------------------------------------------------------


def bench_requests(bench: Bench) -> list:
    """Requests per listing; without latency, which does not change them."""
    rows = []
    for jobs in (bench.scale["small_jobs"], bench.scale["module_jobs"]):
        with bench.emulator(jobs, REGIONS[:1]) as emulator:
            rows.append(requests_row("sae_job_info, %d jobs" % jobs, bench.module("requests", emulator, 0, jobs)))
    with bench.emulator(500, REGIONS[:5]) as emulator:
        listing = bench.inventory("requests", emulator, 0, bench.source(emulator))
    return rows + [requests_row("inventory, 5 regions of 100 jobs", listing)]


def bench_round_trips(bench: Bench) -> list:
    repeats, jobs = range(bench.scale["round_trip_repeats"]), bench.scale["module_jobs"]
    with bench.emulator(jobs, REGIONS[:1]) as emulator:
        module = [bench.module("round trips", emulator, LATENCY_MS, jobs) for _repeat in repeats]
    jobs, count = bench.scale["inventory_jobs"], bench.scale["inventory_regions"]
    with bench.emulator(jobs, REGIONS[:count]) as emulator:
        source = bench.source(emulator)
        inventory = [bench.inventory("round trips", emulator, LATENCY_MS, source) for _repeat in repeats]
    return [
        round_trips_row("sae_job_info, %d jobs" % bench.scale["module_jobs"], module),
        round_trips_row("inventory cold, " + spread(jobs, count), inventory),
    ]


def static_yaml(listing: dict, path: Path) -> Path:
    """The ``--list --export`` JSON of an inventory as a static YAML inventory: same hosts, groups and vars."""
    import yaml

    listing = plain(listing)
    hostvars = listing.pop("_meta")["hostvars"]
    children = {}
    for name, group in listing.items():
        if name not in ("all", "ungrouped"):
            entry = {
                "hosts": dict.fromkeys(group.get("hosts", [])),
                "children": dict.fromkeys(group.get("children", [])),
            }
            children[name] = {key: value for key, value in entry.items() if value}
    document = {"all": {"hosts": hostvars, "children": children}}
    path.write_text(yaml.dump(document, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper)), encoding="utf-8")
    return path


def bench_warm_cache(bench: Bench) -> list:
    """Whole runs, alternating: the inventory from a warm cache and the same hosts from a static YAML file."""
    jobs, count = bench.scale["inventory_jobs"], bench.scale["inventory_regions"]
    warm, static = [], []
    with bench.emulator(jobs, REGIONS[:count]) as emulator:
        source = bench.source(emulator, cache=True)
        filled = bench.inventory("cache filled", emulator, 0, source, "--flush-cache", "--export", keep=True)
        static_file = static_yaml(filled.pop("listing"), bench.work / "static.yml")
        yaml_only = dict(bench.env, ANSIBLE_INVENTORY_ENABLED="yaml")
        for _repeat in range(bench.scale["repeats"]):
            warm.append(bench.inventory("warm cache", emulator, 0, source))
            static.append(bench.inventory("static YAML", emulator, 0, static_file, env=yaml_only))
    if any(result["requests"] for result in warm):
        raise RuntimeError("a warm run listed jobs: the cache was not used")
    warm_s, static_s = (statistics.median(result["seconds"] for result in runs) for runs in (warm, static))
    figure = "warm cache / static YAML, %d hosts: %.2f s / %.2f s (medians of %d)" % (
        jobs, warm_s, static_s, len(warm),
    )  # fmt: skip
    return [Row(figure, warm_s / static_s, "%.2fx", 1.0)]


def bench_growth(bench: Bench) -> list:
    """Cold inventory runs at 1 s latency, by job count (5 regions) and by region count; then peak memory of the
    largest against ansible-inventory's own floor."""
    series = [("by jobs", jobs, 5) for jobs in bench.scale["growth_jobs"]]
    series += [("by regions", bench.scale["growth_regions_jobs"], count) for count in bench.scale["growth_regions"]]
    rows, runs = [], []
    for name, jobs, count in series:
        with bench.emulator(jobs, REGIONS[:count]) as emulator:
            runs.append(bench.inventory("growth " + name, emulator, LATENCY_MS, bench.source(emulator)))
        figure = "inventory cold, %s: %d requests, %.2f round trips, whole run" % (
            spread(jobs, count), runs[-1]["requests"], runs[-1]["round_trips"],
        )  # fmt: skip
        rows.append(Row(figure, runs[-1]["seconds"], "%.1f s"))
    largest = max(runs, key=lambda run: run["jobs"])
    floor = run([BIN / "ansible-inventory", "--list", "-i", "localhost,"], bench.env, bench.work)
    bench.runs.append(dict(floor, label="floor", requests=0))
    figure = "peak RSS, ansible-inventory at %d jobs (%.0f MiB) / with no hosts (%.0f MiB)" % (
        largest["jobs"], largest["max_rss_kib"] / 1024, floor["max_rss_kib"] / 1024,
    )  # fmt: skip
    return rows + [Row(figure, largest["max_rss_kib"] / floor["max_rss_kib"], "%.1fx")]


def bench_quota(bench: Bench) -> list:
    """The cold inventory under the account's flow control (the emulator's --quota-rps, a token bucket refilled
    before each run): the adaptive limiter alone (goal: refused <= 40 % of served), then with
    max_requests_per_second at the quota (goal: <= 5 %)."""
    quota, jobs, count = bench.scale["quota_rps"], bench.scale["inventory_jobs"], bench.scale["inventory_regions"]
    cases = [("adaptive", {}, 0.40), ("max_requests_per_second %g" % quota, {"max_requests_per_second": quota}, 0.05)]
    rows = []
    for what, options, refused_goal in cases:
        with bench.emulator(jobs, REGIONS[:count], "--quota-rps", str(quota)) as emulator:
            source = bench.source(emulator, **options)
            runs = [bench.inventory("quota, " + what, emulator, 0, source) for _run in range(bench.scale["repeats"])]
        rows += quota_rows("%s, %s" % (spread(jobs, count), what), runs, quota, refused_goal)
    return rows


BENCHES = {
    "requests": bench_requests,
    "round_trips": bench_round_trips,
    "warm_cache": bench_warm_cache,
    "growth": bench_growth,
    "quota": bench_quota,
}


# ---- main -----------------------------------------------------------------------------------------


def machine() -> dict:
    def first(path: str, key: str) -> str:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
        return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(key)), "")

    import ansible

    return {
        "nproc": os.cpu_count(),
        "cpu": first("/proc/cpuinfo", "model name"),
        "memory": "%.1f GiB" % (int(first("/proc/meminfo", "MemTotal").split()[0]) / 1024**2),
        "python": platform.python_version(),
        "ansible_core": ansible.__version__,
        "platform": platform.platform(),
        "loadavg": Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--quick", action="store_true", help="small scale (a dry run); docs/ is not written")
    parser.add_argument(
        "--only", action="append", choices=list(BENCHES), help="only these benchmarks; docs/ is not written"
    )
    arguments = parser.parse_args()
    started = time.monotonic()
    home = Path(tempfile.mkdtemp(prefix="alicloud-sae-bench-home-"))
    bench = Bench(
        QUICK if arguments.quick else FULL, safe_env(home), Path(tempfile.mkdtemp(prefix="alicloud-sae-bench-"))
    )
    results = {"scale": "quick" if arguments.quick else "full", "machine": machine(), "scale_figures": bench.scale}
    rows = []
    try:
        for name, function in BENCHES.items():
            if arguments.only is None or name in arguments.only:
                print("bench: %s ..." % name, flush=True)
                rows += function(bench)
    finally:
        shutil.rmtree(bench.work, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
    rows.append(past_total_row(bench.runs))
    results["machine"]["loadavg_end"] = Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3]
    results.update(finished=time.strftime("%Y-%m-%d %H:%M %Z"), wall_s=time.monotonic() - started, runs=bench.runs)
    results["table"] = [row.as_dict() for row in rows]
    path = RESULTS / ("quick.json" if arguments.quick else "partial.json" if arguments.only else "latest.json")
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print("\n%s\n\nresults: %s (%.0f s)" % (text_table(rows), path, results["wall_s"]))
    if not arguments.quick and arguments.only is None:
        (ROOT / "docs" / "performance.md").write_text(markdown(results, rows, TEMPLATE.read_text("utf-8")), "utf-8")
        write_chart(results, ROOT / "docs" / "performance.svg")
        print("written: docs/performance.md, docs/performance.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
