"""The selection: its fields, their options, parsing, normalisation and validation of free text.

Input comes as a mapping of strings (CLI flags, a JSON/YAML file, a URL query). Output is a frozen
``Selection`` with every field normalised (``v1.15`` -> ``1.15.4``) plus diagnostics for what was
invalid. Defaults that depend on other fields (runtime version, cgroup driver, sandbox image) are
computed here, so every surface shows the same defaults.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Callable

from packaging.version import InvalidVersion, Version

from . import facts
from .diagnostics import Diagnostic, error, warning

RUNTIMES = ["containerd", "cri-o", "docker", "kata", "virtlet", "isulad"]
INSTALL_METHODS = ["keadm", "binary"]
OSES = ["ubuntu", "debian", "centos", "rhel", "openeuler", "windows"]
ARCHES = ["amd64", "arm64", "arm"]
CGROUP_DRIVERS = ["systemd", "cgroupfs"]
HUB_PROTOCOLS = ["websocket", "quic"]
KATA_MODES = ["untrusted", "runtimeclass"]
RUNTIME_SOURCES = ["release", "distro"]
LANGS = ["en", "zh"]
# How the node reaches images and release files: one choice that sets both mirrors (selection.parse)
NETWORKS = ["direct", "china", "private", "offline"]
DOCKERSHIM = "dockershim"

OS_FAMILY = {"ubuntu": "apt", "debian": "apt", "centos": "dnf", "rhel": "dnf", "openeuler": "dnf",
             "windows": "windows"}


def kubeedge_minors() -> list[str]:
    return [r.minor for r in facts.KUBEEDGE_RELEASES]


def runtime_releases(runtime: str) -> list[facts.RuntimeRelease]:
    """The runtime versions offered for a runtime, oldest first."""
    if runtime in ("containerd", "kata"):
        return facts.CONTAINERD_RELEASES
    if runtime == "cri-o":
        return facts.CRIO_RELEASES
    if runtime == "docker":
        return facts.CRI_DOCKERD_RELEASES
    if runtime == "isulad":
        return facts.ISULAD_RELEASES
    return []  # virtlet: the VM runtime image has no version to choose


def runtime_version_options(runtime: str) -> list[str]:
    opts = [r.minor for r in runtime_releases(runtime)]
    if runtime == "docker":
        opts = [DOCKERSHIM] + opts
    return opts


# ---------------------------------------------------------------------------------------------
# Field definitions


@dataclass(frozen=True)
class FieldDef:
    key: str
    kind: str  # "choice" | "text"
    options: Callable[["Selection"], list[str]] | None = None
    secret: bool = False  # never put into the permalink
    applies: Callable[["Selection"], bool] = lambda s: True

    @property
    def flag(self) -> str:
        return "--" + self.key.replace("_", "-")


def _is_linux(s: "Selection") -> bool:
    return s.os != "windows"


FIELDS: list[FieldDef] = [
    FieldDef("kubeedge_version", "choice", lambda s: kubeedge_minors()),
    FieldDef("runtime", "choice", lambda s: RUNTIMES),
    FieldDef("runtime_version", "choice", lambda s: runtime_version_options(s.runtime),
             applies=lambda s: s.runtime != "virtlet"),
    FieldDef("runtime_source", "choice", lambda s: RUNTIME_SOURCES,
             applies=lambda s: s.runtime in ("containerd", "kata") and s.family == "apt"),
    FieldDef("install_method", "choice", lambda s: INSTALL_METHODS),
    FieldDef("os", "choice", lambda s: OSES),
    FieldDef("arch", "choice", lambda s: ARCHES),
    FieldDef("cgroup_driver", "choice", lambda s: CGROUP_DRIVERS, applies=_is_linux),
    FieldDef("network", "choice", lambda s: NETWORKS),
    FieldDef("sandbox_image", "text"),
    FieldDef("image_mirror", "text"),
    FieldDef("download_mirror", "text", applies=_is_linux),
    FieldDef("cloudcore", "text"),
    FieldDef("token", "text", secret=True),
    FieldDef("node_name", "text"),
    FieldDef("labels", "text"),
    FieldDef("hub_protocol", "choice", lambda s: HUB_PROTOCOLS),
    FieldDef("kata_mode", "choice", lambda s: KATA_MODES, applies=lambda s: s.runtime == "kata"),
    FieldDef("isulad_stream_port", "text", applies=lambda s: s.runtime == "isulad"),
    FieldDef("cni_subnet", "text", applies=lambda s: s.runtime in NEEDS_CNI),
    FieldDef("lang", "choice", lambda s: LANGS),
]
FIELD_BY_KEY = {f.key: f for f in FIELDS}
NEEDS_CNI = {"containerd", "docker", "isulad", "virtlet", "kata"}


@dataclass(frozen=True)
class Selection:
    kubeedge_version: str = ""  # full version, e.g. "1.23.1"
    runtime: str = "containerd"
    runtime_version: str = ""  # full version, "" for virtlet, "dockershim" for docker<=1.13
    runtime_source: str = "release"  # release files, or the distribution's packages (apt family)
    install_method: str = "keadm"
    os: str = "ubuntu"
    arch: str = "amd64"
    cgroup_driver: str = ""  # "" on Windows
    network: str = "direct"
    sandbox_image: str = ""
    image_mirror: str = ""  # registry host (presets resolved), "" for none
    download_mirror: str = ""  # URL prefix replacing https://github.com, "" for none
    cloudcore: str = ""
    token: str = ""
    node_name: str = ""
    labels: str = ""
    hub_protocol: str = "websocket"
    kata_mode: str = "untrusted"
    isulad_stream_port: str = ""
    cni_subnet: str = ""
    lang: str = "en"
    # what the user actually gave (normalised), for the permalink and the form
    given: tuple[str, ...] = field(default=(), compare=False)

    @property
    def kubeedge_minor(self) -> str:
        v = Version(self.kubeedge_version)
        return f"{v.major}.{v.minor}"

    @property
    def family(self) -> str:
        return OS_FAMILY[self.os]

    @property
    def windows(self) -> bool:
        return self.os == "windows"

    @property
    def sandbox_ref(self) -> str:
        """The sandbox image as written into runtime keys: fully qualified, because a runtime without
        unqualified-search-registries (CRI-O from a distribution) cannot resolve kubeedge/pause:3.6."""
        return qualified(self.sandbox_image)

    @property
    def mirror_host(self) -> str:
        """The image mirror's registry host[/path], without its scheme."""
        return self.image_mirror.split("://", 1)[-1]

    @property
    def mirror_plain_http(self) -> bool:
        """The mirror speaks plain HTTP (an air-gapped site's own registry, often): runtimes must be told."""
        return self.image_mirror.startswith("http://")

    def as_dict(self) -> dict[str, str]:
        d = asdict(self)
        d.pop("given")
        return d


