"""iSulad: keys merged into /etc/isulad/daemon.json.

CRI v1 must be switched on (KubeEdge >= 1.15), CNI keys set, the pause image set explicitly
(iSulad's own default is ``pause-<arch>:3.0``), and the CRI stream port moved off 10350, which
edged's read-only server uses. ``systemd-cgroup`` exists only from iSulad 2.1.6.
"""

from __future__ import annotations

from .. import facts
from ..plan import ConfigFile, RuntimePlan, cni_bin_dir, cni_download, cni_files
from ..selection import Selection

DAEMON_JSON = "/etc/isulad/daemon.json"


def daemon_json(sel: Selection) -> dict:
    version = sel.runtime_version
    data: dict = {
        "pod-sandbox-image": sel.sandbox_ref,
        "network-plugin": "cni",
        "cni-bin-dir": cni_bin_dir(sel),
        "cni-conf-dir": facts.CNI.get("conf_dir", "0"),
        "websocket-server-listening-port": int(sel.isulad_stream_port),
    }
    if facts.KUBEEDGE.has("cri_v1_required", sel.kubeedge_version) and facts.ISULAD.has("enable_cri_v1", version):
        data["enable-cri-v1"] = True
    if facts.ISULAD.has("systemd_cgroup", version):
        data["systemd-cgroup"] = sel.cgroup_driver == "systemd"
    # names without a registry (kubeedge/pause:3.6) resolve only through this list
    mirrors = list(facts.ISULAD.get("default_registry_mirrors", version))
    chosen = [sel.mirror_host] if sel.image_mirror else []
    data["registry-mirrors"] = chosen + [m for m in mirrors if m not in chosen]  # each once, the chosen first
    if sel.mirror_plain_http:
        data["insecure-registries"] = [sel.mirror_host.split("/", 1)[0]]
    return data


def plan(sel: Selection) -> RuntimePlan:
    files = [ConfigFile("isulad-daemon", DAEMON_JSON, "json", daemon_json(sel), "title.isulad_daemon",
                        apply="json-merge", service="isulad", comment=False)]
    files += cni_files(sel)
    p = RuntimePlan("isulad", facts.ISULAD.get("socket", "0"), ["isulad"], files=files,
                    packages={"openeuler": ["iSulad"]}, needs_cni=True, cni_bin_dir=cni_bin_dir(sel),
                    service_inputs={"isulad": ["/etc/isulad", "/etc/sysconfig/iSulad", "bin:isulad"]},
                    downloads=[cni_download(sel)])
    p.checks = [
        {"kind": "cri", "endpoint": p.endpoint, "name": ""},
        {"kind": "running-current", "unit": "isulad"},
        {"kind": "port-owner", "port": sel.isulad_stream_port, "owner": "isulad"},
        {"kind": "cni-plugins", "dir": p.cni_bin_dir},
    ]
    return p
