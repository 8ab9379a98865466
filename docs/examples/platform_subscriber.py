#!/usr/bin/env python3
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
    p.add_argument("--duration", type=float, default=0, help="stop after this many seconds (0: run until Ctrl-C)")
    p.add_argument("--summary-json", help="write the final summary to this file as JSON")
    p.add_argument("--summary-every", type=float, default=10, help="print a running summary every N seconds (0: never)")
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
        self.duplicates = 0
        self.historical = 0
        self.lost = 0                                  # counted in gap records
        self.gap_counts = {}                           # (gateway, seq) -> count of that gap record
        self.states = {}                               # gateway -> last GatewayState dict
        self.alarms = []

    def on_batch(self, topic_class, batch):
        fresh = []
        for ev in batch.events:
            if ev.HasField("gap_record"):
                self.count_gap(batch.gateway_id, ev)
            if ev.seq in self.seen[batch.gateway_id]:
                self.duplicates += 1
                continue
            self.seen[batch.gateway_id].add(ev.seq)
            fresh.append(ev)
            self.events[topic_class] += 1
            self.bodies[ev.WhichOneof("body") or "none"] += 1
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

    def summary(self):
        return {
            "gateways": sorted(self.seen),
            "unique_events": sum(self.events.values()),
            "by_class": dict(self.events),
            "by_body": dict(self.bodies),
            "duplicates": self.duplicates,
            "historical": self.historical,
            "gap_lost": self.lost,
            "alarms": len(self.alarms),
            "states": self.states,
        }


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
    client = mqtt.Client(client_id=f"platform-example-{int(time.time())}", protocol=mqtt.MQTTv5)

    def on_connect(c, _u, _f, rc, _p=None):
        c.subscribe(f"{args.prefix}/+/events/#", qos=1)
        c.subscribe(f"{args.prefix}/+/state", qos=1)

    def on_message(_c, _u, msg):
        levels = msg.topic.split("/")
        if levels[-1] == "state":
            st = event_pb2.GatewayState()
            st.ParseFromString(msg.payload)
            status = event_pb2.GatewayState.Status.Name(st.status)[7:].lower()
            platform.states[st.gateway_id] = {"status": status, "session_seq": st.session_seq}
            print(f"[state] {st.gateway_id} {status} session {st.session_seq} backlog {st.backlog_rows}", flush=True)
            return
        batch = event_pb2.EventBatch()
        batch.ParseFromString(msg.payload)
        topic_class = levels[-1]
        for ev in platform.on_batch(topic_class, batch):
            if topic_class == "alarm":
                platform.alarms.append(describe(ev))
            if args.quiet and topic_class not in ("alarm", "gap"):
                continue
            if topic_class not in args.show.split(","):
                continue
            hist = " (historical)" if batch.historical else ""
            print(f"[{topic_class:9}] {when(ev)} #{ev.seq} {ev.source}: {describe(ev)}{hist}", flush=True)

    client.on_connect = on_connect
    client.on_message = on_message
    client.connect(host or "127.0.0.1", int(port or 1883), keepalive=30)
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
    client.loop_stop()
    client.disconnect()
    s = platform.summary()
    print(f"[summary ] final: {json.dumps({k: v for k, v in s.items() if k != 'states'})}", flush=True)
    if args.summary_json:
        with open(args.summary_json, "w") as f:
            json.dump(s, f, indent=1)


if __name__ == "__main__":
    main()
