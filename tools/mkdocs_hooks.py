"""MkDocs hooks: every snippet, table and the configurator in the pages come from the core.

Fences in page sources (the YAML inside is a selection, as on the CLI / in a permalink):

    ```configurator          the interactive configurator, prerendered for this preset
    runtime: cri-o
    ```
    ```snippet               one generated artifact as a code block
    selection: {runtime: cri-o, kubeedge_version: "1.16"}
    artifact: etc/crio/crio.conf.d/99-kubeedge.conf
    ```
    ```diagnostics           the diagnostics for a selection, as admonitions
    selection: {runtime: isulad}
    severity: [error, warning]
    ```
    ```command               the CLI command for a selection (generate, bundle), as a bash block
    selection: {runtime: containerd, image_mirror: china}
    command: bundle
    args: [--output, bundle.tar.gz]
    ```
    ```defaults```  ```matrix```  ```flags```  ```troubleshooting```  ```codes```   tables from the facts and catalogs
    ```bench```   bench/results.json (make bench) against the performance targets
    ```fleet      a file of the shipped Ansible role (file: PATH), or `fleet check` of its example
    check: inventory/hosts.yml        inventory (check: PATH, set: {host: {var: value}} to vary it)
    ```

After the build, the browser assets (web/, build/assets/) are copied into the site.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
from html import escape
from pathlib import Path
from urllib.parse import urlencode

import yaml
from mkdocs.plugins import event_priority

from kubeedge_runtime import facts, generate, webui
from kubeedge_runtime.steps import cli_command
from kubeedge_runtime.core import selection_from
from kubeedge_runtime.formstate import form_state
from kubeedge_runtime.i18n import t, template_text
from kubeedge_runtime.rules import CODE_GROUPS
from kubeedge_runtime.selection import RUNTIMES, kubeedge_minors
from kubeedge_runtime.troubleshooting import KNOWN_ERRORS

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(configurator|snippet|command|diagnostics|defaults|matrix|flags|troubleshooting|codes|bench|fleet)[ \t]*\n(.*?)^```[ \t]*$",
                   re.M | re.S)
_islands: dict[str, str] = {}


def _lang(page) -> str:
    return "zh" if page.file.src_uri.endswith(".zh.md") else "en"


def _code_block(text: str, language: str, title: str = "") -> str:
    ticks = "`" * max(3, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    lang = {"ini": "ini", "markdown": "markdown"}.get(language, language)
    head = f'{ticks}{lang} title="{title}"' if title else f"{ticks}{lang}"
    return f"{head}\n{text.rstrip(chr(10))}\n{ticks}"


def _ok(selection: dict, lang: str):
    result = generate({**selection, "lang": lang})
    if not result.ok:
        errors = [(d.code, d.field) for d in result.diagnostics if d.severity == "error"]
        raise ValueError(f"snippet selection {selection} has errors: {errors}")
    return result


def snippet(spec: dict, lang: str) -> str:
    result = _ok(spec.get("selection") or {}, lang)
    wanted = spec["artifact"]
    for a in result.artifacts:
        if wanted in (a.path, a.id):
            return _code_block(a.content, a.language, a.path)
    raise ValueError(f"no artifact {wanted!r} for {spec.get('selection')}: {[a.path for a in result.artifacts]}")


def command(spec: dict, lang: str) -> str:
    result = _ok(spec.get("selection") or {}, lang)
    line = cli_command(result.selection, spec.get("command", "generate"), *spec.get("args", []))
    return _code_block(line, "bash")


ADMONITION = {"error": "danger", "warning": "warning", "info": "info"}


def diagnostics(spec: dict, lang: str) -> str:
    result = generate({**(spec.get("selection") or {}), "lang": lang})
    severities = set(spec.get("severity") or ["error", "warning", "info"])
    out = []
    for d in result.diagnostics_json():
        if d["severity"] in severities:
            body = d["message"].replace("\n", " ")
            out.append(f'!!! {ADMONITION[d["severity"]]} "{d["code"]}"\n    {body}\n')
    return "\n".join(out)


def configurator(spec: dict, lang: str) -> str:
    key = f"KEC-ISLAND-{len(_islands)}"
    _islands[key] = (spec or {}, lang)
    return f'<div data-kec-island="{key}"></div>'


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _wide(table: str, lang: str) -> str:
    """A table wider than a phone: it scrolls sideways inside the page with its first column kept in
    view, a shadow on the side with more columns and, on narrow screens, a line saying so
    (assets/site.css)."""
    return f'<div class="kec-wide" markdown>\n<p class="kec-wide-hint">{t(lang, "docs.wide_hint")}</p>\n\n{table}\n\n</div>'


def defaults(lang: str) -> str:
    """Per KubeEdge minor: the Kubernetes it embeds and what EdgeCore uses when nothing is configured."""
    header = [t(lang, "docs.matrix.kubeedge"), t(lang, "docs.matrix.k8s"), t(lang, "docs.matrix.endpoint"),
              t(lang, "docs.matrix.sandbox"), t(lang, "docs.matrix.rootdir")]
    rows = [[f"v{rel.latest}", rel.vendored_k8s, f"`{facts.KUBEEDGE.get('default.runtime_endpoint', rel.latest)}`",
             f"`{facts.KUBEEDGE.get('default.sandbox_image', rel.latest)}`",
             f"`{facts.KUBEEDGE.get('edged.root_directory', rel.latest)}`"] for rel in facts.KUBEEDGE_RELEASES]
    return _wide(_table(header, rows), lang)


def _version_runs(options: list[dict], default: str) -> str:
    """The offered versions as runs of neighbours in the runtime's version list: `1.24 – 1.36 (**1.32**)`
    (every version from 1.24 to 1.36, 1.32 the default); names that are not versions stay words."""
    runs: list[list[str]] = []
    previous = None
    for i, o in enumerate(options):
        if o["disabled"]:
            continue
        if runs and previous == i - 1 and o["value"][:1].isdigit() and runs[-1][-1][:1].isdigit():
            runs[-1].append(o["value"])
        else:
            runs.append([o["value"]])
        previous = i
    shown = ", ".join(run[0] if len(run) == 1 else f"{run[0]} – {run[-1]}" for run in runs)
    return f"**{shown}**" if shown == default else f"{shown} (**{default}**)"


def matrix(lang: str) -> str:
    """Per KubeEdge minor: which runtime versions this tool generates for."""
    header = [t(lang, "docs.matrix.kubeedge")] + [t(lang, f"option.runtime.{r}") for r in RUNTIMES]
    rows = []
    for rel in facts.KUBEEDGE_RELEASES:
        row = [f"v{rel.latest}"]
        for runtime in RUNTIMES:
            state = form_state({"kubeedge_version": rel.minor, "runtime": runtime})
            field = next(f for f in state["fields"] if f["key"] == "runtime_version")
            runtime_field = next(f for f in state["fields"] if f["key"] == "runtime")
            if any(o["value"] == runtime and o["disabled"] for o in runtime_field["options"]):
                row.append("—")
            elif not field["applies"]:
                row.append("✓")
            elif any(not o["disabled"] for o in field["options"]):
                row.append(_version_runs(field["options"], field["value"]))
            else:
                row.append("—")
        rows.append(row)
    return _wide(_table(header, rows), lang) + "\n\n" + t(lang, "docs.matrix.legend")


def flags(lang: str) -> str:
    """keadm join flags and edgecore.yaml layout by KubeEdge minor, from the facts table."""
    minors = kubeedge_minors()
    features = [
        ("--runtimetype", "keadm.flag.runtimetype"), ("--with-mqtt", "keadm.flag.with_mqtt"),
        ("--hub-protocol", "keadm.flag.hub_protocol"), ("--set", "keadm.flag.set"),
        ("--set (repeatable)", "keadm.set_repeatable"),
        ("--pre-run / --post-run", "keadm.flag.pre_post_run"), ("keadm join (Windows)", "keadm.windows_join"),
        ("dockershim", "dockershim"),
    ]
    header = [t(lang, "docs.flags.what")] + minors + [t(lang, "docs.flags.source")]
    rows = []
    for label, key in features:
        cells = ["✓" if facts.KUBEEDGE.has(key, f"{m}.{_latest(m)}") else "—" for m in minors]
        sources = sorted({r.source for r in facts.KUBEEDGE.rows if r.key == key})
        rows.append([f"`{label}`" if label.startswith("-") else label] + cells + ["; ".join(sources)])
    layout = [t(lang, "docs.flags.layout")] + [
        t(lang, "docs.layout." + facts.KUBEEDGE.get("edged.layout", f"{m}.{_latest(m)}")) for m in minors] + [
        "; ".join(sorted({r.source for r in facts.KUBEEDGE.rows if r.key == "edged.layout"}))]
    rows.append(layout)
    return _wide(_table(header, rows), lang)


def _latest(minor: str) -> int:
    return next(r.latest_patch for r in facts.KUBEEDGE_RELEASES if r.minor == minor)


def troubleshooting(lang: str) -> str:
    out = []
    for i, entry in enumerate(KNOWN_ERRORS, 1):
        out.append(f"### {i}. {escape(_short(entry.error))}\n")
        out.append(_code_block(entry.error, "text"))
        out.append(f"\n*{t(lang, 'docs.ts.sources')}:* {entry.sources}\n")
        if entry.code:
            result = generate({**entry.shown_by, "lang": lang})
            message = next(result.message(d) for d in result.diagnostics if d.code == entry.code)
            out.append(f"**{t(lang, 'docs.ts.cause')}** ([`{entry.code}`](codes.md#{entry.code})): {message}\n")
        else:
            out.append(f"**{t(lang, 'docs.ts.cause')}:** {t(lang, 'docs.ts.leftover_cause')}\n")
            out.append(_code_block(t(lang, "docs.ts.leftover_fix_commands"), "bash"))
        if entry.fix:
            sel, _ = selection_from({**entry.fix, "lang": lang})
            query = {k: v for k, v in entry.fix.items()}
            link = "../?" + urlencode(query)
            cli = "kubeedge-runtime generate " + " ".join(f"--{k.replace('_', '-')}={v}" for k, v in entry.fix.items())
            out.append(f"**{t(lang, 'docs.ts.fix')}:** [{t(lang, 'docs.ts.open')}]({link}) · `{cli}`\n")
        out.append("")
    return "\n".join(out)


def _short(error: str) -> str:
    return error if len(error) <= 70 else error[:67].rstrip() + "…"


def codes(lang: str) -> str:
    out = []
    for group, group_codes in CODE_GROUPS:
        out.append(f"## {t(lang, 'docs.codes.' + group)}\n")
        for code in group_codes:
            out.append(f'### `{code}` {{ #{code} }}\n\n{template_text(lang, "diag." + code)}\n')
    return "\n".join(out)


# make bench writes bench/results.json; the performance page shows it against the targets
MB = 1_000_000
BENCH_ROWS = [  # (key, unit, target, met(value, results)); targets of issue #14
    ("dom_content_loaded_ms", "ms", "", None),
    ("first_output_ms", "ms", "≤ 1.1 × DOMContentLoaded", lambda v, r: v <= 1.1 * r["dom_content_loaded_ms"]),
    ("bare_pyodide_ms", "ms", "", None),
    ("python_ready_ms_cold", "ms", "", None),
    ("ready_vs_bare_ratio", "×", "≤ 0.5", lambda v, r: v <= 0.5),
    ("python_ready_ms_warm", "ms", "", None),
    ("ready_vs_bare_ratio_warm", "×", "≤ 0.3", lambda v, r: v <= 0.3),
    ("regen_ms_p50", "ms", "≤ 8 ms", lambda v, r: v <= 8),
    ("regen_ms_p95", "ms", "≤ 16 ms", lambda v, r: v <= 16),
    ("regen_answered_ahead_share", "", "", None),
    ("regen_rushed_ms_p50", "ms", "", None),
    ("regen_rushed_ms_p95", "ms", "", None),
    ("regen_python_ms_p95", "ms", "", None),
    ("first_visit_bytes", "B", "≤ 8 MB", lambda v, r: v <= 8 * MB),
    ("first_visit_bytes_compressing_host", "B", "≤ 8 MB", lambda v, r: v <= 8 * MB),
    ("repeat_visit_network_bytes", "B", "< 100 KB", lambda v, r: v < 100_000),
    ("long_tasks_ms_total", "ms", "", None),
    ("shipped_snapshot_ready_vs_bare_ratio", "×", "", None),
    ("shipped_snapshot_first_visit_bytes", "B", "", None),
    ("shipped_snapshot_gz_bytes", "B", "", None),
    ("cli_combinations", "", "", None),
    ("cli_combinations_per_second", "/s", "≥ 1000 /s", lambda v, r: v >= 1000),
    ("wheel_import_ms", "ms", "≤ 100 ms", lambda v, r: v <= 100),
    ("cli_import_ms", "ms", "", None),
    ("generate_import_ms", "ms", "", None),
    ("fleet_setup_seconds", "s", "", None),  # issue #12: three nodes over SSH, then the rerun
    ("fleet_rerun_seconds", "s", "", None),
    ("fleet_rerun_changed", "", "0", lambda v, r: v == 0),
    ("bundle_bytes_containerd", "B", "", None),  # issue #11: offline bundle size per runtime
    ("bundle_bytes_docker", "B", "", None),
    ("bundle_bytes_cri-o", "B", "", None),
]


def bench(lang: str) -> str:
    path = ROOT / "bench" / "results.json"
    results = json.loads(path.read_text())
    header = [t(lang, "docs.bench.metric"), t(lang, "docs.bench.value"), t(lang, "docs.bench.spread"),
              t(lang, "docs.bench.target"), ""]
    rows = []
    for key, unit, target, met in BENCH_ROWS:
        if key not in results:  # a results.json from before the measure existed: run make bench
            rows.append([f"`{key}`", "—", "", target, ""])
            continue
        value = results[key]
        spread = results.get(key + "_spread")
        shown = f"{value:,} {unit}".strip()
        rows.append([f"`{key}`", shown, f"{spread[0]:,} – {spread[1]:,}" if spread else "", target,
                     ("✓" if met(value, results) else "✗") if met else ""])
    m = results["machine"]
    machine = (f"{m['cores']} × {m['cpu_model']}, Python {m['python']}, {m['browser']}, Pyodide {m['pyodide']}; "
               f"{results['runs']} {t(lang, 'docs.bench.runs')}")
    return _table(header, rows) + f"\n\n*{t(lang, 'docs.bench.machine')}:* {machine}\n"


def fleet_fence(spec: dict, lang: str) -> str:
    """The shipped role's files and `kubeedge-runtime fleet check` of its example inventory."""
    from kubeedge_runtime import fleet

    base = Path(fleet.__file__).parent / "ansible"
    if "file" in spec:
        return _code_block((base / spec["file"]).read_text(encoding="utf-8"), "yaml", spec["file"])
    hosts = [(h, {**hv, **(spec.get("set") or {}).get(h, {})}) for h, hv in fleet.load_inventory(str(base / spec["check"]))]
    table, _ = fleet.check(hosts, lang)
    return _code_block(table, "text")


