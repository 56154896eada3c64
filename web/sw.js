// Service worker: after one visit the configurator works offline and repeat visits load the large
// files (Pyodide, the Python bundle) from this cache instead of the network. Pages: network first.
const CACHE = "kec-__VERSION__";
const BASE = new URL("./", self.location).href;
const ASSETS = ["assets/pyodide/pyodide.mjs", "assets/pyodide/pyodide.asm.mjs.gz", "assets/pyodide/pyodide.asm.wasm.gz",
  "assets/pyodide/python_stdlib.zip.gz", "assets/pyodide/pyodide-lock.json.gz", "assets/py/bundle.zip.gz",
  "assets/configurator/configurator.mjs", "assets/configurator/worker.mjs",
  "assets/configurator/configurator.css"].map((p) => BASE + p);

self.addEventListener("install", (event) => {
  // force-cache: the page has just downloaded these files; take them from the HTTP cache, not the network again
  const requests = ASSETS.map((url) => new Request(url, { cache: "force-cache" }));
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(requests)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    // the worker keeps its memory snapshots in caches of their own (kec-snapshot-*) and prunes them itself
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("kec-") && !k.startsWith("kec-snapshot-") && k !== CACHE)
      .map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET" || !request.url.startsWith(BASE)) return;
  if (ASSETS.includes(request.url.split("?")[0])) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  } else if (request.mode === "navigate" || request.url.includes("/assets/")) {
    // pages and theme assets: the network when it answers, the last copy when offline
    event.respondWith(fetch(request).then((response) => {
      const copy = response.clone();
      if (response.ok) caches.open(CACHE).then((cache) => cache.put(request, copy));
      return response;
    }).catch(() => caches.match(request)));
  }
});
