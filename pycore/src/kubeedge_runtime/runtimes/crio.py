"""CRI-O: one drop-in in /etc/crio/crio.conf.d (read after crio.conf, last file wins).

CRI-O defaults to the systemd cgroup manager in every supported version; with cgroupfs,
``conmon_cgroup`` must be ``pod`` (CRI-O refuses anything else).
"""

from __future__ import annotations

from .. import facts
from ..plan import ConfigFile, RuntimePlan, download
from ..selection import Selection

DROPIN = facts.CRIO.get("dropin_dir", "0") + "/99-kubeedge.conf"
REGISTRIES = "/etc/containers/registries.conf.d/99-kubeedge-mirror.conf"


def plan(sel: Selection) -> RuntimePlan:
    runtime: dict = {"cgroup_manager": sel.cgroup_driver}
    if sel.cgroup_driver == "cgroupfs":
        runtime["conmon_cgroup"] = "pod"
    data = {"crio": {"runtime": runtime, "image": {"pause_image": sel.sandbox_image}}}
    files = [ConfigFile("crio-dropin", DROPIN, "toml", data, "title.crio_dropin")]
    if sel.image_mirror:
        registries = {"registry": [{"prefix": "docker.io", "location": "docker.io",
                                    "mirror": [{"location": sel.image_mirror}]}]}
        files.append(ConfigFile("crio-registries", REGISTRIES, "toml", registries, "title.crio_registries"))
    version = sel.runtime_version
    p = RuntimePlan("cri-o", facts.CRIO.get("socket", version), ["crio"], files=files,
                    downloads=[download("cri-o", version, sel)],
                    script={"minor": ".".join(version.split(".")[:2])})
    p.checks = [
        {"kind": "socket", "endpoint": p.endpoint},
        {"kind": "crio-config", "needle": f'cgroup_manager = "{sel.cgroup_driver}"', "what": "cgroup_manager"},
        {"kind": "crio-config", "needle": f'pause_image = "{sel.sandbox_image}"', "what": "pause_image"},
    ]
    return p
