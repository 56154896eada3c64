"""Offline bundles (#11), built and used for real.

Building: in a network namespace with only loopback (tests/offline_env.py), with a real registry
(docker-registry) holding multi-arch test images under the names the node asks for, pushed with
skopeo, and the release-file mirror of tests/releases.py (real Debian containerd / runc / CNI
binaries in the upstream layout). The bundle command runs inside that namespace: nothing but those
loopback servers can answer it.

Using: on a booted node (tests/node.py) whose only way out is a veth with a default route that leads
nowhere, every packet counted by iptables; install.sh --bundle runs there, the real runtime lists
the images under exactly the names its config and keadm ask for, verify passes, and the counters
stay at zero (checked to move when anything does try).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import cri
import releases
from helpers import ok
from node import Node, host_problem, suite
from offline_env import Netns, Registry, archive_image, oci_image, serve_files, token_registry

from kubeedge_runtime.offline import bundle_files, node_images

PROBLEM = host_problem() or (None if shutil.which("docker-registry") and shutil.which("skopeo")
                             else "docker-registry and skopeo are needed (make apt)")
pytestmark = pytest.mark.skipif(PROBLEM is not None, reason=PROBLEM or "")

CLI = str(Path(sys.executable).with_name("kubeedge-runtime"))
REGISTRY = "http://127.0.0.1:5000"
FILES = "http://127.0.0.1:8080"
BASE = {"os": "debian", "kubeedge_version": "1.20", "image_mirror": REGISTRY, "download_mirror": FILES}
SELECTIONS = {
    "containerd-1.6": {**BASE, "runtime": "containerd", "runtime_version": "1.6"},
    "containerd-1.7": {**BASE, "runtime": "containerd", "runtime_version": "1.7"},
    "containerd-2.1": {**BASE, "runtime": "containerd", "runtime_version": "2.1"},
    "containerd-2.1-arm64": {**BASE, "runtime": "containerd", "runtime_version": "2.1", "arch": "arm64"},
    "docker": {**BASE, "runtime": "docker", "runtime_version": "0.4"},
    "cri-o": {**BASE, "runtime": "cri-o", "kubeedge_version": "1.21"},
}
SUITE_FOR = {"containerd-1.6": "bookworm", "containerd-1.7": "trixie", "containerd-2.1": "sid",
             "docker": "bookworm", "cri-o": "trixie"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The loopback-only namespace with the registry and the release mirror for every selection."""
    tmp = tmp_path_factory.mktemp("offline")
    suites = {name: suite(name) for name in ("bookworm", "trixie", "sid")}
    ns = Netns()
    try:
        registry = Registry(ns, tmp / "registry")
        digests: dict[str, str] = {}
        images: dict[str, dict] = {}
        for name, raw in SELECTIONS.items():
            minor = raw.get("runtime_version", "")
            rel = {"node": suites[SUITE_FOR.get(name, "sid")]}
            if raw["runtime"] == "containerd":
                rel[minor] = suites[releases.CONTAINERD_SUITE[minor]]
            digests.update(releases.build_mirror(tmp / "files", raw, rel))
            result = ok(raw)
            for img in node_images(result.selection, result.plan):
                if img.reference in images:
                    continue
                host, repo_tag = img.reference.split("/", 1)
                repo, tag = repo_tag.rsplit(":", 1)
                layout = tmp / "oci" / re.sub(r"[/:]", "_", img.reference)
                layout.mkdir(parents=True)
                images[img.reference] = oci_image(layout, tag, repo)
                registry.push(layout, repo, tag)
        serve_files(ns, tmp / "files", 8080, tmp / "files.log")
        yield {"ns": ns, "tmp": tmp, "registry": registry, "digests": digests, "images": images, "suites": suites}
    finally:
        ns.close()


def flags(raw: dict) -> list[str]:
    return [f"--{k.replace('_', '-')}={v}" for k, v in raw.items()]


def build(world, name: str, output: str, *extra: str, check: bool = True, raw: dict | None = None):
    raw = raw or SELECTIONS[name]
    res = world["ns"].run([CLI, "bundle", *flags(raw), "--output", output, *extra], check=False)
    if check:
        assert res.returncode == 0, f"bundle {name}: exit {res.returncode}\n{res.stderr[-3000:]}"
    return res


def pin(world, raw: dict) -> list[str]:
    """--sha256 pins for the release files upstream publishes no checksum for (taken from the mirror)."""
    result = ok(raw)
    return [f"--sha256={f.download.file}={world['digests'][f.download.file]}"
            for f in bundle_files(result.selection, result.plan)
            if not f.checksum and not f.download.checksum_upstream]