HANDLERS = {
    "configurator": lambda spec, lang: configurator(spec, lang),
    "snippet": snippet,
    "command": command,
    "diagnostics": diagnostics,
    "defaults": lambda spec, lang: defaults(lang),
    "matrix": lambda spec, lang: matrix(lang),
    "flags": lambda spec, lang: flags(lang),
    "troubleshooting": lambda spec, lang: troubleshooting(lang),
    "codes": lambda spec, lang: codes(lang),
    "bench": lambda spec, lang: bench(lang),
    "fleet": fleet_fence,
}


def on_page_markdown(markdown, page, config, files):
    lang = _lang(page)

    def replace(m: re.Match) -> str:
        spec = yaml.safe_load(m.group(2)) or {}
        try:
            return HANDLERS[m.group(1)](spec, lang)
        except Exception as exc:  # a broken fence must fail the (strict) build, naming the page
            raise RuntimeError(f"{page.file.src_uri}: {m.group(1)} fence: {exc}") from exc

    return FENCE.sub(replace, markdown)


# Material fetches `sitemap.xml` next to every <link rel="alternate"> in the head; mkdocs-static-i18n
# points those at this page's twins, so each page asked for two sitemaps that do not exist (404s), and
# Material then took over clicks on the language selector and sent them without the query. The
# selector's own links (static-i18n sets them to the twin page; assets/site.js adds the query) do the
# job alone.
ALTERNATE_LINK = re.compile(r'[ \t]*<link rel="alternate" href="[^"]*" hreflang="[^"]*">\n?')
MATERIAL_CONFIG = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S)


