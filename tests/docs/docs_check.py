#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks that keep README.md and docs/*.md true to the code.

  docs_check.py blocks --source DIR --path DIR [--pythonpath DIR]
      Runs every fenced ```sh block preceded by a marker line:
        <!-- runnable -->             in an empty temporary folder
        <!-- runnable: in-source -->  in a temporary copy of proto/, config/,
                                      docs/ and scripts/ (paths as from the
                                      repository root)
      with bash -euo pipefail and the build tree's binaries first on PATH.
      Each block must exit 0.

  docs_check.py extract DOC OUTDIR NAME...
      Writes the fenced block preceded by <!-- extract: NAME --> to OUTDIR/NAME.

  docs_check.py table [--table-only] DOC MARKER -- COMMAND...
      The text between <!-- MARKER:begin --> and <!-- MARKER:end --> must equal
      the output of COMMAND, byte for byte (apart from surrounding blank lines).
      With --table-only, the output counts from its first line starting with
      "|" (`cityedged --describe TYPE` puts a heading above its table).
"""
import argparse
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

MARKER = re.compile(r"^<!--\s*(runnable(?::\s*(in-source))?|extract:\s*(\S+))\s*-->\s*$")
FENCE = re.compile(r"^(```+|~~~+)\s*([A-Za-z0-9_+-]*)\s*$")
BLOCK_TIMEOUT_S = 60
COPIED_FOR_IN_SOURCE = ("proto", "config", "docs", "scripts")


class Block:
    def __init__(self, doc, line, kind, arg, lang, text):
        self.doc, self.line, self.kind, self.arg, self.lang, self.text = doc, line, kind, arg, lang, text

    def where(self):
        return f"{self.doc}:{self.line}"


def marked_blocks(doc):
    """Fenced blocks that directly follow a marker line (blank lines allowed)."""
    lines = pathlib.Path(doc).read_text(encoding="utf-8").splitlines()
    blocks, pending, i = [], None, 0
    while i < len(lines):
        line = lines[i]
        m = MARKER.match(line.strip())
        if m:
            if m.group(3):
                pending = ("extract", m.group(3), i + 1)
            else:
                pending = ("runnable", m.group(2) or "tmp", i + 1)
            i += 1
            continue
        f = FENCE.match(line.strip())
        if f:
            fence, lang, start = f.group(1), f.group(2), i + 1
            j = i + 1
            while j < len(lines) and lines[j].strip() != fence:
                j += 1
            if j == len(lines):
                raise SystemExit(f"{doc}:{start}: fenced block is never closed")
            if pending:
                blocks.append(Block(doc, start + 1, pending[0], pending[1], lang,
                                    "\n".join(lines[i + 1:j]) + "\n"))
            pending, i = None, j + 1
            continue
        if pending and line.strip():
            raise SystemExit(f"{doc}:{pending[2]}: marker is not followed by a fenced block")
        i += 1
    return blocks


def documents(source):
    docs = [pathlib.Path(source) / "README.md"]
    docs += sorted((pathlib.Path(source) / "docs").glob("*.md"))
    return [d for d in docs if d.exists()]


def emulator_wrappers(programs, emulator, folder):
    """Scripts named like each program that run it through the emulator: a
    cross build's ARM binaries, for shell blocks that call them by name."""
    for program in programs:
        wrapper = pathlib.Path(folder) / os.path.basename(program)
        wrapper.write_text(f'#!/bin/sh\nexec {emulator} {shlex.quote(os.path.abspath(program))} "$@"\n')
        wrapper.chmod(0o755)
    return [folder] if programs else []


