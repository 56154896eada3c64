"""Plan -> artifacts: config files through their serializers, scripts through Jinja2 templates.

Every value that came from the user reaches a script only through the ``q`` filter
(``shlex.quote``) or inside a quoted heredoc whose delimiter cannot occur in the content.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2
import tomlkit

from . import __version__, edgecore, facts
from .i18n import t
from .offline import IMPORTERS, bundle_contents, node_images
from .plan import ConfigFile, RuntimePlan, edge_download, fetch_downloads
from .runtimes import containerd, docker
from .selection import DOCKERSHIM, Selection
from .serializers import serialise
from .steps import cli_command

LANGUAGE = {"toml": "toml", "json": "json", "yaml": "yaml", "ini": "ini", "bash": "bash", "powershell": "powershell"}
HEREDOC = "KUBEEDGE_EOF"


@dataclass(frozen=True)
class Artifact:
    id: str
    path: str  # relative; mirrors the node's filesystem for files, top level for scripts
    language: str
    title: str
    content: str
    node_path: str = ""  # absolute path on the node, "" for scripts and manifests

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "path": self.path, "language": self.language, "title": self.title,
                "content": self.content}


def relative(node_path: str) -> str:
    if node_path.startswith("C:/"):
        return node_path[3:]
    return node_path.lstrip("/")




def runtime_display(sel: Selection) -> str:
    """"CRI-O 1.27.8", "Docker Engine + cri-dockerd 0.4.3", "Kata Containers + containerd 2.3.4"."""
    label = t(sel.lang, "option.runtime." + sel.runtime)
    if sel.runtime_version == DOCKERSHIM:
        return f"{label} (dockershim)"
    if sel.runtime == "docker":
        return f"{label} + cri-dockerd {sel.runtime_version}"
    if sel.runtime == "kata":
        return f"{label} + containerd {sel.runtime_version}"
    return f"{label} {sel.runtime_version}".strip()


def comment_safe(text: str) -> str:
    """One comment line, whatever the text: line breaks and other control or format characters are
    escaped, so nothing a user typed can end the comment and become code (validation already refuses
    them; this is the second wall)."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def header(sel: Selection, permalink: str) -> list[str]:
    return list(_header(sel, permalink))


@lru_cache(maxsize=64)
def _header(sel: Selection, permalink: str) -> tuple[str, ...]:
    """Every file of a selection starts with the same lines: made once per selection. (Selections
    that compare equal differ at most in ``given``, which only the permalink reflects: it is part
    of the key.)"""
    what = runtime_display(sel)
    lines = [
        t(sel.lang, "header.generated", tool="kubeedge-runtime-configurator", version=__version__,
          kubeedge=sel.kubeedge_version, runtime=what),
        t(sel.lang, "header.reproduce", command=cli_command(sel, "generate")),
    ]
    if permalink:
        lines.append(t(sel.lang, "header.permalink", permalink=permalink))
    return tuple(comment_safe(line) for line in lines)


def render_file(sel: Selection, f: ConfigFile, permalink: str) -> str:
    hdr = header(sel, permalink) + [comment_safe(t(sel.lang, n)) for n in f.notes] if f.comment else None
    return serialise(f.fmt, f.data, hdr)


# --- templates ------------------------------------------------------------------------------

COMPILED_TEMPLATES = "_templates_compiled"  # written into the browser bundle by tools/compile_bundle.mjs


def _loader() -> jinja2.BaseLoader:
    """Templates precompiled to Python modules where the bundle has them (faster start in the
    browser), else the template sources; both render the same bytes."""
    from importlib import resources

    compiled = resources.files("kubeedge_runtime").joinpath(COMPILED_TEMPLATES)
    if compiled.is_dir():
        return jinja2.ModuleLoader(str(compiled))
    return jinja2.PackageLoader("kubeedge_runtime", "templates")


@lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    """shlex.quote, remembered: the scripts quote the same few hundred values for every selection."""
    return shlex.quote(text)


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_loader(),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["q"] = lambda v: _quoted(str(v))
    env.tests["startswith"] = lambda v, prefix: str(v).startswith(prefix)
    env.filters["toml"] = lambda v: tomlkit.item(v).as_string()
    return env


_ENV: jinja2.Environment | None = None


def env() -> jinja2.Environment:
    global _ENV
    if _ENV is None:
        _ENV = _env()
    return _ENV


def render_script(name: str, **context: Any) -> str:
    text = env().get_template(name).render(**context)
    return text


