"""Kata Containers: a containerd runtime handler ``kata`` plus a RuntimeClass and a test pod.

Two ways to send a pod to Kata: the ``io.kubernetes.cri.untrusted-workload`` annotation, which
containerd (1.x and 2.x) maps to the runtime named ``untrusted`` -- this works on KubeEdge edge nodes;
or a RuntimeClass ``kata``, which edged cannot resolve today (rules.py warns).
"""

from __future__ import annotations

from .. import facts
from ..plan import ConfigFile, RuntimePlan, download
from ..selection import Selection
from . import containerd


def handler_table() -> dict:
    annotations = facts.KATA.get("pod_annotations", "0")
    return {
        "runtime_type": facts.KATA.get("runtime_type", "0"),
        "privileged_without_host_devices": True,
        "pod_annotations": list(annotations),
        "container_annotations": list(annotations),
    }


def plan(sel: Selection) -> RuntimePlan:
    untrusted = sel.kata_mode == "untrusted"
    handler = facts.KATA.get("untrusted_handler" if untrusted else "handler", "0")
    extra = {"extra_runtimes": {handler: handler_table()}}
    p = containerd.base_plan(sel, "kata", containerd.settings(sel, **extra), containerd.lower_forms(sel, **extra))
    p.downloads.append(download("kata", facts.KATA.get("release", "0"), sel))
    runtime_class = {
        "apiVersion": "node.k8s.io/v1",
        "kind": "RuntimeClass",
        "metadata": {"name": handler},
        "handler": handler,
    }
    pod: dict = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "kata-test"},
        "spec": {
            "containers": [{"name": "nginx", "image": _workload_image(sel)}],
        },
    }
    if untrusted:
        pod["metadata"]["annotations"] = {"io.kubernetes.cri.untrusted-workload": "true"}
    else:
        pod["spec"]["runtimeClassName"] = handler
    if sel.node_name:
        pod["spec"]["nodeName"] = sel.node_name
    if not untrusted:
        p.manifests.append(ConfigFile("kata-runtimeclass", "manifests/runtimeclass-kata.yaml", "yaml",
                                      runtime_class, "title.kata_runtimeclass"))
    p.manifests.append(ConfigFile("kata-test-pod", "manifests/kata-test-pod.yaml", "yaml", pod, "title.kata_pod"))
    p.script["kata_handler"] = handler
    p.checks.append({"kind": "kata-check"})
    return p


def _workload_image(sel: Selection) -> str:
    from ..selection import apply_mirror

    return apply_mirror("nginx:stable", sel.image_mirror)
