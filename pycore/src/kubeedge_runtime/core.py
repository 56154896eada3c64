"""generate(): selection in, Result out. The one entry point every surface calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from . import __version__, rules, runtimes
from .artifacts import Artifact, build_artifacts
from .diagnostics import Diagnostic, has_errors
from .i18n import t
from .plan import RuntimePlan
from .selection import FIELD_BY_KEY, RUNTIMES, Selection, parse, permalink_query

TOOL_NAME = "kubeedge-runtime-configurator"


@dataclass
class Result:
    selection: Selection
    diagnostics: list[Diagnostic]
    artifacts: list[Artifact] = field(default_factory=list)
    plan: RuntimePlan | None = None  # what the artifacts were built from (None when errors block)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    @cached_property
    def permalink(self) -> str:
        query = permalink_query(self.selection)
        return "?" + urlencode(query) if query else ""

    def message(self, d: Diagnostic) -> str:
        return diagnostic_message(self.selection.lang, d)

    def diagnostics_json(self) -> list[dict[str, Any]]:
        return [{"code": d.code, "severity": d.severity, "field": d.field, "message": self.message(d),
                 "doc": d.doc} for d in self.diagnostics]

    def to_json(self) -> dict[str, Any]:
        sel = self.selection.as_dict()
        sel.pop("token")  # never echo a secret back
        return {
            "tool": {"name": TOOL_NAME, "version": __version__},
            "selection": sel,
            "permalink": self.permalink,
            "artifacts": [a.to_json() for a in self.artifacts],
            "diagnostics": self.diagnostics_json(),
        }


def diagnostic_message(lang: str, d: Diagnostic) -> str:
    params = dict(d.params)
    if params.get("runtime") in RUNTIMES:
        params["runtime"] = t(lang, f"option.runtime.{params['runtime']}")
    if d.field in FIELD_BY_KEY:
        params.setdefault("field_label", t(lang, f"field.{d.field}.label"))
    return t(lang, f"diag.{d.code}", **params)


def selection_from(raw: dict[str, Any]) -> tuple[Selection, list[Diagnostic]]:
    return parse(raw, compat_default=rules.runtime_version_conflicts)


def generate(raw: dict[str, Any] | None = None) -> Result:
    """Parse, check and, when nothing blocks, build every artifact for the selection."""
    sel, diags = selection_from(raw or {})
    if has_errors(diags):
        return Result(sel, _ordered(diags))
    diags += rules.evaluate(sel)
    if has_errors(diags):
        return Result(sel, _ordered(diags))
    plan = runtimes.plan(sel)
    result = Result(sel, _ordered(diags), plan=plan)
    result.artifacts = build_artifacts(sel, plan, result.permalink)
    return result


_ORDER = {"error": 0, "warning": 1, "info": 2}


def _ordered(diags: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diags, key=lambda d: _ORDER[d.severity])
