#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks of the man pages and the bash completion.

  doc_check.py man --man-dir DIR --cli CITYEDGE --daemon CITYEDGED
      DIR/cityedged.8 and DIR/cityedge.1 (written at build time by the
      programs' --man-page) render with `man --warnings -l` without a warning,
      and name every option and subcommand that --help lists, for the programs
      and for each subcommand (`cityedge SUB --help`).

  doc_check.py completion --script FILE --cli CITYEDGE --daemon CITYEDGED
      Sources the completion script in a bash subprocess and drives _cityedge
      with COMP_WORDS/COMP_CWORD as bash would: commands, nested commands,
      options, option choices, file names, and instance ids asked from a real
      cityedged (a replay driver, the control socket in a scratch folder);
      with no daemon running, instance completion offers nothing.
"""
import argparse
import grp
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def run(argv, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, **kwargs)


def help_items(program, args=()):
    """Long options, short options and subcommands that --help lists."""
    result = run([program, *args, "--help"])
    if result.returncode != 0:
        fail(f"{program} {' '.join(args)} --help exited {result.returncode}: {result.stderr}")
    options, commands, section = set(), [], None
    for line in result.stdout.splitlines():
        if re.match(r"^\S.*:$", line):
            section = line[:-1].strip().lower()
            continue
        stripped = line.strip()
        if not stripped:
            section = None  # a blank line ends a section; the footer follows
            continue
        if section == "options" and stripped.startswith("-"):
            names = stripped.split("  ")[0].split(" ")[0]
            options.update(n for n in names.split(",") if n.startswith("-"))
        elif section == "positionals":
            options.add(stripped.split()[0])
        elif section == "subcommands":
            commands.append(stripped.split()[0])
    return options, commands


def roff_name(name):
    return name.replace("-", "\\-")


def check_render(page):
    env = dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH="80")
    result = run(["man", "--warnings", "-l", str(page)], env=env)
    if result.returncode != 0 or result.stderr.strip():
        fail(f"man --warnings -l {page} exited {result.returncode}:\n{result.stderr}")
    if len(result.stdout.splitlines()) < 10:
        fail(f"{page} renders to almost nothing:\n{result.stdout}")
    for line in result.stdout.splitlines():
        if len(line) > 80:
            fail(f"{page}: a rendered line is wider than MANWIDTH=80: {line!r}")
    print(f"{page.name}: renders without warnings ({len(result.stdout.splitlines())} lines)")


def check_covers(page, program, args, source):
    options, commands = help_items(program, args)
    where = " ".join([os.path.basename(program), *args])
    for option in sorted(options):
        if roff_name(option) not in source:
            fail(f"{page.name} does not name {option}, which `{where} --help` lists")
    for command in commands:
        heading = f'.SS "{roff_name(" ".join([*args, command]))}"'
        if heading not in source:
            fail(f"{page.name} has no section {heading} for the command `{where} --help` lists")
        check_covers(page, program, [*args, command], source)


def cmd_man(args):
    for program, page in ((args.daemon, "cityedged.8"), (args.cli, "cityedge.1")):
        path = pathlib.Path(args.man_dir, page)
        if not path.is_file():
            fail(f"{path} was not built")
        source = path.read_text()
        if source != run([program, "--man-page"]).stdout:
            fail(f"{path} differs from what {program} --man-page prints now")
        check_render(path)
        check_covers(path, program, [], source)
        print(f"{page}: names every option and command of --help")
    print("man: ok")


def complete(script, bindir, words, cwd=None):
    """What _cityedge puts in COMPREPLY for `words` (the last is completed)."""
    array = " ".join(shlex.quote(w) for w in words)
    code = (f"source {shlex.quote(script)}\n"
            f"complete -p {shlex.quote(words[0])} >&2\n"
            f"COMP_WORDS=({array}); COMP_CWORD={len(words) - 1}\n"
            "_cityedge\n"
            "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}")
    result = run(["bash", "--norc", "--noprofile", "-c", code], env=env, cwd=cwd)
    if result.returncode != 0 or f"-F _cityedge {words[0]}" not in result.stderr:
        fail(f"completing {words} failed (exit {result.returncode}):\n{result.stderr}")
    return [line for line in result.stdout.splitlines() if line]


def expect(script, bindir, words, want, exact=False, cwd=None):
    got = complete(script, bindir, words, cwd)
    ok = sorted(got) == sorted(want) if exact else set(want) <= set(got)
    if not ok:
        fail(f"completing {words}: got {got}, expected {'exactly ' if exact else ''}{want}")
    print(f"complete {' '.join(words)!r}: {got}")


def start_daemon(daemon, folder):
    pathlib.Path(folder, "t.csv").write_text(
        "timestamp,channel,value,unit\n" +
        "".join(f"2026-11-28T10:00:{i:02}Z,temp,{20 + i * 0.1:.1f},degC\n" for i in range(60)))
    socket = os.path.join(folder, "control.sock")
    config = pathlib.Path(folder, "cityedged.yaml")
    group = grp.getgrgid(os.getgid()).gr_name
    config.write_text(f"""gateway: {{id: gw-complete}}
journal: {{path: {folder}/journal.db}}
uplink: {{brokers: ["tcp://127.0.0.1:1"]}}
health: {{metrics_listen: ""}}
control: {{socket_path: {socket}, group: {group}, admin_group: {group}}}
drivers:
  - id: porch_temp
    type: replay
    settings: {{path: {folder}/t.csv, rate: 10, loop: true}}
  - id: gate_temp
    type: replay
    settings: {{path: {folder}/t.csv, rate: 10, loop: true}}
""")
    log = open(os.path.join(folder, "daemon.log"), "w")
    process = subprocess.Popen([daemon, "--config", str(config)], stdout=log, stderr=log)
    for _ in range(600):
        if os.path.exists(socket) or process.poll() is not None:
            break
        time.sleep(0.05)
    if not os.path.exists(socket):
        process.kill()
        fail(f"cityedged did not open {socket}:\n{pathlib.Path(folder, 'daemon.log').read_text()}")
    return process, socket


def cmd_completion(args):
    script = os.path.abspath(args.script)
    with tempfile.TemporaryDirectory() as folder:
        bindir = os.path.join(folder, "bin")
        os.mkdir(bindir)
        for program in (args.cli, args.daemon):
            os.symlink(os.path.abspath(program), os.path.join(bindir, os.path.basename(program)))
        _, commands = help_items(args.cli)
        expect(script, bindir, ["cityedge", ""], commands, exact=True)
        expect(script, bindir, ["cityedge", "con"], ["config"], exact=True)
        expect(script, bindir, ["cityedge", "config", ""], ["check", "show", "apply"], exact=True)
        expect(script, bindir, ["cityedge", "--"], ["--socket", "--json", "--timeout", "--help"])
        expect(script, bindir, ["cityedge", "tail", "--class", ""],
               ["alarm", "detection", "health", "gap", "telemetry"], exact=True)
        expect(script, bindir, ["cityedge", "tail", "-c", "al"], ["alarm"], exact=True)
        expect(script, bindir, ["cityedged", "--c"], ["--config", "--check-config"], exact=True)
        files = os.path.join(folder, "files")
        os.mkdir(files)
        pathlib.Path(files, "site.yaml").write_text("")
        expect(script, bindir, ["cityedge", "config", "apply", "s"], ["site.yaml"], exact=True,
               cwd=files)
        missing = os.path.join(folder, "nobody.sock")
        expect(script, bindir, ["cityedge", "--socket", missing, "read", ""], [], exact=True)

        process, socket = start_daemon(args.daemon, folder)
        try:
            instances = ["porch_temp", "gate_temp"]
            expect(script, bindir, ["cityedge", "--socket", socket, "read", ""], instances,
                   exact=True)
            expect(script, bindir, ["cityedge", "--socket", socket, "restart-driver", "po"],
                   ["porch_temp"], exact=True)
            # bash splits --socket=PATH at "=": the script joins it again.
            expect(script, bindir, ["cityedge", "--socket", "=", socket, "tail", "--source", ""],
                   instances, exact=True)
        finally:
            process.terminate()
            process.wait(timeout=60)
    print("completion: ok")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("man")
    p.add_argument("--man-dir", required=True)
    p.add_argument("--cli", required=True)
    p.add_argument("--daemon", required=True)
    p.set_defaults(func=cmd_man)
    p = sub.add_parser("completion")
    p.add_argument("--script", required=True)
    p.add_argument("--cli", required=True)
    p.add_argument("--daemon", required=True)
    p.set_defaults(func=cmd_completion)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
