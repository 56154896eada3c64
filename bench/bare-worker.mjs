// The floor for the benchmark: a worker that only loads Pyodide, the plain way (uncompressed files
// of the same npm package, copied next to this file by bench/run.py; the site ships them as .gz).
import { loadPyodide } from "./pyodide/pyodide.mjs";

const start = performance.now();
loadPyodide({ indexURL: new URL("./pyodide/", import.meta.url).href }).then(() => {
  postMessage({ loaded: performance.now() - start });
});
