"""The docs: every page in both languages, a strict build, and snippets that come from the core."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_page_has_its_twin():
    en = {p.relative_to(DOCS).as_posix()[:-3] for p in DOCS.rglob("*.md") if not p.name.endswith(".zh.md")}
    zh = {p.relative_to(DOCS).as_posix()[:-6] for p in DOCS.rglob("*.zh.md")}
    assert en == zh, (en ^ zh)
    for page in zh:
        text = (DOCS / f"{page}.zh.md").read_text(encoding="utf-8")
        assert len(CJK.findall(text)) > 20, f"{page}.zh.md is not written in Chinese"


def test_no_hand_written_config_snippets():
    """Config files and KubeEdge commands in the pages come from fences the build renders."""
    for page in DOCS.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        for lang, body in re.findall(r"^```(\w*)[^\n]*\n(.*?)^```", text, re.M | re.S):
            assert lang not in ("toml", "yaml", "json", "ini"), f"{page}: hand-written {lang} block"
            assert "keadm join" not in body and "[plugins" not in body, f"{page}: hand-written command/config"


def test_strict_build(tmp_path):
    if not (ROOT / "build" / "assets").is_dir():
        raise AssertionError("build/assets is missing: run `make site` (make test does it first)")
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(tmp_path / "s")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr[-4000:]
    for page in ["index.html", "zh/index.html", "runtimes/cri-o/index.html", "zh/troubleshooting/index.html"]:
        html = (tmp_path / "s" / page).read_text(encoding="utf-8")
        assert "```" not in html and "data-kec-island" not in html, page
    for packed in ("pyodide/pyodide.asm.wasm.gz", "pyodide/python_stdlib.zip.gz", "py/bundle.zip.gz"):
        assert (tmp_path / "s" / "assets" / packed).is_file(), packed
    assert not (tmp_path / "s" / "assets/pyodide/pyodide.asm.wasm").exists()  # only compressed on the wire
    assert (tmp_path / "s" / "assets/downloads/wheelhouse.zip").is_file()


CJK_CHAR = "\u3400-\u9fff\u3000-\u303f\uff00-\uffef"  # Han, CJK and full-width punctuation
HAN = re.compile(r"[\u3400-\u9fff]")


def _zh_prose(text: str) -> list[tuple[int, str]]:
    """The lines of a zh page outside code fences, inline code and link targets blanked out."""
    lines, fence = [], False
    for number, line in enumerate(text.split("\n"), 1):
        if line.lstrip().startswith("```"):
            fence = not fence
            line = ""
        lines.append((number, "" if fence else re.sub(r"`[^`]*`|\]\([^)]*\)", "`…`", line)))
    return lines


def test_zh_pages_have_no_stray_spaces_or_half_width_punctuation():
    """A source line that ends in Chinese and a next line of the same paragraph that starts in Chinese
    render with a space between them (HTML turns the line break into one); half-width `:` `(` `)`
    `,` `;` next to Chinese mix two punctuation widths."""
    wrap_end = re.compile(f"[{CJK_CHAR}]$")
    wrap_start = re.compile(rf"\s*[{CJK_CHAR}]")
    new_block = re.compile(r"\s*([-*+#>]|\d+\.)\s|\s*\|")  # a list item, heading, quote or table row
    one_line = re.compile(r"\s*(#|\|)")  # headings and table rows never continue on the next line
    mixed = re.compile(r"[\u3400-\u9fff][:;,()]|[;,()][\u3400-\u9fff]|[\u3400-\u9fff] \(|\) [\u3400-\u9fff]")
    problems = []
    for page in sorted(DOCS.rglob("*.zh.md")):
        lines = _zh_prose(page.read_text(encoding="utf-8"))
        for (number, line), (_, following) in zip(lines, lines[1:]):
            if (line and not one_line.match(line) and wrap_end.search(line) and wrap_start.match(following)
                    and not new_block.match(following)):
                problems.append(f"{page.relative_to(DOCS)}:{number}: line break between Chinese: {line[-10:]!r}")
        for number, line in lines:
            for m in mixed.finditer(line):
                problems.append(f"{page.relative_to(DOCS)}:{number}: half-width punctuation: {m.group()!r}")
    assert not problems, "\n".join(problems)
