"""Every diagnostic code, reached by the selection that should trigger it (FACTS.md §1, §2, §8)."""

import pytest

from kubeedge_runtime import generate, rules

CC = {"cloudcore": "10.0.0.1:10000"}
# (selection, code, severity, field)
CASES = [
    ({"bogus": "x"}, "unknown-field", "warning", "bogus"),
    ({"runtime": "containerd", "kata_mode": "untrusted"}, "field-not-applicable", "warning", "kata_mode"),
    ({"arch": "sparc"}, "invalid-choice", "error", "arch"),
    ({"kubeedge_version": "1.9"}, "unknown-kubeedge-version", "error", "kubeedge_version"),
    ({"runtime_version": "1.4"}, "unknown-runtime-version", "error", "runtime_version"),
    ({"sandbox_image": "UPPER/case"}, "invalid.image", "error", "sandbox_image"),
    ({"image_mirror": "a b"}, "invalid.registry", "error", "image_mirror"),
    ({"download_mirror": "ftp://x"}, "invalid.url", "error", "download_mirror"),
    ({"cloudcore": "nohost"}, "invalid.hostport", "error", "cloudcore"),
    ({"node_name": "Edge_1"}, "invalid.node_name", "error", "node_name"),
    ({"token": "a b"}, "invalid.token", "error", "token"),
    ({"labels": "k"}, "invalid.labels", "error", "labels"),
    ({"cni_subnet": "10.0.0.1/8"}, "invalid.cidr", "error", "cni_subnet"),
    ({"runtime": "isulad", "isulad_stream_port": "22"}, "invalid.port", "error", "isulad_stream_port"),
    # platform
    ({"os": "windows", "runtime": "cri-o"}, "windows-runtime", "error", "runtime"),
    ({"os": "windows", "arch": "arm64"}, "windows-arch", "error", "arch"),
    ({"os": "windows", "kubeedge_version": "1.14"}, "windows-kubeedge-version", "error", "kubeedge_version"),
    ({"os": "windows", "kubeedge_version": "1.15"}, "windows-keadm-version", "error", "install_method"),
    ({"os": "windows"}, "windows-no-cgroupdriver", "info", None),
    ({"arch": "arm"}, "containerd-arm-distro", "warning", "arch"),
    ({"arch": "arm", "runtime": "cri-o"}, "arch-unsupported", "error", "arch"),
    ({"arch": "arm", "runtime": "docker"}, "arch-unsupported", "error", "arch"),
    # versions (FACTS.md §4, §6, §7)
    ({"runtime_version": "1.5", "kubeedge_version": "1.15"}, "containerd-too-old", "error", "runtime_version"),
    ({"runtime": "docker", "runtime_version": "dockershim", "kubeedge_version": "1.14"}, "dockershim-removed",
     "error", "runtime_version"),
    ({"runtime": "docker", "runtime_version": "dockershim", "kubeedge_version": "1.13"}, "dockershim-deprecated",
     "warning", "runtime_version"),
    ({"runtime": "docker"}, "cri-dockerd-remote", "info", None),
    ({"runtime": "isulad", "runtime_version": "2.1.5", "cgroup_driver": "systemd"}, "isulad-systemd-cgroup",
     "error", "cgroup_driver"),
    ({"runtime": "isulad", "isulad_stream_port": "10350"}, "isulad-stream-port", "error", "isulad_stream_port"),
    ({"runtime": "isulad", "isulad_stream_port": "50000"}, "isulad-stream-port-range", "error",
     "isulad_stream_port"),
    ({"runtime": "isulad", "kubeedge_version": "1.15"}, "isulad-cri-v1-build", "warning", "runtime_version"),
    ({"runtime": "isulad", "os": "ubuntu"}, "isulad-not-packaged", "warning", "os"),
    ({"runtime": "isulad"}, "isulad-exec-ws", "warning", None),
    ({"runtime": "isulad"}, "isulad-runc", "info", None),
    ({"runtime": "cri-o", "runtime_version": "1.30", "kubeedge_version": "1.16.4"}, "crio-pod-uid", "error",
     "runtime_version"),
    ({"runtime": "cri-o", "kubeedge_version": "1.12", "runtime_version": "1.24"}, "crio-namespace", "warning",
     "kubeedge_version"),
    ({"runtime": "cri-o", "runtime_version": "1.36", "kubeedge_version": "1.20"}, "crio-version-skew", "warning",
     "runtime_version"),
    ({"runtime": "cri-o", "cgroup_driver": "cgroupfs"}, "crio-conmon-pod", "info", "cgroup_driver"),
    ({}, "containerd-cri-disabled", "info", None),
    ({"runtime_version": "1.7"}, "containerd-imports-replace", "info", None),
    ({"runtime_version": "2.0.5"}, "containerd-default-no-systemdcgroup", "warning", "runtime_version"),
    ({"os": "debian", "runtime_source": "distro", "runtime_version": "1.6"}, "runtime-source-distro", "info",
     "runtime_source"),
    ({"os": "debian", "runtime_source": "distro", "runtime_version": "2.3"}, "runtime-source-distro-version",
     "warning", "runtime_version"),
    ({"image_mirror": "http://registry.local:5000"}, "image-mirror-plain-http", "warning", "image_mirror"),
    ({"kubeedge_version": "1.17", "image_mirror": "registry.local:5000"}, "edgecore-pause-image-default", "info",
     "sandbox_image"),
    ({"runtime": "kata"}, "kata-multitenancy", "info", None),
    ({"runtime": "kata", "kata_mode": "runtimeclass"}, "kata-runtimeclass-edge", "warning", "kata_mode"),
    ({"kubeedge_version": "1.12", "runtime_version": "2.0"}, "cri-v1alpha2-only", "error", "runtime_version"),
    ({"kubeedge_version": "1.12", "runtime": "cri-o", "runtime_version": "1.26"}, "cri-v1alpha2-only", "error",
     "runtime_version"),
    ({"kubeedge_version": "1.12", "runtime": "docker", "runtime_version": "0.3.22"}, "cri-v1alpha2-only", "error",
     "runtime_version"),
    ({"runtime": "virtlet"}, "virtlet-unmaintained", "warning", "runtime"),
    ({"runtime": "virtlet"}, "virtlet-endpoint", "warning", None),
    # cgroup driver and keadm (FACTS.md §1.3, §8.2)
    ({"kubeedge_version": "1.13.2", "cgroup_driver": "systemd"}, "keadm-systemd-bug", "error", "kubeedge_version"),
    ({}, "cgroup-driver-both-sides", "info", "cgroup_driver"),
    ({}, "sandbox-image-runtime-key", "info", "sandbox_image"),
    ({"runtime": "cri-o", "runtime_version": "1.30"}, "runtime-default-sandbox", "info", "sandbox_image"),
    ({"runtime": "docker", "cgroup_driver": "cgroupfs"}, "docker-cgroup-default", "info", "cgroup_driver"),
    ({"image_mirror": "china"}, "image-repository-scope", "info", "image_mirror"),
    ({"os": "windows"}, "windows-sandbox-image", "warning", "sandbox_image"),
    ({}, "kubeedge-version-explicit", "info", "kubeedge_version"),
    ({}, "cloudcore-from-env", "info", "cloudcore"),
    ({"kubeedge_version": "1.15"}, "keadm-with-mqtt", "info", None),
    ({"runtime": "docker", "runtime_version": "dockershim", "kubeedge_version": "1.13"}, "dockershim-sandbox", "info",
     "sandbox_image"),
    ({"os": "windows", "install_method": "binary", **CC}, "token-required", "error", "token"),
    ({"kubeedge_version": "1.15", "hub_protocol": "quic"}, "hub-protocol-version", "error", "hub_protocol"),
    ({}, "keadm-clean-dir", "info", None),
    ({"install_method": "binary", "kubeedge_version": "1.16", **CC}, "edged-deprecated-keys", "info", None),
    ({"install_method": "binary", **CC}, "edged-old-keys-ignored", "info", None),
    ({"install_method": "binary"}, "cloudcore-required", "error", "cloudcore"),
    ({"install_method": "binary", **CC}, "token-from-env", "info", "token"),
    ({"cloudcore": "10.0.0.1:10002"}, "cloudcore-port", "warning", "cloudcore"),
    ({"token": "abc.def"}, "token-in-output", "warning", "token"),
    ({}, "kubelet-must-not-run", "info", None),
    ({}, "cni-required", "info", "cni_subnet"),
    # network (#13 point 4) and the memory cgroup of arm boards (point 7)
    ({"network": "private", "download_mirror": "https://f.local/github"}, "network-private-registry", "error",
     "image_mirror"),
    ({"network": "private", "image_mirror": "reg.local:5000"}, "network-private-files", "error", "download_mirror"),
    ({"network": "offline"}, "network-offline", "info", "network"),
    ({"arch": "arm64"}, "memory-cgroup-arm", "info", "arch"),
]


