"""install.sh, verify.sh and --restore on real booted Debian nodes (tests/node.py): systemd as PID 1,
real apt (a local mirror of Debian's packages), real containerd / docker.io / runc / CNI plugins, and
release files from a loopback mirror in the upstream layout (tests/releases.py).

What is asserted comes from the node: the files on its disk, its package database, its units, and what
the running runtime reports over its own socket (tests/cri.py, independent of verify.sh).
Each numbered point of issue #9 is named where it is tested ("#9.7").
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

import cri
import releases
from helpers import ok
from node import Node, host_problem, suite

PROBLEM = host_problem()
pytestmark = pytest.mark.skipif(PROBLEM is not None, reason=PROBLEM or "")

PORT = 8080
MIRROR = f"http://127.0.0.1:{PORT}"
KE = "/root/kubeedge"
# what install.sh may touch; runtime state (/var/lib/containerd, /run) is left out
WATCHED = ["/etc/containerd", "/etc/cni", "/etc/docker", "/etc/crio", "/etc/containers", "/etc/systemd/system",
           "/usr/local", "/opt/cni", "/opt/kata", "/etc/kubeedge"]
STATE = "/var/lib/kubeedge-runtime"
SOCK = {"containerd": "/run/containerd/containerd.sock", "docker": "/var/run/cri-dockerd.sock"}
SUITE_OF = releases.CONTAINERD_SUITE  # containerd minor -> the suite whose Debian package is that release


@pytest.fixture(scope="session")
def suites():
    return {name: suite(name) for name in ("bookworm", "trixie", "sid")}


class Setup:
    """A booted node of ``suite_name`` with the generated files for ``raw`` in /root/kubeedge and the
    release mirror (on 127.0.0.1:8080 inside the node) for that selection."""

    def __init__(self, tmp: Path, suites: dict, suite_name: str, raw: dict, *, mirror: bool = True):
        self.tmp = tmp
        self.suites = suites
        self.suite_name = suite_name
        self.node = Node(suite_name, tmp / "node")
        self.node.boot()
        self.apt = self.node.use_local_apt()
        self.mirror = None
        self.digests: dict[str, str] = {}
        self.use(raw)
        if mirror:
            self.mirror = self.node.serve(tmp / "mirror", PORT)

    def release_suites(self, raw: dict) -> dict:
        minor = ".".join(raw.get("runtime_version", "2.1").split(".")[:2])
        out = {"node": self.suites[self.suite_name]}
        if minor in SUITE_OF:
            out[minor] = self.suites[SUITE_OF[minor]]
        return out

    def use(self, raw: dict) -> dict:
        """Generate for ``raw`` (download mirror: the loopback one) and put the files on the node."""
        self.raw = {"os": "debian", "download_mirror": MIRROR, **raw}
        self.digests.update(releases.build_mirror(self.tmp / "mirror", self.raw, self.release_suites(self.raw)))
        self.artifacts = {a.path: a.content for a in ok(self.raw).artifacts}
        for path, content in self.artifacts.items():
            self.node.write(f"{KE}/{path}", content, 0o755 if path.endswith(".sh") else 0o644)
        return self.artifacts

    def install(self, *args: str, env: dict | None = None, check: bool = True, timeout: float = 600):
        res = self.node.sh(f"bash {KE}/install.sh {' '.join(args)}", env=env, check=False, timeout=timeout)
        if check:
            assert res.returncode == 0, f"install.sh {args}: exit {res.returncode}\n{res.stdout[-5000:]}\n{res.stderr[-3000:]}"
        return res

    def verify(self, check: bool = True, user: str | None = None):
        res = self.node.sh(f"bash {KE}/verify.sh", check=False, user=user)
        if check:
            assert res.returncode == 0, f"verify.sh: exit {res.returncode}\n{res.stdout[-4000:]}\n{res.stderr[-2000:]}"
        return res

    def snapshot(self, state: bool = True) -> dict[str, str]:
        return self.node.snapshot(*WATCHED, *([STATE] if state else []))

    def packages(self) -> str:
        return self.node.sh("dpkg-query -W -f '${Package} ${Version}\\n' | sort").stdout

    def cri(self, runtime: str = "containerd") -> cri.Client:
        return cri.Client(f"/proc/{self.node.pid}/root{SOCK[runtime]}")

    def unit(self, name: str, prop: str) -> str:
        return self.node.sh(f"systemctl show -p {prop} --value {name}").stdout.strip()

    def close(self) -> None:
        self.node.stop()


@pytest.fixture
def setup(tmp_path, suites):
    made: list[Setup] = []

    def make(suite_name: str, raw: dict, **kw) -> Setup:
        s = Setup(tmp_path / f"n{len(made)}", suites, suite_name, raw, **kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def running_config(s: Setup) -> tuple[dict, dict]:
    """(Status info config, conditions) as the running containerd reports them."""
    client = s.cri()
    try:
        status = client.status()
        return status.config(), status.conditions
    finally:
        client.close()


def assert_runs_with(s: Setup, sandbox: str, systemd: bool, cni_dir: str, minor: str) -> None:
    """The running containerd (not its files) uses this sandbox image, cgroup driver and CNI dir."""
    config, conditions = running_config(s)
    assert config["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is systemd
    cni = config["cni"]
    assert (cni["binDirs"] if minor >= "2.1" else [cni["binDir"]]) == [cni_dir], cni
    assert conditions["RuntimeReady"] and conditions["NetworkReady"], conditions
    client = s.cri()
    try:
        if minor < "2.0":
            assert config["sandboxImage"] == sandbox
        else:  # 2.x reports no image config; it reports the driver it derives from SystemdCgroup
            assert client.cgroup_driver() == ("systemd" if systemd else "cgroupfs")
            assert conditions.get("ContainerdHasNoDeprecationWarnings", True), "containerd logs a deprecation"
    finally:
        client.close()


# --- containerd from the release files, per Debian suite ------------------------------------------------

RELEASE = [("bookworm", "1.6"), ("trixie", "1.7"), ("sid", "2.1")]


@pytest.mark.parametrize("suite_name, minor", RELEASE, ids=[f"{s}-containerd{m}" for s, m in RELEASE])
def test_release_path_dry_run_run_verify_rerun_restore(setup, suite_name, minor):
    s = setup(suite_name, {"runtime": "containerd", "runtime_version": minor})
    before = s.snapshot()
    packages = s.packages()

    dry = s.install("--dry-run")
    assert s.snapshot() == before, "the dry run changed files"
    assert "[dry-run] would restart containerd" in dry.stdout
    assert not re.search(r"==> (re)?started ", dry.stdout), dry.stdout  # #9.13: says what would happen
    assert s.mirror.requests() == []  # and downloads nothing

    s.install()
    assert_runs_with(s, "docker.io/kubeedge/pause:3.6", True, "/opt/cni/bin", minor)
    s.verify()
    assert s.unit("containerd", "UnitFileState") == "enabled"
    pid = s.unit("containerd", "MainPID")
    written = s.snapshot()

    again = s.install()
    assert "nothing to do" in again.stdout and "every file is already as it should be" in again.stdout
    assert s.unit("containerd", "MainPID") == pid, "a second run restarted containerd"
    assert s.snapshot() == written

    restored = s.install("--restore")
    assert "containerd" in restored.stdout
    assert s.snapshot(state=False) == {k: v for k, v in before.items() if not k.startswith(STATE)}
    assert s.unit("containerd", "ActiveState") == "inactive"
    assert not s.node.path("/etc/systemd/system/multi-user.target.wants/containerd.service").is_symlink()
    assert s.packages() == packages


# --- containerd from the distribution (#9.11) -------------------------------------------------------------

DISTRO = [("bookworm", "1.6"), ("trixie", "1.7"), ("sid", "2.1")]


@pytest.mark.parametrize("suite_name, minor", DISTRO, ids=[f"{s}-containerd{m}" for s, m in DISTRO])
def test_distro_package_path(setup, suite_name, minor):
    s = setup(suite_name, {"runtime": "containerd", "runtime_version": minor, "runtime_source": "distro"})
    packages = s.packages()
    before = s.snapshot(state=False)
    res = s.install()
    assert all("keadm" in r for r in s.mirror.requests()), s.mirror.requests()  # nothing else from releases
    assert "containerd\t" in s.node.sh("dpkg-query -W containerd containernetworking-plugins").stdout
    assert_runs_with(s, "docker.io/kubeedge/pause:3.6", True, "/usr/lib/cni", minor)
    s.verify()
    assert "nothing to do" in s.install().stdout
    s.install("--restore")
    assert s.packages() == packages, "--restore left packages behind"
    assert s.snapshot(state=False) == before
    assert "installing distribution packages" in res.stdout


def test_distro_package_of_another_minor_is_refused_before_any_change(setup):
    s = setup("bookworm", {"runtime": "containerd", "runtime_version": "1.7", "runtime_source": "distro"})
    before, packages = s.snapshot(), s.packages()
    res = s.install(check=False)
    assert res.returncode != 0 and "apt offers containerd 1.6" in res.stderr, res.stderr
    assert s.snapshot() == before and s.packages() == packages


# --- the user's own node ------------------------------------------------------------------------------------

def test_debian_packaged_containerd_gets_the_cni_dir_its_plugins_are_in(setup):
    """#9.2: Debian's config.toml says bin_dir = "/usr/lib/cni"; the release plugins go to /opt/cni/bin."""
    s = setup("bookworm", {"runtime": "containerd", "runtime_version": "1.6"})
    s.node.sh("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq containerd >/dev/null")
    user = s.node.path("/etc/containerd/config.toml").read_text()
    assert 'bin_dir = "/usr/lib/cni"' in user
    s.install()
    assert_runs_with(s, "docker.io/kubeedge/pause:3.6", True, "/opt/cni/bin", "1.6")
    s.verify()
    # verify.sh asks the daemon: with the packaged bin_dir back in force it fails, naming the CNI dir
    s.node.write("/etc/containerd/config.toml", user)
    s.node.sh("systemctl restart containerd")
    res = s.verify(check=False)
    assert res.returncode != 0 and re.search(r"\[FAIL\] .*CNI bin dir /opt/cni/bin", res.stdout), res.stdout


