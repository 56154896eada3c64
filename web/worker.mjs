// Python in a Web Worker: Pyodide from this site, our package and its dependencies from one zip.
// Requests: {id, op: "render" | "change" | "zip", args}; replies: {id, ok, value | error}.
import { loadPyodide } from "../pyodide/pyodide.mjs";

const assets = new URL("../", import.meta.url);
const progress = (step) => postMessage({ type: "progress", step });

async function start() {
  progress("runtime");
  const bundle = fetch(new URL("py/bundle.zip", assets)).then((r) => {
    if (!r.ok) throw new Error(`bundle.zip: HTTP ${r.status}`);
    return r.arrayBuffer();
  });
  const pyodide = await loadPyodide({ indexURL: new URL("pyodide/", assets).href });
  progress("packages");
  pyodide.unpackArchive(await bundle, "zip", { extractDir: "/kec" });
  pyodide.runPython("import sys; sys.path.insert(0, '/kec')");
  progress("core");
  return pyodide.pyimport("kubeedge_runtime.webui");
}

const api = start();
api.then(() => postMessage({ type: "ready" }), (e) => postMessage({ type: "failed", error: String(e) }));

onmessage = async ({ data }) => {
  const { id, op, args } = data;
  try {
    const webui = await api;
    if (op === "render") {
      postMessage({ id, ok: true, value: JSON.parse(webui.api_render(JSON.stringify(args.raw))) });
    } else if (op === "change") {
      const t0 = performance.now();
      const value = JSON.parse(webui.api_change(JSON.stringify(args.raw), args.key, args.value));
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
