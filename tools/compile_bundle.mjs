// Compile the browser bundle's Python sources (and its Jinja templates) to bytecode with the very
// Pyodide the site serves (node_modules/pyodide), so the browser imports .pyc files instead of
// compiling sources at start-up.
// Usage: node tools/compile_bundle.mjs build/assets/py/bundle.zip
import { readFileSync, writeFileSync } from "node:fs";
import { loadPyodide } from "../node_modules/pyodide/pyodide.mjs";

const path = process.argv[2];
const pyodide = await loadPyodide();
pyodide.unpackArchive(new Uint8Array(readFileSync(path)), "zip", { extractDir: "/kec" });
pyodide.runPython(`
import sys
sys.path.insert(0, "/kec")
from kubeedge_runtime import artifacts
# Jinja templates to Python modules, with the bundle's own jinja2 (artifacts.py loads them when present)
artifacts.env().compile_templates("/kec/kubeedge_runtime/" + artifacts.COMPILED_TEMPLATES, zip=None,
                                  ignore_errors=False)
import compileall, io, os, py_compile, zipfile
# hash-based pycs: the bundle's bytes do not depend on when it was built
ok = compileall.compile_dir("/kec", quiet=1, legacy=True,
                            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
assert ok, "compileall failed"
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:  # build_assets.py gzips the whole zip
    for root, dirs, files in sorted(os.walk("/kec")):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                continue  # sourceless: the .pyc stands beside where the .py was
            full = os.path.join(root, name)
            info = zipfile.ZipInfo(os.path.relpath(full, "/kec"), date_time=(2020, 1, 1, 0, 0, 0))
            with open(full, "rb") as fh:
                zf.writestr(info, fh.read())
open("/compiled.zip", "wb").write(buf.getvalue())
`);
writeFileSync(path, pyodide.FS.readFile("/compiled.zip"));
console.log(`compiled ${path} for Python ${pyodide.runPython("import sys; sys.version.split()[0]")}`);
