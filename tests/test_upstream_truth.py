"""Key paths and flags checked against upstream, transcribed from FACTS.md independently of facts.py.

If the generator writes a key edgecore or the runtime does not read for that version, or a keadm
flag that version does not register, these tests fail.
"""

import pytest
from packaging.version import Version

from helpers import CLOUDCORE, by_id, dig, keadm_flags, ok, parse

MINORS = [f"1.{m}" for m in range(12, 24)]
LINUX_RUNTIMES = ["containerd", "cri-o", "docker", "kata", "virtlet", "isulad"]

# FACTS.md §1.1: flags registered by Linux `keadm join` per version.
ALWAYS = {"--cloudcore-ipport", "--edgenode-name", "--remote-runtime-endpoint", "--cgroupdriver", "--token",
          "--certport", "--labels", "--certPath", "--kubeedge-version", "--image-repository", "--tarballpath"}


def linux_flags(version: str) -> set[str]:
    v = Version(version)
    flags = set(ALWAYS)
    if v < Version("1.16"):
        flags.add("--runtimetype")
    if v < Version("1.21"):
        flags.add("--with-mqtt")
    if v >= Version("1.16"):
        flags.add("--hub-protocol")
    if v >= Version("1.18"):
        flags.add("--set")  # (repeatable only from 1.18.3 / 1.19.2: the product passes at most one)
    if v >= Version("1.20"):
        flags |= {"--pre-run", "--post-run"}
    return flags


def windows_flags(version: str) -> set[str]:
    return (linux_flags(version) - {"--cgroupdriver", "--image-repository"}) | {"--log-file", "--download-repo"}


# FACTS.md §4-§7: CRI endpoints.
DOCKERSHIM = "unix:///var/run/dockershim.sock"
ENDPOINTS = {
    "containerd": "unix:///run/containerd/containerd.sock",
    "kata": "unix:///run/containerd/containerd.sock",
    "cri-o": "unix:///var/run/crio/crio.sock",
    "docker": "unix:///var/run/cri-dockerd.sock",
    "virtlet": "unix:///var/run/cri-dockerd.sock",
    "isulad": "unix:///var/run/isulad.sock",
}


def selections():
    for minor in MINORS:
        for runtime in LINUX_RUNTIMES:
            for driver in ("systemd", "cgroupfs"):
                raw = {"kubeedge_version": minor, "runtime": runtime, "cgroup_driver": driver,
                       "node_name": "edge-1", "labels": "zone=a", "image_mirror": "china"}
                if runtime == "isulad" and driver == "systemd":
                    raw["runtime_version"] = "2.1.6"
                yield raw


@pytest.mark.parametrize("raw", list(selections()), ids=lambda r: f"{r['kubeedge_version']}-{r['runtime']}-"
                                                                   f"{r['cgroup_driver']}")
def test_keadm_flags_exist_in_that_keadm(raw):
    result = ok(raw)
    flags = keadm_flags(result)
    version = result.selection.kubeedge_version
    assert set(flags) <= linux_flags(version), set(flags) - linux_flags(version)
    assert flags["--kubeedge-version"] == "v" + version
    # KubeEdge v1.12 speaks CRI v1alpha2 only, which current cri-dockerd no longer serves: dockershim
    dockershim = raw["runtime"] in ("docker", "virtlet") and Version(version) < Version("1.13")
    assert flags["--remote-runtime-endpoint"] == (DOCKERSHIM if dockershim else ENDPOINTS[raw["runtime"]])
    assert flags["--cgroupdriver"] == raw["cgroup_driver"]
    assert flags["--cloudcore-ipport"] == "${CLOUDCORE_ADDRESS}"
    assert flags["--token"] == "${KUBEEDGE_TOKEN}"
    assert flags["--image-repository"] == "docker.m.daocloud.io/kubeedge"
    if Version(version) >= Version("1.18"):  # #10.7: EdgeCore keeps the runtime's pause image from GC
        assert flags["--set"] == ("Modules.Edged.TailoredKubeletFlag.ContainerRuntimeOptions.PodSandboxImage="
                                  "docker.m.daocloud.io/kubeedge/pause:3.6")
    else:
        assert "--set" not in flags
    if Version(version) < Version("1.16"):  # 1.12 defaults to docker; 1.15 accepts only remote
        assert flags["--runtimetype"] == ("docker" if dockershim else "remote")


