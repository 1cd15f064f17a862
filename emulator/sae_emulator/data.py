"""Seeded, deterministic job-template data sets: a small readable ``demo`` set and a generator.

A job is a dict holding exactly the vendor's ``Applications[]`` fields (in the vendor's order)
plus ``Instances`` (target instances: ``OrderBy=instances`` sorts by it, the answer omits it).
"""

from __future__ import annotations

import functools
import json
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

VENDOR_FIELDS = (
    "AppName",
    "NamespaceId",
    "AppId",
    "Tags",
    "RegionId",
    "AppDescription",
    "TriggerConfig",
    "Suspend",
    "Active",
    "Succeeded",
    "Failed",
    "LastStartTime",
    "CompletionTime",
    "LastChangeorderState",
    "LastJobState",
    "Cpu",
    "Mem",
    "Message",
    "ImageUrl",
)
INTERNAL_FIELDS = ("Instances",)

DEFAULT_REGIONS = ("cn-hangzhou", "cn-beijing", "cn-shanghai")
BASE_NAMES = (
    "nightly-report",
    "billing-sync",
    "cache-warmup",
    "log-compaction",
    "invoice-export",
    "db-backup",
    "metrics-rollup",
    "email-digest",
    "search-reindex",
    "image-thumbnails",
    "user-cleanup",
    "ledger-reconcile",
)
NAMESPACE_NAMES = ("prod", "staging", "dev", "test", "qa", "perf", "batch", "data", "ml", "ops")
TEAMS = ("finance", "billing", "platform", "data", "growth", "sre")

# Awkward text that must survive signing, query encoding and templating untouched downstream.
AWKWARD_TAG = {"Key": "owner team", "Value": "ops+dev *~:/ 生产"}
TEMPLATE_TAG = {"Key": "home", "Value": "{{ lookup('env','HOME') }}"}
TEMPLATE_DESCRIPTION = "{{ 7*7 }}"
QUOTE_TAG = {"Key": "quote", "Value": 'it\'s "quoted"'}
CJK_TAG = {"Key": "环境", "Value": "生产"}
EXTRA_AWKWARD_TAGS = (
    {"Key": "a:b/c", "Value": "x y"},
    {"Key": "plus+key", "Value": "1+1=2"},
    {"Key": "star*", "Value": "*"},
    {"Key": "tilde~", "Value": "~home"},
    {"Key": "path", "Value": "/var/log/app"},
    {"Key": "empty", "Value": ""},
)
NOT_JSON_TRIGGER = "0 3 * * ? (legacy cron, not JSON)"

# (Cpu millicores, Mem MB) pairs the vendor page allows.
CPU_MEM = ((500, 1024), (500, 2048), (1000, 2048), (1000, 4096), (2000, 4096), (2000, 8192), (4000, 8192))
CRONS = ("0 1 */1 * ?", "*/15 * * * ?", "0 0 2 * * ?", "30 4 * * 1", "0 */6 * * ?")
TIMEZONES = ("GMT+8:00", "GMT+0:00", "GMT-5:00")
BASE_EPOCH = 1767225600  # 2026-01-01T00:00:00Z: fixed, so data never depends on the clock


@functools.lru_cache(maxsize=256)  # few distinct triggers; encoding each of 20 000 jobs anew was the hot spot
def time_trigger(cron: str, timezone: str = "GMT+8:00") -> str:
    return json.dumps({"type": "time", "config": cron, "timezone": timezone}, separators=(",", ":"))


@functools.lru_cache(maxsize=64)
def _http_trigger(methods: tuple) -> str:
    config = {"type": "HTTPS", "method": list(methods), "ip": [], "referer": [], "securityConfig": "none"}
    return json.dumps({"type": "http", "config": config}, separators=(",", ":"))


def http_trigger(methods: Iterable[str] = ("GET",)) -> str:
    return _http_trigger(tuple(methods))


def seeded_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _below(rng: random.Random, n: int) -> int:
    # rng.random() is several times cheaper than randint/choice, which matters at 20 000 jobs.
    return int(rng.random() * n)


