// Python in a Web Worker: Pyodide from this site, our package and its dependencies from one zip.
// Requests: {id, op: "render" | "change" | "zip", args}; replies: {id, ok, value | error}.
// {op: "prefetch", args}: replies made ahead of the user, sent as {type: "prefetched", ...} (below).
// Progress: {type: "progress", step}, then {type: "ready", boot} or {type: "failed", error};
// {type: "stored"} once the snapshot for the next visit is in Cache Storage.
//
// Start-up (docs/performance.md):
// - a repeat visit restores the memory snapshot this browser saved on its first visit (Cache
//   Storage, named after the site build): no Python boot, no imports;
// - otherwise Pyodide boots, imports our package, warms it with one generate(), and saves that
//   state as the snapshot for the next visit. A snapshot that does not restore (another Pyodide
//   build, a damaged entry) is deleted and the normal boot takes over ("fallback");
// - the large files are stored gzip-compressed on the site (*.gz, made at build time) and
//   inflated here with DecompressionStream, unless the server already decoded them.

import { loadPyodide } from "../pyodide/pyodide.mjs";

const assets = new URL("../", import.meta.url);
const asset = (path) => new URL(path, assets).href;
const pyodideURL = asset("pyodide/");
const BUILD = "__VERSION__"; // the site build (web/sw.js uses the same), replaced by the docs build
// For a site that ships a snapshot made at build time (tools/make_snapshot.mjs; make bench sets it
// on a copy of the site to compare): its path under assets/ without .gz, downloaded when this
// browser has no snapshot of its own yet. Empty: the browser makes its own (docs/performance.md).
const SHIPPED_SNAPSHOT = "";
const SNAPSHOTS = `kec-snapshot-${BUILD}`;
const SNAPSHOT_KEY = asset("py/snapshot.bin");
const progress = (step) => postMessage({ type: "progress", step });

// --- compressed assets ------------------------------------------------------------------------

/** The bytes of `path + ".gz"`, inflated unless the server sent them with Content-Encoding
 *  (the browser has then decoded them already). */
async function fetchPacked(path) {
  const response = await fetch(asset(path + ".gz"));
  if (!response.ok) throw new Error(`${path}.gz: HTTP ${response.status}`);
  if (response.headers.get("Content-Encoding")) return response;
  return new Response(response.body.pipeThrough(new DecompressionStream("gzip")));
}

// Pyodide fetches its wasm binary, standard library and lock file itself: hand it the inflated
// copies (typed, so the wasm still compiles while it streams in).
const PACKED = { "pyodide.asm.wasm": "application/wasm", "python_stdlib.zip": "application/zip",
  "pyodide-lock.json": "application/json" };
// They are requested at once, while the worker still reads its snapshot from Cache Storage.
const nativeFetch = globalThis.fetch.bind(globalThis);
const early = new Map(Object.keys(PACKED).map((name) => [name, fetchPacked("pyodide/" + name)]));
for (const pending of early.values()) pending.catch(() => {}); // reported when Pyodide asks for it
globalThis.fetch = async (input, init) => {
  const url = String(input instanceof Request ? input.url : input);
  const name = url.startsWith(pyodideURL) ? url.slice(pyodideURL.length) : "";
  if (!PACKED[name]) return nativeFetch(input, init);
  const pending = early.get(name); // a body is read once: a second request fetches again
  early.delete(name);
  const inflated = await (pending || fetchPacked("pyodide/" + name));
  return new Response(inflated.body, { headers: { "Content-Type": PACKED[name] } });
};

/** Pyodide's module factory, loaded from its compressed copy; `heap` grows the wasm memory to
 *  the snapshot's size before Pyodide copies the snapshot in (the memory starts smaller). */
const factory = (async () => {
  const source = await (await fetchPacked("pyodide/pyodide.asm.mjs")).blob();
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  try {
    return (await import(url)).default;
  } finally {
    URL.revokeObjectURL(url);
  }
})();
const moduleWithHeap = (heap) => async (settings) => {
  if (heap) settings.preRun.unshift((Module) => Module._emscripten_resize_heap(heap));
  return (await factory)(settings);
};

// --- snapshots --------------------------------------------------------------------------------

// Stored as it is: inflating a gzip-compressed copy (6 MB instead of 30) cost more than reading
// the whole of it (tried, docs/performance.md).
async function savedSnapshot() {
  try {
    const hit = await (await caches.open(SNAPSHOTS)).match(SNAPSHOT_KEY);
    if (hit) return { bytes: new Uint8Array(await hit.arrayBuffer()), source: "snapshot" };
  } catch {
    // no Cache Storage (private mode, insecure origin): boot normally
  }
  if (SHIPPED_SNAPSHOT) {
    try {
      const bytes = new Uint8Array(await (await fetchPacked(SHIPPED_SNAPSHOT)).arrayBuffer());
      return { bytes, source: "shipped-snapshot" };
    } catch (e) {
      console.warn("kubeedge-runtime: no shipped snapshot:", e);
    }
  }
  return null;
}

async function forgetSnapshot() {
  try {
    await caches.delete(SNAPSHOTS);
  } catch {
    // nothing stored
  }
}

