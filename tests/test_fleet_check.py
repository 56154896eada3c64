"""kubeedge-runtime fleet: check an inventory (ansible-core's own inventory API, and the documented
subset without it), prepare one host as the role does, init the role. The CLI runs as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kubeedge_runtime import fleet

CLI = [sys.executable, "-m", "kubeedge_runtime"]

INI = """\
[gateways]
gw-01 kubeedge_arch=arm64
gw-02 kubeedge_arch=arm64 kubeedge_version=1.12

[pis]
Pi_03 kubeedge_arch=arm

[edge:children]
gateways
pis

[edge:vars]
kubeedge_os=ubuntu
kubeedge_runtime=containerd
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    (tmp_path / "hosts.ini").write_text(INI)
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "gateways.yml").write_text("kubeedge_runtime_version: '2.1'\n")
    (tmp_path / "host_vars").mkdir()
    (tmp_path / "host_vars" / "Pi_03.yml").write_text("kubeedge_node_name: pi-03\nkubeedge_cgroup_drivr: systemd\n")
    return tmp_path / "hosts.ini"


def test_check_en_names_each_bad_host_with_the_variable_and_the_fix(inventory):
    res = run("fleet", "check", "-i", str(inventory))
    assert res.returncode == 1, res.stdout + res.stderr
    out = res.stdout
    assert "Traceback" not in res.stderr
    header, rule, *rows = out.splitlines()
    assert header.split() == ["host", "runtime", "versions", "OS/arch", "diagnostics"]
    table = {r.split()[0]: r for r in rows[:3]}
    assert set(table) == {"gw-01", "gw-02", "Pi_03"}
    assert "containerd 2.1" in table["gw-01"] and "ubuntu/arm64" in table["gw-01"] and " ok" in table["gw-01"]
    assert "cri-v1alpha2-only" in table["gw-02"]  # group_vars/gateways.yml's 2.1 with the host's v1.12
    assert "gw-02: error [kubeedge_runtime_version]: KubeEdge v1.12" in out
    assert "gw-02: fix: set kubeedge_runtime_version in host_vars/gw-02.yml" in out
    # host_vars gave Pi_03 a valid node name, and its misspelt variable is named
    assert "Pi_03: warning [kubeedge_cgroup_drivr]:" in out and "check its spelling" in out
    assert "gw-01:" not in out


def test_check_zh(inventory):
    res = run("fleet", "check", "-i", str(inventory), "--lang", "zh")
    assert res.returncode == 1
    assert res.stdout.splitlines()[0].split() == ["主机", "运行时", "版本", "系统/架构", "诊断"]
    assert "gw-02：错误 [kubeedge_runtime_version]：KubeEdge v1.12.7 只支持旧的 CRI v1alpha2" in res.stdout
    assert "gw-02：修正方法：在 host_vars/gw-02.yml" in res.stdout
    assert "kubeedge_cgroup_drivr 不是选择项变量" in res.stdout


