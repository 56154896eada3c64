"""The images a node pulls before it can run pods, as the runtime and keadm will name them.

Read by install.sh (which imports them from an offline bundle) and by the bundle builder (which fetches
them): one list, so the archive holds exactly the references the config and keadm ask for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import facts
from .plan import RuntimePlan
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
