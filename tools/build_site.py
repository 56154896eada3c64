"""Build the site into --out: for now one static page per language that shows, for every runtime,
the output of the default selection, rendered by the core at build time, plus the wheel for
offline use. The docs site with the in-browser configurator replaces this page."""

from __future__ import annotations

import argparse
import html
import shutil
from pathlib import Path

from kubeedge_runtime import __version__, generate
from kubeedge_runtime.i18n import t
from kubeedge_runtime.selection import RUNTIMES

TEXT = {
    "en": {"title": "KubeEdge Runtime Configurator", "other": ("简体中文", "../zh/"),
           "intro": "Copy-ready container runtime setup for KubeEdge edge nodes. Each section shows the output "
                    "for one runtime with the newest KubeEdge; the CLI generates it for any selection.",
           "cli": "Install the CLI from this site (works offline):", "diag": "Notes"},
    "zh": {"title": "KubeEdge 容器运行时配置生成器", "other": ("English", "../en/"),
           "intro": "为 KubeEdge 边缘节点生成可直接复制使用的容器运行时配置。每一节展示某个运行时在最新 KubeEdge "
                    "下的输出；命令行工具可为任意选择生成同样的内容。",
           "cli": "从本站安装命令行工具（可离线使用）：", "diag": "说明"},
}


def page(lang: str, wheel: str) -> str:
    tx = TEXT[lang]
    out = [f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{html.escape(tx['title'])}</title>",
           "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}"
           "pre{background:#f4f4f4;padding:.75rem;overflow:auto}summary{cursor:pointer;font-weight:600}</style>",
           "</head><body>",
           f"<p><a href=\"{tx['other'][1]}\">{tx['other'][0]}</a></p>",
           f"<h1>{html.escape(tx['title'])}</h1><p>{html.escape(tx['intro'])}</p>",
           f"<p>{html.escape(tx['cli'])}</p>",
           f"<pre>pip install ../{html.escape(wheel)}\nkubeedge-runtime generate --runtime containerd --output out/</pre>"]
    for runtime in RUNTIMES:
        result = generate({"runtime": runtime, "lang": lang})
        out.append(f"<h2>{html.escape(t(lang, 'option.runtime.' + runtime))}</h2>")
        out.append(f"<h3>{html.escape(tx['diag'])}</h3><ul>")
        for d in result.diagnostics_json():
            out.append(f"<li>{html.escape(d['severity'])}: {html.escape(d['message'])}</li>")
        out.append("</ul>")
        for art in result.artifacts:
            out.append(f"<details><summary>{html.escape(art.title)} <code>{html.escape(art.path)}</code></summary>"
                       f'<pre data-artifact-path="{html.escape(art.path)}">{html.escape(art.content)}</pre>'
                       "</details>")
    out.append(f"<p><small>kubeedge-runtime-configurator {__version__}</small></p></body></html>")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--wheel-dir", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    wheel = next(Path(args.wheel_dir).glob("*.whl"))
    shutil.copy(wheel, out / wheel.name)
    for lang in ("en", "zh"):
        (out / lang).mkdir()
        (out / lang / "index.html").write_text(page(lang, wheel.name), encoding="utf-8")
    (out / "index.html").write_text('<!doctype html><meta http-equiv="refresh" content="0; url=en/">'
                                    '<a href="en/">English</a> · <a href="zh/">简体中文</a>\n', encoding="utf-8")
    print(f"site built in {out}/")


if __name__ == "__main__":
    main()
