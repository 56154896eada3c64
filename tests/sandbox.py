"""A sandbox to run generated install.sh under ``--root`` (an image being prepared): a fake root, and
recording stubs first on PATH for everything that would touch the host (systemctl, package managers,
curl/wget serving local files). Runtimes "already installed" are stubs inside the fake root's /usr/bin,
where install.sh looks for them with --root. Every stub call is appended to ``calls.log``.

This covers what no booted node here can: the dnf family's paths and file layouts. Whether the script
works on a real node is proven by tests/test_node_install.py."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import socket
import subprocess
import tarfile
from pathlib import Path

from kubeedge_runtime.core import selection_from
from kubeedge_runtime.runtimes import plan as runtime_plan

# name -> bash body. $SB is the sandbox dir, $SB_ROOT the fake root.
STUBS = {
    "systemctl": '''case "$1" in
  is-active) [ -e "$SB/active.${@: -1}" ] ;;
  restart|start) touch "$SB/active.${@: -1}" ;;
  enable) [ "$2" = --now ] && touch "$SB/active.${@: -1}"; exit 0 ;;
  *) exit 0 ;;
esac''',
    "apt-get": "exit 0",
    "dnf": "exit 0",
    "yum": "exit 0",
    "curl": '''out=""; url=""
while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift ;; -*) ;; *) url="$1" ;; esac; shift; done
[ -f "$SB/served/${url##*/}" ] || { echo "curl: (22) 404 $url" >&2; exit 22; }
cp "$SB/served/${url##*/}" "$out"''',
    "wget": 'echo "wget must not be needed when curl exists" >&2; exit 1',
    "pgrep": '[ -n "${SB_KUBELET:-}" ] && [ "${@: -1}" = kubelet ]',
    "ss": '''case "$*" in
  *":10350"*) [ -n "${SB_PORT_BUSY:-}" ] && echo "LISTEN 0 128 127.0.0.1:10350 0.0.0.0:*" ;;
  *-Hltnp*) echo "LISTEN 0 128 *:$(echo "$*" | sed 's/.*:\\([0-9]*\\).*/\\1/') *:* users:((\\"isulad\\",pid=7,fd=9))" ;;
esac; exit 0''',
    "containerd": '''case "$1" in
  --version) echo "containerd github.com/containerd/containerd v${SB_CONTAINERD:-2.3.4} 0123abcd" ;;
  config) cat "$SB_ROOT"/etc/containerd/config.toml "$SB_ROOT"/etc/containerd/conf.d/*.toml 2>/dev/null ;;
esac''',
    "ctr": 'echo "TYPE                  ID   PLATFORMS    STATUS"; echo "io.containerd.grpc.v1 cri  linux/amd64  ok"',
    "crio": '''case "$1" in
  --version) echo "Version:        ${SB_CRIO:-1.36.3}" ;;
  config) cat "$SB_ROOT"/etc/crio/crio.conf.d/*.conf ;;
esac''',
    "dockerd": 'echo "Docker version 26.1.5, build 411e817"',
    "docker": 'sed -n \'s/.*native.cgroupdriver=\\([a-z]*\\).*/\\1/p\' "$SB_ROOT/etc/docker/daemon.json"',
    "cri-dockerd": 'echo "cri-dockerd 0.4.3"',
    "isulad": 'echo "Version 2.1.6"',
    "kata-runtime": "exit 0",
    "keadm": '''if [ "$1" = version ]; then echo "version: version.Info{GitVersion:\\"v${SB_KE:-1.23.1}\\"}"
else printf '%s\\n' "$@" > "$SB/keadm.argv"; fi''',
    "uname": '[ "$1" = -m ] && echo "${SB_MACHINE:-x86_64}" || /bin/uname "$@"',
    "id": '[ "$1" = -u ] && echo 0 || /usr/bin/id "$@"',
}
TOOLS = ["bash", "sh", "cat", "cp", "mv", "rm", "mkdir", "chmod", "ln", "sed", "awk", "grep", "tr", "cut", "head",
         "tail", "sort", "date", "mktemp", "cmp", "diff", "stat", "dirname", "basename", "tar", "gzip", "zstd",
         "sha256sum", "sha512sum", "env", "python3", "touch", "ls", "wc", "readlink", "tee", "install", "sleep",
         "find", "comm", "od", "xargs", "rmdir", "dd", "true", "false", "id"]
HOST_ONLY = {"systemctl", "apt-get", "dnf", "yum", "curl", "wget", "pgrep", "ss", "uname", "id", "ctr", "docker"}


class Sandbox:
    """One fake node: ``root`` is what --root points at; ``present`` are the runtime CLIs already installed."""

    def __init__(self, tmp: Path, os_id: str = "ubuntu", present: tuple[str, ...] = (), env: dict | None = None):
        self.dir = tmp / "sandbox"
        self.root = tmp / "root"
        self.bin = self.dir / "bin"
        self.files = self.dir / "served"  # not files/: that one install.sh reads as placed by hand
        for d in (self.bin, self.files, self.root / "etc"):
            d.mkdir(parents=True, exist_ok=True)
        (self.root / "etc" / "os-release").write_text(f'ID={os_id}\nVERSION_ID="1"\n')
        for name, body in STUBS.items():
            if name in HOST_ONLY:
                self.stub(name, body)
            elif name in present:
                self.stub(name, body, self.root / "usr/bin")
        if "kata-runtime" in present:  # Kata's static release lives under /opt/kata
            shim = self.root / "opt/kata/bin/containerd-shim-kata-v2"
            shim.parent.mkdir(parents=True)
            shim.write_text("#!/bin/bash\nexit 0\n")
            shim.chmod(0o755)
        tools = self.dir / "tools"  # the host's basic tools only: no real runtime leaks into the sandbox
        tools.mkdir(exist_ok=True)
        for tool in TOOLS:
            real = shutil.which(tool)
            if real and not (tools / tool).exists():
                (tools / tool).symlink_to(real)
        self.env = {**os.environ, "PATH": f"{self.bin}:{tools}", "SB": str(self.dir),
                    "SB_ROOT": str(self.root), **(env or {})}
        self.env.pop("KUBEEDGE_ROOT", None)

    def stub(self, name: str, body: str, where: Path | None = None) -> None:
        f = (where or self.bin) / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(f'#!/bin/bash\necho "{name} $*" >> "$SB/calls.log"\n{body}\n')
        f.chmod(0o755)

    def calls(self) -> list[str]:
        log = self.dir / "calls.log"
        return log.read_text().splitlines() if log.exists() else []

    def clear_calls(self) -> None:
        (self.dir / "calls.log").unlink(missing_ok=True)

    def run(self, script: str, *args: str, extra_env: dict | None = None) -> subprocess.CompletedProcess:
        path = self.dir / "install.sh"
        path.write_text(script)
        return subprocess.run(["bash", str(path), "--root", str(self.root), *args], capture_output=True,
                              text=True, env={**self.env, **(extra_env or {})}, timeout=120)

    def tree(self) -> dict[str, str]:
        return {str(p.relative_to(self.root)): (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir")
                for p in sorted(self.root.rglob("*")) if not p.is_symlink()}

    def sockets(self, *endpoints: str) -> None:
        """Runtime sockets, as if the services were up."""
        for ep in endpoints:
            path = self.root / ep.replace("unix://", "").lstrip("/")
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                s = socket.socket(socket.AF_UNIX)
                s.bind(str(path))
                s.close()

    # --- the release files the script downloads, served by the curl stub -------------------------

    def serve_downloads(self, raw: dict, skip_checksums: bool = False) -> dict[str, str]:
        """Fake release archives for every download of this selection, with the checksum files upstream
        publishes. Returns {file name: sha256}."""
        sel, _ = selection_from(raw)
        plan = runtime_plan(sel)
        downloads = list(plan.downloads)
        from kubeedge_runtime.plan import download
        downloads += [download("keadm", sel.kubeedge_version, sel), download("edgecore", sel.kubeedge_version, sel)]
        digests = {}
        for d in downloads:
            name = d.file
            data = _archive(d.key, d.version, sel)
            (self.files / name).write_bytes(data)
            digests[name] = hashlib.sha256(data).hexdigest()
            if d.checksum_url and not skip_checksums:
                sums = d.checksum_file
                if d.checksum == "sha512-bare":
                    (self.files / sums).write_text(hashlib.sha512(data).hexdigest() + "\n")
                else:
                    with open(self.files / sums, "a") as fh:
                        fh.write(f"{digests[name]}  {name}\n")
        return digests


def _exe(body: str) -> bytes:
    return f"#!/bin/bash\n{body}\n".encode()


def _tar(members: dict[str, bytes], compression: str = "gz") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=f"w:{compression}") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _archive(key: str, version: str, sel) -> bytes:
    arch = sel.arch
    if key == "containerd":
        return _tar({f"bin/{b}": _exe(f'echo "{b} v{version}"') for b in ("containerd", "ctr",
                                                                          "containerd-shim-runc-v2")})
    if key == "runc":
        return _exe(f'echo "runc version {version}"')
    if key == "cni":
        return _tar({f"./{b}": _exe("exit 0") for b in ("bridge", "host-local", "portmap", "loopback")})
    if key == "cri-dockerd":
        return _tar({"cri-dockerd/cri-dockerd": _exe(f'echo "cri-dockerd {version}"')})
    if key == "cri-o":
        install = 'mkdir -p "$DESTDIR/usr/local/bin" && printf "#!/bin/bash\\necho Version: %s\\n" > "$DESTDIR/usr/local/bin/crio"'
        return _tar({"cri-o/install": _exe(install % version)})
    if key == "keadm":
        return _tar({f"keadm-v{version}-linux-{arch}/keadm/keadm": _exe(f'echo "v{version}"')})
    if key == "edgecore":
        return _tar({f"kubeedge-v{version}-linux-{arch}/edge/edgecore": _exe(f'echo "KubeEdge v{version}"')})
    if key == "kata":
        import shutil
        raw = _tar({"opt/kata/bin/containerd-shim-kata-v2": _exe("exit 0"),
                    "opt/kata/bin/kata-runtime": _exe("exit 0")}, compression="")
        if not shutil.which("zstd"):
            raise RuntimeError("zstd is needed to build the fake Kata release (Debian package zstd)")
        return subprocess.run(["zstd", "-q", "-c"], input=raw, capture_output=True, check=True).stdout
    raise ValueError(key)

