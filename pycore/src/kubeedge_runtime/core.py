"""generate(): selection in, Result out. The one entry point every surface calls.

The plan and the serialisers (Jinja2, tomlkit, PyYAML) are imported on the first generation, not
with the package: ``kubeedge-runtime --help`` and ``check`` never need them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from . import __version__, rules
from .diagnostics import Diagnostic, has_errors
from .i18n import t
from .selection import FIELD_BY_KEY, RUNTIMES, Selection, parse, permalink_query

if TYPE_CHECKING:
    from .artifacts import Artifact
    from .plan import RuntimePlan

TOOL_NAME = "kubeedge-runtime-configurator"


@dataclass
class Result:
    selection: Selection
    diagnostics: list[Diagnostic]
    artifacts: list["Artifact"] = field(default_factory=list)
    plan: "RuntimePlan | None" = None  # what the artifacts were made from (None when the selection has errors)

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


def check(raw: dict[str, Any] | None = None) -> Result:
    """Parse and check: the selection and its diagnostics, no artifacts."""
    sel, diags = selection_from(raw or {})
    if not has_errors(diags):
        diags += rules.evaluate(sel)
    return Result(sel, _ordered(diags))


def generate(raw: dict[str, Any] | None = None) -> Result:
    """Parse, check and, when nothing blocks, build every artifact for the selection."""
    result = check(raw)
    if result.ok:
        from . import runtimes
        from .artifacts import build_artifacts

        result.plan = runtimes.plan(result.selection)
        result.artifacts = build_artifacts(result.selection, result.plan, result.permalink)
    return result


_ORDER = {"error": 0, "warning": 1, "info": 2}


def _ordered(diags: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diags, key=lambda d: _ORDER[d.severity])
