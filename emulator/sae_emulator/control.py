"""The HTTP control interface under ``/_emulator/`` (for tests running the emulator as a separate process).

Unauthenticated on purpose: the server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from .faults import Faults

if TYPE_CHECKING:  # pragma: no cover
    from .server import EmulatorServer

PREFIX = "/_emulator"


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _json_body(body: bytes) -> dict:
    if not body.strip():
        return {}
    try:
        document = json.loads(body.decode("utf-8"))
    except ValueError:
        raise ControlError(400, "the body must be a JSON object") from None
    if not isinstance(document, dict):
        raise ControlError(400, "the body must be a JSON object")
    return document


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def handle(server: EmulatorServer, method: str, path: str, raw_query: str, body: bytes) -> tuple:
    """``(status, document)`` for one control request."""
    query = dict(parse_qsl(raw_query, keep_blank_values=True))
    route = (method, path[len(PREFIX) :].rstrip("/") or "/")
    try:
        if route == ("GET", "/health"):
            return 200, {"ok": True, "port": server.port}
        if route in (("GET", "/"), ("GET", "/info")):
            return 200, server.info()
        if route == ("GET", "/stats"):
            return 200, server.stats()
        if route == ("GET", "/requests"):
            entries = server.requests()
            if query.get("last"):
                entries = entries[-int(query["last"]) :]
            return 200, {"requests": entries}
        if route == ("GET", "/faults"):
            return 200, server.faults.to_dict()
        if route == ("POST", "/faults"):
            document = _json_body(body)
            if _flag(query.get("merge")):
                document = dict(server.faults.to_dict(), **document)
            server.set_faults(Faults.from_dict(document))
            return 200, server.faults.to_dict()
        if route == ("POST", "/reset"):
            options = _json_body(body)
            server.reset(
                faults=bool(options.get("faults")), data=bool(options.get("data")), nonces=bool(options.get("nonces"))
            )
            return 200, {"ok": True}
        if route == ("GET", "/jobs"):
            region = query.get("region")
            if region:
                return 200, {"region": region, "jobs": server.jobs(region)}
            return 200, {"regions": {name: server.jobs(name) for name in server.regions()}}
        if route == ("POST", "/mutate"):
            options = _json_body(body)
            if not options.get("region"):
                raise ControlError(400, "mutate needs a region")
            record = server.mutate(
                options["region"],
                delete=options.get("delete"),
                create=bool(options.get("create", True)),
                seed=int(options.get("seed", 0)),
            )
            return 200, record
        if route == ("POST", "/sts/expire"):
            return 200, {"expired": server.expire_sts_tokens()}
    except ControlError as error:
        return error.status, {"error": str(error)}
    except (ValueError, TypeError, KeyError) as error:
        return 400, {"error": str(error)}
    return 404, {"error": "no control endpoint %s %s" % (method, path)}
