"""kubeedge-runtime: generate | bundle | check | schema. Exit 0 ok, 1 selection errors (or a bundle that
could not be made), 2 usage errors."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

from . import __version__
from .i18n import t
from .selection import FIELDS, LANGS, shown


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors: exit 2, no traceback
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _add_fields(p: argparse.ArgumentParser) -> None:
    for f in FIELDS:
        if f.key == "lang":
            continue
        p.add_argument(f.flag, dest=f.key, metavar="VALUE", help=t("en", f"field.{f.key}.help"))
    p.add_argument("--from", dest="from_file", metavar="FILE", help="selection as JSON or YAML (flags win)")
    p.add_argument("--lang", choices=LANGS, help="language of messages and output comments")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kubeedge-runtime", description="Container runtime setup for KubeEdge edge nodes.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    gen = sub.add_parser("generate", help="write the artifacts for a selection")
    _add_fields(gen)
    out = gen.add_mutually_exclusive_group()
    out.add_argument("--output", metavar="DIR", help="write every artifact at DIR/<path>")
    out.add_argument("--format", choices=["json", "text"], default="text",
                     help="json: one JSON object on stdout; text: the artifacts one after another")
    bun = sub.add_parser("bundle", help="fetch everything a node needs into an offline bundle (needs a network)")
    _add_fields(bun)
    bun.add_argument("--output", required=True, metavar="DIR|FILE.tar.gz",
                     help="a new (or empty) directory, or a .tar.gz file to create")
    bun.add_argument("--image-tool", choices=["auto", "skopeo", "builtin"], default="auto",
                     help="how images are fetched: skopeo when installed (auto), or the builtin registry client")
    bun.add_argument("--sha256", action="append", default=[], metavar="FILE=HASH",
                     help="pin a release file that upstream publishes no checksum for (repeatable)")
    bun.add_argument("--accept-unverified", action="store_true",
                     help="bundle such files unpinned (their sha256 is printed and recorded in bundle.json)")
    chk = sub.add_parser("check", help="diagnostics only")
    _add_fields(chk)
    chk.add_argument("--format", choices=["json", "text"], default="text")
    sch = sub.add_parser("schema", help="the form definition and state as JSON")
    _add_fields(sch)
    from . import fleet  # many nodes: its own subcommands (fleet.py)

    fleet.register(sub)
    return parser


MAX_SELECTION_FILE = 64 * 1024  # a selection is a few hundred bytes; anything near this is not one


def _load_file(path: str) -> dict[str, Any]:
    """A selection file: at most MAX_SELECTION_FILE bytes of UTF-8, JSON or YAML without anchors or
    aliases (no "billion laughs", no self-references), a flat mapping of scalars or lists of scalars."""
    kind = "YAML" if path.endswith((".yaml", ".yml")) else "JSON"
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_SELECTION_FILE + 1)
    except OSError as exc:
        raise SystemExit(_usage_error(f"cannot read {shown(path)}: {exc.strerror}"))
    if len(raw) > MAX_SELECTION_FILE:
        raise SystemExit(_usage_error(f"{shown(path)} is larger than {MAX_SELECTION_FILE // 1024} KiB: "
                                      "not a selection file"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SystemExit(_usage_error(f"{shown(path)} is not UTF-8 text (byte {exc.start}); save it as UTF-8"))
    try:
        if kind == "YAML":
            import yaml

            for event in yaml.parse(text):
                if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                    raise SystemExit(_usage_error(f"{shown(path)}: YAML anchors and aliases are not allowed in "
                                                  "a selection file; write each value out"))
            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except SystemExit:
        raise
    except (ValueError, RecursionError, ImportError) as exc:
        raise SystemExit(_usage_error(f"{shown(path)} is not valid {kind}: {shown(str(exc))}"))
    except Exception as exc:  # noqa: BLE001 - yaml.YAMLError and friends: a usage error, never a traceback
        raise SystemExit(_usage_error(f"{shown(path)} is not valid {kind}: {shown(str(exc))}"))
    if not isinstance(data, dict):
        raise SystemExit(_usage_error(f"{shown(path)} must hold a mapping of selection fields"))
    for key, value in data.items():
        items = value if isinstance(value, list) else [value]
        if not isinstance(key, str) or any(isinstance(v, (dict, list)) for v in items):
            raise SystemExit(_usage_error(f"{shown(path)}: '{shown(str(key))}' must be a value or a list of "
                                          "values, not a nested structure"))
    return data


def _usage_error(message: str) -> int:
    print(f"kubeedge-runtime: error: {message}", file=sys.stderr)
    return 2


def _raw(args: argparse.Namespace) -> dict[str, Any]:
    raw: dict[str, Any] = _load_file(args.from_file) if args.from_file else {}
    for f in FIELDS:
        value = getattr(args, f.key, None)
        if value is not None:
            raw[f.key] = value
    return raw


def _print_diagnostics(result, stream) -> None:
    for d in result.diagnostics_json():
        field = f" [{d['field']}]" if d["field"] else ""
        print(f"{d['severity']}: {d['code']}{field}: {d['message']}", file=stream)


def _write_output(result, directory: str) -> None:
    root = os.path.abspath(directory)
    for a in result.artifacts:
        dest = os.path.abspath(os.path.join(root, a.path))
        if not dest.startswith(root + os.sep):  # paths come from the core; never escape DIR
            raise SystemExit(_usage_error(f"refusing to write outside {directory}: {a.path}"))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w", encoding="utf-8", newline="") as fh:
            fh.write(a.content)
        if a.language == "bash":
            os.chmod(dest, 0o755)


def _bundle(args: argparse.Namespace, result) -> int:
    from . import bundle  # network and archive code: only this command loads it

    pins = {}
    for item in args.sha256:
        name, _, digest = item.partition("=")
        if not name or not re.fullmatch(r"[0-9a-fA-F]{64}", digest):
            return _usage_error(f"--sha256 {shown(item)}: write FILE=HASH with the file's 64-digit sha256")
        pins[name] = digest.lower()
    _print_diagnostics(result, sys.stderr)
    opts = bundle.Options(args.output, args.image_tool, pins, args.accept_unverified,
                          os.environ.get("KUBEEDGE_REGISTRY_AUTH", ""),
                          log=lambda line: print(line, file=sys.stderr, flush=True))
    try:
        bundle.build(result, opts)
    except bundle.BundleError as exc:
        print(f"{t(result.selection.lang, 'bundle.error')} {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{t(result.selection.lang, 'bundle.error')} {shown(str(exc))}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "fleet":
        from . import fleet

        return fleet.main(args)
    try:
        raw = _raw(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    from .core import check, generate

    if args.command == "schema":
        from .formstate import form_state

        json.dump(form_state(raw), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    result = check(raw) if args.command == "check" else generate(raw)
    as_json = getattr(args, "format", "text") == "json"
    if args.command == "check":
        if as_json:
            payload = {"selection": result.to_json()["selection"], "diagnostics": result.diagnostics_json()}
            json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
        else:
            _print_diagnostics(result, sys.stdout)
        return 0 if result.ok else 1
    if not result.ok:
        _print_diagnostics(result, sys.stderr)
        return 1
    if args.command == "bundle":
        return _bundle(args, result)
    if as_json:
        json.dump(result.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif args.output:
        _write_output(result, args.output)
        _print_diagnostics(result, sys.stderr)
    else:
        for a in result.artifacts:
            sys.stdout.write(f"==> {a.path} <==\n{a.content}\n")
        _print_diagnostics(result, sys.stderr)
    return 0
