"""Data -> text, each format by its library (tomlkit, PyYAML, json), never by string templates.

Every serializer is deterministic: the same data gives the same bytes. A header comment (the
provenance lines) is added where the format has comments.

The header names the selection, so it changes with every form change, while the data of a file
often does not (the cgroup driver does not touch the CNI conflist): bodies are remembered by their
data, and only the header is written again. tomlkit and PyYAML are most of a regeneration's time.
"""

from __future__ import annotations

import json
from typing import Any

import tomlkit
import yaml


def _toml_table(data: dict, super_table: bool) -> tomlkit.items.Table:
    table = tomlkit.table(is_super_table=super_table)
    _fill(table, data)
    return table


def _fill(container: Any, data: dict) -> None:
    scalars = {k: v for k, v in data.items() if not _is_table(v)}
    tables = {k: v for k, v in data.items() if _is_table(v)}
    for key, value in scalars.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            aot = tomlkit.aot()
            for item in value:
                entry = tomlkit.table()
                _fill(entry, item)
                aot.append(entry)
            container.add(key, aot)
        else:
            container.add(key, value)
    for key, value in tables.items():
        has_scalars = any(not _is_table(v) for v in value.values())
        container.add(key, _toml_table(value, super_table=not has_scalars))


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


_BODIES: dict[tuple[str, str], str] = {}
_BODIES_MAX = 512


def _body(fmt: str, data: Any, dump) -> str:
    """``dump(data)``, remembered by the data's JSON text (the data are plain JSON values)."""
    key = (fmt, json.dumps(data, sort_keys=False, ensure_ascii=False))
    text = _BODIES.get(key)
    if text is None:
        if len(_BODIES) >= _BODIES_MAX:
            _BODIES.clear()
        text = _BODIES[key] = dump(data)
    return text


def _comments(header: list[str] | None) -> str:
    return "".join(f"# {line}\n" for line in header or [])


def _toml_body(data: dict) -> str:
    doc = tomlkit.document()
    _fill(doc, data)
    return tomlkit.dumps(doc)


def to_toml(data: dict, header: list[str] | None = None) -> str:
    # what tomlkit writes for comment lines then a blank line before the document (tests/golden)
    return (_comments(header) + "\n" if header else "") + _body("toml", data, _toml_body)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False):  # lists indented under keys
        return super().increase_indent(flow, False)


def _yaml_body(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False)


def to_yaml(data: Any, header: list[str] | None = None) -> str:
    return _comments(header) + _body("yaml", data, _yaml_body)


def to_ini(data: dict[str, dict[str, str]], header: list[str] | None = None) -> str:
    """systemd unit files: [Section] then Key=Value lines."""
    out = [f"# {line}" for line in header or []]
    for section, values in data.items():
        if out:
            out.append("")
        out.append(f"[{section}]")
        for key, value in values.items():
            out.append(f"{key}={value}")
    return "\n".join(out) + "\n"


def serialise(fmt: str, data: Any, header: list[str] | None = None) -> str:
    if fmt == "toml":
        return to_toml(data, header)
    if fmt == "json":
        return to_json(data)
    if fmt == "yaml":
        return to_yaml(data, header)
    if fmt == "ini":
        return to_ini(data, header)
    raise ValueError(f"unknown format {fmt}")