# --- building ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("tool", ["builtin", "skopeo"])
def test_bundle_holds_every_file_and_the_node_platform_of_every_image(world, tool):
    out = world["tmp"] / f"b-arm64-{tool}"
    build(world, "containerd-2.1-arm64", str(out), "--image-tool", tool)
    manifest = json.loads((out / "bundle.json").read_text())
    result = ok(SELECTIONS["containerd-2.1-arm64"])
    # every release file install.sh would fetch, with its published checksum file, as served
    wanted = {f.path for f in bundle_files(result.selection, result.plan)}
    assert {f["path"] for f in manifest["files"]} == wanted
    for f in manifest["files"]:
        data = (out / f["path"]).read_bytes()
        assert f["size"] == len(data) and f["sha256"] == hashlib.sha256(data).hexdigest()
        assert f["source"].startswith("https://github.com/") and f["fetched_from"].startswith(FILES + "/")
    assert "arm64" in manifest["files"][0]["path"]
    # the images, arm64 picked out of each multi-arch index, named as the runtime config asks
    refs = [i.reference for i in node_images(result.selection, result.plan)]
    assert [i["reference"] for i in manifest["images"]] == refs
    for img in manifest["images"]:
        tags, marker = archive_image(out / img["archive"])
        assert tags == [img["reference"]] and marker.endswith(" arm64")
        assert img["image_id"] == world["images"][img["reference"]]["arm64"]["config"]
    configs = "".join(p.read_text() for p in (out / "etc/containerd").rglob("*.toml"))
    assert f'"{refs[0]}"' in configs  # the sandbox image the config names is the one bundled
    # bundle.sha256 covers everything, in sha256sum's own format
    subprocess.run(["sha256sum", "-c", "--quiet", "--strict", "bundle.sha256"], cwd=out, check=True)
    listed = {line.split("  ", 1)[1] for line in (out / "bundle.sha256").read_text().splitlines()}
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} - {"bundle.sha256"}
    assert listed == on_disk
    assert "token" not in manifest["selection"]


@pytest.mark.parametrize("tool", ["builtin", "skopeo"])
def test_a_tampered_blob_in_the_registry_is_refused_and_nothing_is_written(world, tool):
    ref = "127.0.0.1:5000/kubeedge/pause:3.6"
    blob = world["registry"].blob(world["images"][ref]["amd64"]["layer"])
    original = blob.read_bytes()
    blob.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    try:
        out = world["tmp"] / f"b-tampered-{tool}"
        res = build(world, "containerd-2.1", str(out), "--image-tool", tool, check=False)
    finally:
        blob.write_bytes(original)
    assert res.returncode == 1, res.stderr
    assert "pause:3.6" in res.stderr and "Traceback" not in res.stderr
    if tool == "builtin":
        assert world["images"][ref]["amd64"]["layer"] in res.stderr  # names the blob that did not match
    assert not out.exists() and not list(out.parent.glob(".kubeedge-bundle-*"))


def test_files_without_a_published_checksum_need_a_pin_or_an_explicit_risk(world):
    raw = SELECTIONS["docker"]
    out = world["tmp"] / "b-docker-unpinned"
    res = build(world, "docker", str(out), check=False)
    assert res.returncode == 1 and "--sha256" in res.stderr and "cri-dockerd" in res.stderr
    wrong = [re.sub(r"=[0-9a-f]{64}$", "=" + "0" * 64, p) for p in pin(world, raw)]
    res = build(world, "docker", str(out), *wrong, check=False)
    assert res.returncode == 1 and "does not match" in res.stderr and not out.exists()
    res = build(world, "docker", str(out), "--accept-unverified")
    manifest = json.loads((out / "bundle.json").read_text())
    assert {f["verified"] for f in manifest["files"] if "cri-dockerd" in f["path"]} == {"unverified (accepted)"}
    # zh: the same refusal in Chinese
    res = build(world, "docker", str(world["tmp"] / "b-zh"), "--lang=zh", check=False)
    assert res.returncode == 1 and "上游没有" in res.stderr


