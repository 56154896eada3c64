"""install.sh executed for real in a sandbox (tests/sandbox.py): downloads checked, files written,
services restarted only when their config changed, second runs change nothing, --restore gives the
original bytes back, and every preflight failure stops before anything is changed."""

from __future__ import annotations

import json

import pytest

from helpers import CLOUDCORE, by_id, ok
from sandbox import Sandbox

ENDPOINT_SOCKETS = {
    "containerd": ["unix:///run/containerd/containerd.sock"],
    "kata": ["unix:///run/containerd/containerd.sock"],
    "cri-o": ["unix:///var/run/crio/crio.sock"],
    "docker": ["unix:///var/run/cri-dockerd.sock"],
    "isulad": ["unix:///var/run/isulad.sock"],
}
PRESENT = {
    "containerd": ("containerd",), "kata": ("containerd", "kata-runtime"), "cri-o": ("crio",),
    "docker": ("dockerd", "cri-dockerd"), "isulad": ("isulad",),
}
OS_ID = {"ubuntu": "ubuntu", "centos": "centos", "openeuler": "openEuler", "debian": "debian", "rhel": "rhel"}


def install_script(raw):
    return by_id(ok(raw))["install"].content


def restarts(sb):
    return [c for c in sb.calls() if c.startswith("systemctl restart")]


# --- fresh nodes: everything downloaded, checked and installed ---------------------------------------------

FRESH = [
    {"runtime": "containerd", "os": "ubuntu"},
    {"runtime": "containerd", "os": "centos", "arch": "arm64", "install_method": "binary", "token": "abc.def",
     **CLOUDCORE},
    {"runtime": "cri-o", "os": "rhel"},
    {"runtime": "kata", "os": "debian"},
    {"runtime": "docker", "os": "ubuntu", "install_method": "binary", "token": "abc.def", **CLOUDCORE},
]


@pytest.mark.parametrize("raw", FRESH, ids=lambda r: f"{r['runtime']}-{r['os']}-{r.get('install_method', 'keadm')}")
def test_fresh_node_downloads_are_verified_and_installed(raw, tmp_path):
    machine = {"arm64": "aarch64"}.get(raw.get("arch", "amd64"), "x86_64")
    sb = Sandbox(tmp_path, OS_ID[raw["os"]], present=("dockerd",) if raw["runtime"] == "docker" else (),
                 env={"SB_MACHINE": machine})
    digests = sb.serve_downloads(raw)
    script = install_script(raw)
    unpinned = {"docker": "cri-dockerd", "kata": "kata-static"}.get(raw["runtime"])
    if unpinned:
        # upstream publishes no checksum: refused until the operator pins one (or accepts the risk)
        before = sb.tree()
        res = sb.run(script, "--no-start")
        assert res.returncode != 0 and "KUBEEDGE_SHA256" in res.stderr, res.stderr
        assert sb.tree() == before  # refused in preflight, before any change
        name = next(n for n in digests if n.startswith(unpinned))
        res = sb.run(script, "--no-start", extra_env={"KUBEEDGE_SHA256": "0" * 64})
        assert res.returncode != 0 and "checksum mismatch" in res.stderr
        assert sb.tree() == before  # every download is checked before anything is installed
        extra = {"KUBEEDGE_SHA256": digests[name]}
    else:
        extra = {}
    res = sb.run(script, "--no-start", extra_env=extra)
    assert res.returncode == 0, res.stderr + res.stdout
    fetched = [c.split()[-1].rsplit("/", 1)[1] for c in sb.calls() if c.startswith("curl")]
    served = set(digests) | {p.name for p in sb.files.iterdir()}
    assert set(fetched) <= served
    assert all(n in fetched for n in digests if not n.startswith(("keadm", "kubeedge")) or
               n.startswith("keadm" if raw.get("install_method", "keadm") == "keadm" else "kubeedge"))
    root = sb.root
    if raw["runtime"] in ("containerd", "kata"):
        assert (root / "usr/local/bin/containerd").is_file() and (root / "usr/local/sbin/runc").is_file()
        assert (root / "etc/systemd/system/containerd.service").is_file()
    if raw["runtime"] == "kata":
        assert (root / "opt/kata/bin/containerd-shim-kata-v2").is_file()
    if raw["runtime"] == "cri-o":
        assert (root / "usr/local/bin/crio").is_file()
    if raw["runtime"] == "docker":
        assert (root / "usr/local/bin/cri-dockerd").is_file()
    assert (root / "opt/cni/bin/bridge").is_file() or raw["runtime"] == "cri-o"
    if raw.get("install_method") == "binary":
        conf = (root / "etc/kubeedge/config/edgecore.yaml").read_text()
        assert "token: abc.def" in conf and (root / "usr/local/bin/edgecore").is_file()
        assert oct((root / "etc/kubeedge/config/edgecore.yaml").stat().st_mode & 0o777) == "0o600"
    else:
        assert (root / "usr/local/bin/keadm").is_file()
    for call in sb.calls():  # every download came from the release page and was checked
        assert not call.startswith("wget")