def test_users_cni_network_and_plugins_are_kept_and_restorable(setup):
    """#9.1: a user network with no *.conf file stays the one in use; #9.4: replaced plugins are backed up."""
    s = setup("trixie", {"runtime": "containerd", "runtime_version": "1.7"})
    mycni = json.dumps({"cniVersion": "1.0.0", "name": "mycni", "plugins": [{"type": "bridge", "bridge": "my0",
                        "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.77.0.0/16"}]]}}]})
    s.node.write("/etc/cni/net.d/10-mycni.conflist", mycni)
    s.node.write("/opt/cni/bin/bridge", "#!/bin/sh\n# the user's own bridge plugin\n", 0o755)
    s.node.write("/opt/cni/bin/my-plugin", "#!/bin/sh\n", 0o755)
    user_toml = 'version = 2\n\n[plugins."io.containerd.grpc.v1.cri"]\n  max_concurrent_downloads = 7\n'
    s.node.write("/etc/containerd/config.toml", user_toml)
    before = s.snapshot(state=False)
    res = s.install()
    assert "10-mycni.conflist" in res.stdout
    assert sorted(p.name for p in s.node.path("/etc/cni/net.d").iterdir()) == ["10-mycni.conflist"]
    config, _ = running_config(s)
    assert config["maxConcurrentDownloads"] == 7  # the user's own setting still in force
    backups = list(s.node.path(STATE).rglob("opt/cni/bin/bridge"))
    assert backups and "the user's own bridge" in backups[0].read_text()
    for d in ("/etc/cni/net.d", "/etc/containerd", "/etc/containerd/conf.d"):  # #9.5: never beside config
        assert not [p for p in s.node.path(d).glob("*") if "bak" in p.name] if s.node.path(d).exists() else True
    s.install("--restore")
    assert s.snapshot(state=False) == before


