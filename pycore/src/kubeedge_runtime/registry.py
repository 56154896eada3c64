"""Pull one image for one platform from a registry into a docker-archive file, checking every digest.

The builtin way to fill an offline bundle where skopeo is not installed (the bundle builder runs on
any machine with Python: Linux, macOS, Windows). It speaks the registry HTTP API v2 as the
distribution spec and Docker Hub define it: anonymous or credentialed bearer tokens from the realm a
401 names (or basic auth), image indexes / manifest lists narrowed to the node's platform, the
manifest checked against the digest it was asked for or the one the registry states, every blob
checked against its digest, every layer decompressed and checked against the config's diff_ids.

The archive is the layout ``docker save`` writes (manifest.json + config + uncompressed layer tars),
which ``docker load``, ``ctr images import``, ``isula load``, ``podman load`` and skopeo all read.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

INDEX_TYPES = ("application/vnd.oci.image.index.v1+json",
               "application/vnd.docker.distribution.manifest.list.v2+json")
MANIFEST_TYPES = ("application/vnd.oci.image.manifest.v1+json",
                  "application/vnd.docker.distribution.manifest.v2+json")
ACCEPT = ", ".join(INDEX_TYPES + MANIFEST_TYPES)
DOCKER_HUB = "registry-1.docker.io"
TIMEOUT = 60
CHUNK = 1 << 20


class PullError(Exception):
    """What went wrong, for the operator: the message names the image and the cause."""


@dataclass(frozen=True)
class Ref:
    registry: str  # host[:port] as written in the reference
    repository: str
    tag: str
    digest: str = ""

    @classmethod
    def parse(cls, reference: str) -> "Ref":
        """A fully qualified reference: ``registry/repo[:tag][@sha256:...]``."""
        name, _, digest = reference.partition("@")
        registry, _, rest = name.partition("/")
        if not rest:
            raise PullError(f"{reference}: not a fully qualified image reference")
        repo, tag = rest, ""
        m = re.fullmatch(r"(.+):([\w][\w.-]{0,127})", rest)
        if m:
            repo, tag = m.group(1), m.group(2)
        if registry == "docker.io" and "/" not in repo:
            repo = "library/" + repo
        return cls(registry, repo, tag or ("" if digest else "latest"), digest)

    @property
    def api_host(self) -> str:
        return DOCKER_HUB if self.registry in ("docker.io", "index.docker.io") else self.registry


@dataclass(frozen=True)
class Platform:
    os: str
    architecture: str
    variant: str = ""

    @classmethod
    def for_arch(cls, arch: str) -> "Platform":
        """The node's platform as image indexes name it (the product's arch names are Go's)."""
        return cls("linux", arch, "v7" if arch == "arm" else "")

    def matches(self, p: dict) -> bool:
        if p.get("os") != self.os or p.get("architecture") != self.architecture:
            return False
        variant = p.get("variant", "")
        if self.architecture == "arm64":
            return variant in ("", "v8")
        return not self.variant or variant in ("", self.variant)

    def __str__(self) -> str:
        return "/".join(x for x in (self.os, self.architecture, self.variant) if x)


@dataclass
class Pulled:
    reference: str
    platform: str
    manifest_digest: str  # the platform manifest's digest, as the registry serves it
    image_id: str  # sha256 of the config: what runtimes show as the image ID


