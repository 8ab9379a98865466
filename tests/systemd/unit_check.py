#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks of systemd/cityedged.service with the machine's own systemd tools.

  unit_check.py verify UNIT BINARY
      `systemd-analyze verify` on a copy of UNIT whose ExecStart= runs BINARY
      (verify refuses a unit whose program does not exist). Any message fails.
      The unit's User=, Group=, SupplementaryGroups= and State/Runtime
      folders must match cityedge.sysusers.conf and cityedge.tmpfiles.conf.

  unit_check.py security UNIT --max EXPOSURE
      `systemd-analyze security --offline=true` on UNIT; fails when the overall
      exposure is above EXPOSURE. To prove the parser reads the figure, the same
      unit stripped of its hardening must score above EXPOSURE.

  unit_check.py syscalls UNIT BINARY [--mosquitto PATH] [--seconds S]
      Expands the unit's SystemCallFilter= lines with `systemd-analyze
      syscall-filter`, checks the read-only clock query (adjtimex,
      clock_adjtime) is allowed and clock writes are not, then runs BINARY
      under strace for a few seconds (journal, replay driver, pipeline, uplink
      to a real mosquitto) and fails if the daemon made a system call the
      filter would refuse. No daemon runs under systemd here, so this is how
      the filter is checked against the daemon's real behaviour.
"""
import argparse
import contextlib
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

EXPOSURE = re.compile(r"Overall exposure level for \S+:\s*([0-9]+(?:\.[0-9]+)?)")
# Kept in the stripped unit: what a unit needs to load at all.
ESSENTIAL_KEYS = {"Description", "Type", "ExecStart", "WantedBy", "NotifyAccess"}
# Calls the daemon may make that are not in the filter on purpose: they fail
# with EPERM and the daemon copes (none today).
TOLERATED_DENIED = set()


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def run(argv, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, **kwargs)


def unit_lines(unit):
    return pathlib.Path(unit).read_text().splitlines()


def settings(unit, key):
    """Values of every `key=` line of the unit, in order."""
    out = []
    for line in unit_lines(unit):
        name, sep, value = line.partition("=")
        if sep and name.strip() == key:
            out.append(value.strip())
    return out


def copy_with_binary(unit, binary, folder):
    """The unit in `folder` with /usr/bin/cityedged replaced by `binary`."""
    target = pathlib.Path(folder) / pathlib.Path(unit).name
    text = pathlib.Path(unit).read_text().replace("/usr/bin/cityedged", os.path.abspath(binary))
    target.write_text(text)
    return target


def check_users_and_folders(unit):
    """The unit's user, groups and folders match sysusers.d and tmpfiles.d
    beside it (what the package installs with it)."""
    here = pathlib.Path(unit).parent
    sysusers = [l.split() for l in (here / "cityedge.sysusers.conf").read_text().splitlines()
                if l.strip() and not l.startswith("#")]
    users = {f[1] for f in sysusers if f[0] == "u"}
    groups = {f[1] for f in sysusers if f[0] in ("u", "g")}
    members = {(f[1], f[2]) for f in sysusers if f[0] == "m"}
    user, group = settings(unit, "User")[-1], settings(unit, "Group")[-1]
    if user not in users or group not in groups:
        fail(f"User={user}/Group={group} are not created by cityedge.sysusers.conf")
    for extra in " ".join(settings(unit, "SupplementaryGroups")).split():
        if (user, extra) not in members:
            fail(f"cityedge.sysusers.conf does not add {user} to {extra} (SupplementaryGroups=)")
    tmpfiles = {f[1]: f for f in (l.split() for l in (here / "cityedge.tmpfiles.conf")
                                  .read_text().splitlines() if l.strip() and not l.startswith("#"))}
    for key, base in (("StateDirectory", "/var/lib"), ("RuntimeDirectory", "/run")):
        mode = settings(unit, key + "Mode")[-1]
        for name in settings(unit, key)[-1].split():
            folder = f"{base}/{name}"
            entry = tmpfiles.get(folder)
            if entry is None or entry[2] != mode or entry[3] != user or entry[4] != group:
                fail(f"tmpfiles.d entry for {folder} is {entry}, expected mode {mode} {user}:{group}")


def cmd_verify(args):
    check_users_and_folders(args.unit)
    with tempfile.TemporaryDirectory() as folder:
        unit = copy_with_binary(args.unit, args.binary, folder)
        result = run(["systemd-analyze", "verify", "--man=no", str(unit)], cwd=folder)
    output = (result.stdout + result.stderr).strip()
    print(output or "systemd-analyze verify: no messages")
    if result.returncode != 0 or output:
        fail(f"systemd-analyze verify {args.unit}: exit {result.returncode}, messages above")
    print("verify: ok")


def exposure(unit):
    result = run(["systemd-analyze", "security", "--offline=true", "--no-pager", str(unit)],
                 cwd=pathlib.Path(unit).parent)
    match = EXPOSURE.search(result.stdout + result.stderr)
    if not match:
        fail(f"no 'Overall exposure level' line for {unit}:\n{result.stdout}{result.stderr}")
    return float(match.group(1)), result.stdout


def stripped(unit, folder):
    """The unit with only its essential keys: the hardening removed."""
    kept = []
    for line in unit_lines(unit):
        name, sep, _ = line.partition("=")
        if line.startswith("[") or (sep and name.strip() in ESSENTIAL_KEYS):
            kept.append(line)
    target = pathlib.Path(folder) / pathlib.Path(unit).name
    target.write_text("\n".join(kept) + "\n")
    return target


def cmd_security(args):
    with tempfile.TemporaryDirectory() as folder:
        score, report = exposure(copy_with_binary(args.unit, "/bin/true", folder))
        print(report)
        bare_folder = pathlib.Path(folder) / "bare"
        bare_folder.mkdir()
        bare_score, _ = exposure(stripped(args.unit, bare_folder))
    print(f"exposure {score} (limit {args.max}); without hardening {bare_score}")
    if bare_score <= args.max:
        fail(f"the unit without hardening scores {bare_score} <= {args.max}: "
             "the exposure check would not notice lost hardening")
    if score > args.max:
        fail(f"{args.unit}: exposure {score} is above {args.max}; see the ✗ lines above")
    print("security: ok")


def expand(group, cache={}):
    """Syscall names of a @group (recursively) or the name itself."""
    if not group.startswith("@"):
        return {group}
    if group not in cache:
        result = run(["systemd-analyze", "syscall-filter", "--no-pager", group])
        if result.returncode != 0:
            fail(f"systemd-analyze syscall-filter {group}: {result.stderr.strip()}")
        names = set()
        for line in result.stdout.splitlines()[1:]:
            word = line.strip()
            if not word or word.startswith("#"):
                continue
            names |= expand(word)
        cache[group] = names
    return cache[group]


def allowed_syscalls(unit):
    """Applies SystemCallFilter= lines in order, as systemd does: the first
    line picks allow- or deny-list mode, later lines add or remove."""
    lines = settings(unit, "SystemCallFilter")
    if not lines or lines[0].startswith("~"):
        fail("SystemCallFilter= must start with an allow list (@system-service)")
    allowed = set()
    for value in lines:
        deny = value.startswith("~")
        names = set()
        for word in value.lstrip("~").split():
            names |= expand(word)
        allowed = allowed - names if deny else allowed | names
    return allowed


def check_clock_rules(unit, allowed):
    if any(v.lower() in ("yes", "true", "1", "on") for v in settings(unit, "ProtectClock")):
        fail("ProtectClock=yes denies the read-only adjtimex the clock state needs")
    for name in ("adjtimex", "clock_adjtime"):
        if name not in allowed:
            fail(f"{name} is not allowed: events would lose their clock state")
    for name in ("clock_settime", "settimeofday"):
        if name in allowed:
            fail(f"{name} is allowed: the filter no longer keeps the daemon off the clock")


SYSCALL = re.compile(r"^\d+\s+(?:<\.\.\.\s+)?([a-z_0-9]+)[\( ]")


CONFIG = """\
gateway: {{id: syscall-check}}
journal: {{path: {folder}/journal.db}}
uplink:
  brokers: ["tcp://127.0.0.1:{broker_port}"]
  first_connect_delay_max: 0s
  backoff_max: 1s
control: {{socket_path: {folder}/control.sock}}
health: {{interval: 1s, metrics_listen: "127.0.0.1:{metrics_port}"}}
drivers:
  - id: aq1
    type: replay
    settings: {{path: {folder}/aq.csv, rate: 600, loop: true}}
pipelines:
  - id: pm25-high
    type: threshold
    inputs: [aq1/pm2_5]
    settings: {{high: 75, hysteresis: 5}}
"""
READINGS = "timestamp,channel,value,unit\n" + "".join(
    f"2024-05-01T12:{m:02d}:00Z,pm2_5,{40 + (m % 7) * 10},ug/m3\n" for m in range(60))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds):
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


def traced_child(strace_pid):
    """Pid of the program strace started, or None once it is gone."""
    try:
        children = pathlib.Path(f"/proc/{strace_pid}/task/{strace_pid}/children").read_text()
    except OSError:
        return None
    pids = children.split()
    return int(pids[0]) if pids else None


def traced_syscalls(binary, mosquitto, seconds):
    """Runs the daemon under strace against a real broker (when given) with a
    replay driver and a pipeline, so the journal, uplink and pipeline threads
    all run; returns the names of the system calls they made."""
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        broker_port = free_port()
        if mosquitto:
            broker = subprocess.Popen([mosquitto, "-p", str(broker_port)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            stack.callback(lambda: (broker.kill(), broker.wait()))
            if not wait_port(broker_port, 10):
                fail("mosquitto did not start")
        pathlib.Path(folder, "aq.csv").write_text(READINGS)
        config = pathlib.Path(folder, "cityedged.yaml")
        config.write_text(CONFIG.format(folder=folder, broker_port=broker_port,
                                        metrics_port=free_port()))
        trace = os.path.join(folder, "trace")
        log_path = os.path.join(folder, "log")
        argv = ["strace", "-f", "-qq", "-o", trace, os.path.abspath(binary), "--config",
                str(config)]
        if os.geteuid() == 0:
            # The service runs as an unprivileged user, and libraries act
            # differently for root (SQLite fchown()s new files to the
            # database's owner only as root): trace it as nobody, from a copy
            # nobody can reach whatever the build tree's permissions.
            os.chmod(folder, 0o777)
            argv[5] = shutil.copy2(binary, os.path.join(folder, "cityedged"))
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + argv
        with open(log_path, "w") as log:
            child = subprocess.Popen(argv, cwd=folder, stdout=log, stderr=log)
        try:
            time.sleep(seconds)
            daemon = traced_child(child.pid)
            if child.poll() is not None or daemon is None:
                fail(f"the daemon exited early:\n{pathlib.Path(log_path).read_text()}")
            # The daemon, not strace, gets SIGTERM: strace would detach and
            # leave it running.
            os.kill(daemon, signal.SIGTERM)
            child.wait(timeout=30)
        finally:
            daemon = traced_child(child.pid)
            if daemon is not None:
                os.kill(daemon, signal.SIGKILL)
            if child.poll() is None:
                child.kill()
                child.wait()
        print(pathlib.Path(log_path).read_text()[-3000:])
        names = set()
        for line in pathlib.Path(trace).read_text().splitlines():
            match = SYSCALL.match(line)
            if match and match.group(1) not in ("exited", "killed"):
                names.add(match.group(1))
    return names


def cmd_syscalls(args):
    if shutil.which("strace") is None:
        fail("strace is missing (scripts/install-deps.sh installs it)")
    allowed = allowed_syscalls(args.unit)
    check_clock_rules(args.unit, allowed)
    used = traced_syscalls(args.binary, args.mosquitto, args.seconds)
    # execve of the daemon itself is made before systemd applies the filter.
    used.discard("execve")
    denied = sorted(used - allowed - TOLERATED_DENIED)
    print(f"{len(used)} distinct system calls traced: {' '.join(sorted(used))}")
    if len(used) < 20:
        fail("strace saw too few calls to have traced the daemon")
    if denied:
        fail(f"calls the unit's SystemCallFilter= refuses: {' '.join(denied)}")
    print("syscalls: ok")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("verify")
    p.add_argument("unit")
    p.add_argument("binary")
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("security")
    p.add_argument("unit")
    p.add_argument("--max", type=float, required=True)
    p.set_defaults(func=cmd_security)
    p = sub.add_parser("syscalls")
    p.add_argument("unit")
    p.add_argument("binary")
    p.add_argument("--mosquitto", default="")
    p.add_argument("--seconds", type=float, default=4.0)
    p.set_defaults(func=cmd_syscalls)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
