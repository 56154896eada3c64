"""Property tests: any selection either yields errors, or artifacts that parse back to exactly what
was chosen. Hostile free text never reaches a script unquoted."""

import re
import shlex

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import by_id, dig, keadm_flags, parse
from kubeedge_runtime import generate
from kubeedge_runtime.selection import (ARCHES, CGROUP_DRIVERS, HUB_PROTOCOLS, INSTALL_METHODS, KATA_MODES, OSES,
                                        RUNTIMES, TEXT_VALIDATORS, kubeedge_minors, runtime_version_options)

HOSTILE = ["$(reboot)", "`id`", "a;b", "a b", "'", '"', "\\", "\n", "a|b", "a&b", "*", "~", "${IFS}", "-rf",
           "KUBEEDGE_EOF", "x\nKUBEEDGE_EOF\n", "é", "\x00", "{{ x }}", "%s%n"]
SAMPLE_TEXT = {
    "sandbox_image": ["kubeedge/pause:3.6", "registry.local:5000/pause:3.9", "docker.io/library/pause"],
    "image_mirror": ["none", "china", "registry.local:5000", "harbor.example.com/cache"],
    "download_mirror": ["", "https://mirror.example.com/github", "http://10.0.0.5:8080/gh"],
    "cloudcore": ["", "192.0.2.10:10000", "cloud.example.com:10001", "[2001:db8::1]:10000"],
    "token": ["", "0123abcd.eyJhbGciOi-_x"],
    "node_name": ["", "edge-01", "zone-a.edge-02"],
    "labels": ["", "zone=east", "example.com/tier=edge,role=cam"],
    "isulad_stream_port": ["", "10355", "20350"],
    "cni_subnet": ["", "10.88.0.0/16", "172.30.0.0/24"],
}


def text_value(key):
    return st.one_of(st.sampled_from(SAMPLE_TEXT[key]), st.sampled_from(HOSTILE),
                     st.text(max_size=30))


selection = st.fixed_dictionaries(
    {
        "kubeedge_version": st.sampled_from(kubeedge_minors() + ["1.12.3", "1.13.2", "1.16.4", "1.18.1", "9.9"]),
        "runtime": st.sampled_from(RUNTIMES),
        "install_method": st.sampled_from(INSTALL_METHODS),
        "os": st.sampled_from(OSES),
        "arch": st.sampled_from(ARCHES),
        "cgroup_driver": st.sampled_from(CGROUP_DRIVERS + [""]),
        "hub_protocol": st.sampled_from(HUB_PROTOCOLS),
        "lang": st.sampled_from(["en", "zh"]),
    },
    optional={key: text_value(key) for key in SAMPLE_TEXT} | {"kata_mode": st.sampled_from(KATA_MODES)},
).flatmap(lambda raw: st.sampled_from([""] + runtime_version_options(raw["runtime"])).map(
    lambda rv: {**raw, "runtime_version": rv}))

def expected_ref(image):
    """How a runtime key must name the image: with its registry (Docker's reference rules)."""
    head = image.split("/")[0]
    if "/" in image and ("." in head or ":" in head or head == "localhost"):
        return image
    return "docker.io/" + image if "/" in image else "docker.io/library/" + image


