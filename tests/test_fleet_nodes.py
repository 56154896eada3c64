"""The Ansible role from `kubeedge-runtime fleet init`, run for real over SSH against three booted Debian
nodes in one play, each with its own selection (issue #12):

- edge-bookworm: containerd 1.6 from Debian's package, cgroupfs, a sandbox image of its own;
- edge-trixie:   Docker Engine (Debian's docker.io) with KubeEdge v1.13's dockershim;
- edge-sid:      containerd 2.1 from the release files (loopback mirror), systemd.

What is asserted comes from the nodes: what the running runtimes report over their own sockets
(tests/cri.py) or `docker info`, file listings and checksums, the package database, what the keadm
stand-in was called with. Ansible's own output is asserted only for what it is: the PLAY RECAP, the
messages a failed host stops with, and that the join token is never in it.
"""

from __future__ import annotations

import pytest

import cri
import releases
from fleet_nodes import HOSTS, REMOTE, Fleet, problem

PROBLEM = problem()
pytestmark = pytest.mark.skipif(PROBLEM is not None, reason=PROBLEM or "")

# the last run: trixie moves to KubeEdge v1.23 with cri-dockerd (a stand-in: it cannot start), and sid
# asks for KubeEdge v1.12, which containerd 2.1 cannot serve (the rules refuse it)
LATER = {"edge-trixie": {"kubeedge_version": "1.23", "kubeedge_runtime_version": None,
                         "kubeedge_accept_unverified": True},
         "edge-sid": {"kubeedge_version": "1.12"}}
CONTAINERD_SOCK = "/run/containerd/containerd.sock"


def containerd(fleet: Fleet, name: str) -> cri.Client:
    return cri.Client(f"/proc/{fleet.nodes[name].pid}/root{CONTAINERD_SOCK}")


def assert_recap(play, expected: dict[str, dict]) -> None:
    for host, want in expected.items():
        got = play.recap.get(host)
        assert got is not None, f"{host} not in the recap\n{play}"
        for key, value in want.items():
            ok = value(got[key]) if callable(value) else got[key] == value
            assert ok, f"{host}: {key}={got[key]}\n{play}"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    f = Fleet(tmp_path_factory.mktemp("fleet"), HOSTS)
    try:
        f.boot({"edge-trixie": [{"kubeedge_runtime": "docker", "kubeedge_version": "1.23"}]})  # its mirror: both
        f.init()
        yield f
    finally:
        f.stop()


def test_fleet_check_reads_the_inventory_before_anything_runs(fleet):
    res = fleet.fleet_check()
    assert res.returncode == 0, res.stdout + res.stderr
    for name in HOSTS:
        assert name in res.stdout
    assert "KubeEdge v1.13" in res.stdout and "containerd 2.1" in res.stdout


def test_check_mode_dry_runs_every_node_and_changes_nothing(fleet):
    before = {name: fleet.snapshot(name) for name in HOSTS}
    play = fleet.play("--check", "--diff")
    assert play.rc == 0, play
    assert_recap(play, {name: {"failed": 0, "unreachable": 0, "changed": lambda n: n > 0} for name in HOSTS})
    for name in HOSTS:
        assert fleet.snapshot(name) == before[name], f"--check changed {name}"
    # --diff: install.sh's own dry-run diff of the runtime config, per host
    assert "would write /etc/containerd/conf.d/99-kubeedge.toml" in play.out
    assert "would write /etc/docker/daemon.json" in play.out
    assert 'SystemdCgroup = false' in play.out  # bookworm's cgroupfs, in the diff
    assert fleet.token not in play.out


