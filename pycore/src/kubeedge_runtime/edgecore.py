"""The EdgeCore side: the ``keadm join`` command, or a minimal edgecore.yaml for binary installs.

edgecore loads its defaults and lays the YAML file over them (non-strict), so a file holding only
the keys that matter here is complete -- and a key in the wrong place is silently ignored, which is
why the key layout per version comes from the facts table and is tested against FACTS.md.
"""

from __future__ import annotations

import shlex

from . import facts
from .plan import RuntimePlan
from .selection import Selection

EDGECORE_YAML = "/etc/kubeedge/config/edgecore.yaml"
EDGECORE_YAML_WINDOWS = "C:/etc/kubeedge/config/edgecore.yaml"


def _ke(sel: Selection, key: str):
    return facts.KUBEEDGE.get(key, sel.kubeedge_version)


def cloud_host(sel: Selection) -> str:
    host = sel.cloudcore.rsplit(":", 1)[0]
    return host


def keadm_args(sel: Selection, plan: RuntimePlan) -> list[tuple[str, str | None]]:
    """keadm join flags as (flag, value) pairs; value None means "from the environment".

    The cloudcore address and the token are read from CLOUDCORE_ADDRESS / KUBEEDGE_TOKEN when the
    selection has none, so a shared command or permalink never carries a secret.
    """
    args: list[tuple[str, str | None]] = [
        ("--cloudcore-ipport", sel.cloudcore or None),
        ("--kubeedge-version", "v" + sel.kubeedge_version),
        ("--remote-runtime-endpoint", plan.endpoint),
    ]
    if _ke(sel, "keadm.flag.runtimetype"):
        args.append(("--runtimetype", "docker" if plan.script.get("dockershim") else "remote"))
    if not sel.windows:
        args.append(("--cgroupdriver", sel.cgroup_driver))
    args.append(("--token", sel.token or None))
    if sel.node_name:
        args.append(("--edgenode-name", sel.node_name))
    if sel.labels:
        args.append(("--labels", sel.labels))
    if sel.image_mirror and not sel.windows:
        args.append(("--image-repository", f"{sel.mirror_host}/kubeedge"))
    if sel.hub_protocol != "websocket":
        args.append(("--hub-protocol", sel.hub_protocol))
    set_path = _ke(sel, "keadm.set.pod_sandbox_image")
    if set_path and not sel.windows:  # EdgeCore's own setting, so image GC keeps the image the runtime uses
        args.append(("--set", f"{set_path}={sel.sandbox_ref}"))
    return args


def upgrade_endpoint_fix(sel: Selection, plan: RuntimePlan) -> bool:
    """keadm upgrade of 1.16-1.17 reads the deprecated endpoint key, which keadm join leaves at
    containerd's socket: on another runtime it must say the same as the key edged reads."""
    return bool(_ke(sel, "keadm.upgrade_reads_deprecated_endpoint")) and \
        plan.endpoint != _ke(sel, "default.runtime_endpoint")


def notes(sel: Selection) -> tuple[str, ...]:
    """Comment lines of edgecore.yaml that say why a key is there."""
    out = []
    if _ke(sel, "keadm.upgrade_reads_deprecated_endpoint"):
        out.append("note.edgecore_deprecated_endpoint")
    if not sel.token and not sel.windows:  # install.sh adds it (templates/install.sh.j2)
        out.append("note.edgecore_token_added")
    return tuple(out)


def edgecore_config(sel: Selection, plan: RuntimePlan) -> dict:
    """A minimal edgecore.yaml for this KubeEdge version (only the keys we set)."""
    host = cloud_host(sel) if sel.cloudcore else None
    port = sel.cloudcore.rsplit(":", 1)[1] if sel.cloudcore else None
    edged: dict = {}
    if sel.node_name:
        edged["hostnameOverride"] = sel.node_name
    if sel.labels:
        edged["nodeLabels"] = dict(pair.split("=", 1) for pair in sel.labels.split(","))
    edged["podSandboxImage"] = sel.sandbox_ref  # the same name the runtime uses, so image GC keeps it
    tailored: dict = {}
    if not sel.windows:
        tailored["cgroupDriver"] = sel.cgroup_driver
    layout = _ke(sel, "edged.layout")
    if layout == "flat":
        edged["containerRuntime"] = "docker" if plan.script.get("dockershim") else "remote"
        edged["remoteRuntimeEndpoint"] = plan.endpoint
        edged["remoteImageEndpoint"] = plan.endpoint
    else:
        tailored["containerRuntimeEndpoint"] = plan.endpoint
        tailored["imageServiceEndpoint"] = plan.endpoint
        if _ke(sel, "keadm.upgrade_reads_deprecated_endpoint"):  # edged reads the new keys; keadm upgrade these
            edged["remoteRuntimeEndpoint"] = plan.endpoint
            edged["remoteImageEndpoint"] = plan.endpoint
    if tailored:
        edged["tailoredKubeletConfig"] = tailored
    hub: dict = {}
    if host:
        hub["httpServer"] = f"https://{_bracket(host)}:{facts.PORTS['cloudhub_https']}"
    if sel.token:
        hub["token"] = sel.token
    if host:
        quic = sel.hub_protocol == "quic"
        hub["websocket"] = {"enable": not quic}
        hub["quic"] = {"enable": quic}
        hub["quic" if quic else "websocket"]["server"] = f"{_bracket(host)}:{port}"
    modules: dict = {"edgeHub": hub, "edged": edged}
    if host:
        modules["edgeStream"] = {"server": f"{_bracket(host)}:{facts.PORTS['tunnel']}"}
    return {
        "apiVersion": _ke(sel, "edgecore.api_version"),
        "kind": "EdgeCore",
        "modules": modules,
    }


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


UNIT = {
    "Unit": {"Description": "edgecore.service"},
    "Service": {"Type": "simple", "ExecStart": "/usr/local/bin/edgecore", "Restart": "always", "RestartSec": "10"},
    "Install": {"WantedBy": "multi-user.target"},
}  # kubeedge/kubeedge@v1.23.1:build/tools/edgecore.service

ENV_REFS = {"--cloudcore-ipport": "CLOUDCORE_ADDRESS", "--token": "KUBEEDGE_TOKEN"}


def bash_command_lines(sel: Selection, plan: RuntimePlan) -> list[str]:
    """``keadm join`` as bash lines: values shell-quoted, missing ones from the environment."""
    parts = []
    for flag, value in keadm_args(sel, plan):
        if value is None:
            parts.append(f'{flag}="${{{ENV_REFS[flag]}}}"')
        else:
            parts.append(f"{flag}={shlex.quote(value)}")
    return ["keadm join \\"] + [f"  {p} \\" for p in parts[:-1]] + [f"  {parts[-1]}"]


def powershell_command_lines(sel: Selection, plan: RuntimePlan) -> list[str]:
    parts = []
    for flag, value in keadm_args(sel, plan):
        if value is None:
            parts.append(f"{flag}=$env:{ENV_REFS[flag]}")
        else:
            parts.append(f"{flag}='" + value.replace("'", "''") + "'")
    return ["keadm.exe join `"] + [f"  {p} `" for p in parts[:-1]] + [f"  {parts[-1]}"]
