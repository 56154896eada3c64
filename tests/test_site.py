"""The docs site around the configurator, in Debian's Chromium: the language switch, requests that
fail, search per language (tests/test_browser.py has the fixtures and the configurator's own tests)."""

from __future__ import annotations

from urllib.parse import unquote, urlparse

import pytest

from test_browser import READY, browser, context, playwright_api, server  # noqa: F401  (fixtures)


def switch_language(page, lang: str) -> None:
    """Use the header's language selector as a reader does: hover it, click the language."""
    page.hover(".md-header__option .md-select")
    with page.expect_navigation():
        page.click(f'.md-select__link[hreflang="{lang}"]')


@pytest.mark.parametrize("start, lang, twin", [("/runtimes/cri-o/", "zh", "/zh/runtimes/cri-o/"),
                                                ("/zh/runtimes/cri-o/", "en", "/runtimes/cri-o/"),
                                                ("/", "zh", "/zh/")])
def test_language_switch_keeps_the_selection(context, server, start, lang, twin):
    query = "?kubeedge_version=1.16&runtime=cri-o"
    page = context.new_page()
    page.goto(server + start + query + "#quick-start")
    switch_language(page, lang)
    assert page.url == server + twin + query + "#quick-start"
    assert page.get_attribute(".kec", "data-lang") == lang
    page.wait_for_selector(READY, timeout=90_000)
    assert page.input_value("#kec-kubeedge_version") == "1.16"


def test_language_switch_keeps_a_selection_made_on_the_page(context, server):
    """The configurator changes the query without a reload; the switch takes the current one."""
    page = context.new_page()
    page.goto(server + "/zh/")
    page.wait_for_selector(READY, timeout=90_000)
    page.select_option("#kec-runtime", "isulad")
    page.wait_for_function("location.search.includes('runtime=isulad')")
    switch_language(page, "en")
    assert urlparse(page.url).path == "/" and "runtime=isulad" in page.url
    page.wait_for_selector(READY, timeout=90_000)
    assert page.input_value("#kec-runtime") == "isulad"


@pytest.mark.parametrize("path", ["/", "/runtimes/docker/", "/compatibility/", "/zh/", "/zh/runtimes/docker/",
                                  "/zh/compatibility/"])
def test_no_failed_requests(context, server, path):
    """Material used to fetch a sitemap.xml next to each page, twice, both 404."""
    page = context.new_page()
    failed = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.on("requestfailed", lambda r: failed.append(f"failed {r.url}"))
    page.goto(server + path)
    page.wait_for_load_state("networkidle")
    page.hover(".md-header__option .md-select")  # the language selector, as before a switch
    page.click(".md-search__input")  # search loads its index and worker
    page.wait_for_load_state("networkidle")
    assert failed == []


def test_not_found_page_is_in_the_default_language(context, server):
    page = context.new_page()
    page.goto(server + "/404.html")
    assert page.get_attribute("html", "lang") == "en"
    links = {a.get_attribute("hreflang"): a.get_attribute("href") for a in page.query_selector_all(".md-select__link")}
    assert links == {"en": "/", "zh": "/zh/"}


def search(page, query: str) -> list[str]:
    """Type the query into the header's search (Material reads it on keyup) and list the results."""
    page.click(".md-search__input")
    page.fill(".md-search__input", query)
    for _ in range(15):  # a query typed before the index is ready shows nothing: type again
        page.press(".md-search__input", "End")
        try:
            page.wait_for_selector(".md-search-result__item", timeout=2_000)
            break
        except playwright_api.TimeoutError:
            continue
    return page.eval_on_selector_all(".md-search-result__item > .md-search-result__link", "els => els.map(e => e.href)")


@pytest.mark.parametrize("query, expected", [("沙箱镜像", "/zh/runtimes/containerd/"),
                                             ("加入集群失败", "/zh/codes/?h=加入+集群+失败#cgroup-driver-both-sides"),
                                             ("cgroup 驱动", "/zh/runtimes/")])
def test_chinese_search_finds_phrases_in_chinese_pages_only(context, server, query, expected):
    """Every word of a Chinese phrase is searched (the page that has the phrase is found), and only
    among the zh pages."""
    page = context.new_page()
    page.goto(server + "/zh/install-sh/")
    found = [unquote(url) for url in search(page, query)]
    assert found and all(url.startswith(server + "/zh/") for url in found), found
    assert any(url.startswith(server + expected) for url in found[:12]), found


def test_english_search_finds_english_pages_only(context, server):
    page = context.new_page()
    page.goto(server + "/install-sh/")
    found = search(page, "sandbox image")
    assert found and not any("/zh/" in url for url in found), found
    assert any("/runtimes/containerd/" in url for url in found[:8]), found