def _material_config(output: str, zh: bool) -> str:
    """Material's page settings: its search worker goes through assets/javascripts/workers/search-zh.js
    (splits Chinese queries into words); zh pages find the search index (and the sitemap) under their
    `base`, pointed at the zh site, whose index holds only the zh pages (see _split_search_index)."""
    def edit(m: re.Match) -> str:
        data = json.loads(m.group(2))
        folder, _, material = data["search"].rpartition("/")
        data["search"] = f"{folder}/search-zh.js?material={material}"
        if zh:
            data["base"] = data["base"].rstrip("/") + "/zh/"
        return m.group(1) + json.dumps(data) + m.group(3)
    return MATERIAL_CONFIG.sub(edit, output, count=1)


def _islands_in(html: str, page) -> str:
    assets = "../" * page.url.count("/") + "assets/"  # relative, so the site works under any sub-path

    def island(m: re.Match) -> str:
        preset, lang = _islands[m.group(1)]
        return webui.island(preset, lang, assets)

    return re.sub(r'<div data-kec-island="(KEC-ISLAND-\d+)"></div>', island, html)


def on_post_page(output, page, config):
    # the configurator goes in after the search plugin has read the page: its form and generated files
    # would make every page match every option name and every line of install.sh
    output = _islands_in(output, page)
    return _material_config(ALTERNATE_LINK.sub("", output), _lang(page) == "zh")


