"""Build what the site serves besides the pages, into build/assets/ (the MkDocs hook copies it):

- pyodide/      the runtime from the npm package `pyodide` (node_modules), never a CDN; its large
                text and wasm files only as .gz (web/worker.mjs inflates them when the server
                does not), python_stdlib.zip as it is (its members are compressed already)
- py/bundle.zip our package and its pure-Python dependencies, compiled to bytecode (and the Jinja
                templates to modules) by Pyodide itself, unpacked by the worker in one go
- downloads/    our wheel, and wheelhouse.zip (our wheel + dependency wheels) for `pip install --no-index`

Every wheel is py3-none-any, so the browser and any air-gapped host can use them: markupsafe and
PyYAML are built from their sources without their optional C speedups (both fall back to pure
Python by design); the others are pure wheels from PyPI.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PURE_WHEELS = ["jinja2", "tomlkit", "packaging"]
BUILT_PURE = ["markupsafe", "pyyaml"]
PYODIDE_FILES = ["pyodide.mjs", "python_stdlib.zip"]
PYODIDE_GZIPPED = ["pyodide.asm.mjs", "pyodide.asm.wasm", "pyodide-lock.json"]


def run(*cmd: str) -> None:
    subprocess.run(cmd, check=True)


def gzip_file(src: Path, dest: Path) -> None:
    """gzip -9 with no name or time in the header: the same input gives the same bytes."""
    with open(dest, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(src.read_bytes())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--wheel-dir", default=str(ROOT / "dist"), help="where our wheel was built")
    ap.add_argument("--out", default=str(ROOT / "build" / "assets"))
    args = ap.parse_args()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    (out / "py").mkdir(parents=True)
    (out / "downloads").mkdir()
    (out / "pyodide").mkdir()

    src = ROOT / "node_modules" / "pyodide"
    for name in PYODIDE_FILES:
        shutil.copy(src / name, out / "pyodide" / name)
    for name in PYODIDE_GZIPPED:
        gzip_file(src / name, out / "pyodide" / (name + ".gz"))

    ours = sorted(Path(args.wheel_dir).glob("kubeedge_runtime_configurator-*.whl"))[-1]
    deps_dir = ROOT / "build" / "wheels"
    shutil.rmtree(deps_dir, ignore_errors=True)
    run(sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "--no-deps", "--dest", str(deps_dir),
        *PURE_WHEELS)
    env = {**os.environ, "PYYAML_FORCE_LIBYAML": "0", "CC": "false"}  # no compiler: pure-Python builds
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-binary", ",".join(BUILT_PURE),
                    "--wheel-dir", str(deps_dir), *BUILT_PURE], check=True, env=env)
    wheels = [ours] + sorted(deps_dir.glob("*.whl"))
    impure = [w.name for w in wheels if not w.name.endswith("-py3-none-any.whl")]
    if impure:
        raise SystemExit(f"not pure-Python wheels: {impure}")

    with zipfile.ZipFile(out / "py" / "bundle.zip", "w", zipfile.ZIP_DEFLATED) as bundle:
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as whl:
                for info in sorted(whl.infolist(), key=lambda i: i.filename):
                    name = info.filename
                    if ".dist-info/" in name or name.endswith("/"):
                        continue
                    bundle.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), whl.read(name),
                                    zipfile.ZIP_DEFLATED)

    # bytecode for the browser, compiled by the Pyodide the site serves
    subprocess.run(["node", str(ROOT / "tools" / "compile_bundle.mjs"), str(out / "py" / "bundle.zip")], check=True)
    shutil.copy(ours, out / "downloads" / ours.name)
    with zipfile.ZipFile(out / "downloads" / "wheelhouse.zip", "w", zipfile.ZIP_STORED) as house:
        for wheel in wheels:
            house.write(wheel, f"wheelhouse/{wheel.name}")
    print(f"assets in {out}: bundle {(out / 'py' / 'bundle.zip').stat().st_size} bytes, {len(wheels)} wheels")


if __name__ == "__main__":
    main()