def make_job(
    rng: random.Random,
    *,
    region: str,
    namespace: str,
    name: str,
    app_id: str,
    tags: list,
    trigger: str,
    suspend: bool,
    description: str | None = None,
) -> dict:
    """One job record; every run-time number is drawn from ``rng`` so the same seed gives the same job."""
    active = 0 if suspend else (0, 0, 0, 1, 2)[_below(rng, 5)]
    instances = max(active, 1 + _below(rng, 10))
    ran = rng.random() < 0.85
    start = BASE_EPOCH - 60 - _below(rng, 30 * 86400) if ran else 0
    completion = start + 5 + _below(rng, 3600) if ran and not active else 0
    cpu, mem = CPU_MEM[_below(rng, len(CPU_MEM))]
    if active:
        job_state = "3"
    elif not ran:
        job_state = "0"
    else:
        job_state = ("1", "1", "1", "2")[_below(rng, 4)]
    image = (
        "" if rng.random() < 0.3 else "registry.%s.example.invalid/sae-jobs/%s:1.%d" % (region, name, _below(rng, 41))
    )
    return {
        "AppName": name,
        "NamespaceId": namespace,
        "AppId": app_id,
        "Tags": [dict(tag) for tag in tags],
        "RegionId": region,
        "AppDescription": description if description is not None else "%s in %s" % (name, namespace),
        "TriggerConfig": trigger,
        "Suspend": suspend,
        "Active": active,
        "Succeeded": _below(rng, 501) if ran else 0,
        "Failed": _below(rng, 21) if ran else 0,
        "LastStartTime": start,
        "CompletionTime": completion,
        "LastChangeorderState": ("1", "1", "1", "0")[_below(rng, 4)],
        "LastJobState": job_state,
        "Cpu": cpu,
        "Mem": mem,
        "Message": "success",
        "ImageUrl": image,
        "Instances": instances,
    }


@dataclass
class Dataset:
    """Jobs per region, each list in creation order (ListJobs' default order)."""

    name: str
    regions: dict = field(default_factory=dict)
    seed: int = 0

    def job_count(self) -> int:
        return sum(len(jobs) for jobs in self.regions.values())

    def to_dict(self) -> dict:
        return {"name": self.name, "seed": self.seed, "regions": self.regions}

    @classmethod
    def from_dict(cls, document: dict) -> Dataset:
        regions = document.get("regions")
        if not isinstance(regions, dict):
            raise ValueError("a data set document needs a 'regions' object mapping region -> list of jobs")
        checked: dict = {}
        for region, jobs in regions.items():
            checked[region] = [_complete(job, region) for job in jobs]
        return cls(document.get("name", "custom"), checked, int(document.get("seed", 0)))


def _complete(job: dict, region: str) -> dict:
    missing = [name for name in VENDOR_FIELDS if name not in job]
    if missing:
        raise ValueError("job %r lacks fields %s" % (job.get("AppName"), ", ".join(missing)))
    if job["RegionId"] != region:
        raise ValueError("job %r has RegionId %r but is listed under %r" % (job["AppName"], job["RegionId"], region))
    completed = {name: job[name] for name in VENDOR_FIELDS}
    completed["Instances"] = int(job.get("Instances", max(1, int(job["Active"]))))
    return completed


def demo(seed: int = 20260101) -> Dataset:
    """A few readable jobs in three regions: colliding names, both trigger kinds, some suspended."""
    rng = random.Random(seed)
    rows = (
        # region, namespace, name, trigger, suspend, extra tags
        (
            "cn-hangzhou",
            "prod",
            "nightly-report",
            time_trigger("0 1 */1 * ?"),
            False,
            [{"Key": "team", "Value": "finance"}],
        ),
        (
            "cn-hangzhou",
            "prod",
            "billing-sync",
            time_trigger("*/15 * * * ?"),
            False,
            [{"Key": "team", "Value": "billing"}],
        ),
        (
            "cn-hangzhou",
            "prod",
            "cache-warmup",
            http_trigger(("GET", "POST")),
            False,
            [{"Key": "team", "Value": "platform"}],
        ),
        (
            "cn-hangzhou",
            "staging",
            "nightly-report",
            time_trigger("0 1 */1 * ?"),
            True,
            [{"Key": "team", "Value": "finance"}],
        ),
        ("cn-hangzhou", "staging", "cache-warmup", http_trigger(), False, [{"Key": "owner", "Value": "ops team"}]),
        (
            "cn-beijing",
            "prod",
            "nightly-report",
            time_trigger("0 2 * * ?"),
            False,
            [{"Key": "team", "Value": "finance"}],
        ),
        (
            "cn-beijing",
            "prod",
            "billing-sync",
            time_trigger("0 */6 * * ?"),
            True,
            [{"Key": "team", "Value": "billing"}],
        ),
        ("cn-beijing", "dev", "cache-warmup", http_trigger(), False, [{"Key": "team", "Value": "platform"}]),
        ("cn-shanghai", "prod", "billing-sync", time_trigger("30 4 * * 1", "GMT+0:00"), False, [CJK_TAG]),
        (
            "cn-shanghai",
            "prod",
            "nightly-report",
            time_trigger("0 1 */1 * ?"),
            False,
            [{"Key": "team", "Value": "finance"}],
        ),
    )
    regions: dict = {}
    for region, namespace, name, trigger, suspend, extra in rows:
        namespace_id = "%s:%s" % (region, namespace)
        tags = [{"Key": "env", "Value": namespace}] + extra
        job = make_job(
            rng,
            region=region,
            namespace=namespace_id,
            name=name,
            app_id=seeded_uuid(rng),
            tags=tags,
            trigger=trigger,
            suspend=suspend,
        )
        regions.setdefault(region, []).append(job)
    return Dataset("demo", regions, seed)