@pytest.mark.parametrize("raw, code, severity, field", CASES, ids=[c[1] + "-" + str(i) for i, c in enumerate(CASES)])
def test_case_triggers_code(raw, code, severity, field):
    result = generate(raw)
    found = [(d.severity, d.field) for d in result.diagnostics if d.code == code]
    assert (severity, field) in found, [(d.code, d.severity, d.field) for d in result.diagnostics]
    if severity == "error":
        assert not result.artifacts


def test_every_code_has_a_case():
    assert sorted(set(rules.CODES)) == sorted({c[1] for c in CASES})


@pytest.mark.parametrize("raw, absent", [
    ({"kubeedge_version": "1.13.3", "cgroup_driver": "systemd"}, "keadm-systemd-bug"),
    ({"kubeedge_version": "1.13.2", "cgroup_driver": "systemd", "install_method": "binary", **CC},
     "keadm-systemd-bug"),
    ({"runtime": "cri-o", "runtime_version": "1.29.2", "kubeedge_version": "1.16.4"}, "crio-pod-uid"),
    ({"runtime": "cri-o", "runtime_version": "1.30", "kubeedge_version": "1.16.5"}, "crio-pod-uid"),
    ({"runtime": "cri-o", "runtime_version": "1.30", "kubeedge_version": "1.17.3", "install_method": "binary",
      **CC}, "crio-pod-uid"),
    ({"runtime_version": "2.0"}, "containerd-default-no-systemdcgroup"),
    ({"runtime_version": "2.0"}, "containerd-imports-replace"),
    ({"kubeedge_version": "1.16"}, "keadm-with-mqtt"),
    ({"runtime": "docker", "runtime_version": "dockershim", "kubeedge_version": "1.13"}, "cni-required"),
    ({"os": "windows", "image_mirror": "china"}, "image-repository-scope"),
    ({"runtime": "kata"}, "kata-runtimeclass-edge"),
    ({"kubeedge_version": "1.12", "runtime_version": "1.7"}, "cri-v1alpha2-only"),
    ({"kubeedge_version": "1.13", "runtime_version": "2.3"}, "cri-v1alpha2-only"),
    ({"kubeedge_version": "1.12", "runtime": "docker", "runtime_version": "0.3.21"}, "cri-v1alpha2-only"),
    ({"kubeedge_version": "1.12", "runtime": "docker", "runtime_version": "0.4.1"}, "cri-v1alpha2-only"),
    ({"kubeedge_version": "1.12", "runtime": "cri-o", "runtime_version": "1.25"}, "cri-v1alpha2-only"),
    ({"runtime": "docker", "kubeedge_version": "1.14"}, "dockershim-removed"),
    ({"cloudcore": "10.0.0.1:10001", "hub_protocol": "quic"}, "cloudcore-port"),
])
def test_fixed_versions_do_not_trigger(raw, absent):
    assert absent not in {d.code for d in generate(raw).diagnostics}


def test_errors_name_a_field_and_render_in_both_languages():
    for raw, code, severity, field in CASES:
        for lang in ("en", "zh"):
            result = generate({**raw, "lang": lang})
            for d in result.diagnostics_json():
                assert d["message"] and "{" not in d["message"], (code, lang, d)
                if d["severity"] == "error":
                    assert d["field"], d


def test_troubleshooting_entries_are_explained_and_fixed_by_the_core():
    from kubeedge_runtime.troubleshooting import KNOWN_ERRORS

    assert len(KNOWN_ERRORS) >= 20
    for entry in KNOWN_ERRORS:
        if entry.code:
            assert entry.code in rules.CODES
            assert entry.code in {d.code for d in generate(entry.shown_by).diagnostics}, entry.error
        if entry.fix:
            fixed = generate(entry.fix)
            assert fixed.ok, (entry.error, [d.code for d in fixed.diagnostics if d.severity == "error"])
