"""Version gates: a fact table is a list of rows, each valid for a range of versions.

A row's range is a PEP 440 specifier set (``">=1.16,<1.18"``); the first row whose range
contains the version wins. Every row names its source (see FACTS.md). Code asks a table for a
value; it never writes version ``if`` chains of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version


@dataclass(frozen=True)
class Row:
    key: str
    versions: str  # PEP 440 specifier set; "" means every version
    value: Any
    source: str


class Table:
    """Rows indexed by key; ``get(key, version)`` returns the value in force for that version."""

    def __init__(self, name: str, rows: list[Row]):
        self.name = name
        self.rows = rows
        self._by_key: dict[str, list[tuple[SpecifierSet, Row]]] = {}
        self._cache: dict[tuple[str, str], Row | None] = {}
        for row in rows:
            self._by_key.setdefault(row.key, []).append((SpecifierSet(row.versions), row))

    def keys(self) -> list[str]:
        return list(self._by_key)

    def row(self, key: str, version: str) -> Row | None:
        # the same few (key, version) pairs are asked for on every form change: answer them once
        cache_key = (key, version)
        if cache_key not in self._cache:
            v = Version(version)
            self._cache[cache_key] = next(
                (row for spec, row in self._by_key.get(key, ()) if spec.contains(v, prereleases=True)), None)
        return self._cache[cache_key]

    def get(self, key: str, version: str, default: Any = None) -> Any:
        row = self.row(key, version)
        return default if row is None else row.value

    def bound(self, key: str) -> str:
        """The version a gate starts at (``>=1.16`` -> ``1.16``) or stops after (``>1.29.2`` -> ``1.29.2``),
        so messages quote the table instead of repeating its numbers."""
        spec = next(iter(self._by_key[key]))[0]
        (single,) = list(spec)
        return single.version

    def has(self, key: str, version: str) -> bool:
        """True when a row exists and its value is truthy (used for feature flags)."""
        return bool(self.get(key, version, False))


def parse_version(text: str) -> Version:
    return Version(text.strip().lstrip("vV"))


def minor_of(version: str) -> str:
    v = Version(version)
    return f"{v.major}.{v.minor}"
