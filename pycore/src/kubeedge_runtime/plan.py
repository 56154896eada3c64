"""The structured plan a runtime module returns: files as data, downloads, services, checks.

Nothing here is text yet; ``artifacts.py`` serialises files with their libraries and renders the
scripts from the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import facts
from .selection import HOST_PREFIX_SUFFIX, PROXY_SUFFIX, Selection


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
    service: str = ""  # the systemd unit that reads this file at start ("" none: read on use)
    comment: bool = True  # add the provenance header comment (formats that allow comments)
    notes: tuple[str, ...] = ()  # catalog keys of comment lines after the header: why a key is there
    artifact: bool = True  # False: only embedded in install.sh (e.g. an alternative form of a file)


@dataclass
class ResolvedDownload:
    key: str  # facts.DOWNLOADS key
    name: str
    version: str
    upstream: str  # the release file's own URL (install.sh applies the mirror to it at run time)
    checksum_upstream: str  # "" when upstream publishes no checksum
    checksum: str
    installs: str = ""
    mirror: str = ""

    @property
    def url(self) -> str:
        """Where the file is fetched from with the selection's download mirror."""
        return mirror_url(self.upstream, self.mirror)

    @property
    def checksum_url(self) -> str:
        return mirror_url(self.checksum_upstream, self.mirror) if self.checksum_upstream else ""

    @property
    def file(self) -> str:
        return self.upstream.rsplit("/", 1)[1]

    @property
    def checksum_file(self) -> str:
        return self.checksum_upstream.rsplit("/", 1)[1] if self.checksum_upstream else ""


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
    cni_bin_dir: str = ""  # where the CNI plugins are (the release's /opt/cni/bin, or the distro's)
    # the paths each unit reads when it starts (files or directories; "bin:NAME" the program NAME):
    # a unit is restarted when their content differs from what it was last started with
    service_inputs: dict[str, list[str]] = field(default_factory=dict)
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
    return ResolvedDownload(key, d.name, version, url, checksum_url, d.checksum, d.installs, sel.download_mirror)


def edge_download(sel: Selection) -> ResolvedDownload:
    """keadm, or the KubeEdge release (edgecore inside) for a binary install."""
    return download("keadm" if sel.install_method == "keadm" else "edgecore", sel.kubeedge_version, sel)


def fetch_downloads(plan: RuntimePlan, sel: Selection) -> list[ResolvedDownload]:
    """Every release file install.sh may download for this selection (and a bundle carries)."""
    return plan.downloads + [edge_download(sel)]


def mirror_url(url: str, mirror: str) -> str:
    """Every download through the mirror, in one of three forms: a prefix proxy
    (``https://proxy/https://github.com``: the whole URL after the proxy), a mirror of many hosts
    (``https://files.example/github.com``: the URL without its scheme below it) or a copy of the same
    paths (``https://files.example/base``: the URL's path below it). install.sh's ``mirrored`` does the same."""
    if not mirror:
        return url
    if mirror.endswith(PROXY_SUFFIX):
        return mirror[:-len(PROXY_SUFFIX)] + "/" + url
    if mirror.endswith(HOST_PREFIX_SUFFIX):
        return mirror[:-len(HOST_PREFIX_SUFFIX)] + "/" + url.split("://", 1)[1]
    return mirror + "/" + url.split("://", 1)[1].split("/", 1)[1]


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
    return [ConfigFile("cni-conflist", path, "json", conflist, "title.cni_conflist", apply="cni-network")]


def cni_bin_dir(sel: Selection) -> str:
    """Release plugins go to /opt/cni/bin; a distro's containernetworking-plugins package has its own."""
    if uses_distro_runtime(sel):
        return facts.DISTRO.get(f"{sel.family}.cni_bin_dir", "0")
    return facts.CNI.get("bin_dir", "0")


def uses_distro_runtime(sel: Selection) -> bool:
    return sel.runtime_source == "distro"


def cni_download(sel: Selection) -> ResolvedDownload:
    return download("cni", facts.CNI.get("plugins_version", "0"), sel)
