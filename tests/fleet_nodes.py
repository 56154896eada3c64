"""A fleet for the tests and the bench: three booted Debian nodes (tests/node.py) on host-only veth
links, each running Debian's sshd with a test key and python3, its own apt mirror and release-file
mirror on 127.0.0.1 inside it, and the playbook from `kubeedge-runtime fleet init` run against them
over SSH by ansible-playbook (ansible-core from PyPI, builtin modules only).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

import releases
from node import Node, host_problem, suite

VENV_BIN = Path(sys.executable).parent
RELEASE_PORT = 8080
MIRROR = f"http://127.0.0.1:{RELEASE_PORT}"
REMOTE = "/opt/kubeedge-runtime"
# what the playbook may touch on a node; runtime state (/var/lib/containerd, /run) is left out
WATCHED = ["/etc/containerd", "/etc/cni", "/etc/docker", "/etc/systemd/system", "/usr/local", "/opt",
           "/etc/kubeedge", "/var/lib/kubeedge-runtime"]
# three nodes, three selections (the test and the bench): inventory name -> (suite, kubeedge_* variables)
HOSTS: dict[str, tuple[str, dict]] = {
    "edge-bookworm": ("bookworm", {"kubeedge_runtime": "containerd", "kubeedge_runtime_version": "1.6",
                                   "kubeedge_runtime_source": "distro", "kubeedge_cgroup_driver": "cgroupfs",
                                   "kubeedge_sandbox_image": "registry.local:5000/pause:3.9"}),
    "edge-trixie": ("trixie", {"kubeedge_version": "1.13", "kubeedge_runtime": "docker",
                               "kubeedge_runtime_version": "dockershim"}),
    "edge-sid": ("sid", {"kubeedge_runtime": "containerd", "kubeedge_runtime_version": "2.1",
                         "kubeedge_labels": "site=lab,tier=edge"}),
}
RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def problem() -> str | None:
    """Why the fleet cannot run here, or None."""
    found = host_problem()
    if found:
        return found
    for tool, what in ((str(VENV_BIN / "ansible-playbook"), "ansible-core (pip install -r requirements-dev.txt)"),
                       ("ssh", "openssh-client"), ("ssh-keygen", "openssh-client"), ("ip", "iproute2")):
        if not shutil.which(tool):
            return f"{tool} is missing ({what})"
    return None


def free_subnet() -> int:
    """A /30 in 198.18.0.0/15 (RFC 2544, for tests) that no interface of this host has."""
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    while True:
        n = random.randrange(1, 1 << 15) * 4
        if f"198.{18 + (n >> 16)}.{(n >> 8) & 255}.{(n & 255) + 1}/" not in used:
            return n


def address(n: int, k: int) -> str:
    n += k
    return f"198.{18 + (n >> 16)}.{(n >> 8) & 255}.{n & 255}"


class Fleet:
    """``hosts``: inventory name -> (Debian suite, the selection as kubeedge_* variables)."""

    def __init__(self, work: Path, hosts: dict[str, tuple[str, dict]]):
        self.work = work
        self.hosts = hosts
        self.nodes: dict[str, Node] = {}
        self.addr: dict[str, str] = {}
        self.token = "fleet" + os.urandom(6).hex() + ".t0k3n"
        self.dir = work / "ansible"
        self.plays = 0  # each play's output is kept in work/play-<n>.log

    # --- nodes -----------------------------------------------------------------------------------------
    def boot(self, extra_selections: dict[str, list[dict]] | None = None) -> None:
        """Boot every node in parallel; ``extra_selections``: more selections per host whose release
        files its mirror serves too (for later runs with other host_vars)."""
        key = self.work / "id_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        suites = {s: suite(s) for s in {s for s, _ in self.hosts.values()} | set(releases.CONTAINERD_SUITE.values())}
        errors: list[BaseException] = []

        def one(name: str) -> None:
            try:
                self._boot_one(name, suites, (extra_selections or {}).get(name, []))
            except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=one, args=(n,)) for n in self.hosts]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        if errors:
            raise errors[0]

    def _boot_one(self, name: str, suites: dict, extra: list[dict]) -> None:
        suite_name, hostvars = self.hosts[name]
        node = Node(suite_name, self.work / name, network="veth")
        self.nodes[name] = node
        node.boot()
        n = free_subnet()
        node.link(address(n, 1), address(n, 2))
        self.addr[name] = address(n, 2)
        mirror = self.work / f"mirror-{name}"
        for vars_ in [hostvars, *extra]:
            raw = {"os": "debian", "download_mirror": MIRROR,
                   **{k.removeprefix("kubeedge_") if k != "kubeedge_version" else k: v for k, v in vars_.items()}}
            minor = ".".join(str(raw.get("runtime_version", "2.1")).split(".")[:2])
            used = {"node": suites[suite_name]}
            if minor in releases.CONTAINERD_SUITE:
                used[minor] = suites[releases.CONTAINERD_SUITE[minor]]
            releases.build_mirror(mirror, raw, used)
        node.use_local_apt()
        node.sh("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server python3 >/dev/null")
        node.write("/root/.ssh/authorized_keys", (self.work / "id_ed25519.pub").read_text(), 0o600)
        node.sh("chmod 700 /root/.ssh && systemctl restart ssh")
        node.serve(mirror, RELEASE_PORT)

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop()

    def snapshot(self, name: str) -> dict[str, str]:
        node = self.nodes[name]
        files = node.snapshot(*WATCHED)
        files["packages"] = node.sh("dpkg-query -W -f '${Package} ${Version}\\n' | sort").stdout
        return files

    # --- the operator's side -----------------------------------------------------------------------------
    def init(self) -> None:
        res = subprocess.run([str(VENV_BIN / "kubeedge-runtime"), "fleet", "init", str(self.dir)],
                             capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        shutil.rmtree(self.dir / "inventory")  # the example; the test writes its own inventory
        self.write_inventory()

    def write_inventory(self, changes: dict[str, dict] | None = None) -> Path:
        """hosts.yml with the connection, group_vars/all.yml with what every node shares, and
        host_vars/<host>.yml with each host's selection (updated by ``changes``)."""
        inv = self.dir / "inventory"
        hosts = {name: {"ansible_host": self.addr.get(name, "198.18.0.2")} for name in self.hosts}
        common = {"ansible_user": "root", "ansible_ssh_private_key_file": str(self.work / "id_ed25519"),
                  "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"}
        (inv / "group_vars").mkdir(parents=True, exist_ok=True)
        (inv / "host_vars").mkdir(parents=True, exist_ok=True)
        (inv / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {"edge": {"hosts": hosts}},
                                                               "vars": common}}))
        (inv / "group_vars" / "all.yml").write_text(yaml.safe_dump({
            "kubeedge_os": "debian", "kubeedge_download_mirror": MIRROR, "kubeedge_cloudcore": "192.0.2.10:10000"}))
        for name, (_, hostvars) in self.hosts.items():
            merged = {**hostvars, **(changes or {}).get(name, {})}
            (inv / "host_vars" / f"{name}.yml").write_text(yaml.safe_dump(merged))
        return inv / "hosts.yml"

    def env(self) -> dict[str, str]:
        home = self.work / "ansible-home"
        return {"PATH": f"{VENV_BIN}:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(self.work),
                "ANSIBLE_CONFIG": str(self.dir / "ansible.cfg"), "ANSIBLE_HOME": str(home),
                "ANSIBLE_LOCAL_TEMP": str(home / "tmp"), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
                "KUBEEDGE_TOKEN": self.token, "LANG": "C.UTF-8"}

    def play(self, *args: str, timeout: float = 900) -> "Play":
        start = time.monotonic()
        res = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", "inventory/hosts.yml", "playbook.yml", *args],
                             cwd=self.dir, env=self.env(), capture_output=True, text=True, timeout=timeout)
        self.plays += 1
        (self.work / f"play-{self.plays}.log").write_text(f"$ ansible-playbook {' '.join(args)}\n{res.stdout}{res.stderr}")
        return Play(res, time.monotonic() - start)

    def fleet_check(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(VENV_BIN / "kubeedge-runtime"), "fleet", "check", "-i", "inventory/hosts.yml", *args],
                              cwd=self.dir, env=self.env(), capture_output=True, text=True)


class Play:
    def __init__(self, res: subprocess.CompletedProcess, seconds: float):
        self.rc = res.returncode
        self.out = res.stdout + res.stderr
        self.seconds = seconds
        self.recap = {m.group(1): {"ok": int(m.group(2)), "changed": int(m.group(3)), "unreachable": int(m.group(4)),
                                   "failed": int(m.group(5))} for m in RECAP.finditer(res.stdout)}

    def __str__(self) -> str:
        return f"ansible-playbook exit {self.rc} after {self.seconds:.0f}s:\n{self.out[-8000:]}"
