"""The built site in Debian's Chromium (Playwright, no browser download), served on 127.0.0.1.

`make test` builds the site first (make site); these tests serve site/ themselves.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import json
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
READY = '.kec[data-state="ready"]'

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is installed by make setup")


def cli_json(raw: dict) -> dict:
    args = [sys.executable, "-m", "kubeedge_runtime", "generate", "--format", "json"]
    for key, value in raw.items():
        args.append(f"--{key.replace('_', '-')}={value}")
    res = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def server():
    if not (SITE / "index.html").exists():
        pytest.fail("site/ is not built: run `make site` (make test does it first)")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):  # the browser aborting a request is fine
            if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
                super().handle_error(request, client_address)

    handler = functools.partial(Quiet, directory=str(SITE))
    httpd = Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it with apt-get)")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser, server):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    ctx.requests = []
    ctx.on("request", lambda r: ctx.requests.append(r.url))
    yield ctx
    hosts = {urlparse(u).hostname for u in ctx.requests if not u.startswith(("data:", "blob:"))}
    ctx.close()
    assert hosts <= {"127.0.0.1"}, f"requests left the site: {hosts}"


def outputs(page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-artifact-path]')]
        .map(c => [c.dataset.artifactPath, c.textContent]))""")


def open_ready(context, url):
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(READY, timeout=90_000)
    return page


def show(page, query: str, permalink: str):
    """Navigate within the page (history + popstate: no reload) and wait for that selection."""
    page.evaluate("q => { history.pushState(null, '', location.pathname + q); "
                  "dispatchEvent(new PopStateEvent('popstate')); }", query)
    page.wait_for_function("p => document.querySelector('.kec').dataset.permalink === p", arg=permalink,
                           timeout=30_000)


def test_prerendered_outputs_before_python_and_no_jump(context, server):
    """Before Python is ready the default outputs are there and equal the CLI's bytes."""
    page = context.new_page()
    held = []
    page.route("**/assets/py/bundle.zip*", lambda route: held.append(route))  # held until released
    page.goto(server + "/")
    page.wait_for_timeout(500)
    assert page.get_attribute(".kec", "data-state") == "loading"
    expected = {a["path"]: a["content"] for a in cli_json({})["artifacts"]}
    assert outputs(page) == expected
    before = page.inner_html(".kec-body")
    assert held, "the worker never asked for its packages"
    for route in held:
        route.continue_()
    page.wait_for_selector(READY, timeout=90_000)
    assert outputs(page) == expected
    assert page.inner_html(".kec-body") == before  # Python took over without changing the markup


def test_changes_made_while_loading_apply_once_ready(context, server):
    page = context.new_page()
    held = []
    page.route("**/assets/py/bundle.zip*", lambda route: held.append(route))
    page.goto(server + "/")
    page.wait_for_timeout(500)
    page.select_option("#kec-runtime", "isulad")  # before Python is there
    assert page.get_attribute(".kec", "data-state") == "loading"
    for route in held:
        route.continue_()
    page.wait_for_selector(READY, timeout=90_000)
    assert "etc/isulad/daemon.json" in outputs(page)
    assert "runtime=isulad" in page.url