def test_check_passes_and_marks_what_the_facts_will_give(tmp_path):
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": {"a": {"kubeedge_runtime": "cri-o"}}}}))
    res = run("fleet", "check", "-i", str(tmp_path / "hosts.yml"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "ubuntu*/amd64*" in res.stdout and "gathered facts" in res.stdout


def test_the_subset_reader_agrees_with_ansible(inventory):
    """Without ansible-core the documented subset is read; on this inventory both give the same."""
    pytest.importorskip("ansible")
    def text(hosts):  # INI values: strings for the subset, Python literals for Ansible (1.12 is a float)
        return [(h, {k: str(v) for k, v in hv.items()}) for h, hv in hosts]

    assert text(fleet._load_subset(str(inventory), None)) == text(fleet._load_with_ansible(str(inventory), None, None))
    yml = inventory.parent / "hosts.yml"
    yml.write_text(yaml.safe_dump({"all": {"vars": {"kubeedge_os": "debian"}, "children": {
        "gateways": {"hosts": {"gw-01": {"kubeedge_arch": "arm64"}}, "vars": {"kubeedge_runtime": "docker"}}}}}))
    assert fleet._load_subset(str(yml), None) == fleet._load_with_ansible(str(yml), None, None)


def test_usage_errors_exit_2_without_a_traceback(tmp_path):
    res = run("fleet", "check", "-i", str(tmp_path / "missing.yml"))
    assert res.returncode == 2 and "no such file" in res.stderr and "Traceback" not in res.stderr
    (tmp_path / "broken.yml").write_text("all: [unclosed\n")
    res = run("fleet", "check", "-i", str(tmp_path / "broken.yml"))
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr


def prepare(tmp_path: Path, hostvars: dict, facts: dict, *extra: str, lang: str = "en"):
    return run("fleet", "prepare", "--host", "n1", "--vars-json", json.dumps(hostvars), "--facts-json",
               json.dumps(facts), "--work-dir", str(tmp_path / "work"), "--lang", lang, *extra)


def test_prepare_takes_arch_and_os_from_the_facts_and_writes_the_hosts_files(tmp_path):
    res = prepare(tmp_path, {"kubeedge_runtime": "containerd", "kubeedge_token": "never.written"},
                  {"architecture": "aarch64", "distribution": "Debian"})
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["selection"]["arch"] == "arm64" and out["selection"]["os"] == "debian"
    assert out["selection"]["node_name"] == "n1"
    host_dir = Path(out["dir"])
    assert (host_dir / "install.sh").stat().st_mode & 0o111
    assert "SELECTED_ARCH=arm64" in (host_dir / "install.sh").read_text()
    assert not any("never.written" in f.read_text() for f in host_dir.rglob("*") if f.is_file())


@pytest.mark.parametrize("lang, text", [
    ("en", "n1: error [kubeedge_arch]: kubeedge_arch is arm64, but the node reports x86_64 (amd64): "
           "set kubeedge_arch: amd64 for this host"),
    ("zh", "n1：错误 [kubeedge_arch]：kubeedge_arch 设为 arm64，但节点报告的是 x86_64（amd64）"),
])
def test_prepare_refuses_an_inventory_arch_the_node_does_not_have(tmp_path, lang, text):
    res = prepare(tmp_path, {"kubeedge_arch": "arm64"}, {"architecture": "x86_64", "distribution": "Ubuntu"}, lang=lang)
    assert res.returncode == 1 and text in res.stderr, res.stderr
    assert not (tmp_path / "work").exists()


def test_prepare_for_a_join_needs_a_token_and_cloudcore(tmp_path):
    res = prepare(tmp_path, {}, {"architecture": "x86_64", "distribution": "Ubuntu"}, "--join")
    assert res.returncode == 1
    assert "error [kubeedge_token]: no join token: put kubeedge_token in Ansible Vault" in res.stderr
    assert "error [kubeedge_cloudcore]: keadm join needs the CloudCore address" in res.stderr
    res = prepare(tmp_path, {"kubeedge_cloudcore": "192.0.2.10:10000"}, {}, "--join", "--token-given")
    assert res.returncode == 0, res.stderr


def test_bundle_key_ignores_what_differs_per_node():
    from kubeedge_runtime import generate

    a = generate({"node_name": "a", "labels": "x=1", "cloudcore": "192.0.2.1:10000"})
    b = generate({"node_name": "b"})
    c = generate({"node_name": "a", "arch": "arm64"})
    assert fleet.bundle_key(a)[0] == fleet.bundle_key(b)[0] != fleet.bundle_key(c)[0]


def test_init_writes_the_role_and_refuses_to_overwrite_edits(tmp_path):
    res = run("fleet", "init", str(tmp_path / "f"))
    assert res.returncode == 0, res.stderr
    written = set(res.stdout.split())
    assert {"playbook.yml", "ansible.cfg", "roles/kubeedge_edge/tasks/main.yml", "inventory/hosts.yml",
            "inventory/group_vars/all.yml"} <= written
    for f in written:
        if f.endswith(".yml"):
            yaml.safe_load((tmp_path / "f" / f).read_text())
    assert run("fleet", "init", str(tmp_path / "f")).returncode == 0  # the same files again: fine
    (tmp_path / "f" / "playbook.yml").write_text("# mine\n")
    res = run("fleet", "init", str(tmp_path / "f"))
    assert res.returncode == 2 and "playbook.yml" in res.stderr
    assert (tmp_path / "f" / "playbook.yml").read_text() == "# mine\n"


def test_the_shipped_example_inventory_checks_clean():
    example = Path(fleet.__file__).parent / "ansible" / "inventory" / "hosts.yml"
    res = run("fleet", "check", "-i", str(example))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "srv-01" in res.stdout and "openeuler/amd64*" in res.stdout


def test_every_role_variable_is_known_to_the_generator():
    """The role's defaults are control variables, never mistaken for (or warned about as) selection fields."""
    defaults = Path(fleet.__file__).parent / "ansible" / "roles" / "kubeedge_edge" / "defaults" / "main.yml"
    names = set(yaml.safe_load(defaults.read_text()))
    assert names <= fleet.CONTROL_VARS
    assert not names & set(fleet.VAR_FIELD)


def test_playbook_syntax():
    pytest.importorskip("ansible")
    play_dir = Path(fleet.__file__).parent / "ansible"
    res = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "--syntax-check", "-i",
                          "inventory/hosts.yml", "playbook.yml"], cwd=play_dir, capture_output=True, text=True,
                         env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "ANSIBLE_CONFIG": "ansible.cfg",
                              "HOME": "/tmp"})
    assert res.returncode == 0, res.stdout + res.stderr


