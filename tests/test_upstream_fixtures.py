"""What the generator writes, checked against what the real upstream programs print (../shared/upstream/):
`containerd config default`, `crio config`, `cri-dockerd --help`, `keadm join --help` and EdgeCore's own
default configs and decoded key paths, per release. Every fixture file is picked up by its name, so a
fixture added later is tested too.

A product version without a fixture of its own is checked against the nearest fixture of the same line
(same config version for containerd), and the facts table's gate decides the rest; each test says so.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.version import Version

from helpers import CLOUDCORE, by_id, keadm_flags, ok, parse
from kubeedge_runtime.selection import kubeedge_minors, runtime_version_options

UPSTREAM = Path(__file__).resolve().parents[2] / "shared" / "upstream"


def fixtures(kind: str, pattern: str) -> dict[str, Path]:
    """{version: file} for every fixture of that kind (e.g. containerd/config-default-v*.toml)."""
    out = {}
    for f in sorted((UPSTREAM / kind).glob(pattern)):
        m = re.search(r"-v(\d+\.\d+\.\d+)", f.name)
        if m:
            out[m.group(1)] = f
    return out


def nearest(available: dict[str, Path], version: str) -> tuple[str, Path]:
    """The fixture of the same minor, else the closest release of the same major line."""
    want = Version(version)
    same_minor = [v for v in available if Version(v).release[:2] == want.release[:2]]
    if same_minor:
        return same_minor[-1], available[same_minor[-1]]
    line = [v for v in available if Version(v).major == want.major] or list(available)
    best = min(line, key=lambda v: (abs(Version(v).minor - want.minor), -Version(v).minor))
    return best, available[best]


def leaves(tree: dict, prefix: tuple = ()) -> list[tuple]:
    out = []
    for k, v in tree.items():
        if isinstance(v, dict) and v:
            out.extend(leaves(v, prefix + (k,)))
        else:
            out.append(prefix + (k,))
    return out


def has_path(tree: dict, path: tuple) -> bool:
    for part in path:
        if not isinstance(tree, dict) or part not in tree:
            return False
        tree = tree[part]
    return True


CONTAINERD = fixtures("containerd", "config-default-v*.toml")
CRIO = fixtures("crio", "config-default-v*.toml")
CRI_DOCKERD = fixtures("cri-dockerd", "help-v*.txt")
KEADM = fixtures("keadm", "join-help-v*.txt")
KEY_PATHS = fixtures("edgecore", "key-paths-v*.txt")
EDGECORE_DEFAULT = fixtures("edgecore", "default-config-v*.yaml")
EDGECORE_MIN = fixtures("edgecore", "min-config-v*.yaml")


def test_every_fixture_kind_is_there():
    for name, found in [("containerd", CONTAINERD), ("crio", CRIO), ("cri-dockerd", CRI_DOCKERD), ("keadm", KEADM),
                        ("edgecore key paths", KEY_PATHS), ("edgecore defaults", EDGECORE_DEFAULT),
                        ("edgecore minimal configs", EDGECORE_MIN)]:
        assert found, f"no {name} fixtures under {UPSTREAM}"


# --- containerd ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("minor", [m for m in runtime_version_options("containerd") if Version(m) >= Version("1.6")])
@pytest.mark.parametrize("runtime", ["containerd", "kata"])
def test_containerd_keys_exist_in_that_versions_default_config(minor, runtime):
    """Every key path of the drop-in exists in `containerd config default` of that release, and the drop-in
    declares that release's config version (2.3: version 4, #10.1). Runtime handler tables (kata, untrusted)
    are checked against the runc handler's keys, the one table every default config has."""
    result = ok({"runtime": runtime, "runtime_version": minor, "image_mirror": "registry.local:5000"})
    fixture_version, fixture = nearest(CONTAINERD, result.selection.runtime_version)
    default = tomllib.loads(fixture.read_text())
    dropin = parse(by_id(result)["containerd-dropin"])
    if Version(fixture_version).release[:2] == Version(minor).release[:2]:
        assert dropin["version"] == default["version"], (fixture.name, dropin["version"])
    else:  # no fixture of this minor: the nearest one must at least speak the same config version
        assert dropin["version"] == default["version"] or minor == "1.5", fixture.name
    for path in leaves({k: v for k, v in dropin.items() if k != "version"}):
        if "runtimes" in path and path[path.index("runtimes") + 1] != "runc":
            i = path.index("runtimes")
            path = path[:i + 1] + ("runc",) + path[i + 2:]
        assert has_path(default, path), f"{'.'.join(path)} is not in {fixture.name}"


def test_containerd_23_main_file_is_version_4():
    """#10.1: 2.3.4 migrates (and logs it) every version 3 file; its own default is version 4."""
    v, fixture = nearest(CONTAINERD, "2.3.4")
    assert v.startswith("2.3")
    result = ok({"runtime_version": "2.3"})
    assert parse(by_id(result)["containerd-config"])["version"] == tomllib.loads(fixture.read_text())["version"] == 4


# --- CRI-O -----------------------------------------------------------------------------------------------

def crio_keys(text: str) -> set[tuple[str, ...]]:
    """(table..., key) of every option in `crio config` output, the commented-out defaults included."""
    keys, table = set(), ()
    for line in text.splitlines():
        head = re.match(r"^\[([a-z0-9_.]+)\]\s*$", line)
        if head:
            table = tuple(head.group(1).split("."))
            continue
        opt = re.match(r"^#?\s?([a-z_]+)\s*=", line)
        if opt and table:
            keys.add(table + (opt.group(1),))
    return keys


