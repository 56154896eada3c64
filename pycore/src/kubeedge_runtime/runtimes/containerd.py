"""containerd: a drop-in under /etc/containerd/conf.d (config version 2 for 1.x, 3 for 2.x).

The drop-in is preferred so the user's config.toml is kept; ``config.toml`` is the complete file
for a node without one. Keys come from ``facts.CONTAINERD_KEYS`` for the file's version.
"""

from __future__ import annotations

from .. import facts
from ..plan import (ConfigFile, RuntimePlan, cni_bin_dir, cni_download, cni_files, download, set_path,
                    uses_distro_runtime)
from ..selection import Selection

DROPIN_DIR = "/etc/containerd/conf.d"
DROPIN = DROPIN_DIR + "/99-kubeedge.toml"
MAIN = "/etc/containerd/config.toml"
CERTS_DIR = "/etc/containerd/certs.d"
WINDOWS_MAIN = "C:/Program Files/containerd/config.toml"


def settings(sel: Selection, extra_runtimes: dict | None = None, version: int | None = None) -> dict:
    """The CRI settings for this selection, as the nested tables of the chosen config version."""
    version = version or facts.CONTAINERD.get("config_version", sel.runtime_version)
    keys = facts.CONTAINERD_KEYS[version]
    tree: dict = {"version": version}
    set_path(tree, keys["sandbox_image"], sel.sandbox_ref)
    if not sel.windows:
        # runtime_type must be repeated: in 1.x an imported table replaces the default runc entry.
        set_path(tree, keys["runc_runtime_type"], facts.CONTAINERD.get("runc_runtime_type", sel.runtime_version))
        set_path(tree, keys["systemd_cgroup"], sel.cgroup_driver == "systemd")
        # always explicit: Debian's packaged config.toml points bin_dir at /usr/lib/cni
        if version >= 3 and facts.CONTAINERD.has("cni_bin_dirs", sel.runtime_version):
            set_path(tree, keys["cni_bin_dirs"], [cni_bin_dir(sel)])
        else:
            set_path(tree, keys["cni_bin_dir"], cni_bin_dir(sel))
        set_path(tree, keys["cni_conf_dir"], facts.CNI.get("conf_dir", "0"))
    if sel.image_mirror and not sel.windows:
        set_path(tree, keys["registry_config_path"], CERTS_DIR)
    for name, table in (extra_runtimes or {}).items():
        set_path(tree, keys["runtimes"] + (name,), table)
    return tree


def main_file(version: int) -> dict:
    """The main config.toml for a node without one: only the version and the drop-in import."""
    return {"version": version, "imports": [DROPIN_DIR + "/*.toml"]}


def hosts_toml(sel: Selection) -> list[ConfigFile]:
    """Pull docker.io images through the mirror, falling back to Docker Hub (containerd docs/hosts.md);
    a plain-HTTP mirror also gets a hosts.toml of its own, for the images named after it (the sandbox
    image, keadm's --image-repository)."""
    scheme = "http" if sel.mirror_plain_http else "https"
    data = {
        "server": "https://registry-1.docker.io",
        "host": {f"{scheme}://{sel.mirror_host}": {"capabilities": ["pull", "resolve"]}},
    }
    files = [ConfigFile("containerd-hosts", CERTS_DIR + "/docker.io/hosts.toml", "toml", data,
                        "title.containerd_hosts", service="containerd")]
    if sel.mirror_plain_http:
        host = sel.mirror_host.split("/", 1)[0]
        files.append(ConfigFile("containerd-hosts-mirror", f"{CERTS_DIR}/{host}/hosts.toml", "toml",
                                {"server": f"http://{host}"}, "title.containerd_hosts", service="containerd"))
    return files


def flatten(tree: dict, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str, object]]:
    """(table path, key, value) for every scalar below ``plugins`` (install.sh edits 1.x files in place)."""
    out = []
    for key, value in tree.items():
        if isinstance(value, dict):
            out.extend(flatten(value, prefix + (key,)))
        elif prefix:
            out.append((prefix, key, value))
    return out


def table_header(path: tuple[str, ...]) -> str:
    return ".".join(p if p.replace("_", "").isalnum() else f'"{p}"' for p in path)