def test_corrupt_download_is_refused(tmp_path):
    raw = {"runtime": "containerd"}
    sb = Sandbox(tmp_path)
    sb.serve_downloads(raw)
    tarball = next(sb.files.glob("containerd-*.tar.gz"))
    tarball.write_bytes(tarball.read_bytes() + b"tampered")
    before = sb.tree()
    res = sb.run(install_script(raw), "--no-start")
    assert res.returncode != 0 and "checksum mismatch" in res.stderr
    assert sb.tree() == before


# --- installed runtimes: configured, idempotent (restarts and verification: tests/test_node_install.py) --------

EXISTING = [
    ({"runtime": "containerd"}, "ubuntu"),
    ({"runtime": "containerd", "runtime_version": "1.7", "image_mirror": "china"}, "debian"),
    ({"runtime": "kata"}, "ubuntu"),
    ({"runtime": "cri-o", "os": "centos", "cgroup_driver": "cgroupfs"}, "centos"),
    ({"runtime": "docker", "os": "rhel"}, "rhel"),
    ({"runtime": "isulad", "os": "openeuler"}, "openEuler"),
]


@pytest.mark.parametrize("raw, os_id", EXISTING, ids=[f"{r['runtime']}-{o}" for r, o in EXISTING])
def test_installed_runtime_configured_then_nothing_to_do(raw, os_id, tmp_path):
    env = {"SB_CONTAINERD": raw.get("runtime_version", "2.3") + ".0", "SB_CRIO": "1.26.4"}
    sb = Sandbox(tmp_path, os_id, present=PRESENT[raw["runtime"]], env=env)
    sb.serve_downloads(raw)
    script = install_script(raw)
    res = sb.run(script, extra_env={"KUBEEDGE_SHA256": ""})
    assert res.returncode == 0, res.stderr + res.stdout
    assert "verification skipped" in res.stdout  # --root: an image, nothing runs there
    for a in ok(raw).artifacts:
        if a.node_path and a.language not in ("json",) and a.id not in ("containerd-config", "cni-conflist"):
            assert (sb.root / a.node_path.lstrip("/")).read_text() == a.content, a.node_path
    assert restarts(sb) == []
    written = sb.tree()
    sb.clear_calls()
    res = sb.run(script)
    assert res.returncode == 0, res.stderr
    assert sb.tree() == written
    assert "every file is already as it should be" in res.stdout


def test_dry_run_prints_actions_and_changes_nothing(tmp_path):
    raw = {"runtime": "docker", "image_mirror": "china"}
    sb = Sandbox(tmp_path, present=PRESENT["docker"])
    before = sb.tree()
    res = sb.run(install_script(raw), "--dry-run")
    assert res.returncode == 0, res.stderr
    assert sb.tree() == before
    assert "[dry-run] would write /etc/docker/daemon.json" in res.stdout
    assert "[dry-run] would link /usr/local/bin/cri-dockerd -> /usr/bin/cri-dockerd" in res.stdout
    assert not [c for c in sb.calls() if c.startswith(("systemctl restart", "curl", "apt-get install"))]


# --- user files: kept in effect, backed up, restorable -----------------------------------------------------

def test_user_files_survive_and_restore_gives_the_original_bytes(tmp_path):
    raw = {"runtime": "docker", "image_mirror": "registry.local:5000"}
    sb = Sandbox(tmp_path, present=PRESENT["docker"])
    sb.serve_downloads(raw)
    user = '{\n  "log-driver": "journald",\n  "registry-mirrors": ["https://mirror.corp"]\n}\n'
    (sb.root / "etc/docker").mkdir(parents=True)
    (sb.root / "etc/docker/daemon.json").write_text(user)
    before = sb.tree()
    res = sb.run(install_script(raw))
    assert res.returncode == 0, res.stderr + res.stdout
    merged = json.loads((sb.root / "etc/docker/daemon.json").read_text())
    assert merged["log-driver"] == "journald"
    assert merged["registry-mirrors"] == ["https://registry.local:5000", "https://mirror.corp"]
    assert merged["exec-opts"] == ["native.cgroupdriver=systemd"]
    res = sb.run(install_script(raw), "--restore")
    assert res.returncode == 0, res.stderr
    assert (sb.root / "etc/docker/daemon.json").read_text() == user
    files = lambda tree: {k: v for k, v in tree.items() if v != "dir" and not k.startswith("var/run")}  # noqa: E731
    after = {k: v for k, v in files(sb.tree()).items() if not k.startswith("var/lib/kubeedge-runtime")}
    assert after == files(before)  # what was installed is gone again, every changed file is back


