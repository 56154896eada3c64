"""A world with no network for the bundle tests: a network namespace with only loopback, a real image
registry in it (Debian's docker-registry, the distribution registry), test images built here as OCI
layouts and pushed with skopeo, and the release-file mirror (mirror_server.py).

Everything the bundle builder fetches must come from these loopback servers: in this namespace no
other address can be reached, so a bundle that builds proves what it fetched and from where.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).parent
ARCHES = ("amd64", "arm64", "arm")


class Netns:
    def __init__(self) -> None:
        self.name = "kb-" + uuid.uuid4().hex[:8]
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.run("ip link set lo up")
        self.procs: list[subprocess.Popen] = []

    def argv(self, cmd: str | list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.name] + (["bash", "-c", cmd] if isinstance(cmd, str) else cmd)

    def run(self, cmd: str | list[str], check: bool = True, **kw) -> subprocess.CompletedProcess:
        res = subprocess.run(self.argv(cmd), capture_output=True, text=True, **kw)
        if check and res.returncode != 0:
            raise AssertionError(f"{cmd} -> {res.returncode}\n{res.stdout}\n{res.stderr}")
        return res

    def start(self, argv: list[str], log: Path, ready: str, timeout: float = 30) -> subprocess.Popen:
        fh = open(log, "w")
        proc = subprocess.Popen(self.argv(argv), stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if ready in log.read_text(errors="replace"):
                return proc
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{argv[0]} did not start:\n{log.read_text()[-2000:]}")

    def close(self) -> None:
        for p in self.procs:
            p.kill()
            p.wait()
        subprocess.run(["ip", "netns", "del", self.name], check=False)


class HostNet(Netns):
    """The host's own network (its loopback), for servers a controller on this host must reach
    (the Ansible fleet builds its bundles here); the same interface as Netns."""

    def __init__(self) -> None:
        self.name = ""
        self.procs = []

    def argv(self, cmd: str | list[str]) -> list[str]:
        return ["bash", "-c", cmd] if isinstance(cmd, str) else list(cmd)

    def close(self) -> None:
        for p in self.procs:
            p.kill()
            p.wait()


class Registry:
    """docker-registry on 127.0.0.1:PORT inside NS, storing under ROOT."""

    def __init__(self, ns: Netns, root: Path, port: int = 5000, auth: dict | None = None,
                 data: Path | None = None) -> None:
        self.ns, self.root, self.port = ns, root, port
        self.data = data or root / "data"
        root.mkdir(parents=True, exist_ok=True)
        config = {"version": 0.1, "log": {"level": "info"},
                  "storage": {"filesystem": {"rootdirectory": str(self.data)}},
                  "http": {"addr": f"127.0.0.1:{port}"}}
        if auth:
            config["auth"] = auth
        (root / "config.yml").write_text(json.dumps(config))  # JSON is YAML
        ns.start(["docker-registry", "serve", str(root / "config.yml")], root / "registry.log", "listening on")

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def push(self, layout: Path, repo: str, tag: str) -> None:
        self.ns.run(["skopeo", "--insecure-policy", "copy", "-q", "--all", "--dest-tls-verify=false",
                     f"oci:{layout}:{tag}", f"docker://{self.host}/{repo}:{tag}"])

    def blob(self, digest: str) -> Path:
        hexd = digest.split(":", 1)[1]
        return self.data / "docker/registry/v2/blobs/sha256" / hexd[:2] / hexd / "data"


def token_registry(ns: Netns, root: Path, data: Path, port: int, token_port: int, credentials: str) -> Registry:
    """A registry on PORT that serves DATA only to bearer tokens from tests/token_server.py on TOKEN_PORT,
    which hands them out for CREDENTIALS ("user:password"): Docker Hub's flow, with a password."""
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=token",
                    "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem")], check=True, capture_output=True)
    ns.start([sys.executable, str(HERE / "token_server.py"), "--port", str(token_port), "--key", str(root / "key.pem"),
              "--cert", str(root / "cert.pem"), "--issuer", "test-issuer", "--credentials", credentials,
              "--log", str(root / "tokens.log")], root / "token.out", "ready")
    auth = {"token": {"realm": f"http://127.0.0.1:{token_port}/token", "service": "test-registry",
                      "issuer": "test-issuer", "rootcertbundle": str(root / "cert.pem")}}
    return Registry(ns, root, port, auth=auth, data=data)


def _blob(layout: Path, data: bytes) -> dict:
    digest = hashlib.sha256(data).hexdigest()
    (layout / "blobs/sha256").mkdir(parents=True, exist_ok=True)
    (layout / "blobs/sha256" / digest).write_bytes(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def oci_image(layout: Path, tag: str, name: str, arches=ARCHES) -> dict[str, dict]:
    """A multi-arch image (an OCI index over one manifest per arch) in an OCI layout at LAYOUT.
    Each arch's single layer holds /image.txt = "<name> <arch>": which platform a bundle picked is
    readable from the archive. Returns {arch: {"config": digest, "layer": digest, "diff_id": digest}}."""
    out: dict[str, dict] = {}
    manifests = []
    for arch in arches:
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w") as tar:
            data = f"{name} {arch}\n".encode()
            info = tarfile.TarInfo("image.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        plain = raw.getvalue()
        layer = _blob(layout, gzip.compress(plain, mtime=0))
        diff_id = "sha256:" + hashlib.sha256(plain).hexdigest()
        config = _blob(layout, json.dumps({
            "architecture": arch, "os": "linux", **({"variant": "v7"} if arch == "arm" else {}),
            "config": {"Entrypoint": ["/pause"]}, "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        }).encode())
        manifest = _blob(layout, json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **layer}],
        }).encode())
        platform = {"os": "linux", "architecture": arch, **({"variant": "v7"} if arch == "arm" else {})}
        manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", **manifest,
                          "platform": platform})
        out[arch] = {"config": config["digest"], "layer": layer["digest"], "diff_id": diff_id,
                     "manifest": manifest["digest"]}
    index = _blob(layout, json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                                      "manifests": manifests}).encode())
    (layout / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.index.v1+json", **index,
         "annotations": {"org.opencontainers.image.ref.name": tag}}]}))
    return out


def serve_files(ns: Netns, directory: Path, port: int, log: Path) -> None:
    ns.start([sys.executable, str(HERE / "mirror_server.py"), "--dir", str(directory), "--port", str(port),
              "--log", str(log)], log.with_suffix(".out"), "ready")


def archive_image(path: Path) -> tuple[list[str], str]:
    """(RepoTags, the /image.txt its layer holds) of a docker-archive."""
    with tarfile.open(path) as tar:
        index = json.load(tar.extractfile("manifest.json"))
        layer = tar.extractfile(index[0]["Layers"][0]).read()
    with tarfile.open(fileobj=io.BytesIO(layer)) as inner:
        return index[0]["RepoTags"], inner.extractfile("image.txt").read().decode().strip()
