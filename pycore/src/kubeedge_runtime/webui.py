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
from collections import Counter
from functools import lru_cache
from html import escape
from urllib.parse import urlencode
from typing import Any

from .core import Result, generate
from .formstate import change, form_state
from .i18n import catalog, t
from .steps import contacted_hosts, readme, run_steps

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


@lru_cache(maxsize=4096)
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

def _diags(diags: list[dict[str, Any]], lang: str, css: str = "kec-diags", id_: str = "") -> str:
    if not diags:
        return ""
    items = "".join(f'<li class="kec-diag kec-{d["severity"]}" data-code="{_attr(d["code"])}">'
                    f'<span class="kec-sev">{escape(t(lang, "ui.severity." + d["severity"]))}</span> '
                    f'{escape(d["message"])}</li>'
                    for d in diags)
    id_attr = f' id="{id_}"' if id_ else ""
    return f'<ul class="{css}"{id_attr}>{items}</ul>'


def _digest(*parts: str) -> str:
    """A short hash of what an element shows: the browser skips re-rendering elements whose hash is
    unchanged (web/configurator.mjs morph)."""
    return hashlib.md5("\0".join(parts).encode()).hexdigest()[:12]


# --- units: what the page keeps ----------------------------------------------------------------
# Every element with a data-h digest is a unit: a field, the run order, an output panel, a run of
# an output's lines. With each request the page sends the digests it shows ("have", with repeats:
# a run of lines can occur twice in a file); a unit it already shows goes back as an empty stub
# (<tag data-h=… data-keep></tag>) that the page fills with the element it holds
# (web/configurator.mjs morph). A change sends, and the page parses, only what changed: a new
# selection alters a file's header and a few lines, not the whole file.

Have = Counter  # digest -> how many of them the page shows and no stub has taken yet


def _unit(tag: str, attrs: str, body: str, have: Have, key: str = "") -> str:
    """``<tag attrs data-h>body</tag>``, or its stub when the page shows it already (``key`` keeps
    equal bodies of different owners apart: the same run of lines in two files)."""
    h = _digest(key, attrs, body)
    if have[h] > 0:
        have[h] -= 1
        return f'<{tag} data-h="{h}" data-keep></{tag}>'
    return f'<{tag}{attrs} data-h="{h}">{body}</{tag}>'


CHUNK_LINES = 40  # a run of lines ends at an empty line, or after this many


