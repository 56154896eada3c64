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
from urllib.parse import parse_qsl, urlencode, urlparse

import pytest

from kubeedge_runtime.i18n import catalog

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
READY = '.kec[data-state="ready"]'

from kubeedge_runtime.core import generate  # noqa: E402
from kubeedge_runtime.formstate import form_state  # noqa: E402
from kubeedge_runtime.steps import contacted_hosts, readme, run_steps  # noqa: E402

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
    page.wait_for_function("location.search.includes('runtime=isulad')")  # the address follows after a frame


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
    # the permalink reproduces the outputs in a fresh page (the address bar follows after a frame)
    page.wait_for_function("location.search.includes('cloudcore')")
    url = page.url
    shown = outputs(page)
    again = open_ready(context, url)
    assert outputs(again) == shown
    # back goes to the previous selection
    page.go_back()
    page.wait_for_function("!location.search.includes('cloudcore')")


# the replies the worker sends to the page, as the page receives them (webui._unit stubs in them):
# answers to a change, and the replies made ahead of the user ([epoch, key, choice, html]); and
# the page's last request for replies ahead: its epoch and the selection the page showed then
RECORD_REPLIES = """() => { const w = window.__kecEarly.worker; const on = w.onmessage; const post = w.postMessage.bind(w);
  window.__replies = []; window.__ahead = []; window.__asked = null;
  w.onmessage = (e) => {
    if (e.data && e.data.value && e.data.value.html) window.__replies.push(e.data.value.html);
    if (e.data && e.data.type === 'prefetched') window.__ahead.push([e.data.epoch, e.data.key, e.data.choice, e.data.reply.html]);
    on(e);
  };
  w.postMessage = (m) => {
    if (m.op === 'prefetch') window.__asked = { epoch: m.args.epoch, permalink: document.querySelector('.kec').dataset.permalink };
    post(m);
  }; }"""


def wait_ahead(page, key: str, value: str) -> None:
    """Until the page holds the worker's reply to that choice, made ahead of the user for the
    selection the page shows now (not a reply for the one before)."""
    page.wait_for_function("""([k, v]) => { const asked = window.__asked;
        return Boolean(asked && asked.permalink === document.querySelector('.kec').dataset.permalink
            && window.__ahead.some(([epoch, key, choice]) => epoch === asked.epoch && key === k && choice === v)); }""",
                           arg=[key, value], timeout=30_000)


def change(page, key: str, value: str) -> None:
    before = page.get_attribute(".kec", "data-permalink")
    page.select_option(f"#kec-{key}", value)
    page.wait_for_function("p => document.querySelector('.kec').dataset.permalink !== p", arg=before)


def test_a_change_sends_only_what_changed_and_shows_the_cli_bytes(context, server):
    """After each change the page holds exactly the CLI's files, though Python sent only the units
    the page did not show yet: most of each reply is stubs, far smaller than the whole rendering."""
    page = open_ready(context, server + "/")
    page.evaluate(RECORD_REPLIES)
    steps = [("runtime", "cri-o"), ("kubeedge_version", "1.16"), ("runtime", "docker"), ("arch", "arm64"),
             ("runtime", "containerd"), ("kubeedge_version", "1.22"), ("cgroup_driver", "cgroupfs")]
    raw = {}
    answers = []
    for key, value in steps:
        change(page, key, value)
        answers.append(page.get_attribute(".kec", "data-answer"))
        raw[key] = value
        cli = cli_json(raw)
        assert outputs(page) == {a["path"]: a["content"] for a in cli["artifacts"]}, (key, value)
        assert page.locator(".kec [data-keep]").count() == 0  # every stub was filled
    replies = page.evaluate("window.__replies")
    assert len(replies) == answers.count("worker") and set(answers) <= {"worker", "ahead"}, answers
    full = generate({**raw, "lang": "en"})
    from kubeedge_runtime.webui import inner

    whole = len(inner({**raw, "lang": "en"}, full))
    for html in replies + [html for *_, html in page.evaluate("window.__ahead")]:
        assert "data-keep" in html and len(html) < whole / 2, len(html)


