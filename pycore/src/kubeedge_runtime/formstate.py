"""The form the UI renders: fields, options (disabled ones with the reason), current values.

The UI never decides anything: it shows this state, and on a change it asks ``change()`` for the
next raw selection, so the highlighted option and the shown output can never disagree.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from . import rules
from .core import Result, diagnostic_message, generate, selection_from
from .diagnostics import Diagnostic
from .i18n import catalog, t
from .selection import FIELD_BY_KEY, FIELDS, Selection, short_value

# Changing a field resets the fields whose meaning depends on it.
DEPENDENTS = {
    "runtime": ("runtime_version", "kata_mode", "isulad_stream_port"),
}


def change(raw: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """The raw selection after the user sets ``key`` to ``value`` (empty value = back to default)."""
    new = {k: v for k, v in raw.items() if k not in DEPENDENTS.get(key, ())}
    if value in (None, ""):
        new.pop(key, None)
    else:
        new[key] = value
    return new


def _errors(raw: dict[str, Any]) -> list[Diagnostic]:
    return list(_errors_cached(tuple(sorted((k, str(v)) for k, v in raw.items()))))


@lru_cache(maxsize=4096)
def _errors_cached(items: tuple[tuple[str, str], ...]) -> tuple[Diagnostic, ...]:
    """The errors of a selection; option checks repeat across form changes, so they are remembered."""
    sel, diags = selection_from(dict(items))
    if not any(d.severity == "error" for d in diags):
        diags = diags + rules.evaluate(sel)
    return tuple(d for d in diags if d.severity == "error")


def _option_label(lang: str, key: str, value: str) -> str:
    return t(lang, f"option.{key}.{value}") if f"option.{key}.{value}" in catalog(lang) else value


def _value(sel: Selection, key: str) -> str:
    return "" if key == "token" else short_value(sel, key)  # a secret is never echoed back


def form_state(raw: dict[str, Any], result: Result | None = None) -> dict[str, Any]:
    result = result or generate(raw)
    sel = result.selection
    lang = sel.lang
    current_errors = {(d.code, d.field) for d in _errors(raw)}
    diagnostics = result.diagnostics_json()
    fields = []
    for f in FIELDS:
        entry: dict[str, Any] = {
            "key": f.key,
            "kind": f.kind,
            "flag": f.flag,
            "label": t(lang, f"field.{f.key}.label"),
            "help": t(lang, f"field.{f.key}.help"),
            "value": _value(sel, f.key),
            "given": f.key in sel.given or (f.key == "token" and bool(sel.token)),
            "applies": f.applies(sel),
            "secret": f.secret,
            "diagnostics": [d for d in diagnostics if d["field"] == f.key],
        }
        if f.kind == "choice" and f.options is not None:
            options = []
            for value in f.options(sel):
                disabled_reason = ""
                if value != entry["value"]:
                    # only conflicts between choices disable an option; a text field still to be
                    # filled in (e.g. the CloudCore address for binary installs) does not
                    new_errors = [d for d in _errors(change(raw, f.key, value))
                                  if (d.code, d.field) not in current_errors
                                  and (d.field is None or FIELD_BY_KEY[d.field].kind == "choice")]
                    if new_errors:
                        disabled_reason = diagnostic_message(lang, new_errors[0])
                options.append({"value": value, "label": _option_label(lang, f.key, value),
                                "disabled": bool(disabled_reason), "reason": disabled_reason})
            entry["options"] = options
        if f.kind == "text" and not f.secret and f.key in raw and any(
                d["severity"] == "error" for d in entry["diagnostics"]):
            entry["value"] = str(raw[f.key])  # what was typed stays in the field until it is corrected
        fields.append(entry)
    return {
        "lang": lang,
        "fields": fields,
        "permalink": result.permalink,
        "diagnostics": [d for d in diagnostics if d["field"] is None],
    }