class Client:
    """One registry session: tokens are cached per scope; plain HTTP only for the hosts named."""

    def __init__(self, plain_http: tuple[str, ...] = (), auth: str = "", opener=None):
        self.plain_http = set(plain_http)
        self.auth = auth  # "user:password", or "" for anonymous
        self.tokens: dict[tuple[str, str], str] = {}
        self.opener = opener or urllib.request.build_opener(_NoAuthRedirect())

    # -- HTTP ---------------------------------------------------------------------------------------
    def _url(self, ref: Ref, path: str) -> str:
        scheme = "http" if ref.registry in self.plain_http else "https"
        return f"{scheme}://{ref.api_host}/v2/{ref.repository}/{path}"

    def _open(self, ref: Ref, path: str, accept: str = ""):
        url = self._url(ref, path)
        for attempt in (1, 2):
            headers = {"User-Agent": "kubeedge-runtime-bundle"}
            if accept:
                headers["Accept"] = accept
            token = self.tokens.get((ref.api_host, ref.repository))
            if token:
                headers["Authorization"] = token
            try:
                return self.opener.open(urllib.request.Request(url, headers=headers), timeout=TIMEOUT)
            except urllib.error.HTTPError as exc:
                if exc.code == 401 and attempt == 1:
                    self._login(ref, exc.headers.get("WWW-Authenticate", ""))
                    continue
                detail = exc.read(300).decode("utf-8", "replace").strip()
                raise PullError(f"{url}: HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else ""))
            except (urllib.error.URLError, OSError) as exc:
                raise PullError(f"{url}: {getattr(exc, 'reason', exc)}")
        raise PullError(f"{url}: the registry refused the credentials")  # pragma: no cover

    def _login(self, ref: Ref, challenge: str) -> None:
        scheme, _, params = challenge.partition(" ")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', params))
        key = (ref.api_host, ref.repository)
        if scheme.lower() == "basic":
            if not self.auth:
                raise PullError(f"{ref.registry} asks for a user name and password "
                                "(set KUBEEDGE_REGISTRY_AUTH=user:password)")
            self.tokens[key] = "Basic " + base64.b64encode(self.auth.encode()).decode()
            return
        if scheme.lower() != "bearer" or "realm" not in fields:
            raise PullError(f"{ref.registry}: unsupported authentication challenge {challenge!r}")
        query = {"scope": fields.get("scope") or f"repository:{ref.repository}:pull"}
        if fields.get("service"):
            query["service"] = fields["service"]
        url = fields["realm"] + ("&" if "?" in fields["realm"] else "?") + urllib.parse.urlencode(query)
        headers = {"User-Agent": "kubeedge-runtime-bundle"}
        if self.auth:
            headers["Authorization"] = "Basic " + base64.b64encode(self.auth.encode()).decode()
        try:
            with self.opener.open(urllib.request.Request(url, headers=headers), timeout=TIMEOUT) as resp:
                body = json.loads(resp.read(1 << 20))
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise PullError(f"{fields['realm']} refused a token for {ref.repository} (HTTP {exc.code}): "
                                + ("check KUBEEDGE_REGISTRY_AUTH" if self.auth else
                                   "the registry wants credentials, set KUBEEDGE_REGISTRY_AUTH=user:password"))
            raise PullError(f"{fields['realm']}: no token (HTTP {exc.code} {exc.reason})")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise PullError(f"{fields['realm']}: no token ({getattr(exc, 'reason', exc)})")
        token = body.get("token") or body.get("access_token")
        if not token:
            raise PullError(f"{fields['realm']}: the answer holds no token")
        self.tokens[key] = "Bearer " + token

    # -- manifests and blobs ------------------------------------------------------------------------
    def manifest(self, ref: Ref, which: str) -> tuple[dict, str, str]:
        """(manifest, media type, digest) for a tag or digest; the bytes are checked against the digest
        asked for, or against the one the registry states."""
        with self._open(ref, f"manifests/{which}", ACCEPT) as resp:
            body = resp.read(4 << 20)
            stated = resp.headers.get("Docker-Content-Digest", "")
            media = resp.headers.get("Content-Type", "").split(";")[0].strip()
        actual = "sha256:" + hashlib.sha256(body).hexdigest()
        expected = which if which.startswith("sha256:") else stated
        if expected and expected != actual:
            raise PullError(f"{ref.registry}/{ref.repository}@{which}: manifest digest {actual} is not {expected}")
        try:
            doc = json.loads(body)
        except ValueError:
            raise PullError(f"{ref.registry}/{ref.repository}@{which}: the manifest is not JSON")
        return doc, doc.get("mediaType") or media, actual

    def blob(self, ref: Ref, digest: str, dest: str) -> None:
        """Download a blob to DEST, checking its sha256 digest."""
        if not digest.startswith("sha256:"):
            raise PullError(f"{digest}: only sha256 digests are supported")
        h = hashlib.sha256()
        with self._open(ref, f"blobs/{digest}") as resp, open(dest, "wb") as out:
            while chunk := resp.read(CHUNK):
                h.update(chunk)
                out.write(chunk)
        if "sha256:" + h.hexdigest() != digest:
            os.unlink(dest)
            raise PullError(f"{ref.registry}/{ref.repository}: blob {digest} arrived as sha256:{h.hexdigest()} "
                            "(damaged or tampered with); nothing was kept")

    def pick(self, ref: Ref, platform: Platform) -> tuple[dict, str]:
        """The image manifest for PLATFORM (from an index, or the single-platform manifest itself)."""
        doc, media, digest = self.manifest(ref, ref.digest or ref.tag)
        if media in INDEX_TYPES or "manifests" in doc:
            found = [m for m in doc.get("manifests", []) if platform.matches(m.get("platform", {}))]
            if not found:
                offered = ", ".join(sorted(str(Platform(m.get("platform", {}).get("os", "?"),
                                                        m.get("platform", {}).get("architecture", "?"),
                                                        m.get("platform", {}).get("variant", "")))
                                           for m in doc.get("manifests", [])))
                raise PullError(f"{ref.registry}/{ref.repository}:{ref.tag}: no image for {platform} "
                                f"(the registry offers {offered or 'none'})")
            doc, media, digest = self.manifest(ref, found[0]["digest"])
        if media not in MANIFEST_TYPES and "layers" not in doc:
            raise PullError(f"{ref.registry}/{ref.repository}: unsupported manifest type {media!r}")
        return doc, digest


def pull_to_archive(reference: str, source: str, platform: Platform, dest: str, client: Client) -> Pulled:
    """Fetch SOURCE for PLATFORM and write it to DEST as a docker-archive tagged REFERENCE (the name
    the runtime and keadm will ask for; SOURCE differs when the image is fetched through a mirror)."""
    ref = Ref.parse(source)
    manifest, digest = client.pick(ref, platform)
    with tempfile.TemporaryDirectory(prefix="kubeedge-pull-") as tmp:
        cfg_path = os.path.join(tmp, "config")
        client.blob(ref, manifest["config"]["digest"], cfg_path)
        with open(cfg_path, "rb") as fh:
            config_bytes = fh.read()
        config = json.loads(config_bytes)
        if config.get("architecture") != platform.architecture or config.get("os", "linux") != platform.os:
            raise PullError(f"{source}: the image's config is for {config.get('os')}/{config.get('architecture')}, "
                            f"not {platform}")
        diff_ids = config.get("rootfs", {}).get("diff_ids", [])
        layers = manifest.get("layers", [])
        if len(diff_ids) != len(layers):
            raise PullError(f"{source}: {len(layers)} layers but {len(diff_ids)} diff_ids in the config")
        members: list[tuple[str, str]] = []
        for i, (layer, diff_id) in enumerate(zip(layers, diff_ids)):
            packed = os.path.join(tmp, f"layer{i}")
            client.blob(ref, layer["digest"], packed)
            plain = os.path.join(tmp, f"layer{i}.tar")
            actual = _decompress(packed, plain, layer.get("mediaType", ""), source)
            if actual != diff_id:
                raise PullError(f"{source}: layer {layer['digest']} unpacks to {actual}, not the config's {diff_id}")
            os.unlink(packed)
            members.append((diff_id.split(":", 1)[1] + "/layer.tar", plain))
        config_name = manifest["config"]["digest"].split(":", 1)[1] + ".json"
        index = [{"Config": config_name, "RepoTags": [reference], "Layers": [m[0] for m in members]}]
        _write_archive(dest, config_name, config_bytes, members, index)
    return Pulled(reference, str(platform), digest, manifest["config"]["digest"])


def _decompress(src: str, dest: str, media_type: str, source: str) -> str:
    """Uncompress one layer (gzip, or none); returns the sha256 diff_id of the uncompressed tar."""
    with open(src, "rb") as fh:
        magic = fh.read(4)
    if "zstd" in media_type or magic == b"\x28\xb5\x2f\xfd":
        raise PullError(f"{source}: a zstd-compressed layer; install skopeo to bundle this image")
    opener = gzip.open if magic[:2] == b"\x1f\x8b" else open
    h = hashlib.sha256()
    try:
        with opener(src, "rb") as fin, open(dest, "wb") as out:
            while chunk := fin.read(CHUNK):
                h.update(chunk)
                out.write(chunk)
    except (OSError, EOFError) as exc:
        raise PullError(f"{source}: a layer does not decompress ({exc})")
    return "sha256:" + h.hexdigest()


def _write_archive(dest: str, config_name: str, config: bytes, layers: list[tuple[str, str]], index: list) -> None:
    part = dest + ".part"
    with tarfile.open(part, "w", format=tarfile.PAX_FORMAT) as tar:
        def add_bytes(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))

        add_bytes(config_name, config)
        for name, path in layers:
            info = tarfile.TarInfo(name.split("/", 1)[0])
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
            info = tarfile.TarInfo(name)
            info.size, info.mode = os.path.getsize(path), 0o644
            with open(path, "rb") as fh:
                tar.addfile(info, fh)
        add_bytes("manifest.json", json.dumps(index, separators=(",", ":")).encode())
    shutil.move(part, dest)


def archive_config(path: str) -> tuple[dict, list[str], str]:
    """(config, RepoTags, image ID) of a docker-archive: how the bundle checks what skopeo wrote."""
    with tarfile.open(path) as tar:
        index = json.load(tar.extractfile("manifest.json"))
        config_bytes = tar.extractfile(index[0]["Config"]).read()
    return json.loads(config_bytes), index[0].get("RepoTags") or [], "sha256:" + hashlib.sha256(config_bytes).hexdigest()


class _NoAuthRedirect(urllib.request.HTTPRedirectHandler):
    """Blob downloads redirect to storage (S3, a CDN) that must not receive the registry token."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urllib.parse.urlsplit(newurl).netloc != urllib.parse.urlsplit(req.full_url).netloc:
            new.headers.pop("Authorization", None)
            new.unredirected_hdrs.pop("Authorization", None)
        return new
