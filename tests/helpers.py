"""Shared helpers for the tests: generating, indexing artifacts and parsing keadm commands."""

from __future__ import annotations

import json
import re
import shlex
import tomllib

import yaml

from kubeedge_runtime import generate

CLOUDCORE = {"cloudcore": "192.0.2.10:10000"}


def ok(raw):
    result = generate(raw)
    assert result.ok, [(d.code, d.field) for d in result.diagnostics if d.severity == "error"]
    return result


def by_id(result):
    return {a.id: a for a in result.artifacts}


def parse(artifact):
    if artifact.language == "toml":
        return tomllib.loads(artifact.content)
    if artifact.language == "json":
        return json.loads(artifact.content)
    if artifact.language == "yaml":
        return yaml.safe_load(artifact.content)
    raise ValueError(artifact.language)


def keadm_flags(result) -> dict[str, str]:
    """The flags of the keadm join command in keadm-join.sh, as bash would split them."""
    script = by_id(result)["keadm-join"].content
    lines = script[script.index("keadm join"):].splitlines()
    end = next(i for i, line in enumerate(lines) if not line.endswith("\\"))
    command = " ".join(line.rstrip("\\") for line in lines[:end + 1])
    words = shlex.split(command)
    assert words[:2] == ["keadm", "join"]
    flags = {}
    for w in words[2:]:
        m = re.match(r"^(--[A-Za-z-]+)=(.*)$", w, re.S)
        assert m, w
        flags[m.group(1)] = m.group(2)
    return flags


def dig(tree, *path):
    for p in path:
        tree = tree[p]
    return tree
