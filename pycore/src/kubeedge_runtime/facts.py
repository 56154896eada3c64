"""Facts as data. One row per fact, each with the range of versions it holds for and its source.

Sources use the notation of FACTS.md (``owner/repo@tag:path``, issue/PR numbers). The generators
only ever ask these tables; when upstream changes, a row changes here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from .versions import Row, Table

# --------------------------------------------------------------------------------------------
# KubeEdge releases


@dataclass(frozen=True)
class Release:
    minor: str
    latest_patch: int
    vendored_k8s: str
    source: str

    @property
    def latest(self) -> str:
        return f"{self.minor}.{self.latest_patch}"

    @property
    def patches(self) -> list[str]:
        return [f"{self.minor}.{p}" for p in range(self.latest_patch + 1)]


_GOMOD = "kubeedge/kubeedge@v1.{m}.0:go.mod + latest tag (FACTS.md §9)"
KUBEEDGE_RELEASES: list[Release] = [
    Release("1.12", 7, "1.22", _GOMOD.format(m=12)),
    Release("1.13", 5, "1.23", _GOMOD.format(m=13)),
    Release("1.14", 5, "1.24", _GOMOD.format(m=14)),
    Release("1.15", 4, "1.26", _GOMOD.format(m=15)),
    Release("1.16", 6, "1.27", _GOMOD.format(m=16)),
    Release("1.17", 5, "1.28", _GOMOD.format(m=17)),
    Release("1.18", 3, "1.29", _GOMOD.format(m=18)),
    Release("1.19", 2, "1.29", _GOMOD.format(m=19)),
    Release("1.20", 0, "1.30", _GOMOD.format(m=20)),
    Release("1.21", 2, "1.30", _GOMOD.format(m=21)),
    Release("1.22", 2, "1.31", _GOMOD.format(m=22)),
    Release("1.23", 1, "1.32", _GOMOD.format(m=23)),
]

_JOIN = "kubeedge/kubeedge@v1.{}:keadm/cmd/keadm/app/cmd/edge/join*.go"

# KubeEdge (keadm + edgecore) behaviour by version.
KUBEEDGE = Table("kubeedge", [
    # keadm join flags (FACTS.md §1.1)
    Row("keadm.flag.runtimetype", ">=1.12,<1.16", True,
        "kubeedge/kubeedge commit 192539b4e 'remove runtimetype' (first in v1.16.0)"),
    Row("keadm.flag.with_mqtt", ">=1.12,<1.21", True,
        _JOIN.format("15.0") + " newOption(); flag gone @v1.21.0"),
    Row("keadm.default.with_mqtt", ">=1.12,<1.16", True, _JOIN.format("15.0") + " newOption()"),
    Row("keadm.default.with_mqtt", ">=1.16,<1.21", False, "CHANGELOG-1.16 'Important Steps before Upgrading'"),
    Row("keadm.flag.hub_protocol", ">=1.16", True, _JOIN.format("16.0")),
    Row("keadm.flag.set", ">=1.18", True, "CHANGELOG-1.18; keadm/cmd/keadm/app/cmd/util/set.go"),
    Row("keadm.set_repeatable", ">=1.18.3,<1.19", True, "kubeedge/kubeedge#6065 (CHANGELOG-1.18 v1.18.3)"),
    Row("keadm.set_repeatable", ">=1.19.2", True, "kubeedge/kubeedge#6065 (CHANGELOG-1.19 v1.19.2, v1.20.0+)"),
    Row("keadm.flag.pre_post_run", ">=1.20", True, _JOIN.format("20.0")),
    # --set paths resolve JSON tags of a struct's own fields only, Go field names through embedded
    # structs: podSandboxImage sits in Edged > TailoredKubeletFlag > ContainerRuntimeOptions
    Row("keadm.set.pod_sandbox_image", ">=1.18", "Modules.Edged.TailoredKubeletFlag.ContainerRuntimeOptions.PodSandboxImage",
        "kubeedge/kubeedge@v1.23.1:keadm/cmd/keadm/app/cmd/util/set.go (parseTag) and set_test.go:505; "
        "staging/.../edgecore/v1alpha2/types.go:113/811/861 (same code @v1.18.3, v1.19.2, v1.20.0)"),
    # keadm upgrade in 1.16-1.17 reads only the deprecated key (an empty struct, no defaults), so a node on
    # another runtime than containerd would be upgraded against containerd's socket
    Row("keadm.upgrade_reads_deprecated_endpoint", ">=1.16,<1.18", True,
        "kubeedge/kubeedge@v1.17.5:keadm/cmd/keadm/app/cmd/edge/upgrade.go:79-80,184-185 "
        "(util.NewContainerRuntime(...Edged.RemoteRuntimeEndpoint...)); @v1.16.0 :183; @v1.18.3 :181 reads "
        "tailoredKubeletConfig.containerRuntimeEndpoint"),
    Row("keadm.windows_join", ">=1.16", True, "kubeedge/kubeedge@v1.16.0:keadm/cmd/keadm/app/cmd/edge/join_windows.go"),
    Row("edgecore.api_version", ">=1.12", "edgecore.config.kubeedge.io/v1alpha2",
        "pkg/apis/componentconfig/edgecore/v1alpha2/register.go @v1.12.0..v1.23.0 (kind EdgeCore)"),
    Row("edgecore.windows", ">=1.15", True,
        "join_windows.go: 'edgecore for windows don't support version earlier than v1.15.0'"),
    # defaults (FACTS.md §1.2, §2)
    Row("default.runtime_endpoint", ">=1.12,<1.13", "unix:///var/run/dockershim.sock",
        "kubeedge/kubeedge@v1.12.0:common/constants/default.go DefaultRemoteRuntimeEndpoint"),
    Row("default.runtime_endpoint", ">=1.13", "unix:///run/containerd/containerd.sock",
        "kubeedge/kubeedge@v1.13.0:common/constants/default.go (commit 27b2ac2ed)"),
    Row("default.sandbox_image", ">=1.12,<1.13", "kubeedge/pause:3.1",
        "kubeedge/kubeedge@v1.12.0:common/constants/default.go DefaultPodSandboxImage"),
    Row("default.sandbox_image", ">=1.13", "kubeedge/pause:3.6",
        "kubeedge/kubeedge@v1.13.0..v1.23.0: DefaultPodSandboxImage"),
    Row("default.cgroup_driver", "", "cgroupfs", "v1alpha2.CGroupDriverCGroupFS (keadm --cgroupdriver default)"),
    Row("edged.root_directory", ">=1.12,<1.13", "/var/lib/kubelet", "DefaultRootDir @v1.12.0"),
    Row("edged.root_directory", ">=1.13,<1.20", "/var/lib/edged", "DefaultRootDir @v1.13.0..v1.19.0"),
    Row("edged.root_directory", ">=1.20", "/var/lib/kubelet", "DefaultRootDir @v1.20.0; CHANGELOG-1.20"),
    # edged key layout (FACTS.md §2)
    Row("edged.layout", ">=1.12,<1.16", "flat",
        "pkg/apis/componentconfig/edgecore/v1alpha2/types.go @v1.12.0..v1.15.0"),
    Row("edged.layout", ">=1.16,<1.18", "tailored_with_deprecated",
        "v1alpha2/types.go @v1.16.0/@v1.17.0 (containerRuntimeEndpoint added, old keys DEPRECATED)"),
    Row("edged.layout", ">=1.18", "tailored",
        "v1alpha2/types.go @v1.18.0 (commit 6e5022c11 removes the old keys)"),
    # runtime support (FACTS.md §2, §4, §6)
    Row("dockershim", ">=1.12,<1.14", True, "CHANGELOG-1.14; kubeedge/kubeedge#4843, #5087"),
    Row("cri_v1_required", ">=1.15", True, "CHANGELOG-1.15 (vendored k8s 1.26 speaks CRI v1 only)"),
    Row("cri_v1alpha2_only", ">=1.12,<1.13", True,
        "kubeedge/kubeedge@v1.12.0 keadm imports cri-api v1alpha2; vendored kubelet 1.22 (v1 from k8s 1.23, "
        "kubernetes PR #106501)"),
    Row("mosquitto_image", ">=1.12,<1.13", "eclipse-mosquitto:1.6.15", "pkg/image/image.go @v1.12.0"),
    # images keadm join pulls itself (through the runtime's CRI) before EdgeCore exists (FACTS.md §1.3)
    Row("join.installation_package", ">=1.12", "kubeedge/installation-package",
        "keadm/cmd/keadm/app/cmd/util/image.go @v1.23.1:47-49 (tag: the --kubeedge-version, 'v' included); "
        "pkg/image/image.go @v1.12.0..v1.20.0"),
    Row("join.mosquitto", ">=1.12,<1.16", "eclipse-mosquitto:1.6.15",
        "pkg/image/image.go @v1.12.0..v1.15.0 (--with-mqtt defaults to true); common/constants DefaultMosquittoImage"),
    Row("join.pause", ">=1.12,<1.13", "kubeedge/pause:3.1", "pkg/image/image.go @v1.12.0 (keadm pulls it itself)"),
    Row("join.pause", ">=1.13,<1.16", "kubeedge/pause:3.6", "pkg/image/image.go @v1.13.0..v1.15.0"),
    # known bugs (FACTS.md §1.3, §8)
    Row("bug.keadm_systemd_copy_resources", ">=1.12.0,<1.12.5", True, "kubeedge/kubeedge PR #5063 (CHANGELOG-1.12)"),
    Row("bug.keadm_systemd_copy_resources", ">=1.13.0,<1.13.3", True, "kubeedge/kubeedge PR #5063 (CHANGELOG-1.13)"),
    Row("bug.keadm_systemd_copy_resources", ">=1.14.0,<1.14.3", True, "kubeedge/kubeedge PR #5063 (CHANGELOG-1.14)"),
    Row("bug.keadm_crio_pod_uid", "<1.16.5", True, "kubeedge/kubeedge#5955, fixed by PR #5960 in v1.16.5"),
    Row("bug.keadm_crio_pod_uid", ">=1.17,<1.17.4", True, "PR #5960 in v1.17.4 (CHANGELOG-1.17)"),
    Row("bug.keadm_crio_pod_uid", ">=1.18,<1.18.2", True, "PR #5960 in v1.18.2 (CHANGELOG-1.18)"),
    Row("bug.keadm_crio_pod_uid", ">=1.19,<1.19.1", True, "PR #5960 in v1.19.1 (CHANGELOG-1.19)"),
    Row("bug.keadm_crio_namespace", "<1.13", True, "kubeedge/kubeedge#4220, fixed by PR #4520 in v1.13"),
])

# The fix releases named in diagnostics, by minor (same sources as the bug rows above).
FIX_RELEASES = {
    "bug.keadm_systemd_copy_resources": {"1.12": "1.12.5", "1.13": "1.13.3", "1.14": "1.14.3"},
    "bug.keadm_crio_pod_uid": {"1.12": "1.16.5", "1.13": "1.16.5", "1.14": "1.16.5", "1.15": "1.16.5",
                               "1.16": "1.16.5", "1.17": "1.17.4", "1.18": "1.18.2", "1.19": "1.19.1"},
}

# Ports (all versions; FACTS.md §1.3 and §2): common/constants; cloudstream dials edged's 10350
# (cloud/pkg/cloudstream/container*_connection.go @v1.23.0).
PORTS = {
    "cloudhub_websocket": 10000,
    "cloudhub_quic": 10001,
    "cloudhub_https": 10002,
    "cloudstream": 10003,
    "tunnel": 10004,
    "edged_readonly": 10350,  # tailoredKubeletConfig.readOnlyPort; cloudstream dials it
    "metaserver": 10550,
}

# --------------------------------------------------------------------------------------------
# Runtimes


@dataclass(frozen=True)
class RuntimeRelease:
    """A runtime line the configurator offers: a minor with the newest patch we know of."""

    minor: str
    latest: str
    source: str


_CTR_TAGS = "containerd/containerd tags as of 2026-08-22 (git tag)"
CONTAINERD_RELEASES = [
    RuntimeRelease("1.5", "1.5.18", _CTR_TAGS),
    RuntimeRelease("1.6", "1.6.39", _CTR_TAGS),
    RuntimeRelease("1.7", "1.7.34", _CTR_TAGS),
    RuntimeRelease("2.0", "2.0.11", _CTR_TAGS),
    RuntimeRelease("2.1", "2.1.9", _CTR_TAGS),
    RuntimeRelease("2.2", "2.2.7", _CTR_TAGS),
    RuntimeRelease("2.3", "2.3.4", _CTR_TAGS + " (config version 4; CRI keys as in v3)"),
]

_CTR_CFG = "containerd/containerd@{}:docs/cri/config.md"
CONTAINERD = Table("containerd", [
    Row("config_version", "<2.0", 2, _CTR_CFG.format("v1.7.0") + " (config version 2)"),
    Row("config_version", ">=2.0,<2.3", 3, _CTR_CFG.format("v2.0.0") + " (config version 3)"),
    Row("config_version", ">=2.3", 4,
        "cmd/containerd/server/config/config.go @v2.3.0 (version 4: server properties become plugins; CRI keys as "
        "in 3); shared/upstream/containerd/config-default-v2.3.4.toml says version = 4, and 2.3.4 logs "
        "'Configuration migrated from version 3' for every version 3 file"),
    Row("socket", "", "unix:///run/containerd/containerd.sock", "containerd defaults/defaults_unix.go"),
    Row("runc_runtime_type", "", "io.containerd.runc.v2", "containerd docs/cri/config.md (the default runc runtime)"),
    Row("socket.windows", "", "npipe://./pipe/containerd-containerd", "containerd defaults/defaults_windows.go"),
    Row("default_sandbox_image", ">=1.5,<1.5.14", "k8s.gcr.io/pause:3.5", "pkg/cri/config/config_unix.go @v1.5.x"),
    Row("default_sandbox_image", ">=1.5.14,<1.6", "registry.k8s.io/pause:3.5", "pkg/cri/config/config_unix.go @v1.5.14"),
    Row("default_sandbox_image", ">=1.6,<1.6.9", "k8s.gcr.io/pause:3.6", "pkg/cri/config/config_unix.go @v1.6.0"),
    Row("default_sandbox_image", ">=1.6.9,<1.7", "registry.k8s.io/pause:3.6", "pkg/cri/config/config_unix.go @v1.6.9"),
    Row("default_sandbox_image", ">=1.7,<2.0", "registry.k8s.io/pause:3.8", "pkg/cri/config/config_unix.go @v1.7.0"),
    Row("default_sandbox_image", ">=2.0,<2.2", "registry.k8s.io/pause:3.10", "internal/cri/config/config.go @v2.0.0"),
    Row("default_sandbox_image", ">=2.2,<2.3", "registry.k8s.io/pause:3.10.1", "internal/cri/config/config.go @v2.2.0"),
    Row("default_sandbox_image", ">=2.3", "registry.k8s.io/pause:3.10.2", "internal/cri/config/config.go @v2.3.0"),
    Row("default_config_lacks_systemdcgroup", ">=2.0.0,<2.0.7", True,
        "internal/cri/config/config_unix.go @v2.0.0..v2.0.6 (re-added by PR #12244)"),
    Row("default_config_lacks_systemdcgroup", ">=2.1.0,<2.1.5", True,
        "internal/cri/config/config_unix.go @v2.1.0..v2.1.4 (re-added by PR #12244)"),
    Row("cni_bin_dirs", ">=2.1", True,
        "internal/cri/config/config.go @v2.1.0: cni.bin_dirs (a list); containerd 2.1.9 logs '`bin_dir` is "
        "deprecated, please use `bin_dirs` instead' (io.containerd.deprecation/cri-cni-bin-dir, removed in 2.3)"),
    # what the running containerd reports over CRI (verify.sh asks it; tests/cri.py reads the same)
    Row("status.sandbox_image", "<2.0", True,
        "pkg/cri/server/status.go @v1.6.0..v1.7.34: Status(verbose) info.config is the whole CRI config "
        "(sandboxImage); @v2.0.0..v2.3.4 it is the runtime config only (containerd/containerd#11114 is open)"),
    Row("cri.runtime_config", ">=2.0", True,
        "internal/cri/server/runtime_config_linux.go @v2.0.0 (RuntimeConfig: cgroup driver from runc's SystemdCgroup)"),
    Row("status.deprecation_condition", ">=2.1", True,
        "containerd 2.1.9 (sid) Status: condition ContainerdHasNoDeprecationWarnings, false while any "
        "deprecated property is used (ctr deprecations list)"),
    Row("cri_v1", ">=1.6", True, "CHANGELOG-1.15 (KubeEdge v1.15+ needs containerd >= 1.6)"),
    Row("cri_v1alpha2", "<2.0", True, "containerd/containerd PR #8276: CRI v1alpha2 removed in 2.0.0 "
        "(plugins/cri/cri.go @v2.0.0 registers runtime.v1 only)"),
    Row("imports_deep_merge", ">=2.0", True,
        "cmd/containerd/server/config/config.go @v2.0.0 mergeConfig (plugin tables merged key by key)"),
    Row("dropin_version_gate", ">=2.3.0,<2.3.5", True,
        "cmd/containerd/server/config/config.go @v2.3.0..v2.3.4: 'drop-in config version %d higher than root "
        "config version %d' when the main file declares a lower version"),
    Row("imports_deep_merge", "<2.0", False,
        "services/server/config/config.go @v1.6/1.7 mergeConfig: an imported [plugins.X] replaces the main "
        "file's whole table (verified with Debian containerd 1.6.20 in tests/test_real_containerd.py)"),
])

# TOML key paths by containerd config version (FACTS.md §4); version 4 keeps version 3's CRI paths
# (containerd/containerd@v2.3.4:docs/cri/config.md, config-default-v2.3.4.toml).
CONTAINERD_KEYS: dict[int, dict] = {
    2: {
        "cri_plugin": 'io.containerd.grpc.v1.cri',
        "sandbox_image": ("plugins", "io.containerd.grpc.v1.cri", "sandbox_image"),
        "systemd_cgroup": ("plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes", "runc", "options",
                           "SystemdCgroup"),
        "runc_runtime_type": ("plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes", "runc",
                              "runtime_type"),
        "runtimes": ("plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes"),
        "cni_bin_dir": ("plugins", "io.containerd.grpc.v1.cri", "cni", "bin_dir"),
        "cni_conf_dir": ("plugins", "io.containerd.grpc.v1.cri", "cni", "conf_dir"),
        "registry_config_path": ("plugins", "io.containerd.grpc.v1.cri", "registry", "config_path"),
        "source": _CTR_CFG.format("v1.7.0"),
    },
    3: {
        "cri_plugin": 'io.containerd.cri.v1.runtime',
        "sandbox_image": ("plugins", "io.containerd.cri.v1.images", "pinned_images", "sandbox"),
        "systemd_cgroup": ("plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes", "runc", "options",
                           "SystemdCgroup"),
        "runc_runtime_type": ("plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes", "runc",
                              "runtime_type"),
        "runtimes": ("plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes"),
        "cni_bin_dir": ("plugins", "io.containerd.cri.v1.runtime", "cni", "bin_dir"),
        "cni_bin_dirs": ("plugins", "io.containerd.cri.v1.runtime", "cni", "bin_dirs"),
        "cni_conf_dir": ("plugins", "io.containerd.cri.v1.runtime", "cni", "conf_dir"),
        "registry_config_path": ("plugins", "io.containerd.cri.v1.images", "registry", "config_path"),
        "source": _CTR_CFG.format("v2.0.0"),
    },
}

CONTAINERD_KEYS[4] = {**CONTAINERD_KEYS[3], "source": _CTR_CFG.format("v2.3.4")}

_CRIO_PATCHES = {24: 6, 25: 5, 26: 4, 27: 8, 28: 11, 29: 13, 30: 14, 31: 13, 32: 13, 33: 13, 34: 11, 35: 6, 36: 3}
CRIO_RELEASES = [RuntimeRelease(f"1.{m}", f"1.{m}.{p}", "cri-o/cri-o tags as of 2026-08-21 (git tag)")
                 for m, p in _CRIO_PATCHES.items()]

_CRIO_DOC = "cri-o/cri-o@v{}:docs/crio.conf.5.md"
CRIO = Table("cri-o", [
    Row("socket", "", "unix:///var/run/crio/crio.sock", _CRIO_DOC.format("1.36.0") + " [crio.api] listen"),
    Row("default_cgroup_manager", "", "systemd", "internal/config DefaultCgroupManager @v1.24.0..v1.36.0"),
    Row("default_pause_image", ">=1.24,<1.28", "registry.k8s.io/pause:3.6", _CRIO_DOC.format("1.24.0/1.27.0")),
    Row("default_pause_image", ">=1.28,<1.31", "registry.k8s.io/pause:3.9", _CRIO_DOC.format("1.28.0")),
    Row("default_pause_image", ">=1.31,<1.34", "registry.k8s.io/pause:3.10", _CRIO_DOC.format("1.31.0")),
    Row("default_pause_image", ">=1.34", "registry.k8s.io/pause:3.10.1", _CRIO_DOC.format("1.34.0")),
    Row("pod_uid_required", ">1.29.2", True, "kubeedge/kubeedge#5955 (CRI-O > v1.29.2)"),
    Row("cri_v1alpha2", "<1.26", True, "cri-o/cri-o PR #6347: v1alpha2 removed in v1.26.0 (cmd/crio/main.go @v1.25.0)"),
    Row("dropin_dir", "", "/etc/crio/crio.conf.d", "cri-o docs/crio.conf.d.5.md"),
])

CRI_DOCKERD_RELEASES = [
    RuntimeRelease("0.3", "0.3.25", "Mirantis/cri-dockerd tags as of 2026-04-27 (git tag)"),
    RuntimeRelease("0.4", "0.4.3", "Mirantis/cri-dockerd tags as of 2026-04-28 (git tag)"),
]

CRI_DOCKERD = Table("cri-dockerd", [
    Row("socket", "", "unix:///var/run/cri-dockerd.sock", "Mirantis/cri-dockerd cmd/cri/options/options.go"),
    Row("default_pause_image", "<0.3.10", "registry.k8s.io/pause:3.6", "Mirantis/cri-dockerd@v0.3.9:config/options.go"),
    Row("default_pause_image", ">=0.3.10,<0.3.17", "registry.k8s.io/pause:3.9",
        "Mirantis/cri-dockerd@v0.3.10..v0.3.16:config/options.go"),
    Row("default_pause_image", ">=0.3.17", "registry.k8s.io/pause:3.10",
        "Mirantis/cri-dockerd@v0.3.17..v0.4.3:config/options.go"),
    Row("cri_v1alpha2", "<0.3.22", True, "Mirantis/cri-dockerd PR #525 (v1alpha2 removed in v0.3.22)"),
    Row("cri_v1alpha2", ">=0.4,<0.4.2", True, "Mirantis/cri-dockerd PR #487 (v1alpha2 removed in v0.4.2)"),
    Row("dockershim_socket", "", "unix:///var/run/dockershim.sock",
        "kubeedge/kubeedge@v1.12.0:common/constants/default.go"),
])

DOCKER = Table("docker", [
    Row("default_cgroup_driver.cgroup_v1", "", "cgroupfs", "docker/cli docs/reference/commandline/dockerd.md"),
    Row("default_cgroup_driver.cgroup_v2", "", "systemd", "docker/cli docs/reference/commandline/dockerd.md"),
])

ISULAD_RELEASES = [
    RuntimeRelease("2.1.4", "2.1.4", "openeuler-mirror/iSulad tag v2.1.4 (CRI v1 build option)"),
    RuntimeRelease("2.1.5", "2.1.5", "openeuler-mirror/iSulad tag v2.1.5 (KubeEdge CI, PR #5878)"),
    RuntimeRelease("2.1.6", "2.1.6", "openeuler-mirror/iSulad tag v2.1.6 (systemd-cgroup)"),
]

ISULAD = Table("isulad", [
    Row("socket", "", "unix:///var/run/isulad.sock", "iSulad src/common/constants.h DEFAULT_UNIX_SOCKET"),
    Row("ci_stream_port", "", 10355, "kubeedge/kubeedge hack/lib/install.sh install_isulad"),
    Row("stream_port_range", ">=2.1.4", (1024, 49151),
        "iSulad src/cmd/isulad/isulad_commands.c check_args() -> check_websocket_server_listening_port() "
        "@v2.1.4..v2.1.6: refuses a websocket-server-listening-port outside 1024-49151 at start"),
    Row("enable_cri_v1", ">=2.1.4", True, "iSulad docs/manual (needs -DENABLE_CRI_API_V1=ON); website PR #526"),
    Row("systemd_cgroup", ">=2.1.6", True,
        "iSulad src/cmd/isulad/isulad_commands.h @v2.1.6 vs @v2.1.5 (commit 167af3ce)"),
    Row("default_sandbox_image", "", "pause-<arch>:3.0", "iSulad src/daemon/common/cri/cri_helpers.cc"),
    Row("default_registry_mirrors", "", ["docker.io"],
        "kubeedge/kubeedge hack/lib/install.sh install_isulad; iSulad resolves names without a registry only "
        "through registry-mirrors (src/daemon/modules/image/oci/oci_pull.c)"),
])

# Kata rides on containerd: the handler and RuntimeClass (FACTS.md §4 "Kata").
KATA = Table("kata", [
    Row("runtime_type", "", "io.containerd.kata.v2", "containerd docs/cri/config.md @v2.0.0 'Runtime classes'"),
    Row("handler", "", "kata", "containerd docs/cri/config.md; kata-containers docs/how-to/containerd-kata.md"),
    Row("pod_annotations", "", ["io.katacontainers.*"], "kata-containers docs/how-to/containerd-kata.md"),
    Row("untrusted_handler", "", "untrusted",
        "containerd/containerd@v1.6.39:pkg/cri/config/config.go RuntimeUntrusted; @v2.3.4:internal/cri/config/"
        "config.go (the io.kubernetes.cri.untrusted-workload annotation selects runtimes.untrusted)"),
    Row("runtimeclass_on_edge", "", False,
        "kubeedge/kubeedge#4416, #7106 (open): edged's fake clientset has no NodeV1, so pods with "
        "runtimeClassName fail with 'runtimeclass.node.k8s.io not found' (v1.13..v1.23.1)"),
    Row("release", "", "3.32.0", "kata-containers/kata-containers tag 3.32.0 (newest 3.x, 2026-06-22)"),
])

# CNI plugins and the bridge conflist (FACTS.md §3).
CNI = Table("cni", [
    Row("plugins_version", "", "1.9.1", "containernetworking/plugins tag v1.9.1 (2026-02-19)"),
    Row("bin_dir", "", "/opt/cni/bin", "kubeedge hack/lib/install.sh install_cni_plugins"),
    Row("conf_dir", "", "/etc/cni/net.d", "kubeedge hack/lib/install.sh install_cni_plugins"),
    Row("conflist_name", "", "10-containerd-net.conflist", "kubeedge/kubeedge@v1.15.0:hack/lib/install.sh"),
    Row("network_name", "", "containerd-net", "kubeedge/kubeedge@v1.15.0:hack/lib/install.sh"),
    Row("cni_version", "", "1.0.0", "kubeedge/kubeedge@v1.15.0:hack/lib/install.sh"),
    Row("default_subnet", "", "10.88.0.0/16", "kubeedge/kubeedge@v1.15.0:hack/lib/install.sh"),
])

# Distribution packages (install source "distro"): what apt installs instead of the release files.
_DEB = "Debian archive as served on 2026-12-02 (apt-cache policy in a debootstrap root of the suite)"
DISTRO = Table("distro", [
    Row("apt.packages.containerd", "", ["containerd", "runc", "containernetworking-plugins"],
        "Debian/Ubuntu package names (" + _DEB + ")"),
    Row("apt.cni_bin_dir", "", "/usr/lib/cni",
        "Debian containernetworking-plugins 1.1.1+ds1-3 and 1.9.1+ds1-1 install the plugins to usr/lib/cni "
        "(dpkg-deb -c); Debian's containerd config.toml sets bin_dir = \"/usr/lib/cni\""),
])


@dataclass(frozen=True)
class DistroRelease:
    name: str  # as shown to the user
    package: str
    version: str
    source: str


DISTRO_RELEASES = [
    DistroRelease("Debian 12 (bookworm)", "containerd", "1.6.20", _DEB + ": 1.6.20~ds1-1+deb12u3"),
    DistroRelease("Debian 13 (trixie)", "containerd", "1.7.24", _DEB + ": 1.7.24~ds1-6+deb13u1"),
    DistroRelease("Debian unstable (sid)", "containerd", "2.1.9", _DEB + ": 2.1.9+ds1-5"),
]

# Virtlet (FACTS.md §3: hack/setup-vmruntime.sh).
VIRTLET = Table("virtlet", [
    Row("image", "", "arktosstaging/vmruntime:latest", "kubeedge/kubeedge hack/setup-vmruntime.sh"),
    Row("socket", "", "unix:///run/virtlet.sock", "Mirantis/virtlet README (virtlet --listen)"),
    Row("host_dirs", "", ["/var/lib/virtlet", "/var/log/virtlet", "/var/run/libvirt", "/etc/libvirt/qemu",
                          "/var/lib/libvirt", "/var/log/libvirt", "/run/libvirt"],
        "kubeedge/kubeedge hack/setup-vmruntime.sh start"),
])

# Image mirrors: the "china" preset re-prefixes docker.io images (FACTS.md §8.3). The host is
# DaoCloud's public Docker Hub mirror, as used in kubeedge/kubeedge#5943
# (--image-repository=docker.m.daocloud.io/kubeedge).
MIRROR_PRESETS = {
    "china": "docker.m.daocloud.io",
}
# Download mirrors: the "china" preset is DaoCloud's public file mirror, which serves any public URL
# below its host name: https://files.m.daocloud.io/<host>/<path> (DaoCloud/public-binary-files-mirror
# README @975d263, "在原始 URL 上面加入 files.m.daocloud.io 的前缀"), so it covers GitHub and CRI-O's
# storage.googleapis.com alike (selection.HOST_PREFIX_SUFFIX is that form).
DOWNLOAD_MIRROR_PRESETS = {
    "china": "https://files.m.daocloud.io/github.com",
}


# --------------------------------------------------------------------------------------------
# Downloads: where each artifact comes from, per architecture, and how to check it.


@dataclass(frozen=True)
class Download:
    name: str
    url: str  # template: {version} {arch} ({arch} after ARCH_NAMES mapping)
    checksum_url: str  # "" when upstream publishes none
    checksum: str  # "sha256sum" (hash + name lines), "sha256" (same, one file), "sha512-bare" (hash only), ""
    arches: tuple[str, ...]
    source: str
    installs: str = ""  # the file whose presence means it is installed (checked before downloading)


GITHUB = "https://github.com"
DOWNLOADS = {
    "containerd": Download(
        "containerd", GITHUB + "/containerd/containerd/releases/download/v{version}/containerd-{version}-linux-{arch}.tar.gz",
        GITHUB + "/containerd/containerd/releases/download/v{version}/containerd-{version}-linux-{arch}.tar.gz.sha256sum",
        "sha256sum", ("amd64", "arm64"),
        "containerd/containerd release assets (no armhf build in 1.6/1.7/2.x)"),
    "runc": Download(
        "runc", GITHUB + "/opencontainers/runc/releases/download/v{version}/runc.{arch}",
        GITHUB + "/opencontainers/runc/releases/download/v{version}/runc.sha256sum",
        "sha256sum", ("amd64", "arm64", "arm"), "opencontainers/runc release assets (runc.<arch>, runc.sha256sum)"),
    "cni": Download(
        "cni-plugins", GITHUB + "/containernetworking/plugins/releases/download/v{version}/cni-plugins-linux-{arch}-v{version}.tgz",
        GITHUB + "/containernetworking/plugins/releases/download/v{version}/cni-plugins-linux-{arch}-v{version}.tgz.sha256",
        "sha256", ("amd64", "arm64", "arm"), "containernetworking/plugins release assets"),
    "cri-dockerd": Download(
        "cri-dockerd", GITHUB + "/Mirantis/cri-dockerd/releases/download/v{version}/cri-dockerd-{version}.{arch}.tgz",
        "", "", ("amd64", "arm64"), "Mirantis/cri-dockerd release assets (no checksums, no 32-bit arm)",
        "/usr/local/bin/cri-dockerd"),
    "cri-o": Download(
        "cri-o", "https://storage.googleapis.com/cri-o/artifacts/cri-o.{arch}.v{version}.tar.gz",
        "https://storage.googleapis.com/cri-o/artifacts/cri-o.{arch}.v{version}.tar.gz.sha256sum",
        "sha256sum", ("amd64", "arm64"), "cri-o/cri-o install.md static bundles"),
    "kata": Download(
        "kata-static", GITHUB + "/kata-containers/kata-containers/releases/download/{version}/kata-static-{version}-{arch}.tar.zst",
        "", "", ("amd64", "arm64"), "kata-containers/kata-containers@3.32.0:tools/packaging/release/release.sh",
        "/opt/kata/bin/containerd-shim-kata-v2"),
    "keadm": Download(
        "keadm", GITHUB + "/kubeedge/kubeedge/releases/download/v{version}/keadm-v{version}-linux-{arch}.tar.gz",
        GITHUB + "/kubeedge/kubeedge/releases/download/v{version}/checksum_keadm-v{version}-linux-{arch}.tar.gz.txt",
        "sha512-bare", ("amd64", "arm64", "arm"), "kubeedge/kubeedge release assets (checksum_*.txt: sha512 hex)"),
    "edgecore": Download(
        "kubeedge", GITHUB + "/kubeedge/kubeedge/releases/download/v{version}/kubeedge-v{version}-linux-{arch}.tar.gz",
        GITHUB + "/kubeedge/kubeedge/releases/download/v{version}/checksum_kubeedge-v{version}-linux-{arch}.tar.gz.txt",
        "sha512-bare", ("amd64", "arm64", "arm"), "kubeedge/kubeedge release assets (edge/edgecore inside)"),
}
# Architecture names as each upstream spells them.
ARCH_NAMES = {"runc": {"arm": "armhf"}}
RUNC_VERSION = "1.3.6"  # opencontainers/runc tag v1.3.6 (newest of the 1.3 line, 2026-08)
