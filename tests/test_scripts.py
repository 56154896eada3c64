"""Generated scripts: syntax, shellcheck, and execution with recording stubs under a fake root."""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import CLOUDCORE, by_id, ok
from kubeedge_runtime.selection import RUNTIMES

SCRIPT_SELECTIONS = [
    {"runtime": rt, "kubeedge_version": ke, "install_method": im, "arch": arch, "os": os_,
     "image_mirror": mirror, **CLOUDCORE}
    for rt in RUNTIMES
    for ke, im, arch, os_, mirror in [
        ("1.12", "keadm", "amd64", "ubuntu", ""), ("1.15", "binary", "arm64", "centos", "china"),
        ("1.16", "keadm", "arm64", "openeuler", ""), ("1.18", "binary", "amd64", "debian", "registry.local:5000"),
        ("1.23", "keadm", "amd64", "rhel", "china"), ("1.23", "binary", "amd64", "ubuntu", ""),
    ]
]


def all_scripts():
    out = []
    for raw in SCRIPT_SELECTIONS:
        result = ok(raw)
        for lang in ("en", "zh"):
            r = ok({**raw, "lang": lang}) if lang == "zh" else result
            out += [(f"{raw['runtime']}-{raw['kubeedge_version']}-{raw['install_method']}-{lang}-{a.path}", a.content)
                    for a in r.artifacts if a.language == "bash"]
    return out


@pytest.fixture(scope="module")
def script_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("scripts")
    for name, content in all_scripts():
        (d / name.replace("/", "_")).write_text(content)
    return d


def test_bash_syntax(script_dir):
    for f in sorted(script_dir.iterdir()):
        res = subprocess.run(["bash", "-n", str(f)], capture_output=True, text=True)
        assert res.returncode == 0, (f.name, res.stderr)


def test_shellcheck_clean(script_dir):
    if not shutil.which("shellcheck"):
        pytest.skip("shellcheck is not installed (make test installs the Debian package)")
    files = sorted(str(f) for f in script_dir.iterdir())
    res = subprocess.run(["shellcheck", "-S", "warning", "-f", "gcc", *files], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[:4000]


# --- execution with stubs ---------------------------------------------------------------------

STUBS = {
    # name: shell body; every call is recorded in $STUB_LOG
    "systemctl": 'exit 0',
    "apt-get": 'exit 0',
    "dnf": 'exit 0',
    "yum": 'exit 0',
    "curl": 'echo "network access attempted: $*" >&2; exit 7',
    "wget": 'echo "network access attempted: $*" >&2; exit 7',
    "pgrep": 'exit 1',
    "ss": 'exit 0',
    "containerd": 'echo "containerd github.com/containerd/containerd v${STUB_CONTAINERD:-2.3.4} deadbeef"',
    "crio": 'echo "Version:        ${STUB_CRIO:-1.36.3}"',
    "dockerd": 'echo "Docker version 26.1.5, build 411e817"',
    "cri-dockerd": 'echo "cri-dockerd 0.4.3"',
    "isulad": 'echo "Version 2.1.6"',
    "keadm": 'if [ "$1" = version ]; then echo "version: version.Info{GitVersion:\\"v${STUB_KE:-1.23.1}\\"}"; '
             'else printf "%s\\n" "$@" > "$STUB_ARGV"; fi',
}


@pytest.fixture
def stubs(tmp_path):
    bin_dir = tmp_path / "stubs"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for name, body in STUBS.items():
        f = bin_dir / name
        f.write_text(f'#!/bin/bash\necho "{name} $*" >> "$STUB_LOG"\n{body}\n')
        f.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "STUB_LOG": str(log),
           "STUB_ARGV": str(tmp_path / "argv")}
    env.pop("KUBEEDGE_ROOT", None)
    return env, log


def fake_root(tmp_path, os_id="ubuntu", runtime="containerd"):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "os-release").write_text(f'ID={os_id}\nVERSION_ID="22.04"\n')
    for name in ("bridge", "host-local", "portmap"):  # CNI plugins already present
        exe(root / "opt/cni/bin" / name)
    exe(root / "opt/kata/bin/containerd-shim-kata-v2")
    exe(root / "usr/local/bin/edgecore", 'echo "KubeEdge v${STUB_KE:-1.23.1}"')
    return root