def test_users_complete_cni_plugins_are_not_touched(setup):
    s = setup("bookworm", {"runtime": "containerd", "runtime_version": "1.6"})
    for plugin in ("bridge", "host-local", "portmap", "loopback"):
        s.node.write(f"/opt/cni/bin/{plugin}", f"#!/bin/sh\n# user {plugin}\n", 0o755)
    mine = s.node.snapshot("/opt/cni/bin")
    res = s.install("--no-start")
    assert "CNI plugins are already in /opt/cni/bin" in res.stdout
    assert s.node.snapshot("/opt/cni/bin") == mine
    assert not any("cni-plugins" in r for r in s.mirror.requests())


# --- Docker Engine + cri-dockerd (stand-in) -----------------------------------------------------------------

def test_docker_with_users_daemon_json_and_a_standin_cri_dockerd(setup):
    """#9.13: the JSON tool is a preflight need, the same in a dry run; #9.8: verify.sh asks cri-dockerd
    itself (the socket unit exists, the stand-in does not answer); #9.6: --restore removes cri-dockerd,
    its units, the enable links and the packages this script installed."""
    s = setup("bookworm", {"runtime": "docker", "image_mirror": "registry.local:5000"})
    user = '{\n  "log-driver": "journald",\n  "registry-mirrors": ["https://mirror.corp"]\n}\n'
    s.node.write("/etc/docker/daemon.json", user)
    before, packages = s.snapshot(), s.packages()
    pin = {"KUBEEDGE_SHA256": s.digests["cri-dockerd-0.4.3.amd64.tgz"]}
    dry = s.install("--dry-run", check=False)
    real = s.install(env=pin, check=False)
    assert dry.returncode == real.returncode != 0
    assert "python3 or jq" in dry.stderr and "python3 or jq" in real.stderr
    assert s.snapshot() == before and s.packages() == packages

    s.node.sh("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null")
    packages = s.packages()
    s.install("--dry-run")
    assert s.snapshot() == before
    res = s.install(env=pin, check=False)
    assert res.returncode != 0 and "cri-docker did not start" in res.stderr, res.stdout + res.stderr
    info = json.loads(s.node.sh("docker info --format '{{json .}}'").stdout)
    assert info["CgroupDriver"] == "systemd"
    assert info["RegistryConfig"]["Mirrors"][:2] == ["https://registry.local:5000/", "https://mirror.corp/"]
    assert json.loads(s.node.path("/etc/docker/daemon.json").read_text())["log-driver"] == "journald"
    out = s.verify(check=False)
    assert out.returncode != 0
    assert re.search(r"\[ok\] +Docker cgroup driver is systemd", out.stdout), out.stdout
    assert re.search(r"\[FAIL\] the runtime answers CRI calls on unix:///var/run/cri-dockerd.sock", out.stdout)

    s.install("--restore")
    # dockerd 20.10 made itself an identity (key.json) while it ran: its state, not a file of ours
    assert {k: v for k, v in s.snapshot(state=False).items() if k != "/etc/docker/key.json"} == \
        {k: v for k, v in before.items() if not k.startswith(STATE)}
    assert not list(s.node.path("/etc/systemd/system").rglob("cri-docker*"))
    assert s.packages() == packages  # docker.io and what it brought are gone again; jq (the user's) stays


