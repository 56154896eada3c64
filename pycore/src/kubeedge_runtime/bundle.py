"""kubeedge-runtime bundle: everything one node needs, fetched on a machine with a network.

It reads the same lists install.sh checks (offline.py): the release files of the plan, each verified
against its published checksum file (or the operator's pin), and the images the node pulls before it
can run pods, for the node's platform only, saved as archives its runtime imports. Beside them go the
generated files, ``bundle.json`` (what crossed the air gap: versions, sources, sizes, sha256) and
``bundle.sha256`` (``sha256sum -c`` form, what install.sh checks before it changes anything).

Images come through skopeo when it is installed (a well-kept tool that speaks every registry's
dialect), through the builtin client (registry.py) otherwise; ``--image-tool`` chooses.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Callable

from . import __version__
from .artifacts import runtime_display
from .core import TOOL_NAME, Result
from .i18n import t
from .offline import bundle_files, node_images
from .registry import Client, Platform, PullError, archive_config, pull_to_archive

FORMAT = 1
TIMEOUT = 60


class BundleError(Exception):
    """A message for the operator (already localized); the CLI prints it and exits 1."""


@dataclass
class Options:
    output: str
    image_tool: str = "auto"  # auto | skopeo | builtin
    pins: dict[str, str] = field(default_factory=dict)  # release file name -> sha256 (no published checksum)
    accept_unverified: bool = False
    registry_auth: str = ""  # user:password for registries that ask
    log: Callable[[str], None] = print


def build(result: Result, opts: Options) -> dict:
    """Write the bundle for RESULT (a generate() that succeeded) at opts.output; returns bundle.json."""
    sel, plan = result.selection, result.plan
    lang = sel.lang
    m = lambda key, **kw: t(lang, "bundle." + key, **kw)  # noqa: E731
    if sel.windows:
        raise BundleError(m("windows"))
    files = bundle_files(sel, plan)
    unpinned = [f.download.file for f in files if not f.checksum and not f.download.checksum_upstream
                and f.download.file not in opts.pins and f.download.name not in opts.pins]
    if unpinned and not opts.accept_unverified:
        raise BundleError(m("need_pin", names=", ".join(unpinned)))
    tool = _image_tool(opts.image_tool, m)
    archive = opts.output.endswith((".tar.gz", ".tgz"))
    final = os.path.abspath(opts.output)
    if os.path.exists(final) and (archive or not os.path.isdir(final) or os.listdir(final)):
        raise BundleError(m("exists", path=opts.output))
    parent = os.path.dirname(final) or "."
    os.makedirs(parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".kubeedge-bundle-", dir=parent)
    try:
        name = re.sub(r"\.(tar\.gz|tgz)$", "", os.path.basename(final)) if archive else os.path.basename(final)
        root = os.path.join(work, name)
        os.makedirs(os.path.join(root, "files"))
        os.makedirs(os.path.join(root, "images"))
        manifest = {
            "format": FORMAT,
            "tool": {"name": TOOL_NAME, "version": __version__},
            "for": f"{runtime_display(sel)}, KubeEdge {sel.kubeedge_version} ({sel.install_method}), "
                   f"{sel.os} {sel.arch}",
            "arch": sel.arch,
            "selection": {k: v for k, v in sel.as_dict().items() if k != "token"},
            "permalink": result.permalink,
            "image_tool": tool,
            "files": [],
            "images": [],
            "artifacts": [],
        }
        sums_of: dict[str, str] = {}
        for f in files:
            if f.checksum:
                continue
            d = f.download
            dest = os.path.join(root, f.path)
            opts.log(m("fetching", url=d.url))
            _download(d.url, dest, m)
            verified = _verify(d, dest, root, opts, m, sums_of)
            manifest["files"].append({"path": f.path, "name": d.name, "version": d.version, "source": d.upstream,
                                      "fetched_from": d.url, "verified": verified, **_stat(dest)})
            if d.checksum_file:
                manifest["files"].append({"path": "files/" + d.checksum_file, "name": d.name + " checksum",
                                          "version": d.version, "source": d.checksum_upstream,
                                          "fetched_from": d.checksum_url, "verified": "checksum file",
                                          **_stat(os.path.join(root, "files", d.checksum_file))})
        platform = Platform.for_arch(sel.arch)
        client = Client(plain_http=(sel.mirror_host,) if sel.mirror_plain_http else (), auth=opts.registry_auth)
        for img in node_images(sel, plan):
            dest = os.path.join(root, img.archive)
            opts.log(m("pulling", image=img.reference, platform=str(platform), tool=tool))
            try:
                if tool == "skopeo":
                    _skopeo(img.reference, platform, dest, sel.mirror_plain_http and
                            img.reference.startswith(sel.mirror_host + "/"), opts.registry_auth)
                    config, tags, image_id = archive_config(dest)
                    if config.get("architecture") != platform.architecture:
                        raise PullError(f"{img.reference}: skopeo wrote an image for {config.get('architecture')}")
                    digest = ""
                else:
                    pulled = pull_to_archive(img.reference, img.reference, platform, dest, client)
                    image_id, digest = pulled.image_id, pulled.manifest_digest
            except PullError as exc:
                raise BundleError(m("pull_failed", image=img.reference, error=str(exc)))
            manifest["images"].append({"reference": img.reference, "archive": img.archive, "why": t(lang, img.why),
                                       "platform": str(platform), "image_id": image_id,
                                       **({"manifest_digest": digest} if digest else {}), **_stat(dest)})
        for a in result.artifacts:
            dest = os.path.join(root, a.path)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w", encoding="utf-8", newline="") as fh:
                fh.write(a.content)
            os.chmod(dest, 0o755 if a.language == "bash" else 0o644)
            manifest["artifacts"].append({"path": a.path, **_stat(dest)})
        with open(os.path.join(root, "bundle.json"), "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
        lines = []
        for dirpath, _, names in os.walk(root):
            for n in names:
                rel = os.path.relpath(os.path.join(dirpath, n), root).replace(os.sep, "/")
                if rel != "bundle.sha256":
                    lines.append(f"{_sha256(os.path.join(dirpath, n))}  {rel}")
        with open(os.path.join(root, "bundle.sha256"), "w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(sorted(lines, key=lambda x: x[66:])) + "\n")
        if archive:
            _tar(root, name, final + ".part")
            os.replace(final + ".part", final)
        else:
            if os.path.isdir(final):
                os.rmdir(final)  # empty (checked above)
            os.replace(root, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = sum(x["size"] for k in ("files", "images") for x in manifest[k])
    opts.log(m("done", path=opts.output, files=len(manifest["files"]), images=len(manifest["images"]),
               size=f"{total / 1e6:.1f} MB"))
    return manifest


def _image_tool(choice: str, m) -> str:
    if choice == "auto":
        return "skopeo" if shutil.which("skopeo") else "builtin"
    if choice == "skopeo" and not shutil.which("skopeo"):
        raise BundleError(m("no_skopeo"))
    return choice


def _download(url: str, dest: str, m) -> None:
    req = urllib.request.Request(url, headers={"User-Agent": "kubeedge-runtime-bundle"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp, open(dest + ".part", "wb") as out:
            shutil.copyfileobj(resp, out, 1 << 20)
    except (urllib.error.URLError, OSError) as exc:
        raise BundleError(m("download_failed", url=url, error=str(getattr(exc, "reason", exc))))
    os.replace(dest + ".part", dest)


def _verify(d, dest: str, root: str, opts: Options, m, sums_of: dict[str, str]) -> str:
    """Check a release file the way install.sh does; returns how it was verified (for bundle.json)."""
    if not d.checksum_upstream:
        pin = opts.pins.get(d.file) or opts.pins.get(d.name)
        actual = _sha256(dest)
        if pin:
            if pin.lower() != actual:
                raise BundleError(m("checksum_mismatch", name=d.file, expected=pin, actual=actual))
            return "sha256 pin"
        opts.log(m("unverified", name=d.file, sha256=actual))
        return "unverified (accepted)"
    sums = os.path.join(root, "files", d.checksum_file)
    if d.checksum_file not in sums_of:
        _download(d.checksum_url, sums, m)
        with open(sums, encoding="utf-8", errors="replace") as fh:
            sums_of[d.checksum_file] = fh.read()
    text = sums_of[d.checksum_file]
    if d.checksum == "sha512-bare":
        expected, actual = "".join(text.split()), _digest(dest, "sha512")
    else:
        expected, actual = "", _sha256(dest)
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 1 or (len(parts) >= 2 and parts[1].lstrip("*") == d.file):
                expected = parts[0]
                break
    if not expected or expected.lower() != actual:
        raise BundleError(m("checksum_mismatch", name=d.file, expected=expected or "?", actual=actual))
    return "published " + ("sha512" if d.checksum == "sha512-bare" else "sha256")


def _skopeo(reference: str, platform: Platform, dest: str, plain_http: bool, auth: str) -> None:
    cmd = ["skopeo"]
    if not any(os.path.exists(p) for p in ("/etc/containers/policy.json",
                                           os.path.expanduser("~/.config/containers/policy.json"))):
        cmd.append("--insecure-policy")  # no signature policy on this machine: digests are still checked
    cmd += ["copy", "-q", "--override-os", platform.os, "--override-arch", platform.architecture]
    if platform.variant:
        cmd += ["--override-variant", platform.variant]
    if plain_http:
        cmd.append("--src-tls-verify=false")
    if auth:
        cmd += ["--src-creds", auth]
    cmd += [f"docker://{reference}", f"docker-archive:{dest}:{reference}"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise PullError((proc.stderr or proc.stdout).strip().splitlines()[-1] if (proc.stderr or proc.stdout)
                        else f"skopeo exited {proc.returncode}")


def _tar(root: str, name: str, dest: str) -> None:
    """A .tar.gz with one top directory, entries sorted, owner root: the same bundle, the same bytes."""
    def clean(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        info.mtime = 0
        return info

    with open(dest, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz, \
                tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for dirpath, dirs, names in os.walk(root):
                dirs.sort()
                rel = os.path.relpath(dirpath, root)
                arc = name if rel == "." else f"{name}/{rel.replace(os.sep, '/')}"
                tar.add(dirpath, arcname=arc, recursive=False, filter=clean)
                for n in sorted(names):
                    tar.add(os.path.join(dirpath, n), arcname=f"{arc}/{n}", filter=clean)


def _digest(path: str, algo: str) -> str:
    h = hashlib.new(algo)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _sha256(path: str) -> str:
    return _digest(path, "sha256")


def _stat(path: str) -> dict:
    return {"size": os.path.getsize(path), "sha256": _sha256(path)}
