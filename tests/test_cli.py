"""The CLI contract (DESIGN.md): generate / schema / check, exit codes 0/1/2, JSON shape, --output."""

import json
import subprocess
import sys

import pytest

CLI = [sys.executable, "-m", "kubeedge_runtime"]


def run(*args, **kw):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, **kw)


def test_generate_json_shape_and_determinism():
    a = run("generate", "--runtime", "cri-o", "--kubeedge-version", "1.16", "--format", "json")
    b = run("generate", "--runtime", "cri-o", "--kubeedge-version", "1.16", "--format", "json")
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout
    data = json.loads(a.stdout)
    assert set(data) == {"tool", "selection", "permalink", "artifacts", "diagnostics"}
    assert data["tool"]["name"] == "kubeedge-runtime-configurator"
    assert data["selection"]["runtime"] == "cri-o" and data["selection"]["kubeedge_version"] == "1.16.6"
    assert data["permalink"] == "?kubeedge_version=1.16&runtime=cri-o"
    assert {"id", "path", "language", "title", "content"} == set(data["artifacts"][0])
    assert {"code", "severity", "field", "message", "doc"} == set(data["diagnostics"][0])
    assert "token" not in data["selection"]


def test_output_dir_mirrors_node_paths(tmp_path):
    res = run("generate", "--runtime", "containerd", "--output", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "install.sh").stat().st_mode & 0o111
    assert (tmp_path / "etc/containerd/conf.d/99-kubeedge.toml").is_file()
    assert (tmp_path / "keadm-join.sh").is_file()
    data = json.loads(run("generate", "--runtime", "containerd", "--format", "json").stdout)
    for art in data["artifacts"]:
        assert (tmp_path / art["path"]).read_text() == art["content"]


def test_selection_errors_exit_1_and_write_nothing(tmp_path):
    res = run("generate", "--runtime", "isulad", "--runtime-version", "2.1.5", "--cgroup-driver", "systemd",
              "--output", str(tmp_path / "out"), "--lang", "zh")
    assert res.returncode == 1
    assert "isulad-systemd-cgroup" in res.stderr and "cgroupfs" in res.stderr
    assert any("\u4e00" <= ch <= "\u9fff" for ch in res.stderr)  # in Chinese
    assert not (tmp_path / "out").exists()
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("args", [["generate", "--no-such-flag"], ["frobnicate"], [],
                                  ["generate", "--from", "/nonexistent.json"], ["generate", "--lang", "fr"]])
def test_usage_errors_exit_2(args):
    res = run(*args)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr


def test_from_file_and_flags_win(tmp_path):
    f = tmp_path / "sel.yaml"
    f.write_text("runtime: docker\nkubeedge_version: '1.18'\ncgroup_driver: cgroupfs\n")
    res = run("generate", "--from", str(f), "--cgroup-driver", "systemd", "--format", "json")
    data = json.loads(res.stdout)
    assert data["selection"]["runtime"] == "docker"
    assert data["selection"]["kubeedge_version"] == "1.18.3"
    assert data["selection"]["cgroup_driver"] == "systemd"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    res = run("generate", "--from", str(bad))
    assert res.returncode == 2 and "not valid JSON" in res.stderr


def test_check_and_schema():
    res = run("check", "--runtime", "cri-o", "--runtime-version", "1.30", "--kubeedge-version", "1.16.4")
    assert res.returncode == 1 and "crio-pod-uid" in res.stdout
    res = run("check", "--runtime", "cri-o", "--format", "json")
    assert res.returncode == 0 and json.loads(res.stdout)["diagnostics"]
    schema = json.loads(run("schema", "--lang", "zh", "--os", "windows").stdout)
    fields = {f["key"]: f for f in schema["fields"]}
    assert fields["runtime"]["label"] != "Container runtime"  # zh
    cri_o = next(o for o in fields["runtime"]["options"] if o["value"] == "cri-o")
    assert cri_o["disabled"] and cri_o["reason"]
    assert fields["cgroup_driver"]["applies"] is False


def test_hostile_input_never_tracebacks():
    res = run("generate", "--node-name", "$(reboot)", "--token", "a'b", "--cloudcore", "`id`:1",
              "--sandbox-image", "x\ny", "--format", "json")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert res.stdout == ""


@pytest.mark.parametrize("name, content, says", [
    ("bad.json", b"\xff\xfe{}", "not UTF-8"),
    ("bad.yaml", b"runtime: \xc3\x28\n", "not UTF-8"),
    ("self.yaml", b"a: &a [*a]\n", "anchors and aliases"),
    ("laughs.yaml", b'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
                    b'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n'
                    b'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n', "anchors and aliases"),
    ("deep.json", b"[" * 100000 + b"]" * 100000, "larger than"),
    ("nested.yaml", b"runtime:\n  a: b\n", "nested structure"),
    ("list.json", b"[1, 2]", "mapping"),
])
def test_from_file_refuses_what_is_not_a_selection(tmp_path, name, content, says):
    """#9.19: invalid UTF-8, self-referencing aliases and a "billion laughs" file: a clean usage error."""
    path = tmp_path / name
    path.write_bytes(content)
    res = subprocess.run([*CLI, "generate", "--from", str(path)], capture_output=True, text=True, timeout=30)
    assert res.returncode == 2 and says in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr) < 1000
