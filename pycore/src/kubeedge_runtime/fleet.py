"""Fleets: an Ansible inventory in, one selection per host, the same generate() per host.

The selection of a host is its ``kubeedge_<field>`` variables (``kubeedge_version`` for the KubeEdge
version, ``kubeedge_runtime``, ``kubeedge_cgroup_driver``, ...), from the inventory, ``group_vars`` and
``host_vars``, as Ansible itself resolves them. The architecture and the OS come from the inventory or
from the facts Ansible gathered, and are checked against each other.

    kubeedge-runtime fleet check -i INVENTORY     every host's selection checked by the rules, as a table
    kubeedge-runtime fleet init DIR               the Ansible role and playbook shipped in this package
    kubeedge-runtime fleet prepare ...            what the role runs on the controller, per host

Exit status as for the other commands: 0 fine, 1 a host's selection has errors, 2 usage error.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from importlib import resources
from pathlib import Path
from typing import Any

from .core import diagnostic_message, generate
from .diagnostics import Diagnostic, error, warning
from .i18n import t
from .selection import FIELDS, LANGS, shown

CONTROL_VARS = {  # the role's own settings, never part of a selection
    "kubeedge_token", "kubeedge_bundle", "kubeedge_cli", "kubeedge_work_dir", "kubeedge_remote_dir",
    "kubeedge_join", "kubeedge_sha256", "kubeedge_accept_unverified", "kubeedge_serial",
    "kubeedge_max_fail_percentage", "kubeedge_hosts",
}
# fields that differ per node but not what a node downloads: a bundle is shared across them
PER_NODE_FIELDS = ("node_name", "labels", "cloudcore", "token")
# ansible_architecture / ansible_distribution -> selection values
FACT_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "armv7l": "arm",
             "armv7": "arm", "armv6l": "arm", "armhf": "arm"}
FACT_OS = {"debian": "debian", "ubuntu": "ubuntu", "centos": "centos", "redhat": "rhel", "rhel": "rhel",
           "openeuler": "openeuler", "windows": "windows"}


def var_name(key: str) -> str:
    """The Ansible variable of a selection field: ``runtime`` -> ``kubeedge_runtime``."""
    return key if key.startswith("kubeedge_") else "kubeedge_" + key


VAR_FIELD = {var_name(f.key): f.key for f in FIELDS if f.key != "token"}


def _ours(name: str) -> bool:
    """A variable the fleet reads: a selection field, or a kubeedge_* one it warns about (the role's
    own settings, the token first, are never read here)."""
    return name.startswith("kubeedge_") and name not in CONTROL_VARS


class UsageError(Exception):
    pass


class BundleError(Exception):
    pass


# --- one host -------------------------------------------------------------------------------------------


def selection_of(host: str, hostvars: dict[str, Any], facts: dict[str, str] | None = None,
                 ) -> tuple[dict[str, Any], list[Diagnostic]]:
    """The raw selection of a host and the problems found before the rules run. ``facts``: the
    node's architecture and distribution as Ansible gathered them, when known."""
    raw: dict[str, Any] = {}
    diags: list[Diagnostic] = []
    for name, value in sorted(hostvars.items()):
        if name in VAR_FIELD:
            raw[VAR_FIELD[name]] = value
            if isinstance(value, float):  # YAML and INI read an unquoted 1.20 as the number 1.2
                diags.append(warning("fleet-version-number", name, {"var": name, "value": value}))
        elif _ours(name):
            diags.append(warning("fleet-unknown-var", name, {"var": shown(name)}))
    raw.setdefault("node_name", host)
    for key, table, fact in (("arch", FACT_ARCH, "architecture"), ("os", FACT_OS, "distribution")):
        seen = (facts or {}).get(fact)
        if not seen:
            continue
        node_value = table.get(str(seen).lower())
        given = str(raw.get(key, "")).strip().lower()
        if node_value is None:
            diags.append(error("fleet-fact-unknown", var_name(key), {"var": var_name(key), "fact": shown(str(seen))}))
        elif not given:
            raw[key] = node_value
        elif given != node_value:
            diags.append(error("fleet-platform-mismatch", var_name(key),
                               {"var": var_name(key), "value": shown(given), "node": node_value, "fact": shown(str(seen))}))
    return raw, diags