def test_works_under_a_sub_path(browser):
    """Served from /site/ instead of /: every asset is found relative to the page."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(ROOT)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        ctx = browser.new_context()
        page = ctx.new_page()
        page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/site/zh/runtimes/docker/")
        page.wait_for_selector(READY, timeout=90_000)
        assert "etc/docker/daemon.json" in outputs(page)
        ctx.close()
    finally:
        httpd.shutdown()


PARITY = [
    {"runtime": r, "install_method": m, "kubeedge_version": v, "cloudcore": "192.0.2.10:10000"}
    for r in ("containerd", "cri-o", "docker", "kata", "virtlet", "isulad")
    for m, v in (("keadm", "1.12"), ("binary", "1.23"), ("keadm", "1.23"))
    if not (r == "isulad" and v == "1.12")
] + [{"runtime": "isulad", "kubeedge_version": "1.14", "cloudcore": "192.0.2.10:10000"},
     {"os": "windows", "kubeedge_version": "1.16", "cloudcore": "192.0.2.10:10000"}]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_outputs_equal_the_cli_bytes(context, server, lang):
    page = open_ready(context, server + ("/zh/" if lang == "zh" else "/"))
    for raw in PARITY:
        data = cli_json({**raw, "lang": lang})
        query = "?" + "&".join(f"{k}={v}" for k, v in raw.items())
        show(page, query, data["permalink"])
        expected = {a["path"]: a["content"] for a in data["artifacts"]}
        assert outputs(page) == expected, raw


def test_form_changes_update_outputs_and_permalink(context, server):
    page = open_ready(context, server + "/")
    page.select_option("#kec-runtime", "cri-o")
    page.wait_for_selector('[data-artifact-path="etc/crio/crio.conf.d/99-kubeedge.conf"]', state="attached")
    page.select_option("#kec-kubeedge_version", "1.16")
    page.wait_for_function("location.search === '?kubeedge_version=1.16&runtime=cri-o'")
    page.select_option("#kec-cgroup_driver", "cgroupfs")
    page.wait_for_function("document.querySelector('.kec').dataset.permalink.includes('cgroupfs')")
    crio = outputs(page)["etc/crio/crio.conf.d/99-kubeedge.conf"]
    assert 'cgroup_manager = "cgroupfs"' in crio and 'conmon_cgroup = "pod"' in crio
    page.select_option("#kec-install_method", "binary")
    page.fill("#kec-cloudcore", "192.0.2.10:10000")
    page.press("#kec-cloudcore", "Tab")
    page.wait_for_selector('[data-artifact-path="etc/kubeedge/config/edgecore.yaml"]', state="attached")
    # a disabled option and its reason
    arch = page.locator('#kec-arch option[value="arm"]')
    assert arch.is_disabled()
    reasons = page.text_content('.kec-field[data-field="arch"] .kec-unavailable', timeout=5000)
    assert "CRI-O" in reasons and "arm" in reasons
    # the permalink reproduces the outputs in a fresh page
    url = page.url
    shown = outputs(page)
    again = open_ready(context, url)
    assert outputs(again) == shown
    # back goes to the previous selection
    page.go_back()
    page.wait_for_function("!location.search.includes('cloudcore')")


def test_errors_show_next_to_the_field(context, server):
    page = open_ready(context, server + "/?runtime=isulad&runtime_version=2.1.5&cgroup_driver=systemd")
    field = page.locator('.kec-field[data-field="cgroup_driver"] .kec-error')
    assert "2.1.6" in field.inner_text()
    assert page.locator(".kec-blocked").count() == 1


def test_unknown_link_parameters_are_ignored_with_a_notice(context, server):
    page = open_ready(context, server + "/?runtime=cri-o&runtimetype=remote")
    assert "runtimetype" in page.inner_text(".kec-status-text")
    assert "etc/crio/crio.conf.d/99-kubeedge.conf" in outputs(page)


def test_copy_and_downloads(context, server):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = open_ready(context, server + "/?runtime=docker")
    expected = {a["path"]: a["content"] for a in cli_json({"runtime": "docker"})["artifacts"]}
    panel = page.locator('section[data-artifact="install"]')
    panel.locator('button[data-action="copy"]').click()
    assert page.evaluate("navigator.clipboard.readText()") == expected["install.sh"]
    with page.expect_download() as dl:
        panel.locator('button[data-action="download"]').click()
    path = dl.value.path()
    assert dl.value.suggested_filename == "install.sh"
    data = Path(path).read_bytes()
    assert data.decode() == expected["install.sh"]
    assert hashlib.sha256(data).hexdigest() in panel.locator(".kec-sha").inner_text()
    with page.expect_download() as dl:
        page.click('button[data-action="download-all"]')
    zf = zipfile.ZipFile(io.BytesIO(Path(dl.value.path()).read_bytes()))
    assert {n.removeprefix("kubeedge-runtime/"): zf.read(n).decode() for n in zf.namelist()} == expected


def test_runtime_pages_preselect_their_runtime(context, server):
    for runtime in ("containerd", "cri-o", "docker", "kata", "virtlet", "isulad"):
        page = context.new_page()
        page.goto(f"{server}/runtimes/{runtime}/")
        preset = json.loads(page.get_attribute(".kec", "data-preset"))
        assert preset["runtime"] == runtime
        expected = {a["path"]: a["content"] for a in cli_json(preset)["artifacts"]}
        assert outputs(page) == expected, runtime
        page.close()


def test_phone_width_and_keyboard(context, server):
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server + "/zh/")
    page.wait_for_selector(READY, timeout=90_000)
    width = page.evaluate("document.querySelector('.kec').getBoundingClientRect().width")
    assert width <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 392  # no sideways scrolling
    tab = page.locator("[role=tab]").first
    tab.focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.getAttribute('aria-selected')") == "true"
    assert page.locator("label[for=kec-runtime]").inner_text() == "容器运行时"


def test_language_switch_lands_on_the_same_page(context, server):
    page = context.new_page()
    page.goto(server + "/runtimes/cri-o/")
    href = page.get_attribute('a[hreflang="zh"]', "href")
    assert href.rstrip("/").endswith("zh/runtimes/cri-o"), href
    page.goto(server + "/zh/runtimes/cri-o/")
    href = page.get_attribute('a[hreflang="en"]', "href")
    assert href.rstrip("/").endswith("runtimes/cri-o") and "zh" not in href, href