def _chunks(text: str, language: str) -> list[str]:
    """The text cut into runs of lines that end at an empty line (long runs every CHUNK_LINES
    lines); joined, they are the text. Markdown stays whole: its comments span lines, and each run
    is highlighted on its own."""
    if language == "markdown":
        return [text] if text else []
    parts = text.split("\n\n")
    runs = [part + "\n\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    out = []
    for run in runs:
        if run.count("\n") <= CHUNK_LINES:
            out.append(run)
            continue
        lines = run.splitlines(keepends=True)
        out.extend("".join(lines[i:i + CHUNK_LINES]) for i in range(0, len(lines), CHUNK_LINES))
    return out


def _pre_body(artifact_id: str, text: str, language: str, have: Have) -> str:
    return "".join(_unit("span", "", highlight(chunk, language), have, key=artifact_id)
                   for chunk in _chunks(text, language))


def _field(f: dict[str, Any], lang: str, have: Have) -> str:
    key = f["key"]
    fid = f"kec-{key}"
    shown_diags = [d for d in f["diagnostics"] if d["severity"] != "info"]
    invalid = any(d["severity"] == "error" for d in shown_diags)
    diag_id = f"{fid}-diags"
    # the field's own messages are read with it; an error also marks it invalid
    help_id = f"{fid}-help" + (f" {diag_id}" if shown_diags else "")
    aria = f' aria-describedby="{help_id}"' + (' aria-invalid="true"' if invalid else "")
    parts = [f'<label for="{fid}">{escape(f["label"])}</label>']
    if f["kind"] == "choice":
        opts = []
        for o in f["options"]:
            selected = " selected" if o["value"] == f["value"] else ""
            disabled = " disabled" if o["disabled"] else ""
            opts.append(f'<option value="{_attr(o["value"])}"{selected}{disabled}>{escape(o["label"])}</option>')
        parts.append(f'<select id="{fid}" name="{key}"{aria}>{"".join(opts)}</select>')
    else:
        kind = "password" if f["secret"] else "text"
        value = "" if f["secret"] else f["value"]
        placeholder = t(lang, "ui.placeholder." + key) if f"ui.placeholder.{key}" in catalog(lang) else ""
        parts.append(f'<input id="{fid}" name="{key}" type="{kind}" value="{_attr(value)}" '
                     f'placeholder="{_attr(placeholder)}" autocomplete="off" spellcheck="false" '
                     f'{aria.lstrip()}>')
    parts.append(f'<p class="kec-help" id="{fid}-help">{escape(f["help"])}</p>')
    unavailable = [o for o in f.get("options", []) if o["disabled"]]
    if unavailable:
        items = "".join(f'<li><s>{escape(o["label"])}</s> {escape(o["reason"])}</li>' for o in unavailable)
        parts.append(f'<details class="kec-unavailable"><summary>{escape(t(lang, "ui.unavailable"))} '
                     f'({len(unavailable)})</summary><ul>{items}</ul></details>')
    parts.append(_diags(shown_diags, lang, id_=diag_id))
    return _unit("div", f' class="kec-field" data-field="{key}"', "".join(parts), have)


BASIC = ("kubeedge_version", "runtime", "runtime_version", "install_method", "os", "arch", "cgroup_driver", "network")


# Common setups, one click each (nginxconfig.io style): a whole selection, as a link the page follows.
PRESETS = {
    "pi": {"arch": "arm64", "os": "ubuntu", "runtime": "containerd"},
    "windows": {"os": "windows"},
    "airgap": {"network": "offline"},
    "china": {"network": "china"},
}


def _presets(lang: str) -> str:
    links = "".join(f'<a class="kec-preset" href="?{_attr(urlencode(raw))}" data-preset-raw="{_attr(json.dumps(raw))}">'
                    f'{escape(t(lang, "preset." + name))}</a>' for name, raw in PRESETS.items())
    return (f'<nav class="kec-presets" aria-label="{_attr(t(lang, "ui.presets"))}">'
            f'<span>{escape(t(lang, "ui.presets"))}</span>{links}</nav>')


def _form(state: dict[str, Any], have: Have) -> str:
    lang = state["lang"]
    shown = [f for f in state["fields"] if f["applies"] and f["key"] != "lang"]
    basic = "".join(_field(f, lang, have) for f in shown if f["key"] in BASIC)
    more = [f for f in shown if f["key"] not in BASIC]
    open_attr = " open" if any(f["given"] or f["diagnostics"] and any(
        d["severity"] != "info" for d in f["diagnostics"]) for f in more) else ""
    advanced = "".join(_field(f, lang, have) for f in more)
    return (f'{_presets(lang)}<form class="kec-form" novalidate><div class="kec-grid">{basic}</div>'
            f'<details class="kec-more"{open_attr}><summary>{escape(t(lang, "ui.more_options"))}</summary>'
            f'<div class="kec-grid">{advanced}</div></details></form>')


def _outputs(result: Result, state: dict[str, Any], have: Have) -> str:
    lang = state["lang"]
    if not result.ok:
        return f'<div class="kec-outputs kec-blocked"><p>{escape(t(lang, "ui.fix_errors"))}</p></div>'
    tabs, panels = [], []
    notes = _place_notes(result, state)
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
        bar = (f'<div class="kec-panel-bar"><code class="kec-path">{escape(a.path)}</code>'
               f'<button type="button" class="kec-btn" data-action="copy">{escape(t(lang, "ui.copy"))}</button>'
               f'<button type="button" class="kec-btn" data-action="download" data-filename="{_attr(filename)}">'
               f'{escape(t(lang, "ui.download"))}</button>{sha}</div>{_diags(notes.get("file:" + a.id, []), lang)}')
        # a <pre> without <code>: the theme decorates every "pre > code" and would change the markup
        pre_open = f'<pre class="kec-pre language-{a.language}" data-artifact-path="{_attr(a.path)}">'
        attrs = (f' role="tabpanel" class="kec-panel" id="kec-panel-{a.id}" aria-labelledby="kec-tab-{a.id}" '
                 f'data-artifact="{a.id}"')
        h = _digest(lang, attrs, bar, a.content)
        if have[h] > 0:
            have[h] -= 1
            panels.append(f'<section data-h="{h}" data-keep></section>')
        else:
            panels.append(f'<section{attrs}{hidden} data-h="{h}">{bar}{pre_open}'
                          f'{_pre_body(a.id, a.content, a.language, have)}</pre></section>')
    toolbar = (f'{_steps(result, lang, notes, have)}<div class="kec-toolbar"><button type="button" class="kec-btn" data-action="download-all">'
               f'{escape(t(lang, "ui.download_all"))}</button>'
               f'<a class="kec-permalink" href="{_attr(result.permalink or "?")}">{escape(t(lang, "ui.permalink"))}'
               f'</a></div>')
    return (f'<div class="kec-outputs">{toolbar}<div class="kec-tabs" role="tablist" '
            f'aria-label="{_attr(t(lang, "ui.outputs"))}">{"".join(tabs)}</div>{"".join(panels)}</div>')


def _steps(result: Result, lang: str, notes: dict[str, list[dict[str, Any]]], have: Have) -> str:
    """The run order from the core (steps.run_steps), each command with its own copy button."""
    items = []
    for step in run_steps(result.selection):
        cmd = ""
        if step.commands:
            cmd = (f'<div class="kec-cmd-row"><pre class="kec-cmd">{escape(chr(10).join(step.commands))}</pre>'
                   f'<button type="button" class="kec-btn" data-action="copy">{escape(t(lang, "ui.copy"))}</button></div>')
        items.append(f'<li class="kec-step" data-step="{_attr(step.id)}"><p>{escape(step.text)}</p>{cmd}'
                     f'{_diags(notes.get("step:" + step.id, []), lang)}</li>')
    hosts = "".join(f'<li><code>{escape(host)}</code> {escape(what)}</li>'
                    for host, what in contacted_hosts(result.selection, result.plan))
    if result.selection.network == "offline":
        hosts = f'<li>{escape(t(lang, "ui.hosts_none"))}</li>' + hosts
    return _unit("section", ' class="kec-steps" aria-labelledby="kec-steps-title"',
                 f'<h3 id="kec-steps-title">{escape(t(lang, "ui.steps"))}</h3><ol>{"".join(items)}</ol>'
                 f'<div class="kec-hosts"><h4>{escape(t(lang, "ui.hosts"))}</h4><ul>{hosts}</ul></div>', have)


def inner(raw: dict[str, Any], result: Result | None = None, have: Have | None = None) -> str:
    """The island's content for a raw selection (what the worker sends after every change), with
    stubs for the units the page already shows (``have``)."""
    result = result or generate(raw)
    have = Counter() if have is None else have
    state = form_state(raw, result)
    stale = '<p class="kec-stale-note" role="note" hidden></p>'
    return _form(state, have) + stale + _outputs(result, state, have)


LOADING_STEPS = ("runtime", "packages", "core")  # the progress steps web/worker.mjs reports


# Where a note is read: with the step it concerns, or with the file whose keys it explains.
NOTE_STEP = {"arch": "install", "os": "install", "runtime": "install", "runtime_version": "install",
             "runtime_source": "install", "cgroup_driver": "install", None: "install", "network": "bundle",
             "cloudcore": "join", "token": "join", "node_name": "join", "labels": "join", "hub_protocol": "join",
             "kubeedge_version": "join"}
NOTE_FILE = {"cni_subnet": "cni-conflist"}  # other fields: the runtime's own configuration file
SCRIPTS = {"install", "install-steps", "keadm-join", "verify", "vmruntime", "edgecore-config"}


def _place_notes(result: Result, state: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every note that is not shown by its field (errors and warnings are), keyed "step:<id>" or
    "file:<artifact id>"; a place the selection has not falls back to its first step."""
    steps = [s.id for s in run_steps(result.selection)]
    ids = [a.id for a in result.artifacts]
    config = next((i for i in ids if i not in SCRIPTS), ids[0] if ids else "")
    notes = list(state["diagnostics"]) + [d for f in state["fields"] for d in f["diagnostics"] if d["severity"] == "info"]
    placed: dict[str, list[dict[str, Any]]] = {}
    for d in notes:
        step = NOTE_STEP.get(d["field"], "")
        if step == "join" and "join" not in steps:
            step = "start" if "start" in steps else "install"
        if step:
            place = "step:" + (step if step in steps else steps[0])
        else:
            place = "file:" + (NOTE_FILE.get(d["field"]) if NOTE_FILE.get(d["field"]) in ids else config)
        placed.setdefault(place, []).append(d)
    return placed


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
    texts = " ".join(f'data-{name}-text="{_attr(t(lang, key))}"' for name, key in (
        ("stale", "ui.stale"), ("stale-invalid", "ui.stale_invalid"), ("updated", "ui.updated"),
        ("changed", "ui.changed_files"), ("errors", "ui.errors_count"), ("list-sep", "ui.list_sep")))
    return (f'<div class="{ROOT_CLASS}" data-state="loading" data-lang="{lang}" data-permalink="{_attr(permalink)}" '
            f"data-preset='{_attr(json.dumps(preset, sort_keys=True))}' "
            f'data-loading-text="{_attr(t(lang, "ui.loading"))}" data-ready-text="{_attr(t(lang, "ui.ready"))}" '
            f"data-steps='{_attr(json.dumps({s: t(lang, 'ui.step.' + s) for s in LOADING_STEPS}, ensure_ascii=False))}' "
            f'data-copied-text="{_attr(t(lang, "ui.copied"))}" data-notice-text="{_attr(t(lang, "ui.ignored"))}" '
            f'{texts}>{status}<div class="kec-live" role="status" aria-live="polite" aria-atomic="true"></div><div class="kec-body">{inner(raw)}</div>'
            f'<script data-worker="{_attr(assets)}configurator/worker.mjs">'
            "(function(s){var w=new Worker(s.dataset.worker,{type:'module'}),q=[];"
            "w.onmessage=function(e){q.push(e.data)};window.__kecEarly={worker:w,queue:q};"
            # a link's selection is not the prerendered one: stale from the first paint
            "if(location.search.length>1)s.parentNode.dataset.stale='pending'})(document.currentScript)"
            "</script></div>")


# --- API for the worker -----------------------------------------------------------------------

@lru_cache(maxsize=128)
def _generated(raw_key: str) -> Result:
    """generate() of a selection seen lately (a choice toggled back and forth, the choices the page
    asks for ahead of the user): the same bytes every time, so it is made once."""
    return generate(json.loads(raw_key))


def _render(raw: dict[str, Any], have_json: str) -> dict[str, Any]:
    result = _generated(json.dumps(raw, sort_keys=True))
    return {"html": inner(raw, result, Counter(json.loads(have_json))), "permalink": result.permalink, "raw": raw,
            "ok": result.ok, "unknown": [d.field for d in result.diagnostics if d.code == "unknown-field"]}


def api_render(raw_json: str, have_json: str = "[]") -> str:
    """The rendering of a raw selection; ``have_json`` lists the digests the page shows (units)."""
    return json.dumps(_render(json.loads(raw_json), have_json))


def api_change(raw_json: str, key: str, value: str, have_json: str = "[]") -> str:
    """One round trip per form change: the next raw selection and its rendering."""
    return json.dumps(_render(change(json.loads(raw_json), key, value), have_json))


def api_zip(raw_json: str) -> bytes:
    """Every artifact in one zip (paths as on the node; scripts executable) and a README with the
    run order, in the page's language."""
    result = generate(json.loads(raw_json))
    files = [(a.path, a.content, 0o755 if a.language == "bash" else 0o644) for a in result.artifacts]
    files.append(("README.md", readme(result.selection, result.permalink), 0o644))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, content, mode in files:
            info = zipfile.ZipInfo("kubeedge-runtime/" + path, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content)
    return buf.getvalue()
