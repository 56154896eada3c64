"""Release files in the upstream layout, for a loopback mirror: what install.sh downloads, with the
checksum files upstream publishes (real digests of what is served).

Where Debian packages the real program, the archive holds Debian's binaries repackaged into the
upstream layout (containerd's bin/, runc.<arch>, the CNI plugins at the top of their tarball), so the
release path installs and runs real programs. keadm, edgecore, cri-dockerd, CRI-O and Kata have no
Debian package: their archives hold stand-ins that answer --version and are not a runtime (verify.sh
must notice that).
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path
from urllib.parse import urlparse

from kubeedge_runtime.core import selection_from
from kubeedge_runtime.plan import fetch_downloads
from kubeedge_runtime.runtimes import plan as runtime_plan

from node import Suite

# where the keadm stand-in records the arguments of every call but --version (keadm join's, say)
KEADM_LOG = "/var/log/keadm-standin.log"
# the Debian suite whose containerd is the real program for a containerd minor
CONTAINERD_SUITE = {"1.6": "bookworm", "1.7": "trixie", "2.1": "sid"}


def _tar(members: dict[str, bytes], mode: int = 0o755) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tar:
        for name, data in sorted(members.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = mode
            info.mtime = 1700000000
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def standin(name: str, version: str, daemon: str = "", record: str = "") -> bytes:
    """A program that says its version and is nothing else. ``daemon``: what it does when started
    as a service ("exit": fail at once, "sleep": stay up and serve nothing). ``record``: a file on the
    node where every other call appends its arguments (what the test then reads)."""
    body = {"exit": f'echo "{name} stand-in: not a real {name}" >&2; exit 1',
            "sleep": "exec sleep infinity", "": "exit 0"}[daemon]
    if record:
        body = f'printf "%s\\n" "$*" >> {record}\n{body}'
    return (f'#!/bin/sh\ncase "$1" in --version|version|-v) echo "{name} version v{version} (test stand-in)"; '
            f'exit 0 ;; esac\n{body}\n').encode()


CRIO_INSTALL = b"""#!/bin/sh
# stand-in for the CRI-O bundle's installer (same layout: DESTDIR, bin/, contrib/)
set -e
install -D -m 0755 bin/crio "$DESTDIR/usr/local/bin/crio"
install -D -m 0644 contrib/crio.service "$DESTDIR/usr/local/lib/systemd/system/crio.service"
"""
CRIO_UNIT = b"""[Unit]
Description=CRI-O stand-in (tests)
[Service]
ExecStart=/usr/local/bin/crio
[Install]
WantedBy=multi-user.target
"""


_ARCHIVES: dict[tuple, bytes] = {}


def archive(key: str, version: str, arch: str, suites: dict[str, Suite]) -> bytes:
    memo = (key, version, arch, tuple(sorted((k, s.name) for k, s in suites.items())))
    if memo not in _ARCHIVES:
        _ARCHIVES[memo] = _archive(key, version, arch, suites)
    return _ARCHIVES[memo]


def _archive(key: str, version: str, arch: str, suites: dict[str, Suite]) -> bytes:
    node = suites["node"]
    if key == "containerd":
        minor = ".".join(version.split(".")[:2])
        src = suites.get(minor) or node
        bin_dir = src.unpacked("containerd") / "usr/bin"
        return _tar({f"bin/{b}": (bin_dir / b).read_bytes() for b in ("containerd", "ctr", "containerd-shim-runc-v2")})
    if key == "runc":
        return (node.unpacked("runc") / "usr/sbin/runc").read_bytes()
    if key == "cni":
        lib = node.unpacked("containernetworking-plugins") / "usr/lib/cni"
        return _tar({f"./{p.name}": p.read_bytes() for p in sorted(lib.iterdir()) if p.is_file()})
    if key == "cri-dockerd":
        return _tar({"cri-dockerd/cri-dockerd": standin("cri-dockerd", version, "exit")})
    if key == "cri-o":
        return _tar({"cri-o/install": CRIO_INSTALL, "cri-o/bin/crio": standin("crio", version, "sleep"),
                     "cri-o/contrib/crio.service": CRIO_UNIT})
    if key == "keadm":
        return _tar({f"keadm-v{version}-linux-{arch}/keadm/keadm": standin("keadm", version, record=KEADM_LOG)})
    if key == "edgecore":
        return _tar({f"kubeedge-v{version}-linux-{arch}/edge/edgecore": standin("edgecore", version, "sleep")})
    raise ValueError(f"no test archive for {key}")


def build_mirror(dest: Path, raw: dict, suites: dict[str, Suite]) -> dict[str, str]:
    """Every release file install.sh of this selection downloads, under its upstream URL path in
    ``dest``, with its checksum file. Returns {file name: sha256}."""
    sel, _ = selection_from(raw)
    plan = runtime_plan(sel)
    digests: dict[str, str] = {}
    for d in fetch_downloads(plan, sel):
        data = archive(d.key, d.version, sel.arch, suites)
        path = dest / urlparse(d.url).path.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        digests[path.name] = hashlib.sha256(data).hexdigest()
        if d.checksum_url:
            sums = dest / urlparse(d.checksum_url).path.lstrip("/")
            if d.checksum == "sha512-bare":
                sums.write_text(hashlib.sha512(data).hexdigest() + "\n")
            else:  # one checksum file may list several files (runc.sha256sum: every arch)
                lines = [x for x in (sums.read_text().splitlines() if sums.exists() else [])
                         if not x.endswith("  " + path.name)]
                sums.write_text("\n".join(lines + [f"{digests[path.name]}  {path.name}"]) + "\n")
    return digests