def test_containerd_user_config_with_mirror_keeps_working(tmp_path):
    """containerd 1.7 with the user's own CRI settings in config.toml: edited in place (1.x imports would
    replace the whole table), backed up, and restorable to the same bytes."""
    import tomllib
    raw = {"runtime": "containerd", "runtime_version": "1.7"}
    sb = Sandbox(tmp_path, present=PRESENT["containerd"], env={"SB_CONTAINERD": "1.7.34"})
    sb.serve_downloads(raw)
    user = ('version = 2\n\n[plugins."io.containerd.grpc.v1.cri"]\n  max_concurrent_downloads = 5\n'
            '  [plugins."io.containerd.grpc.v1.cri".registry]\n    config_path = "/etc/containerd/certs.d"\n')
    (sb.root / "etc/containerd").mkdir(parents=True)
    (sb.root / "etc/containerd/config.toml").write_text(user)
    res = sb.run(install_script(raw))
    assert res.returncode == 0, res.stderr + res.stdout
    cri = tomllib.loads((sb.root / "etc/containerd/config.toml").read_text())["plugins"]["io.containerd.grpc.v1.cri"]
    assert cri["max_concurrent_downloads"] == 5 and cri["registry"]["config_path"] == "/etc/containerd/certs.d"
    assert cri["sandbox_image"] == "docker.io/kubeedge/pause:3.6"  # fully qualified (#10.4)
    res = sb.run(install_script(raw), "--restore")
    assert res.returncode == 0, res.stderr
    assert (sb.root / "etc/containerd/config.toml").read_text() == user
    assert not (sb.root / "etc/cni/net.d/10-containerd-net.conflist").exists()  # created by us: removed


# --- preflight: each failure says what to do and changes nothing ---------------------------------------------

PREFLIGHT = [
    ("old-containerd", {"runtime": "containerd", "kubeedge_version": "1.16"}, {"SB_CONTAINERD": "1.5.18"}, "1.6"),
    ("other-major", {"runtime": "containerd", "runtime_version": "1.7"}, {"SB_CONTAINERD": "2.1.0"}, "2.1"),
    ("arch", {"runtime": "containerd"}, {"SB_MACHINE": "aarch64"}, "arm64"),
    ("isulad-missing", {"runtime": "isulad", "os": "ubuntu"}, {}, "ENABLE_CRI_API_V1"),
]


@pytest.mark.parametrize("name, raw, env, says", PREFLIGHT, ids=[p[0] for p in PREFLIGHT])
def test_preflight_failures_stop_before_any_change(name, raw, env, says, tmp_path):
    present = PRESENT[raw["runtime"]] if name != "isulad-missing" else ()
    sb = Sandbox(tmp_path, present=present, env=env)
    before = sb.tree()
    res = sb.run(install_script(raw))
    assert res.returncode != 0
    assert says in res.stderr, res.stderr
    assert sb.tree() == before
    assert not restarts(sb)


def test_existing_edgecore_with_another_cgroup_driver_is_refused(tmp_path):
    sb = Sandbox(tmp_path, present=PRESENT["containerd"])
    conf = sb.root / "etc/kubeedge/config"
    conf.mkdir(parents=True)
    (conf / "edgecore.yaml").write_text("modules:\n  edged:\n    tailoredKubeletConfig:\n      cgroupDriver: cgroupfs\n")
    before = sb.tree()
    res = sb.run(install_script({"runtime": "containerd", "cgroup_driver": "systemd"}))
    assert res.returncode != 0 and "cgroupfs" in res.stderr
    assert sb.tree() == before


def test_packages_cannot_go_into_a_root_dir(tmp_path):
    """An image directory gets no distribution packages: the operator installs them there first."""
    sb = Sandbox(tmp_path, "centos")
    before = sb.tree()
    res = sb.run(install_script({"runtime": "docker", "os": "centos"}))
    assert res.returncode != 0 and "dnf --installroot" in res.stderr, res.stderr
    assert sb.tree() == before and not [c for c in sb.calls() if c.startswith(("dnf", "yum"))]


def test_dnf_family_docker_repository_is_in_the_script():
    script = install_script({"runtime": "docker", "os": "centos"})
    assert "baseurl=https://download.docker.com/linux/centos/$releasever/$basearch/stable" in script


def test_zh_messages(tmp_path):
    sb = Sandbox(tmp_path, "centos")
    res = sb.run(install_script({"runtime": "containerd", "lang": "zh"}))
    assert res.returncode != 0 and "错误" in res.stderr
