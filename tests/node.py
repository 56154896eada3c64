"""Real nodes for the tests: Debian roots made by debootstrap, booted with systemd as PID 1 in
systemd-nspawn, each with its own network namespace (--private-network: only loopback).

- The pristine root of each suite (bookworm, trixie, sid) and the Debian packages a node may install
  (containerd, docker.io, runc, CNI plugins, jq, sshd, python3 with their dependencies) are cached
  outside the repository, in $KUBEEDGE_TEST_CACHE (default /var/cache/kubeedge-runtime-tests), under a
  key made of everything that shapes them (suite, package lists, mirror, harness format, month), so a
  stale cache is rebuilt and parallel runs wait for one builder (flock).
- Every node boots from an overlayfs over the pristine root: the cache is never written to.
- What a node downloads is served inside the node's own network namespace on 127.0.0.1 by
  tests/mirror_server.py (a local apt repository of the cached packages, release files in the
  upstream layout): the node has no other network, so nothing it does can reach the internet.
- ``Node(..., network="veth")`` adds one host-only link (systemd-nspawn --network-veth: ``host0`` in
  the node, ``ve-<name>`` on the host) that ``node.link()`` addresses, for tests that reach the node
  the way an operator does (SSH); the host does not forward, so the node still reaches nothing else.

The host needs root, debootstrap, systemd-container and apt-utils (`make test` installs them).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("KUBEEDGE_TEST_CACHE", "/var/cache/kubeedge-runtime-tests"))
FORMAT = 1  # bump when the way a root is made changes
SUITES = ("bookworm", "trixie", "sid")
INCLUDE = ["systemd", "systemd-sysv", "dbus", "apt", "curl", "ca-certificates", "iproute2", "procps", "sudo",
           "iptables", "kmod", "util-linux", "gnupg"]
# what a node may install from the local apt repository (dependencies are resolved against the root)
NODE_PACKAGES = ["containerd", "docker.io", "runc", "containernetworking-plugins", "jq", "openssh-server", "python3",
                 "skopeo"]
NODE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# systemd >= 258 (sid) refuses a cgroup v1 hierarchy: give its node the host's cgroup2 mount instead
NSPAWN_ENV = {"sid": {"SYSTEMD_NSPAWN_UNIFIED_HIERARCHY": "1"}}
APT_OPTS = ["-o", "Acquire::Check-Valid-Until=false", "-o", "Acquire::Retries=3"]


def host_problem() -> str | None:
    """Why real nodes cannot run here, or None."""
    if not sys.platform.startswith("linux"):
        return "real nodes need Linux"
    if os.geteuid() != 0:
        return "real nodes need root (debootstrap, overlayfs, systemd-nspawn)"
    for tool, package in (("debootstrap", "debootstrap"), ("systemd-nspawn", "systemd-container"),
                          ("apt-ftparchive", "apt-utils"), ("nsenter", "util-linux")):
        if not shutil.which(tool):
            return f"{tool} is missing (Debian package {package}; make test installs it)"
    return None


def debian_mirror() -> str:
    """The Debian mirror the host's apt already uses (the registry this machine may reach)."""
    for path in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        with contextlib.suppress(OSError):
            text = path.read_text()
            m = re.search(r"^URIs:\s*(\S+/debian)/?\s*$", text, re.M) or \
                re.search(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+/debian)/?\s+\S+", text, re.M)
            if m and "security" not in m.group(1):
                return m.group(1)
    return "http://deb.debian.org/debian"


@contextlib.contextmanager
def _lock(name: str):
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if res.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} failed ({res.returncode}):\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    return res


@dataclass(frozen=True)
class Suite:
    name: str
    dir: Path

    @property
    def root(self) -> Path:
        return self.dir / "root"

    @property
    def debs(self) -> Path:
        return self.dir / "debs"

    def deb(self, package: str) -> Path:
        found = sorted(self.debs.glob(f"{package}_*.deb"))
        if not found:
            raise FileNotFoundError(f"{package} is not in the {self.name} cache ({self.debs})")
        return found[-1]

    def version(self, package: str) -> str:
        return _run(["dpkg-deb", "-f", str(self.deb(package)), "Version"]).stdout.strip()

    def unpacked(self, package: str) -> Path:
        """The package's files (dpkg-deb -x), extracted once into the cache."""
        out = self.dir / "x" / package
        if not (out / ".done").exists():
            with _lock(f"{self.name}-x-{package}"):
                if not (out / ".done").exists():
                    shutil.rmtree(out, ignore_errors=True)
                    out.mkdir(parents=True)
                    _run(["dpkg-deb", "-x", str(self.deb(package)), str(out)])
                    (out / ".done").touch()
        return out


