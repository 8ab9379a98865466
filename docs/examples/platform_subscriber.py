#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A minimal city-platform consumer of CityEdge gateways.

Subscribes to every gateway under a topic prefix, decodes the protobuf
EventBatch payloads, drops duplicates by (gateway id, seq), reports gap records
and prints alarms as they arrive. Start from this when integrating a platform.

    python3 platform_subscriber.py --broker 127.0.0.1:1883 --prefix cityedge

The Python classes come from proto/cityedge/v1/*.proto:
    protoc -I proto --python_out=OUT proto/cityedge/v1/*.proto
then put OUT on PYTHONPATH (or pass --proto-path OUT).
Needs python3-paho-mqtt and python3-protobuf (Debian 12 packages).
"""
import argparse
import collections
import json
import os
import signal
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--broker", default="127.0.0.1:1883", help="host:port of the MQTT broker")
    p.add_argument("--prefix", default="cityedge", help="topic prefix of the gateways")
    p.add_argument("--proto-path", help="folder holding cityedge/v1/*_pb2.py")
    p.add_argument("--quiet", action="store_true", help="print only alarms, gaps and the summary")
    p.add_argument("--show", default="alarm,detection,telemetry,health,gap",
                   help="comma-separated event classes to print (all are counted)")
    p.add_argument("--classes", default="",
                   help="comma-separated event classes to subscribe to, e.g. alarm (default: every "
                        "class); an alarm-only consumer on a session of its own never waits for "
                        "telemetry queued at the broker")
    p.add_argument("--duration", type=float, default=0, help="stop after this many seconds (0: run until Ctrl-C)")
    p.add_argument("--summary-json",
                   help="write the summary to this file as JSON (at the end and at every running summary)")
    p.add_argument("--summary-every", type=float, default=10, help="print a running summary every N seconds (0: never)")
    p.add_argument("--client-id", help="MQTT client id (default: platform-example-<pid>)")
    p.add_argument("--share", metavar="GROUP",
                   help="consume events through the MQTT 5 shared subscription $share/GROUP/...: "
                        "the broker spreads the gateways' batches over every consumer of GROUP")
    p.add_argument("--session-expiry", type=int, default=0,
                   help="keep the session (and queued QoS 1 batches) this many seconds while "
                        "disconnected (0: a clean session on every connect)")
    p.add_argument("--reconnect-max", type=float, default=10,
                   help="longest wait in seconds between reconnect attempts after the broker went "
                        "away (they start at 1 s and double up to this)")
    return p.parse_args()


args = parse_args()
if args.proto_path:
    sys.path.insert(0, args.proto_path)

import paho.mqtt.client as mqtt  # noqa: E402
from cityedge.v1 import event_pb2  # noqa: E402

CLASS_NAMES = {
    event_pb2.PRIORITY_CLASS_ALARM: "alarm",
    event_pb2.PRIORITY_CLASS_DETECTION: "detection",
    event_pb2.PRIORITY_CLASS_HEALTH: "health",
    event_pb2.PRIORITY_CLASS_GAP: "gap",
    event_pb2.PRIORITY_CLASS_TELEMETRY: "telemetry",
}


class Platform:
    """Dedup, gap accounting and counters; one instance per subscriber."""

    def __init__(self):
        self.seen = collections.defaultdict(set)       # gateway -> seqs
        self.events = collections.Counter()            # topic class -> unique events
        self.bodies = collections.Counter()            # body kind -> unique events
        self.sources = collections.defaultdict(        # gateway -> source -> body kind -> unique events
            lambda: collections.defaultdict(collections.Counter))
        self.duplicates = 0
        self.historical = 0
        self.lost = 0                                  # counted in gap records
        self.gap_counts = {}                           # (gateway, seq) -> count of that gap record
        self.states = {}                               # gateway -> last GatewayState dict
        self.alarms = []
        self.received = 0                              # events, duplicates included
        self.gaps = []                                 # [gateway, seq, first_seq, last_seq, count]
        self.alarm_times = []                          # [capture unix s, receive unix s, historical]
        self.driver_states = []                        # [instance, state, capture unix s, receive unix s, reason]

    def on_batch(self, topic_class, batch):
        fresh = []
        for ev in batch.events:
            self.received += 1
            if ev.HasField("gap_record"):
                self.count_gap(batch.gateway_id, ev)
            if ev.seq in self.seen[batch.gateway_id]:
                self.duplicates += 1
                continue
            self.seen[batch.gateway_id].add(ev.seq)
            fresh.append(ev)
            self.events[topic_class] += 1
            self.bodies[ev.WhichOneof("body") or "none"] += 1
            self.sources[batch.gateway_id][ev.source][ev.WhichOneof("body") or "none"] += 1
            if batch.historical:
                self.historical += 1
        return fresh

    def count_gap(self, gateway, ev):
        # The gateway merges new losses into a queued gap record, so a gap
        # record resent after a lost PUBACK can carry the same seq with a
        # larger count: count the growth, not the duplicate.
        key = (gateway, ev.seq)
        before = self.gap_counts.get(key, 0)
        if ev.gap_record.count > before:
            self.lost += ev.gap_record.count - before
            self.gap_counts[key] = ev.gap_record.count
            self.gaps.append([gateway, ev.seq, ev.gap_record.first_seq, ev.gap_record.last_seq,
                              ev.gap_record.count])

    def summary(self):
        return {
            "gateways": sorted(self.seen),
            "unique_events": sum(self.events.values()),
            "by_class": dict(self.events),
            "by_body": dict(self.bodies),
            "by_source": {gw: {src: dict(b) for src, b in by.items()}
                          for gw, by in self.sources.items()},
            "duplicates": self.duplicates,
            "historical": self.historical,
            "gap_lost": self.lost,
            "alarms": len(self.alarms),
            "states": self.states,
            "received_events": self.received,
            "seq_ranges": {gw: ranges(seqs) for gw, seqs in self.seen.items()},
            "gaps": self.gaps,
            "alarm_times": self.alarm_times,
            "driver_states": self.driver_states,
        }


def ranges(seqs):
    """Sorted seqs as [[first, last], ...] runs."""
    out = []
    for seq in sorted(seqs):
        if out and seq == out[-1][1] + 1:
            out[-1][1] = seq
        else:
            out.append([seq, seq])
    return out


def write_summary(path, summary):
    # Written whole then renamed, so a reader never sees half a file.
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump(summary, f, indent=1)
    os.replace(tmp, path)


def when(ev):
    t = ev.capture_time.wall_unix_ns / 1e9
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(t))


def describe(ev):
    kind = ev.WhichOneof("body")
    if kind is None:
        return "event with a body these classes do not know (newer v1 schema?)"
    b = getattr(ev, kind)
    if kind == "reading":
        return f"{b.channel}={b.value:.2f} {b.unit}"
    if kind == "threshold_alert":
        state = event_pb2.AlertState.Name(b.state).split("_")[-1].lower()
        k = event_pb2.ThresholdAlert.Kind.Name(b.kind).split("_")[-1].lower()
        return f"{b.channel} {k} {state}: {b.value:.2f} vs limit {b.limit:.2f} {b.unit}"
    if kind == "flood_alert":
        state = event_pb2.AlertState.Name(b.state).split("_")[-1].lower()
        level = event_pb2.FloodLevel.Name(b.level).split("_")[-1].lower()
        if b.kind == event_pb2.FloodAlert.KIND_LEVEL:
            if b.state == event_pb2.ALERT_STATE_CLEARED:
                before = event_pb2.FloodLevel.Name(b.previous_level).split("_")[-1].lower()
                return f"flood warning {before} cleared (now {level}): water {b.water_level_m:.2f} m"
            return f"flood warning {level} raised: water {b.water_level_m:.2f} m"
        if b.kind == event_pb2.FloodAlert.KIND_RATE_OF_RISE:
            return (f"flood early warning {state}: rising {b.rate_of_rise_m_per_h:.2f} m/h, "
                    f"water {b.water_level_m:.2f} m")
        return f"flood gauge fault {state}: {b.detail}"
    if kind == "rainstorm_alert":
        state = event_pb2.AlertState.Name(b.state).split("_")[-1].lower()
        signal = event_pb2.RainstormSignal.Name(b.signal).split("_")[-1].lower()
        rain = f"{b.totals.last_1h_mm:.1f} mm in 1 h, {b.totals.last_3h_mm:.1f} mm in 3 h"
        if b.kind == event_pb2.RainstormAlert.KIND_SIGNAL:
            if b.state == event_pb2.ALERT_STATE_CLEARED:
                before = event_pb2.RainstormSignal.Name(b.previous_signal).split("_")[-1].lower()
                return f"rainstorm signal {before} cleared (now {signal}): {rain}"
            return f"rainstorm signal {signal} raised: {rain}"
        return f"rain gauge fault {state}: {b.detail}"
    if kind == "rainfall_summary":
        t = b.totals
        return (f"rain {t.last_1h_mm:.1f}/{t.last_3h_mm:.1f}/{t.last_6h_mm:.1f}/{t.last_12h_mm:.1f}/"
                f"{t.last_24h_mm:.1f} mm in 1/3/6/12/24 h, {t.intensity_mm_per_h:.1f} mm/h")
    if kind == "air_quality":
        primary = ",".join(b.primary_pollutants) or "-"
        return f"AQI {b.aqi} level {b.level} {b.category_en} ({b.category_zh}), primary {primary}"
    if kind == "noise_level":
        return f"noise Leq {b.leq_dba:.1f} dB(A), L10 {b.l10_dba:.1f}, L90 {b.l90_dba:.1f}, Lmax {b.lmax_dba:.1f}"
    if kind == "aggregate":
        return f"{b.channel} n={b.count} min={b.min:.2f} mean={b.mean:.2f} max={b.max:.2f} {b.unit}"
    if kind == "gap_record":
        reason = event_pb2.GapReason.Name(b.reason)[11:].lower()
        return f"GAP {reason}: {b.count} events lost, seq {b.first_seq}..{b.last_seq} {b.detail}".rstrip()
    if kind == "driver_status":
        state = event_pb2.ComponentState.Name(b.state)[16:].lower()
        return f"{b.instance} ({b.type}) {state} {b.reason}".rstrip()
    return f"{kind}"


def main():
    platform = Platform()
    host, _, port = args.broker.rpartition(":")
    client = mqtt.Client(client_id=args.client_id or f"platform-example-{os.getpid()}",
                         protocol=mqtt.MQTTv5)

    def on_connect(c, _u, _f, rc, _p=None):
        classes = [x for x in args.classes.split(",") if x] or ["#"]
        for cls in classes:
            events = f"{args.prefix}/+/events/{cls}"
            c.subscribe(f"$share/{args.share}/{events}" if args.share else events, qos=1)
        c.subscribe(f"{args.prefix}/+/state", qos=1)

    def on_message(_c, _u, msg):
        levels = msg.topic.split("/")
        if levels[-1] == "state":
            st = event_pb2.GatewayState()
            st.ParseFromString(msg.payload)
            status = event_pb2.GatewayState.Status.Name(st.status)[7:].lower()
            platform.states[st.gateway_id] = {"status": status, "session_seq": st.session_seq,
                                              "received_at": time.time()}
            print(f"[state] {st.gateway_id} {status} session {st.session_seq} backlog {st.backlog_rows}", flush=True)
            return
        batch = event_pb2.EventBatch()
        batch.ParseFromString(msg.payload)
        topic_class = levels[-1]
        received_at = time.time()
        for ev in platform.on_batch(topic_class, batch):
            if topic_class == "alarm":
                platform.alarms.append(describe(ev))
                platform.alarm_times.append(
                    [ev.capture_time.wall_unix_ns / 1e9, received_at, batch.historical])
            if ev.HasField("driver_status"):
                # A driver instance changed state, e.g. a camera lost its stream (offline).
                st = ev.driver_status
                state = event_pb2.ComponentState.Name(st.state)[16:].lower()
                platform.driver_states.append(
                    [st.instance, state, ev.capture_time.wall_unix_ns / 1e9, received_at, st.reason])
            if args.quiet and topic_class not in ("alarm", "gap"):
                continue
            if topic_class not in args.show.split(","):
                continue
            hist = " (historical)" if batch.historical else ""
            print(f"[{topic_class:9}] {when(ev)} #{ev.seq} {ev.source}: {describe(ev)}{hist}", flush=True)

    client.on_connect = on_connect
    client.on_message = on_message
    # Back soon after a broker restart: the batches queued for this session
    # wait at the broker until it reconnects.
    client.reconnect_delay_set(min_delay=1, max_delay=max(1, args.reconnect_max))
    connect_props = None
    if args.session_expiry > 0:
        from paho.mqtt.properties import Properties
        from paho.mqtt.packettypes import PacketTypes
        connect_props = Properties(PacketTypes.CONNECT)
        connect_props.SessionExpiryInterval = args.session_expiry
    client.connect(host or "127.0.0.1", int(port or 1883), keepalive=30,
                   clean_start=args.session_expiry <= 0, properties=connect_props)
    stop = {"now": False}
    signal.signal(signal.SIGINT, lambda *_: stop.update(now=True))
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    client.loop_start()
    started = last_summary = time.monotonic()
    while not stop["now"]:
        time.sleep(0.2)
        now = time.monotonic()
        if args.duration and now - started >= args.duration:
            break
        if args.summary_every and now - last_summary >= args.summary_every:
            last_summary = now
            s = platform.summary()
            print(f"[summary ] {s['unique_events']} events {s['by_class']}, alarms {s['alarms']}, "
                  f"duplicates {s['duplicates']}, lost (gap records) {s['gap_lost']}", flush=True)
            if args.summary_json:
                write_summary(args.summary_json, s)
    client.loop_stop()
    client.disconnect()
    s = platform.summary()
    lists = ("states", "seq_ranges", "gaps", "alarm_times", "driver_states", "by_source")
    brief = {k: v for k, v in s.items() if k not in lists}
    print(f"[summary ] final: {json.dumps(brief)}", flush=True)
    if args.summary_json:
        write_summary(args.summary_json, s)


if __name__ == "__main__":
    main()
