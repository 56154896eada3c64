"""What an offline bundle holds for a selection: the release files install.sh would download and the
images the node pulls before it can run pods, named as the runtime and keadm will ask for them.

Read by install.sh (which checks a bundle against it and imports the images) and by the bundle builder
(which fetches exactly this): one list, so neither can hold what the other does not expect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import facts
from .plan import ResolvedDownload, RuntimePlan, fetch_downloads
from .selection import Selection, apply_mirror, qualified


@dataclass(frozen=True)
class NodeImage:
    reference: str  # fully qualified, as the runtime stores it
    why: str  # catalog key: what asks for it

    @property
    def archive(self) -> str:
        """Its file in a bundle: images/<reference with / : @ as _>.tar"""
        return "images/" + re.sub(r"[/:@]", "_", self.reference) + ".tar"


def node_images(sel: Selection, plan: RuntimePlan) -> list[NodeImage]:
    out = [NodeImage(sel.sandbox_ref, "image.sandbox")]
    if sel.install_method == "keadm":
        ke = sel.kubeedge_version
        # keadm re-prefixes its own images with --image-repository <mirror>/kubeedge (edgecore.keadm_args)
        package = facts.KUBEEDGE.get("join.installation_package", ke) + f":v{ke}"
        out.append(NodeImage(qualified(apply_mirror(package, sel.image_mirror)), "image.installation_package"))
        for key, why in (("join.mosquitto", "image.mosquitto"), ("join.pause", "image.keadm_pause")):
            image = facts.KUBEEDGE.get(key, ke)
            if image:
                if key == "join.mosquitto" and sel.image_mirror:  # --image-repository R: R/eclipse-mosquitto
                    ref = qualified(f"{sel.mirror_host}/kubeedge/{image}")
                else:
                    ref = qualified(apply_mirror(image, sel.image_mirror))
                out.append(NodeImage(ref, why))
    virtlet = plan.script.get("virtlet")
    if virtlet:
        out.append(NodeImage(qualified(virtlet["image"]), "image.vmruntime"))
    seen: set[str] = set()
    return [i for i in out if not (i.reference in seen or seen.add(i.reference))]


# How each runtime takes an image archive in (templates/_bundle.sh.j2 runs it); CRI-O has no import
# command of its own: skopeo or podman write into the containers-storage it reads.
IMPORTERS = {"containerd": "ctr", "kata": "ctr", "virtlet": "docker", "docker": "docker",
             "cri-o": "containers-storage", "isulad": "isula"}


@dataclass(frozen=True)
class BundleFile:
    path: str  # inside the bundle
    download: ResolvedDownload
    checksum: bool = False  # the published checksum file, not the release file itself

    @property
    def url(self) -> str:
        return self.download.checksum_url if self.checksum else self.download.url


def bundle_files(sel: Selection, plan: RuntimePlan) -> list[BundleFile]:
    out: list[BundleFile] = []
    seen: set[str] = set()
    for d in fetch_downloads(plan, sel):
        for f in [BundleFile("files/" + d.file, d)] + ([BundleFile("files/" + d.checksum_file, d, True)]
                                                       if d.checksum_file else []):
            if f.path not in seen:
                seen.add(f.path)
                out.append(f)
    return out


def bundle_contents(sel: Selection, plan: RuntimePlan) -> list[str]:
    """Every path a bundle for this selection must hold besides the generated files."""
    return [f.path for f in bundle_files(sel, plan)] + [i.archive for i in node_images(sel, plan)]