def base_plan(sel: Selection, name: str, tree: dict, lower: dict[int, dict] | None = None) -> RuntimePlan:
    """``lower``: the same settings in each older config version a node's main file may still have
    (containerd refuses a drop-in of a higher version than its main file, 2.3.0-2.3.4)."""
    version = sel.runtime_version
    if sel.windows:
        files = [ConfigFile("containerd-config", WINDOWS_MAIN, "toml", tree, "title.containerd_windows")]
        return RuntimePlan(name, facts.CONTAINERD.get("socket.windows", version), ["containerd"], files=files,
                           script={"config_version": tree["version"]})
    files = [
        ConfigFile("containerd-dropin", DROPIN, "toml", tree, "title.containerd_dropin", apply="containerd-dropin",
                   service="containerd"),
        ConfigFile("containerd-config", MAIN, "toml", {**main_file(tree["version"])}, "title.containerd_main",
                   apply="containerd-main", service="containerd"),
    ]
    for version_n, form in (lower or {}).items():
        files.append(ConfigFile(f"containerd-dropin-v{version_n}", DROPIN, "toml", form, "title.containerd_dropin",
                                apply=f"containerd-dropin-v{version_n}", service="containerd", artifact=False))
    if sel.image_mirror:
        files.extend(hosts_toml(sel))
    files.extend(cni_files(sel))
    distro = uses_distro_runtime(sel)
    downloads = [] if distro else [cni_download(sel)]
    if not distro and sel.arch in facts.DOWNLOADS["containerd"].arches:
        downloads.insert(0, download("containerd", version, sel))
        downloads.insert(1, download("runc", facts.RUNC_VERSION, sel))
    packages = {"apt": ["containerd"], "dnf": ["containerd"]}
    if distro:
        packages = {"apt": facts.DISTRO.get("apt.packages.containerd", "0")}
    plan = RuntimePlan(
        name, facts.CONTAINERD.get("socket", version), ["containerd"], files=files, downloads=downloads,
        packages=packages, needs_cni=True, cni_bin_dir=cni_bin_dir(sel),
        service_inputs={"containerd": ["/etc/containerd", UNIT_PATH, "/lib/systemd/system/containerd.service",
                                       "/usr/lib/systemd/system/containerd.service", "bin:containerd"]},
        script={
            "config_version": tree["version"],
            "deep_merge": facts.CONTAINERD.has("imports_deep_merge", version),
            "dropin_version_gate": facts.CONTAINERD.has("dropin_version_gate", version),
            "cri_plugin": facts.CONTAINERD_KEYS[tree["version"]]["cri_plugin"],
            "minor": ".".join(version.split(".")[:2]),
            "inplace": [(table_header(t), k, v) for t, k, v in flatten(tree)],
            "distro": distro,
        },
    )
    plan.checks = running_checks(sel, plan)
    return plan


def running_checks(sel: Selection, plan: RuntimePlan) -> list[dict]:
    """What verify.sh asks the running containerd (its CRI socket), not the files on disk."""
    version, ep = sel.runtime_version, plan.endpoint
    systemd = "true" if sel.cgroup_driver == "systemd" else "false"
    cni_key = ('"binDirs":["{}"]' if facts.CONTAINERD.has("cni_bin_dirs", version) else '"binDir":"{}"')
    checks: list[dict] = [
        {"kind": "cri", "endpoint": ep, "name": "containerd"},
        {"kind": "containerd-plugins", "endpoint": ep},
        {"kind": "running-current", "unit": "containerd"},
        {"kind": "cri-status", "endpoint": ep, "what": "SystemdCgroup", "value": systemd,
         "needle": f'"SystemdCgroup":{systemd}'},
        {"kind": "cri-status", "endpoint": ep, "what": "CNI bin dir", "value": plan.cni_bin_dir,
         "needle": cni_key.format(plan.cni_bin_dir)},
        {"kind": "cni-plugins", "dir": plan.cni_bin_dir},
        {"kind": "cri-condition", "endpoint": ep, "condition": "NetworkReady"},
    ]
    if facts.CONTAINERD.has("status.sandbox_image", version):
        checks.append({"kind": "cri-status", "endpoint": ep, "what": "sandbox image", "value": sel.sandbox_ref,
                       "needle": f'"sandboxImage":"{sel.sandbox_ref}"'})
    else:  # not reported by 2.x: the files, read by a daemon started after they were written
        checks.append({"kind": "containerd-dump", "what": "sandbox image", "value": sel.sandbox_ref,
                       "needle": f"sandbox = '{sel.sandbox_ref}'"})
    if facts.CONTAINERD.has("cri.runtime_config", version):
        checks.append({"kind": "cri-cgroup", "endpoint": ep, "driver": sel.cgroup_driver})
    if facts.CONTAINERD.has("status.deprecation_condition", version):
        checks.append({"kind": "cri-condition", "endpoint": ep, "condition": "ContainerdHasNoDeprecationWarnings"})
    return checks


def plan(sel: Selection) -> RuntimePlan:
    return base_plan(sel, "containerd", settings(sel), lower_forms(sel))


def lower_forms(sel: Selection, **kwargs) -> dict[int, dict]:
    """The drop-in in every config version from 2 up to (not including) this containerd's own."""
    if sel.windows:
        return {}
    current = facts.CONTAINERD.get("config_version", sel.runtime_version)
    return {n: settings(sel, version=n, **kwargs) for n in range(2, current)}


UNIT_PATH = "/etc/systemd/system/containerd.service"
UNIT = {
    "Unit": {"Description": "containerd container runtime", "Documentation": "https://containerd.io",
             "After": "network.target dbus.service"},
    "Service": {"ExecStartPre": "-/sbin/modprobe overlay", "ExecStart": "/usr/local/bin/containerd",
                "Type": "notify", "Delegate": "yes", "KillMode": "process", "Restart": "always",
                "RestartSec": "5", "LimitNPROC": "infinity", "LimitCORE": "infinity", "TasksMax": "infinity",
                "OOMScoreAdjust": "-999"},
    "Install": {"WantedBy": "multi-user.target"},
}  # containerd/containerd@v2.3.4:containerd.service