async function storeSnapshot(bytes) {
  try {
    const cache = await caches.open(SNAPSHOTS);
    await cache.put(SNAPSHOT_KEY, new Response(bytes, { headers: { "Content-Type": "application/octet-stream" } }));
    // older builds' snapshots are of no use any more
    for (const name of await caches.keys()) {
      if (name.startsWith("kec-snapshot-") && name !== SNAPSHOTS) await caches.delete(name);
    }
    postMessage({ type: "stored" });
  } catch (e) {
    console.warn("kubeedge-runtime: the snapshot was not stored:", e);
  }
}

// --- start ------------------------------------------------------------------------------------

async function unpack(pyodide, bundle) {
  // the snapshot holds the imported modules, not the files (templates load lazily from /kec)
  pyodide.unpackArchive(await bundle, "zip", { extractDir: "/kec" });
}

async function start() {
  progress("runtime");
  const bundle = fetchPacked("py/bundle.zip").then((r) => r.arrayBuffer());
  bundle.catch(() => {}); // awaited below; an early failure is reported there
  const options = { indexURL: pyodideURL };
  const snapshot = await savedSnapshot();
  if (snapshot) {
    try {
      const pyodide = await loadPyodide({ ...options, _loadSnapshot: snapshot.bytes,
        createPyodideModule: moduleWithHeap(snapshot.bytes.length) });
      progress("packages");
      await unpack(pyodide, bundle);
      if (snapshot.source === "shipped-snapshot") storeSnapshot(snapshot.bytes);
      return { webui: pyodide.pyimport("kubeedge_runtime.webui"), boot: snapshot.source };
    } catch (e) {
      console.warn("kubeedge-runtime: the snapshot did not restore, booting normally:", e);
      await forgetSnapshot();
    }
  }
  const pyodide = await loadPyodide({ ...options, _makeSnapshot: true, createPyodideModule: moduleWithHeap(0) });
  progress("packages");
  await unpack(pyodide, bundle);
  progress("core");
  // import everything and run one generation, so the snapshot holds warm caches; this happens
  // before the page sends anything, so nothing the user types ends up in the stored snapshot
  pyodide.runPython("import sys; sys.path.insert(0, '/kec')\nfrom kubeedge_runtime import webui\nwebui.api_render('{}')");
  let state = null;
  try {
    state = pyodide.makeMemorySnapshot();
  } catch (e) {
    console.warn("kubeedge-runtime: no snapshot of this boot:", e);
  }
  if (state) storeSnapshot(state); // written to the cache while the page already talks to Python
  return { webui: pyodide.pyimport("kubeedge_runtime.webui"), boot: snapshot ? "fallback" : "fresh" };
}

const api = start();
api.then(({ boot }) => postMessage({ type: "ready", boot }), (e) => postMessage({ type: "failed", error: String(e) }));

// --- ahead of the user ----------------------------------------------------------------------
// While the page waits for the user, it asks for the replies to the choices the form offers next
// ({op: "prefetch", epoch, raw, have, choices}); they go back one by one as
// {type: "prefetched", epoch, key, choice, reply} and the page answers such a change itself. Each
// reply is one generation; a request or a newer prefetch drops what is still queued.
let ahead = null;
const tick = new MessageChannel(); // one reply per task: a request from the page comes in between
tick.port1.onmessage = async () => {
  const { webui } = await api;
  if (!ahead || !ahead.choices.length) return;
  const { epoch, raw, have } = ahead;
  const [key, choice] = ahead.choices.shift();
  try {
    const reply = JSON.parse(webui.api_change(raw, key, choice, have));
    postMessage({ type: "prefetched", epoch, key, choice, reply });
  } catch (e) {
    console.debug("kubeedge-runtime: no reply ahead for", key, choice, e);
  }
  tick.port2.postMessage(null);
};

onmessage = async ({ data }) => {
  const { id, op, args } = data;
  if (op === "prefetch") {
    ahead = { epoch: args.epoch, raw: JSON.stringify(args.raw), have: JSON.stringify(args.have), choices: args.choices };
    tick.port2.postMessage(null);
    return;
  }
  if (op !== "zip") ahead = null; // the page moves on: what was queued is for a selection it leaves
  try {
    const { webui } = await api;
    // args.have: the digests of what the page shows, which come back as stubs (webui._unit)
    const have = JSON.stringify(args.have || []);
    if (op === "render") {
      postMessage({ id, ok: true, value: JSON.parse(webui.api_render(JSON.stringify(args.raw), have)) });
    } else if (op === "change") {
      const t0 = performance.now();
      const value = JSON.parse(webui.api_change(JSON.stringify(args.raw), args.key, args.value, have));
      value.pythonMs = performance.now() - t0; // for make bench: Python's share of a regeneration
      postMessage({ id, ok: true, value });
    } else if (op === "zip") {
      const proxy = webui.api_zip(JSON.stringify(args.raw));
      const bytes = proxy.toJs();
      proxy.destroy();
      postMessage({ id, ok: true, value: bytes }, [bytes.buffer]);
    } else {
      throw new Error(`unknown op ${op}`);
    }
  } catch (e) {
    postMessage({ id, ok: false, error: String(e) });
  }
};
