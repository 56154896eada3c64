"""Every generated config loaded by the real program of its version, on a booted node of the Debian suite
that packages it (tests/node.py), and judged by what the running program reports.

- containerd 1.6.20 (bookworm), 1.7.24 (trixie), 2.1.9 (sid): the generated config.toml and drop-in at
  their node paths, Debian's binaries; asserted: `ctr plugins ls` (CRI ok), no migration / deprecation /
  unknown-key line in containerd's log, and the CRI status and runtime config the daemon serves (tests/cri.py).
  The product's 2.0 and 2.2 lines have no Debian build: they run on 2.1.9, the nearest real one (same config
  version 3); 2.3 (config version 4) has none that can load it and is covered by tests/test_upstream_fixtures.py.
- dockerd 20.10 (bookworm), 26.1 (trixie), 28.5 (sid) with the generated daemon.json: what GET /info reports.
- CNI plugins 1.1.1 (bookworm) and 1.9.1 (sid): ADD / CHECK / DEL of the generated conflist in a network
  namespace the test makes, the plugins chained as a runtime chains them (tests/cni_runner.py).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import grpc
import pytest

import cri
from helpers import by_id, ok
from node import Node, host_problem, suite

PROBLEM = host_problem()
pytestmark = pytest.mark.skipif(PROBLEM is not None, reason=PROBLEM or "")
HERE = Path(__file__).resolve().parent
SOCK = "/run/containerd/containerd.sock"
# product minor -> (suite, the real containerd minor that runs it)
CONTAINERD = {"1.6": ("bookworm", "1.6"), "1.7": ("trixie", "1.7"), "2.0": ("sid", "2.1"), "2.1": ("sid", "2.1"),
              "2.2": ("sid", "2.1")}
MIRROR = "http://registry.local:5000"
# log lines that mean the program did not take a file as written: a migration, or a warning or error about
# a deprecated, unknown or invalid setting (not the info lines that merely name the deprecations plugin)
BAD_WORDS = ("deprecat", "unknown", "invalid", "not allowed", "unsupported")
UNITS = iter(range(10**6))


def bad_lines(log: str) -> list[str]:
    out = []
    for line in log.splitlines():
        low = line.lower()
        warned = "level=warn" in low or "level=error" in low
        if "migrated" in low or (warned and any(w in low for w in BAD_WORDS)):
            out.append(line)
    return out


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    booted: dict[str, Node] = {}

    def get(name: str) -> Node:
        if name not in booted:
            n = Node(name, tmp_path_factory.mktemp(name))
            n.boot()
            n.use_local_apt()
            booted[name] = n
        return booted[name]

    yield get
    for n in booted.values():
        n.stop()


def install_binaries(node: Node, package: str) -> str:
    """The package's real files copied into the node under /opt/real/<package> (not installed)."""
    dest = node.path(f"/opt/real/{package}")
    if not dest.exists():
        shutil.copytree(suite(node.suite.name).unpacked(package), dest, symlinks=True)
    return f"/opt/real/{package}"


# --- containerd ------------------------------------------------------------------------------------------

def containerd_cases():
    for minor in CONTAINERD:
        yield {"runtime": "containerd", "runtime_version": minor, "cgroup_driver": "systemd", "image_mirror": MIRROR}
        yield {"runtime": "containerd", "runtime_version": minor, "cgroup_driver": "cgroupfs",
               "sandbox_image": "registry.local:5000/pause:3.9"}
        yield {"runtime": "kata", "runtime_version": minor, "kata_mode": "untrusted"}
    yield {"runtime": "kata", "runtime_version": "1.7", "kata_mode": "runtimeclass"}