def cache_key(suite: str) -> str:
    spec = [FORMAT, suite, INCLUDE, NODE_PACKAGES, debian_mirror(), time.strftime("%Y-%m")]
    return hashlib.sha256(json.dumps(spec).encode()).hexdigest()[:12]


def suite(name: str) -> Suite:
    """The cached pristine root and packages of a Debian suite, built on first use."""
    assert name in SUITES, name
    d = CACHE / f"{name}-{cache_key(name)}"
    if (d / "ready").exists():
        return Suite(name, d)
    with _lock(name):
        if (d / "ready").exists():
            return Suite(name, d)
        for old in CACHE.glob(f"{name}-*"):  # another key: stale
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        d.mkdir(parents=True)
        root = d / "root"
        _run(["debootstrap", "--variant=minbase", "--include=" + ",".join(INCLUDE), name, str(root), debian_mirror()],
             timeout=1800)
        debs = d / "debs"
        (root / "tmp/debs/partial").mkdir(parents=True)
        _run(["chroot", str(root), "apt-get", "install", "-qq", "--download-only", "-y", *APT_OPTS,
              "-o", "Dir::Cache::archives=/tmp/debs", *NODE_PACKAGES], timeout=1800)
        shutil.move(root / "tmp/debs", debs)
        shutil.rmtree(debs / "partial", ignore_errors=True)
        (debs / "Packages").write_text(_run(["apt-ftparchive", "packages", "."], cwd=debs).stdout)
        _run(["chroot", str(root), "apt-get", "clean"])
        (d / "ready").write_text(json.dumps({"suite": name, "made": time.strftime("%F %T")}))
    return Suite(name, d)


# --- a booted node ---------------------------------------------------------------------------------------------