def test_a_choice_made_ahead_is_answered_by_the_page_with_the_cli_bytes(context, server):
    """While the user reads, the worker makes the replies to the choices the form offers next; such
    a change is answered by the page alone, with the same files, form and link as the worker's."""
    page = open_ready(context, server + "/")
    page.evaluate(RECORD_REPLIES)
    change(page, "cgroup_driver", "cgroupfs")  # what comes ahead from now on is recorded
    first = page.get_attribute(".kec", "data-answer")
    raw = {"cgroup_driver": "cgroupfs"}
    for key, value in [("runtime", "cri-o"), ("runtime", "docker"), ("kubeedge_version", "1.16"), ("arch", "arm64")]:
        wait_ahead(page, key, value)
        change(page, key, value)
        assert page.get_attribute(".kec", "data-answer") == "ahead", (key, value)
        raw[key] = value
        cli = cli_json(raw)
        assert outputs(page) == {a["path"]: a["content"] for a in cli["artifacts"]}, (key, value)
        assert page.get_attribute(".kec", "data-permalink") == cli["permalink"]
        assert page.locator(".kec [data-keep]").count() == 0
        query = urlencode([(k, v) for k, v in parse_qsl(cli["permalink"].lstrip("?")) if k != "lang"])
        page.wait_for_function("q => location.search === q", arg="?" + query)
        # the form came ahead too: the options the rules rule out are disabled
        disabled = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.kec-form select')]
            .map((s) => [s.name, [...s.options].filter((o) => o.disabled).map((o) => o.value)]))""")
        state = form_state({**raw, "lang": "en"})
        assert disabled == {f["key"]: [o["value"] for o in f["options"] if o["disabled"]]
                            for f in state["fields"] if f["key"] in disabled}
    assert any(disabled.values())  # Docker rules options out (dockershim, Windows, 32-bit arm)
    assert len(page.evaluate("window.__replies")) == (first == "worker")  # no other change waited for it


def test_a_reply_made_for_another_selection_is_never_used(context, server):
    """Replies made ahead belong to the selection the page showed when they were asked for: after a
    change, a late one for the old selection is dropped and the worker answers instead."""
    page = open_ready(context, server + "/")
    page.evaluate(RECORD_REPLIES)
    change(page, "kubeedge_version", "1.22")
    wait_ahead(page, "runtime", "cri-o")
    old = page.evaluate("window.__ahead.find(([, k, c]) => k === 'runtime' && c === 'cri-o')")
    change(page, "kubeedge_version", "1.19")
    # the old selection's reply for runtime=cri-o arrives late, after the change
    page.evaluate("""([epoch, key, choice]) => {
        const w = window.__kecEarly.worker;
        w.onmessage({ data: { type: 'prefetched', epoch, key, choice,
                              reply: { html: '', raw: { runtime: 'cri-o' }, permalink: 'x', ok: true, unknown: [] } } });
    }""", old[:3])
    change(page, "runtime", "cri-o")  # answered by the worker, or by its reply for the new selection
    cli = cli_json({"kubeedge_version": "1.19", "runtime": "cri-o"})
    assert outputs(page) == {a["path"]: a["content"] for a in cli["artifacts"]}


def test_a_unit_the_page_lost_is_rendered_afresh(context, server):
    """A stub the page cannot fill (its element was changed by something else) makes the page ask
    for the whole rendering: the outputs are still the CLI's, and no stub stays in the page."""
    page = open_ready(context, server + "/")
    said = []
    page.on("console", lambda m: said.append(m.text))
    page.evaluate(RECORD_REPLIES)
    change(page, "cgroup_driver", "cgroupfs")
    wait_ahead(page, "kubeedge_version", "1.19")  # made while the page still showed every unit
    # another script removed an output's runs of lines: their digests are gone with them
    page.evaluate("document.querySelectorAll('.kec-panel pre > span[data-h]').forEach((s) => s.removeAttribute('data-h'))")
    change(page, "kubeedge_version", "1.19")
    cli = cli_json({"cgroup_driver": "cgroupfs", "kubeedge_version": "1.19"})
    assert outputs(page) == {a["path"]: a["content"] for a in cli["artifacts"]}
    assert page.locator(".kec [data-keep]").count() == 0
    assert any("rendering afresh" in text for text in said), said


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
    files = {n.removeprefix("kubeedge-runtime/"): zf.read(n).decode() for n in zf.namelist()}
    result = generate({"runtime": "docker"})
    assert files.pop("README.md") == readme(result.selection, result.permalink)  # the run order, in the page's language
    assert files == expected


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


# --- #13: never a stale file, the run order, the network choice, accessibility -----------------------

PAGES = {"en": "/", "zh": "/zh/"}
COPY_BUTTONS = ".kec-outputs button[data-action]"


