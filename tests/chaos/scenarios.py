#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Chaos scenarios against the real cityedged; see chaos.py for the figures.

    scenarios.py kill9|broker_down|fleet|tmpfs_full|corrupt_journal|partition|clock_jump|camera_loss|vision_crash

Short forms run under ctest (label chaos); CITYEDGE_CHAOS_LONG=1 runs the long
forms (kill -9 x100, broker down 10 min at 1,000 events/s, a fleet of 20,
100 link flaps, 20 camera losses, 20 vision worker kills).
"""
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chaos  # noqa: E402
from chaos import LONG, Broker, Daemon, Subscriber, check, log  # noqa: E402

INFLIGHT_WINDOW = 4
MAX_BATCH_EVENTS = 100


def start_platform(cleanup, work, **broker_args):
    broker = Broker(work, **broker_args).start()
    cleanup.append(broker.stop)
    sub = Subscriber(work, broker, netns=broker_args.get("netns"))
    cleanup.append(sub.stop)
    return broker, sub


def new_daemon(cleanup, work, broker, rows, rate, gateway="gw-chaos", **kwargs):
    readings = os.path.join(work, f"{gateway}.csv")
    chaos.write_readings(readings, rows)
    host = kwargs.pop("broker_host", "127.0.0.1")
    daemon = Daemon(work, gateway, f"tcp://{host}:{broker.port}", readings, rate,
                    inflight_window=INFLIGHT_WINDOW, max_batch_events=MAX_BATCH_EVENTS, **kwargs)
    cleanup.append(lambda: daemon.alive() and daemon.kill9())
    return daemon


def row(name, gateways, f, dup, dup_bound, recover):
    return {"scenario": name, "gateways": gateways, "sent": f["committed"],
            "received": f["received"], "lost": f["lost"], "duplicates": dup,
            "dup_bound": dup_bound, "gap-recorded": f["gap_recorded"],
            "recover_s": "-" if recover is None else f"{recover:.1f}"}


def require_no_loss(f, what):
    check(f["lost"] == 0, f"{what}: {f['lost']} committed events never arrived and are in no gap "
                          f"record (first: {f['lost_seqs']})")


def kill9(cleanup):
    """kill -9 under load, again and again; then a restart without load drains
    the journal. Every committed seq must arrive; each kill may cause at most
    one in-flight window of resent batches."""
    kills = 100 if LONG else 6
    rate = 1000 if LONG else 500
    work = chaos.workdir("kill9")
    broker, sub = start_platform(cleanup, work)
    daemon = new_daemon(cleanup, work, broker, rows=rate * 4, rate=rate)
    recoveries = []
    for i in range(kills):
        daemon.start()
        before = len(chaos.seq_set([sub.summary()], daemon.gateway))
        up = time.monotonic()
        # Recovery: the restarted daemon's first new deliveries reach the platform.
        got = chaos.wait_until(
            lambda: len(chaos.seq_set([sub.summary()], daemon.gateway)) > before, 30, 0.1)
        check(got, f"kill {i}: nothing new arrived within 30s of the restart\n{daemon.log_tail()}")
        recoveries.append(time.monotonic() - up)
        time.sleep(random.uniform(0.2, 1.0))
        check(daemon.alive(), f"cityedged exited on its own before kill {i}\n{daemon.log_tail()}")
        daemon.kill9()
    daemon.start(enabled=False)
    started = time.monotonic()
    drained = chaos.wait_drained([sub], [daemon], 120)
    check(drained is not None, f"backlog not drained within 120s\n{daemon.log_tail()}")
    committed = daemon.hwm()
    check(daemon.stop() == 0, "cityedged did not exit 0 on SIGTERM")
    summary = sub.stop()
    f = chaos.figures([summary], daemon.gateway, committed)
    dup = chaos.duplicates([summary])
    bound = kills * INFLIGHT_WINDOW * MAX_BATCH_EVENTS
    chaos.print_table(
        [row(f"kill -9 x{kills} @{rate}/s", 1, f, dup, bound, time.monotonic() - started)],
        [f"recovery after restart (first new delivery): median {statistics.median(recoveries):.2f}s,"
         f" max {max(recoveries):.2f}s; final drain {drained:.1f}s",
         f"dup_bound = kills x inflight_window ({INFLIGHT_WINDOW}) x max_batch_events "
         f"({MAX_BATCH_EVENTS})"])
    require_no_loss(f, "kill -9")
    check(f["gap_recorded"] == 0, f"kill -9 of the process must lose nothing, yet gap records "
                                  f"declare {f['gap_recorded']} events lost: {f['gap_ranges']}")
    check(dup <= bound, f"{dup} duplicates exceed the bound {bound}")


def alarm_latency(summary, after, before):
    """Receive minus capture time (ms) of the alarms captured in [after, before)."""
    return sorted((recv - cap) * 1000 for cap, recv, _ in summary.get("alarm_times", [])
                  if after <= cap < before)


def latency_note(who, lat):
    """Capture-to-subscriber latency of the alarms raised during the drain."""
    if not lat:
        return f"{who}: no alarm was raised"
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    return (f"{who}: alarm latency ({len(lat)} alarms): p50 "
            f"{statistics.median(lat):.0f} ms, p99 {p99:.0f} ms, max {lat[-1]:.0f} ms")


def broker_down(cleanup):
    """The broker goes away under load and comes back: the backlog drains,
    nothing is lost, and alarms raised during the drain are not stuck behind it."""
    rate = 1000
    down_s = 600 if LONG else 15
    work = chaos.workdir("broker-down")
    broker, sub = start_platform(cleanup, work)
    # Alarms on a session of their own, as docs/platform-integration.md advises:
    # the latency a platform that follows the advice sees during the drain.
    alarm_sub = Subscriber(work, broker, name="alarms", classes="alarm")
    cleanup.append(alarm_sub.stop)
    rows = rate * (down_s + 12)
    daemon = new_daemon(cleanup, work, broker, rows=rows, rate=rate)
    daemon.start()
    time.sleep(3)
    log(f"broker down for {down_s}s")
    broker.stop()
    time.sleep(down_s)
    check(daemon.alive(), f"cityedged died while the broker was down\n{daemon.log_tail()}")
    backlog = daemon.hwm()
    broker.start()
    back = time.time()
    started = time.monotonic()
    # Drained: everything committed before the broker came back has arrived.
    drained = chaos.wait_until(
        lambda: chaos.covered([sub.summary()], daemon.gateway, backlog), 300 if LONG else 90, 0.2)
    check(drained, f"the backlog of {backlog} events did not drain\n{daemon.log_tail()}")
    drain_s = time.monotonic() - started
    drain_end = time.time()
    # The drain starts when the gateway is online again (its birth state, which
    # it publishes on connecting, reached the platform; read on the alarm-only
    # session, where it does not queue behind the backlog); alarms raised
    # between the broker's restart and then waited for the reconnect.
    state = (alarm_sub.summary() or {}).get("states", {}).get(daemon.gateway, {})
    online = state.get("received_at", 0) if state.get("status") == "online" else 0
    check(online >= back, f"no online state from {daemon.gateway} after the broker came back: {state}")
    final = chaos.wait_drained([sub], [daemon], 120)
    check(final is not None, f"the load did not finish draining\n{daemon.log_tail()}")
    committed = daemon.hwm()
    daemon.stop()
    summary = sub.stop()
    alarm_summary = alarm_sub.stop()
    f = chaos.figures([summary], daemon.gateway, committed)
    dup = chaos.duplicates([summary])
    bound = 2 * INFLIGHT_WINDOW * MAX_BATCH_EVENTS  # one window per lost connection, both ways
    chaos.print_table([row(f"broker down {down_s}s @{rate}/s", 1, f, dup, bound, drain_s)],
                      [f"backlog at broker restart: {backlog} events, drained in {drain_s:.1f}s;"
                       f" the gateway was online again {online - back:.1f}s after the broker",
                       latency_note("while reconnecting, alarm-only session",
                                    alarm_latency(alarm_summary, back, online)),
                       latency_note("during the drain, alarm-only session",
                                    alarm_latency(alarm_summary, online, drain_end)),
                       latency_note("during the drain, all-classes session",
                                    alarm_latency(summary, online, drain_end))])
    # Both sessions subscribed before the first event: the same alarms reach both.
    alarms = [x["by_class"].get("alarm", 0) for x in (summary, alarm_summary)]
    check(alarms[0] == alarms[1] > 0,
          f"alarms received: all-classes session {alarms[0]}, alarm-only session {alarms[1]}")
    require_no_loss(f, "broker down")
    check(f["gap_recorded"] == 0, f"gap records declare {f['gap_recorded']} events lost")
    check(dup <= bound, f"{dup} duplicates exceed the bound {bound}")


def fleet(cleanup):
    """N gateways on one broker, two platform consumers sharing the load with
    an MQTT 5 shared subscription: every seq of every gateway exactly once
    across the consumers, after dedupe."""
    n = 20 if LONG else 5
    rate = 200
    seconds = 30 if LONG else 8
    work = chaos.workdir("fleet")
    broker = Broker(work).start()
    cleanup.append(broker.stop)
    subs = [Subscriber(work, broker, name=f"consumer{i}", share="city") for i in range(2)]
    for s in subs:
        cleanup.append(s.stop)
    daemons = []
    for i in range(n):
        gw_dir = os.path.join(work, f"gw{i:02d}")
        os.makedirs(gw_dir)
        d = new_daemon(cleanup, gw_dir, broker, rows=rate * seconds, rate=rate,
                       gateway=f"gw-fleet-{i:02d}")
        daemons.append(d.start())
    started = time.monotonic()
    drained = chaos.wait_drained(subs, daemons, seconds + 120)
    check(drained is not None, "the fleet's events did not all arrive")
    marks = {d.gateway: d.hwm() for d in daemons}
    for d in daemons:
        was_alive = d.alive()
        rc = d.stop()
        check(rc == 0, f"{d.gateway} did not exit 0 on SIGTERM: exit {rc}"
                       f"{'' if was_alive else ' (it had already exited)'}\n{d.log_tail()}")
    summaries = [s.stop() for s in subs]
    rows, lost = [], 0
    total = {"committed": 0, "received": 0, "lost": 0, "gap_recorded": 0}
    for d in daemons:
        f = chaos.figures(summaries, d.gateway, marks[d.gateway])
        for k in total:
            total[k] += f[k]
        lost += f["lost"]
    dup = chaos.duplicates(summaries)
    share = [sum(len(chaos.seq_set([s], d.gateway)) for d in daemons) for s in summaries]
    chaos.print_table([row(f"fleet of {n}, $share x2", n, total, dup, 0, time.monotonic() - started)],
                      [f"events per consumer: {share[0]} / {share[1]}",
                       "duplicates: events received more than once across both consumers"])
    check(lost == 0, f"{lost} events lost across the fleet")
    check(total["gap_recorded"] == 0, "gap records in a fault-free fleet run")
    check(all(x > 0 for x in share), f"the shared subscription did not split the load: {share}")
    check(dup == 0, f"{dup} events arrived more than once with no fault injected")


def tmpfs_full(cleanup):
    """The journal on a 2 MiB tmpfs with the broker down: ingest until well past
    full. The daemon stays up and every eviction is in a gap record."""
    work = chaos.workdir("tmpfs")
    jdir = os.path.join(work, "journal")
    os.makedirs(jdir)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", jdir],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise chaos.SkipScenario(f"cannot mount a tmpfs ({r.stderr.strip()}); needs root")
    cleanup.append(lambda: subprocess.run(["umount", "-l", jdir]))
    rate = 2000
    seconds = 60 if LONG else 12
    broker = Broker(work)  # down while the journal fills
    sub = None
    daemon = new_daemon(cleanup, work, broker, rows=rate * seconds, rate=rate, journal_dir=jdir)
    daemon.start()
    fill_end = time.monotonic() + seconds + 2
    while time.monotonic() < fill_end:
        check(daemon.alive(), f"cityedged exited with the journal full\n{daemon.log_tail()}")
        time.sleep(0.5)
    usage = shutil.disk_usage(jdir)
    log(f"tmpfs {usage.used // 1024} KiB used of {usage.total // 1024} KiB")
    broker.start()
    cleanup.append(broker.stop)
    sub = Subscriber(work, broker)
    cleanup.append(sub.stop)
    started = time.monotonic()
    drained = chaos.wait_drained([sub], [daemon], 120)
    check(drained is not None, f"backlog did not drain after the disk-full phase\n{daemon.log_tail()}")
    committed = daemon.hwm()
    check(daemon.alive(), "cityedged exited")
    daemon.stop(timeout=90)
    summary = sub.stop()
    f = chaos.figures([summary], daemon.gateway, committed)
    dup = chaos.duplicates([summary])
    chaos.print_table([row("journal on 2 MiB tmpfs", 1, f, dup, "-", time.monotonic() - started)],
                      [f"missing at the subscriber: {f['missing']}, declared in gap records: "
                       f"{f['gap_recorded']}",
                       f"SIGTERM to exit with the disk full: {daemon.stop_seconds:.1f}s"])
    require_no_loss(f, "tmpfs full")
    check(f["gap_recorded"] > 0, "the journal never had to evict: the tmpfs was not filled")
    check(f["gap_recorded"] == f["missing"],
          f"gap records declare {f['gap_recorded']} evictions but {f['missing']} events are missing")


def make_journal_corpus(work, broker):
    """A real journal (a few seconds of a daemon's life) and three broken forms of it."""
    seed_dir = os.path.join(work, "seed")
    os.makedirs(seed_dir)
    d = Daemon(seed_dir, "gw-seed", f"tcp://127.0.0.1:{broker.port}",
               os.path.join(seed_dir, "r.csv"), 500)
    chaos.write_readings(d.readings, 1000)
    d.start()
    time.sleep(3)
    d.stop()
    with open(d.journal, "rb") as f:
        good = f.read()
    wrong = os.path.join(work, "wrong.db")
    db = sqlite3.connect(wrong)
    db.executescript("CREATE TABLE readings(id INTEGER PRIMARY KEY, body TEXT);"
                     "CREATE TABLE meta(key TEXT PRIMARY KEY, value);"
                     "INSERT INTO meta VALUES('schema_version', 99);"
                     "INSERT INTO readings(body) VALUES('not a cityedge journal');")
    db.close()
    with open(wrong, "rb") as f:
        wrong_bytes = f.read()
    rnd = random.Random(7)
    corpus = {
        "truncated": good[:len(good) // 3 + 100],
        "garbage header": bytes(rnd.getrandbits(8) for _ in range(100)) + good[100:],
        "wrong schema": wrong_bytes,
    }
    # A foreign table named like the pre-split layout's `events`: not migrated,
    # set aside like the others.
    legacy = os.path.join(work, "legacy.db")
    db = sqlite3.connect(legacy)
    db.executescript("CREATE TABLE events(id INTEGER PRIMARY KEY, body TEXT);"
                     "INSERT INTO events(body) VALUES('not a cityedge journal');")
    db.close()
    with open(legacy, "rb") as f:
        corpus["foreign events table"] = f.read()
    return corpus


def corrupt_journal(cleanup):
    """A corrupt journal at start: it is quarantined, a fresh journal starts,
    the daemon runs (no crash loop) and events flow."""
    work = chaos.workdir("corrupt")
    broker, sub = start_platform(cleanup, work)
    corpus = make_journal_corpus(work, broker)
    rows = []
    for i, (kind, content) in enumerate(corpus.items()):
        gw_dir = os.path.join(work, f"case{i}")
        os.makedirs(gw_dir)
        d = new_daemon(cleanup, gw_dir, broker, rows=1500, rate=500, gateway=f"gw-corrupt-{i}")
        with open(d.journal, "wb") as f:
            f.write(content)
        d.start()
        started = time.monotonic()
        got = chaos.wait_until(lambda: len(chaos.seq_set([sub.summary()], d.gateway)) > 0, 30)
        check(got, f"{kind}: no event arrived from the fresh journal\n{d.log_tail()}")
        recover = time.monotonic() - started
        drained = chaos.wait_drained([sub], [d], 60)
        check(drained is not None, f"{kind}: events did not all arrive\n{d.log_tail()}")
        check(d.alive() and d.starts == 1, f"{kind}: cityedged did not stay up\n{d.log_tail()}")
        committed = d.hwm()
        check(d.stop() == 0, f"{kind}: cityedged did not exit 0")
        quarantined = [n for n in os.listdir(gw_dir) if n.startswith("journal.corrupt.")]
        f = chaos.figures([sub.summary()], d.gateway, committed)
        rows.append((row(f"corrupt journal: {kind}", 1, f, 0, "-", recover), quarantined, f))
    sub.stop()
    chaos.print_table([r for r, _, _ in rows],
                      [f"{r['scenario']}: quarantined as {q}" for r, q, _ in rows])
    for r, q, f in rows:
        require_no_loss(f, r["scenario"])
        check(q, f"{r['scenario']}: no journal.corrupt.* file beside the journal")


def nsexec(ns, *cmd, check_rc=True):
    r = subprocess.run(["ip", "netns", "exec", ns, *cmd], capture_output=True, text=True)
    if check_rc and r.returncode != 0:
        raise chaos.ScenarioFailed(f"{' '.join(cmd)} in {ns}: {r.stderr.strip()}")
    return r


def make_netns_pair(cleanup):
    """Two namespaces joined by a veth pair: the broker and platform on one
    side (10.254.254.1), the gateway on the other (10.254.254.2). Traffic
    never leaves them."""
    tag = f"{os.getpid() % 100000}"
    b, g = f"ce-brk-{tag}", f"ce-gw-{tag}"
    r = subprocess.run(["ip", "netns", "add", b], capture_output=True, text=True)
    if r.returncode != 0:
        raise chaos.SkipScenario(f"cannot create a network namespace ({r.stderr.strip()}); needs root")
    cleanup.append(lambda: subprocess.run(["ip", "netns", "del", b]))
    subprocess.run(["ip", "netns", "add", g], check=True)
    cleanup.append(lambda: subprocess.run(["ip", "netns", "del", g]))
    if shutil.which("nft") is None:
        raise chaos.SkipScenario("nft is missing (scripts/install-deps.sh installs nftables)")
    vb, vg = f"vb{tag}", f"vg{tag}"
    subprocess.run(["ip", "link", "add", vb, "netns", b, "type", "veth", "peer", "name", vg,
                    "netns", g], check=True)
    for ns, dev, addr in ((b, vb, "10.254.254.1/30"), (g, vg, "10.254.254.2/30")):
        nsexec(ns, "ip", "addr", "add", addr, "dev", dev)
        nsexec(ns, "ip", "link", "set", dev, "up")
        nsexec(ns, "ip", "link", "set", "lo", "up")
    nsexec(g, "nft", "add", "table", "inet", "chaos")
    for hook in ("input", "output"):
        nsexec(g, "nft", "add", "chain", "inet", "chaos", hook,
               f"{{ type filter hook {hook} priority 0; policy accept; }}")
    return b, g


def set_partition(ns, on):
    """Silently drops every packet to and from the broker side (no RST, no ICMP)."""
    if on:
        nsexec(ns, "nft", "add", "rule", "inet", "chaos", "input", "ip", "saddr", "10.254.254.1", "drop")
        nsexec(ns, "nft", "add", "rule", "inet", "chaos", "output", "ip", "daddr", "10.254.254.1", "drop")
    else:
        nsexec(ns, "nft", "flush", "chain", "inet", "chaos", "input")
        nsexec(ns, "nft", "flush", "chain", "inet", "chaos", "output")


def offline_seen(summary, gateway):
    return (summary or {}).get("states", {}).get(gateway, {}).get("status") == "offline"


def partition(cleanup):
    """A silent partition while publishing (detected by keepalive, nothing lost),
    then a link flapping 5 s up / 5 s down: no fd or RSS growth."""
    cycles = 100 if LONG else 3
    b, g = make_netns_pair(cleanup)
    work = chaos.workdir("partition")
    broker, sub = start_platform(cleanup, work, host="10.254.254.1", netns=b)
    rate = 300
    rows = rate * (20 + cycles * 10)
    # Under AddressSanitizer freed memory waits in a quarantine (256 MB by
    # default) and would read as growth: keep it small so RSS means something.
    asan = os.environ.get("ASAN_OPTIONS", "")
    daemon = new_daemon(cleanup, work, broker, rows=rows, rate=rate, netns=g,
                        broker_host="10.254.254.1", keepalive="2s",
                        env={"ASAN_OPTIONS": f"{asan}:quarantine_size_mb=1:thread_local_quarantine_size_kb=64"})
    daemon.start()
    check(chaos.wait_until(lambda: chaos.seq_set([sub.summary()], daemon.gateway), 20),
          f"nothing arrived before the partition\n{daemon.log_tail()}")
    time.sleep(2)
    set_partition(g, True)
    cut = time.monotonic()
    # The broker notices a silent peer after 1.5 keepalives and publishes its will.
    detected = chaos.wait_until(lambda: offline_seen(sub.summary(), daemon.gateway), 30, 0.1)
    detect_s = time.monotonic() - cut if detected else None
    time.sleep(max(0, 8 - (time.monotonic() - cut)))
    set_partition(g, False)
    healed = time.monotonic()
    check(chaos.wait_until(lambda: not offline_seen(sub.summary(), daemon.gateway), 30, 0.2),
          f"the gateway did not come back online after the partition\n{daemon.log_tail()}")
    recover_s = time.monotonic() - healed
    fds, rss = [], []
    for i in range(cycles):
        time.sleep(5)
        fds.append(daemon.fd_count())
        rss.append(daemon.rss_kib())
        set_partition(g, True)
        time.sleep(5)
        set_partition(g, False)
        check(daemon.alive(), f"cityedged died during flap {i}\n{daemon.log_tail()}")
    time.sleep(5)
    fds.append(daemon.fd_count())
    rss.append(daemon.rss_kib())
    drained = chaos.wait_drained([sub], [daemon], 120)
    check(drained is not None, f"backlog did not drain after the flapping\n{daemon.log_tail()}")
    committed = daemon.hwm()
    daemon.stop()
    summary = sub.stop()
    f = chaos.figures([summary], daemon.gateway, committed)
    dup = chaos.duplicates([summary])
    bound = (cycles + 1) * 2 * INFLIGHT_WINDOW * MAX_BATCH_EVENTS
    chaos.print_table(
        [row(f"partition + {cycles} flaps", 1, f, dup, bound, recover_s)],
        [f"time to detect the silent partition (broker's will seen): "
         f"{'not seen' if detect_s is None else f'{detect_s:.1f}s'} (keepalive 2s)",
         f"fds at each up phase: {fds}",
         f"RSS KiB at each up phase: " +
         (f"{rss}" if len(rss) <= 10 else f"first {rss[0]}, last {rss[-1]}, max {max(rss)}")])
    check(detect_s is not None, "the partition was never detected (no offline state)")
    require_no_loss(f, "partition")
    check(dup <= bound, f"{dup} duplicates exceed the bound {bound}")
    check(max(fds[1:]) <= fds[0] + 2, f"file descriptors grow across flaps: {fds}")
    # Steady state after the first cycle: later cycles must not keep adding memory.
    check(rss[-1] <= rss[1] + 4096, f"RSS grows across flaps: {rss} KiB")


def find_libfaketime():
    for path in ("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                 "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
                 "/usr/lib/faketime/libfaketime.so.1"):
        if os.path.exists(path):
            return path
    return None


def clock_jump(cleanup):
    """The wall clock jumps by +-1 day and +-10 years while the daemon runs
    (the monotonic clock does not, as with a bad RTC or an NTP step): events
    keep flowing through every jump and nothing is lost."""
    if chaos.EMULATOR:
        raise chaos.SkipScenario("under qemu-user the daemon's clock reads are emulated "
                                 "syscalls, which libfaketime cannot shift")
    lib = find_libfaketime()
    if lib is None:
        raise chaos.SkipScenario("libfaketime is missing (scripts/install-deps.sh installs faketime)")
    work = chaos.workdir("clock")
    broker, sub = start_platform(cleanup, work)
    offset_file = os.path.join(work, "faketime.rc")
    with open(offset_file, "w") as f:
        f.write("+0\n")
    jumps = ["+1d", "-1d", "+10y", "-10y", "+0"] * (4 if LONG else 1)
    rate = 300
    env = {"LD_PRELOAD": lib, "FAKETIME_TIMESTAMP_FILE": offset_file, "FAKETIME_NO_CACHE": "1",
           "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    daemon = new_daemon(cleanup, work, broker, rows=rate * (10 + 4 * len(jumps)), rate=rate, env=env)
    daemon.start()
    check(chaos.wait_until(lambda: chaos.seq_set([sub.summary()], daemon.gateway), 20),
          f"nothing arrived before the first jump\n{daemon.log_tail()}")
    stalls = []
    for jump in jumps:
        before = len(chaos.seq_set([sub.summary()], daemon.gateway))
        with open(offset_file, "w") as f:
            f.write(f"{jump}\n")
        t = time.monotonic()
        moved = chaos.wait_until(
            lambda: len(chaos.seq_set([sub.summary()], daemon.gateway)) > before + rate, 20, 0.1)
        check(moved, f"events stalled after the clock jump {jump}\n{daemon.log_tail()}")
        stalls.append((jump, time.monotonic() - t))
        time.sleep(1.5)
    drained = chaos.wait_drained([sub], [daemon], 60)
    check(drained is not None, f"backlog did not drain\n{daemon.log_tail()}")
    committed = daemon.hwm()
    check(daemon.alive(), "cityedged exited")
    daemon.stop()
    summary = sub.stop()
    f = chaos.figures([summary], daemon.gateway, committed)
    dup = chaos.duplicates([summary])
    chaos.print_table([row(f"clock jumps x{len(jumps)}", 1, f, dup, 0, max(s for _, s in stalls))],
                      ["seconds until events flowed again after each jump: " +
                       ", ".join(f"{j} {s:.1f}s" for j, s in stalls)])
    require_no_loss(f, "clock jumps")
    check(dup == 0, f"{dup} duplicates with the connection never lost")


CAMERA = "cam-loss"


def camera_frames(work):
    """A folder of JPEG frames for the MJPEG server: the test media's
    messi5.jpg (the tests' python3 has no JPEG encoder, and vtest.avi is DivX,
    not MJPEG)."""
    source = os.path.join(chaos.MEDIA_DIR, "messi5.jpg")
    if not os.path.exists(source):
        raise chaos.SkipScenario(f"{source} is missing (scripts/install-deps.sh fetches it)")
    frames = os.path.join(work, "frames")
    os.makedirs(frames)
    shutil.copy(source, os.path.join(frames, "frame0.jpg"))
    return frames


def camera_driver(url, instance=CAMERA):
    """A camera instance with short timeouts: a lost stream is retried every
    0.1-0.5 s, and a stream that stays silent counts as stalled after 1 s."""
    return f"""  - id: {instance}
    type: camera
    publish: false
    settings:
      source: {url}
      open_timeout: 1s
      read_timeout: 1s
      stall_timeout: 1s
      backoff_initial: 100ms
      backoff_max: 500ms
      metrics_interval: 0s
"""


def state_changes(summary, instance):
    """The instance's DriverStatus states as the platform received them, in
    capture order, with a repeated state (a new reason for it) folded into the
    first: [[state, capture unix s, receive unix s, events], ...]."""
    changes = []
    statuses = sorted((s for s in (summary or {}).get("driver_states", []) if s[0] == instance),
                      key=lambda s: s[2])
    for _, state, captured, received, *_ in statuses:
        if changes and changes[-1][0] == state:
            changes[-1][3] += 1
        else:
            changes.append([state, captured, received, 1])
    return changes


def camera_loss(cleanup):
    """The camera's MJPEG server is killed (SIGKILL) and restarted, again and
    again, while the replay load runs: each loss reaches the platform as one
    offline change and each return as one online change, the daemon stays up
    without fd or thread growth, and the load loses nothing."""
    cycles = 20 if LONG else 3
    rate = 200
    work = chaos.workdir("camera-loss")
    camera = chaos.MjpegServer(work, camera_frames(work))
    broker, sub = start_platform(cleanup, work)
    camera.start()
    cleanup.append(camera.kill9)
    daemon = new_daemon(cleanup, work, broker, rows=rate * (8 + 3 * cycles), rate=rate,
                        extra_drivers=camera_driver(camera.url))
    daemon.start()

    def changes_to(state, n):
        """The n-th change of the camera to `state` once the platform has it."""
        to = [c for c in state_changes(sub.summary(), CAMERA) if c[0] == state]
        return to[n - 1] if len(to) >= n else None

    check(chaos.wait_until(lambda: changes_to("online", 1), 30, 0.1),
          f"the camera never reported online\n{daemon.log_tail()}")
    detects, recovers, fds, threads = [], [], [], []
    for i in range(1, cycles + 1):
        killed = time.time()
        camera.kill9()
        offline = chaos.wait_until(lambda: changes_to("offline", i), 30, 0.1)
        check(offline, f"cycle {i}: no offline state within 30s of the kill\n{daemon.log_tail()}")
        detects.append(offline[2] - killed)
        check(daemon.alive(), f"cityedged exited in cycle {i}\n{daemon.log_tail()}")
        restarted = time.time()
        camera.start()
        online = chaos.wait_until(lambda: changes_to("online", i + 1), 30, 0.1)
        check(online, f"cycle {i}: no online state within 30s of the restart\n{daemon.log_tail()}")
        recovers.append(online[2] - restarted)
        check(daemon.alive(), f"cityedged exited in cycle {i}\n{daemon.log_tail()}")
        time.sleep(1)  # frames flow again before fds and threads are counted
        fds.append(daemon.fd_count())
        threads.append(daemon.thread_count())
    drained = chaos.wait_drained([sub], [daemon], 120)
    check(drained is not None, f"the load did not finish draining\n{daemon.log_tail()}")
    check(daemon.alive(), f"cityedged exited\n{daemon.log_tail()}")
    committed = daemon.hwm()
    daemon.stop()
    summary = sub.stop()
    f = chaos.figures([summary], daemon.gateway, committed)
    dup = chaos.duplicates([summary])
    changes = [c for c in state_changes(summary, CAMERA) if c[0] in ("online", "offline")]
    online = sum(1 for c in changes if c[0] == "online")
    offline = sum(1 for c in changes if c[0] == "offline")
    offline_events = sum(c[3] for c in changes if c[0] == "offline")
    chaos.print_table(
        [row(f"camera loss x{cycles}", 1, f, dup, 0, max(recovers))],
        [f"time to detect (kill -> offline at the platform): median "
         f"{statistics.median(detects):.2f}s, max {max(detects):.2f}s",
         f"time to recover (server restart -> online at the platform): median "
         f"{statistics.median(recovers):.2f}s, max {max(recovers):.2f}s",
         f"camera state changes at the platform: {online} online, {offline} offline "
         f"({offline_events} offline events: a new reason, e.g. cannot open, is one more)",
         f"daemon fds after each cycle: {fds}",
         f"daemon threads after each cycle: {threads}"])
    check(online == cycles + 1 and offline == cycles,
          f"expected {cycles + 1} online and {cycles} offline changes, got {online} and "
          f"{offline}: {changes}")
    require_no_loss(f, "camera loss")
    check(f["gap_recorded"] == 0, f"gap records declare {f['gap_recorded']} events lost: "
                                  f"{f['gap_ranges']}")
    check(dup == 0, f"{dup} duplicates with the connection never lost")
    # Compared with the end of the first cycle, so one-time lazy initialisation
    # inside the capture backend does not count as growth.
    check(fds[-1] <= fds[0], f"file descriptors grow across camera losses: {fds}")
    check(threads[-1] <= threads[0], f"threads grow across camera losses: {threads}")


VISION_CAMERA = "cam-vision"
VISION_WORKER = f"vision-{VISION_CAMERA}"  # vision/plan.hpp: "vision-<first driver id>"


def camera_statuses(summary, state=None, after=0.0, before=float("inf")):
    """The camera's DriverStatus events at the platform captured in [after,
    before), in capture order: [instance, state, capture s, receive s, reason]."""
    return sorted((s for s in (summary or {}).get("driver_states", [])
                   if s[0] == VISION_CAMERA and (state is None or s[1] == state)
                   and after <= s[2] < before), key=lambda s: s[2])


def worker_losses(statuses):
    """The offline statuses that report a loss of the vision worker (the
    supervisor's reason), not one of the camera's own (a stalled stream)."""
    return [s for s in statuses if s[1] == "offline" and s[4].startswith("vision worker ")]


def announced_backoff_s(reason):
    """The backoff a loss's reason announces ("...; restarting in 870 ms")."""
    tail = reason.rsplit("restarting in ", 1)
    return int(tail[1].split()[0]) / 1000 if len(tail) == 2 else 0.0


def live_workers(daemon):
    return [pid for pid, state, cmd in daemon.children()
            if state != "Z" and "cityedge-vision" in cmd]


def zombie_children(daemon):
    return [(pid, cmd) for pid, state, cmd in daemon.children() if state == "Z"]


def readings_received(summary, gateway, source):
    return (summary or {}).get("by_source", {}).get(gateway, {}).get(source, {}).get("reading", 0)


def vision_crash(cleanup):
    """The vision worker (a camera and its people_count pipeline) is killed
    with SIGSEGV and SIGKILL in turn, then fed corrupt JPEG frames, while two
    replay drivers in the core publish 1,000 events/s in all. The core is never
    restarted and loses nothing; each loss reaches the platform as exactly one
    offline and one online status of the camera; no zombie is left; the core's
    fds and threads are the same after as before."""
    kills = 20 if LONG else 4
    corrupt_s = 30 if LONG else 10
    rate = 500  # per replay driver: 1,000 events/s in all
    # The supervisor doubles its backoff per loss (1 s up to 60 s, a quarter
    # of jitter off): the replay lasts the kills' backoffs plus a margin.
    backoffs = sum(min(2 ** i, 60) for i in range(kills))
    seconds = 20 + backoffs + 4 * kills + 2 * corrupt_s
    work = chaos.workdir("vision-crash")
    camera = chaos.MjpegServer(work, camera_frames(work))
    broker, sub = start_platform(cleanup, work)
    camera.start()
    cleanup.append(camera.kill9)
    readings2 = os.path.join(work, "load2.csv")
    chaos.write_readings(readings2, rate * seconds)
    extra_drivers = camera_driver(camera.url, VISION_CAMERA) + f"""  - id: load2
    type: replay
    publish: true
    settings:
      path: {readings2}
      rate: {rate}
      loop: false
"""
    pipelines = f"""  - id: people
    type: people_count
    inputs: [{VISION_CAMERA}]
    settings:
      interval: 1s
"""
    # Under AddressSanitizer the worker (which inherits the daemon's
    # environment) leaves SIGSEGV to the kernel, as a production build does,
    # instead of reporting it and exiting 1.
    asan = os.environ.get("ASAN_OPTIONS", "")
    daemon = new_daemon(cleanup, work, broker, rows=rate * seconds, rate=rate,
                        extra_drivers=extra_drivers, extra_pipelines=pipelines,
                        env={"ASAN_OPTIONS": f"{asan}:handle_segv=0"})
    daemon.start()
    core_pid = daemon.proc.pid
    gw = daemon.gateway

    def core_log():
        """The daemon's log without the decoder's complaints about corrupt frames."""
        return "".join(line for line in daemon.log_tail(200_000).splitlines(keepends=True)
                       if not line.startswith("[mjpeg @"))[-3000:]

    def count(state, after=0.0):
        return len(camera_statuses(sub.summary(), state, after))

    def core_up(what):
        check(daemon.alive() and daemon.proc.pid == core_pid,
              f"cityedged exited {what}\n{core_log()}")

    check(chaos.wait_until(lambda: count("online") >= 1 and live_workers(daemon), 120, 0.1),
          f"the camera never reported online from its worker\n{core_log()}")
    # The kills are counted from the camera's first online status on; a
    # worker lost before it (failing to start) is reported, not a kill.
    first_online = camera_statuses(sub.summary(), "online")[0][2]
    time.sleep(2)  # the pipeline has frames, the uplink is in its steady state
    fds_before, threads_before = daemon.fd_count(), daemon.thread_count()
    restarts, overheads, detects, fds, threads, signals = [], [], [], [], [], []
    for i in range(kills):
        workers = live_workers(daemon)
        check(len(workers) == 1, f"kill {i + 1}: expected one vision worker, found {workers}")
        sig = signal.SIGSEGV if i % 2 == 0 else signal.SIGKILL
        offline0, online0 = count("offline"), count("online")
        killed = time.time()
        os.kill(workers[0], sig)
        signals.append(sig.name)
        back = chaos.wait_until(
            lambda: count("offline") > offline0 and count("online") > online0
            and (set(live_workers(daemon)) - set(workers)), 60 + min(2 ** i, 60), 0.1)
        check(back, f"kill {i + 1} ({sig.name}): the camera did not come back online "
                    f"within the backoff and 60 s\n{core_log()}")
        core_up(f"after kill {i + 1}")
        statuses = camera_statuses(sub.summary(), after=killed)
        loss = worker_losses(statuses)[-1]
        online = [s for s in statuses if s[1] == "online"][-1]
        restarts.append(online[3] - killed)
        detects.append(loss[3] - killed)
        overheads.append(online[3] - killed - announced_backoff_s(loss[4]))
        check(f"killed by {sig.name}" in loss[4],
              f"kill {i + 1}: the loss is reported as '{loss[4]}', not as {sig.name}")
        # The old worker was reaped before the loss was reported.
        check(not zombie_children(daemon), f"kill {i + 1}: zombie children of the core: "
                                           f"{zombie_children(daemon)}")
        time.sleep(random.uniform(0.5, 1.5))
        fds.append(daemon.fd_count())
        threads.append(daemon.thread_count())
    kills_end = time.time()

    # Corrupt frames: the decoder in the worker meets random bytes, cut-short
    # and smashed JPEGs and absurd frame sizes. The worker may survive (the
    # camera then reports its own offline, a stall) or die and be restarted;
    # either way the core goes on and the camera is back once frames are good.
    worker_before = live_workers(daemon)
    camera.corrupt(True)
    corrupt_from = time.time()
    pids_seen = set(worker_before)
    end = time.monotonic() + corrupt_s
    while time.monotonic() < end:
        pids_seen.update(live_workers(daemon))
        core_up("while its worker was fed corrupt frames")
        time.sleep(0.2)
    camera.corrupt(False)
    good_again = time.time()
    time.sleep(2)  # a stall the corrupt frames caused has been reported by now

    def back_online():
        s = camera_statuses(sub.summary())
        return s and s[-1][1] == "online" and live_workers(daemon)
    check(chaos.wait_until(back_online, 120, 0.2),
          f"the camera did not come back online after the corrupt frames\n{core_log()}")
    corrupt_recover = camera_statuses(sub.summary())[-1][3] - good_again
    time.sleep(2)
    core_up("after the corrupt frames")
    check(not zombie_children(daemon), f"zombie children of the core: {zombie_children(daemon)}")
    workers = live_workers(daemon)
    check(len(workers) == 1, f"expected one vision worker after the run, found {workers}")
    fds_after, threads_after = daemon.fd_count(), daemon.thread_count()
    metrics = daemon.cli("metrics")
    restarts_total = [int(float(line.rsplit(" ", 1)[1])) for line in metrics.splitlines()
                      if line.startswith("cityedge_vision_worker_restarts_total{")
                      and f'worker="{VISION_WORKER}"' in line]

    # Every reading the two replay drivers played reaches the platform.
    rows = rate * seconds
    check(chaos.wait_until(
        lambda: all(readings_received(sub.summary(), gw, src) >= rows for src in ("load", "load2")),
        seconds + 120, 0.5), f"the replay drivers' readings did not all arrive "
                             f"({readings_received(sub.summary(), gw, 'load')}, "
                             f"{readings_received(sub.summary(), gw, 'load2')} of {rows} each)")
    # The camera's pipeline keeps adding events: every seq up to this mark.
    committed = daemon.hwm()
    check(chaos.wait_until(lambda: chaos.covered([sub.summary()], gw, committed), 120, 0.5),
          f"the journal's events up to seq {committed} did not all arrive\n{core_log()}")
    core_up("before its stop")
    check(daemon.stop() == 0, f"cityedged did not exit 0 on SIGTERM\n{core_log()}")
    summary = sub.stop()
    f = chaos.figures([summary], gw, committed)
    dup = chaos.duplicates([summary])
    readers_lost = sum(rows - readings_received(summary, gw, src) for src in ("load", "load2"))

    kill_phase = camera_statuses(summary, after=first_online, before=kills_end)
    startup_losses = worker_losses(camera_statuses(summary, before=first_online))
    offline = [s for s in kill_phase if s[1] == "offline"]
    online = [s for s in kill_phase if s[1] == "online"]
    corrupt_phase = camera_statuses(summary, after=kills_end)
    corrupt_losses = worker_losses(corrupt_phase)
    survived = len(pids_seen) == 1 and set(workers) == set(worker_before)
    chaos.print_table(
        [row(f"vision worker kill x{kills}", 1, f, dup, 0, max(restarts))],
        [f"kills: {kills} ({signals.count('SIGSEGV')} SIGSEGV, {signals.count('SIGKILL')} "
         f"SIGKILL); core pid {core_pid} throughout, never restarted",
         f"kill -> offline at the platform: median {statistics.median(detects):.2f}s, "
         f"max {max(detects):.2f}s",
         f"kill -> online at the platform: median {statistics.median(restarts):.2f}s, max "
         f"{max(restarts):.2f}s (of which announced backoff; the rest, spawn + sandbox + "
         f"stream open: median {statistics.median(overheads):.2f}s, max {max(overheads):.2f}s)",
         f"reading-driver events: {2 * rows} played by load and load2, "
         f"{2 * rows - readers_lost} received, lost {readers_lost}",
         f"camera statuses during the kills: {len(offline)} offline "
         f"({len(worker_losses(offline))} worker losses), {len(online)} online "
         f"(1 at start + 1 per kill)",
         f"corrupt frames {corrupt_s}s: worker {'survived (same pid)' if survived else 'restarted'}"
         f" ({len(pids_seen)} worker pids seen), {len(corrupt_losses)} worker losses, "
         f"{sum(1 for s in corrupt_phase if s[1] == 'offline')} camera offline, "
         f"{sum(1 for s in corrupt_phase if s[1] == 'online')} online; "
         + (f"back online {corrupt_recover:.1f}s after good frames" if corrupt_recover >= 0
            else "online throughout"),
         f"worker losses before the camera's first online status: {len(startup_losses)}"
         + "".join(f"; {s[4]}" for s in startup_losses),
         f"worker restarts (cityedge metrics): {restarts_total}",
         f"core fds before/after: {fds_before}/{fds_after}, after each kill: {fds}",
         f"core threads before/after: {threads_before}/{threads_after}, after each kill: "
         f"{threads}",
         "zombie children of the core: none after any kill or at the end"])
    require_no_loss(f, "vision worker kills")
    check(readers_lost == 0, f"{readers_lost} readings of the replay drivers never arrived")
    check(f["gap_recorded"] == 0, f"gap records declare {f['gap_recorded']} events lost: "
                                  f"{f['gap_ranges']}")
    check(dup == 0, f"{dup} duplicates with the connection never lost")
    check(len(offline) == kills and len(worker_losses(offline)) == kills,
          f"expected {kills} offline statuses of the camera, one per kill, got {len(offline)}: "
          f"{[(s[1], s[4]) for s in offline]}")
    check(len(online) == kills + 1,
          f"expected {kills + 1} online statuses (start + one per kill), got {len(online)}")
    check(restarts_total == [kills + len(corrupt_losses) + len(startup_losses)],
          f"the supervisor counts {restarts_total} restarts for {kills} kills, "
          f"{len(corrupt_losses)} losses to corrupt frames and {len(startup_losses)} at start")
    check(fds_after <= fds_before, f"core fds grow across worker losses: {fds_before} before, "
                                   f"{fds_after} after, {fds} after each kill")
    check(threads_after <= threads_before,
          f"core threads grow across worker losses: {threads_before} before, {threads_after} "
          f"after, {threads} after each kill")


SCENARIOS = {
    "kill9": kill9,
    "broker_down": broker_down,
    "fleet": fleet,
    "tmpfs_full": tmpfs_full,
    "corrupt_journal": corrupt_journal,
    "partition": partition,
    "clock_jump": clock_jump,
    "camera_loss": camera_loss,
    "vision_crash": vision_crash,
}

if __name__ == "__main__":
    sys.exit(chaos.main(SCENARIOS))