@pytest.mark.parametrize("tool", ["builtin", "skopeo"])
def test_a_registry_with_token_authentication_and_a_password(world, tool):
    """Bearer tokens from the realm the registry names (Docker Hub's flow), with credentials from
    KUBEEDGE_REGISTRY_AUTH; without them the build stops naming the registry."""
    tmp = world["tmp"] / f"auth-{tool}"
    if "auth" not in world:
        world["auth"] = token_registry(world["ns"], world["tmp"] / "auth", world["registry"].data, 5002, 5003,
                                       "edge:s3cret")
    raw = {**SELECTIONS["containerd-2.1"], "image_mirror": "http://127.0.0.1:5002"}
    res = build(world, "containerd-2.1", str(tmp), "--image-tool", tool, raw=raw, check=False)
    assert res.returncode == 1 and "127.0.0.1:5002" in res.stderr and not tmp.exists()
    if tool == "builtin":
        assert "KUBEEDGE_REGISTRY_AUTH" in res.stderr or "401" in res.stderr
    args = [CLI, "bundle", *flags(raw), "--output", str(tmp), "--image-tool", tool]
    res = world["ns"].run(["env", "KUBEEDGE_REGISTRY_AUTH=edge:s3cret", *args], check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    manifest = json.loads((tmp / "bundle.json").read_text())
    assert [i["image_id"] for i in manifest["images"]] == [
        world["images"][i["reference"].replace(":5002/", ":5000/")]["amd64"]["config"] for i in manifest["images"]]
    log = (world["tmp"] / "auth/tokens.log").read_text()
    assert "edge repository:kubeedge/pause:pull" in log and "s3cret" not in log


def test_bundle_errors_name_the_cause(world):
    res = build(world, "containerd-2.1", str(world["tmp"] / "b-x"), raw={**SELECTIONS["containerd-2.1"],
                                                                        "image_mirror": "http://127.0.0.1:5999"},
                check=False)
    assert res.returncode == 1 and "127.0.0.1:5999" in res.stderr and "--image-mirror" in res.stderr
    assert "Traceback" not in res.stderr
    existing = world["tmp"] / "b-nonempty"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine")
    res = build(world, "containerd-2.1", str(existing), check=False)
    assert res.returncode == 1 and "not an empty directory" in res.stderr
    assert (existing / "keep.txt").read_text() == "mine"
    res = world["ns"].run([CLI, "bundle", "--runtime=containerd", "--output", str(world["tmp"] / "y"),
                           "--sha256", "nohash"], check=False)
    assert res.returncode == 2 and "FILE=HASH" in res.stderr


def test_china_bundle_names_no_host_that_is_blocked_there():
    """--image-mirror china plus a download mirror: neither the bundle build nor the node contacts
    docker.io, registry.k8s.io or github.com (the node: proven by the offline installs below)."""
    raw = {"runtime": "containerd", "image_mirror": "china", "download_mirror": "https://ghproxy.example/https://github.com",
           "kubeedge_version": "1.16"}
    result = ok(raw)
    hosts = {f.url.split("/")[2] for f in bundle_files(result.selection, result.plan)}
    hosts |= {i.reference.split("/")[0] for i in node_images(result.selection, result.plan)}
    assert hosts == {"ghproxy.example", "docker.m.daocloud.io"}
    for a in result.artifacts:
        assert not re.search(r"registry\.k8s\.io|(?<![\w.])docker\.io/", a.content) or a.path == "install.sh", a.path


# --- using, on a node with no network -------------------------------------------------------------------------

CUT = """
ip link add kv0 type veth peer name kv1 && ip link set kv0 up && ip link set kv1 up
ip addr add 10.254.0.1/24 dev kv0 && ip route add default via 10.254.0.2
umount /etc/resolv.conf 2>/dev/null || true; rm -f /etc/resolv.conf; echo 'nameserver 10.254.0.2' > /etc/resolv.conf
# the node's own name resolves locally, as on every installed Debian (the installer writes it; debootstrap
# does not): without it each lookup of the hostname is a DNS query, which these counters would report
grep -qw "$(hostname)" /etc/hosts || echo "127.0.1.1 $(hostname)" >> /etc/hosts
iptables -I OUTPUT 1 ! -o lo -j ACCEPT
for proto in tcp udp icmp igmp; do iptables -I OUTPUT 1 ! -o lo -p $proto -j ACCEPT; done
iptables -I OUTPUT 1 ! -o lo -p udp --dport 53 -j ACCEPT
iptables -I OUTPUT 1 -o lo -p tcp --syn -j ACCEPT
iptables -I OUTPUT 1 -o lo -p udp --dport 53 -j ACCEPT
"""


def packets(node: Node) -> int:
    out = node.sh("iptables -L OUTPUT -v -x -n").stdout
    return sum(int(line.split()[0]) for line in out.splitlines()[2:] if line.split()[2:3] == ["ACCEPT"])


def offline_node(world, suite_name: str, tmp: Path, preinstall: str = "") -> Node:
    """A booted node whose every attempt to reach the network is counted; PREINSTALL packages come
    from the local apt first (what an air-gapped site's own package mirror provides), then apt is gone."""
    node = Node(suite_name, tmp / "node")
    node.boot()
    if preinstall:
        apt = node.use_local_apt()
        node.sh(f"DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {preinstall} >/dev/null")
        apt.stop()
    node.sh(CUT)
    node.sh("curl -s -m 3 http://registry-1.docker.io/ >/dev/null || true")
    assert packets(node) > 0, "the counters must see an attempt"
    node.sh("iptables -Z OUTPUT")
    return node


def put(node: Node, bundle: Path, dest: str) -> None:
    target = node.path(dest)
    if bundle.is_dir():
        shutil.copytree(bundle, target, symlinks=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(bundle, target)


WATCHED = ["/etc/containerd", "/etc/cni", "/etc/docker", "/etc/crio", "/etc/systemd/system", "/usr/local", "/opt/cni",
           "/var/lib/kubeedge-runtime"]


@pytest.mark.parametrize("name,tool,form", [("containerd-1.6", "builtin", "tar.gz"),
                                            ("containerd-1.7", "skopeo", "dir"),
                                            ("containerd-2.1", "builtin", "dir")])
def test_containerd_node_with_no_network_installs_from_the_bundle(world, tmp_path, name, tool, form):
    out = world["tmp"] / f"b-{name}.tar.gz" if form == "tar.gz" else world["tmp"] / f"b-{name}"
    build(world, name, str(out), "--image-tool", tool)
    node = offline_node(world, SUITE_FOR[name], tmp_path)
    try:
        if form == "tar.gz":
            put(node, out, "/root/b.tar.gz")
            res = node.sh("bash -c 'mkdir /root/s && tar -xzOf /root/b.tar.gz --wildcards \"*/install.sh\" "
                          "> /root/s/install.sh' && bash /root/s/install.sh --bundle /root/b.tar.gz", check=False)
            script = "/root/s/install.sh --bundle /root/b.tar.gz"
        else:
            put(node, out, "/root/bundle")
            res = node.sh("bash /root/bundle/install.sh", check=False)  # finds bundle.json beside it
            script = "/root/bundle/install.sh"
        assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-3000:]
        assert "[6/7]" in res.stdout and "nothing will be downloaded" in res.stdout
        result = ok(SELECTIONS[name])
        refs = [i.reference for i in node_images(result.selection, result.plan)]
        listed = node.sh("ctr -n k8s.io images ls -q").stdout.split()
        assert set(refs) <= set(listed), listed
        client = cri.Client(f"/proc/{node.pid}/root/run/containerd/containerd.sock")
        try:
            for ref in refs:  # what keadm join asks before it would pull
                assert client.image_id(ref) == world["images"][ref]["amd64"]["config"]
        finally:
            client.close()
        # the running containerd's own sandbox image is the bundled one (1.x: sandbox_image, 2.x: pinned_images)
        assert re.search(rf"""['"]{re.escape(refs[0])}['"]""", node.sh("containerd config dump").stdout)
        assert packets(node) == 0, node.sh("iptables -L OUTPUT -v -x -n").stdout
        # a second run: everything present, nothing imported again, still no network
        again = node.sh(f"bash {script}", check=False)
        assert again.returncode == 0 and "imported the image" not in again.stdout, again.stdout[-3000:]
        assert packets(node) == 0
    finally:
        node.stop()


def test_a_bundle_for_another_arch_or_selection_or_a_damaged_one_is_refused_before_any_change(world, tmp_path):
    arm = world["tmp"] / "b-refuse-arm64"
    build(world, "containerd-2.1-arm64", str(arm))
    other = world["tmp"] / "b-refuse-2.1"
    build(world, "containerd-2.1", str(other))
    packed = world["tmp"] / "b-refuse.tar.gz"
    build(world, "containerd-1.7", str(packed))
    node = offline_node(world, "trixie", tmp_path)
    try:
        for path, content in ((a.path, a.content) for a in ok(SELECTIONS["containerd-1.7"]).artifacts):
            node.write(f"/root/ke/{path}", content, 0o755)
        put(node, arm, "/root/arm64")
        put(node, other, "/root/other")
        put(node, packed, "/root/good.tar.gz")
        data = packed.read_bytes()
        node.write("/root/cut.tar.gz", data[: len(data) // 2])
        before = node.snapshot(*WATCHED)
        cases = {
            "/root/arm64": "was made for containerd 2.1.9",  # for: names what the bundle is for
            "/root/other": "lacks files/containerd-1.7",
            "/root/cut.tar.gz": "damaged or cut short",
        }
        for bundle, needle in cases.items():
            res = node.sh(f"bash /root/ke/install.sh --bundle {bundle}", check=False)
            assert res.returncode == 1 and needle in res.stderr, (bundle, res.stderr)
        # the right bundle, but an image archive altered on the way, then a release file lost
        node.sh("mkdir /root/damaged && tar -xzf /root/good.tar.gz -C /root/damaged --strip-components=1")
        image = next(node.path("/root/damaged/images").iterdir())
        blob = bytearray(image.read_bytes())
        blob[len(blob) // 2] ^= 1
        image.write_bytes(bytes(blob))
        res = node.sh("bash /root/ke/install.sh --bundle /root/damaged", check=False)
        assert res.returncode == 1 and "does not match its bundle.sha256" in res.stderr
        assert f"images/{image.name}" in res.stderr
        node.path("/root/damaged/files/runc.amd64").unlink()
        res = node.sh("bash /root/ke/install.sh --dry-run --bundle /root/damaged", check=False)
        assert res.returncode == 1 and "files/runc" in res.stderr
        assert node.snapshot(*WATCHED) == before
        assert packets(node) == 0
    finally:
        node.stop()


def test_docker_and_cri_dockerd_node_with_no_network(world, tmp_path):
    """docker.io comes from the site's package mirror (a bundle carries no OS packages); cri-dockerd
    (a stand-in: no Debian package) and the images come from the bundle; docker holds the images."""
    out = world["tmp"] / "b-docker"
    if not out.exists():
        build(world, "docker", str(out), *pin(world, SELECTIONS["docker"]))
    node = offline_node(world, "bookworm", tmp_path)
    try:
        put(node, out, "/root/bundle")
        before = node.snapshot(*WATCHED)
        res = node.sh("bash /root/bundle/install.sh", check=False)
        assert res.returncode == 1 and "docker.io" in res.stderr and "package mirror" in res.stderr
        assert node.snapshot(*WATCHED) == before  # refused before any change
        node.stop()
        node = offline_node(world, "bookworm", tmp_path / "again", preinstall="docker.io")
        put(node, out, "/root/bundle")
        res = node.sh("bash /root/bundle/install.sh", check=False)
        result = ok(SELECTIONS["docker"])
        for img in node_images(result.selection, result.plan):
            inspect = node.sh(f"docker image inspect --format '{{{{.Id}}}}' {img.reference}", check=False)
            assert inspect.stdout.strip() == world["images"][img.reference]["amd64"]["config"], res.stdout[-3000:]
        # the stand-in cri-dockerd is no CRI runtime: verify says so, and nothing went to the network
        assert res.returncode != 0 and "[FAIL]" in res.stdout
        assert packets(node) == 0
    finally:
        node.stop()


def test_crio_node_with_no_network_imports_into_containers_storage(world, tmp_path):
    out = world["tmp"] / "b-crio"
    build(world, "cri-o", str(out))
    node = offline_node(world, "trixie", tmp_path)
    try:
        put(node, out, "/root/bundle")
        before = node.snapshot(*WATCHED)
        res = node.sh("bash /root/bundle/install.sh", check=False)
        assert res.returncode == 1 and "skopeo or podman" in res.stderr
        assert node.snapshot(*WATCHED) == before
        node.stop()
        node = offline_node(world, "trixie", tmp_path / "again", preinstall="skopeo")
        # containers-storage's overlay driver cannot sit on the test node's own overlayfs root; a real
        # node has a plain disk there
        node.sh("mkdir -p /var/lib/containers && mount -t tmpfs tmpfs /var/lib/containers")
        put(node, out, "/root/bundle")
        res = node.sh("bash /root/bundle/install.sh", check=False)
        assert "[6/7]" in res.stdout, res.stdout[-3000:] + res.stderr[-2000:]
        result = ok(SELECTIONS["cri-o"])
        for img in node_images(result.selection, result.plan):
            got = node.sh(f"skopeo inspect --config containers-storage:{img.reference}", check=False)
            assert got.returncode == 0, (img.reference, res.stdout[-2000:], got.stderr)
            assert json.loads(got.stdout)["architecture"] == "amd64"
        assert packets(node) == 0
    finally:
        node.stop()