def held_page(context, url):
    """A page whose Python is held back (bundle.zip not answered) until release() is called."""
    page = context.new_page()
    held = []
    page.route("**/assets/py/bundle.zip", lambda route: held.append(route))
    page.goto(url)
    page.wait_for_timeout(300)

    def release():
        for route in held:
            route.continue_()
        page.wait_for_selector(READY, timeout=90_000)
    return page, release


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_link_shows_no_copyable_file_until_its_outputs_are_there(context, server, lang):
    """The prerendered outputs are the default selection's: for a link they are stale, copy and download
    do nothing, and once Python answers the outputs are the link's and can be copied."""
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page, release = held_page(context, server + PAGES[lang] + "?runtime=cri-o&kubeedge_version=1.16")
    assert page.get_attribute(".kec", "data-state") == "loading"
    assert page.get_attribute(".kec", "data-stale") == "pending"
    note = page.locator(".kec-stale-note")
    assert note.is_visible() and note.inner_text() == catalog(lang)["ui.stale"]
    buttons = page.locator(COPY_BUTTONS)
    assert buttons.count() > 0 and all(b.is_disabled() for b in buttons.all())
    page.evaluate("navigator.clipboard.writeText('untouched')")
    page.locator('section[data-artifact="install"] button[data-action="copy"]').click(force=True)
    assert page.evaluate("navigator.clipboard.readText()") == "untouched"
    release()
    data = cli_json({"runtime": "cri-o", "kubeedge_version": "1.16", "lang": lang})
    assert outputs(page) == {a["path"]: a["content"] for a in data["artifacts"]}
    assert page.get_attribute(".kec", "data-stale") is None and not note.is_visible()
    page.locator('section[data-artifact="install"] button[data-action="copy"]').click()
    page.wait_for_function("async t => (await navigator.clipboard.readText()) === t",
                           arg=outputs(page)["install.sh"])


def test_a_change_before_ready_is_stale_until_applied(context, server):
    page, release = held_page(context, server + "/")
    assert page.get_attribute(".kec", "data-stale") is None  # the default outputs are the form's
    page.select_option("#kec-runtime", "isulad")
    assert page.get_attribute(".kec", "data-stale") == "pending"
    assert page.locator(COPY_BUTTONS).first.is_disabled()
    release()
    page.wait_for_function("!document.querySelector('.kec').dataset.stale")
    assert "etc/isulad/daemon.json" in outputs(page)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_half_typed_value_keeps_the_last_outputs_marked(context, server, lang):
    page = open_ready(context, server + PAGES[lang])
    before = outputs(page)
    height = page.evaluate("document.querySelector('.kec').getBoundingClientRect().height")
    page.click("details.kec-more > summary")
    page.fill("#kec-cloudcore", "192.0.2")  # typed so far
    assert page.get_attribute(".kec", "data-stale") == "pending"  # at once: the form says more than the files
    page.press("#kec-cloudcore", "Enter")
    page.wait_for_selector('.kec[data-stale="invalid"]')
    field = page.locator("#kec-cloudcore")
    assert field.get_attribute("aria-invalid") == "true" and field.input_value() == "192.0.2"  # not blanked
    described = field.get_attribute("aria-describedby").split()
    error_text = page.inner_text(f"#{described[1]}")
    assert catalog(lang)["field.cloudcore.label"] in error_text
    assert page.locator(".kec-blocked").count() == 0 and outputs(page) == before
    assert page.inner_text(".kec-stale-note") == catalog(lang)["ui.stale_invalid"]
    assert all(b.is_disabled() for b in page.locator(COPY_BUTTONS).all())
    assert page.evaluate("document.querySelector('.kec').getBoundingClientRect().height") > height - 150
    page.fill("#kec-cloudcore", "192.0.2.10:10000")
    page.locator("#kec-cloudcore").blur()
    page.wait_for_function("!document.querySelector('.kec').dataset.stale")
    assert field.get_attribute("aria-invalid") is None
    data = cli_json({"cloudcore": "192.0.2.10:10000", "lang": lang})
    assert outputs(page) == {a["path"]: a["content"] for a in data["artifacts"]}