@pytest.mark.parametrize("minor", runtime_version_options("cri-o"))
@pytest.mark.parametrize("driver", ["systemd", "cgroupfs"])
def test_crio_keys_exist_in_that_versions_crio_config(minor, driver):
    result = ok({"runtime": "cri-o", "runtime_version": minor, "cgroup_driver": driver, "kubeedge_version": "1.23",
                 "install_method": "binary", **CLOUDCORE})
    _, fixture = nearest(CRIO, result.selection.runtime_version)  # 1.30 / 1.32 / 1.36 printed; others: nearest
    known = crio_keys(fixture.read_text())
    for path in leaves(parse(by_id(result)["crio-dropin"])):
        assert path in known, f"{'.'.join(path)} is not in {fixture.name}"


# --- cri-dockerd ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", list(CRI_DOCKERD))
def test_cri_dockerd_unit_flags_exist_in_its_help(version):
    minor = ".".join(version.split(".")[:2])
    result = ok({"runtime": "docker", "runtime_version": minor})
    assert result.selection.runtime_version == version, "the fixture is not the release the product installs"
    help_text = CRI_DOCKERD[version].read_text()
    flags = set(re.findall(r"^\s+(?:-\w, )?(--[a-z0-9-]+)", help_text, re.M))
    service = by_id(result)["cri-docker-service"].content
    exec_start = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    used = {w.split("=")[0] for w in exec_start.split() if w.startswith("--")}
    assert used and used <= flags, used - flags


# --- keadm join ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", list(KEADM))
@pytest.mark.parametrize("runtime", ["containerd", "cri-o", "docker", "isulad"])
def test_keadm_flags_exist_in_that_releases_help(version, runtime):
    minor = ".".join(version.split(".")[:2])
    raw = {"kubeedge_version": version, "runtime": runtime, "node_name": "edge-1", "labels": "zone=a",
           "image_mirror": "registry.local:5000", "cloudcore": "192.0.2.10:10000"}
    if runtime == "cri-o":
        raw["runtime_version"] = "1.29"  # old enough for every keadm (#5955)
    result = generate_or_skip_reason(raw)
    if result is None:
        return
    text = KEADM[version].read_text()
    registered = set(re.findall(r"^\s+(?:-\w, )?(--[A-Za-z0-9-]+)", text, re.M))
    used = set(keadm_flags(result))
    assert used <= registered, f"keadm {version} has no {used - registered}"
    assert minor in kubeedge_minors()


def generate_or_skip_reason(raw):
    """The result, or None where the product refuses the combination (then there is no command to check:
    iSulad before KubeEdge 1.15, say); a refusal must be an error naming the field to change."""
    from kubeedge_runtime import generate
    result = generate(raw)
    if not result.ok:
        assert all(d.field for d in result.diagnostics if d.severity == "error"), result.diagnostics
        return None
    return result


# --- EdgeCore ---------------------------------------------------------------------------------------------

def key_paths(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip()}


def dotted(path: tuple) -> str:
    return ".".join(path)


@pytest.mark.parametrize("version", list(KEY_PATHS))
@pytest.mark.parametrize("runtime", ["containerd", "cri-o", "docker", "isulad"])
def test_edgecore_yaml_keys_are_decoded_by_that_release(version, runtime):
    raw = {"kubeedge_version": version, "runtime": runtime, "install_method": "binary", "token": "abc.def",
           "node_name": "edge-1", "labels": "zone=a", **CLOUDCORE}
    if runtime == "cri-o":
        raw["runtime_version"] = "1.29"
    result = generate_or_skip_reason(raw)
    if result is None:
        return
    conf = yaml.safe_load(by_id(result)["edgecore-config"].content)
    known = key_paths(KEY_PATHS[version].read_text())
    for path in leaves(conf):
        name = dotted(path)
        if path[:3] == ("modules", "edged", "nodeLabels"):
            name = "modules.edged.nodeLabels.*"
        assert name in known, f"{name} is not decoded by EdgeCore {version}"


@pytest.mark.parametrize("version", list(EDGECORE_MIN))
def test_edgecore_yaml_is_a_minimal_config_of_that_release(version):
    """Like `edgecore --minconfig`: same identity, and every edged key we set is one it decodes."""
    minimal = yaml.safe_load(EDGECORE_MIN[version].read_text())
    result = ok({"kubeedge_version": version, "install_method": "binary", "token": "abc.def", **CLOUDCORE})
    conf = yaml.safe_load(by_id(result)["edgecore-config"].content)
    assert (conf["apiVersion"], conf["kind"]) == (minimal["apiVersion"], minimal["kind"])
    assert set(conf["modules"]) <= set(minimal["modules"]) | {"edgeStream"}, set(conf["modules"])


@pytest.mark.parametrize("version", list(EDGECORE_DEFAULT))
def test_edgecore_identity_and_defaults_match_that_release(version):
    default = yaml.safe_load(EDGECORE_DEFAULT[version].read_text())
    result = ok({"kubeedge_version": version, "install_method": "binary", "token": "abc.def", **CLOUDCORE})
    conf = yaml.safe_load(by_id(result)["edgecore-config"].content)
    assert (conf["apiVersion"], conf["kind"]) == (default["apiVersion"], default["kind"])
    edged = default["modules"]["edged"]
    # the endpoint the product would leave alone is EdgeCore's own default; the runtime root dir likewise
    endpoint = edged.get("tailoredKubeletConfig", {}).get("containerRuntimeEndpoint") or \
        edged.get("remoteRuntimeEndpoint")
    assert endpoint == "unix:///run/containerd/containerd.sock" or Version(version) < Version("1.13"), endpoint