def on_template_context(context, template_name, config):
    if template_name == "404.html" and "i18n" in config.plugins:
        # the 404 page's language selector goes to each language's home, not to the twin of whichever
        # page was rendered last
        config.extra["alternate"] = copy.deepcopy(config.plugins["i18n"].extra_alternate)
    return context


_not_found: dict[str, str] = {}


def on_post_template(output, template_name, config):
    """The server answers every missing URL with the one 404.html at the site root: keep the default
    language's (mkdocs-static-i18n builds each language into the same site_dir, so the last one won)."""
    if template_name != "404.html":
        return output
    output = _material_config(ALTERNATE_LINK.sub("", output), zh=False)
    default = config.plugins["i18n"].default_language if "i18n" in config.plugins else config.theme["language"]
    if config.theme["language"] == default:
        _not_found[default] = output
    return _not_found.get(default, output)


def _split_search_index(site: Path) -> None:
    """mkdocs-static-i18n merges every language into one search index: split it so that each language
    searches only its own pages (the zh index is read by zh pages, see on_post_page)."""
    path = site / "search" / "search_index.json"
    index = json.loads(path.read_text(encoding="utf-8"))
    zh = [{**d, "location": d["location"][len("zh/"):]} for d in index["docs"] if d["location"].startswith("zh/")]
    en = [d for d in index["docs"] if not d["location"].startswith("zh/")]
    # zh pages mix in English terms (containerd, cgroup driver), hence both languages' pipelines there
    for target, docs, langs in ((path, en, ["en"]), (site / "zh" / "search" / "search_index.json", zh, ["en", "zh"])):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({**index, "config": {**index["config"], "lang": langs}, "docs": docs},
                                     ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


@event_priority(-200)  # after mkdocs-static-i18n (-100) has built every language and merged the search index
def on_post_build(config):
    site = Path(config["site_dir"])
    assets = ROOT / "build" / "assets"
    if not assets.is_dir():
        raise RuntimeError("build/assets is missing: run `make site` (it builds the wheel, bundle and Pyodide copy)")
    target = site / "assets"
    shutil.copytree(ROOT / "web", target / "configurator", dirs_exist_ok=True, ignore=shutil.ignore_patterns("sw.js"))
    for sub in ("pyodide", "py", "downloads"):
        shutil.copytree(assets / sub, target / sub, dirs_exist_ok=True)
    # the service worker's cache and the worker's memory snapshot are named after what they hold:
    # our bundle and the Pyodide build (its build id is in pyodide.mjs), so a new build replaces both
    version = hashlib.sha256((target / "py" / "bundle.zip.gz").read_bytes()
                             + (target / "pyodide" / "pyodide.mjs").read_bytes()).hexdigest()[:16]
    (site / "sw.js").write_text((ROOT / "web" / "sw.js").read_text().replace("__VERSION__", version))
    worker = target / "configurator" / "worker.mjs"
    worker.write_text(worker.read_text().replace("__VERSION__", version))
    # Material fetches the sitemap under its base, which is the zh site for zh pages (on_post_page)
    if (site / "sitemap.xml").exists() and (site / "zh").is_dir():
        shutil.copy(site / "sitemap.xml", site / "zh" / "sitemap.xml")
    _split_search_index(site)