def test_one_play_sets_up_three_different_nodes(fleet):
    play = fleet.play()
    assert play.rc == 0, play
    assert_recap(play, {name: {"failed": 0, "unreachable": 0, "changed": lambda n: n > 0} for name in HOSTS})

    # bookworm: Debian's containerd 1.6, as the running daemon reports it over CRI
    client = containerd(fleet, "edge-bookworm")
    try:
        status = client.status()
        config = status.config()
        assert config["sandboxImage"] == "registry.local:5000/pause:3.9"
        assert config["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is False
        assert status.conditions["RuntimeReady"], status.conditions
        assert client.version()["runtime_version"].startswith("1.6.")
    finally:
        client.close()
    assert "containerd\t" in fleet.nodes["edge-bookworm"].sh("dpkg-query -W containerd").stdout

    # sid: containerd 2.1 from the release files, systemd cgroups, the default sandbox image
    client = containerd(fleet, "edge-sid")
    try:
        assert client.cgroup_driver() == "systemd"
        assert client.version()["runtime_version"].startswith("2.1.")
    finally:
        client.close()
    dump = fleet.nodes["edge-sid"].sh("containerd config dump").stdout
    assert "sandbox = 'docker.io/kubeedge/pause:3.6'" in dump or 'sandbox = "docker.io/kubeedge/pause:3.6"' in dump

    # trixie: Docker Engine as dockerd itself reports it
    info = fleet.nodes["edge-trixie"].sh("docker info --format '{{.CgroupDriver}}'").stdout.strip()
    assert info == "systemd"

    # the join ran once per node, with the token from the controller's environment, which no log shows
    for name in HOSTS:
        node = fleet.nodes[name]
        calls = node.path(releases.KEADM_LOG).read_text().splitlines()
        assert len(calls) == 1 and calls[0].startswith("join ") and f"--token={fleet.token}" in calls[0], calls
        assert "--cloudcore-ipport=192.0.2.10:10000" in calls[0]
        assert node.path(f"{REMOTE}/joined").is_file()
        for f in node.path(REMOTE).rglob("*"):
            assert not f.is_file() or fleet.token not in f.read_text(errors="replace"), f
    assert "--labels=site=lab,tier=edge" in fleet.nodes["edge-sid"].path(releases.KEADM_LOG).read_text()
    assert fleet.token not in play.out
    for f in (fleet.dir / ".kubeedge-runtime").rglob("*"):
        assert not f.is_file() or fleet.token not in f.read_text(errors="replace"), f


def test_second_run_reports_changed_0_and_changes_nothing(fleet):
    before = {name: fleet.snapshot(name) for name in HOSTS}
    play = fleet.play()
    assert play.rc == 0, play
    assert_recap(play, {name: {"failed": 0, "changed": 0} for name in HOSTS})
    for name in HOSTS:
        assert fleet.snapshot(name) == before[name], f"the second run changed {name}"


def test_a_refused_selection_and_a_failing_script_fail_alone(fleet):
    fleet.write_inventory(LATER)
    sid_before = fleet.snapshot("edge-sid")
    play = fleet.play()
    assert play.rc != 0, play
    assert_recap(play, {"edge-bookworm": {"failed": 0, "changed": 0},
                        "edge-sid": {"failed": 1}, "edge-trixie": {"failed": 1}})
    # sid: refused on the controller by the rules, with the variable to change and the fix; untouched
    assert "edge-sid: error [kubeedge_runtime_version]: KubeEdge v1.12" in play.out, play
    assert "CRI v1alpha2" in play.out
    assert fleet.snapshot("edge-sid") == sid_before
    # trixie: install.sh's own error message in the play output
    assert "cri-docker did not start" in play.out, play
    assert fleet.token not in play.out


def test_waves_stop_at_the_first_failed_host_when_asked(fleet):
    """serial 1 and max_fail_percentage 0, as extra vars: the hosts after the failed one are not touched."""
    fleet.write_inventory(LATER)
    trixie_before = fleet.snapshot("edge-trixie")
    play = fleet.play("-e", "kubeedge_serial=1", "-e", "kubeedge_max_fail_percentage=0")
    assert play.rc != 0, play
    order = list(play.recap)  # the recap lists the hosts that ran
    assert play.recap["edge-bookworm"]["failed"] == 0 and play.recap["edge-sid"]["failed"] == 1, play
    assert "edge-trixie" not in order, play
    assert fleet.snapshot("edge-trixie") == trixie_before


def test_tags_verify_only_asks_the_nodes(fleet):
    fleet.write_inventory()
    play = fleet.play("--tags", "verify", "--limit", "edge-bookworm,edge-sid")
    assert play.rc == 0, play
    assert_recap(play, {"edge-bookworm": {"failed": 0, "changed": 0}, "edge-sid": {"failed": 0, "changed": 0}})
    assert "TASK [kubeedge_edge : verify.sh]" in play.out and "TASK [kubeedge_edge : install.sh]" not in play.out