# --- CRI-O (stand-in) ----------------------------------------------------------------------------------------

def test_crio_backups_never_land_in_its_config_dir_and_verify_catches_the_standin(setup):
    """#9.5 and #9.10 (the CRI-O bundle comes through the download mirror too)."""
    s = setup("trixie", {"runtime": "cri-o", "runtime_version": "1.36", "cgroup_driver": "systemd"})
    s.install(check=False)
    assert any(r.startswith("GET /cri-o/artifacts/cri-o.amd64.v1.36") for r in s.mirror.requests())
    first = s.node.path("/etc/crio/crio.conf.d/99-kubeedge.conf").read_text()
    s.use({"runtime": "cri-o", "runtime_version": "1.36", "cgroup_driver": "cgroupfs"})
    s.install(check=False)
    assert sorted(p.name for p in s.node.path("/etc/crio/crio.conf.d").iterdir()) == ["99-kubeedge.conf"]
    assert [p.read_text() for p in s.node.path(STATE).rglob("99-kubeedge.conf")] == [first]
    res = s.verify(check=False)
    assert res.returncode != 0
    assert re.search(r"\[FAIL\] the runtime answers CRI calls on unix:///var/run/crio/crio.sock", res.stdout)


# --- interrupted runs, --no-start, a full disk, a stalled mirror -------------------------------------------

