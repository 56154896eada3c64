"""The wheel as a user gets it: the site's offline wheelhouse installs it, with every dependency, into a
venv that sees no other packages (`pip install --no-index`), and its CLI gives the source tree's bytes.

This is the air-gapped install path the CLI page documents; it fails if the wheelhouse misses a
dependency or the wheel misses a file. `make test` builds the site first (make site).
"""

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOWNLOADS = ROOT / "site" / "assets" / "downloads"
DIST = "kubeedge-runtime-configurator"


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory):
    archive = DOWNLOADS / "wheelhouse.zip"
    assert archive.is_file(), f"{archive} is missing: build the site first (make site)"
    out = tmp_path_factory.mktemp("offline")
    with zipfile.ZipFile(archive) as z:
        z.extractall(out)
    return out / "wheelhouse"


@pytest.fixture(scope="module")
def installed(wheelhouse, tmp_path_factory):
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=True, system_site_packages=False, clear=True)
    py = env_dir / "bin" / "python"
    res = subprocess.run([str(py), "-m", "pip", "install", "--no-index", "--find-links", str(wheelhouse), DIST],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return env_dir


def test_site_wheel_is_pure_and_complete():
    wheels = sorted(DOWNLOADS.glob("kubeedge_runtime_configurator-*.whl"))
    assert len(wheels) == 1, wheels
    assert wheels[0].name.endswith("-py3-none-any.whl")
    names = zipfile.ZipFile(wheels[0]).namelist()
    assert "kubeedge_runtime/messages/zh.json" in names
    assert "kubeedge_runtime/templates/install.sh.j2" in names
    assert not [n for n in names if n.endswith((".so", ".pyd"))]


def test_wheelhouse_holds_only_pure_wheels(wheelhouse):
    names = sorted(p.name for p in wheelhouse.iterdir())
    assert names and all(n.endswith("-py3-none-any.whl") for n in names), names


def test_venv_sees_nothing_but_the_wheelhouse(installed):
    py = installed / "bin" / "python"
    res = subprocess.run([str(py), "-c", "import sys, site; print(sys.prefix != sys.base_prefix, "
                          "any('site-packages' in p and not p.startswith(sys.prefix) for p in sys.path))"],
                         capture_output=True, text=True, timeout=60)
    assert res.stdout.split() == ["True", "False"], res.stdout + res.stderr
    listed = subprocess.run([str(py), "-m", "pip", "list", "--format", "json"], capture_output=True, text=True,
                            timeout=60)
    have = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert {"kubeedge-runtime-configurator", "jinja2", "tomlkit", "pyyaml", "packaging", "markupsafe"} <= have


@pytest.mark.parametrize("args", [
    ["generate", "--runtime", "isulad", "--format", "json"],
    ["generate", "--runtime", "cri-o", "--kubeedge-version", "1.16", "--lang", "zh", "--format", "json"],
    ["check", "--runtime", "docker", "--kubeedge-version", "1.12", "--format", "json"],
])
def test_installed_cli_gives_the_source_tree_bytes(installed, tmp_path, args):
    cli = installed / "bin" / "kubeedge-runtime"
    res = subprocess.run([str(cli), *args], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    here = subprocess.run([sys.executable, "-m", "kubeedge_runtime", *args], capture_output=True, text=True,
                          timeout=60)
    assert res.returncode == here.returncode, res.stderr
    assert res.stdout == here.stdout
    data = json.loads(res.stdout)
    assert data["diagnostics"] is not None
