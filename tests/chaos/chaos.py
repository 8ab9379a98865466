# SPDX-License-Identifier: Apache-2.0
"""Shared harness of the chaos scenarios: a real mosquitto, real cityedged
processes on replay drivers, and the independent platform subscriber
(docs/examples/platform_subscriber.py) as the oracle.

Every scenario ends with figures computed the same way, per gateway:
  committed     seqs 1..H, H the journal's seq high-water mark (read from the
                SQLite file: counters row 64), i.e. every event the journal
                accepted
  received      distinct seqs of 1..H the subscribers got
  lost          seqs of 1..H neither received nor inside a received gap
                record's range (must be 0)
  duplicates    events received more than once (bounded per scenario)
  gap-recorded  events the gateway declared lost in gap records
and a time to recover that is reported, never judged.

Environment (ctest sets it): CITYEDGE_BINARY_DIR, CITYEDGE_SOURCE_DIR,
CITYEDGE_MOSQUITTO, CITYEDGE_PROTO_PYTHON_DIR, CITYEDGE_MEDIA_DIR (the test
media scripts/install-deps.sh fetches); CITYEDGE_CHAOS_LONG=1 selects the long
form of each scenario.
"""
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

SOURCE_DIR = os.environ.get("CITYEDGE_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
BINARY_DIR = os.environ.get("CITYEDGE_BINARY_DIR", os.path.join(SOURCE_DIR, "build"))
DAEMON = os.environ.get("CITYEDGE_DAEMON", os.path.join(BINARY_DIR, "daemon/app/cityedged"))
CLI = os.environ.get("CITYEDGE_CLI", os.path.join(BINARY_DIR, "daemon/cli/cityedge"))
# Cross builds: the daemon is a target program, run through qemu-user.
EMULATOR = os.environ.get("CITYEDGE_EMULATOR", "").split()
MOSQUITTO = os.environ.get("CITYEDGE_MOSQUITTO") or "/usr/sbin/mosquitto"
PROTO_DIR = os.environ.get("CITYEDGE_PROTO_PYTHON_DIR") or os.path.join(BINARY_DIR, "proto/python")
SUBSCRIBER = os.path.join(SOURCE_DIR, "docs/examples/platform_subscriber.py")
MJPEG_SERVER = os.path.join(SOURCE_DIR, "tests/drivers/camera/mjpeg_server.py")
MEDIA_DIR = os.environ.get("CITYEDGE_MEDIA_DIR") or os.path.join(SOURCE_DIR, ".cache/media")
PYTHON = "/usr/bin/python3"
LONG = os.environ.get("CITYEDGE_CHAOS_LONG", "") not in ("", "0")
SKIP = 77  # ctest SKIP_RETURN_CODE


class ScenarioFailed(Exception):
    pass


def log(msg):
    print(f"[chaos {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, step=0.2):
    """Polls predicate until it returns truthy; returns its value or None."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= end:
            return None
        time.sleep(step)


def wait_port(host, port, timeout=10, netns=None):
    def ok():
        if netns:
            return subprocess.run(["ip", "netns", "exec", netns, PYTHON, "-c",
                                   f"import socket; socket.create_connection(('{host}', {port}), 1)"],
                                  capture_output=True).returncode == 0
        try:
            socket.create_connection((host, port), 1).close()
            return True
        except OSError:
            return False
    if not wait_until(ok, timeout):
        raise ScenarioFailed(f"nothing listens on {host}:{port} after {timeout}s")


def netns_prefix(netns):
    return ["ip", "netns", "exec", netns] if netns else []


class Broker:
    """mosquitto with persistence, so a platform consumer's session and its
    queued QoS 1 batches survive a broker restart, and no queue limit, so the
    broker never drops a batch for a slow consumer. The in-flight limit per
    consumer stays at mosquitto's default (20), as a platform's broker runs:
    the queue, not the in-flight list, holds what a slow consumer has not
    taken yet."""

    def __init__(self, work, port=None, host="127.0.0.1", netns=None):
        self.work, self.host, self.netns = work, host, netns
        self.port = port or free_port()
        self.conf = os.path.join(work, "mosquitto.conf")
        with open(self.conf, "w") as f:
            # user root: run as root, mosquitto would otherwise drop to its own
            # user and lose access to the private work folder.
            f.write(f"user root\nlistener {self.port} {host}\nallow_anonymous true\n"
                    f"persistence true\npersistence_location {work}/\n"
                    "max_queued_messages 0\n"
                    f"log_dest file {work}/mosquitto.log\n")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(netns_prefix(self.netns) + [MOSQUITTO, "-c", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.host, self.port, netns=self.netns)
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=20)
        self.proc = None


class Subscriber:
    """docs/examples/platform_subscriber.py with a persistent session, writing
    its summary (seq ranges per gateway, duplicates, gap records, alarm times)
    every half second."""

    def __init__(self, work, broker, name="platform", share=None, netns=None, classes=None):
        self.path = os.path.join(work, f"{name}.summary.json")
        args = [PYTHON, "-u", SUBSCRIBER, "--broker", f"{broker.host}:{broker.port}",
                "--proto-path", PROTO_DIR, "--quiet", "--show", "", "--summary-every", "0.5",
                "--summary-json", self.path, "--client-id", f"chaos-{name}-{os.getpid()}",
                "--session-expiry", "3600", "--reconnect-max", "1"]
        if share:
            args += ["--share", share]
        if classes:
            args += ["--classes", classes]
        self.log = open(os.path.join(work, f"{name}.log"), "w")
        self.proc = subprocess.Popen(netns_prefix(netns) + args, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        if not wait_until(lambda: os.path.exists(self.path), 15):
            raise ScenarioFailed(f"subscriber {name} wrote no summary; see {self.log.name}")
        time.sleep(0.5)  # its SUBACK has come back by now

    def summary(self):
        try:
            with open(self.path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)
        self.log.close()
        return self.summary()


def write_readings(path, rows, alarm_every=50):
    """A replay CSV of `rows` pm2_5 readings one second apart: `rate: R` plays
    R events/s. The value crosses the threshold pipeline's limit every
    `alarm_every` rows, so alarms (raised and cleared) flow with telemetry."""
    with open(path, "w") as f:
        f.write("timestamp,channel,value,unit\n")
        base = 1714564800
        for i in range(rows):
            high = (i // alarm_every) % 2 == 1
            f.write(f"{base + i},pm2_5,{90 + i % 7 if high else 10 + i % 7},ug/m3\n")


def daemon_config(gateway, journal, broker_uri, readings, rate, enabled=True, extra_journal="",
                  keepalive="5s", inflight_window=4, max_batch_events=100, extra_drivers="",
                  extra_pipelines=""):
    """The replay load (telemetry, and alarms from the threshold pipeline);
    extra_drivers and extra_pipelines are YAML appended to `drivers:` and
    `pipelines:` (entries indented by 2)."""
    return f"""gateway:
  id: {gateway}
logging:
  level: warn
journal:
  path: {journal}
  max_bytes: 64MiB
  min_free_disk: 0
  history_bytes: 0
{extra_journal}uplink:
  brokers: ["{broker_uri}"]
  keepalive: {keepalive}
  connect_timeout: 2s
  max_batch_events: {max_batch_events}
  inflight_window: {inflight_window}
  linger: 20ms
  backoff_initial: 200ms
  backoff_max: 1s
  first_connect_delay_max: 0s
control:
  socket_path: {os.path.join(os.path.dirname(journal), "control.sock")}
health:
  interval: 60s
  metrics_listen: ""
drivers:
  - id: load
    type: replay
    enabled: {"true" if enabled else "false"}
    publish: true
    settings:
      path: {readings}
      rate: {rate}
      loop: false
{extra_drivers}pipelines:
  - id: pm25-high
    type: threshold
    enabled: {"true" if enabled else "false"}
    inputs: [load/pm2_5]
    settings:
      high: 75
      hysteresis: 5
{extra_pipelines}"""


class Daemon:
    """One cityedged in its own folder (config, journal, log)."""

    def __init__(self, work, gateway, broker_uri, readings, rate, netns=None, env=None, **config):
        self.work, self.gateway, self.netns = work, gateway, netns
        self.broker_uri, self.readings, self.rate = broker_uri, readings, rate
        self.config = config
        self.journal = os.path.join(config.pop("journal_dir", work), "journal.db")
        self.env = env
        self.proc = None
        self.starts = 0

    def start(self, enabled=True):
        path = os.path.join(self.work, "config.yaml")
        with open(path, "w") as f:
            f.write(daemon_config(self.gateway, self.journal, self.broker_uri, self.readings,
                                  self.rate, enabled=enabled, **self.config))
        log_file = open(os.path.join(self.work, "cityedged.log"), "a")
        env = dict(os.environ, **(self.env or {}))
        self.proc = subprocess.Popen(netns_prefix(self.netns) + EMULATOR + [DAEMON, "--config", path],
                                     cwd=self.work, stdout=log_file, stderr=subprocess.STDOUT,
                                     env=env)
        log_file.close()
        self.starts += 1
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout=20):
        """SIGTERM and wait; the exit code. Sets stop_seconds."""
        self.stop_seconds = 0.0
        if self.alive():
            started = time.monotonic()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise ScenarioFailed(f"{self.gateway} did not stop on SIGTERM within {timeout}s\n"
                                     f"{self.log_tail()}")
            self.stop_seconds = time.monotonic() - started
        return self.proc.returncode if self.proc else None

    def hwm(self):
        return journal_hwm(self.journal)

    def log_tail(self, n=3000):
        with open(os.path.join(self.work, "cityedged.log"), errors="replace") as f:
            return f.read()[-n:]

    def fd_count(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def rss_kib(self):
        return self.proc_status("VmRSS")

    def thread_count(self):
        return self.proc_status("Threads")

    def proc_status(self, field):
        """The number in a /proc/PID/status line (VmRSS in KiB, Threads...)."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
        return 0

    def children(self):
        """[(pid, state, cmdline)] of the daemon's child processes; state is
        /proc/PID/stat's (Z for a zombie), cmdline argv joined by spaces."""
        return child_processes(self.proc.pid)

    def cli(self, *args, timeout=20):
        """Runs `cityedge --socket <this daemon's socket> ARGS`; its stdout."""
        sock = os.path.join(os.path.dirname(self.journal), "control.sock")
        r = subprocess.run(EMULATOR + [CLI, "--socket", sock, *args], capture_output=True,
                           text=True, timeout=timeout)
        if r.returncode != 0:
            raise ScenarioFailed(f"cityedge {' '.join(args)}: exit {r.returncode}: {r.stderr}")
        return r.stdout


def child_processes(parent):
    """Every process whose parent is `parent`, zombies included, read from /proc."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[1]) != parent:
                continue
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, ValueError):
            continue  # gone meanwhile
        out.append((int(name), fields[0], cmdline))
    return out


class MjpegServer:
    """tests/drivers/camera/mjpeg_server.py: an HTTP MJPEG camera looping over
    the JPEG files of a folder, at http://127.0.0.1:PORT/video.mjpg."""

    def __init__(self, work, frames, fps=10):
        self.work, self.frames, self.fps = work, frames, fps
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/video.mjpg"
        self.proc = None

    def start(self):
        log_file = open(os.path.join(self.work, "mjpeg_server.log"), "a")
        self.proc = subprocess.Popen([PYTHON, "-u", MJPEG_SERVER, "--port", str(self.port),
                                      "--frames", self.frames, "--fps", str(self.fps)],
                                     stdout=log_file, stderr=subprocess.STDOUT)
        log_file.close()
        wait_port("127.0.0.1", self.port)
        return self

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def corrupt(self, on):
        """Every open and later stream sends corrupt JPEG frames (on) or the
        real ones again (off)."""
        self.proc.send_signal(signal.SIGUSR1 if on else signal.SIGUSR2)


def journal_hwm(path):
    """The journal's seq high-water mark: every seq up to it was committed."""
    if not os.path.exists(path):
        return 0
    for _ in range(20):
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
            try:
                return int(db.execute("SELECT rows FROM counters WHERE id = 64").fetchone()[0])
            finally:
                db.close()
        except sqlite3.Error:
            time.sleep(0.1)
    raise ScenarioFailed(f"cannot read the seq high-water mark of {path}")


def seq_set(summaries, gateway):
    seen = set()
    for s in summaries:
        for first, last in (s or {}).get("seq_ranges", {}).get(gateway, []):
            seen.update(range(first, last + 1))
    return seen


def gap_ranges(summaries, gateway):
    ranges = {}
    for s in summaries:
        for gw, seq, first, last, count in (s or {}).get("gaps", []):
            if gw == gateway:
                ranges[seq] = (first, last, max(count, ranges.get(seq, (0, 0, 0))[2]))
    return list(ranges.values())


def figures(summaries, gateway, committed):
    """Per-gateway figures from one or more subscriber summaries (a shared
    subscription splits a gateway's batches over several consumers)."""
    seen = seq_set(summaries, gateway)
    gaps = gap_ranges(summaries, gateway)
    received_events = sum((s or {}).get("received_events", 0) for s in summaries)
    unique = sum(len(seq_set([s], g)) for s in summaries for g in (s or {}).get("seq_ranges", {}))
    lost = [q for q in range(1, committed + 1)
            if q not in seen and not any(a <= q <= b for a, b, _ in gaps)]
    return {
        "committed": committed,
        "received": len([q for q in seen if q <= committed]),
        "lost": len(lost),
        "lost_seqs": lost[:10],
        "gap_recorded": sum(c for _, _, c in gaps),
        "gap_ranges": [(a, b) for a, b, _ in gaps],
        "missing": committed - len([q for q in seen if q <= committed]),
        # Across consumers, per gateway: every arrival after the first.
        "_received_events": received_events,
        "_unique_all": unique,
    }


def covered(summaries, gateway, committed):
    seen = seq_set(summaries, gateway)
    gaps = gap_ranges(summaries, gateway)
    return all(q in seen or any(a <= q <= b for a, b, _ in gaps)
               for q in range(1, committed + 1))


def wait_drained(subscribers, daemons, timeout):
    """Waits until every seq each journal committed is accounted for at the
    subscribers and the high-water marks have stopped moving for 2 s. Returns
    the seconds it took, or None on timeout."""
    started = time.monotonic()
    stable_since, last = None, None
    end = started + timeout
    while time.monotonic() < end:
        marks = tuple(d.hwm() for d in daemons)
        summaries = [s.summary() for s in subscribers]
        done = all(covered(summaries, d.gateway, m) for d, m in zip(daemons, marks))
        if done and marks == last:
            if time.monotonic() - stable_since >= 2:
                return stable_since - started
        elif done:
            stable_since = time.monotonic()
        else:
            stable_since = None
        last = marks if done else None
        time.sleep(0.5)
    return None


def duplicates(summaries):
    return sum((s or {}).get("duplicates", 0) for s in summaries) + cross_duplicates(summaries)


def cross_duplicates(summaries):
    """Events that reached more than one consumer (each consumer only dedups
    what it saw itself)."""
    if len(summaries) < 2:
        return 0
    total, union = 0, 0
    gateways = set()
    for s in summaries:
        gateways.update((s or {}).get("seq_ranges", {}))
    for gw in gateways:
        sets = [seq_set([s], gw) for s in summaries]
        total += sum(len(x) for x in sets)
        union += len(set().union(*sets))
    return total - union


COLUMNS = [("scenario", 26), ("gateways", 8), ("sent", 9), ("received", 9), ("lost", 5),
           ("duplicates", 10), ("dup_bound", 9), ("gap-recorded", 12), ("recover_s", 9)]


def print_table(rows, notes=()):
    """The figure table every scenario prints (what CI shows)."""
    line = "  ".join(f"{name:>{width}}" for name, width in COLUMNS)
    print("\n" + line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(f"{str(row.get(name, '')):>{width}}" for name, width in COLUMNS))
    for note in notes:
        print(f"  {note}")
    print(flush=True)


def check(condition, message):
    if not condition:
        raise ScenarioFailed(message)


def workdir(name):
    root = os.environ.get("CITYEDGE_CHAOS_WORK") or tempfile.gettempdir()
    return tempfile.mkdtemp(prefix=f"cityedge-chaos-{name}-", dir=root)


def main(scenarios):
    """Runs the scenario named on the command line: exit 0 passed, 1 failed,
    77 skipped (the environment lacks a permission)."""
    if len(sys.argv) != 2 or sys.argv[1] not in scenarios:
        print(f"usage: {sys.argv[0]} {{{','.join(scenarios)}}}", file=sys.stderr)
        return 2
    name = sys.argv[1]
    random.seed(int(os.environ.get("CITYEDGE_CHAOS_SEED", "1")))
    log(f"scenario {name} ({'long' if LONG else 'short'} form)")
    cleanup = []
    try:
        scenarios[name](cleanup)
    except ScenarioFailed as e:
        print(f"CHAOS FAILED: {name}: {e}", flush=True)
        return 1
    except SkipScenario as e:
        print(f"CHAOS SKIPPED: {name}: {e}", flush=True)
        return SKIP
    finally:
        for fn in reversed(cleanup):
            try:
                fn()
            except Exception as e:  # cleanup must go on
                print(f"cleanup: {e}", file=sys.stderr)
    print(f"CHAOS PASSED: {name}", flush=True)
    return 0


class SkipScenario(Exception):
    pass
