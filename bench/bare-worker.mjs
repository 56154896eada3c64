// The floor for the benchmark: a worker that only loads Pyodide from the same files as the site.
import { loadPyodide } from "../assets/pyodide/pyodide.mjs";

const start = performance.now();
loadPyodide({ indexURL: new URL("../assets/pyodide/", import.meta.url).href }).then(() => {
  postMessage({ loaded: performance.now() - start });
});
