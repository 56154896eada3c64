"""Every caveat as a rule: a selection in, diagnostics with stable codes out.

Errors block generation and name the field to change. Warnings and infos accompany output that
already avoids the problem, saying why. Each rule asks the facts tables; the codes are listed in
``CODES`` (the troubleshooting page and the catalog parity test read it).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from packaging.version import Version

from . import facts
from .diagnostics import Diagnostic, error, info, warning
from .selection import DOCKERSHIM, FIELD_BY_KEY, Selection, qualified

Rule = Callable[[Selection], list[Diagnostic]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


def _ke(sel: Selection, key: str):
    return facts.KUBEEDGE.get(key, sel.kubeedge_version)


def _rv(sel: Selection) -> Version | None:
    if sel.runtime_version in ("", DOCKERSHIM):
        return None
    return Version(sel.runtime_version)


def _uses_containerd(sel: Selection) -> bool:
    return sel.runtime in ("containerd", "kata")


# --- platform ---------------------------------------------------------------------------------

@rule
def windows(sel: Selection) -> list[Diagnostic]:
    """Windows edge nodes: containerd only, amd64 only, edgecore >= 1.15, keadm join >= 1.16."""
    if not sel.windows:
        return []
    out = []
    if sel.runtime != "containerd":
        out.append(error("windows-runtime", "runtime", {"runtime": sel.runtime}))
    if sel.arch != "amd64":
        out.append(error("windows-arch", "arch", {"arch": sel.arch}))
    if not _ke(sel, "edgecore.windows"):
        out.append(error("windows-kubeedge-version", "kubeedge_version", {"min": facts.KUBEEDGE.bound("edgecore.windows")}))
    elif sel.install_method == "keadm" and not _ke(sel, "keadm.windows_join"):
        out.append(error("windows-keadm-version", "install_method", {"min": facts.KUBEEDGE.bound("keadm.windows_join")}))
    if not out:
        out.append(info("windows-no-cgroupdriver", None, {}))
    return out


@rule
def arch_support(sel: Selection) -> list[Diagnostic]:
    """Builds that do not exist for an architecture (release assets per runtime)."""
    if sel.arch != "arm" or sel.windows:
        return []
    if sel.runtime == "containerd":
        return [warning("containerd-arm-distro", "arch", {})]
    if sel.runtime in ("cri-o", "kata", "virtlet") or (sel.runtime == "docker" and sel.runtime_version != DOCKERSHIM):
        component = {"cri-o": "CRI-O", "kata": "Kata Containers", "virtlet": "Virtlet (vmruntime)",
                     "docker": "cri-dockerd"}[sel.runtime]
        return [error("arch-unsupported", "arch", {"component": component, "arch": sel.arch})]
    return []


# --- runtime versions -------------------------------------------------------------------------

@rule
def containerd_cri_v1(sel: Selection) -> list[Diagnostic]:
    """KubeEdge >= 1.15 speaks CRI v1 only; containerd < 1.6 cannot serve it (CHANGELOG-1.15)."""
    if _uses_containerd(sel) and _ke(sel, "cri_v1_required") and not facts.CONTAINERD.has(
            "cri_v1", sel.runtime_version):
        return [error("containerd-too-old", "runtime_version", {"version": sel.runtime_version, "min": facts.CONTAINERD.bound("cri_v1")})]
    return []


@rule
def cri_v1alpha2(sel: Selection) -> list[Diagnostic]:
    """KubeEdge v1.12 (keadm and the kubelet inside edgecore) speaks CRI v1alpha2 only, which
    containerd 2.0, CRI-O 1.26 and cri-dockerd 0.3.22 / 0.4.2 no longer serve."""
    if not _ke(sel, "cri_v1alpha2_only") or sel.runtime_version in ("", DOCKERSHIM):
        return []
    table = {"containerd": facts.CONTAINERD, "kata": facts.CONTAINERD, "cri-o": facts.CRIO,
             "docker": facts.CRI_DOCKERD}.get(sel.runtime)
    if table is not None and not table.has("cri_v1alpha2", sel.runtime_version):
        return [error("cri-v1alpha2-only", "runtime_version",
                      {"version": sel.kubeedge_version, "runtime": sel.runtime, "runtime_version": sel.runtime_version})]
    return []


@rule
def dockershim(sel: Selection) -> list[Diagnostic]:
    """dockershim left with v1.14: Docker needs cri-dockerd from then on (#4843, #5087)."""
    if sel.runtime != "docker":
        return []
    if sel.runtime_version == DOCKERSHIM:
        if not _ke(sel, "dockershim"):
            return [error("dockershim-removed", "runtime_version", {"version": sel.kubeedge_version})]
        return [warning("dockershim-deprecated", "runtime_version", {})]
    return [info("cri-dockerd-remote", None, {})]


@rule
def isulad(sel: Selection) -> list[Diagnostic]:
    """iSulad: CRI v1 build, systemd-cgroup only from 2.1.6, stream port vs edged 10350, known issues."""
    if sel.runtime != "isulad":
        return []
    out = []
    if sel.cgroup_driver == "systemd" and not facts.ISULAD.has("systemd_cgroup", sel.runtime_version):
        out.append(error("isulad-systemd-cgroup", "cgroup_driver", {"version": sel.runtime_version, "min": facts.ISULAD.bound("systemd_cgroup")}))
    port = int(sel.isulad_stream_port)
    reserved = {p: name for name, p in facts.PORTS.items()}
    low, high = facts.ISULAD.get("stream_port_range", sel.runtime_version)
    if not low <= port <= high:
        out.append(error("isulad-stream-port-range", "isulad_stream_port",
                         {"port": port, "min": low, "max": high, "version": sel.runtime_version}))
    elif port in reserved:
        out.append(error("isulad-stream-port", "isulad_stream_port", {"port": port}))
    if _ke(sel, "cri_v1_required"):
        out.append(warning("isulad-cri-v1-build", "runtime_version", {}))
    if sel.os != "openeuler":
        out.append(warning("isulad-not-packaged", "os", {"os": sel.os}))
    out.append(warning("isulad-exec-ws", None, {}))
    out.append(info("isulad-runc", None, {}))
    return out


@rule
def crio(sel: Selection) -> list[Diagnostic]:
    """CRI-O: version skew with vendored k8s; keadm pod-uid bug with CRI-O > 1.29.2 (#5955)."""
    if sel.runtime != "cri-o":
        return []
    out = []
    rv = _rv(sel)
    if sel.install_method == "keadm" and facts.CRIO.has("pod_uid_required", sel.runtime_version) and _ke(
            sel, "bug.keadm_crio_pod_uid"):
        fixed = facts.FIX_RELEASES["bug.keadm_crio_pod_uid"].get(sel.kubeedge_minor, "1.20.0")
        out.append(error("crio-pod-uid", "runtime_version",
                         {"version": sel.runtime_version, "kubeedge": sel.kubeedge_version, "fixed": fixed,
                          "max": facts.CRIO.bound("pod_uid_required")}))
    if _ke(sel, "bug.keadm_crio_namespace") and sel.install_method == "keadm":
        out.append(warning("crio-namespace", "kubeedge_version", {}))
    k8s = next(r.vendored_k8s for r in facts.KUBEEDGE_RELEASES if r.minor == sel.kubeedge_minor)
    if rv is not None and abs(rv.minor - Version(k8s).minor) > 1:
        out.append(warning("crio-version-skew", "runtime_version",
                           {"crio": f"{rv.major}.{rv.minor}", "k8s": k8s}))
    if sel.cgroup_driver == "cgroupfs":
        out.append(info("crio-conmon-pod", "cgroup_driver", {"default": facts.CRIO.get("default_cgroup_manager", "0")}))
    return out


@rule
def containerd_notes(sel: Selection) -> list[Diagnostic]:
    """containerd: CRI disabled in packaged configs; 1.x imports replace whole plugin tables;
    2.0.0-2.0.6 / 2.1.0-2.1.4 defaults lack SystemdCgroup (FACTS.md §4, §8.1)."""
    if not _uses_containerd(sel) or sel.windows:
        return []
    out = [info("containerd-cri-disabled", None, {})]
    if not facts.CONTAINERD.has("imports_deep_merge", sel.runtime_version):
        out.append(info("containerd-imports-replace", None, {"version": sel.runtime_version}))
    if facts.CONTAINERD.has("default_config_lacks_systemdcgroup", sel.runtime_version):
        out.append(warning("containerd-default-no-systemdcgroup", "runtime_version",
                           {"version": sel.runtime_version}))
    return out


@rule
def runtime_source(sel: Selection) -> list[Diagnostic]:
    """The distribution's containerd: which releases ship which minor (install.sh checks apt's candidate)."""
    if sel.runtime_source != "distro" or not FIELD_BY_KEY["runtime_source"].applies(sel):
        return []
    ships = [r for r in facts.DISTRO_RELEASES if r.package == "containerd"]
    known = ", ".join(f"{r.name}: {r.version}" for r in ships)
    out = [info("runtime-source-distro", "runtime_source", {"known": known})]
    minor = ".".join(sel.runtime_version.split(".")[:2])
    if sel.os == "debian" and not any(r.version.startswith(minor + ".") for r in ships):
        out.append(warning("runtime-source-distro-version", "runtime_version", {"minor": minor, "known": known}))
    return out


@rule
def kata(sel: Selection) -> list[Diagnostic]:
    """Kata: edged cannot resolve RuntimeClass objects (#4416, #7106); the untrusted annotation works."""
    if sel.runtime != "kata":
        return []
    out = [info("kata-multitenancy", None, {})]
    if sel.kata_mode == "runtimeclass" and not facts.KATA.get("runtimeclass_on_edge", "0"):
        out.append(warning("kata-runtimeclass-edge", "kata_mode", {}))
    return out


@rule
def virtlet(sel: Selection) -> list[Diagnostic]:
    """Virtlet: unmaintained, Docker-based setup script with a :latest staging image, endpoint unconfirmed."""
    if sel.runtime != "virtlet":
        return []
    return [warning("virtlet-unmaintained", "runtime", {}),
            warning("virtlet-endpoint", None, {"endpoint": facts.VIRTLET.get("socket", "0")})]


# --- cgroup driver ----------------------------------------------------------------------------

@rule
def cgroup(sel: Selection) -> list[Diagnostic]:
    """The driver is written on both sides; keadm v1.12.0-4 / 1.13.0-2 / 1.14.0-2 fail with systemd (#5063)."""
    if sel.windows:
        return []
    out = []
    if sel.cgroup_driver == "systemd" and sel.install_method == "keadm" and _ke(
            sel, "bug.keadm_systemd_copy_resources"):
        fixed = facts.FIX_RELEASES["bug.keadm_systemd_copy_resources"][sel.kubeedge_minor]
        out.append(error("keadm-systemd-bug", "kubeedge_version",
                         {"version": sel.kubeedge_version, "fixed": fixed}))
    out.append(info("cgroup-driver-both-sides", "cgroup_driver",
                    {"driver": sel.cgroup_driver, "default": _ke(sel, "default.cgroup_driver")}))
    if sel.runtime in ("docker", "virtlet"):
        out.append(info("docker-cgroup-default", "cgroup_driver", {
            "v1": facts.DOCKER.get("default_cgroup_driver.cgroup_v1", "0"),
            "v2": facts.DOCKER.get("default_cgroup_driver.cgroup_v2", "0"), "driver": sel.cgroup_driver}))
    return out


# --- images and mirrors -----------------------------------------------------------------------

def runtime_default_sandbox(sel: Selection) -> str:
    """The pause image the runtime would pull if its own setting were left alone."""
    if _uses_containerd(sel):
        return facts.CONTAINERD.get("default_sandbox_image", sel.runtime_version, "")
    if sel.runtime == "cri-o":
        return facts.CRIO.get("default_pause_image", sel.runtime_version, "")
    if sel.runtime == "docker" and sel.runtime_version != DOCKERSHIM:
        return facts.CRI_DOCKERD.get("default_pause_image", sel.runtime_version, "")
    if sel.runtime == "isulad":
        return facts.ISULAD.get("default_sandbox_image", sel.runtime_version, "")
    return ""


@rule
def images(sel: Selection) -> list[Diagnostic]:
    """The pause image the runtime uses is the runtime's own setting (#5358, #5943)."""
    if sel.runtime_version == DOCKERSHIM:  # the kubelet inside EdgeCore runs the sandboxes itself
        return [info("dockershim-sandbox", "sandbox_image", {"image": sel.sandbox_image})]
    out = [info("sandbox-image-runtime-key", "sandbox_image", {"image": sel.sandbox_ref})]  # as the key holds it
    default = runtime_default_sandbox(sel)
    if default and qualified(default) != sel.sandbox_ref:
        component = {"kata": "containerd", "docker": "cri-dockerd"}.get(sel.runtime, sel.runtime)
        out.append(info("runtime-default-sandbox", "sandbox_image",
                        {"runtime": component, "version": sel.runtime_version, "default": default,
                         "image": sel.sandbox_ref}))
    if sel.image_mirror and sel.install_method == "keadm" and not sel.windows:
        out.append(info("image-repository-scope", "image_mirror", {"mirror": sel.mirror_host}))
    if sel.mirror_plain_http:
        out.append(warning("image-mirror-plain-http", "image_mirror", {"mirror": sel.mirror_host}))
    edgecore_default = _ke(sel, "default.sandbox_image")
    if (sel.install_method == "keadm" and not sel.windows and not _ke(sel, "keadm.set.pod_sandbox_image")
            and qualified(edgecore_default) != sel.sandbox_ref):
        out.append(info("edgecore-pause-image-default", "sandbox_image",
                        {"version": sel.kubeedge_version, "edgecore": edgecore_default, "image": sel.sandbox_ref}))
    if sel.windows:  # whether kubeedge/pause has a Windows variant is unconfirmed (FACTS.md §8.3, #5158)
        out.append(warning("windows-sandbox-image", "sandbox_image", {"image": sel.sandbox_image}))
    return out


# --- keadm / edgecore -------------------------------------------------------------------------

@rule
def keadm(sel: Selection) -> list[Diagnostic]:
    """keadm join specifics: explicit --kubeedge-version, --set repeatability, hub protocol gate."""
    out = []
    if sel.install_method == "keadm":
        out.append(info("kubeedge-version-explicit", "kubeedge_version", {"version": sel.kubeedge_version}))
        if not sel.cloudcore:
            out.append(info("cloudcore-from-env", "cloudcore", {}))
        if _ke(sel, "keadm.default.with_mqtt"):
            out.append(info("keadm-with-mqtt", None, {"image": facts.KUBEEDGE.get(
                "mosquitto_image", sel.kubeedge_version, "eclipse-mosquitto")}))
        if sel.hub_protocol == "quic" and not _ke(sel, "keadm.flag.hub_protocol"):
            out.append(error("hub-protocol-version", "hub_protocol", {"min": facts.KUBEEDGE.bound("keadm.flag.hub_protocol")}))
        out.append(info("keadm-clean-dir", None, {}))
    else:
        layout = _ke(sel, "edged.layout")
        if layout == "tailored_with_deprecated":
            out.append(info("edged-deprecated-keys", None, {}))
        elif layout == "tailored":
            out.append(info("edged-old-keys-ignored", None, {}))
        if not sel.cloudcore:
            out.append(error("cloudcore-required", "cloudcore", {}))
        if not sel.token and sel.windows:
            out.append(error("token-required", "token", {}))
        elif not sel.token:
            out.append(info("token-from-env", "token", {}))
    if sel.cloudcore:
        port = int(sel.cloudcore.rsplit(":", 1)[1])
        expected = facts.PORTS["cloudhub_quic" if sel.hub_protocol == "quic" else "cloudhub_websocket"]
        if port != expected and port in facts.PORTS.values():
            out.append(warning("cloudcore-port", "cloudcore", {"port": port, "expected": expected,
                                                               "protocol": sel.hub_protocol}))
    if sel.token:
        out.append(warning("token-in-output", "token", {}))
    if not sel.windows:
        out.append(info("kubelet-must-not-run", None, {}))
    return out


@rule
def cni(sel: Selection) -> list[Diagnostic]:
    """CNI binaries and a conflist must exist before join for containerd, cri-dockerd, iSulad (#5394)."""
    if sel.windows or sel.runtime == "cri-o" or sel.runtime_version == DOCKERSHIM:
        return []
    return [info("cni-required", "cni_subnet", {"subnet": sel.cni_subnet, "arch": sel.arch})]


def evaluate(sel: Selection) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for r in RULES:
        out.extend(r(sel))
    return out


@rule
def network(sel: Selection) -> list[Diagnostic]:
    """The network choice: what a private network must name, what an offline node needs."""
    out = []
    if sel.network == "private":
        if not sel.image_mirror:
            out.append(error("network-private-registry", "image_mirror"))
        if not sel.download_mirror and not sel.windows:
            out.append(error("network-private-files", "download_mirror"))
    if sel.network == "offline" and not sel.windows:
        out.append(info("network-offline", "network"))
    return out


@rule
def memory_cgroup(sel: Selection) -> list[Diagnostic]:
    """Raspberry Pi kernels ship with the memory cgroup off (cgroup_disable=memory): pods then fail."""
    if sel.arch in ("arm64", "arm") and not sel.windows:
        return [info("memory-cgroup-arm", "arch")]
    return []


def runtime_version_conflicts(sel: Selection, candidate: str) -> str:
    """The first error code a candidate runtime version would raise (used to pick defaults)."""
    trial = replace(sel, runtime_version=candidate)
    for r in (containerd_cri_v1, cri_v1alpha2, dockershim, crio):
        for d in r(trial):
            if d.severity == "error" and d.field == "runtime_version":
                return d.code
    return ""


# Every code the core can emit, grouped as the codes page shows them (the parity tests read it).
CODE_GROUPS = [
    ("input", ["unknown-field", "field-not-applicable", "invalid-choice", "unknown-kubeedge-version",
               "unknown-runtime-version", "invalid.image", "invalid.registry", "invalid.url", "invalid.hostport",
               "invalid.node_name", "invalid.token", "invalid.labels", "invalid.cidr", "invalid.port"]),
    ("platform", ["windows-runtime", "windows-arch", "windows-kubeedge-version", "windows-keadm-version",
                  "windows-no-cgroupdriver", "containerd-arm-distro", "arch-unsupported", "memory-cgroup-arm"]),
    ("runtime", ["cri-v1alpha2-only", "containerd-too-old", "containerd-cri-disabled", "containerd-imports-replace",
                 "containerd-default-no-systemdcgroup", "runtime-source-distro", "runtime-source-distro-version",
                 "dockershim-removed", "dockershim-deprecated",
                 "cri-dockerd-remote", "crio-pod-uid", "crio-namespace", "crio-version-skew", "crio-conmon-pod",
                 "isulad-systemd-cgroup", "isulad-stream-port", "isulad-stream-port-range", "isulad-cri-v1-build", "isulad-not-packaged",
                 "isulad-exec-ws", "isulad-runc", "kata-multitenancy", "kata-runtimeclass-edge",
                 "virtlet-unmaintained", "virtlet-endpoint"]),
    ("cgroup", ["keadm-systemd-bug", "cgroup-driver-both-sides", "docker-cgroup-default"]),
    ("images", ["sandbox-image-runtime-key", "dockershim-sandbox", "runtime-default-sandbox", "image-repository-scope",
                "image-mirror-plain-http", "edgecore-pause-image-default", "windows-sandbox-image",
                "network-private-registry", "network-private-files", "network-offline"]),
    ("edgecore", ["kubeedge-version-explicit", "cloudcore-from-env", "keadm-with-mqtt", "hub-protocol-version",
                  "keadm-clean-dir", "edged-deprecated-keys", "edged-old-keys-ignored", "cloudcore-required",
                  "token-required", "token-from-env", "cloudcore-port", "token-in-output", "kubelet-must-not-run", "cni-required"]),
]
CODES = [code for _, codes in CODE_GROUPS for code in codes]
