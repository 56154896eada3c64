"""Known error strings (FACTS.md §8) -> the diagnostic that explains them -> the selection that fixes them.

The troubleshooting page renders this table; the cause text is the diagnostic's own message, so the
page and the configurator always say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class KnownError:
    error: str  # verbatim, as users see it
    sources: str  # issue numbers / docs
    code: str  # the diagnostic that explains it ("" when only the catalog text does)
    fix: dict[str, str] = field(default_factory=dict)  # a selection whose output avoids it
    trigger: dict[str, str] | None = None  # a selection that shows the diagnostic (default: ``fix``)

    @property
    def shown_by(self) -> dict[str, str]:
        return self.fix if self.trigger is None else self.trigger


KNOWN_ERRORS: list[KnownError] = [
    KnownError("rpc error: code = Unimplemented desc = unknown service runtime.v1alpha2.ImageService",
               "kubeedge#4621, #4681, #4980; FAQ", "containerd-cri-disabled",
               {"runtime": "containerd", "kubeedge_version": "1.14"}),
    KnownError('validate service connection: validate CRI v1 image API for endpoint '
               '"unix:///run/containerd/containerd.sock": rpc error: code = Unimplemented desc = unknown service '
               'runtime.v1.ImageService', "kubeedge#5529", "containerd-cri-disabled", {"runtime": "containerd"}),
    KnownError('failed to run Kubelet: validate service connection: validate CRI v1 runtime API for endpoint '
               '"unix:///run/containerd/containerd.sock": rpc error: code = Unimplemented desc = unknown service '
               'runtime.v1.RuntimeService', "kubeedge#5731", "containerd-cri-disabled",
               {"runtime": "containerd", "install_method": "binary", "cloudcore": "192.0.2.10:10000"}),
    KnownError('failed to create shim task: OCI runtime create failed: runc create failed: expected cgroupsPath to '
               'be of format "slice:prefix:name" for systemd cgroups', "kubeedge#5962, #5311; FAQ",
               "cgroup-driver-both-sides", {"runtime": "containerd", "cgroup_driver": "systemd"}),
    KnownError('misconfiguration: kubelet cgroup driver: "cgroupfs" is different from docker cgroup driver: '
               '"systemd"', "kubeedge#1772, #1960, #3939, #4681", "docker-cgroup-default",
               {"runtime": "docker", "cgroup_driver": "systemd"}),
    KnownError("cri-o configured with systemd cgroup manager, but did not receive slice as parent", "kubeedge#1217",
               "cgroup-driver-both-sides", {"runtime": "cri-o", "cgroup_driver": "systemd"}),
    KnownError('RunPodSandbox from runtime service failed ... failed to get sandbox image '
               '"registry.k8s.io/pause:3.6": failed to pull image', "kubeedge#5358", "runtime-default-sandbox",
               {"runtime": "containerd", "runtime_version": "1.6", "image_mirror": "china"}),
    KnownError('failed to get sandbox image "registry.k8s.io/pause:3.8" ... failed to do request: Head '
               '"https://us-west2-docker.pkg.dev/v2/k8s-artifacts-prod/images/pause/manifests/3.8": context '
               'deadline exceeded', "kubeedge#5943", "image-repository-scope",
               {"runtime": "containerd", "runtime_version": "1.7", "image_mirror": "china"}),
    KnownError("copy resources failed: rpc error: code = DeadlineExceeded desc = context deadline exceeded",
               "kubeedge#5782", "sandbox-image-runtime-key", {"runtime": "containerd", "image_mirror": "china"}),
    KnownError('failed to run Kubelet: unsupported CRI runtime: "docker", only "remote" is currently supported',
               "kubeedge#5087", "dockershim-removed", {"runtime": "docker", "kubeedge_version": "1.14"},
               {"runtime": "docker", "kubeedge_version": "1.14", "runtime_version": "dockershim"}),
    KnownError("since KubeEdge v1.14, runtime type only supports `remote`", "kubeedge PR #4841",
               "dockershim-removed", {"runtime": "docker", "kubeedge_version": "1.15"},
               {"runtime": "docker", "kubeedge_version": "1.15", "runtime_version": "dockershim"}),
    KnownError("RunPodSandbox from runtime service failed ... setting pod sandbox name and id: cannot generate pod "
               "name without uid in metadata", "kubeedge#5955", "crio-pod-uid",
               {"runtime": "cri-o", "kubeedge_version": "1.16.5", "runtime_version": "1.30"},
               {"runtime": "cri-o", "kubeedge_version": "1.16.4", "runtime_version": "1.30"}),
    KnownError("cannot generate pod name without namespace", "kubeedge#4220", "crio-namespace",
               {"runtime": "cri-o", "kubeedge_version": "1.13", "runtime_version": "1.24"},
               {"runtime": "cri-o", "kubeedge_version": "1.12", "runtime_version": "1.24"}),
    KnownError("networkPlugin cni failed", "kubeedge#5394", "cni-required", {"runtime": "docker"}),
    KnownError("cni plugin not initialized / cni config uninitialized", "FAQ", "cni-required",
               {"runtime": "containerd"}),
    KnownError('failed to reserve sandbox name "edgecore_kubeedge__0"', "FAQ; kubeedge#5584", "", {}),
    KnownError("kubelet should not be running on edge node when starting edgecore", "kubeedge#4681",
               "kubelet-must-not-run", {}),
    KnownError("the management directory /etc/kubeedge is not clean, please remove it first", "join.go PreRunE",
               "keadm-clean-dir", {}),
    KnownError("EdgeCore is already running on this node, please run reset to clean up first", "join.go PreRunE",
               "keadm-clean-dir", {}),
    KnownError("error dialing backend: unknown scheme: ws", "kubeedge#6751", "isulad-exec-ws",
               {"runtime": "isulad", "os": "openeuler"}),
    KnownError("edgecore for windows don't support version earlier than v1.15.0", "join_windows.go",
               "windows-kubeedge-version", {"os": "windows", "kubeedge_version": "1.16"},
               {"os": "windows", "kubeedge_version": "1.14"}),
]