SAFE_IN_SCRIPTS = re.compile(r"[A-Za-z0-9._:/@=,\[\]+-]*")  # fullmatch: `$` would let a trailing newline in


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(selection)
def test_errors_or_parseable_artifacts_with_the_chosen_values(raw):
    result = generate(raw)
    if not result.ok:
        assert not result.artifacts
        assert all(d["message"] for d in result.diagnostics_json())
        return
    sel = result.selection
    arts = by_id(result)
    for a in result.artifacts:
        if a.language in ("toml", "json", "yaml"):
            parse(a)  # must parse
        assert a.content.endswith("\n")
    # the sandbox image is in the runtime's own key
    if "containerd-dropin" in arts:
        conf = parse(arts["containerd-dropin"])
        if conf["version"] == 2:
            assert dig(conf, "plugins", "io.containerd.grpc.v1.cri", "sandbox_image") == expected_ref(sel.sandbox_image)
            runc = dig(conf, "plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes", "runc")
        else:
            assert dig(conf, "plugins", "io.containerd.cri.v1.images", "pinned_images", "sandbox") == \
                expected_ref(sel.sandbox_image)
            runc = dig(conf, "plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes", "runc")
        assert runc["options"]["SystemdCgroup"] is (sel.cgroup_driver == "systemd")
    if "crio-dropin" in arts:
        conf = parse(arts["crio-dropin"])
        assert conf["crio"]["image"]["pause_image"] == expected_ref(sel.sandbox_image)
        assert conf["crio"]["runtime"]["cgroup_manager"] == sel.cgroup_driver
    if "docker-daemon" in arts:
        assert parse(arts["docker-daemon"])["exec-opts"] == [f"native.cgroupdriver={sel.cgroup_driver}"]
    if "isulad-daemon" in arts:
        conf = parse(arts["isulad-daemon"])
        assert conf["pod-sandbox-image"] == expected_ref(sel.sandbox_image)
        assert conf["websocket-server-listening-port"] == int(sel.isulad_stream_port) != 10350
    # the EdgeCore side uses the same driver and endpoint
    if "keadm-join" in arts and not sel.windows:
        flags = keadm_flags(result)
        assert flags["--cgroupdriver"] == sel.cgroup_driver
        if sel.cloudcore:
            assert flags["--cloudcore-ipport"] == sel.cloudcore
        if sel.node_name:
            assert flags["--edgenode-name"] == sel.node_name
        if sel.labels:
            assert flags["--labels"] == sel.labels
    if "edgecore-config" in arts:
        edged = parse(arts["edgecore-config"])["modules"]["edged"]
        if not sel.windows:
            assert edged["tailoredKubeletConfig"]["cgroupDriver"] == sel.cgroup_driver
        assert edged["podSandboxImage"] == expected_ref(sel.sandbox_image)
    # the provenance header stays comment lines whatever was typed (#9.16: a newline once ended it)
    for a in result.artifacts:
        if a.language == "bash":
            head = a.content.split("\nset -euo pipefail\n", 1)[0].splitlines()[1:]
            assert all(line.startswith("#") for line in head), (a.path, head)
    # every accepted free-text value is inert in a shell, and where it appears it is quoted
    for key in TEXT_VALIDATORS:
        value = getattr(sel, key)
        assert SAFE_IN_SCRIPTS.fullmatch(value), (key, value)
        for a in result.artifacts:
            if a.language == "bash" and value and not re.fullmatch(r"[A-Za-z0-9._/=,:@+-]+", value):
                assert shlex.quote(value) in a.content or value not in a.content, (key, value, a.path)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(list(TEXT_VALIDATORS)), st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40)))
def test_free_text_is_validated_or_safe(key, value):
    raw = {key: value}
    if key == "isulad_stream_port":
        raw["runtime"] = "isulad"
    result = generate(raw)
    if result.ok:
        assert SAFE_IN_SCRIPTS.fullmatch(getattr(result.selection, key))
    else:
        errors = [d for d in result.diagnostics if d.severity == "error"]
        assert all(d.field == key for d in errors)


def test_every_runtime_method_minor_arch_combination(tmp_path):
    """The whole matrix of the issue: errors, or artifacts that parse and scripts bash accepts."""
    import subprocess

    from kubeedge_runtime.selection import ARCHES, INSTALL_METHODS, RUNTIMES, kubeedge_minors

    scripts = []
    generated = 0
    for runtime in RUNTIMES:
        for method in INSTALL_METHODS:
            for minor in kubeedge_minors():
                for arch in ARCHES:
                    raw = {"runtime": runtime, "install_method": method, "kubeedge_version": minor, "arch": arch,
                           "cloudcore": "192.0.2.10:10000"}
                    result = generate(raw)
                    if not result.ok:
                        assert not result.artifacts
                        assert all(d.field for d in result.diagnostics if d.severity == "error")
                        continue
                    generated += 1
                    for a in result.artifacts:
                        if a.language in ("toml", "json", "yaml"):
                            parse(a)
                        elif a.language == "bash":
                            scripts.append(a.content)
    assert generated > 300  # most of the matrix is supported; errors are the documented exceptions
    for i, text in enumerate(scripts):
        (tmp_path / f"{i}.sh").write_text(text)
    res = subprocess.run(["bash", "-c", 'for f in "$@"; do bash -n "$f" || echo "BAD $f"; done', "_",
                          *sorted(str(p) for p in tmp_path.glob("*.sh"))], capture_output=True, text=True)
    assert res.returncode == 0 and "BAD" not in res.stdout, res.stdout[-2000:] + res.stderr[-2000:]