def test_dockershim_flags_on_old_keadm():
    flags = keadm_flags(ok({"kubeedge_version": "1.13", "runtime": "docker", "runtime_version": "dockershim"}))
    assert flags["--runtimetype"] == "docker"
    assert flags["--remote-runtime-endpoint"] == DOCKERSHIM


@pytest.mark.parametrize("minor", MINORS[4:])
def test_windows_join_flags(minor):
    result = ok({"os": "windows", "kubeedge_version": minor, **CLOUDCORE})
    script = by_id(result)["keadm-join"].content
    command = script[script.index("keadm.exe join"):]
    used = {w.split("=")[0] for w in command.split() if w.startswith("--")}
    assert used <= windows_flags(result.selection.kubeedge_version)
    assert "--remote-runtime-endpoint='npipe://./pipe/containerd-containerd'" in script


# FACTS.md §2: edged keys per version. (key path, first version, version removed or None)
EDGED_KEYS = {
    ("modules", "edged", "containerRuntime"): ("1.12", "1.18"),
    ("modules", "edged", "remoteRuntimeEndpoint"): ("1.12", "1.18"),
    ("modules", "edged", "remoteImageEndpoint"): ("1.12", "1.18"),
    ("modules", "edged", "podSandboxImage"): ("1.12", None),
    ("modules", "edged", "hostnameOverride"): ("1.12", None),
    ("modules", "edged", "nodeLabels"): ("1.12", None),
    ("modules", "edged", "tailoredKubeletConfig", "cgroupDriver"): ("1.12", None),
    ("modules", "edged", "tailoredKubeletConfig", "containerRuntimeEndpoint"): ("1.16", None),
    ("modules", "edged", "tailoredKubeletConfig", "imageServiceEndpoint"): ("1.16", None),
    ("modules", "edgeHub", "httpServer"): ("1.12", None),
    ("modules", "edgeHub", "token"): ("1.12", None),
    ("modules", "edgeHub", "websocket", "enable"): ("1.12", None),
    ("modules", "edgeHub", "websocket", "server"): ("1.12", None),
    ("modules", "edgeHub", "quic", "enable"): ("1.12", None),
    ("modules", "edgeHub", "quic", "server"): ("1.12", None),
    ("modules", "edgeStream", "server"): ("1.12", None),  # json tag "server" (Go field TunnelServer)
}


def leaves(tree, prefix=()):
    for k, v in tree.items():
        if isinstance(v, dict) and k != "nodeLabels":
            yield from leaves(v, prefix + (k,))
        else:
            yield prefix + (k,)


@pytest.mark.parametrize("minor", MINORS)
@pytest.mark.parametrize("runtime", LINUX_RUNTIMES)
def test_edgecore_yaml_keys_exist_for_that_version(minor, runtime):
    raw = {"kubeedge_version": minor, "runtime": runtime, "install_method": "binary", "token": "abc.def",
           "node_name": "edge-1", "labels": "zone=a", **CLOUDCORE}
    result = ok(raw)
    conf = parse(by_id(result)["edgecore-config"])
    assert conf["apiVersion"] == "edgecore.config.kubeedge.io/v1alpha2" and conf["kind"] == "EdgeCore"
    v = Version(result.selection.kubeedge_version)
    for path in leaves({k: v2 for k, v2 in conf.items() if k == "modules"}):
        assert path in EDGED_KEYS, path
        first, removed = EDGED_KEYS[path]
        assert v >= Version(first) and (removed is None or v < Version(removed)), (path, v)
    dockershim = runtime in ("docker", "virtlet") and v < Version("1.13")
    endpoint = DOCKERSHIM if dockershim else ENDPOINTS[runtime]
    edged = conf["modules"]["edged"]
    if v >= Version("1.16"):
        # the only keys v1.16+ edged reads (the deprecated ones are ignored while these are set)
        assert edged["tailoredKubeletConfig"]["containerRuntimeEndpoint"] == endpoint
        assert edged["tailoredKubeletConfig"]["imageServiceEndpoint"] == endpoint
        if v < Version("1.18"):  # #10.6: keadm upgrade of 1.16-1.17 reads only the deprecated key
            assert edged["remoteRuntimeEndpoint"] == edged["remoteImageEndpoint"] == endpoint
            assert "keadm upgrade" in by_id(result)["edgecore-config"].content.split("apiVersion", 1)[0]
        else:
            assert "remoteRuntimeEndpoint" not in edged
    else:
        assert edged["remoteRuntimeEndpoint"] == edged["remoteImageEndpoint"] == endpoint
        assert edged["containerRuntime"] == ("docker" if dockershim else "remote")
    assert edged["tailoredKubeletConfig"]["cgroupDriver"] == result.selection.cgroup_driver
    assert conf["modules"]["edgeHub"]["websocket"]["server"] == "192.0.2.10:10000"
    assert conf["modules"]["edgeHub"]["httpServer"] == "https://192.0.2.10:10002"
    assert conf["modules"]["edgeStream"]["server"] == "192.0.2.10:10004"


