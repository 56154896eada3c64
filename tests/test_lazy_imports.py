"""The package, the CLI's --help and `check` never load the serialisers (Jinja2, tomlkit, PyYAML):
they are imported on the first generation (core.generate). Not timed: what is imported."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("jinja2", "tomlkit", "yaml")

PROBE = """
import contextlib, io, json, sys
from kubeedge_runtime.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:  # --help
        code = exc.code
print(json.dumps({"code": code, "loaded": [m for m in %r if m in sys.modules]}))
""" % (HEAVY,)


def probe(*args: str) -> dict:
    res = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def test_import_help_and_check_stay_light():
    res = subprocess.run([sys.executable, "-c", "import sys, kubeedge_runtime; "
                          f"print([m for m in {HEAVY!r} if m in sys.modules])"], capture_output=True, text=True,
                         check=True)
    assert res.stdout.strip() == "[]"
    assert probe("--help") == {"code": 0, "loaded": []}
    assert probe("check", "--runtime", "isulad", "--runtime-version", "2.1.5", "--cgroup-driver", "systemd") == {
        "code": 1, "loaded": []}
    assert probe("check", "--runtime", "cri-o") == {"code": 0, "loaded": []}


def test_generate_still_loads_them_when_needed():
    assert probe("generate", "--runtime", "cri-o", "--format", "json")["loaded"] == list(HEAVY)