A = {"runtime": "containerd", "runtime_version": "1.6"}
B = {**A, "sandbox_image": "registry.local:5000/pause:3.9", "cgroup_driver": "cgroupfs"}


def run_killed_at(s: Setup, phase: int) -> str:
    """Run install.sh and SIGKILL it (and everything it started) as soon as phase ``phase`` begins."""
    proc = s.node.popen(f"bash {KE}/install.sh")
    out = []
    for line in proc.stdout:
        out.append(line)
        if f"[{phase}/6]" in line:
            os.killpg(proc.pid, signal.SIGKILL)
            break
    proc.wait(60)
    return "".join(out)


def test_killed_at_every_phase_then_rerun_ends_right(setup):
    """#9.7: whether a restart is due follows from what the running daemon was started with."""
    s = setup("bookworm", A)
    s.install()
    for phase in range(1, 7):
        s.use(B)
        out = run_killed_at(s, phase)
        assert f"[{phase}/6]" in out, out
        s.install()
        assert_runs_with(s, B["sandbox_image"], False, "/opt/cni/bin", "1.6")
        s.verify()
        s.use(A)
        s.install()
        assert_runs_with(s, "docker.io/kubeedge/pause:3.6", True, "/opt/cni/bin", "1.6")
    assert not list(s.node.path("/etc").rglob(".kubeedge-new.*"))


def test_no_start_then_run_starts_what_is_due(setup):
    s = setup("bookworm", A)
    s.install()
    s.use(B)
    res = s.install("--no-start")
    assert "not started (--no-start): containerd" in res.stdout
    assert_runs_with(s, "docker.io/kubeedge/pause:3.6", True, "/opt/cni/bin", "1.6")  # still the old configuration
    res = s.verify(check=False)  # #9.8: verify asks the daemon, so it sees the restart is missing
    assert res.returncode != 0 and "[FAIL] containerd runs with the configuration on disk" in res.stdout
    res = s.install()
    assert "started containerd" in res.stdout
    assert_runs_with(s, B["sandbox_image"], False, "/opt/cni/bin", "1.6")


def test_full_disk_leaves_every_file_as_it_was(setup):
    """#9.3: new files are written beside their destinations first; no destination is touched until all are."""
    s = setup("bookworm", A)
    user = 'version = 2\n\n[plugins."io.containerd.grpc.v1.cri"]\n  max_concurrent_downloads = 4\n'
    s.node.sh("mkdir -p /etc/containerd && mount -t tmpfs -o size=64k tmpfs /etc/containerd")
    s.node.write("/etc/containerd/config.toml", user)
    s.node.sh("dd if=/dev/zero of=/etc/containerd/filler bs=1k count=60 2>/dev/null || true")
    before = s.snapshot()
    res = s.install(check=False)
    assert res.returncode != 0 and "Nothing was changed" in res.stderr, res.stdout + res.stderr
    assert s.node.path("/etc/containerd/config.toml").read_text() == user
    assert s.snapshot() == before
    s.node.sh("rm /etc/containerd/filler")
    s.install()
    assert "max_concurrent_downloads = 4" in s.node.path("/etc/containerd/config.toml").read_text()


