"""Render the collection's plugin documentation as Markdown pages (GitHub renders them).

Usage: python tools/render_docs.py DEST_DIR      (run by `make docs` / `make docs-check`)

Reads every plugin's documentation with ``ansible-doc --json`` (the collection must be
reachable through ANSIBLE_COLLECTIONS_PATH) and writes ``<name>_<type>.md`` per plugin and
a ``README.md`` index into DEST_DIR. Ansible markup (``O()``, ``RV()``, ``C()``, ``M()``,
...) is converted with antsibull-docs-parser. The output depends only on the plugins'
documentation, so `make docs-check` can compare it with the committed copy.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from antsibull_docs_parser import dom
from antsibull_docs_parser.format import LinkProvider
from antsibull_docs_parser.md import to_md
from antsibull_docs_parser.parser import Context, parse

NAMESPACE, NAME = "alicloud", "sae"
COLLECTION = f"{NAMESPACE}.{NAME}"
ROOT = Path(__file__).resolve().parent.parent

# plugins/<directory> -> (ansible-doc type, page suffix, title)
PLUGIN_TYPES = {
    "modules": ("module", "module", "Modules"),
    "inventory": ("inventory", "inventory", "Inventory plugins"),
    "lookup": ("lookup", "lookup", "Lookup plugins"),
    "filter": ("filter", "filter", "Filter plugins"),
    "test": ("test", "test", "Test plugins"),
    "callback": ("callback", "callback", "Callback plugins"),
    "connection": ("connection", "connection", "Connection plugins"),
}


def page_name(name: str, kind: str) -> str:
    return f"{name}_{PLUGIN_TYPES_BY_KIND[kind]}.md"


PLUGIN_TYPES_BY_KIND = {entry[0]: entry[1] for entry in PLUGIN_TYPES.values()}


def anchor(what: str, path: list[str]) -> str:
    return f"{'parameter' if what == 'option' else 'return'}-{'/'.join(path)}"


class Links(LinkProvider):
    def __init__(self, plugins: set[tuple[str, str]]):
        self.plugins = plugins

    def plugin_link(self, plugin: dom.PluginIdentifier) -> str | None:
        short = plugin.fqcn.removeprefix(COLLECTION + ".")
        if plugin.fqcn.startswith(COLLECTION + ".") and (short, plugin.type) in self.plugins:
            return page_name(short, plugin.type)
        return None

    def plugin_option_like_link(self, plugin, entrypoint, what, name, current_plugin) -> str | None:
        target = "" if current_plugin else self.plugin_link(plugin)
        if target is None:
            return None
        return f"{target}#{anchor(what, name)}"


class Renderer:
    def __init__(self, fqcn: str, kind: str, links: Links):
        self.context = Context(current_plugin=dom.PluginIdentifier(fqcn=fqcn, type=kind))
        self.links = links

    def md(self, text: str | list[str] | None, sep: str = "\n\n") -> str:
        if not text:
            return ""
        paragraphs = parse(text if isinstance(text, list) else [text], self.context, errors="message")
        return to_md(
            paragraphs, link_provider=self.links, current_plugin=self.context.current_plugin, par_sep=sep
        ).strip()

    def cell(self, text: str | list[str] | None) -> str:
        return self.md(text, sep="<br><br>").replace("\n", " ").replace("|", "\\|")


def code(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


def type_text(spec: dict[str, Any]) -> str:
    kind = spec.get("type", "str")
    kind = {"str": "string", "bool": "boolean", "int": "integer", "raw": "any"}.get(kind, kind)
    if kind == "list" and spec.get("elements"):
        elements = {"str": "string", "int": "integer", "bool": "boolean"}.get(spec["elements"], spec["elements"])
        kind = f"list / elements={elements}"
    return kind


def option_rows(r: Renderer, options: dict[str, Any], plugin_kind: str, path: list[str]) -> list[str]:
    rows = []
    for name in sorted(options):
        spec = options[name]
        here = path + [name]
        label = f'<a id="{anchor("option", here)}"></a>**{".".join(here)}**'
        facts = [type_text(spec)]
        if spec.get("required"):
            facts.append("**required**")
        if spec.get("aliases"):
            facts.append("aliases: " + ", ".join(spec["aliases"]))
        if spec.get("version_added") and spec.get("version_added_collection") == COLLECTION:
            facts.append(f"added in {COLLECTION} {spec['version_added']}")
        details = [r.cell(spec.get("description"))]
        if "choices" in spec:
            default = spec.get("default")
            choices = [code(c) + (" (default)" if c == default else "") for c in spec["choices"]]
            details.append("Choices: " + ", ".join(choices))
        elif spec.get("default") is not None:
            details.append("Default: " + code(spec["default"]))
        if plugin_kind != "module":
            details += config_sources(spec)
        rows.append(f"| {label}<br>{'<br>'.join(facts)} | {'<br><br>'.join(d for d in details if d)} |")
        if spec.get("suboptions"):
            rows += option_rows(r, spec["suboptions"], plugin_kind, here)
    return rows


def config_sources(spec: dict[str, Any]) -> list[str]:
    out = []
    for entry in spec.get("env") or []:
        out.append(f"Environment variable: `{entry['name']}`")
    for entry in spec.get("ini") or []:
        out.append(f"INI entry: `[{entry['section']}] {entry['key']}`")
    for entry in spec.get("vars") or []:
        out.append(f"Variable: `{entry['name']}`")
    return out


def return_rows(r: Renderer, values: dict[str, Any], path: list[str]) -> list[str]:
    rows = []
    for name in sorted(values):
        spec = values[name]
        here = path + [name]
        label = f'<a id="{anchor("retval", here)}"></a>**{".".join(here)}**<br>{type_text(spec)}'
        details = [r.cell(spec.get("description"))]
        if spec.get("returned"):
            details.append("Returned: " + r.cell(spec["returned"]))
        if "sample" in spec:
            details.append("Sample: " + code(spec["sample"]))
        rows.append(f"| {label} | {'<br><br>'.join(d for d in details if d)} |")
        if spec.get("contains"):
            rows += return_rows(r, spec["contains"], here)
    return rows


def render(name: str, kind: str, data: dict[str, Any], links: Links) -> str:
    doc = data["doc"]
    fqcn = f"{COLLECTION}.{name}"
    r = Renderer(fqcn, kind, links)
    kind_title = {"module": "module", "inventory": "inventory plugin"}.get(kind, f"{kind} plugin")
    out = [f"# {fqcn} {kind_title} – {r.md(doc.get('short_description'))}", ""]
    out += [
        f"Part of the `{COLLECTION}` collection (version {collection_version()}). Use it as `{fqcn}`"
        + (" in a playbook task." if kind == "module" else f" (`plugin: {fqcn}` in an inventory source)."),
        "",
    ]
    if doc.get("version_added") and doc.get("version_added_collection") == COLLECTION:
        out += [f"New in {COLLECTION} {doc['version_added']}.", ""]
    out += ["## Synopsis", ""]
    out += [f"- {r.md(par)}" for par in as_list(doc.get("description"))] + [""]
    if doc.get("requirements"):
        out += ["## Requirements", "", "Needed on the host that executes this " + kind_title + ":", ""]
        out += [f"- {r.md(req)}" for req in as_list(doc["requirements"])] + [""]
    if doc.get("options"):
        out += ["## Parameters", "", "| Parameter | Comments |", "| --- | --- |"]
        out += option_rows(r, doc["options"], kind, []) + [""]
    if doc.get("attributes"):
        out += ["## Attributes", "", "| Attribute | Support | Description |", "| --- | --- | --- |"]
        for attr in sorted(doc["attributes"]):
            spec = doc["attributes"][attr]
            support = f"**{spec.get('support', '')}**"
            if spec.get("details"):
                support += "<br>" + r.cell(spec["details"])
            out.append(f"| {attr} | {support} | {r.cell(spec.get('description'))} |")
        out.append("")
    if doc.get("notes"):
        out += ["## Notes", ""] + [f"- {r.md(note)}" for note in as_list(doc["notes"])] + [""]
    if doc.get("seealso"):
        out += ["## See also", ""]
        for item in doc["seealso"]:
            out.append(f"- {seealso(r, item, links)}")
        out.append("")
    if data.get("examples"):
        out += ["## Examples", "", "```yaml", data["examples"].strip("\n"), "```", ""]
    if data.get("return"):
        out += ["## Return values", "", "| Key | Description |", "| --- | --- |"]
        out += return_rows(r, data["return"], []) + [""]
    if doc.get("author"):
        out += ["## Authors", ""] + [f"- {a}" for a in as_list(doc["author"])] + [""]
    return "\n".join(out)


def seealso(r: Renderer, item: dict[str, Any], links: Links) -> str:
    description = r.md(item.get("description"))
    if "module" in item or "plugin" in item:
        fqcn = item.get("module") or item["plugin"]
        kind = item.get("plugin_type", "module")
        link = links.plugin_link(dom.PluginIdentifier(fqcn=fqcn, type=kind))
        title = f"[{fqcn}]({link})" if link else f"`{fqcn}`"
    elif "link" in item:
        title = f"[{item.get('name', item['link'])}]({item['link']})"
    else:
        title = item.get("name") or item.get("ref", "")
    return f"{title}: {description}" if description else title


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def collection_version() -> str:
    for line in (ROOT / "galaxy.yml").read_text().splitlines():
        if line.startswith("version:"):
            return line.split(":", 1)[1].strip().strip("'\"")
    return "unknown"


def discover() -> list[tuple[str, str]]:
    plugins = []
    for directory, entry in PLUGIN_TYPES.items():
        kind = entry[0]
        for path in sorted((ROOT / "plugins" / directory).glob("*.py")):
            if path.name != "__init__.py" and not path.name.startswith("_"):
                plugins.append((path.stem, kind))
    return plugins


def main(dest: Path) -> None:
    plugins = discover()
    links = Links(set(plugins))
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("*.md"):
        old.unlink()
    index = [
        f"# {COLLECTION} plugin reference",
        "",
        "Rendered from the plugins' documentation by `make docs`; do not edit these pages by hand.",
        "`make test` checks that they are current.",
        "",
    ]
    for kind, _suffix, title in PLUGIN_TYPES.values():
        names = [name for name, k in plugins if k == kind]
        if not names:
            continue
        fqcns = [f"{COLLECTION}.{name}" for name in names]
        raw = subprocess.run(["ansible-doc", "--json", "-t", kind, *fqcns], check=True, capture_output=True).stdout
        docs = json.loads(raw)
        index += [f"## {title}", ""]
        for name, fqcn in zip(names, fqcns, strict=True):
            if fqcn not in docs:
                raise SystemExit(f"render_docs.py: ansible-doc returned no documentation for {kind} {fqcn}")
            (dest / page_name(name, kind)).write_text(render(name, kind, docs[fqcn], links))
            short = docs[fqcn]["doc"].get("short_description", "")
            index.append(f"- [{fqcn}]({page_name(name, kind)}) – {short}")
        index.append("")
    (dest / "README.md").write_text("\n".join(index))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
