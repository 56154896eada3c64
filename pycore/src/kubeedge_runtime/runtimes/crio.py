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
    data = {"crio": {"runtime": runtime, "image": {"pause_image": sel.sandbox_ref}}}
    files = [ConfigFile("crio-dropin", DROPIN, "toml", data, "title.crio_dropin", service="crio")]
    if sel.image_mirror:
        mirror: dict = {"location": sel.mirror_host}
        registries = {"registry": [{"prefix": "docker.io", "location": "docker.io", "mirror": [mirror]}]}
        if sel.mirror_plain_http:  # containers-registries.conf(5): insecure = true allows plain HTTP
            mirror["insecure"] = True
            registries["registry"].append({"location": sel.mirror_host.split("/", 1)[0], "insecure": True})
        files.append(ConfigFile("crio-registries", REGISTRIES, "toml", registries, "title.crio_registries",
                                service="crio"))
    version = sel.runtime_version
    p = RuntimePlan("cri-o", facts.CRIO.get("socket", version), ["crio"], files=files,
                    downloads=[download("cri-o", version, sel)],
                    service_inputs={"crio": ["/etc/crio", "/etc/containers/registries.conf.d",
                                             "/usr/local/lib/systemd/system/crio.service", "bin:crio"]},
                    script={"minor": ".".join(version.split(".")[:2])})
    ep = p.endpoint
    p.checks = [
        {"kind": "cri", "endpoint": ep, "name": "cri-o"},
        {"kind": "running-current", "unit": "crio"},
        # the configuration the running CRI-O serves on its socket (GET /config)
        {"kind": "crio-config", "endpoint": ep, "what": "cgroup_manager", "value": sel.cgroup_driver,
         "needle": f'cgroup_manager = "{sel.cgroup_driver}"'},
        {"kind": "crio-config", "endpoint": ep, "what": "pause_image", "value": sel.sandbox_ref,
         "needle": f'pause_image = "{sel.sandbox_ref}"'},
        {"kind": "cri-cgroup", "endpoint": ep, "driver": sel.cgroup_driver},
    ]
    return p
