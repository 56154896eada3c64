"""Virtlet: VM workloads next to a container runtime, set up the way KubeEdge's
hack/setup-vmruntime.sh does (privileged Docker containers from the Arktos vmruntime image).

Upstream edged talks to one CRI endpoint, and keadm join must run its own containers, so EdgeCore
keeps Docker + cri-dockerd as its runtime; the VM runtime runs beside it (virtlet listens on
/run/virtlet.sock). rules.py says plainly what is unmaintained and unconfirmed.
"""

from __future__ import annotations

from dataclasses import replace

from .. import facts
from ..plan import RuntimePlan, cni_download, cni_files
from ..rules import runtime_version_conflicts
from ..selection import Selection, apply_mirror, default_runtime_version
from . import docker

_SRC = "kubeedge/kubeedge@v1.23.1:hack/setup-vmruntime.sh"
HOST_DIRS = ["/usr/libexec/kubernetes/kubelet-plugins/volume/exec", "/etc/libvirt/qemu", "/var/lib/libvirt",
             "/var/log/libvirt", "/var/lib/virtlet/vms", "/var/log/virtlet/vms", "/var/run/libvirt",
             "/var/run/netns", "/var/lib/virtlet/volumes"]
_VIRTLET_DIR = "/var/lib/virtlet:/var/lib/virtlet:rshared"
# (name, entry script, log file, bind mounts "src:dst[:ro|:rshared]", passes VIRTLET_* env)
CONTAINERS = [
    ("vmruntime_prepare", "/prepare-node.sh", "/hostlog/virtlet/prepare-node.log",
     ["/dev:/dev", "/var/lib:/host-var-lib", "/run:/run",
      "/usr/libexec/kubernetes/kubelet-plugins/volume/exec:/kubelet-volume-plugins", _VIRTLET_DIR,
      "/var/log:/hostlog"], True),
    ("vmruntime_vms", "/vms.sh", "/var/log/virtlet/vms.log",
     ["/dev:/dev", "/lib/modules:/lib/modules:ro", "/var/lib/libvirt:/var/lib/libvirt", _VIRTLET_DIR,
      "/var/log/virtlet:/var/log/virtlet", "/var/log/virtlet/vms:/var/log/vms"], False),
    ("vmruntime_libvirt", "/libvirt.sh", "/var/log/virtlet/libvirt.log",
     ["/boot:/boot:ro", "/dev:/dev", "/var/lib:/var/lib", "/etc/libvirt/qemu:/etc/libvirt/qemu",
      "/lib/modules:/lib/modules:ro", "/run:/run", "/sys/fs/cgroup:/sys/fs/cgroup",
      "/var/lib/libvirt:/var/lib/libvirt", _VIRTLET_DIR, "/var/log/virtlet:/var/log/virtlet",
      "/var/log/libvirt:/var/log/libvirt", "/var/log/virtlet/vms:/var/log/vms",
      "/var/run/libvirt:/var/run/libvirt"], False),
    ("vmruntime_virtlet", "/start.sh", "/var/log/virtlet/virtlet.log",
     ["/etc/cni/net.d:/etc/cni/net.d", "/opt/cni/bin:/opt/cni/bin", "/boot:/boot:ro", "/dev:/dev",
      "/var/lib:/var/lib", "/etc/libvirt/qemu:/etc/libvirt/qemu", "/lib/modules:/lib/modules:ro", "/run:/run",
      "/sys/fs/cgroup:/sys/fs/cgroup",
      "/usr/libexec/kubernetes/kubelet-plugins/volume/exec:/kubelet-volume-plugins",
      "/var/lib/libvirt:/var/lib/libvirt", _VIRTLET_DIR, "/var/log:/var/log", "/var/log/virtlet:/var/log/virtlet",
      "/var/log/virtlet/vms:/var/log/vms", "/var/run/libvirt:/var/run/libvirt",
      "/var/run/netns:/var/run/netns:rshared"], True),
]


def plan(sel: Selection) -> RuntimePlan:
    docker_sel = replace(sel, runtime="docker")
    # the container side is the Docker setup this KubeEdge version would get (dockershim on v1.12)
    docker_sel = replace(docker_sel, runtime_version=default_runtime_version(docker_sel, runtime_version_conflicts))
    p = docker.plan(docker_sel)
    p.runtime = "virtlet"
    if not p.needs_cni:  # the VM runtime mounts /opt/cni/bin and /etc/cni/net.d in any case
        p.needs_cni = True
        p.files += cni_files(sel)
        p.downloads.append(cni_download(sel))
    p.script["virtlet"] = {
        "image": apply_mirror(facts.VIRTLET.get("image", "0"), sel.image_mirror),
        "host_dirs": HOST_DIRS,
        "containers": [
            {"name": n, "script": s, "log": log, "mounts": [_mount(m) for m in mounts], "env": env}
            for n, s, log, mounts, env in CONTAINERS
        ],
        "source": _SRC,
    }
    p.checks.append({"kind": "socket", "endpoint": facts.VIRTLET.get("socket", "0"), "after": "vmruntime.sh start"})
    return p


def _mount(spec: str) -> str:
    parts = spec.split(":")
    out = f"type=bind,src={parts[0]},dst={parts[1]}"
    if len(parts) > 2:
        out += ",readonly" if parts[2] == "ro" else f",bind-propagation={parts[2]}"
    return out
