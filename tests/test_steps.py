"""The run order (steps.py): exact commands per selection, CLI flags that reproduce the selection,
the zip's README."""

import io
import json
import shlex
import subprocess
import sys
import zipfile

import pytest

from kubeedge_runtime.core import generate
from kubeedge_runtime.i18n import catalog
from kubeedge_runtime.steps import cli_command, cli_flags, readme, run_steps
from kubeedge_runtime.webui import api_zip


def commands(raw):
    return [c for s in run_steps(generate(raw).selection) for c in s.commands]


def test_keadm_order_and_sudo_env():
    cmds = commands({})
    assert cmds == ["sudo bash install.sh --dry-run", "sudo bash install.sh",
                    "sudo env CLOUDCORE_ADDRESS='<cloudcore-host:port>' KUBEEDGE_TOKEN='<token from keadm gettoken>' "
                    "bash keadm-join.sh", "sudo bash verify.sh"]


def test_given_values_need_no_env():
    r = generate({"cloudcore": "192.0.2.1:10000", "token": "abc.def"})
    join = next(s for s in run_steps(r.selection) if s.id == "join")
    assert join.commands == ("sudo bash keadm-join.sh",)
    assert "abc.def" not in " ".join(c for s in run_steps(r.selection) for c in s.commands)


def test_binary_install_takes_the_token_and_starts_edgecore():
    r = generate({"install_method": "binary", "cloudcore": "192.0.2.1:10000"})
    steps = {s.id: s for s in run_steps(r.selection)}
    assert steps["install"].commands == ("sudo env KUBEEDGE_TOKEN='<token from keadm gettoken>' bash install.sh",)
    assert "edgecore.yaml" in steps["install"].text and "sudo" in steps["install"].text
    assert steps["start"].commands[0] == "sudo systemctl enable --now edgecore"
    assert list(steps)[-1] == "verify"


def test_binary_edgecore_yaml_says_install_sh_adds_the_token():
    r = generate({"install_method": "binary", "cloudcore": "192.0.2.1:10000"})
    yaml_text = next(a.content for a in r.artifacts if a.id == "edgecore-config")
    assert "# No token here: install.sh adds" in yaml_text
    r = generate({"install_method": "binary", "cloudcore": "192.0.2.1:10000", "token": "abc.def"})
    yaml_text = next(a.content for a in r.artifacts if a.id == "edgecore-config")
    assert "No token here" not in yaml_text and "token: abc.def" in yaml_text


def test_windows_steps_in_powershell():
    r = generate({"os": "windows", "lang": "zh"})
    steps = run_steps(r.selection)
    assert [s.id for s in steps] == ["windows-steps", "join"]
    assert steps[1].commands[-1] == r".\keadm-join.ps1"
    assert steps[0].text == catalog("zh")["step.windows_steps"]


@pytest.mark.parametrize("raw", [
    {},
    {"runtime": "cri-o", "kubeedge_version": "1.16", "cgroup_driver": "cgroupfs"},
    {"labels": "zone=east,role=cam", "node_name": "edge-1", "download_mirror": "https://p.example/https://github.com"},
])
def test_cli_flags_reproduce_the_selection(raw, tmp_path):
    """The flags shown run as shown (through a shell) and give the same bytes."""
    r = generate({**raw, "token": "secret.value"})
    flags = cli_flags(r.selection)
    assert "secret" not in flags
    argv = [sys.executable, "-m", "kubeedge_runtime", "generate", *shlex.split(flags), "--format", "json"]
    out = json.loads(subprocess.run(argv, capture_output=True, text=True, check=True).stdout)
    assert out["selection"] == {k: v for k, v in r.selection.as_dict().items() if k != "token"}
    assert cli_command(r.selection, "bundle", "--output", "b.tar.gz").startswith("kubeedge-runtime bundle ")


def test_flags_are_only_what_differs_from_the_defaults():
    r = generate({"node_name": "edge-1"})
    assert cli_flags(r.selection) == "--node-name=edge-1"
    assert cli_command(generate({}).selection, "generate") == "kubeedge-runtime generate"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_zip_has_a_readme_in_the_page_language(lang):
    raw = {"runtime": "cri-o", "lang": lang}
    zf = zipfile.ZipFile(io.BytesIO(api_zip(json.dumps(raw))))
    text = zf.read("kubeedge-runtime/README.md").decode()
    r = generate(raw)
    assert text == readme(r.selection, r.permalink)
    assert text.startswith("# " + catalog(lang)["readme.title"])
    assert "sudo bash install.sh --dry-run" in text and "bash keadm-join.sh" in text
    assert text.index("--dry-run") < text.index("keadm-join.sh") < text.index("verify.sh")