def _message(lang: str, d: Diagnostic) -> str:
    return t(lang, f"fleet.diag.{d.code}", **d.params) if d.code.startswith("fleet-") else diagnostic_message(lang, d)


def _field_var(d: Diagnostic) -> str:
    return var_name(d.field) if d.field else ""


def diagnostic_lines(host: str, lang: str, diags: list[Diagnostic], severities=("error",)) -> list[str]:
    """``host: error [kubeedge_runtime_version]: message`` (the variable to change, then the fix)."""
    out = []
    for d in diags:
        if d.severity in severities:
            field = f" [{_field_var(d)}]" if d.field else ""
            out.append(t(lang, "fleet.line", host=host, severity=t(lang, "fleet.severity." + d.severity), field=field,
                         message=_message(lang, d)))
    return out


def evaluate(host: str, hostvars: dict[str, Any], lang: str, facts: dict[str, str] | None = None):
    """(result of generate(), every diagnostic: the fleet's own first)."""
    raw, own = selection_of(host, hostvars, facts)
    raw.setdefault("lang", lang)
    result = generate(raw)
    return result, own + result.diagnostics


# --- inventories ----------------------------------------------------------------------------------------


def load_inventory(path: str, limit: str | None = None, vault_password_file: str | None = None,
                   ) -> list[tuple[str, dict[str, Any]]]:
    """Every host of the inventory with its variables (group_vars and host_vars beside the inventory
    included), rendered as Ansible renders them. Uses ansible-core when it is installed, else the
    subset described in docs/fleet.md (YAML or INI inventory, YAML group_vars / host_vars)."""
    if not os.path.exists(path):
        raise UsageError(f"cannot read {shown(path)}: no such file or directory")
    try:
        import ansible  # noqa: F401
    except ImportError:
        return _load_subset(path, limit)
    return _load_with_ansible(path, limit, vault_password_file)


def _load_with_ansible(path: str, limit: str | None, vault_password_file: str | None):
    os.environ.setdefault("ANSIBLE_INVENTORY_UNPARSED_FAILED", "true")
    os.environ.setdefault("ANSIBLE_LOCALHOST_WARNING", "false")
    from ansible.errors import AnsibleError
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.parsing.vault import VaultSecret
    from ansible.template import Templar
    from ansible.vars.manager import VariableManager

    loader = DataLoader()
    if vault_password_file:
        try:
            secret = Path(vault_password_file).read_bytes().strip()
        except OSError as exc:
            raise UsageError(f"cannot read {shown(vault_password_file)}: {exc.strerror}")
        loader.set_vault_secrets([("default", VaultSecret(secret))])
    try:
        inventory = InventoryManager(loader=loader, sources=[path])
        if limit:
            inventory.subset(limit)
        variables = VariableManager(loader=loader, inventory=inventory)
        out = []
        for host in sorted(inventory.get_hosts(), key=lambda h: h.name):
            hv = variables.get_vars(host=host, include_hostvars=False)
            templar = Templar(loader=loader, variables=hv)
            out.append((host.name, {k: templar.template(v) for k, v in hv.items() if _ours(k)}))
    except AnsibleError as exc:
        hint = " (encrypted variables: --vault-password-file FILE)" if "vault" in str(exc).lower() else ""
        raise UsageError(f"{shown(path)}: {shown(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)}{hint}")
    if not out:
        raise UsageError(f"{shown(path)}: no hosts" + (f" match --limit {shown(limit)}" if limit else ""))
    return out


