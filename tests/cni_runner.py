"""Run a CNI network config list the way a runtime does (libcni's chaining), for the tests: each
plugin of the list in order with the previous result, CHECK with the final one, DEL in reverse.

Usage (as root, inside a test node): cni_runner.py CONFLIST BIN_DIR NETNS ADD|CHECK|DEL [RESULT_FILE]
Prints the final result of ADD as JSON; exits non-zero with the plugin's error otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

CONTAINER_ID = "kubeedge-runtime-test"


def run_plugin(plugin: dict, conflist: dict, bin_dir: str, netns: str, command: str, prev: dict | None) -> dict:
    conf = {**plugin, "name": conflist["name"], "cniVersion": conflist["cniVersion"]}
    if prev is not None:
        conf["prevResult"] = prev
    env = {**os.environ, "CNI_COMMAND": command, "CNI_CONTAINERID": CONTAINER_ID, "CNI_NETNS": netns,
           "CNI_IFNAME": "eth0", "CNI_PATH": bin_dir}
    res = subprocess.run([os.path.join(bin_dir, plugin["type"])], input=json.dumps(conf), capture_output=True,
                         text=True, env=env, timeout=60)
    if res.returncode != 0:
        sys.exit(f"{plugin['type']} {command} failed: {res.stdout}{res.stderr}")
    return json.loads(res.stdout) if command == "ADD" and res.stdout.strip() else (prev or {})


def main() -> None:
    path, bin_dir, netns, command = sys.argv[1:5]
    with open(path) as fh:
        conflist = json.load(fh)
    plugins = conflist["plugins"]
    if command == "ADD":
        result = None
        for plugin in plugins:
            result = run_plugin(plugin, conflist, bin_dir, netns, "ADD", result)
        print(json.dumps(result))
        return
    with open(sys.argv[5]) as fh:
        result = json.load(fh)
    for plugin in (plugins if command == "CHECK" else list(reversed(plugins))):
        run_plugin(plugin, conflist, bin_dir, netns, command, result)


if __name__ == "__main__":
    main()