# FACTS.md §4: containerd key paths by config version.
CONTAINERD_SANDBOX = {2: ("plugins", "io.containerd.grpc.v1.cri", "sandbox_image"),
                      3: ("plugins", "io.containerd.cri.v1.images", "pinned_images", "sandbox")}
CONTAINERD_RUNC = {2: ("plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes", "runc"),
                   3: ("plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes", "runc")}
CONTAINERD_SANDBOX[4], CONTAINERD_RUNC[4] = CONTAINERD_SANDBOX[3], CONTAINERD_RUNC[3]  # 2.3: CRI paths of 3


def config_version(containerd: str) -> int:
    """1.x: 2; 2.0-2.2: 3; 2.3: 4 (RELEASES.md @v2.3.0; config-default-v2.3.4.toml)."""
    return 2 if containerd.startswith("1.") else 4 if Version(containerd) >= Version("2.3") else 3


@pytest.mark.parametrize("version", ["1.6", "1.7", "2.0", "2.1", "2.2", "2.3"])
@pytest.mark.parametrize("runtime", ["containerd", "kata"])
def test_containerd_keys_match_config_version(version, runtime):
    result = ok({"runtime": runtime, "runtime_version": version, "sandbox_image": "registry.local:5000/pause:3.9"})
    conf = parse(by_id(result)["containerd-dropin"])
    cfg = config_version(version)
    assert conf["version"] == cfg
    assert dig(conf, *CONTAINERD_SANDBOX[cfg]) == "registry.local:5000/pause:3.9"
    runc = dig(conf, *CONTAINERD_RUNC[cfg])
    assert runc["runtime_type"] == "io.containerd.runc.v2"
    assert runc["options"]["SystemdCgroup"] is True
    if cfg >= 3:  # a version 3 file with v2 paths is not migrated: the settings would be lost
        assert "io.containerd.grpc.v1.cri" not in conf.get("plugins", {})
    if runtime == "kata":
        runtimes = dig(conf, *CONTAINERD_RUNC[cfg][:-1])
        assert runtimes["untrusted"]["runtime_type"] == "io.containerd.kata.v2"


def test_containerd_2x_carries_a_version_2_form_for_old_main_files():
    result = ok({"runtime_version": "2.1"})
    script = by_id(result)["install"].content
    assert 'sandbox_image = "docker.io/kubeedge/pause:3.6"' in script  # v2 form, for a version 2 config.toml
    assert 'sandbox = "docker.io/kubeedge/pause:3.6"' in script


@pytest.mark.parametrize("driver", ["systemd", "cgroupfs"])
@pytest.mark.parametrize("version", ["1.24", "1.29", "1.33", "1.36"])
def test_crio_dropin_keys(driver, version):
    result = ok({"runtime": "cri-o", "runtime_version": version, "cgroup_driver": driver,
                 "install_method": "binary", **CLOUDCORE})
    conf = parse(by_id(result)["crio-dropin"])
    assert conf["crio"]["image"]["pause_image"] == "docker.io/kubeedge/pause:3.6"  # CRI-O may lack search registries
    assert conf["crio"]["runtime"]["cgroup_manager"] == driver
    if driver == "cgroupfs":
        assert conf["crio"]["runtime"]["conmon_cgroup"] == "pod"  # CRI-O refuses anything else
    assert "plugins" not in conf  # the containerd key the English upstream page wrongly shows for CRI-O


