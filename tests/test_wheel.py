"""The wheel: pure Python, installs in a fresh venv and gives a working kubeedge-runtime command."""

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    res = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out),
                          str(ROOT / "pycore")], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_is_pure_and_complete(wheel):
    assert wheel.name.endswith("-py3-none-any.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "kubeedge_runtime/messages/zh.json" in names
    assert "kubeedge_runtime/templates/install.sh.j2" in names
    assert not [n for n in names if n.endswith((".so", ".pyd"))]


def test_wheel_installs_and_runs(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True, system_site_packages=True)  # dependencies from this environment
    py = env_dir / "bin" / "python"
    res = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    cli = env_dir / "bin" / "kubeedge-runtime"
    res = subprocess.run([str(cli), "generate", "--runtime", "isulad", "--format", "json"], capture_output=True,
                         text=True, timeout=60, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert any(a["path"] == "etc/isulad/daemon.json" for a in data["artifacts"])
    here = subprocess.run([sys.executable, "-m", "kubeedge_runtime", "generate", "--runtime", "isulad", "--format",
                           "json"], capture_output=True, text=True, timeout=60)
    assert here.stdout == res.stdout  # the installed wheel and the source tree give the same bytes
