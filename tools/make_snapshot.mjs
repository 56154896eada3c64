// A Pyodide memory snapshot made at build time, for sites that would rather ship one than let each
// browser make its own on the first visit (web/worker.mjs, SHIPPED_SNAPSHOT; docs/performance.md
// compares both). The state is the one the worker snapshots: the bundle imported, one render done.
// Usage: node tools/make_snapshot.mjs site/assets/py/bundle.zip.gz OUT.bin.gz
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { loadPyodide } from "../node_modules/pyodide/pyodide.mjs";

const [bundle, out] = process.argv.slice(2);
const pyodide = await loadPyodide({ _makeSnapshot: true });
pyodide.unpackArchive(new Uint8Array(gunzipSync(readFileSync(bundle))), "zip", { extractDir: "/kec" });
pyodide.runPython("import sys; sys.path.insert(0, '/kec')\nfrom kubeedge_runtime import webui\nwebui.api_render('{}')");
const snapshot = pyodide.makeMemorySnapshot();
writeFileSync(out, gzipSync(snapshot, { level: 9 }));
console.log(`snapshot ${out}: ${snapshot.length} bytes, ${readFileSync(out).length} gzipped`);
