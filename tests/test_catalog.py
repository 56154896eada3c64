"""Message catalogs: same keys in en and zh, same placeholders, every used key exists."""

import json
import re
from pathlib import Path

import pytest

from kubeedge_runtime import rules
from kubeedge_runtime.i18n import catalog
from kubeedge_runtime.selection import FIELDS

PKG = Path(__file__).resolve().parents[1] / "pycore" / "src" / "kubeedge_runtime"


def test_same_keys():
    assert list(catalog("en")) == list(catalog("zh"))


@pytest.mark.parametrize("key", list(catalog("en")))
def test_same_placeholders(key):
    en, zh = catalog("en")[key], catalog("zh")[key]
    assert sorted(re.findall(r"\{(\w+)\}", en)) == sorted(re.findall(r"\{(\w+)\}", zh))
    # script messages are printf formats: only %s, as many in both languages
    assert re.findall(r"%.", en) == re.findall(r"%.", zh)
    assert set(re.findall(r"%.", zh)) <= {"%s"}


def test_every_template_key_exists():
    used = set()
    for tpl in (PKG / "templates").glob("*.j2"):
        used |= set(re.findall(r"m\('([a-z0-9_.]+)'", tpl.read_text()))
    for py in PKG.rglob("*.py"):
        used |= set(re.findall(r'"(title\.[a-z_]+)"', py.read_text()))
    missing = sorted(k for k in used if k not in catalog("en"))
    assert not missing


def test_every_diagnostic_code_and_field_has_text():
    for code in rules.CODES:
        assert f"diag.{code}" in catalog("en"), code
    for f in FIELDS:
        assert f"field.{f.key}.label" in catalog("en")
        assert f"field.{f.key}.help" in catalog("en")


def test_catalog_files_are_plain_json():
    for lang in ("en", "zh"):
        data = json.loads((PKG / "messages" / f"{lang}.json").read_text(encoding="utf-8"))
        assert all(isinstance(v, str) and v.strip() for v in data.values())