def test_stalled_mirror_fails_with_the_ways_out_then_each_way_out_works(setup):
    """#9.9 (bounded), #9.10 (the ways out: a run-time mirror, files placed by hand)."""
    s = setup("bookworm", A, mirror=False)
    stalled = s.node.serve(s.tmp / "mirror", PORT, stall="containerd-1.6")
    before = s.snapshot()
    start = time.monotonic()
    res = s.install(env={"KUBEEDGE_STALL_SECONDS": "2"}, check=False, timeout=300)
    assert res.returncode != 0
    url = f"{MIRROR}/containerd/containerd/releases/download/v1.6.39/containerd-1.6.39-linux-amd64.tar.gz"
    assert f"download failed: {url}" in res.stderr
    for way in ("--download-mirror", "KUBEEDGE_DOWNLOAD_MIRROR", f"{KE}/files"):
        assert way in res.stderr, res.stderr
    assert s.snapshot() == before
    assert time.monotonic() - start < 290  # it ended on its own (the subprocess limit is the real guard)
    good = s.node.serve(s.tmp / "mirror", 8090)
    s.install("--no-start", env={"KUBEEDGE_DOWNLOAD_MIRROR": "http://127.0.0.1:8090"})
    assert any("containerd-1.6.39" in r for r in good.requests())
    assert not [r for r in stalled.requests() if "containerd-1.6" not in r]
    s.install("--restore")


def test_files_placed_by_hand_are_used_and_checked(setup):
    s = setup("bookworm", A, mirror=False)
    files = s.node.path(f"{KE}/files")
    files.mkdir(parents=True)
    for f in (s.tmp / "mirror").rglob("*"):
        if f.is_file():
            (files / f.name).write_bytes(f.read_bytes())
    tarball = files / "containerd-1.6.39-linux-amd64.tar.gz"
    good = tarball.read_bytes()
    tarball.write_bytes(good[:-10] + b"0123456789")
    res = s.install(check=False)
    assert res.returncode != 0 and "checksum mismatch for containerd-1.6.39-linux-amd64.tar.gz" in res.stderr
    tarball.write_bytes(good)
    res = s.install()
    assert "placed by hand" in res.stdout + res.stderr
    assert_runs_with(s, "docker.io/kubeedge/pause:3.6", True, "/opt/cni/bin", "1.6")


# --- who runs it, and where ---------------------------------------------------------------------------------

def test_non_root_is_told_to_use_root(setup):
    """#9.15"""
    s = setup("bookworm", A)
    s.install()
    s.node.sh(f"cp -r {KE} /tmp/ke && chmod -R a+rX /tmp/ke")
    res = s.node.sh("bash /tmp/ke/verify.sh", user="nobody", check=False)
    assert res.returncode != 0 and "run it as root" in res.stderr and "[FAIL]" not in res.stdout
    res = s.node.sh("bash /tmp/ke/install.sh", user="nobody", check=False)
    assert res.returncode != 0 and "run as root" in res.stderr


def test_root_dir_is_inspected_not_the_host(setup):
    """#9.12: the node has containerd on its PATH; the image in /srv/image has none and gets one."""
    s = setup("bookworm", A)
    s.node.sh("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq containerd >/dev/null")
    s.node.sh("mkdir -p /srv/image/etc /srv/image/run/systemd/system && cp /etc/os-release /srv/image/etc/")
    res = s.install("--root", "/srv/image")
    assert "containerd 1.6 is already installed" not in res.stdout
    assert s.node.path("/srv/image/usr/local/bin/containerd").is_file()
    assert s.node.path("/srv/image/etc/containerd/conf.d/99-kubeedge.toml").is_file()
    assert "verification skipped" in res.stdout
    again = s.install("--root", "/srv/image")
    assert "containerd 1.6 is already installed" in again.stdout


