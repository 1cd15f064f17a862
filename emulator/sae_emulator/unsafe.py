"""What ``ansible-inventory --export`` says of the emulator's jobs, without Ansible's marks of untrusted text."""

from __future__ import annotations

from typing import Any


def plain(value: Any) -> Any:
    """``ansible-inventory --export`` JSON with the ``{"__ansible_unsafe": ...}`` markers of untrusted text removed.

    ansible-core >= 2.19 wraps every untrusted string so; older versions write the string itself.
    """
    if isinstance(value, dict):
        if len(value) == 1 and "__ansible_unsafe" in value:
            return plain(value["__ansible_unsafe"])
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value