def start_containerd(node: Node, artifacts) -> str:
    """containerd started (as its own transient unit) with the generated files at their node paths."""
    node.sh("systemctl stop 'real-containerd-*' 2>/dev/null; rm -rf /etc/containerd /var/lib/containerd "
            "/run/containerd; true")
    for a in artifacts:
        if a.node_path.startswith("/etc/containerd/"):
            node.write(a.node_path, a.content)
    base = install_binaries(node, "containerd")
    unit = f"real-containerd-{next(UNITS)}"
    node.sh(f"systemd-run --unit {unit} --property=Delegate=yes -E PATH={base}/usr/bin:/usr/sbin:/usr/bin "
            f"{base}/usr/bin/containerd --log-level info")
    for _ in range(100):
        if node.sh(f"test -S {SOCK}", check=False).returncode == 0:
            break
        time.sleep(0.1)
    time.sleep(1)  # the CRI plugin logs its config once it is up
    return node.sh(f"journalctl -u {unit} --no-pager -o cat").stdout


@pytest.mark.parametrize("raw", list(containerd_cases()),
                         ids=lambda r: f"{r['runtime']}{r['runtime_version']}-{r.get('cgroup_driver', '')}"
                                       f"{r.get('kata_mode', '')}{'-mirror' if 'image_mirror' in r else ''}")
def test_containerd_loads_the_generated_config(nodes, raw):
    suite_name, real = CONTAINERD[raw["runtime_version"]]
    node = nodes(suite_name)
    result = ok(raw)
    sel, arts = result.selection, by_id(result)
    log = start_containerd(node, result.artifacts)
    plugins = node.sh(f"/opt/real/containerd/usr/bin/ctr --address {SOCK} plugins ls").stdout
    assert any(line.split()[:2] == ["io.containerd.grpc.v1", "cri"] and line.split()[-1] == "ok"
               for line in plugins.splitlines()), plugins + log[-3000:]
    bad = bad_lines(log)
    if raw["runtime_version"] == "2.0":  # 2.0 has no cni.bin_dirs; the 2.1 build it runs on calls bin_dir deprecated
        assert all("bin_dir" in line for line in bad), bad
    else:
        assert bad == [], "\n".join(bad)
    dump = node.sh("/opt/real/containerd/usr/bin/containerd config dump").stdout
    assert sel.sandbox_ref in dump, dump

    client = cri.Client(f"/proc/{node.pid}/root{SOCK}")
    try:
        status = client.status()
        config = status.config()
        runtimes = config["containerd"]["runtimes"]
        assert runtimes["runc"]["options"]["SystemdCgroup"] is (sel.cgroup_driver == "systemd")
        cni = config["cni"]
        assert (cni.get("binDirs") or [cni["binDir"]]) == ["/opt/cni/bin"] and cni["confDir"] == "/etc/cni/net.d"
        if real.startswith("1."):
            assert config["sandboxImage"] == sel.sandbox_ref
        else:
            assert client.cgroup_driver() == sel.cgroup_driver
            if raw["runtime_version"] != "2.0":
                assert status.conditions.get("ContainerdHasNoDeprecationWarnings") is True, status.conditions
        if raw["runtime"] == "kata":
            handler = "untrusted" if raw["kata_mode"] == "untrusted" else "kata"
            assert runtimes[handler]["runtimeType"] == "io.containerd.kata.v2", runtimes.keys()
            assert runtimes["runc"]["runtimeType"] == "io.containerd.runc.v2"
        if sel.mirror_plain_http:
            # the running CRI takes docker.io images through the mirror, over plain HTTP (hosts.toml):
            # the pull fails here (no registry behind that name), and says which URL it tried
            with pytest.raises(grpc.RpcError) as err:
                client.pull("docker.io/kubeedge/pause:3.6", timeout=30)
            assert "http://registry.local:5000/v2/kubeedge/pause/manifests/3.6" in err.value.details(), \
                err.value.details()
    finally:
        client.close()
    assert "containerd-dropin" in arts


# --- dockerd ---------------------------------------------------------------------------------------------

DOCKERD = {"bookworm": "20.10", "trixie": "26.1", "sid": "28.5"}