@pytest.mark.parametrize("suite_name, minor, packaged", [("bookworm", "1.6", True), ("sid", "2.1", False)])
def test_version_1_config_gets_a_hint_that_works_with_this_containerd(setup, suite_name, minor, packaged):
    """#9.14: the hint names a command the installed containerd has; the test runs it."""
    s = setup(suite_name, {"runtime": "containerd", "runtime_version": minor, "runtime_source":
                           "distro" if packaged else "release"})
    if packaged:
        s.node.sh("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq containerd >/dev/null")
    else:
        s.install("--no-start")
    v1 = '[plugins.cri]\n  sandbox_image = "kubeedge/pause:3.6"\n'
    s.node.write("/etc/containerd/config.toml", v1)
    res = s.install(check=False)
    assert res.returncode != 0 and "version 1" in res.stderr
    hint = re.search(r"'(containerd config [a-z]+ > /tmp/config.toml)'", res.stderr)
    assert hint, res.stderr
    converted = s.node.sh(hint.group(1) + " && cat /tmp/config.toml")
    assert re.search(r"^version = [23]$", converted.stdout, re.M), converted.stdout[:500]


def test_a_running_kubelet_or_a_taken_port_10350_stops_before_any_change(setup):
    """EdgeCore will not start beside a kubelet, and needs 10350 for logs, exec and metrics."""
    s = setup("bookworm", A)
    s.node.sh("cp /bin/sleep /usr/local/bin/kubelet && systemd-run --unit fake-kubelet /usr/local/bin/kubelet 600")
    before = s.snapshot()
    res = s.install("--dry-run", check=False)
    assert res.returncode != 0 and "kubelet is running" in res.stderr
    assert s.snapshot() == before
    s.node.sh("systemctl stop fake-kubelet && rm /usr/local/bin/kubelet")
    s.node.sh("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null && "
              "systemd-run --unit port-taker python3 -m http.server 10350 --bind 127.0.0.1 && sleep 1")
    before = s.snapshot()  # the fake kubelet the test made is gone now
    res = s.install(check=False)
    assert res.returncode != 0 and "port 10350 is already in use" in res.stderr
    assert s.snapshot() == before


def test_a_kernel_with_the_memory_cgroup_off_stops_before_any_change(setup):
    """Raspberry Pi kernels boot with cgroup_disable=memory: pods could never start (#13.7). The node
    is shown such a kernel's /proc/cgroups (memory: enabled 0) and a Pi's /boot/firmware/cmdline.txt."""
    s = setup("bookworm", A, mirror=False)
    table = s.node.sh("cat /proc/cgroups").stdout
    off = re.sub(r"^(memory\t\d+\t\d+\t)1$", r"\g<1>0", table, flags=re.M)
    assert off != table, table
    s.node.write("/root/cgroups-off", off)
    s.node.write("/boot/firmware/cmdline.txt", "console=tty1 root=PARTUUID=1 rootwait\n")
    before = s.snapshot()
    res = s.node.sh(f"mount --bind /root/cgroups-off /proc/cgroups && bash {KE}/install.sh --dry-run", check=False)
    assert res.returncode == 1 and "cgroup_enable=memory" in res.stderr, res.stdout[-2000:] + res.stderr
    assert "/boot/firmware/cmdline.txt" in res.stderr
    assert s.snapshot() == before
    # the real table (memory on): the same script gets past preflight
    res = s.node.sh(f"umount /proc/cgroups && bash {KE}/install.sh --dry-run", check=False)
    assert "cgroup_enable=memory" not in res.stderr