# FACTS.md §7: iSulad daemon.json keys.
ISULAD_KEYS = {"pod-sandbox-image", "network-plugin", "cni-bin-dir", "cni-conf-dir",
               "websocket-server-listening-port", "enable-cri-v1", "registry-mirrors", "systemd-cgroup"}


@pytest.mark.parametrize("version", ["2.1.4", "2.1.5", "2.1.6"])
def test_isulad_keys(version):
    result = ok({"runtime": "isulad", "runtime_version": version, "cgroup_driver": "cgroupfs", "os": "openeuler"})
    conf = parse(by_id(result)["isulad-daemon"])
    assert set(conf) <= ISULAD_KEYS
    assert conf["enable-cri-v1"] is True
    assert conf["websocket-server-listening-port"] not in (10350, 10000, 10001, 10002, 10003, 10004)
    assert conf["network-plugin"] == "cni" and conf["cni-bin-dir"] == "/opt/cni/bin"
    assert ("systemd-cgroup" in conf) == (version == "2.1.6")


@pytest.mark.parametrize("mirror,expected", [("", ["docker.io"]), ("docker.io", ["docker.io"]),
                                             ("china", ["docker.m.daocloud.io", "docker.io"])])
def test_isulad_registry_mirrors_hold_the_chosen_one_first_and_each_once(mirror, expected):
    result = ok({"runtime": "isulad", "image_mirror": mirror, "os": "openeuler"})
    assert parse(by_id(result)["isulad-daemon"])["registry-mirrors"] == expected


@pytest.mark.parametrize("driver", ["systemd", "cgroupfs"])
def test_docker_cgroup_driver_on_both_sides(driver):
    result = ok({"runtime": "docker", "cgroup_driver": driver})
    conf = parse(by_id(result)["docker-daemon"])
    assert conf["exec-opts"] == [f"native.cgroupdriver={driver}"]
    assert keadm_flags(result)["--cgroupdriver"] == driver
    service = by_id(result)["cri-docker-service"].content
    assert "--pod-infra-container-image=docker.io/kubeedge/pause:3.6" in service
    assert "--network-plugin=cni" in service


@pytest.mark.parametrize("version", ["1.7", "2.3"])
def test_kata_untrusted_mode_uses_the_untrusted_runtime(version):
    """containerd maps io.kubernetes.cri.untrusted-workload to runtimes.untrusted in 1.x and 2.x
    (RuntimeUntrusted in pkg/cri/config @v1.6.39 and internal/cri/config @v2.3.4); the old
    untrusted_workload_runtime key would conflict with it (1.x) or is gone (2.x)."""
    result = ok({"runtime": "kata", "runtime_version": version})
    pod = parse(by_id(result)["kata-test-pod"])
    assert pod["metadata"]["annotations"] == {"io.kubernetes.cri.untrusted-workload": "true"}
    assert "runtimeClassName" not in pod["spec"]
    conf = parse(by_id(result)["containerd-dropin"])
    cfg = config_version(version)
    runtimes = dig(conf, *CONTAINERD_RUNC[cfg][:-1])
    assert runtimes["untrusted"]["runtime_type"] == "io.containerd.kata.v2"
    assert "untrusted_workload_runtime" not in conf["plugins"][CONTAINERD_RUNC[cfg][1]].get("containerd", {})
    assert "kata-runtimeclass" not in by_id(result)


def test_kata_manifests():
    result = ok({"runtime": "kata", "node_name": "edge-1", "kata_mode": "runtimeclass"})
    rc = parse(by_id(result)["kata-runtimeclass"])
    assert (rc["apiVersion"], rc["kind"], rc["metadata"]["name"], rc["handler"]) == (
        "node.k8s.io/v1", "RuntimeClass", "kata", "kata")
    pod = parse(by_id(result)["kata-test-pod"])
    assert pod["spec"]["runtimeClassName"] == "kata"
    assert "annotations" not in pod["metadata"]
    assert pod["spec"]["nodeName"] == "edge-1"
