"""Parsing and normalising selections: versions, free text, defaults, permalinks."""

import pytest

from kubeedge_runtime import generate
from kubeedge_runtime.core import selection_from
from kubeedge_runtime.selection import apply_mirror, permalink_query


def sel(**raw):
    s, diags = selection_from(raw)
    return s, {d.code for d in diags if d.severity == "error"}


@pytest.mark.parametrize("given, expected", [
    ("1.15", "1.15.4"), ("v1.15", "1.15.4"), ("1.15.2", "1.15.2"), ("V1.23", "1.23.1"), ("1.12", "1.12.7"),
])
def test_kubeedge_version_minor_means_latest_patch(given, expected):
    s, errors = sel(kubeedge_version=given)
    assert not errors
    assert s.kubeedge_version == expected


@pytest.mark.parametrize("given", ["1.11", "1.24", "1.15.9", "latest", "1", "1.15.0-rc1", ""])
def test_unknown_kubeedge_versions(given):
    s, errors = sel(kubeedge_version=given)
    if given == "":
        assert not errors  # empty means default
    else:
        assert errors == {"unknown-kubeedge-version"}


def test_defaults():
    s, errors = sel()
    assert not errors
    assert (s.runtime, s.install_method, s.os, s.arch) == ("containerd", "keadm", "ubuntu", "amd64")
    assert s.kubeedge_version == "1.23.1"
    assert s.runtime_version == "2.3.4"
    assert s.cgroup_driver == "systemd"
    assert s.sandbox_image == "kubeedge/pause:3.6"


def test_sandbox_default_follows_kubeedge_version():
    assert sel(kubeedge_version="1.12")[0].sandbox_image == "kubeedge/pause:3.1"
    assert sel(kubeedge_version="1.13")[0].sandbox_image == "kubeedge/pause:3.6"


def test_runtime_version_default_is_newest_that_fits():
    # containerd 1.5 cannot serve CRI v1: never the default, but still the answer for nothing newer
    assert sel(runtime="containerd", kubeedge_version="1.15")[0].runtime_version.startswith("2.3.")
    # CRI-O follows Kubernetes minors: KubeEdge 1.16 embeds k8s 1.27
    assert sel(runtime="cri-o", kubeedge_version="1.16")[0].runtime_version.startswith("1.27.")
    # iSulad without systemd-cgroup support gets cgroupfs by default
    s = sel(runtime="isulad", runtime_version="2.1.5")[0]
    assert s.cgroup_driver == "cgroupfs"


def test_kubeedge_1_12_defaults_speak_cri_v1alpha2():
    assert sel(kubeedge_version="1.12")[0].runtime_version.startswith("1.7.")  # containerd 2.x dropped v1alpha2
    assert sel(kubeedge_version="1.12", runtime="docker")[0].runtime_version == "dockershim"
    assert sel(kubeedge_version="1.12", runtime="cri-o")[0].runtime_version.startswith("1.24.")
    assert sel(kubeedge_version="1.13")[0].runtime_version.startswith("2.3.")  # v1 with fallback from 1.13


def test_docker_dockershim_only_as_explicit_choice():
    s, errors = sel(runtime="docker", kubeedge_version="1.13")
    assert s.runtime_version != "dockershim"
    s, errors = sel(runtime="docker", kubeedge_version="1.13", runtime_version="dockershim")
    assert not errors and s.runtime_version == "dockershim"


@pytest.mark.parametrize("field, good, bad", [
    ("sandbox_image", ["kubeedge/pause:3.6", "registry.local:5000/team/pause:3.9", "pause",
                       "k8s.gcr.io/pause@sha256:" + "a" * 64], ["Kubeedge/Pause", "pause:3.6;rm -rf /", "a b", "x:"]),
    ("cloudcore", ["192.168.1.10:10000", "cloud.example.com:10001", "[fd00::1]:10000"],
     ["192.168.1.10", "host:0", "host:99999", "$(id):1", "[zz::1]:1", "a b:1"]),
    ("node_name", ["edge-01", "edge.zone-a"], ["Edge01", "-edge", "edge_01", "a" * 254, "edge;reboot"]),
    ("token", ["abc.def-ghi_jkl"], ["abc def", "abc'def", "$(reboot)"]),
    ("labels", ["zone=east,role=camera", "example.com/tier=edge", "empty="],
     ["zone", "zone=east;x", "=v", "k=v v"]),
    ("image_mirror", ["none", "china", "registry.local:5000", "harbor.local/proxy"],
     ["http://", "reg istry", "registry.local:5000/../x", "r;x"]),
    ("download_mirror", ["https://ghproxy.internal/github.com", "http://10.0.0.5:8080"],
     ["ftp://x", "https://a b", "https://x/$(id)", "https://x//y"]),
    ("cni_subnet", ["10.88.0.0/16", "172.20.0.0/24"], ["10.88.0.1/16", "10.0.0.0/4", "fd00::/64", "x"]),
])
def test_free_text_validation(field, good, bad):
    extra = {"runtime": "isulad"} if field == "isulad_stream_port" else {}
    for value in good:
        s, errors = sel(**{field: value}, **extra)
        assert not errors, (field, value)
    for value in bad:
        s, errors = sel(**{field: value}, **extra)
        assert errors and all(e.startswith("invalid") for e in errors), (field, value)


