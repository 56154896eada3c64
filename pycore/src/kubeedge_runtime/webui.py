"""The configurator's HTML, rendered by Python both at docs build time (prerender) and in the
browser (Pyodide worker), so the page before and after Python starts is the same markup.

The browser side only morphs the DOM to the new markup and wires events; it decides nothing.
Stable hooks: the root has ``data-state``; each output's ``<pre>`` has ``data-artifact-path`` and
exactly the artifact's text as its text content (highlighting only wraps it in spans).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from functools import lru_cache
from html import escape
from typing import Any

from .core import Result, generate
from .formstate import change, form_state
from .i18n import catalog, t

ROOT_CLASS = "kec"


def _attr(value: Any) -> str:
    return escape(str(value), quote=True)


# --- highlighting -----------------------------------------------------------------------------

_RULES = {
    "bash": [("c", r"^[ \t]*#.*$"), ("s", r"'[^'\n]*'"), ("s", r'"(?:[^"\\\n]|\\.)*"'),
             ("v", r"\$\{[^}\n]*\}|\$[A-Za-z_][A-Za-z0-9_]*"),
             ("k", r"^[A-Za-z_][A-Za-z0-9_]*(?=\(\) \{)")],
    "toml": [("c", r"#.*$"), ("h", r"^\[\[?[^\n]*\]\]?$"), ("s", r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\''),
             ("k", r"^[ \t]*[A-Za-z0-9_.\"-]+(?=[ \t]*=)"), ("n", r"\b(?:true|false|-?\d+)\b")],
    "yaml": [("c", r"^[ \t]*#.*$"), ("k", r"^[ \t]*(?:- )?[A-Za-z0-9_./-]+(?=:(?:[ \t]|$))"),
             ("s", r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\''), ("n", r"\b(?:true|false|null|-?\d+)\b")],
    "json": [("k", r'"(?:[^"\\\n]|\\.)*"(?=\s*:)'), ("s", r'"(?:[^"\\\n]|\\.)*"'),
             ("n", r"\b(?:true|false|null|-?\d+)\b")],
    "ini": [("c", r"^#.*$"), ("h", r"^\[[^\n]*\]$"), ("k", r"^[A-Za-z][A-Za-z0-9]*(?==)")],
    "powershell": [("c", r"^#.*$"), ("s", r"'[^'\n]*'"), ("v", r"\$[A-Za-z_:][A-Za-z0-9_:]*")],
    "markdown": [("c", r"<!--[\s\S]*?-->"), ("h", r"^#.*$")],
}
_COMPILED = {lang: re.compile("|".join(f"(?P<{cls}{i}>{rx})" for i, (cls, rx) in enumerate(rules)), re.M)
             for lang, rules in _RULES.items()}


@lru_cache(maxsize=256)
def highlight(text: str, language: str) -> str:
    """HTML for ``text`` with token spans; its text content is exactly ``text``."""
    rx = _COMPILED.get(language)
    if rx is None:
        return escape(text, quote=False)
    out, pos = [], 0
    for m in rx.finditer(text):
        if m.start() == m.end():
            continue
        cls = m.lastgroup.rstrip("0123456789")
        out.append(escape(text[pos:m.start()], quote=False))
        out.append(f'<span class="kec-{cls}">{escape(m.group(), quote=False)}</span>')
        pos = m.end()
    out.append(escape(text[pos:], quote=False))
    return "".join(out)


# --- markup -----------------------------------------------------------------------------------

def _diags(diags: list[dict[str, Any]], lang: str, css: str = "kec-diags") -> str:
    if not diags:
        return ""
    items = "".join(f'<li class="kec-diag kec-{d["severity"]}" data-code="{_attr(d["code"])}">'
                    f'<span class="kec-sev">{escape(t(lang, "ui.severity." + d["severity"]))}</span> '
                    f'{escape(d["message"])}</li>'
                    for d in diags)
    return f'<ul class="{css}">{items}</ul>'


def _digest(*parts: str) -> str:
    """A short hash of what an element shows: the browser skips re-rendering elements whose hash is
    unchanged (web/configurator.mjs morph)."""
    return hashlib.md5("\0".join(parts).encode()).hexdigest()[:12]


def _field(f: dict[str, Any], lang: str) -> str:
    key = f["key"]
    fid = f"kec-{key}"
    help_id = f"{fid}-help"
    parts = [f'<label for="{fid}">{escape(f["label"])}</label>']
    if f["kind"] == "choice":
        opts = []
        for o in f["options"]:
            selected = " selected" if o["value"] == f["value"] else ""
            disabled = " disabled" if o["disabled"] else ""
            opts.append(f'<option value="{_attr(o["value"])}"{selected}{disabled}>{escape(o["label"])}</option>')
        parts.append(f'<select id="{fid}" name="{key}" aria-describedby="{help_id}">{"".join(opts)}</select>')
    else:
        kind = "password" if f["secret"] else "text"
        value = "" if f["secret"] else f["value"]
        placeholder = t(lang, "ui.placeholder." + key) if f"ui.placeholder.{key}" in catalog(lang) else ""
        parts.append(f'<input id="{fid}" name="{key}" type="{kind}" value="{_attr(value)}" '
                     f'placeholder="{_attr(placeholder)}" autocomplete="off" spellcheck="false" '
                     f'aria-describedby="{help_id}">')
    parts.append(f'<p class="kec-help" id="{help_id}">{escape(f["help"])}</p>')
    unavailable = [o for o in f.get("options", []) if o["disabled"]]
    if unavailable:
        items = "".join(f'<li><s>{escape(o["label"])}</s> {escape(o["reason"])}</li>' for o in unavailable)
        parts.append(f'<details class="kec-unavailable"><summary>{escape(t(lang, "ui.unavailable"))} '
                     f'({len(unavailable)})</summary><ul>{items}</ul></details>')
    parts.append(_diags([d for d in f["diagnostics"] if d["severity"] != "info"], lang))
    body = "".join(parts)
    return f'<div class="kec-field" data-field="{key}" data-h="{_digest(body)}">{body}</div>'


BASIC = ("kubeedge_version", "runtime", "runtime_version", "install_method", "os", "arch", "cgroup_driver")


def _form(state: dict[str, Any]) -> str:
    lang = state["lang"]
    shown = [f for f in state["fields"] if f["applies"] and f["key"] != "lang"]
    basic = "".join(_field(f, lang) for f in shown if f["key"] in BASIC)
    more = [f for f in shown if f["key"] not in BASIC]
    open_attr = " open" if any(f["given"] or f["diagnostics"] and any(
        d["severity"] != "info" for d in f["diagnostics"]) for f in more) else ""
    advanced = "".join(_field(f, lang) for f in more)
    return (f'<form class="kec-form" novalidate><div class="kec-grid">{basic}</div>'
            f'<details class="kec-more"{open_attr}><summary>{escape(t(lang, "ui.more_options"))}</summary>'
            f'<div class="kec-grid">{advanced}</div></details></form>')


def _outputs(result: Result, state: dict[str, Any]) -> str:
    lang = state["lang"]
    if not result.ok:
        return f'<div class="kec-outputs kec-blocked"><p>{escape(t(lang, "ui.fix_errors"))}</p></div>'
    tabs, panels = [], []
    for i, a in enumerate(result.artifacts):
        selected = "true" if i == 0 else "false"
        hidden = "" if i == 0 else " hidden"
        tabs.append(f'<button type="button" role="tab" id="kec-tab-{a.id}" aria-controls="kec-panel-{a.id}" '
                    f'aria-selected="{selected}" tabindex="{0 if i == 0 else -1}" data-artifact="{a.id}">'
                    f'{escape(a.title)}</button>')
        sha = ""
        if a.id == "install":
            digest = hashlib.sha256(a.content.encode()).hexdigest()
            sha = f'<span class="kec-sha" title="sha256">sha256 <code>{digest}</code></span>'
        filename = a.path.rsplit("/", 1)[-1]
        panels.append(
            f'<section role="tabpanel" class="kec-panel" id="kec-panel-{a.id}" aria-labelledby="kec-tab-{a.id}" '
            f'data-artifact="{a.id}" data-h="{_digest(lang, a.path, a.title, a.content)}"{hidden}>'
            f'<div class="kec-panel-bar"><code class="kec-path">{escape(a.path)}</code>'
            f'<button type="button" class="kec-btn" data-action="copy">{escape(t(lang, "ui.copy"))}</button>'
            f'<button type="button" class="kec-btn" data-action="download" data-filename="{_attr(filename)}">'
            f'{escape(t(lang, "ui.download"))}</button>{sha}</div>'
            # a <pre> without <code>: the theme decorates every "pre > code" and would change the markup
            f'<pre class="kec-pre language-{a.language}" data-artifact-path="{_attr(a.path)}">'
            f"{highlight(a.content, a.language)}</pre></section>")
    toolbar = (f'<div class="kec-toolbar"><button type="button" class="kec-btn" data-action="download-all">'
               f'{escape(t(lang, "ui.download_all"))}</button>'
               f'<a class="kec-permalink" href="{_attr(result.permalink or "?")}">{escape(t(lang, "ui.permalink"))}'
               f'</a></div>')
    return (f'<div class="kec-outputs">{toolbar}<div class="kec-tabs" role="tablist" '
            f'aria-label="{_attr(t(lang, "ui.outputs"))}">{"".join(tabs)}</div>{"".join(panels)}</div>')


def inner(raw: dict[str, Any], result: Result | None = None) -> str:
    """The island's content for a raw selection (what the worker sends after every change)."""
    result = result or generate(raw)
    state = form_state(raw, result)
    return _form(state) + _notes(state) + _outputs(result, state)