def test_an_unquoted_version_number_is_explained(tmp_path):
    (tmp_path / "hosts.yml").write_text("all:\n  hosts:\n    a:\n      kubeedge_version: 1.20\n")
    res = run("fleet", "check", "-i", str(tmp_path / "hosts.yml"))
    assert res.returncode == 1
    assert "a: error [kubeedge_version]:" in res.stdout
    assert "a: warning [kubeedge_version]: kubeedge_version is the number 1.2:" in res.stdout
    assert 'kubeedge_version: "1.20"' in res.stdout


def test_an_inventory_with_a_vault_file_needs_its_password_and_never_shows_the_token(tmp_path):
    pytest.importorskip("ansible")
    vault = Path(sys.executable).parent / "ansible-vault"
    (tmp_path / "hosts.yml").write_text("all:\n  hosts:\n    n1: {kubeedge_runtime: cri-o}\n")
    (tmp_path / "group_vars" / "all").mkdir(parents=True)
    secret = tmp_path / "group_vars" / "all" / "vault.yml"
    secret.write_text("kubeedge_token: s3cr3t.t0ken\n")
    (tmp_path / "pass").write_text("pw\n")
    res = subprocess.run([str(vault), "encrypt", "--vault-password-file", str(tmp_path / "pass"), str(secret)],
                         capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert res.returncode == 0, res.stderr
    res = run("fleet", "check", "-i", str(tmp_path / "hosts.yml"))
    assert res.returncode == 2 and "--vault-password-file" in res.stderr and "Traceback" not in res.stderr, res.stderr
    res = run("fleet", "check", "-i", str(tmp_path / "hosts.yml"), "--vault-password-file", str(tmp_path / "pass"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "s3cr3t" not in res.stdout + res.stderr


def test_prepare_refuses_a_windows_host_with_the_way_out(tmp_path):
    res = prepare(tmp_path, {"kubeedge_os": "windows", "kubeedge_cloudcore": "192.0.2.10:10000"}, {})
    assert res.returncode == 1 and "n1: error [kubeedge_os]: Windows nodes are not set up by the Ansible role" in res.stderr