def test_isulad_stream_port_validation():
    assert not sel(runtime="isulad", isulad_stream_port="10455")[1]
    assert sel(runtime="isulad", isulad_stream_port="80")[1] == {"invalid.port"}
    assert sel(runtime="isulad", isulad_stream_port="1e4")[1] == {"invalid.port"}


def test_mirror_presets_and_rewriting():
    s, _ = sel(image_mirror="china")
    assert s.image_mirror == "docker.m.daocloud.io"
    assert s.sandbox_image == "docker.m.daocloud.io/kubeedge/pause:3.6"
    assert apply_mirror("nginx:stable", "m.io") == "m.io/library/nginx:stable"
    assert apply_mirror("docker.io/kubeedge/pause:3.6", "m.io") == "m.io/kubeedge/pause:3.6"
    assert apply_mirror("registry.k8s.io/pause:3.9", "m.io") == "registry.k8s.io/pause:3.9"


def test_unknown_fields_are_ignored_with_a_warning():
    s, diags = selection_from({"runtimetype": "remote", "runtime": "cri-o"})
    assert s.runtime == "cri-o"
    assert [(d.code, d.severity) for d in diags] == [("unknown-field", "warning")]


def test_permalink_holds_only_given_non_defaults_and_never_secrets():
    s, _ = sel(runtime="cri-o", kubeedge_version="1.16", os="ubuntu", token="abc.def")
    assert permalink_query(s) == {"runtime": "cri-o", "kubeedge_version": "1.16"}
    s, _ = sel(kubeedge_version="1.16.2")
    assert permalink_query(s) == {"kubeedge_version": "1.16.2"}


def test_permalink_round_trip():
    raw = {"runtime": "isulad", "runtime_version": "2.1.5", "cgroup_driver": "cgroupfs", "lang": "zh",
           "isulad_stream_port": "10455", "node_name": "edge-1", "image_mirror": "china"}
    s, _ = sel(**raw)
    again, _ = sel(**permalink_query(s))
    assert again.as_dict() == s.as_dict()


# --- #9.16-18: input that once broke out of comments, raised tracebacks or flooded terminals -------------

@pytest.mark.parametrize("raw", [
    {"cloudcore": "host\n:10000"}, {"cloudcore": "cloud.example.com\n:10000"}, {"labels": "zone\n=east"},
    {"labels": "zone=ea\nst"}, {"node_name": "edge\nx"},
    {"sandbox_image": "kubeedge/pause:3.6\n#"}, {"image_mirror": "registry.local\n:5000"},
    {"download_mirror": "https://m.example\n/x"}, {"token": "abc\n.def"},
])
def test_line_breaks_inside_values_are_refused(raw):
    """#9.16: Python's `$` matches before a trailing newline; every validator matches the whole text."""
    result = generate(raw)
    assert not result.ok and [d.field for d in result.diagnostics if d.severity == "error"] == list(raw)


@pytest.mark.parametrize("raw", [
    {"cloudcore": "host:²"}, {"cloudcore": "host:１０００"}, {"runtime": "isulad", "isulad_stream_port": "²"},
    {"runtime": "isulad", "isulad_stream_port": "１０３５５"}, {"sandbox_image": "kubeedge/pause:３"},
])
def test_only_ascii_digits_are_numbers(raw):
    """#9.17: str.isdigit() accepts '²' and fullwidth digits; int() then raised."""
    result = generate(raw)
    assert not result.ok
    assert all(d["message"] for d in result.diagnostics_json())


def test_echoed_values_are_cut_and_escaped():
    """#9.18: a 100 KB value or terminal control characters never reach a message raw."""
    for value in ["x" * 100_000, "evil\x1b[2J\x1b]0;pwned\x07", "a\u202eb"]:
        result = generate({"node_name": value})
        (message,) = [d["message"] for d in result.diagnostics_json() if d["severity"] == "error"]
        assert len(message) < 400 and "\x1b" not in message and "\u202e" not in message and "\x07" not in message
    result = generate({"bad\x1b[31mkey": "1"})
    assert all("\x1b" not in (d["field"] or "") + d["message"] for d in result.diagnostics_json())