def generate(
    jobs: int = 1000,
    regions: Iterable[str] | None = None,
    namespaces_per_region: int = 3,
    seed: int = 0,
) -> Dataset:
    """``jobs`` jobs spread over ``regions`` x ``namespaces_per_region`` namespaces, deterministic in ``seed``.

    Job ``i`` goes to region ``i % R`` and namespace ``(i // R) % K``; its name changes only every
    ``R * K`` jobs, so every name appears in every namespace of every region (name collisions),
    yet stays unique inside one namespace. Fixed early indices hold the awkward cases, so even a
    small set has them: 0 the all-awkward tag, 1 the only non-JSON TriggerConfig, 2 the template
    text, 3 quotes, 4 CJK.
    """
    if jobs < 0:
        raise ValueError("jobs must be >= 0")
    region_list = list(regions) if regions is not None else list(DEFAULT_REGIONS)
    if not region_list or len(set(region_list)) != len(region_list):
        raise ValueError("regions must be a non-empty list without duplicates")
    if namespaces_per_region < 1:
        raise ValueError("namespaces_per_region must be >= 1")
    rng = random.Random(seed)
    namespaces = [NAMESPACE_NAMES[k] if k < len(NAMESPACE_NAMES) else "ns%d" % k for k in range(namespaces_per_region)]
    per_name = len(region_list) * namespaces_per_region
    seen_ids: set = set()
    result: dict = {region: [] for region in region_list}
    for i in range(jobs):
        region = region_list[i % len(region_list)]
        namespace = namespaces[(i // len(region_list)) % namespaces_per_region]
        round_ = i // per_name
        name = BASE_NAMES[round_ % len(BASE_NAMES)]
        if round_ >= len(BASE_NAMES):
            name = "%s-%d" % (name, round_ // len(BASE_NAMES))
        tags = [{"Key": "env", "Value": namespace}, {"Key": "team", "Value": TEAMS[_below(rng, len(TEAMS))]}]
        description = None
        if i % 7 == 0:
            tags.append(AWKWARD_TAG)
        if i % 11 == 2:
            tags.append(TEMPLATE_TAG)
            description = TEMPLATE_DESCRIPTION
        if i % 13 == 3:
            tags.append(QUOTE_TAG)
        if i % 5 == 4:
            tags.append(CJK_TAG)
        if rng.random() < 0.1:
            tags.append(EXTRA_AWKWARD_TAGS[_below(rng, len(EXTRA_AWKWARD_TAGS))])
        if i == 1:
            trigger = NOT_JSON_TRIGGER
        elif i % 10 in (2, 5, 8):
            trigger = http_trigger(("GET",) if rng.random() < 0.5 else ("GET", "POST"))
        else:
            trigger = time_trigger(CRONS[_below(rng, len(CRONS))], TIMEZONES[_below(rng, len(TIMEZONES))])
        app_id = seeded_uuid(rng)
        while app_id in seen_ids:  # astronomically unlikely, but AppIds must be unique
            app_id = seeded_uuid(rng)
        seen_ids.add(app_id)
        result[region].append(
            make_job(
                rng,
                region=region,
                namespace="%s:%s" % (region, namespace),
                name=name,
                app_id=app_id,
                tags=tags,
                trigger=trigger,
                suspend=i % 6 == 5,
                description=description,
            )
        )
    return Dataset("generated", result, seed)


def public_view(job: dict) -> dict:
    """The job as ListJobs answers it: exactly the vendor's fields, in the vendor's order."""
    return {name: job[name] for name in VENDOR_FIELDS}