def exe(path: Path, body="exit 0"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(0o755)


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def run_install(script: str, tmp_path: Path, env, *args):
    path = tmp_path / "install.sh"
    path.write_text(script)
    return subprocess.run(["bash", str(path), *args], capture_output=True, text=True, env=env, timeout=60)


def test_help(tmp_path, stubs):
    env, _ = stubs
    res = run_install(by_id(ok({}))["install"].content, tmp_path, env, "--help")
    assert res.returncode == 0 and "--dry-run" in res.stdout and "set -euo" not in res.stdout


LINUX_CASES = [
    ({"runtime": "containerd"}, "ubuntu"),
    ({"runtime": "containerd", "runtime_version": "1.7", "image_mirror": "china"}, "debian"),
    ({"runtime": "kata"}, "ubuntu"),
    ({"runtime": "cri-o", "os": "centos", "cgroup_driver": "cgroupfs"}, "centos"),
    ({"runtime": "docker"}, "ubuntu"),
    ({"runtime": "isulad", "os": "openeuler"}, "openEuler"),
    ({"runtime": "virtlet"}, "ubuntu"),
    ({"runtime": "containerd", "install_method": "binary", "token": "abc.def", **CLOUDCORE}, "ubuntu"),
]


@pytest.mark.parametrize("raw, os_id", LINUX_CASES, ids=[c[0]["runtime"] + "-" + c[1] for c in LINUX_CASES])
def test_dry_run_changes_nothing_then_run_then_idempotent(raw, os_id, tmp_path, stubs):
    env, log = stubs
    if raw["runtime"] == "cri-o":
        env["STUB_CRIO"] = "1.26.4" if "runtime_version" not in raw else raw["runtime_version"]
    if raw["runtime"] in ("containerd", "kata") and "runtime_version" in raw:
        env["STUB_CONTAINERD"] = raw["runtime_version"] + ".0"  # the installed containerd matches
    result = ok(raw)
    script = by_id(result)["install"].content
    root = fake_root(tmp_path, os_id)
    before = tree_digest(root)
    res = run_install(script, tmp_path, env, "--dry-run", "--root", str(root))
    assert res.returncode == 0, res.stderr + res.stdout
    assert tree_digest(root) == before, "dry run changed files"
    assert "[dry-run]" in res.stdout

    res = run_install(script, tmp_path, env, "--root", str(root), "--no-start")
    assert res.returncode == 0, res.stderr + res.stdout
    written = tree_digest(root)
    for a in result.artifacts:
        if a.node_path and a.language != "json" and a.id not in ("containerd-config",):
            assert (root / a.node_path.lstrip("/")).read_text() == a.content, a.node_path
    assert "network access attempted" not in res.stderr

    res = run_install(script, tmp_path, env, "--root", str(root), "--no-start")
    assert res.returncode == 0, res.stderr
    assert tree_digest(root) == written, "second run changed files"
    assert "not restarted" not in res.stdout


def test_existing_daemon_json_keeps_user_keys(tmp_path, stubs):
    env, _ = stubs
    result = ok({"runtime": "docker", "image_mirror": "registry.local:5000"})
    root = fake_root(tmp_path)
    user = '{\n  "log-driver": "journald",\n  "exec-opts": ["native.cgroupdriver=cgroupfs", "x=y"]\n}\n'
    (root / "etc/docker").mkdir(parents=True)
    (root / "etc/docker/daemon.json").write_text(user)
    res = run_install(by_id(result)["install"].content, tmp_path, env, "--root", str(root), "--no-start")
    assert res.returncode == 0, res.stderr
    import json
    merged = json.loads((root / "etc/docker/daemon.json").read_text())
    assert merged["log-driver"] == "journald"
    assert merged["exec-opts"] == ["x=y", "native.cgroupdriver=systemd"]
    assert merged["registry-mirrors"] == ["https://registry.local:5000"]
    backups = list((root / "etc/docker").glob("daemon.json.kubeedge-bak.*"))
    assert len(backups) == 1 and backups[0].read_text() == user


def test_containerd_stub_config_is_replaced_with_backup(tmp_path, stubs):
    env, _ = stubs
    result = ok({"runtime": "containerd"})
    root = fake_root(tmp_path)
    stub = '#   Copyright 2018-2022 Docker Inc.\n\ndisabled_plugins = ["cri"]\n'
    (root / "etc/containerd").mkdir(parents=True)
    (root / "etc/containerd/config.toml").write_text(stub)
    res = run_install(by_id(result)["install"].content, tmp_path, env, "--root", str(root), "--no-start")
    assert res.returncode == 0, res.stderr
    assert (root / "etc/containerd/config.toml").read_text() == by_id(result)["containerd-config"].content
    assert [b.read_text() for b in (root / "etc/containerd").glob("config.toml.kubeedge-bak.*")] == [stub]


def test_containerd_1x_user_cri_settings_are_edited_in_place(tmp_path, stubs):
    import tomllib
    env, _ = stubs
    env["STUB_CONTAINERD"] = "1.7.34"
    result = ok({"runtime": "containerd", "runtime_version": "1.7", "sandbox_image": "registry.local:5000/pause:3.9"})
    root = fake_root(tmp_path)
    user = ('version = 2\ndisabled_plugins = ["cri", "io.containerd.internal.v1.tracing"]\n\n'
            '[plugins."io.containerd.grpc.v1.cri"]\n  max_concurrent_downloads = 7\n'
            '  sandbox_image = "k8s.gcr.io/pause:3.5"\n')
    (root / "etc/containerd").mkdir(parents=True)
    (root / "etc/containerd/config.toml").write_text(user)
    res = run_install(by_id(result)["install"].content, tmp_path, env, "--root", str(root), "--no-start")
    assert res.returncode == 0, res.stderr
    conf = tomllib.loads((root / "etc/containerd/config.toml").read_text())
    cri = conf["plugins"]["io.containerd.grpc.v1.cri"]
    assert cri["max_concurrent_downloads"] == 7  # the user's setting stays in effect
    assert cri["sandbox_image"] == "registry.local:5000/pause:3.9"
    assert cri["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is True
    assert conf["disabled_plugins"] == ["io.containerd.internal.v1.tracing"]
    assert not (root / "etc/containerd/conf.d/99-kubeedge.toml").exists()


def test_containerd_2x_dropin_and_imports_added(tmp_path, stubs):
    import tomllib
    env, _ = stubs
    result = ok({"runtime": "containerd"})
    root = fake_root(tmp_path)
    user = 'version = 3\ndisabled_plugins = ["cri"]\noom_score = -999\n\n[plugins."io.containerd.cri.v1.images"]\n  max_concurrent_downloads = 7\n'
    (root / "etc/containerd").mkdir(parents=True)
    (root / "etc/containerd/config.toml").write_text(user)
    res = run_install(by_id(result)["install"].content, tmp_path, env, "--root", str(root), "--no-start")
    assert res.returncode == 0, res.stderr
    conf = tomllib.loads((root / "etc/containerd/config.toml").read_text())
    assert conf["imports"] == ["/etc/containerd/conf.d/*.toml"]
    assert conf["disabled_plugins"] == []
    assert conf["oom_score"] == -999
    assert conf["plugins"]["io.containerd.cri.v1.images"]["max_concurrent_downloads"] == 7
    assert (root / "etc/containerd/conf.d/99-kubeedge.toml").read_text() == by_id(result)["containerd-dropin"].content


def test_platform_mismatch_is_refused(tmp_path, stubs):
    env, _ = stubs
    root = fake_root(tmp_path, "centos")
    res = run_install(by_id(ok({"os": "ubuntu"}))["install"].content, tmp_path, env, "--root", str(root))
    assert res.returncode != 0 and "centos" in res.stderr
    assert not (root / "etc/containerd").exists()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_keadm_join_passes_exact_arguments(tmp_path, stubs, lang):
    env, _ = stubs
    raw = {"cloudcore": "[2001:db8::1]:10000", "node_name": "zone-a.edge-1", "labels": "example.com/tier=edge,x=",
           "image_mirror": "registry.local:5000", "lang": lang}
    script = by_id(ok(raw))["keadm-join"].content
    path = tmp_path / "join.sh"
    path.write_text(script)
    res = subprocess.run(["bash", str(path)], capture_output=True, text=True, env=env)
    assert res.returncode != 0 and "KUBEEDGE_TOKEN" in res.stderr  # token missing: refused, nothing run
    env = {**env, "KUBEEDGE_TOKEN": "abc.def"}
    res = subprocess.run(["bash", str(path)], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr
    argv = (tmp_path / "argv").read_text().splitlines()
    assert argv == ["join", "--cloudcore-ipport=[2001:db8::1]:10000", "--kubeedge-version=v1.23.1",
                    "--remote-runtime-endpoint=unix:///run/containerd/containerd.sock", "--cgroupdriver=systemd",
                    "--token=abc.def", "--edgenode-name=zone-a.edge-1", "--labels=example.com/tier=edge,x=",
                    "--image-repository=registry.local:5000/kubeedge"]
