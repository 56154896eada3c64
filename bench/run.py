"""make bench: measure the configurator like a product and write bench/results.json.

Browser figures come from Debian's Chromium (Playwright, no browser download) against the built
site served on 127.0.0.1; CLI figures from the installed package. Several runs, medians and spread.
Times are milliseconds unless the key says otherwise.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

# Records, in the page, when the configurator's state changes and every long task during load.
INIT = """
window.__kec = { marks: {}, longTasks: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__kec.longTasks += e.duration;
}).observe({ type: "longtask", buffered: true });
new MutationObserver(() => {
  const root = document.querySelector(".kec");
  if (root && !window.__kec.marks[root.dataset.state]) window.__kec.marks[root.dataset.state] = performance.now();
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
"""

REGEN = """async ([key, value]) => {
  const root = document.querySelector('.kec');
  const before = root.dataset.permalink;
  const el = document.getElementById('kec-' + key);
  const done = new Promise((resolve) => {
    const obs = new MutationObserver(() => {
      if (root.dataset.permalink !== before) { obs.disconnect(); resolve(performance.now()); }
    });
    obs.observe(root, { attributes: true, attributeFilter: ['data-permalink'] });
  });
  const t0 = performance.now();
  el.value = value;
  el.dispatchEvent(new Event('change', { bubbles: true }));
  return (await done) - t0;
}"""


class _Counting(http.server.SimpleHTTPRequestHandler):
    """Serves the site and counts what really crosses the network (cache hits never reach it)."""

    sent = {"bytes": 0, "requests": 0, "files": {}}

    def log_message(self, *args):
        pass

    def send_header(self, keyword, value):
        if keyword.lower() == "content-length":
            self.sent["bytes"] += int(value)
            name = self.path.split("?")[0].rsplit("/", 1)[-1] or "index.html"
            self.sent["files"][name] = self.sent["files"].get(name, 0) + int(value)
        super().send_header(keyword, value)

    def send_response(self, code, message=None):
        self.sent["requests"] += 1
        super().send_response(code, message)


class _Compressing(_Counting):
    """A static host that compresses text on the fly (nginx `gzip on`, most CDNs); files that are
    compressed already (.gz, .zip, .wasm.gz) go out as they are."""

    TEXT = (".html", ".css", ".js", ".mjs", ".json", ".svg", ".xml", ".txt", ".map")
    packed: dict[str, bytes] = {}

    def do_GET(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        if not (path.endswith(self.TEXT) and os.path.isfile(path)
                and "gzip" in self.headers.get("Accept-Encoding", "")):
            return super().do_GET()
        if path not in self.packed:
            with open(path, "rb") as fh:
                self.packed[path] = gzip.compress(fh.read(), 6)
        body = self.packed[path]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


def serve(directory: Path, handler=_Counting):
    httpd = _Server(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def _reset(net: dict) -> None:
    net["bytes"], net["requests"], net["files"] = 0, 0, {}


def _visit(ctx, url: str):
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_selector('.kec[data-state="ready"]', timeout=120_000)
    return page


SNAPSHOT_STORED = '.kec[data-snapshot="stored"]'  # the worker stored its snapshot for the next visit


# A person reads the outputs before the next change; the page uses that pause (configurator.mjs,
# prefetch). The changes "rushed" follow each other with no pause at all.
READING_MS = 1000


def _percentiles(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return round(values[len(values) // 2], 1), round(values[max(0, int(len(values) * 0.95) - 1)], 1)


def browser_figures(base: str, shipped_base: str, compressing_base: str, runs: int) -> dict:
    """The shipped design (the browser makes its snapshot on the first visit) in full, and its first
    visit's bytes from a host that compresses text; the alternative (a snapshot made at build time,
    downloaded on the first visit) for start-up and bytes."""
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {k: [] for k in (
        "dom_content_loaded_ms", "first_output_ms", "python_ready_ms_cold", "python_ready_ms_warm",
        "bare_pyodide_ms", "first_visit_bytes", "first_visit_requests", "repeat_visit_network_bytes",
        "repeat_visit_requests", "long_tasks_ms_total",
        "shipped_snapshot_ready_ms_cold", "shipped_snapshot_ready_ms_warm", "shipped_snapshot_first_visit_bytes",
        "first_visit_bytes_compressing_host")}
    regen: list[float] = []
    regen_python: list[float] = []
    regen_answers: list[str] = []
    regen_rushed: list[float] = []
    boots: list[str] = []
    files: dict[str, int] = {}
    net = _Counting.sent
    with sync_playwright() as p:
        exe = shutil.which("chromium") or "/usr/bin/chromium"
        browser = p.chromium.launch(executable_path=exe, args=ARGS)
        for _ in range(runs):
            # the floor: a bare page that only loads Pyodide, uncompressed (fresh cache)
            ctx = browser.new_context()
            page = ctx.new_page()
            page.goto(base + "/bench/bare.html")
            page.wait_for_function("window.__bareReady", timeout=120_000)
            out["bare_pyodide_ms"].append(page.evaluate("window.__bareReady"))
            ctx.close()

            # a real profile (disk cache, like a user's browser), fresh for every run
            ctx = p.chromium.launch_persistent_context(tempfile.mkdtemp(prefix="kec-bench-"), executable_path=exe,
                                                       args=ARGS)
            _reset(net)
            ctx.add_init_script(INIT)
            page = _visit(ctx, base + "/")
            timing = page.evaluate("""() => {
                const nav = performance.getEntriesByType('navigation')[0];
                const fcp = performance.getEntriesByName('first-contentful-paint')[0];
                return { dcl: nav.domContentLoadedEventEnd, fcp: fcp ? fcp.startTime : null };
            }""")
            out["dom_content_loaded_ms"].append(timing["dcl"])
            out["first_output_ms"].append(timing["fcp"] or timing["dcl"])
            out["python_ready_ms_cold"].append(page.evaluate("window.__kec.marks.ready"))
            out["long_tasks_ms_total"].append(page.evaluate("window.__kec.longTasks"))
            boots.append(page.get_attribute(".kec", "data-boot"))
            # part of the first visit: the service worker caching and the worker storing its snapshot
            page.wait_for_selector(SNAPSHOT_STORED, state="attached", timeout=60_000)
            page.wait_for_timeout(3000)
            out["first_visit_bytes"].append(net["bytes"])
            out["first_visit_requests"].append(net["requests"])
            files = dict(net["files"])
            # regeneration after form changes, across all runtimes (warm Python)
            changes = [("runtime", r) for r in ("cri-o", "docker", "isulad", "kata", "virtlet", "containerd")]
            changes += [("kubeedge_version", v) for v in ("1.16", "1.12", "1.19", "1.23")]
            changes += [("cgroup_driver", "cgroupfs"), ("cgroup_driver", "systemd"),
                        ("install_method", "binary"), ("install_method", "keadm")]
            state = {"runtime": "containerd", "kubeedge_version": "1.23", "cgroup_driver": "systemd",
                     "install_method": "keadm"}
            rng = random.Random(7)
            count_changes = 0
            while count_changes < 60:
                key, value = rng.choice(changes)
                if state[key] == value:
                    continue
                state[key] = value
                count_changes += 1
                if count_changes > 40:  # then 20 changes as fast as the page takes them
                    regen_rushed.append(page.evaluate(REGEN, [key, value]))
                    regen_python.append(float(page.get_attribute(".kec", "data-python-ms")))
                    continue
                page.wait_for_timeout(READING_MS)
                regen.append(page.evaluate(REGEN, [key, value]))
                regen_answers.append(page.get_attribute(".kec", "data-answer"))
            # repeat visit in the same profile: what the caches (and the snapshot) save
            page.close()
            _reset(net)
            page2 = _visit(ctx, base + "/")
            out["python_ready_ms_warm"].append(page2.evaluate("window.__kec.marks.ready"))
            out["repeat_visit_network_bytes"].append(net["bytes"])
            out["repeat_visit_requests"].append(net["requests"])
            boots.append(page2.get_attribute(".kec", "data-boot"))
            ctx.close()

            # the same first visit from a host that compresses text itself (the pages, the search index)
            ctx = p.chromium.launch_persistent_context(tempfile.mkdtemp(prefix="kec-bench-"), executable_path=exe,
                                                       args=ARGS)
            _reset(net)
            page = _visit(ctx, compressing_base + "/")
            page.wait_for_selector(SNAPSHOT_STORED, state="attached", timeout=60_000)
            page.wait_for_timeout(3000)
            out["first_visit_bytes_compressing_host"].append(net["bytes"])
            ctx.close()

            # the alternative: the build-time snapshot downloaded on the first visit
            ctx = p.chromium.launch_persistent_context(tempfile.mkdtemp(prefix="kec-bench-"), executable_path=exe,
                                                       args=ARGS)
            ctx.add_init_script(INIT)
            _reset(net)
            page = _visit(ctx, shipped_base + "/")
            out["shipped_snapshot_ready_ms_cold"].append(page.evaluate("window.__kec.marks.ready"))
            boots.append(page.get_attribute(".kec", "data-boot"))
            page.wait_for_selector(SNAPSHOT_STORED, state="attached", timeout=60_000)
            page.wait_for_timeout(3000)
            out["shipped_snapshot_first_visit_bytes"].append(net["bytes"])
            page.close()
            page2 = _visit(ctx, shipped_base + "/")
            out["shipped_snapshot_ready_ms_warm"].append(page2.evaluate("window.__kec.marks.ready"))
            ctx.close()
        browser.close()
    result = {}
    for key, values in out.items():
        result[key] = round(statistics.median(values), 1)
        result[key + "_spread"] = [round(min(values), 1), round(max(values), 1)]
    result["regen_samples"] = len(regen)
    result["regen_reading_pause_ms"] = READING_MS
    result["regen_ms_p50"], result["regen_ms_p95"] = _percentiles(regen)
    result["regen_answered_ahead_share"] = round(regen_answers.count("ahead") / len(regen_answers), 2)
    result["regen_rushed_ms_p50"], result["regen_rushed_ms_p95"] = _percentiles(regen_rushed)
    result["regen_python_ms_p50"], result["regen_python_ms_p95"] = _percentiles(regen_python)  # of the rushed
    bare = result["bare_pyodide_ms"]
    result["ready_vs_bare_ratio"] = round(result["python_ready_ms_cold"] / bare, 2)
    result["ready_vs_bare_ratio_warm"] = round(result["python_ready_ms_warm"] / bare, 2)
    result["shipped_snapshot_ready_vs_bare_ratio"] = round(result["shipped_snapshot_ready_ms_cold"] / bare, 2)
    result["first_output_vs_dcl_ratio"] = round(result["first_output_ms"] / result["dom_content_loaded_ms"], 2)
    result["boots_seen"] = sorted(set(boots))
    result["first_visit_bytes_by_file"] = dict(sorted(files.items(), key=lambda kv: -kv[1])[:8])
    # a model, not a measurement: a first visit over a slow link is its bytes over the bandwidth
    # plus the start-up measured here (the boot is CPU time, the download is not)
    result["slow_link_python_ready_s"] = {
        f"{mbit} Mbit/s": {
            "browser_snapshot": round(result["first_visit_bytes"] * 8 / (mbit * 1e6)
                                      + result["python_ready_ms_cold"] / 1000, 1),
            "shipped_snapshot": round(result["shipped_snapshot_first_visit_bytes"] * 8 / (mbit * 1e6)
                                      + result["shipped_snapshot_ready_ms_cold"] / 1000, 1)}
        for mbit in (2, 10, 50)}
    return result


def shipped_snapshot_site(directory: Path) -> None:
    """A copy of the site that ships a snapshot made at build time (tools/make_snapshot.mjs)."""
    shutil.copytree(SITE, directory)
    subprocess.run(["node", str(ROOT / "tools" / "make_snapshot.mjs"), str(SITE / "assets" / "py" / "bundle.zip.gz"),
                    str(directory / "assets" / "py" / "snapshot-build.bin.gz")], check=True)
    worker = directory / "assets" / "configurator" / "worker.mjs"
    text = worker.read_text()
    assert 'const SHIPPED_SNAPSHOT = "";' in text
    worker.write_text(text.replace('const SHIPPED_SNAPSHOT = "";', 'const SHIPPED_SNAPSHOT = "py/snapshot-build.bin";'))


def _matrix() -> list[dict]:
    from kubeedge_runtime.selection import ARCHES, CGROUP_DRIVERS, INSTALL_METHODS, OSES, RUNTIMES, kubeedge_minors

    return [{"runtime": runtime, "install_method": method, "kubeedge_version": minor, "arch": arch, "os": os_,
             "cgroup_driver": driver, "cloudcore": "192.0.2.10:10000", "token": "abc.def"}
            for runtime in RUNTIMES for method in INSTALL_METHODS for minor in kubeedge_minors()
            for arch in ARCHES for os_ in OSES for driver in CGROUP_DRIVERS]


def _generate_and_validate(selections: list[dict]) -> int:
    """Generate each selection and parse every config it produced back; the number generated."""
    import tomllib

    import yaml

    from kubeedge_runtime import generate

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # parsing is the check here, not what is timed
    ok = 0
    for raw in selections:
        result = generate(raw)
        if not result.ok:
            continue
        ok += 1
        for a in result.artifacts:
            if a.language == "toml":
                tomllib.loads(a.content)
            elif a.language == "json":
                json.loads(a.content)
            elif a.language == "yaml":
                yaml.load(a.content, Loader=loader)
    return ok


def _import_ms(statement: str) -> float:
    times = []
    for _ in range(5):
        res = subprocess.run([sys.executable, "-c", f"import time; t = time.perf_counter(); {statement}; "
                              "print((time.perf_counter() - t) * 1000)"], capture_output=True, text=True, check=True)
        times.append(float(res.stdout))
    return round(statistics.median(times), 1)


def cli_figures() -> dict:
    """Every combination of the enumerated fields generated and validated, on a process pool with
    one process per core (each process warms its own caches, as a CI job's would)."""
    from concurrent.futures import ProcessPoolExecutor

    combos = _matrix()
    _generate_and_validate(combos[:1])  # imports and templates loaded once, before the pool forks
    workers = os.cpu_count() or 1
    chunks = [combos[i::workers * 4] for i in range(workers * 4)]  # interleaved: even work per chunk
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        ok = sum(pool.map(_generate_and_validate, chunks))
    seconds = time.perf_counter() - start
    return {"cli_combinations": len(combos), "cli_generated": ok, "cli_seconds": round(seconds, 2),
            "cli_processes": workers, "cli_combinations_per_second": round(len(combos) / seconds, 1),
            "wheel_import_ms": _import_ms("import kubeedge_runtime"),
            "cli_import_ms": _import_ms("import kubeedge_runtime.cli"),  # what --help and check load
            "generate_import_ms": _import_ms("from kubeedge_runtime import core, artifacts, runtimes")}


def fleet_figures() -> dict:
    """Three booted Debian nodes set up by the Ansible role over SSH (tests/fleet_nodes.py, the nodes
    of the fleet test): seconds to boot them, for the first run of the play, and for the rerun."""
    sys.path.insert(0, str(ROOT / "tests"))
    from fleet_nodes import HOSTS, Fleet, problem

    reason = problem()
    if reason:
        return {"fleet_skipped": reason}
    with tempfile.TemporaryDirectory(prefix="kec-fleet-") as tmp:
        fleet = Fleet(Path(tmp), HOSTS)
        try:
            start = time.monotonic()
            fleet.boot()
            fleet.init()
            boot = time.monotonic() - start
            first, rerun = fleet.play(), fleet.play()
        finally:
            fleet.stop()
    for play in (first, rerun):
        if play.rc != 0:
            raise SystemExit(f"the fleet play failed, no figures recorded:\n{play}")
    return {"fleet_nodes": len(HOSTS), "fleet_boot_seconds": round(boot, 1),
            "fleet_setup_seconds": round(first.seconds, 1), "fleet_rerun_seconds": round(rerun.seconds, 1),
            "fleet_rerun_changed": sum(r["changed"] for r in rerun.recap.values())}


BUNDLE_RUNTIMES = {"containerd": {"runtime": "containerd", "runtime_version": "2.1"},
                   "docker": {"runtime": "docker"}, "cri-o": {"runtime": "cri-o"}}


def bundle_figures() -> dict:
    """Offline bundle size per runtime (kubeedge-runtime bundle, built in a loopback-only network
    namespace as in tests/test_bundle.py). The release files of containerd, runc and the CNI plugins
    are Debian's real binaries in the upstream layout, so their bytes are close to upstream's;
    cri-dockerd, CRI-O, keadm and the images are the tests' stand-ins (a few KB), so those runtimes'
    figures are a floor, not the real size."""
    sys.path.insert(0, str(ROOT / "tests"))
    import releases
    from helpers import ok
    from node import host_problem, suite
    from offline_env import Netns, Registry, oci_image, serve_files

    from kubeedge_runtime.offline import node_images

    reason = host_problem() or (None if shutil.which("docker-registry") and shutil.which("skopeo")
                                else "docker-registry and skopeo are needed")
    if reason:
        return {"bundle_skipped": reason}
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="kec-bundle-") as tmp:
        ns = Netns()
        try:
            registry = Registry(ns, Path(tmp) / "registry")
            sid = suite("sid")
            pushed: set[str] = set()
            base = {"os": "debian", "image_mirror": "http://127.0.0.1:5000", "download_mirror": "http://127.0.0.1:8080"}
            for name, raw in BUNDLE_RUNTIMES.items():
                raw = {**base, **raw}
                releases.build_mirror(Path(tmp) / "files", raw, {"node": sid, "2.1": sid})
                result = ok(raw)
                for img in node_images(result.selection, result.plan):
                    if img.reference not in pushed:
                        repo, tag = img.reference.split("/", 1)[1].rsplit(":", 1)
                        layout = Path(tmp) / "oci" / str(len(pushed))
                        layout.mkdir(parents=True)
                        oci_image(layout, tag, repo)
                        registry.push(layout, repo, tag)
                        pushed.add(img.reference)
            serve_files(ns, Path(tmp) / "files", 8080, Path(tmp) / "files.log")
            cli = str(Path(sys.executable).with_name("kubeedge-runtime"))
            for name, raw in BUNDLE_RUNTIMES.items():
                dest = Path(tmp) / f"{name}.tar.gz"
                flags = [f"--{k.replace('_', '-')}={v}" for k, v in {**base, **raw}.items()]
                start = time.monotonic()
                ns.run([cli, "bundle", *flags, "--accept-unverified", "--output", str(dest)])
                out[f"bundle_bytes_{name}"] = dest.stat().st_size
                out[f"bundle_build_ms_{name}"] = round((time.monotonic() - start) * 1000)
        finally:
            ns.close()
    return out


def machine() -> dict:
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor()
    chromium = subprocess.run([shutil.which("chromium") or "/usr/bin/chromium", "--version"], capture_output=True,
                              text=True).stdout.strip()
    pyodide = json.loads((ROOT / "node_modules/pyodide/package.json").read_text())["version"]
    return {"cores": os.cpu_count(), "cpu_model": model, "python": platform.python_version(), "browser": chromium,
            "pyodide": pyodide}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    ap.add_argument("--no-fleet", action="store_true", help="skip the three-node Ansible fleet (needs root)")
    args = ap.parse_args()
    if not (SITE / "index.html").exists():
        raise SystemExit("site/ is not built: run `make site` first (make bench does)")
    bench_dir = SITE / "bench"
    bench_dir.mkdir(exist_ok=True)
    for name in ("bare.html", "bare-worker.mjs"):
        shutil.copy(ROOT / "bench" / name, bench_dir / name)
    (bench_dir / "pyodide").mkdir(exist_ok=True)
    for name in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"):
        shutil.copy(ROOT / "node_modules" / "pyodide" / name, bench_dir / "pyodide" / name)
    shipped = Path(tempfile.mkdtemp(prefix="kec-bench-site-")) / "site"
    shipped_snapshot_site(shipped)
    httpd, base = serve(SITE)
    httpd2, shipped_base = serve(shipped)
    httpd3, compressing_base = serve(SITE, _Compressing)
    snapshot_gz = (shipped / "assets" / "py" / "snapshot-build.bin.gz").stat().st_size
    try:
        results = browser_figures(base, shipped_base, compressing_base, args.runs)
    finally:
        httpd.shutdown()
        httpd2.shutdown()
        httpd3.shutdown()
        shutil.rmtree(shipped.parent, ignore_errors=True)
    results["shipped_snapshot_gz_bytes"] = snapshot_gz
    results.update(cli_figures())
    if not args.no_fleet:
        results.update(fleet_figures())
    results.update(bundle_figures())
    results["machine"] = machine()
    results["runs"] = args.runs
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
