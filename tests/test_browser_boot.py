"""How Python starts in the page (web/worker.mjs): a fresh boot that saves a memory snapshot, the
restore of that snapshot on the next visit, the fallback when a snapshot does not fit this Pyodide
build, and Pyodide's gzipped files from a host that decodes them itself. Every path must give the
CLI's bytes. Same setup as test_browser.py (Debian's Chromium, the built site on 127.0.0.1).
"""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from test_browser import CHROMIUM, PARITY, READY, SITE, browser, cli_json, context, outputs, server, show  # noqa: F401

STORED = '.kec[data-snapshot="stored"]'  # the worker stored its snapshot for the next visit

# a stored snapshot spoilt: "another-build" changes the build id in its header (bytes 16..47), as a
# snapshot from another Pyodide build has it; "damaged" cuts the stored memory short
SPOIL = """async (how) => {
  const name = (await caches.keys()).find((k) => k.startsWith('kec-snapshot-'));
  const cache = await caches.open(name);
  const key = new URL('assets/py/snapshot.bin', location.origin + '/');
  let bytes = new Uint8Array(await (await cache.match(key)).arrayBuffer());
  if (how === 'another-build') for (let i = 16; i < 48; i++) bytes[i] ^= 0x5a;
  else bytes = bytes.slice(0, bytes.length >> 1);
  await cache.put(key, new Response(bytes));
}"""


def visit(context, url: str):
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(READY, timeout=120_000)
    return page


def assert_parity(page, selections):
    for raw in selections:
        data = cli_json(raw)
        show(page, "?" + "&".join(f"{k}={v}" for k, v in raw.items()), data["permalink"])
        assert outputs(page) == {a["path"]: a["content"] for a in data["artifacts"]}, raw


def first_visit(context, server):
    page = visit(context, server + "/")
    assert page.get_attribute(".kec", "data-boot") == "fresh"
    page.wait_for_selector(STORED, state="attached", timeout=60_000)
    return page


def test_repeat_visit_restores_the_snapshot_with_the_cli_bytes(context, server):
    first_visit(context, server).close()
    page = visit(context, server + "/")
    assert page.get_attribute(".kec", "data-boot") == "snapshot"
    page.select_option("#kec-runtime", "cri-o")  # the form works after a restore
    page.wait_for_selector('[data-artifact-path="etc/crio/crio.conf.d/99-kubeedge.conf"]', state="attached")
    assert_parity(page, PARITY)


@pytest.mark.parametrize("how", ["another-build", "damaged"])
def test_a_snapshot_that_does_not_restore_is_rejected_and_replaced(context, server, how):
    page = first_visit(context, server)
    page.evaluate(SPOIL, how)
    page.close()
    page = visit(context, server + "/")
    assert page.get_attribute(".kec", "data-boot") == "fallback"
    assert_parity(page, PARITY)
    page.wait_for_selector(STORED, state="attached", timeout=60_000)  # a snapshot of this build took its place
    page.close()
    assert visit(context, server + "/").get_attribute(".kec", "data-boot") == "snapshot"


@pytest.fixture
def decoding_host():
    """A host that serves *.gz with Content-Encoding: gzip (Apache's AddEncoding, many CDNs): the
    browser inflates them before the worker sees them."""
    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def end_headers(self):
            if self.path.split("?")[0].endswith(".gz"):
                self.send_header("Content-Encoding", "gzip")
            super().end_headers()

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(SITE)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_host_that_decodes_gzip_itself(browser, decoding_host):
    ctx = browser.new_context()
    try:
        page = visit(ctx, decoding_host + "/")
        assert page.get_attribute(".kec", "data-boot") == "fresh"
        assert_parity(page, PARITY[:4])
    finally:
        ctx.close()
