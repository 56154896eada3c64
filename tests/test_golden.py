"""One golden output per runtime: the full artifacts for a representative selection.

The files under tests/golden/ were reviewed by hand. They change only deliberately:
    UPDATE_GOLDEN=1 make test   (then read the diff before committing it)
"""

import json
import os
from pathlib import Path

import pytest

from kubeedge_runtime import generate

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "containerd": {"runtime": "containerd", "kubeedge_version": "1.23", "cgroup_driver": "systemd",
                   "image_mirror": "china", "node_name": "edge-01"},
    "cri-o": {"runtime": "cri-o", "kubeedge_version": "1.16", "cgroup_driver": "cgroupfs",
              "install_method": "binary", "cloudcore": "192.0.2.10:10000", "lang": "zh"},
    "docker": {"runtime": "docker", "kubeedge_version": "1.18.1", "arch": "arm64", "os": "centos"},
    "kata": {"runtime": "kata", "kubeedge_version": "1.15", "runtime_version": "1.7", "kata_mode": "untrusted"},
    "virtlet": {"runtime": "virtlet", "kubeedge_version": "1.20"},
    "isulad": {"runtime": "isulad", "os": "openeuler", "runtime_version": "2.1.5", "kubeedge_version": "1.19",
               "arch": "arm64"},
    "windows": {"os": "windows", "kubeedge_version": "1.23", "cloudcore": "192.0.2.10:10000"},
}


def render(raw) -> str:
    data = generate(raw).to_json()
    data["tool"]["version"] = "<version>"  # the golden files outlive releases of the tool itself
    parts = [json.dumps({k: data[k] for k in ("selection", "permalink", "diagnostics")}, ensure_ascii=False,
                        indent=2)]
    for art in data["artifacts"]:
        content = art["content"].replace(f"configurator {generate(raw).to_json()['tool']['version']} ",
                                         "configurator <version> ")
        parts.append(f"===== {art['path']} ({art['language']}: {art['title']}) =====\n{content}")
    return "\n".join(parts)


@pytest.mark.parametrize("name", list(CASES))
def test_golden(name):
    path = GOLDEN / f"{name}.txt"
    text = render(CASES[name])
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(), f"{name} output changed; if deliberate, UPDATE_GOLDEN=1 and review the diff"
