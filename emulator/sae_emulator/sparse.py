"""Answers as a gateway that leaves out null and empty members sends them (``Faults.sparse``).

Gateways in front of Java services often serialise with "non-empty" inclusion: a member whose value is
null, an empty string, an empty list or an empty object is not sent at all. The official SDK's models
read every member as optional, so such an answer is an ordinary one to them.
"""

from __future__ import annotations


def _is_empty(value: object) -> bool:
    """Null, "", [] or {}. Numbers and booleans (0, false) are values."""
    return value is None or (isinstance(value, (str, list, dict)) and not value)


def without_empty_members(value: object) -> object:
    """``value`` with every object member that is null or empty left out, at every depth.

    A member is judged as it would be sent, its own empty members left out first: an object holding only
    empty members goes too. List elements are not members: they are kept (their own members are judged).
    """
    if isinstance(value, dict):
        kept = {name: without_empty_members(member) for name, member in value.items()}
        return {name: member for name, member in kept.items() if not _is_empty(member)}
    if isinstance(value, list):
        return [without_empty_members(element) for element in value]
    return value