def _messages(sel: Selection):
    """``m('key', **params)`` inside templates: the message in the selection's language."""
    return lambda key, **params: t(sel.lang, key, **params)


def _embedded(content: str) -> str:
    if any(line == HEREDOC for line in content.splitlines()):  # cannot happen with validated input
        raise ValueError("heredoc delimiter inside content")
    return content


def build_artifacts(sel: Selection, plan: RuntimePlan, permalink: str) -> list[Artifact]:
    m = _messages(sel)
    files: list[tuple[ConfigFile, str]] = [(f, render_file(sel, f, permalink)) for f in plan.files]
    manifests = [(f, render_file(sel, f, permalink)) for f in plan.manifests]
    hdr = header(sel, permalink)
    out: list[Artifact] = []

    join_args = edgecore.keadm_args(sel, plan)
    edgecore_yaml = None
    edgecore_file = None
    if sel.install_method == "binary":
        path = edgecore.EDGECORE_YAML_WINDOWS if sel.windows else edgecore.EDGECORE_YAML
        edgecore_file = ConfigFile("edgecore-config", path, "yaml", edgecore.edgecore_config(sel, plan),
                                   "title.edgecore_yaml", notes=edgecore.notes(sel))
        edgecore_yaml = render_file(sel, edgecore_file, permalink)

    edge = edge_download(sel)
    context = {
        "sel": sel,
        "plan": plan,
        "facts": facts,
        "m": m,
        "header": hdr,
        "files": [(f, _embedded(text)) for f, text in files],
        "edgecore_yaml": _embedded(edgecore_yaml) if edgecore_yaml else None,
        "edgecore_file": edgecore_file,
        "join_args": join_args,
        "heredoc": HEREDOC,
        "phases": 6,  # install.sh main(): download, packages, prepare, apply, start, verify
        "downloads": {d.key: d for d in plan.downloads},
        "edge_download": edge,  # keadm, or the edgecore release for binary installs
        "fetch_downloads": fetch_downloads(plan, sel),
        "node_images": node_images(sel, plan),  # what an offline bundle brings in, and install.sh imports
        "bundle_contents": bundle_contents(sel, plan),
        "importer": IMPORTERS[plan.runtime],
        "ports": facts.PORTS,
        "edgecore_unit": serialise("ini", edgecore.UNIT),
        "edgecore_path": edgecore.EDGECORE_YAML,
        "containerd_unit": serialise("ini", containerd.UNIT),
        "docker_repo": serialise("ini", docker.yum_repo(sel)),
        "join_command_lines": edgecore.bash_command_lines(sel, plan),
        "upgrade_endpoint_fix": edgecore.upgrade_endpoint_fix(sel, plan),
        "ps_command_lines": edgecore.powershell_command_lines(sel, plan),
    }
    if sel.windows:
        out.append(Artifact("install-steps", "install-steps.md", "markdown", m("title.windows_steps"),
                            render_script("windows-steps.md.j2", **context)))
    else:
        out.append(Artifact("install", "install.sh", "bash", m("title.install_sh"),
                            render_script("install.sh.j2", **context)))
    if sel.install_method == "keadm":
        if sel.windows:
            out.append(Artifact("keadm-join", "keadm-join.ps1", "powershell", m("title.keadm_join"),
                                render_script("keadm-join.ps1.j2", **context)))
        else:
            out.append(Artifact("keadm-join", "keadm-join.sh", "bash", m("title.keadm_join"),
                                render_script("keadm-join.sh.j2", **context)))
    else:
        out.append(Artifact("edgecore-config", relative(edgecore_file.path), "yaml", m("title.edgecore_yaml"),
                            edgecore_yaml, node_path=edgecore_file.path))
    for f, text in files:
        if not f.artifact:
            continue
        out.append(Artifact(f.id, relative(f.path), LANGUAGE[f.fmt], m(f.title), text, node_path=f.path))
    if not sel.windows:
        out.append(Artifact("verify", "verify.sh", "bash", m("title.verify_sh"),
                            render_script("verify.sh.j2", **context)))
    if "virtlet" in plan.script:
        out.append(Artifact("vmruntime", "vmruntime.sh", "bash", m("title.vmruntime_sh"),
                            render_script("vmruntime.sh.j2", **context)))
    for f, text in manifests:
        out.append(Artifact(f.id, f.path, LANGUAGE[f.fmt], m(f.title), text))
    return out