def cmd_blocks(args):
    env = dict(os.environ)
    wrappers = tempfile.TemporaryDirectory(prefix="cityedge-emulated-")
    front = emulator_wrappers(args.wrap if args.emulator else [], args.emulator, wrappers.name)
    front += [os.path.abspath(d) for d in args.path]
    env["PATH"] = os.pathsep.join(front + [env.get("PATH", "/usr/bin:/bin")])
    if args.pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([os.path.abspath(args.pythonpath)] + [p for p in [env.get("PYTHONPATH")] if p])
    ran, failures = 0, []
    for doc in documents(args.source):
        for block in marked_blocks(doc):
            if block.kind != "runnable":
                continue
            if block.lang not in ("sh", "bash", "shell"):
                failures.append(f"{block.where()}: runnable block must be ```sh, not ```{block.lang}")
                continue
            with tempfile.TemporaryDirectory(prefix="cityedge-docs-") as tmp:
                if block.arg == "in-source":
                    for name in COPIED_FOR_IN_SOURCE:
                        src = pathlib.Path(args.source) / name
                        if src.exists():
                            shutil.copytree(src, pathlib.Path(tmp) / name)
                script = pathlib.Path(tmp) / ".block.sh"
                script.write_text(block.text, encoding="utf-8")
                try:
                    r = subprocess.run(["bash", "-euo", "pipefail", str(script)], cwd=tmp, env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       timeout=BLOCK_TIMEOUT_S, text=True)
                    rc, out = r.returncode, r.stdout
                except subprocess.TimeoutExpired as e:
                    partial = e.stdout or b""
                    if isinstance(partial, bytes):
                        partial = partial.decode(errors="replace")
                    rc, out = f"timeout after {BLOCK_TIMEOUT_S} s", partial
            ran += 1
            status = "ok" if rc == 0 else f"FAILED (exit {rc})"
            print(f"{block.where()}: {status}")
            if rc != 0:
                failures.append(f"{block.where()}: exit {rc}\n--- block ---\n{block.text}--- output ---\n{out}")
    print(f"{ran} runnable block(s) run")
    for f in failures:
        print(f, file=sys.stderr)
    if ran == 0:
        print("no runnable blocks found: the markers are missing", file=sys.stderr)
        return 1
    return 1 if failures else 0


def cmd_extract(args):
    wanted = set(args.names)
    found = {}
    for block in marked_blocks(args.doc):
        if block.kind == "extract" and block.arg in wanted:
            if block.arg in found:
                raise SystemExit(f"{block.where()}: second block named {block.arg}")
            found[block.arg] = block.text
    missing = wanted - set(found)
    if missing:
        raise SystemExit(f"{args.doc}: no block marked <!-- extract: NAME --> for {', '.join(sorted(missing))}")
    os.makedirs(args.outdir, exist_ok=True)
    for name, text in found.items():
        out = pathlib.Path(args.outdir) / name
        # Rewrite only on change so the build does not recompile for nothing.
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            out.write_text(text, encoding="utf-8")
    return 0


def cmd_table(args):
    text = pathlib.Path(args.doc).read_text(encoding="utf-8")
    begin, end = f"<!-- {args.marker}:begin -->", f"<!-- {args.marker}:end -->"
    if text.count(begin) != 1 or text.count(end) != 1:
        print(f"{args.doc}: needs exactly one {begin} ... {end} pair", file=sys.stderr)
        return 1
    documented = text.split(begin, 1)[1].split(end, 1)[0].strip("\n") + "\n"
    command = args.command[1:] if args.command and args.command[0] == "--" else args.command
    r = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    if r.returncode != 0:
        print(f"{' '.join(command)} exited {r.returncode}: {r.stderr}", file=sys.stderr)
        return 1
    output = r.stdout
    if args.table_only:
        lines = output.splitlines(True)
        first = next((i for i, line in enumerate(lines) if line.startswith("|")), len(lines))
        output = "".join(lines[first:])
    actual = output.strip("\n") + "\n"
    if documented == actual:
        print(f"{args.doc}: {args.marker} matches `{' '.join(pathlib.Path(command[0]).name.split() + command[1:])}`")
        return 0
    import difflib
    diff = difflib.unified_diff(documented.splitlines(True), actual.splitlines(True),
                                f"{args.doc} ({args.marker})", " ".join(command))
    print("".join(diff), file=sys.stderr)
    print(f"{args.doc}: the {args.marker} section differs from the program's output; "
          f"paste the output between the markers", file=sys.stderr)
    return 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("blocks")
    b.add_argument("--source", required=True)
    b.add_argument("--path", action="append", default=[], help="folder put first on PATH (repeatable)")
    b.add_argument("--emulator", default="", help="cross builds: command that runs target binaries")
    b.add_argument("--wrap", action="append", default=[],
                   help="with --emulator: target binary called by name in blocks (repeatable)")
    b.add_argument("--pythonpath")
    e = sub.add_parser("extract")
    e.add_argument("doc")
    e.add_argument("outdir")
    e.add_argument("names", nargs="+")
    t = sub.add_parser("table")
    t.add_argument("--table-only", action="store_true")
    t.add_argument("doc")
    t.add_argument("marker")
    t.add_argument("command", nargs=argparse.REMAINDER)
    args = p.parse_args()
    return {"blocks": cmd_blocks, "extract": cmd_extract, "table": cmd_table}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
