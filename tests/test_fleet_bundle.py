"""A fleet with no network (#12 with #11): `kubeedge_bundle: true` makes the controller build one
bundle for the hosts that share a selection (node names and labels differ), the role copies it, and
every node is set up with zero packets of its own towards any network but the SSH that Ansible uses.

The controller's sources are a real registry (docker-registry, test images pushed with skopeo) and
the release-file mirror, both on this host's loopback; the nodes have no mirror of their own and a
dead-end default route whose every packet iptables counts (as in test_bundle.py).
"""

from __future__ import annotations

import re

import pytest

import releases
from fleet_nodes import Fleet, problem
from helpers import ok
from kubeedge_runtime.offline import node_images
from offline_env import HostNet, Registry, oci_image, serve_files
from test_bundle import CUT, packets

PROBLEM = problem()
pytestmark = pytest.mark.skipif(PROBLEM is not None, reason=PROBLEM or "")

REGISTRY_PORT, FILES_PORT = 5870, 5871
SHARED = {"kubeedge_runtime": "containerd", "kubeedge_runtime_version": "2.1", "kubeedge_version": "1.20",
          "kubeedge_bundle": True, "kubeedge_image_mirror": f"http://127.0.0.1:{REGISTRY_PORT}"}
HOSTS = {"edge-a": ("sid", {**SHARED, "kubeedge_labels": "site=a"}),
         "edge-b": ("sid", {**SHARED, "kubeedge_labels": "site=b"})}
# Ansible's own connection: sshd's replies are the only packets a node may send
SSH_ONLY = "iptables -I OUTPUT 1 -p tcp --sport 22 -j RETURN"


def test_a_fleet_without_network_is_set_up_from_one_shared_bundle(tmp_path_factory):
    work = tmp_path_factory.mktemp("fleet-bundle")
    net = HostNet()
    fleet = Fleet(work, HOSTS)
    try:
        raw = {"os": "debian", "runtime": "containerd", "runtime_version": "2.1", "kubeedge_version": "1.20",
               "image_mirror": f"http://127.0.0.1:{REGISTRY_PORT}",
               "download_mirror": f"http://127.0.0.1:{FILES_PORT}"}
        registry = Registry(net, work / "registry", REGISTRY_PORT)
        result = ok(raw)
        pushed = {}
        for img in node_images(result.selection, result.plan):
            repo, tag = img.reference.split("/", 1)[1].rsplit(":", 1)
            layout = work / "oci" / re.sub(r"[/:]", "_", img.reference)
            layout.mkdir(parents=True)
            oci_image(layout, tag, repo)
            pushed[img.reference] = layout
            registry.push(layout, repo, tag)
        from node import suite
        releases.build_mirror(work / "files", raw, {"node": suite("sid"), "2.1": suite("sid")})
        serve_files(net, work / "files", FILES_PORT, work / "files.log")

        fleet.boot()
        fleet.init()
        fleet.write_inventory()
        group = fleet.dir / "inventory/group_vars/all.yml"
        group.write_text(group.read_text().replace("http://127.0.0.1:8080", f"http://127.0.0.1:{FILES_PORT}"))
        for node in fleet.nodes.values():
            for server in node.servers:  # no mirror, no apt: the node has nothing to reach
                server.stop()
            node.sh(CUT + SSH_ONLY)
            node.sh("iptables -Z OUTPUT")

        play = fleet.play()
        assert play.rc == 0, play
        bundles = [p for p in (fleet.dir / ".kubeedge-runtime/bundles").iterdir() if p.is_dir()]
        assert len(bundles) == 1, bundles  # one selection (labels differ per node): one bundle
        for name, node in fleet.nodes.items():
            listed = node.sh("ctr -n k8s.io images ls -q").stdout.split()
            for ref in pushed:
                assert ref in listed, (name, listed)
            assert packets(node) == 0, (name, node.sh("iptables -L OUTPUT -v -x -n").stdout)
            # each node still joins with its own labels (the keadm stand-in records its arguments)
            assert f"site={name[-1]}" in node.sh(f"cat {releases.KEADM_LOG}").stdout
        log = (work / "files.log").read_text()
        assert "/containerd/containerd/releases/download/v2.1." in log  # the controller fetched, once
        assert len(log.splitlines()) == len(set(log.splitlines())), log  # each file once, for both nodes
    finally:
        fleet.stop()
        net.close()
