#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Footprint of the core (cityedged) on a box with sensors only: idle RSS and
the number of shared libraries mapped, with a replay-only config and an uplink
connected to a real mosquitto on a free loopback port; and the time of
`cityedged --version`. With --baseline BINARY the same figures are measured
for another cityedged (e.g. a build of an earlier commit) in the same run,
and the ratios printed. Build Release for figures.

  footprint.py --cityedged build-rel/daemon/app/cityedged [--baseline OTHER] [--runs 5]
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CONFIG = """gateway:
  id: footprint-gw
journal:
  path: {dir}/journal.db
control:
  socket_path: {dir}/control.sock
uplink:
  brokers: ["tcp://127.0.0.1:{port}"]
drivers:
  - id: level1
    type: replay
    settings:
      path: {dir}/level.csv
      loop: true
      rate: 60
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def libraries(pid):
    libs = set()
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            if ".so" in os.path.basename(path):
                libs.add(path)
    return len(libs)


def version_ms(binary, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([binary, "--version"], check=True, capture_output=True)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def idle(binary, mosquitto, settle_s):
    work = tempfile.mkdtemp(prefix="footprint-")
    port = free_port()
    broker = subprocess.Popen([mosquitto, "-p", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        with open(f"{work}/level.csv", "w") as f:
            f.write("timestamp,channel,value,unit\n")
            for i in range(60):
                f.write(f"2026-09-14T00:{i:02d}:00Z,level,{1.0 + i / 100:.2f},m\n")
        with open(f"{work}/cityedged.yaml", "w") as f:
            f.write(CONFIG.format(dir=work, port=port))
        daemon = subprocess.Popen([binary, "-c", f"{work}/cityedged.yaml"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(settle_s)
            if daemon.poll() is not None:
                sys.exit(f"{binary} exited with {daemon.returncode}")
            return rss_kib(daemon.pid), libraries(daemon.pid)
        finally:
            daemon.terminate()
            daemon.wait(timeout=10)
    finally:
        broker.terminate()
        broker.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


def measure(binary, mosquitto, runs, settle_s):
    samples = [idle(binary, mosquitto, settle_s) for _ in range(runs)]
    return (statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples),
            version_ms(binary, 10 * runs))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cityedged", required=True)
    p.add_argument("--baseline")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--settle", type=float, default=5.0)
    p.add_argument("--mosquitto", default=shutil.which("mosquitto") or "/usr/sbin/mosquitto")
    a = p.parse_args()
    rows = [("cityedged", a.cityedged)] + ([("baseline", a.baseline)] if a.baseline else [])
    results = {name: measure(path, a.mosquitto, a.runs, a.settle) for name, path in rows}
    print(f"footprint: replay-only config, uplink connected; median of {a.runs} runs")
    print(f"{'':10} {'idle RSS':>12} {'libraries':>10} {'--version':>11}")
    for name, (rss, libs, ver) in results.items():
        print(f"{name:10} {rss / 1024:9.1f} MiB {libs:10.0f} {ver:8.1f} ms")
    if a.baseline:
        (r1, l1, v1), (r0, l0, v0) = results["cityedged"], results["baseline"]
        print(f"{'ratio':10} {r1 / r0:12.2f} {l1 / l0:10.2f} {v1 / v0:11.2f}   (cityedged / baseline)")


if __name__ == "__main__":
    main()
