"""Build what the site serves besides the pages, into build/assets/ (the MkDocs hook copies it):

- pyodide/      the runtime from the npm package `pyodide` (node_modules), never a CDN; its large
                files only as .gz (web/worker.mjs inflates them when the server does not), the
                standard library's zip stored uncompressed inside its .gz (one gzip stream over
                the whole zip is 13% smaller than the zip's per-file compression)
- py/bundle.zip.gz  our package and its pure-Python dependencies, compiled to bytecode (and the Jinja
                templates to modules) by Pyodide itself, unpacked by the worker in one go
- downloads/    our wheel, and wheelhouse.zip (our wheel + dependency wheels) for `pip install --no-index`

Every wheel is py3-none-any, so the browser and any air-gapped host can use them: markupsafe and
PyYAML are built from their sources without their optional C speedups (both fall back to pure
Python by design); the others are pure wheels from PyPI.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PURE_WHEELS = ["jinja2", "tomlkit", "packaging"]
BUILT_PURE = ["markupsafe", "pyyaml"]
PYODIDE_FILES = ["pyodide.mjs"]
PYODIDE_GZIPPED = ["pyodide.asm.mjs", "pyodide.asm.wasm", "pyodide-lock.json"]


def run(*cmd: str) -> None:
    subprocess.run(cmd, check=True)


def gzip_file(src: Path, dest: Path, stored_zip: bool = False) -> None:
    """gzip -9 with no name or time in the header: the same input gives the same bytes.
    ``stored_zip``: src is a zip, rewritten with its members uncompressed first."""
    data = src.read_bytes()
    if stored_zip:
        buf = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zout:
            for info in zin.infolist():
                zout.writestr(zipfile.ZipInfo(info.filename, date_time=info.date_time), zin.read(info))
        data = buf.getvalue()
    with open(dest, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(data)


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
    gzip_file(src / "python_stdlib.zip", out / "pyodide" / "python_stdlib.zip.gz", stored_zip=True)

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
    gzip_file(out / "py" / "bundle.zip", out / "py" / "bundle.zip.gz")
    (out / "py" / "bundle.zip").unlink()
    shutil.copy(ours, out / "downloads" / ours.name)
    with zipfile.ZipFile(out / "downloads" / "wheelhouse.zip", "w", zipfile.ZIP_STORED) as house:
        for wheel in wheels:
            house.write(wheel, f"wheelhouse/{wheel.name}")
    print(f"assets in {out}: bundle {(out / 'py' / 'bundle.zip.gz').stat().st_size} bytes gzipped, {len(wheels)} wheels")


if __name__ == "__main__":
    main()
