"""Write README.md, an index of the rendered plugin pages, into a docs directory.

Usage: python tools/docs_index.py DIR   (run by `make docs` after antsibull-docs)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

KINDS = {
    "module": "Modules",
    "inventory": "Inventory plugins",
    "lookup": "Lookup plugins",
    "filter": "Filter plugins",
    "test": "Test plugins",
    "callback": "Callback plugins",
    "connection": "Connection plugins",
    "action": "Action plugins",
}


def main(dest: Path) -> None:
    sections: dict[str, list[tuple[str, str]]] = {}
    for page in sorted(dest.glob("*.rst")):
        match = re.fullmatch(r"(?P<name>.+)_(?P<kind>[a-z]+)\.rst", page.name)
        if not match or match["kind"] not in KINDS:
            continue
        sections.setdefault(match["kind"], []).append((match["name"], page.name))
    lines = [
        "# alicloud.sae plugin reference",
        "",
        "Rendered from the plugins' documentation by `make docs` (antsibull-docs); do not edit",
        "these files by hand. `make test` checks that they are current.",
        "",
    ]
    for kind, title in KINDS.items():
        if kind not in sections:
            continue
        lines += [f"## {title}", ""]
        lines += [f"- [alicloud.sae.{name}]({file})" for name, file in sections[kind]]
        lines.append("")
    (dest / "README.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
