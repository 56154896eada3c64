"""The generated containerd configuration, loaded by a real containerd 1.x.

Debian's containerd 1.6 (installed by `make test` with apt-get) is started as root, once per test, with its
root, state, gRPC/ttrpc/debug sockets and the opt plugin's directory all inside the test's tmp_path, so
nothing under /run, /var/lib or /opt is touched and the node's own containerd (if any) is left alone.

Only config version 2 (the containerd 1.x selections, runtime_version "1.6") is checked here: containerd 1.6
cannot load the version 3 files generated for 2.x.

What is asserted comes from containerd itself: `ctr plugins ls` (the CRI plugin loaded, status ok) and
`containerd --config MAIN config dump` (the effective configuration after `imports` are merged).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

try:
    import kubeedge_runtime
except ImportError:  # not installed: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pycore" / "src"))
    import kubeedge_runtime

try:
    import tomllib

    def parse_toml(text):
        return tomllib.loads(text)
except ModuleNotFoundError:  # Python < 3.11
    import tomlkit

    def parse_toml(text):
        return tomlkit.parse(text).unwrap()


CONTAINERD = shutil.which("containerd")
CTR = shutil.which("ctr")
CRI = "io.containerd.grpc.v1.cri"
DROPIN_NODE_PATH = "/etc/containerd/conf.d/99-kubeedge.toml"
MAIN_NODE_PATH = "/etc/containerd/config.toml"
NODE_IMPORT = '"/etc/containerd/conf.d/*.toml"'
SANDBOX = "registry.local:5000/pause:3.9"
SOCKET_WAIT = 15  # seconds
MAX_SUN_PATH = 100  # sockaddr_un.sun_path is 108 bytes on Linux; keep a margin


def _containerd_major():
    try:
        out = subprocess.run([CONTAINERD, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"\sv?(\d+)\.(\d+)", out)
    return int(m.group(1)) if m else None


def _skip_reason():
    if not sys.platform.startswith("linux"):
        return "containerd tests need Linux"
    if CONTAINERD is None:
        return "containerd is not on PATH (`make test` installs Debian's containerd with apt-get)"
    if CTR is None:
        return "ctr is not on PATH (it ships with Debian's containerd package)"
    if os.geteuid() != 0:
        return "not running as root: containerd needs root to start (even in a temp dir)"
    major = _containerd_major()
    if major != 1:
        return f"these tests check config version 2 against containerd 1.x; {CONTAINERD} is major {major}"
    return None


SKIP_REASON = _skip_reason()
pytestmark = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")


# --- generation -----------------------------------------------------------------------------------------------

def generate(**selection):
    """Artifacts by id for `selection`; the containerd ones must be there."""
    result = kubeedge_runtime.generate(selection)
    assert result.ok, f"generate({selection}) failed: {result.diagnostics}"
    arts = {a.id: a for a in result.artifacts}
    assert "containerd-dropin" in arts and "containerd-config" in arts, sorted(arts)
    assert arts["containerd-dropin"].node_path == DROPIN_NODE_PATH
    assert arts["containerd-config"].node_path == MAIN_NODE_PATH
    assert parse_toml(arts["containerd-dropin"].content)["version"] == 2
    return arts


def dig(tree, *keys):
    for k in keys:
        assert isinstance(tree, dict) and k in tree, f"{'.'.join(keys)}: missing {k!r}"
        tree = tree[k]
    return tree


# --- a containerd in tmp_path ---------------------------------------------------------------------------------

class Node:
    """Paths of one isolated containerd under tmp_path, and the process once started."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.main = tmp_path / "config.toml"
        self.conf_d = tmp_path / "conf.d"
        self.dropin = self.conf_d / "99-kubeedge.toml"
        self.opt = tmp_path / "opt"
        self.log = tmp_path / "containerd.log"
        self.conf_d.mkdir()
        run = tmp_path / "run"
        run.mkdir()
        self.link = None
        if len(str(run / "containerd.sock.ttrpc")) > MAX_SUN_PATH:
            # a very long --basetemp: reach the sockets (still inside tmp_path) through a short symlink
            self.link = Path(tempfile.mkdtemp(prefix="ctd")) / "r"
            self.link.symlink_to(run)
            run = self.link
        self.sock = run / "containerd.sock"
        self.proc = None
        self.log_file = None

    def header(self):
        """Top-level TOML that keeps this containerd inside tmp_path; prepend it to a main file."""
        return (
            "# --- test isolation (tests/test_real_containerd.py) ---\n"
            f'root = "{self.tmp / "root"}"\n'
            f'state = "{self.tmp / "state"}"\n'
            f'grpc = {{ address = "{self.sock}" }}\n'
            f'ttrpc = {{ address = "{self.sock}.ttrpc" }}\n'
            f'debug = {{ address = "{self.sock.parent / "debug.sock"}" }}\n'
            "# --- end of test isolation ---\n\n"
        )

    def opt_table(self):
        """The opt plugin would create /opt/containerd: point it into tmp_path."""
        return f'\n[plugins."io.containerd.internal.v1.opt"]\npath = "{self.opt}"\n'

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")[-6000:]
        except OSError:
            return "(no log)"

    def context(self):
        """Files and log, for assertion messages."""
        parts = [f"--- {self.main} ---\n{self.main.read_text() if self.main.exists() else '(missing)'}"]
        for f in sorted(self.conf_d.glob("*.toml")):
            parts.append(f"--- {f} ---\n{f.read_text()}")
        parts.append(f"--- containerd log (tail) ---\n{self.log_text()}")
        return "\n".join(parts)

    def dump_text(self):
        r = subprocess.run([CONTAINERD, "--config", str(self.main), "config", "dump"],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, f"config dump failed ({r.returncode}):\n{r.stderr}\n{self.context()}"
        return r.stdout

    def dump(self):
        text = self.dump_text()
        return text, parse_toml(text)

    def start(self):
        self.log_file = open(self.log, "wb")
        self.proc = subprocess.Popen([CONTAINERD, "--config", str(self.main), "--log-level", "info"],
                                     stdin=subprocess.DEVNULL, stdout=self.log_file, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + SOCKET_WAIT
        while not self.sock.is_socket():
            if self.proc.poll() is not None:
                pytest.fail(f"containerd exited with {self.proc.returncode} before serving\n{self.context()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no socket {self.sock} after {SOCKET_WAIT}s\n{self.context()}")
            time.sleep(0.1)

    def plugins(self):
        """`ctr plugins ls` as {(type, id): status}, retried briefly while the server comes up."""
        deadline = time.monotonic() + SOCKET_WAIT
        while True:
            r = subprocess.run([CTR, "--address", str(self.sock), "plugins", "ls"],
                               capture_output=True, text=True, timeout=20)
            if r.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert r.returncode == 0, f"ctr plugins ls failed:\n{r.stderr}\n{self.context()}"
        table = {}
        for line in r.stdout.splitlines()[1:]:
            cols = line.split()
            if len(cols) >= 4:
                table[(cols[0], cols[1])] = cols[-1]
        return table, r.stdout

    def assert_cri_ok(self):
        table, raw = self.plugins()
        assert table.get(("io.containerd.grpc.v1", "cri")) == "ok", \
            f"CRI plugin not ok:\n{raw}\n{self.context()}"

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.log_file is not None:
            self.log_file.close()
        if self.link is not None:
            self.link.unlink()
            self.link.parent.rmdir()


@pytest.fixture
def node(tmp_path):
    n = Node(tmp_path)
    try:
        yield n
    finally:
        n.stop()


def install_fresh(node, arts):
    """What install.sh does on a fresh node, into tmp_path: generated main file plus the drop-in."""
    main = arts["containerd-config"].content
    assert set(parse_toml(main)) == {"version", "imports"}, main
    assert main.count(NODE_IMPORT) == 1, main
    main = main.replace(NODE_IMPORT, f'"{node.conf_d}/*.toml"')
    node.main.write_text(node.header() + main + node.opt_table())
    node.dropin.write_text(arts["containerd-dropin"].content)


# --- tests ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("driver", ["systemd", "cgroupfs"])
def test_fresh_node_full_file(node, driver):
    arts = generate(runtime="containerd", runtime_version="1.6", cgroup_driver=driver, sandbox_image=SANDBOX)
    install_fresh(node, arts)
    node.start()
    node.assert_cri_ok()

    text, dump = node.dump()
    ctx = node.context()
    assert dump["root"] == str(node.tmp / "root"), ctx  # the isolation header is in effect
    assert f'sandbox_image = "{SANDBOX}"' in text, ctx
    want = "true" if driver == "systemd" else "false"
    assert f"SystemdCgroup = {want}" in text, ctx
    cri = dig(dump, "plugins", CRI)
    assert cri["sandbox_image"] == SANDBOX, ctx
    runc = dig(cri, "containerd", "runtimes", "runc")
    assert runc["runtime_type"] == "io.containerd.runc.v2", ctx
    assert runc["options"]["SystemdCgroup"] is (driver == "systemd"), ctx


def test_dropin_beside_user_main_without_cri(node):
    """A user's main file without a CRI section (imports line added as install.sh's edit_main does)."""
    arts = generate(runtime="containerd", runtime_version="1.6", cgroup_driver="systemd", sandbox_image=SANDBOX)
    node.main.write_text(
        node.header()
        + "version = 2\n"
        + "oom_score = -999\n"
        + f'imports = ["{node.conf_d}/*.toml"]\n'
        + node.opt_table()
    )
    node.dropin.write_text(arts["containerd-dropin"].content)
    node.start()
    node.assert_cri_ok()

    text, dump = node.dump()
    ctx = node.context()
    # the user's values survive ...
    assert dump["oom_score"] == -999, ctx
    assert dig(dump, "plugins", "io.containerd.internal.v1.opt", "path") == str(node.opt), ctx
    # ... and ours are there too
    assert f'sandbox_image = "{SANDBOX}"' in text, ctx
    assert "SystemdCgroup = true" in text, ctx
    runc = dig(dump, "plugins", CRI, "containerd", "runtimes", "runc")
    assert runc["runtime_type"] == "io.containerd.runc.v2", ctx


def test_containerd_1x_import_replaces_whole_plugin_table(node):
    """containerd 1.x does not deep-merge imports: an imported [plugins."io.containerd.grpc.v1.cri"] replaces
    the main file's whole CRI table, so every CRI key the user set there silently falls back to its default.

    This is the fact behind the facts row `imports_deep_merge` "<2.0" = False, and the reason install.sh, on
    containerd 1.x, writes our keys into the user's main file in place (set_inplace) instead of adding a drop-in
    when that file already has a CRI section. (containerd 2.x merges plugin tables key by key.)
    """
    node.main.write_text(
        node.header()
        + "version = 2\n"
        + f'imports = ["{node.conf_d}/*.toml"]\n'
        + f'\n[plugins."{CRI}"]\nmax_concurrent_downloads = 7\n'
        + node.opt_table()
    )
    # control: with nothing imported the user's value is in effect
    _, before = node.dump()
    assert dig(before, "plugins", CRI, "max_concurrent_downloads") == 7, node.context()

    arts = generate(runtime="containerd", runtime_version="1.6", cgroup_driver="systemd", sandbox_image=SANDBOX)
    dropin = arts["containerd-dropin"].content
    assert f'[plugins."{CRI}"]' in dropin and "max_concurrent_downloads" not in dropin, dropin
    node.dropin.write_text(dropin)

    text, after = node.dump()
    ctx = node.context()
    cri = dig(after, "plugins", CRI)
    assert cri["max_concurrent_downloads"] == 3, f"1.x deep-merged the import after all?\n{ctx}"  # the default
    assert "max_concurrent_downloads = 3" in text, ctx
    assert cri["sandbox_image"] == SANDBOX, ctx  # the drop-in's table is the one that won
    node.start()
    node.assert_cri_ok()


def test_kata_runtimeclass(node):
    arts = generate(runtime="kata", runtime_version="1.6", kata_mode="runtimeclass")
    install_fresh(node, arts)
    node.start()
    node.assert_cri_ok()  # the kata shim binary need not exist for the CRI plugin to load

    text, dump = node.dump()
    ctx = node.context()
    assert f'[plugins."{CRI}".containerd.runtimes.kata]' in text, ctx
    kata = dig(dump, "plugins", CRI, "containerd", "runtimes", "kata")
    assert kata["runtime_type"] == "io.containerd.kata.v2", ctx
    runc = dig(dump, "plugins", CRI, "containerd", "runtimes", "runc")
    assert runc["runtime_type"] == "io.containerd.runc.v2", ctx


def test_kata_untrusted_workload(node):
    arts = generate(runtime="kata", runtime_version="1.6", kata_mode="untrusted")
    install_fresh(node, arts)
    node.start()
    node.assert_cri_ok()

    _, dump = node.dump()
    ctx = node.context()
    # the io.kubernetes.cri.untrusted-workload annotation selects the runtime named "untrusted"
    untrusted = dig(dump, "plugins", CRI, "containerd", "runtimes", "untrusted")
    assert untrusted["runtime_type"] == "io.containerd.kata.v2", ctx


def test_image_mirror_config_path(node):
    arts = generate(runtime="containerd", runtime_version="1.6", image_mirror="china")
    install_fresh(node, arts)
    node.start()
    node.assert_cri_ok()

    text, dump = node.dump()
    ctx = node.context()
    assert 'config_path = "/etc/containerd/certs.d"' in text, ctx
    assert dig(dump, "plugins", CRI, "registry", "config_path") == "/etc/containerd/certs.d", ctx


def test_install_sh_in_place_edit_loads_with_user_settings(node, tmp_path):
    """install.sh on a containerd 1.x node whose config.toml already configures CRI (and disables it, as
    containerd.io ships it): the script edits the file in place; containerd then loads it with CRI ok, our
    sandbox image and SystemdCgroup, and the user's own CRI setting still in effect."""
    from sandbox import Sandbox  # the same sandbox as the install.sh tests

    sb = Sandbox(tmp_path / "node", present=("containerd",), env={"SB_CONTAINERD": "1.6.39"})
    sb.serve_downloads({"runtime_version": "1.6"})
    root = sb.root
    user = ('version = 2\ndisabled_plugins = ["cri"]\n\n'
            f'[plugins."{CRI}"]\n  max_concurrent_downloads = 7\n  sandbox_image = "k8s.gcr.io/pause:3.5"\n')
    (root / "etc/containerd").mkdir(parents=True)
    (root / "etc/containerd/config.toml").write_text(user)
    result = kubeedge_runtime.generate({"runtime_version": "1.6", "sandbox_image": SANDBOX})
    script = next(a for a in result.artifacts if a.id == "install").content
    res = sb.run(script, "--no-start")
    assert res.returncode == 0, res.stderr + res.stdout
    edited = (root / "etc/containerd/config.toml").read_text()
    node.main.write_text(node.header() + edited + node.opt_table())
    text, dump = node.dump()
    cri = dig(dump, "plugins", CRI)
    assert cri["max_concurrent_downloads"] == 7, node.context()
    assert cri["sandbox_image"] == SANDBOX, node.context()
    assert dig(cri, "containerd", "runtimes", "runc", "options", "SystemdCgroup") is True, node.context()
    assert dig(cri, "containerd", "runtimes", "runc", "runtime_type") == "io.containerd.runc.v2", node.context()
    node.start()
    node.assert_cri_ok()
