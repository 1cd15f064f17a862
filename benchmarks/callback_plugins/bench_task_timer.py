# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark helper (not part of the collection): the seconds each task took, written to $BENCH_TASK_TIMINGS.

A task's time, from its start to its result, leaves out the start of ansible-playbook itself, which varies
by tenths of a second from run to run and would drown a difference of a few 100 ms round trips.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_task_timer
type: aggregate
short_description: write each task's duration to a JSON file (benchmarks only)
description: The file is named by the BENCH_TASK_TIMINGS environment variable.
requirements: [enable in configuration]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_task_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._started: dict = {}
        self._timings: list = []

    def v2_playbook_on_task_start(self, task, is_conditional) -> None:
        self._started[task._uuid] = time.perf_counter()

    def v2_runner_on_ok(self, result) -> None:  # a failed task fails the benchmark anyway
        started = self._started.get(result._task._uuid)
        if started is not None:
            self._timings.append({"task": result._task.get_name(), "seconds": time.perf_counter() - started})

    def v2_playbook_on_stats(self, stats) -> None:
        with open(os.environ["BENCH_TASK_TIMINGS"], "w", encoding="utf-8") as stream:
            json.dump(self._timings, stream)