# --- the network choice (#13 point 4) --------------------------------------------------------------

from kubeedge_runtime import facts  # noqa: E402
from kubeedge_runtime.plan import mirror_url  # noqa: E402
from kubeedge_runtime.steps import contacted_hosts  # noqa: E402

CRIO = "https://storage.googleapis.com/cri-o/artifacts/cri-o.amd64.v1.32.13.tar.gz"
CNI = "https://github.com/containernetworking/plugins/releases/download/v1.9.1/cni-plugins-linux-amd64-v1.9.1.tgz"


@pytest.mark.parametrize("mirror, url, expected", [
    ("https://gh.example/https://github.com", CNI, "https://gh.example/" + CNI),
    ("https://files.example/github.com", CNI, "https://files.example/github.com/containernetworking/plugins/"
     "releases/download/v1.9.1/cni-plugins-linux-amd64-v1.9.1.tgz"),
    ("https://files.example/github.com", CRIO, "https://files.example/storage.googleapis.com/cri-o/artifacts/"
     "cri-o.amd64.v1.32.13.tar.gz"),
    ("http://10.0.0.5:8080/copy", CRIO, "http://10.0.0.5:8080/copy/cri-o/artifacts/cri-o.amd64.v1.32.13.tar.gz"),
])
def test_install_sh_mirrors_like_the_core(mirror, url, expected):
    """install.sh's mirrored() and plan.mirror_url give the same URL for all three mirror forms."""
    assert mirror_url(url, mirror) == expected
    script = next(a.content for a in generate({"download_mirror": mirror}).artifacts if a.id == "install")
    lib = script[script.index("mirrored() {"):]
    lib = lib[:lib.index("\n}\n") + 3]
    out = subprocess.run(["bash", "-c", lib + 'DOWNLOAD_MIRROR="$1"; mirrored "$2"', "_", mirror, url],
                         capture_output=True, text=True, check=True).stdout
    assert out == expected


def test_china_sets_both_mirrors_and_more_options_still_win():
    sel = generate({"network": "china"}).selection
    assert sel.image_mirror == facts.MIRROR_PRESETS["china"]
    assert sel.download_mirror == facts.DOWNLOAD_MIRROR_PRESETS["china"]
    assert sel.sandbox_image.startswith("docker.m.daocloud.io/")
    sel = generate({"network": "china", "image_mirror": "reg.local:5000"}).selection
    assert sel.image_mirror == "reg.local:5000" and sel.download_mirror == facts.DOWNLOAD_MIRROR_PRESETS["china"]
    assert generate({"download_mirror": "china"}).selection.download_mirror == facts.DOWNLOAD_MIRROR_PRESETS["china"]


@pytest.mark.parametrize("raw, hosts", [
    ({}, {"github.com", "docker.io"}),
    ({"network": "china", "runtime": "cri-o"}, {"files.m.daocloud.io", "docker.m.daocloud.io"}),
    ({"network": "private", "image_mirror": "reg.local:5000", "download_mirror": "https://files.local/github",
      "cloudcore": "10.0.0.1:10000"}, {"files.local", "reg.local:5000", "10.0.0.1"}),
    ({"network": "offline", "cloudcore": "10.0.0.1:10000"}, {"10.0.0.1"}),
])
def test_contacted_hosts_come_from_the_plan(raw, hosts):
    r = generate(raw)
    found = dict(contacted_hosts(r.selection, r.plan))
    assert set(found) == hosts
    if raw.get("runtime") == "cri-o":
        assert "cri-o" in found["files.m.daocloud.io"]  # CRI-O's download goes through the mirror too


def test_offline_steps_build_the_bundle_first():
    r = generate({"network": "offline", "arch": "arm64", "lang": "zh"})
    steps = run_steps(r.selection)
    assert [s.id for s in steps][:3] == ["bundle", "bundle-copy", "review"]
    assert steps[0].commands[1] == "kubeedge-runtime bundle --arch=arm64 --network=offline --lang=zh " \
                                   "--output kubeedge-bundle.tar.gz"
    install = next(s for s in steps if s.id == "install")
    assert install.commands == ("sudo bash install.sh --bundle kubeedge-bundle.tar.gz",)
