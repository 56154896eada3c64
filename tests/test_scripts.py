"""Generated scripts: syntax, shellcheck, and execution with recording stubs under a fake root."""

import os
import shutil
import subprocess

import pytest

from helpers import CLOUDCORE, by_id, ok
from kubeedge_runtime.selection import RUNTIMES
from sandbox import STUBS, Sandbox

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
    files = "\0".join(sorted(str(f) for f in script_dir.iterdir()))
    res = subprocess.run(["xargs", "-0", "-P", str(os.cpu_count() or 2), "-n", "16", "shellcheck", "-S", "warning",
                          "-f", "gcc"], input=files, capture_output=True, text=True)  # one shellcheck per core
    assert res.returncode == 0, res.stdout[:4000] + res.stderr[:1000]


# --- execution (the sandbox of tests/sandbox.py) --------------------------------------------------------------

def test_help(tmp_path):
    sb = Sandbox(tmp_path)
    res = sb.run(by_id(ok({}))["install"].content, "--help")
    assert res.returncode == 0 and "--dry-run" in res.stdout and "--restore" in res.stdout
    assert "set -euo" not in res.stdout


def test_every_runtime_dry_run_then_run_then_idempotent(tmp_path):
    for i, (raw, os_id) in enumerate([({"runtime": "containerd"}, "ubuntu"), ({"runtime": "virtlet"}, "ubuntu"),
                                      ({"runtime": "containerd", "install_method": "binary", "token": "abc.def",
                                        **CLOUDCORE}, "ubuntu")]):
        sb = Sandbox(tmp_path / str(i), os_id, present=("containerd", "dockerd", "cri-dockerd"))
        sb.serve_downloads(raw)
        result = ok(raw)
        script = by_id(result)["install"].content
        before = sb.tree()
        res = sb.run(script, "--dry-run")
        assert res.returncode == 0, res.stderr
        assert sb.tree() == before
        res = sb.run(script, "--no-start")
        assert res.returncode == 0, res.stderr + res.stdout
        for a in result.artifacts:
            if a.node_path and a.language != "json" and a.id != "containerd-config":
                assert (sb.root / a.node_path.lstrip("/")).read_text() == a.content, a.node_path
        written = sb.tree()
        res = sb.run(script, "--no-start")
        assert res.returncode == 0 and sb.tree() == written


def test_containerd_stub_config_is_replaced_with_backup(tmp_path):
    result = ok({"runtime": "containerd"})
    sb = Sandbox(tmp_path, present=("containerd",))
    sb.serve_downloads({"runtime": "containerd"})
    stub = '#   Copyright 2018-2022 Docker Inc.\n\ndisabled_plugins = ["cri"]\n'
    (sb.root / "etc/containerd").mkdir(parents=True)
    (sb.root / "etc/containerd/config.toml").write_text(stub)
    res = sb.run(by_id(result)["install"].content, "--no-start")
    assert res.returncode == 0, res.stderr
    assert (sb.root / "etc/containerd/config.toml").read_text() == by_id(result)["containerd-config"].content
    # the backup is kept in the state directory, never beside the file
    assert [b.read_text() for b in (sb.root / "var/lib/kubeedge-runtime/backups").rglob("config.toml")] == [stub]
    assert sorted(p.name for p in (sb.root / "etc/containerd").iterdir()) == ["conf.d", "config.toml"]


