"""install.sh's edit of the user's config.toml, on containerd's own default configs (every
../shared/upstream/containerd/config-default-*.toml, picked up by name): the drop-in is imported once
(whatever quote style the file uses: 2.x writes single quotes), CRI is no longer disabled, every other
value stays, and the drop-in has the main file's config version."""

import re
import tomllib
from pathlib import Path

import pytest

from helpers import by_id, ok
from sandbox import Sandbox

UPSTREAM = Path(__file__).resolve().parents[2] / "shared" / "upstream" / "containerd"
FIXTURES = sorted(UPSTREAM.glob("config-default-v*.toml"))
GLOB = "/etc/containerd/conf.d/*.toml"


def version_of(fixture: Path) -> str:
    return re.search(r"v(\d+\.\d+\.\d+)", fixture.name).group(1)


def test_fixtures_are_there():
    assert len(FIXTURES) >= 6, UPSTREAM


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.name)
@pytest.mark.parametrize("disable_cri", [False, True])
def test_default_config_as_users_main_file(tmp_path, fixture, disable_cri):
    version = version_of(fixture)
    minor = ".".join(version.split(".")[:2])
    text = fixture.read_text()
    if disable_cri:  # as Docker's containerd.io package ships it, in the file's own quote style
        q = "'" if "'" in text.split("[", 1)[0] else '"'
        text = re.sub(r"^disabled_plugins = \[\]", f"disabled_plugins = [{q}cri{q}, {q}io.containerd.internal.v1.tracing{q}]",
                      text, flags=re.M)
    original = tomllib.loads(text)
    raw = {"runtime_version": minor}
    sb = Sandbox(tmp_path, present=("containerd",), env={"SB_CONTAINERD": version})
    sb.serve_downloads(raw)
    (sb.root / "etc/containerd").mkdir(parents=True)
    (sb.root / "etc/containerd/config.toml").write_text(text)
    res = sb.run(by_id(ok(raw))["install"].content)
    assert res.returncode == 0, res.stderr + res.stdout
    conf = tomllib.loads((sb.root / "etc/containerd/config.toml").read_text())
    assert conf["version"] == original["version"]
    if not minor.startswith("1."):  # 1.x: the CRI table is edited in place instead (imports replace tables)
        assert conf["imports"].count(GLOB) == 1, conf["imports"]
        dropin = tomllib.loads((sb.root / "etc/containerd/conf.d/99-kubeedge.toml").read_text())
        assert dropin["version"] == original["version"]
    assert "cri" not in conf.get("disabled_plugins", []) and "io.containerd.grpc.v1.cri" not in conf.get(
        "disabled_plugins", [])
    if disable_cri:
        assert conf["disabled_plugins"] == ["io.containerd.internal.v1.tracing"]
    for key in ("root", "state", "oom_score"):
        assert conf.get(key) == original.get(key), key
    res = sb.run(by_id(ok(raw))["install"].content)  # a second run: nothing to write
    assert "every file is already as it should be" in res.stdout, res.stdout