def steps_shown(page):
    return page.evaluate("""() => [...document.querySelectorAll('.kec-step')].map(li => [li.dataset.step,
        li.querySelector('p').textContent, li.querySelector('.kec-cmd') ? li.querySelector('.kec-cmd').textContent : ''])""")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_run_order_is_the_cores(context, server, lang):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    for query, raw in (("?install_method=binary&cloudcore=192.0.2.10:10000",
                        {"install_method": "binary", "cloudcore": "192.0.2.10:10000"}), ("", {})):
        page = open_ready(context, server + PAGES[lang] + query)
        sel = generate({**raw, "lang": lang}).selection
        assert steps_shown(page) == [[s.id, s.text, "\n".join(s.commands)] for s in run_steps(sel)]
        commands = [c for s in run_steps(sel) for c in s.commands]
        assert commands[0] == "sudo bash install.sh --dry-run" and commands[-1] == "sudo bash verify.sh"
        env = "sudo env KUBEEDGE_TOKEN=" if raw else "sudo env CLOUDCORE_ADDRESS="
        assert any(c.startswith(env) for c in commands)  # plain sudo would drop the variable
        page.locator('.kec-step[data-step="dry-run"] button[data-action="copy"]').click()
        assert page.evaluate("navigator.clipboard.readText()") == "sudo bash install.sh --dry-run"
        page.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_network_choice_sets_images_and_downloads(context, server, lang):
    page = open_ready(context, server + PAGES[lang] + "?runtime=cri-o")
    assert page.locator("#kec-network").is_visible()  # not hidden under More options
    page.select_option("#kec-network", "china")
    page.wait_for_function("document.querySelector('.kec').dataset.permalink.includes('network=china')")
    data = cli_json({"runtime": "cri-o", "network": "china", "lang": lang})
    assert outputs(page) == {a["path"]: a["content"] for a in data["artifacts"]}
    assert "https://files.m.daocloud.io/storage.googleapis.com/cri-o/" in \
        page.evaluate("document.querySelector('[data-artifact-path=\"install.sh\"]').textContent") or \
        "files.m.daocloud.io/github.com" in outputs(page)["install.sh"]
    result = generate({"runtime": "cri-o", "network": "china", "lang": lang})
    shown = page.evaluate("[...document.querySelectorAll('.kec-hosts li')].map(li => li.textContent)")
    assert shown == [f"{h} {what}" for h, what in contacted_hosts(result.selection, result.plan)]
    assert any(s.startswith("files.m.daocloud.io") and "cri-o" in s for s in shown)
    # my registry and file server: both fields asked for, by name, in More options
    page.select_option("#kec-network", "private")
    page.wait_for_selector('#kec-image_mirror[aria-invalid="true"]')
    assert page.locator("details.kec-more").get_attribute("open") is not None
    assert catalog(lang)["field.download_mirror.label"] in page.inner_text('.kec-field[data-field="download_mirror"]')
    page.fill("#kec-image_mirror", "registry.local:5000")
    page.press("#kec-image_mirror", "Enter")
    page.fill("#kec-download_mirror", "https://ghproxy.local/https://github.com")
    page.press("#kec-download_mirror", "Enter")
    page.wait_for_function("!document.querySelector('.kec').dataset.stale")
    shown = page.evaluate("[...document.querySelectorAll('.kec-hosts code')].map(c => c.textContent)")
    assert shown == ["ghproxy.local", "registry.local:5000"]
    # offline: the bundle is built elsewhere with this selection's flags
    page.select_option("#kec-network", "offline")
    page.wait_for_selector('.kec-step[data-step="bundle"]')
    cmd = page.inner_text('.kec-step[data-step="bundle"] .kec-cmd')
    assert "kubeedge-runtime bundle --runtime=cri-o" in cmd and "--network=offline" in cmd
    assert page.inner_text('.kec-step[data-step="install"] .kec-cmd') == \
        "sudo bash install.sh --bundle kubeedge-bundle.tar.gz"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_accessibility_tree_and_keyboard(context, server, lang):
    page = open_ready(context, server + PAGES[lang] + "?token=a%20b")
    tree = page.locator(".kec").aria_snapshot()
    label = catalog(lang)["field.token.label"]
    assert "- status: " + catalog(lang)["ui.errors_count"].format(count=1) in tree  # the live region
    assert catalog(lang)["ui.fix_errors"] in tree
    token = page.get_by_label(label)
    assert token.get_attribute("aria-invalid") == "true"
    ids = token.get_attribute("aria-describedby").split()
    assert page.inner_text(f"#{ids[0]}") == catalog(lang)["field.token.help"]
    assert label in page.inner_text(f"#{ids[1]}")  # the error, read with the field
    # what a screen reader gets for the field (Chromium's accessibility tree over CDP)
    cdp = context.new_cdp_session(page)
    root_id = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node_id = cdp.send("DOM.querySelector", {"nodeId": root_id, "selector": "#kec-token"})["nodeId"]
    ax = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node_id, "fetchRelatives": False})["nodes"][0]
    props = {p["name"]: p["value"].get("value") for p in ax.get("properties", [])}
    assert ax["name"]["value"] == label and props.get("invalid") == "true"
    assert catalog(lang)["field.token.help"] in ax["description"]["value"]
    assert label in ax["description"]["value"].replace(catalog(lang)["field.token.help"], "")
    # keyboard only: correct the token, then pick CRI-O with the arrow keys; the live region says what changed
    token.focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("abc.def")
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=tablist]")
    tree = page.locator(".kec").aria_snapshot()
    assert "tablist" in tree and catalog(lang)["ui.steps"] in tree and token.get_attribute("aria-invalid") is None
    # focus the runtime, pick CRI-O with the arrow keys, the live region says what changed
    page.focus("#kec-runtime")
    page.keyboard.press("ArrowDown")  # containerd -> cri-o
    page.wait_for_function("document.querySelector('.kec').dataset.permalink.includes('cri-o')")
    live = page.locator('.kec-live[role="status"]')
    page.wait_for_function("document.querySelector('.kec-live').textContent.length > 0")
    assert live.inner_text().startswith(catalog(lang)["ui.changed_files"].split("{")[0])
    assert page.locator("[role=tab].kec-changed").count() >= 1