def _notes(state: dict[str, Any]) -> str:
    """Notes that concern no single field, then the infos of the fields (errors and warnings sit by
    their field), so the form stays compact and nothing is lost."""
    lang = state["lang"]
    notes = list(state["diagnostics"])
    for f in state["fields"]:
        notes += [{**d, "message": t(lang, "ui.field_note", label=f["label"], message=d["message"])}
                  for d in f["diagnostics"] if d["severity"] == "info"]
    if not notes:
        return ""
    severe = sum(1 for d in notes if d["severity"] != "info")
    open_attr = " open" if severe else ""
    return (f'<details class="kec-notes"{open_attr}><summary>{escape(t(lang, "ui.notes"))} ({len(notes)})</summary>'
            f'{_diags(notes, lang)}</details>')


LOADING_STEPS = ("runtime", "packages", "core")  # the progress steps web/worker.mjs reports


def island(preset: dict[str, Any], lang: str, assets: str = "assets/") -> str:
    """The whole configurator element for a page, prerendered with the page's preset selection.

    ``assets`` is the site's assets directory relative to the page: a small inline script starts the
    Python worker while the page is still being parsed, instead of after it (configurator.mjs adopts it).
    """
    raw = {**preset, "lang": lang}
    status = (f'<div class="kec-status" role="status" aria-live="polite">'
              f'<span class="kec-spinner" aria-hidden="true"></span>'
              f'<span class="kec-status-text">{escape(t(lang, "ui.loading"))}</span></div>')
    permalink = generate(raw).permalink
    return (f'<div class="{ROOT_CLASS}" data-state="loading" data-lang="{lang}" data-permalink="{_attr(permalink)}" '
            f"data-preset='{_attr(json.dumps(preset, sort_keys=True))}' "
            f'data-loading-text="{_attr(t(lang, "ui.loading"))}" data-ready-text="{_attr(t(lang, "ui.ready"))}" '
            f"data-steps='{_attr(json.dumps({s: t(lang, 'ui.step.' + s) for s in LOADING_STEPS}, ensure_ascii=False))}' "
            f'data-copied-text="{_attr(t(lang, "ui.copied"))}" data-notice-text="{_attr(t(lang, "ui.ignored"))}">'
            f'{status}<div class="kec-body">{inner(raw)}</div>'
            f'<script data-worker="{_attr(assets)}configurator/worker.mjs">'
            "(function(s){var w=new Worker(s.dataset.worker,{type:'module'}),q=[];"
            "w.onmessage=function(e){q.push(e.data)};window.__kecEarly={worker:w,queue:q}})(document.currentScript)"
            "</script></div>")


# --- API for the worker -----------------------------------------------------------------------

def _render(raw: dict[str, Any]) -> dict[str, Any]:
    result = generate(raw)
    return {"html": inner(raw, result), "permalink": result.permalink, "raw": raw,
            "unknown": [d.field for d in result.diagnostics if d.code == "unknown-field"]}


def api_render(raw_json: str) -> str:
    return json.dumps(_render(json.loads(raw_json)))


def api_change(raw_json: str, key: str, value: str) -> str:
    """One round trip per form change: the next raw selection and its rendering."""
    return json.dumps(_render(change(json.loads(raw_json), key, value)))


def api_zip(raw_json: str) -> bytes:
    """Every artifact in one zip (paths as on the node); scripts are executable."""
    result = generate(json.loads(raw_json))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for a in result.artifacts:
            info = zipfile.ZipInfo("kubeedge-runtime/" + a.path, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if a.language == "bash" else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, a.content)
    return buf.getvalue()