class Server:
    """tests/mirror_server.py running inside a node's network namespace on 127.0.0.1."""

    def __init__(self, node: "Node", directory: Path, port: int, stall: str = ""):
        self.port = port
        self.log = node.work / f"http-{port}.log"
        cmd = ["nsenter", "-t", str(node.pid), "-n", sys.executable, str(HERE / "mirror_server.py"),
               "--dir", str(directory), "--port", str(port), "--log", str(self.log)]
        if stall:
            cmd += ["--stall", stall]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        if "ready" not in line:
            raise RuntimeError(f"mirror server did not start: {line}{self.proc.stdout.read()}")
        self.url = f"http://127.0.0.1:{port}"

    def requests(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
            if self.proc.poll() is None:
                self.proc.kill()


class Node:
    """One booted Debian node. ``node.sh(...)`` runs a command in it as root (nsenter into every
    namespace of its PID 1); ``node.path(p)`` is that file as seen from the host."""

    def __init__(self, suite_name: str, work: Path, network: str = "private"):
        assert network in ("private", "veth"), network
        self.network = network
        self.suite = suite(suite_name)
        self.work = work
        self.name = "kn-" + uuid.uuid4().hex[:8]
        self.merged = work / "merged"
        self.pid = 0
        self.proc: subprocess.Popen | None = None
        self.servers: list[Server] = []
        self.mounts: list[str] = []

    # lifecycle
    def __enter__(self) -> "Node":
        self.boot()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def boot(self) -> None:
        for d in ("upper", "ovl-work", "merged"):
            (self.work / d).mkdir(parents=True, exist_ok=True)
        _run(["mount", "-t", "overlay", "overlay", "-o",
              f"lowerdir={self.suite.root},upperdir={self.work / 'upper'},workdir={self.work / 'ovl-work'}",
              str(self.merged)])
        self.mounts.append(str(self.merged))
        console = open(self.work / "console.log", "w")
        self.proc = subprocess.Popen(
            ["systemd-nspawn", "-D", str(self.merged), "-b", "--register=no", "--keep-unit",
             "--private-network" if self.network == "private" else "--network-veth",
             f"--machine={self.name}", "--console=passive"],
            stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, **NSPAWN_ENV.get(self.suite.name, {})})
        deadline = time.time() + 60
        while time.time() < deadline and not self.pid:
            if self.proc.poll() is not None:
                raise RuntimeError("systemd-nspawn exited:\n" + (self.work / "console.log").read_text()[-3000:])
            self.pid = self._init_pid()
            time.sleep(0.2)
        if not self.pid:
            raise RuntimeError("the node's init did not appear")
        state = ""
        while time.time() < deadline:
            res = self.sh("systemctl is-system-running --wait", check=False, timeout=60)
            state = res.stdout.strip()
            if state in ("running", "degraded"):
                return
            time.sleep(0.5)
        raise RuntimeError(f"node did not finish booting ({state}):\n" +
                           (self.work / "console.log").read_text()[-3000:])

    def link(self, host_address: str, node_address: str, prefix: int = 30) -> None:
        """With network="veth": address both ends of the node's link (host: ve-<name>, node: host0)."""
        host_if = ("ve-" + self.name)[:15]
        _run(["ip", "addr", "add", f"{host_address}/{prefix}", "dev", host_if])
        _run(["ip", "link", "set", host_if, "up"])
        self.sh(f"ip addr add {node_address}/{prefix} dev host0 && ip link set host0 up")

    def _init_pid(self) -> int:
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*/children"):
            for child in task.read_text().split():
                # the node's systemd, not nspawn's own child before it execs it (whose exe is systemd-nspawn)
                with contextlib.suppress(OSError):
                    if os.path.basename(os.readlink(f"/proc/{child}/exe")) == "systemd":
                        return int(child)
        return 0

    def stop(self) -> None:
        for s in self.servers:
            s.stop()
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # nspawn asks the node's systemd to power off
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        for m in reversed(self.mounts):
            subprocess.run(["umount", "-l", m], capture_output=True)
        self.mounts.clear()

    # running things in the node
    def _cmd(self, command: str, env: dict | None, user: str | None) -> list[str]:
        base = {"PATH": NODE_PATH, "HOME": "/root", "LANG": "C.UTF-8", "TERM": "dumb"}
        argv = ["nsenter", "-t", str(self.pid), "-a", "-r", "-w", "env", "-i",
                *[f"{k}={v}" for k, v in {**base, **(env or {})}.items()]]
        if user:
            argv += ["runuser", "-u", user, "--"]
        return argv + ["bash", "-c", "cd ~ 2>/dev/null || cd /; " + command]

    def sh(self, command: str, *, env: dict | None = None, user: str | None = None, check: bool = True,
           timeout: float = 600, input: str | None = None) -> subprocess.CompletedProcess:
        res = subprocess.run(self._cmd(command, env, user), capture_output=True, text=True, timeout=timeout,
                             input=input)
        if check and res.returncode != 0:
            raise AssertionError(f"on the node: {command}\nexit {res.returncode}\n{res.stdout[-4000:]}\n"
                                 f"{res.stderr[-4000:]}")
        return res

    def popen(self, command: str, *, env: dict | None = None) -> subprocess.Popen:
        """A command whose output is read as it comes (its own process group, so it can be killed whole)."""
        return subprocess.Popen(self._cmd(command, env, None), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)

    def path(self, node_path: str) -> Path:
        return self.merged / node_path.lstrip("/")

    def write(self, node_path: str, content: str | bytes, mode: int = 0o644) -> None:
        p = self.path(node_path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode() if isinstance(content, str) else content)
        p.chmod(mode)

    def serve(self, directory: Path, port: int, stall: str = "") -> Server:
        s = Server(self, directory, port, stall)
        self.servers.append(s)
        return s

    def use_local_apt(self, port: int = 8081) -> Server:
        """Point the node's apt at the cached packages of its suite (a local apt mirror)."""
        server = self.serve(self.suite.debs, port)
        for f in self.path("/etc/apt/sources.list.d").glob("*"):
            f.unlink()
        self.write("/etc/apt/sources.list", f"deb [trusted=yes] {server.url}/ ./\n")
        self.write("/etc/apt/apt.conf.d/99kubeedge-tests", 'Acquire::Check-Valid-Until "false";\n')
        self.sh("apt-get update -qq")
        return server

    def snapshot(self, *paths: str) -> dict[str, str]:
        """sha256 of every file under the given node paths (symlinks as their target), for
        "nothing changed" assertions; runtime state (sockets, logs) is left out by the caller's choice of paths."""
        out: dict[str, str] = {}
        for p in paths:
            base = self.path(p)
            if not base.exists() and not base.is_symlink():
                continue
            for f in [base] if not base.is_dir() else sorted(base.rglob("*")):
                rel = "/" + str(f.relative_to(self.merged))
                if f.is_symlink():
                    out[rel] = "-> " + os.readlink(f)
                elif f.is_file():
                    out[rel] = hashlib.sha256(f.read_bytes()).hexdigest()
        return out
