"""A faithful local emulator of Alibaba Cloud SAE ``ListJobs`` (and STS ``AssumeRole``), on 127.0.0.1 only."""

from .credentials import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET
from .data import Dataset, demo, generate
from .faults import MALFORMED_KINDS, Faults
from .server import EmulatorServer

__all__ = [
    "DEMO_ACCESS_KEY_ID",
    "DEMO_ACCESS_KEY_SECRET",
    "Dataset",
    "EmulatorServer",
    "Faults",
    "MALFORMED_KINDS",
    "demo",
    "generate",
]