DEFAULT_MINOR = facts.KUBEEDGE_RELEASES[-1].minor
MIRROR_NONE = {"", "none"}

# ---------------------------------------------------------------------------------------------
# Validators for free text. Each returns (normalised value, None) or (None, message key).

_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_DNS_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")
# docker/distribution reference grammar, restricted to what a node can pull
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?)"
_IMAGE = re.compile(
    rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})?"
    rf"(?:@sha256:[a-f0-9]{{64}})?"
)
_REGISTRY = re.compile(rf"{_DOMAIN}(?:/{_PATH_COMPONENT})*")
_TOKEN = re.compile(r"[A-Za-z0-9._-]{1,4096}")
_LABEL_KEY = re.compile(r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                        r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?")
_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?")
# a prefix proxy, the form most GitHub proxies use: https://proxy.example/https://github.com
PROXY_SUFFIX = "/https://github.com"
# a mirror of many hosts, each below its name: https://files.example/github.com (also CRI-O's host)
HOST_PREFIX_SUFFIX = "/github.com"
_DIGITS = re.compile(r"[0-9]{1,5}")  # ASCII only: str.isdigit() also accepts '²' and fullwidth digits


def _port_ok(text: str) -> bool:
    return bool(_DIGITS.fullmatch(text)) and 1 <= int(text) <= 65535 and not text.startswith("0")


def validate_host_port(text: str) -> tuple[str | None, str | None]:
    m = re.fullmatch(r"\[([0-9a-fA-F:.]+)\]:([0-9]+)", text)
    if m:
        try:
            ipaddress.IPv6Address(m.group(1))
        except ValueError:
            return None, "invalid.hostport"
        host, port = m.group(1), m.group(2)
    else:
        host, sep, port = text.rpartition(":")
        if not sep or not _HOST.fullmatch(host) and not _is_ipv4(host):
            return None, "invalid.hostport"
    if not _port_ok(port):
        return None, "invalid.hostport"
    return text, None


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
        return True
    except ValueError:
        return False


def validate_image(text: str) -> tuple[str | None, str | None]:
    first = text.split("/", 1)[0]
    if len(text) > 255 or not _IMAGE.fullmatch(text) or (not _has_registry(text) and first != first.lower()):
        return None, "invalid.image"
    return text, None


def validate_registry(text: str) -> tuple[str | None, str | None]:
    """none, a preset, or [http(s)://]host[:port][/path]; https is the default and is dropped, a plain
    http:// is kept (the runtimes then need to be told that registry has no TLS)."""
    text = text.strip().rstrip("/")
    if text.lower() in MIRROR_NONE:
        return "", None
    if text.lower() in facts.MIRROR_PRESETS:
        return facts.MIRROR_PRESETS[text.lower()], None
    scheme = ""
    for prefix in ("https://", "http://"):
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
            scheme = "http://" if prefix == "http://" else ""
    if len(text) > 255 or not _REGISTRY.fullmatch(text):
        return None, "invalid.registry"
    return scheme + text, None


def validate_url(text: str) -> tuple[str | None, str | None]:
    text = text.strip().rstrip("/")
    if text.lower() in MIRROR_NONE:
        return "", None
    if text.lower() in facts.DOWNLOAD_MIRROR_PRESETS:
        return facts.DOWNLOAD_MIRROR_PRESETS[text.lower()], None
    base = text[:-len(PROXY_SUFFIX)] if text.endswith(PROXY_SUFFIX) else text
    if len(text) > 255 or not _URL.fullmatch(base) or "//" in base.split("://", 1)[1]:
        return None, "invalid.url"
    return text, None


def validate_node_name(text: str) -> tuple[str | None, str | None]:
    if len(text) > 253 or not _DNS_SUBDOMAIN.fullmatch(text):
        return None, "invalid.node_name"
    return text, None


def validate_token(text: str) -> tuple[str | None, str | None]:
    if not _TOKEN.fullmatch(text):
        return None, "invalid.token"
    return text, None


def validate_labels(text: str) -> tuple[str | None, str | None]:
    pairs = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not _LABEL_KEY.fullmatch(key) or len(key) > 316 or not _LABEL_VALUE.fullmatch(value):
            return None, "invalid.labels"
        pairs.append(f"{key}={value}")
    return ",".join(pairs), None


def validate_cidr(text: str) -> tuple[str | None, str | None]:
    try:
        net = ipaddress.IPv4Network(text.strip(), strict=True)
    except ValueError:
        return None, "invalid.cidr"
    if net.prefixlen > 28 or net.prefixlen < 8:
        return None, "invalid.cidr"
    return str(net), None


def validate_port(text: str) -> tuple[str | None, str | None]:
    text = text.strip()
    if not _port_ok(text) or int(text) < 1024:
        return None, "invalid.port"
    return text, None


TEXT_VALIDATORS: dict[str, Callable[[str], tuple[str | None, str | None]]] = {
    "sandbox_image": validate_image,
    "image_mirror": validate_registry,
    "download_mirror": validate_url,
    "cloudcore": validate_host_port,
    "token": validate_token,
    "node_name": validate_node_name,
    "labels": validate_labels,
    "isulad_stream_port": validate_port,
    "cni_subnet": validate_cidr,
}

# ---------------------------------------------------------------------------------------------
# Versions


def normalise_kubeedge_version(text: str) -> str | None:
    """``v1.15`` -> ``1.15.4`` (latest patch); ``1.15.2`` stays; unknown -> None."""
    try:
        v = Version(text.strip().lstrip("vV"))
    except InvalidVersion:
        return None
    if v.pre or v.post or v.dev or v.local or len(v.release) not in (2, 3):
        return None
    minor = f"{v.major}.{v.minor}"
    for rel in facts.KUBEEDGE_RELEASES:
        if rel.minor == minor:
            if len(v.release) == 2:
                return rel.latest
            full = f"{minor}.{v.micro}"
            return full if full in rel.patches else None
    return None


def normalise_runtime_version(runtime: str, text: str) -> str | None:
    text = text.strip().lstrip("vV")
    if runtime == "docker" and text == DOCKERSHIM:
        return DOCKERSHIM
    try:
        v = Version(text)
    except InvalidVersion:
        return None
    if v.pre or v.post or v.dev or v.local or len(v.release) not in (2, 3):
        return None
    for rel in runtime_releases(runtime):
        latest = Version(rel.latest)
        if (latest.major, latest.minor) != (v.major, v.minor):
            continue
        if len(v.release) == 2:
            return rel.latest
        if v <= latest and (rel.minor == rel.latest and v == latest or rel.minor != rel.latest):
            return str(v)
    return None


def short_value(sel: "Selection", key: str) -> str:
    """The value as the form and the permalink show it: a version at its minor's newest patch
    is shown as the minor (``1.23.1`` -> ``1.23``), so links keep following new patches."""
    value = getattr(sel, key)
    if key == "kubeedge_version":
        rel = next(r for r in facts.KUBEEDGE_RELEASES if r.minor == sel.kubeedge_minor)
        return rel.minor if value == rel.latest else value
    if key == "runtime_version":
        for rel in runtime_releases(sel.runtime):
            if rel.latest == value:
                return rel.minor
    return value


# ---------------------------------------------------------------------------------------------
# Parsing


SHOWN_MAX = 60


def shown(text: str) -> str:
    """User text as a message may echo it: control and format characters escaped (a terminal never
    sees them raw), cut to SHOWN_MAX characters."""
    out = []
    for ch in text[:SHOWN_MAX]:
        out.append(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii"))
    return "".join(out) + ("…" if len(text) > SHOWN_MAX else "")


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_as_text(v) for v in value)
    return str(value)


def replace(sel: Selection, **changes: Any) -> Selection:
    """``dataclasses.replace`` for a Selection, without its per-call introspection: the form parses
    a selection for every option it offers (formstate), several steps each."""
    unknown = changes.keys() - sel.__dict__.keys()
    if unknown:
        raise TypeError(f"Selection has no field {sorted(unknown)}")
    new = object.__new__(Selection)
    new.__dict__.update(sel.__dict__, **changes)
    return new


def parse(raw: dict[str, Any], *, compat_default: Callable[[Selection, str], str] | None = None,
          ) -> tuple[Selection, list[Diagnostic]]:
    """Parse and normalise a raw selection. Never raises for bad input."""
    diags: list[Diagnostic] = []
    given: list[str] = []
    values: dict[str, str] = {}
    for key, value in (raw or {}).items():
        if key not in FIELD_BY_KEY:
            diags.append(warning("unknown-field", shown(key), {"field": shown(key)}))
            continue
        text = _as_text(value).strip()
        if text != "":
            values[key] = text
    lang = values.get("lang", "en")
    if lang not in LANGS:
        diags.append(error("invalid-choice", "lang", {"value": shown(lang), "options": ", ".join(LANGS)}))
        lang = "en"
    sel = Selection(lang=lang)

    # kubeedge_version
    kv = values.get("kubeedge_version")
    if kv is not None:
        norm = normalise_kubeedge_version(kv)
        if norm is None:
            diags.append(error("unknown-kubeedge-version", "kubeedge_version",
                               {"value": shown(kv), "options": ", ".join(kubeedge_minors())}))
            norm = normalise_kubeedge_version(DEFAULT_MINOR)
        else:
            given.append("kubeedge_version")
    else:
        norm = normalise_kubeedge_version(DEFAULT_MINOR)
    sel = replace(sel, kubeedge_version=norm)

    # plain choices (the platform first: whether kata_mode applies depends on the runtime)
    for group in (("runtime", "install_method", "os", "arch", "network"), ("hub_protocol", "kata_mode", "runtime_source")):
        chosen = {}
        for key in group:
            if key in values and not FIELD_BY_KEY[key].applies(sel):
                diags.append(warning("field-not-applicable", key, {"field": key}))
            elif key in values:
                value = values[key].lower()
                options = FIELD_BY_KEY[key].options(sel)
                if value not in options:
                    diags.append(error("invalid-choice", key, {"value": shown(values[key]), "options": ", ".join(options)}))
                else:
                    chosen[key] = value
                    given.append(key)
        if chosen:
            sel = replace(sel, **chosen)

    # runtime_version: default is the newest version that fits the rest of the selection
    if FIELD_BY_KEY["runtime_version"].applies(sel):
        rv_text = values.get("runtime_version")
        rv = None
        if rv_text is not None:
            rv = normalise_runtime_version(sel.runtime, rv_text)
            if rv is None:
                diags.append(error("unknown-runtime-version", "runtime_version",
                                   {"value": shown(rv_text), "runtime": sel.runtime,
                                    "options": ", ".join(runtime_version_options(sel.runtime))}))
            else:
                given.append("runtime_version")
        if rv is None:
            rv = default_runtime_version(sel, compat_default)
        sel = replace(sel, runtime_version=rv)
    elif "runtime_version" in values:
        diags.append(warning("field-not-applicable", "runtime_version", {"field": "runtime_version"}))

    # cgroup driver: default systemd where the runtime supports it, else cgroupfs
    if FIELD_BY_KEY["cgroup_driver"].applies(sel):
        cg = values.get("cgroup_driver", "").lower()
        if cg and cg not in CGROUP_DRIVERS:
            diags.append(error("invalid-choice", "cgroup_driver",
                               {"value": shown(values["cgroup_driver"]), "options": ", ".join(CGROUP_DRIVERS)}))
            cg = ""
        if cg:
            given.append("cgroup_driver")
        else:
            cg = default_cgroup_driver(sel)
        sel = replace(sel, cgroup_driver=cg)
    elif "cgroup_driver" in values:
        diags.append(warning("field-not-applicable", "cgroup_driver", {"field": "cgroup_driver"}))

    # free text
    texts: dict[str, str] = {}
    for key, validator in TEXT_VALIDATORS.items():
        if key not in values:
            continue
        if not FIELD_BY_KEY[key].applies(sel):
            diags.append(warning("field-not-applicable", key, {"field": key}))
            continue
        norm_text, problem = validator(values[key])
        if problem:
            diags.append(error(problem, key, {"value": shown(values[key])}))
        else:
            texts[key] = norm_text
            given.append(key)
    if sel.network == "china":  # both mirrors at once; a mirror typed under More options still wins
        texts.setdefault("image_mirror", facts.MIRROR_PRESETS["china"])
        if FIELD_BY_KEY["download_mirror"].applies(sel):
            texts.setdefault("download_mirror", facts.DOWNLOAD_MIRROR_PRESETS["china"])
    if texts:
        sel = replace(sel, **texts)

    # defaults that depend on the rest
    rest: dict[str, Any] = {}
    if not sel.sandbox_image:
        rest["sandbox_image"] = default_sandbox_image(sel)
    if sel.runtime == "isulad" and not sel.isulad_stream_port:
        rest["isulad_stream_port"] = str(facts.ISULAD.get("ci_stream_port", "0"))
    if sel.runtime in NEEDS_CNI and not sel.cni_subnet:
        rest["cni_subnet"] = facts.CNI.get("default_subnet", "0")
    if "lang" in values and lang in LANGS:
        given.append("lang")
    return replace(sel, given=tuple(k for k in FIELD_BY_KEY if k in given), **rest), diags


@lru_cache(maxsize=1024)
def default_runtime_version(sel: Selection, compat: Callable[[Selection, str], str] | None) -> str:
    """Newest offered version without a compatibility error (``compat`` comes from rules)."""
    candidates = [r.latest for r in reversed(runtime_releases(sel.runtime))]
    if sel.runtime == "docker":
        candidates.append(DOCKERSHIM)  # only where no cri-dockerd fits (KubeEdge v1.12: CRI v1alpha2)
    if sel.runtime == "cri-o":
        # CRI-O follows Kubernetes minors: prefer the minor of KubeEdge's vendored Kubernetes.
        k8s = next(r.vendored_k8s for r in facts.KUBEEDGE_RELEASES if r.minor == sel.kubeedge_minor)
        by_distance = sorted(candidates, key=lambda v: (abs(Version(v).minor - Version(k8s).minor), -Version(v).minor))
        candidates = by_distance
    for cand in candidates:
        if compat is None or not compat(sel, cand):
            return cand
    return candidates[0] if candidates else ""


def default_cgroup_driver(sel: Selection) -> str:
    if sel.runtime == "isulad" and not facts.ISULAD.has("systemd_cgroup", sel.runtime_version):
        return "cgroupfs"
    return "systemd"


def default_sandbox_image(sel: Selection) -> str:
    image = facts.KUBEEDGE.get("default.sandbox_image", sel.kubeedge_version)
    return apply_mirror(image, sel.image_mirror)


def _has_registry(image: str) -> bool:
    first = image.split("/", 1)[0]  # as Docker parses it: a registry has a '.', a ':' or is localhost
    return "/" in image and ("." in first or ":" in first or first == "localhost")


def qualified(image: str) -> str:
    """``kubeedge/pause:3.6`` -> ``docker.io/kubeedge/pause:3.6``; ``pause`` -> ``docker.io/library/pause``."""
    if _has_registry(image):
        return image
    return "docker.io/" + (image if "/" in image else "library/" + image)


def apply_mirror(image: str, mirror: str) -> str:
    """Re-prefix a Docker Hub image (``kubeedge/pause:3.6``) with a registry mirror."""
    mirror = mirror.split("://", 1)[-1]
    if not mirror:
        return image
    first = image.split("/", 1)[0]
    if _has_registry(image):
        if first not in ("docker.io", "registry-1.docker.io", "index.docker.io"):
            return image  # another registry: the mirror only stands in for Docker Hub
        image = image.split("/", 1)[1]
    if "/" not in image:
        image = "library/" + image
    return f"{mirror}/{image}"


@lru_cache(maxsize=1)
def _defaults() -> Selection:
    return parse({})[0]


def permalink_query(sel: Selection) -> dict[str, str]:
    """Only what the user gave and what differs from the default, never secrets."""
    defaults = _defaults()
    out = {}
    for key in sel.given:
        if FIELD_BY_KEY[key].secret:
            continue
        if getattr(sel, key) != getattr(defaults, key):
            out[key] = short_value(sel, key)
    return out
