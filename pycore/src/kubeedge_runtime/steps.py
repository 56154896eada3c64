"""The run order for a selection: numbered steps with the exact commands, in one place.

The page renders these steps, the zip's README is written from them, and the CLI command shown in
every header uses the same ``cli_flags``, so a step can never disagree with the files.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from urllib.parse import urlsplit

from .i18n import t
from .offline import node_images
from .plan import RuntimePlan, download
from .selection import FIELD_BY_KEY, Selection, permalink_query

BUNDLE_FILE = "kubeedge-bundle.tar.gz"
WHEEL = "kubeedge_runtime_configurator-*.whl"


def cli_flags(sel: Selection) -> str:
    """The selection as CLI flags, shell-quoted: only what differs from the defaults, never the token."""
    return " ".join(f"{FIELD_BY_KEY[key].flag}={shlex.quote(value)}" for key, value in permalink_query(sel).items())


def cli_command(sel: Selection, subcommand: str, *extra: str) -> str:
    return " ".join(part for part in ("kubeedge-runtime", subcommand, cli_flags(sel), *extra) if part)


@dataclass(frozen=True)
class Step:
    id: str
    text: str  # what the step does, in the selection's language
    commands: tuple[str, ...] = ()
    artifact: str = ""  # the artifact id the step runs or concerns ("" none)


def _env_prefix(sel: Selection, *, cloudcore: bool, token: bool) -> str:
    """``env NAME='<value>'`` for what the script must be told (``sudo`` alone drops the caller's
    variables); the placeholder is quoted, so a pasted command never redirects on its ``<``."""
    names = []
    if cloudcore and not sel.cloudcore:
        names.append("CLOUDCORE_ADDRESS=" + shlex.quote(t(sel.lang, "step.value.cloudcore")))
    if token and not sel.token:
        names.append("KUBEEDGE_TOKEN=" + shlex.quote(t(sel.lang, "step.value.token")))
    return "env " + " ".join(names) + " " if names else ""


def run_steps(sel: Selection) -> list[Step]:
    m = lambda key, **p: t(sel.lang, key, **p)  # noqa: E731
    steps: list[Step] = []
    if sel.windows:
        steps.append(Step("windows-steps", m("step.windows_steps"), (), "install-steps"))
        if sel.install_method == "keadm":
            sets = []
            if not sel.cloudcore:
                sets.append(f"$env:CLOUDCORE_ADDRESS = '{m('step.value.cloudcore')}'")
            if not sel.token:
                sets.append(f"$env:KUBEEDGE_TOKEN = '{m('step.value.token')}'")
            steps.append(Step("join", m("step.join_windows"), (*sets, r".\keadm-join.ps1"), "keadm-join"))
        return steps
    bundle = sel.network == "offline"
    if bundle:  # kubeedge-runtime bundle: every release file and image, fetched where there is internet
        steps.append(Step("bundle", m("step.bundle"),
                          (f"pip install {WHEEL}", cli_command(sel, "bundle", "--output", BUNDLE_FILE))))
        steps.append(Step("bundle-copy", m("step.bundle_copy")))
    flag = f" --bundle {BUNDLE_FILE}" if bundle else ""
    steps.append(Step("review", m("step.review"), (), "install"))
    steps.append(Step("dry-run", m("step.dry_run"), (f"sudo bash install.sh --dry-run{flag}",), "install"))
    if sel.install_method == "binary":
        env = _env_prefix(sel, cloudcore=False, token=True)
        steps.append(Step("install", m("step.install_binary_env" if env else "step.install_binary"),
                          (f"sudo {env}bash install.sh{flag}",), "install"))
        steps.append(Step("start", m("step.start_edgecore"),
                          ("sudo systemctl enable --now edgecore", "journalctl -u edgecore -f"), "edgecore-config"))
    else:
        steps.append(Step("install", m("step.install_bundle" if bundle else "step.install"),
                          (f"sudo bash install.sh{flag}",), "install"))
        env = _env_prefix(sel, cloudcore=True, token=True)
        steps.append(Step("join", m("step.join_env" if env else "step.join"),
                          (f"sudo {env}bash keadm-join.sh",), "keadm-join"))
    steps.append(Step("verify", m("step.verify"), ("sudo bash verify.sh",), "verify"))
    return steps


def contacted_hosts(sel: Selection, plan: RuntimePlan) -> list[tuple[str, str]]:
    """Which hosts the node contacts for images and files, and what for, from the plan itself:
    the download URLs through the download mirror and the registries of the images it pulls."""
    m = lambda key, **p: t(sel.lang, key, **p)  # noqa: E731
    found: dict[str, dict[str, list[str]]] = {}

    def add(host: str, kind: str, name: str) -> None:
        names = found.setdefault(host, {}).setdefault(kind, [])
        if name not in names:
            names.append(name)

    if sel.cloudcore:
        add(sel.cloudcore.rsplit(":", 1)[0].strip("[]"), "cloudcore", "")
    if sel.network != "offline":
        edge = download("keadm" if sel.install_method == "keadm" else "edgecore", sel.kubeedge_version, sel)
        for d in [*plan.downloads, edge] if not sel.windows else []:
            add(urlsplit(d.url).hostname or "", "downloads", d.name)
        for image in node_images(sel, plan):
            add(image.reference.split("/", 1)[0], "images", image.reference.split("/", 1)[1])
    out = []
    for host, kinds in found.items():
        parts = [m("host.cloudcore") if kind == "cloudcore" else m(f"host.{kind}", names=m("ui.list_sep").join(names))
                 for kind, names in kinds.items()]
        out.append((host, "; ".join(parts)))
    return out


def readme(sel: Selection, permalink: str) -> str:
    """README.md of the zip download, in the selection's language."""
    lines = [f"# {t(sel.lang, 'readme.title')}", "", t(sel.lang, "readme.intro"), ""]
    for i, step in enumerate(run_steps(sel), 1):
        lines.append(f"{i}. {step.text}")
        if step.commands:
            lines.append("")
            lines += [f"       {c}" for c in step.commands]
            lines.append("")
    lines += ["", t(sel.lang, "readme.reproduce"), "", "    " + cli_command(sel, "generate", "--output", "out/")]
    if permalink:
        lines += ["", t(sel.lang, "header.permalink", permalink=permalink)]
    return "\n".join(lines).rstrip("\n") + "\n"
