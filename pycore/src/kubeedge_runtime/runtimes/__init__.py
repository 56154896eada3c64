"""One module per runtime; each exposes ``plan(selection) -> RuntimePlan``."""

from __future__ import annotations

from ..plan import RuntimePlan
from ..selection import Selection
from . import containerd, crio, docker, isulad, kata, virtlet

MODULES = {
    "containerd": containerd,
    "cri-o": crio,
    "docker": docker,
    "kata": kata,
    "virtlet": virtlet,
    "isulad": isulad,
}


def plan(sel: Selection) -> RuntimePlan:
    return MODULES[sel.runtime].plan(sel)
