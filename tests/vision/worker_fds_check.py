#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Starts the core (cityedged) as a normal user with one camera on a video
file, finds the vision worker it spawns, and reads /proc/<worker>/fd: beyond
its standard streams the worker may hold exactly one socket (its channel to
the core), its video, and what the system's libraries open under /usr or
/dev; never the journal, the config, the control socket or any other file of
the core's. Run as root (as CI is), the core runs as `nobody`; else as the
caller. The binaries and the video are copied into a folder every user can
read, since a build tree may sit under a private one.

  worker_fds_check.py --cityedged BINARY --worker BINARY --video FILE
"""
import argparse
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

CONFIG = """gateway:
  id: fds-gw
journal:
  path: {state}/journal.db
control:
  socket_path: {state}/control.sock
uplink:
  brokers: ["tcp://127.0.0.1:{port}"]
drivers:
  - id: cam1
    type: camera
    publish: false
    settings:
      source: {video}
      loop: true
      metrics_interval: 0s
  - id: level1
    type: replay
    settings:
      path: {state}/level.csv
      loop: true
      rate: 5
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid):
    """The pids whose parent is `pid`, with their command names."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append((int(entry), comm))
    return found


def descriptors(pid):
    held = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            held[int(fd)] = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            pass
    return held


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cityedged", required=True)
    parser.add_argument("--worker", required=True)
    parser.add_argument("--video", required=True)
    args = parser.parse_args()
    if not os.path.exists(args.video):
        print(f"SKIP: {args.video} is missing (scripts/install-deps.sh fetches it)")
        return 0

    work = tempfile.mkdtemp(prefix="cityedge-fds-")
    core = None
    try:
        os.chmod(work, 0o755)
        bin_dir = os.path.join(work, "bin")
        state = os.path.join(work, "state")
        logs = os.path.join(work, "logs")
        for d in (bin_dir, state, logs):
            os.mkdir(d)
        # The worker is found beside the core.
        cityedged = shutil.copy(args.cityedged, os.path.join(bin_dir, "cityedged"))
        shutil.copy(args.worker, os.path.join(bin_dir, "cityedge-vision"))
        video = shutil.copy(args.video, os.path.join(work, "video.avi"))
        with open(os.path.join(state, "level.csv"), "w") as f:
            f.write("timestamp,channel,value,unit\n")
            for i in range(20):
                f.write(f"2026-09-14T00:{i:02d}:00Z,level,{1.0 + i / 100:.2f},m\n")
        config = os.path.join(work, "cityedge.yaml")
        with open(config, "w") as f:
            f.write(CONFIG.format(state=state, port=free_port(), video=video))

        user = {}
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(state, nobody.pw_uid, nobody.pw_gid)
            user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        log_path = os.path.join(logs, "cityedged.log")
        with open(log_path, "w") as log:
            core = subprocess.Popen([cityedged, "--config", config], stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT, **user)

        # The worker is running once it holds its video open.
        worker, held = None, {}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and core.poll() is None:
            for pid, comm in children(core.pid):
                if comm == "cityedge-vision":
                    try:
                        held = descriptors(pid)
                    except OSError:
                        continue
                    if video in held.values():
                        worker = pid
            if worker:
                break
            time.sleep(0.2)
        if worker is None:
            with open(log_path) as f:
                sys.stderr.write(f.read()[-4000:])
            print("FAIL: no vision worker holding the video within 90 s"
                  + ("" if core.poll() is None else f" (cityedged exited {core.returncode})"))
            return 1

        with open(f"/proc/{worker}/status") as f:
            uid = next(line.split()[1] for line in f if line.startswith("Uid:"))
        print(f"cityedged {core.pid} (uid {os.stat(f'/proc/{core.pid}').st_uid}), "
              f"worker {worker} (uid {uid}) holds:")
        failures = []
        sockets = 0
        for fd, target in sorted(held.items()):
            print(f"  {fd} -> {target}")
            if fd <= 2:
                continue  # the standard streams it inherits: here the core's log
            if target.startswith("socket:"):
                sockets += 1
            elif target == video or target.startswith(("/usr/", "/dev/", "pipe:", "anon_inode:")):
                pass
            else:
                failures.append(f"fd {fd} -> {target} is none of its channel, its video or "
                                "a system file")
            if target.startswith((state, config)):
                failures.append(f"fd {fd} -> {target} is the core's")
        if sockets != 1:
            failures.append(f"{sockets} sockets beyond the standard streams, expected 1 "
                            "(its channel)")
        if os.geteuid() == 0 and uid == "0":
            failures.append("the worker runs as root under a core that does not")

        core.send_signal(signal.SIGTERM)
        try:
            code = core.wait(timeout=60)
        except subprocess.TimeoutExpired:
            failures.append("cityedged did not stop within 60 s of SIGTERM")
            code = None
        if code not in (0, None):
            failures.append(f"cityedged exited {code}")
        if failures:
            with open(log_path) as f:
                sys.stderr.write(f.read()[-4000:])
            for failure in failures:
                print("FAIL:", failure)
            return 1
        print("worker descriptors: its channel, its video and system files only")
        return 0
    finally:
        if core is not None and core.poll() is None:
            core.kill()
            core.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
