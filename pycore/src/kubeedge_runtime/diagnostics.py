"""Diagnostics: what the core tells the user about a selection, each with a stable code.

A diagnostic carries its message key and parameters; the text is rendered from the catalog in
the selection's language only when the result is serialised, so one rule serves every language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: str
    field: str | None
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def doc(self) -> str:
        return f"codes/#{self.code}"


def error(code: str, field_key: str | None, params: dict[str, Any] | None = None) -> Diagnostic:
    return Diagnostic(code, "error", field_key, params or {})


def warning(code: str, field_key: str | None, params: dict[str, Any] | None = None) -> Diagnostic:
    return Diagnostic(code, "warning", field_key, params or {})


def info(code: str, field_key: str | None, params: dict[str, Any] | None = None) -> Diagnostic:
    return Diagnostic(code, "info", field_key, params or {})


def has_errors(diags: list[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diags)
