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
                    "sudo env CLOUDCORE_ADDRESS=<cloudcore-host:port> KUBEEDGE_TOKEN=<token from keadm gettoken> "
                    "bash keadm-join.sh", "sudo bash verify.sh"]


def test_given_values_need_no_env():
    r = generate({"cloudcore": "192.0.2.1:10000", "token": "abc.def"})
    join = next(s for s in run_steps(r.selection) if s.id == "join")
    assert join.commands == ("sudo bash keadm-join.sh",)
    assert "abc.def" not in " ".join(c for s in run_steps(r.selection) for c in s.commands)


def test_binary_install_takes_the_token_and_starts_edgecore():
    r = generate({"install_method": "binary", "cloudcore": "192.0.2.1:10000"})
    steps = {s.id: s for s in run_steps(r.selection)}
    assert steps["install"].commands == ("sudo env KUBEEDGE_TOKEN=<token from keadm gettoken> bash install.sh",)
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