@pytest.mark.parametrize("suite_name", list(DOCKERD), ids=lambda s: f"dockerd{DOCKERD[s]}")
@pytest.mark.parametrize("driver", ["systemd", "cgroupfs"])
def test_dockerd_takes_the_generated_daemon_json(nodes, suite_name, driver):
    node = nodes(suite_name)
    result = ok({"runtime": "docker", "cgroup_driver": driver, "image_mirror": MIRROR})
    daemon = by_id(result)["docker-daemon"]
    node.sh("systemctl stop 'real-dockerd-*' 2>/dev/null; rm -rf /var/lib/docker /run/docker* "
            "/var/run/docker.sock; true")
    unit = f"real-dockerd-{next(UNITS)}"
    node.write("/etc/docker/daemon.json", daemon.content)
    docker = install_binaries(node, "docker.io")
    ctr = install_binaries(node, "containerd")
    runc = install_binaries(node, "runc")
    path = f"{docker}/usr/sbin:{docker}/usr/bin:{ctr}/usr/bin:{runc}/usr/sbin:/usr/sbin:/usr/bin:/sbin:/bin"
    node.sh(f"systemd-run --unit {unit} --property=Delegate=yes -E PATH={path} {docker}/usr/sbin/dockerd "
            "--config-file /etc/docker/daemon.json --storage-driver=vfs")
    info = None
    for _ in range(150):
        res = node.sh("curl -sf --unix-socket /var/run/docker.sock http://localhost/info", check=False)
        if res.returncode == 0:
            info = json.loads(res.stdout)
            break
        time.sleep(0.2)
    log = node.sh(f"journalctl -u {unit} --no-pager -o cat").stdout
    assert info, log[-3000:]
    assert info["ServerVersion"].startswith(DOCKERD[suite_name]), info["ServerVersion"]
    assert info["CgroupDriver"] == driver
    assert info["RegistryConfig"]["Mirrors"] == ["http://registry.local:5000/"]
    assert info["RegistryConfig"]["IndexConfigs"]["registry.local:5000"]["Secure"] is False
    assert bad_lines(log) == [], "\n".join(bad_lines(log))


# --- CNI plugins -----------------------------------------------------------------------------------------

CNI = {"bookworm": "1.1.1", "sid": "1.9.1"}


@pytest.mark.parametrize("suite_name", list(CNI), ids=lambda s: f"cni-plugins{CNI[s]}")
def test_cni_add_check_del_with_the_real_plugins(nodes, suite_name):
    node = nodes(suite_name)
    assert suite(suite_name).version("containernetworking-plugins").startswith(CNI[suite_name])
    result = ok({"runtime": "containerd", "cni_subnet": "10.77.0.0/24"})
    conflist = by_id(result)["cni-conflist"]
    plugins = install_binaries(node, "containernetworking-plugins") + "/usr/lib/cni"
    node.sh("command -v python3 >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null")
    node.write("/srv/cni/net.conflist", conflist.content)
    node.write("/srv/cni/runner.py", (HERE / "cni_runner.py").read_text())
    node.sh("ip netns del pod 2>/dev/null; ip netns add pod")
    run = f"python3 /srv/cni/runner.py /srv/cni/net.conflist {plugins} /var/run/netns/pod"
    added = json.loads(node.sh(f"{run} ADD").stdout)
    node.write("/srv/cni/result.json", json.dumps(added))
    ips = [ip["address"] for ip in added["ips"]]
    assert ips and all(ip.startswith("10.77.0.") for ip in ips), added
    assert "10.77.0." in node.sh("ip netns exec pod ip -4 addr show eth0").stdout
    assert "default via 10.77.0.1" in node.sh("ip netns exec pod ip -4 route").stdout
    assert "cni0" in node.sh("ip -br link").stdout
    node.sh(f"{run} CHECK /srv/cni/result.json")
    node.sh(f"{run} DEL /srv/cni/result.json")
    assert node.sh("ip netns exec pod ip link show eth0", check=False).returncode != 0  # the veth is gone
    leases = node.path("/var/lib/cni/networks/containerd-net")
    assert not [p for p in leases.iterdir() if p.name.startswith("10.77.")], list(leases.iterdir())
    node.sh("ip netns del pod")
