"""Message catalogs (en, zh) with identical keys; every user-facing string comes from here."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

LANGS = ("en", "zh")


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    text = resources.files(__package__).joinpath("messages", f"{lang}.json").read_text(encoding="utf-8")
    return json.loads(text)


def t(lang: str, key: str, **params: Any) -> str:
    """The message for ``key`` in ``lang``; ``{name}`` placeholders are filled from params."""
    cat = catalog(lang if lang in LANGS else "en")
    template = cat.get(key)
    if template is None:
        template = catalog("en")[key]  # a missing key is a bug caught by the parity test
    return template.format_map(_Params(params)) if params else template


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def template_text(lang: str, key: str) -> str:
    """A message with its parameters shown as ‹name› (reference pages list messages without a selection)."""
    import re

    return re.sub(r"\{(\w+)\}", r"‹\1›", t(lang, key))