def _yaml_file(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(f"{shown(str(path))}: {shown(str(exc))}")
    if not isinstance(data, dict):
        raise UsageError(f"{shown(str(path))} must hold a mapping")
    return data


def _vars_dir(base: Path, kind: str, name: str) -> dict[str, Any]:
    """group_vars/NAME(.yml|.yaml) or every YAML file in group_vars/NAME/."""
    out: dict[str, Any] = {}
    for f in [base / kind / f"{name}{ext}" for ext in ("", ".yml", ".yaml")]:
        if f.is_file():
            out.update(_yaml_file(f))
    if (base / kind / name).is_dir():
        for f in sorted((base / kind / name).glob("*.y*ml")):
            out.update(_yaml_file(f))
    return out


def _parse_ini(text: str) -> dict[str, dict]:
    """[group] host k=v; [group:vars] k=v; [group:children] group. Values are strings."""
    groups: dict[str, dict] = {"all": {"hosts": {}, "vars": {}, "children": []}}
    current, kind = "ungrouped", "hosts"
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith((";", "#")):
            continue
        if line.startswith("[") and line.endswith("]"):
            name, _, kind = line[1:-1].partition(":")
            current, kind = name, kind or "hosts"
            groups.setdefault(current, {"hosts": {}, "vars": {}, "children": []})
            continue
        g = groups.setdefault(current, {"hosts": {}, "vars": {}, "children": []})
        if kind == "vars":
            key, _, value = line.partition("=")
            g["vars"][key.strip()] = value.strip().strip("'\"")
        elif kind == "children":
            g["children"].append(line)
        else:
            name, *pairs = line.split()
            g["hosts"][name] = dict(p.split("=", 1) for p in pairs if "=" in p)
    for name in groups:
        if name != "all" and name not in groups["all"]["children"]:
            groups["all"]["children"].append(name)
    return groups


def _yaml_groups(data: dict) -> dict[str, dict]:
    groups: dict[str, dict] = {}

    def walk(name: str, node: dict | None) -> None:
        node = node or {}
        g = groups.setdefault(name, {"hosts": {}, "vars": {}, "children": []})
        g["hosts"].update({h: (v or {}) for h, v in (node.get("hosts") or {}).items()})
        g["vars"].update(node.get("vars") or {})
        for child, sub in (node.get("children") or {}).items():
            g["children"].append(child)
            walk(child, sub)

    for name, node in data.items():
        walk(name, node)
    if "all" not in groups:
        groups["all"] = {"hosts": {}, "vars": {}, "children": [g for g in groups]}
    return groups


def _load_subset(path: str, limit: str | None):
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    groups = _yaml_groups(_yaml_file(p)) if p.suffix in (".yml", ".yaml") else _parse_ini(text)
    chains: dict[str, list[str]] = {}  # host -> its groups, outermost first

    def walk(name: str, chain: list[str]) -> None:
        g = groups.get(name, {"hosts": {}, "children": []})
        for h in g["hosts"]:
            chains.setdefault(h, [])
            for c in chain + [name]:
                if c not in chains[h]:
                    chains[h].append(c)
        for child in g["children"]:
            if child not in chain:
                walk(child, chain + [name])

    walk("all", [])
    base = p.parent
    out = []
    for host in sorted(chains):
        if limit and host not in limit.split(","):
            continue
        hv: dict[str, Any] = {}
        for g in chains[host]:
            hv.update(groups[g]["vars"])
            hv.update(_vars_dir(base, "group_vars", g))
        for g in chains[host]:
            hv.update(groups[g]["hosts"].get(host) or {})
        hv.update(_vars_dir(base, "host_vars", host))
        out.append((host, {k: v for k, v in hv.items() if _ours(k)}))
    if not out:
        raise UsageError(f"{shown(path)}: no hosts")
    return out


# --- fleet check -----------------------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(rows: list[list[str]]) -> str:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def check(hosts: list[tuple[str, dict[str, Any]]], lang: str) -> tuple[str, bool]:
    """The table host -> runtime -> versions -> platform -> diagnostics, then every error with its fix."""
    rows = [[t(lang, f"fleet.col.{c}") for c in ("host", "runtime", "versions", "platform", "diagnostics")]]
    problems: list[str] = []
    ok = True
    unseen_platform = False
    for host, hv in hosts:
        result, diags = evaluate(host, hv, lang)
        sel = result.selection
        errors = [d for d in diags if d.severity == "error"]
        warnings = [d for d in diags if d.severity == "warning"]
        platform = []
        for key in ("os", "arch"):
            given = var_name(key) in hv
            unseen_platform |= not given
            platform.append(getattr(sel, key) if given else t(lang, "fleet.from_facts", value=getattr(sel, key)))
        versions = f"KubeEdge v{sel.kubeedge_version}"
        if sel.runtime_version:
            versions += f", {sel.runtime} {sel.runtime_version}"
        if errors:
            verdict = t(lang, "fleet.verdict.errors", n=len(errors), codes=", ".join(d.code for d in errors))
        elif warnings:
            verdict = t(lang, "fleet.verdict.warnings", n=len(warnings), codes=", ".join(d.code for d in warnings))
        else:
            verdict = t(lang, "fleet.verdict.ok")
        rows.append([host, t(lang, f"option.runtime.{sel.runtime}"), versions, "/".join(platform), verdict])
        ok &= not errors
        problems += diagnostic_lines(host, lang, diags)
        problems += [t(lang, "fleet.fix_where", host=host, var=_field_var(d)) for d in errors if d.field]
        problems += diagnostic_lines(host, lang, [d for d in diags if d.code.startswith("fleet-")], ("warning",))
    out = [_table(rows)]
    if unseen_platform:
        out.append(t(lang, "fleet.note_facts"))
    if problems:
        out.append("")
        out += problems
    return "\n".join(out) + "\n", ok


# --- fleet prepare (the role, on the controller) ---------------------------------------------------------


def _write_artifacts(result, directory: Path) -> None:
    if directory.exists():
        shutil.rmtree(directory)
    for a in result.artifacts:
        dest = directory / a.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(a.content, encoding="utf-8", newline="")
        if a.language == "bash":
            dest.chmod(0o755)


def bundle_key(result) -> tuple[str, dict[str, str]]:
    """One bundle per distinct selection without the per-node fields (architecture included)."""
    sel = result.selection.as_dict()
    for key in PER_NODE_FIELDS:
        sel.pop(key, None)
    return hashlib.sha256(json.dumps(sel, sort_keys=True).encode()).hexdigest()[:16], sel


def build_bundle(result, bundles: Path, lang: str) -> Path:
    """The bundle for this host's selection, built once per key (hosts in parallel wait for it)."""
    import fcntl  # the controller's (POSIX) side only; the browser build never bundles

    key, sel = bundle_key(result)
    dest = bundles / key
    bundles.mkdir(parents=True, exist_ok=True)
    with open(bundles / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (dest / "bundle.json").is_file():
            return dest
        with tempfile.TemporaryDirectory(dir=bundles) as tmp:
            sel_file = Path(tmp) / "selection.json"
            sel_file.write_text(json.dumps(sel, sort_keys=True))
            res = subprocess.run([sys.executable, "-m", "kubeedge_runtime", "bundle", "--from", str(sel_file),
                                  "--output", str(Path(tmp) / "out")], capture_output=True, text=True)
            if res.returncode != 0:
                raise BundleError(t(lang, "fleet.bundle_failed", key=key) + "\n" + (res.stderr or res.stdout).strip())
            os.replace(Path(tmp) / "out", dest)
    return dest


def prepare(host: str, hostvars: dict[str, Any], facts: dict[str, str], work: Path, bundle: bool, lang: str,
            join: bool = False, token_given: bool = False):
    """Generate the host's files (and its bundle) on the controller; returns what the role copies."""
    result, diags = evaluate(host, hostvars, lang, facts)
    if result.ok and result.selection.windows:
        diags.append(error("fleet-windows", "os", {}))
    elif join and result.ok:
        if not token_given:
            diags.append(error("fleet-need-token", "kubeedge_token", {}))
        if result.selection.install_method == "keadm" and not result.selection.cloudcore:
            diags.append(error("fleet-need-cloudcore", "cloudcore", {}))
    errors = diagnostic_lines(host, lang, diags)
    if errors:
        return None, errors
    host_dir = work / "hosts" / host
    _write_artifacts(result, host_dir)
    if bundle:
        try:
            _add_bundle(build_bundle(result, work / "bundles", lang), host_dir, {a.path for a in result.artifacts})
        except BundleError as exc:
            return None, [f"{host}: {exc}"]
    return {"host": host, "dir": str(host_dir), "selection": result.to_json()["selection"],
            "warnings": diagnostic_lines(host, lang, diags, ("warning",))}, []


def _add_bundle(bundle_dir: Path, host_dir: Path, own: set[str]) -> None:
    """The bundle's files (bundle.json, files/, images/) beside the host's own artifacts, so one copy
    puts on the node an install.sh that finds its bundle; hard links where the filesystem allows."""
    for f in sorted(bundle_dir.rglob("*")):
        rel = f.relative_to(bundle_dir).as_posix()
        if not f.is_file() or rel in own:
            continue
        dest = host_dir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(f, dest)
        except OSError:
            shutil.copy2(f, dest)


# --- fleet init -------------------------------------------------------------------------------------------


def init(directory: Path, force: bool) -> list[str]:
    """Write the shipped role, playbook and example inventory into ``directory``."""
    src = resources.files(__package__).joinpath("ansible")
    written, existing = [], []

    def walk(node, rel: Path) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name == "__pycache__":
                continue
            if child.is_dir():
                walk(child, rel / child.name)
            else:
                dest = directory / rel / child.name
                if dest.exists() and not force and dest.read_bytes() != child.read_bytes():
                    existing.append(str(rel / child.name))
                    continue
                written.append((dest, child.read_bytes()))

    walk(src, Path())
    if existing:
        raise UsageError(f"{directory} already has other versions of: {', '.join(existing)} (--force replaces them)")
    for dest, data in written:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    return [str(d.relative_to(directory)) for d, _ in written]


# --- the command line -------------------------------------------------------------------------------------


def register(sub) -> None:
    """``kubeedge-runtime fleet ...`` (called by cli.build_parser)."""
    fleet = sub.add_parser("fleet", help="many nodes: check an Ansible inventory, write the Ansible role")
    cmds = fleet.add_subparsers(dest="fleet_command", required=True, parser_class=sub._parser_class)
    chk = cmds.add_parser("check", help="check every host's selection in an Ansible inventory")
    chk.add_argument("-i", "--inventory", required=True, metavar="FILE", help="inventory (INI or YAML)")
    chk.add_argument("-l", "--limit", metavar="PATTERN", help="only these hosts (Ansible's --limit)")
    chk.add_argument("--vault-password-file", metavar="FILE")
    chk.add_argument("--lang", choices=LANGS, default="en")
    ini = cmds.add_parser("init", help="write the Ansible role, playbook and an example inventory into DIR")
    ini.add_argument("directory", metavar="DIR")
    ini.add_argument("--force", action="store_true", help="replace files that differ")
    pre = cmds.add_parser("prepare", help="(run by the role on the controller) generate one host's files")
    pre.add_argument("--host", required=True)
    pre.add_argument("--vars-json", required=True, help="the host's kubeedge_* variables as JSON")
    pre.add_argument("--facts-json", default="{}", help='{"architecture": ..., "distribution": ...}')
    pre.add_argument("--work-dir", required=True, metavar="DIR")
    pre.add_argument("--bundle", action="store_true")
    pre.add_argument("--join", action="store_true", help="the play joins the node: a token and CloudCore are needed")
    pre.add_argument("--token-given", action="store_true", help="the play has a join token (never its value)")
    pre.add_argument("--lang", choices=LANGS, default="en")


def _json_arg(text: str, what: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{what} is not JSON: {shown(str(exc))}")
    if not isinstance(data, dict):
        raise UsageError(f"{what} must be a JSON object")
    return data


def main(args: argparse.Namespace) -> int:
    try:
        if args.fleet_command == "check":
            table, ok = check(load_inventory(args.inventory, args.limit, args.vault_password_file), args.lang)
            sys.stdout.write(table)
            return 0 if ok else 1
        if args.fleet_command == "init":
            for path in init(Path(args.directory), args.force):
                print(path)
            return 0
        hostvars = _json_arg(args.vars_json, "--vars-json")
        hostvars.pop("kubeedge_token", None)
        facts = {k: str(v) for k, v in _json_arg(args.facts_json, "--facts-json").items() if v}
        out, errors = prepare(args.host, hostvars, facts, Path(args.work_dir), args.bundle, args.lang,
                              args.join, args.token_given)
        if errors:
            print("\n".join(errors), file=sys.stderr)
            return 1
        json.dump(out, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    except UsageError as exc:
        print(f"kubeedge-runtime fleet: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"kubeedge-runtime fleet: error: {shown(str(exc))}", file=sys.stderr)
        return 2
