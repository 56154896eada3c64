"""The structured plan a runtime module returns: files as data, downloads, services, checks.

Nothing here is text yet; ``artifacts.py`` serialises files with their libraries and renders the
scripts from the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import facts
from .selection import Selection


@dataclass
class ConfigFile:
    id: str
    path: str  # where the file goes on the node (absolute; Windows paths start with C:/)
    fmt: str  # toml | json | yaml | ini | text
    data: Any
    title: str  # catalog key
    # how install.sh applies it: "write" (own file), "json-merge" (merge keys into the user's file),
    # "containerd-dropin" / "containerd-main" (see templates/runtime_containerd.sh.j2)
    apply: str = "write"
    mode: str = "0644"
    comment: bool = True  # add the provenance header comment (formats that allow comments)
    artifact: bool = True  # False: only embedded in install.sh (e.g. an alternative form of a file)


@dataclass
class ResolvedDownload:
    key: str  # facts.DOWNLOADS key
    name: str
    version: str
    url: str
    checksum_url: str
    checksum: str
    installs: str = ""


@dataclass
class RuntimePlan:
    runtime: str
    endpoint: str
    services: list[str]  # systemd units restarted (in order) when their config changed
    files: list[ConfigFile] = field(default_factory=list)
    manifests: list[ConfigFile] = field(default_factory=list)
    downloads: list[ResolvedDownload] = field(default_factory=list)
    packages: dict[str, list[str]] = field(default_factory=dict)  # family -> package names
    needs_cni: bool = False
    script: dict[str, Any] = field(default_factory=dict)  # runtime-specific values for the templates
    checks: list[dict[str, str]] = field(default_factory=list)  # verify.sh checks: {kind, ...}


def set_path(tree: dict, path: tuple[str, ...], value: Any) -> None:
    node = tree
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def download(key: str, version: str, sel: Selection) -> ResolvedDownload:
    d = facts.DOWNLOADS[key]
    arch = facts.ARCH_NAMES.get(key, {}).get(sel.arch, sel.arch)
    url = d.url.format(version=version, arch=arch)
    checksum_url = d.checksum_url.format(version=version, arch=arch) if d.checksum_url else ""
    if sel.download_mirror:
        url = mirror_url(url, sel.download_mirror)
        checksum_url = mirror_url(checksum_url, sel.download_mirror) if checksum_url else ""
    return ResolvedDownload(key, d.name, version, url, checksum_url, d.checksum, d.installs)


def mirror_url(url: str, mirror: str) -> str:
    """GitHub downloads go through the mirror (a prefix proxy or a copy of the same paths)."""
    if url.startswith(facts.GITHUB + "/"):
        return mirror + url[len(facts.GITHUB):]
    return url


def cni_files(sel: Selection) -> list[ConfigFile]:
    """The bridge conflist KubeEdge's own helper writes (hack/lib/install.sh, v1.15+), with the chosen subnet."""
    conflist = {
        "cniVersion": facts.CNI.get("cni_version", "0"),
        "name": facts.CNI.get("network_name", "0"),
        "plugins": [
            {
                "type": "bridge",
                "bridge": "cni0",
                "isGateway": True,
                "ipMasq": True,
                "promiscMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": sel.cni_subnet}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    path = facts.CNI.get("conf_dir", "0") + "/" + facts.CNI.get("conflist_name", "0")
    return [ConfigFile("cni-conflist", path, "json", conflist, "title.cni_conflist", apply="write-if-absent")]


def cni_download(sel: Selection) -> ResolvedDownload:
    return download("cni", facts.CNI.get("plugins_version", "0"), sel)
