"""The live job data: per-region lists in creation order, mutable at run time, with a selection cache.

Lists are replaced, never changed in place (copy on write), so a reader holding one sees a
consistent snapshot without holding the lock while it filters.
"""

from __future__ import annotations

import copy
import random
import threading
from collections import OrderedDict
from collections.abc import Callable

from .data import NAMESPACE_NAMES, Dataset, make_job, seeded_uuid, time_trigger

_CACHE_ENTRIES = 64


class JobStore:
    def __init__(self, dataset: Dataset) -> None:
        self._lock = threading.Lock()
        self.load(dataset)

    def load(self, dataset: Dataset) -> None:
        with self._lock:
            self.dataset = dataset
            self._regions: dict = {region: list(jobs) for region, jobs in dataset.regions.items()}
            self._version = 0
            self._cache: OrderedDict = OrderedDict()
            self._created = 0

    def regions(self) -> list:
        with self._lock:
            return sorted(self._regions)

    def snapshot(self, region: str) -> tuple:
        """``(version, jobs)``; the list must not be modified by the caller."""
        with self._lock:
            return self._version, self._regions.get(region, [])

    def jobs(self, region: str) -> list:
        """A deep copy of the region's raw records (``Instances`` included), in creation order."""
        _version, jobs = self.snapshot(region)
        return copy.deepcopy(jobs)

    def count(self) -> int:
        with self._lock:
            return sum(len(jobs) for jobs in self._regions.values())

    def selection(self, region: str, key: tuple, compute: Callable[[list], list]) -> list:
        """``compute(jobs)`` for the region, cached per data version so paging is O(page), not O(jobs)."""
        version, jobs = self.snapshot(region)
        cache_key = (region, version, key)
        with self._lock:
            cached = self._cache.get(cache_key)
            if cached is not None:
                self._cache.move_to_end(cache_key)
                return cached
        result = compute(jobs)
        with self._lock:
            self._cache[cache_key] = result
            while len(self._cache) > _CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return result

    def _replace(self, region: str, jobs: list) -> None:
        # Caller holds the lock.
        self._regions[region] = jobs
        self._version += 1
        self._cache.clear()

    def delete(self, region: str, app_id: str) -> bool:
        with self._lock:
            jobs = self._regions.get(region, [])
            kept = [job for job in jobs if job["AppId"] != app_id]
            if len(kept) == len(jobs):
                return False
            self._replace(region, kept)
            return True

    def add(self, region: str, job: dict) -> None:
        if job.get("RegionId") != region:
            raise ValueError("job RegionId %r does not match region %r" % (job.get("RegionId"), region))
        with self._lock:
            self._replace(region, self._regions.get(region, []) + [job])

    def mutate(self, region: str, delete: str | None, create: bool, rng: random.Random) -> dict:
        """Delete one job (``delete`` or a random one) and append a new one, as happens mid-listing."""
        with self._lock:
            jobs = self._regions.get(region, [])
            if delete is None and jobs:
                delete = rng.choice(jobs)["AppId"]
            kept = [job for job in jobs if job["AppId"] != delete]
            deleted = delete if len(kept) != len(jobs) else None
            created = None
            if create:
                self._created += 1
                namespaces = sorted({job["NamespaceId"] for job in jobs}) or ["%s:%s" % (region, NAMESPACE_NAMES[0])]
                job = make_job(
                    rng,
                    region=region,
                    namespace=rng.choice(namespaces),
                    name="created-during-listing-%d" % self._created,
                    app_id=seeded_uuid(rng),
                    tags=[{"Key": "origin", "Value": "mutation"}],
                    trigger=time_trigger("0 5 * * ?"),
                    suspend=False,
                )
                kept.append(job)
                created = job["AppId"]
            self._replace(region, kept)
            return {"region": region, "deleted": deleted, "created": created}
