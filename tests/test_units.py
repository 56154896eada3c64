"""The units the configurator sends (webui._unit): an output cut into runs of lines, and stubs
only for what the page shows, as many times as it shows them."""

import re
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from kubeedge_runtime.webui import CHUNK_LINES, _chunks, inner

LINES = st.lists(st.sampled_from(["", "x", "  y", "}", "# z", "\r"]), max_size=3 * CHUNK_LINES)


@given(LINES, st.sampled_from(["bash", "toml", "markdown"]), st.booleans())
def test_runs_of_lines_join_to_the_text(lines, language, newline):
    text = "\n".join(lines) + ("\n" if newline else "")
    runs = _chunks(text, language)
    assert "".join(runs) == text
    assert all(runs)
    assert all(run.count("\n") <= CHUNK_LINES + 1 for run in runs) or language == "markdown"


def digests(html: str) -> list[str]:
    return re.findall(r'data-h="(\w+)"', html)


def test_a_unit_is_stubbed_only_as_often_as_the_page_shows_it():
    raw = {"lang": "en"}
    whole = inner(raw)
    shown = Counter(digests(whole))
    # the page shows everything: every top-level unit comes back as a stub, no output text with it
    stubbed = inner(raw, have=Counter(shown))
    assert "<pre" not in stubbed and stubbed.count("data-keep") > 0
    # install.sh's panel is new to the page, its runs of lines are not: they come as stubs, each as
    # often as the page shows it; a run the page shows once less is sent once in full
    panel = re.search(r'<section role="tabpanel"[^>]*data-artifact="install" data-h="(\w+)">(.*?)</section>', whole, re.S)
    runs = Counter(digests(panel.group(2)))
    twice = next(h for h, n in runs.items() if n > 1)  # a run of lines that occurs twice in install.sh
    have = Counter(shown)
    del have[panel.group(1)]
    assert len(re.findall(rf'data-h="{twice}" data-keep', inner(raw, have=Counter(have)))) == runs[twice]
    have[twice] -= 1
    again = inner(raw, have=have)
    assert len(re.findall(rf'data-h="{twice}" data-keep', again)) == runs[twice] - 1
    assert len(re.findall(rf'data-h="{twice}">', again)) == 1