def test_containerd_1x_user_cri_settings_are_edited_in_place(tmp_path):
    import tomllib
    raw = {"runtime": "containerd", "runtime_version": "1.7", "sandbox_image": "registry.local:5000/pause:3.9"}
    sb = Sandbox(tmp_path, present=("containerd",), env={"SB_CONTAINERD": "1.7.34"})
    sb.serve_downloads(raw)
    user = ('version = 2\ndisabled_plugins = ["cri", "io.containerd.internal.v1.tracing"]\n\n'
            '[plugins."io.containerd.grpc.v1.cri"]\n  max_concurrent_downloads = 7\n'
            '  sandbox_image = "k8s.gcr.io/pause:3.5"\n')
    (sb.root / "etc/containerd").mkdir(parents=True)
    (sb.root / "etc/containerd/config.toml").write_text(user)
    res = sb.run(by_id(ok(raw))["install"].content, "--no-start")
    assert res.returncode == 0, res.stderr
    conf = tomllib.loads((sb.root / "etc/containerd/config.toml").read_text())
    cri = conf["plugins"]["io.containerd.grpc.v1.cri"]
    assert cri["max_concurrent_downloads"] == 7  # the user's setting stays in effect
    assert cri["sandbox_image"] == "registry.local:5000/pause:3.9"
    assert cri["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is True
    assert conf["disabled_plugins"] == ["io.containerd.internal.v1.tracing"]
    assert not (sb.root / "etc/containerd/conf.d/99-kubeedge.toml").exists()


def test_containerd_2x_dropin_and_imports_added(tmp_path):
    import tomllib
    result = ok({"runtime": "containerd"})
    sb = Sandbox(tmp_path, present=("containerd",))
    sb.serve_downloads({"runtime": "containerd"})
    user = ('version = 3\ndisabled_plugins = ["cri"]\noom_score = -999\n\n'
            '[plugins."io.containerd.cri.v1.images"]\n  max_concurrent_downloads = 7\n')
    (sb.root / "etc/containerd").mkdir(parents=True)
    (sb.root / "etc/containerd/config.toml").write_text(user)
    res = sb.run(by_id(result)["install"].content, "--no-start")
    assert res.returncode == 0, res.stderr
    conf = tomllib.loads((sb.root / "etc/containerd/config.toml").read_text())
    assert conf["imports"] == ["/etc/containerd/conf.d/*.toml"]
    assert conf["disabled_plugins"] == []
    assert conf["oom_score"] == -999
    assert conf["plugins"]["io.containerd.cri.v1.images"]["max_concurrent_downloads"] == 7
    dropin = tomllib.loads((sb.root / "etc/containerd/conf.d/99-kubeedge.toml").read_text())
    # containerd 2.3 refuses a drop-in of a higher config version than its main file: this one says 3
    assert dropin["version"] == 3 and parse_toml_version(by_id(result)["containerd-dropin"].content) == 4
    assert dropin["plugins"]["io.containerd.cri.v1.images"]["pinned_images"]["sandbox"] == \
        "docker.io/kubeedge/pause:3.6"


def parse_toml_version(text):
    import tomllib
    return tomllib.loads(text)["version"]


def test_platform_mismatch_is_refused(tmp_path):
    sb = Sandbox(tmp_path, "centos")
    res = sb.run(by_id(ok({"os": "ubuntu"}))["install"].content)
    assert res.returncode != 0 and "centos" in res.stderr
    assert not (sb.root / "etc/containerd").exists()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_keadm_join_passes_exact_arguments(tmp_path, lang):
    sb = Sandbox(tmp_path)
    sb.stub("keadm", STUBS["keadm"])  # keadm-join.sh runs keadm from PATH
    raw = {"cloudcore": "[2001:db8::1]:10000", "node_name": "zone-a.edge-1", "labels": "example.com/tier=edge,x=",
           "image_mirror": "registry.local:5000", "lang": lang}
    path = sb.dir / "join.sh"
    path.write_text(by_id(ok(raw))["keadm-join"].content)
    res = subprocess.run(["bash", str(path)], capture_output=True, text=True, env=sb.env)
    assert res.returncode != 0 and "KUBEEDGE_TOKEN" in res.stderr  # token missing: refused, nothing run
    res = subprocess.run(["bash", str(path)], capture_output=True, text=True, env={**sb.env, "KUBEEDGE_TOKEN": "abc.def"})
    assert res.returncode == 0, res.stderr
    argv = (sb.dir / "keadm.argv").read_text().splitlines()
    assert argv == ["join", "--cloudcore-ipport=[2001:db8::1]:10000", "--kubeedge-version=v1.23.1",
                    "--remote-runtime-endpoint=unix:///run/containerd/containerd.sock", "--cgroupdriver=systemd",
                    "--token=abc.def", "--edgenode-name=zone-a.edge-1", "--labels=example.com/tier=edge,x=",
                    "--image-repository=registry.local:5000/kubeedge",
                    "--set=Modules.Edged.TailoredKubeletFlag.ContainerRuntimeOptions.PodSandboxImage="
                    "registry.local:5000/kubeedge/pause:3.6"]
