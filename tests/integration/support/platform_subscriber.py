#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Plays the city platform for integration tests and benchmarks.

Subscribes to {prefix}/{gateway}/# , decodes every EventBatch and GatewayState
with the classes protoc generated from proto/, records seqs, duplicates and
state messages, checks that no event or state message carries image data,
and prints one JSON summary line ("SUMMARY {...}") when every
expected seq has arrived (and the awaited state was seen), on SIGTERM, or at
the timeout. Prints "SUBSCRIBED <n>" after each SUBACK so a test knows when it
may start publishing, and "STATE <json>" for every state message.

With --dump FILE it also appends one JSON line per message received, flushed
at once, so a test can follow the decoded data while it arrives:
    {"topic": ..., "retained": ..., "batch": {EventBatch}}   events
    {"topic": ..., "retained": ..., "state": {GatewayState}}  state
The messages are protobuf's JSON mapping with the .proto field names (64-bit
integers as strings, enums by name); duplicates are written as received.

The image check walks every bytes field of every decoded message: one longer
than a boot id (16 bytes) could be, or starting with an image file signature,
counts as image data ("image_payloads" and "image_fields" in the summary).
Replies to commands are not decoded: a snapshot is asked for explicitly.

Needs Debian's python3 with python3-paho-mqtt and python3-protobuf, and
--proto-dir (or CITYEDGE_PROTO_PYTHON_DIR) holding cityedge/v1/*_pb2.py.
"""
import argparse
import json
import os
import signal
import ssl
import sys
import threading
import time


IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"RIFF",
                    b"II*\x00", b"MM\x00*", b"BM", b"P5", b"P6")
# The longest bytes field an event has without pixels: a 16-byte boot id.
LONGEST_PLAIN_BYTES = 16


def image_fields(message, path=""):
    """Paths of the bytes fields in `message` that could hold an image."""
    found = []
    for field, value in message.ListFields():
        name = path + field.name
        values = value if field.label == field.LABEL_REPEATED else [value]
        for item in values:
            if field.type == field.TYPE_BYTES:
                if len(item) > LONGEST_PLAIN_BYTES or item.startswith(IMAGE_SIGNATURES):
                    found.append("%s (%d bytes)" % (name, len(item)))
            elif field.type == field.TYPE_MESSAGE:
                found.extend(image_fields(item, name + "."))
    return found


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--prefix", default="cityedge")
    p.add_argument("--gateway", required=True)
    # One client id per process: two subscribers sharing an id would take
    # each other's session over and each miss what the other received.
    p.add_argument("--client-id", default=f"platform-test-{os.getpid()}")
    p.add_argument("--username")
    p.add_argument("--password")
    p.add_argument("--mqtt-version", choices=["5", "3.1.1"], default="5")
    p.add_argument("--expect-seqs", type=int, default=0,
                   help="finish once seqs 1..N have all arrived")
    p.add_argument("--expect-count", type=int, default=0,
                   help="finish once N distinct seqs have arrived (any values)")
    p.add_argument("--await-online-seq", type=int, default=0,
                   help="also wait for an online state with session_seq >= this")
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--tls-ca")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--latency", action="store_true",
                   help="record receive time minus capture wall time per event")
    p.add_argument("--dump", metavar="FILE",
                   help="append every decoded message to FILE as a JSON line")
    p.add_argument("--proto-dir", default=os.environ.get("CITYEDGE_PROTO_PYTHON_DIR", ""))
    return p.parse_args()


class Platform:
    def __init__(self, args, event_pb2, json_format=None):
        self.args = args
        self.pb = event_pb2
        self.json_format = json_format
        self.dump = open(args.dump, "a", encoding="utf-8") if args.dump else None
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.seqs = set()
        self.duplicates = 0
        self.batches = 0
        self.historical_batches = 0
        self.events = 0
        self.decode_errors = 0
        self.image_payloads = 0
        self.image_fields = []
        self.states = []
        self.subscribes = 0
        self.first_event_time = None
        self.last_event_time = None
        self.latencies_ms = []

    def on_connect(self, client, userdata, flags, rc, properties=None):
        print("platform_subscriber: connected rc=%s" % rc, file=sys.stderr, flush=True)
        topic = "%s/%s/#" % (self.args.prefix, self.args.gateway)
        client.subscribe(topic, qos=1)

    def on_subscribe(self, client, userdata, mid, granted, properties=None):
        with self.lock:
            self.subscribes += 1
            print("SUBSCRIBED %d" % self.subscribes, flush=True)

    def on_message(self, client, userdata, msg):
        now = time.time()
        if msg.topic.endswith("/state"):
            self.record_state(msg)
        elif "/events/" in msg.topic:
            self.record_batch(msg, now)
        self.check_done()

    def record_state(self, msg):
        state = self.pb.GatewayState()
        try:
            state.ParseFromString(msg.payload)
        except Exception:  # a foreign payload is counted, not fatal
            self.decode_errors += 1
            return
        status = {1: "online", 2: "offline"}.get(state.status, "unspecified")
        entry = {"session_seq": state.session_seq, "status": status, "retained": bool(msg.retain),
                 "reason": state.offline_reason}
        with self.lock:
            self.check_image(msg, state)
            self.states.append(entry)
            self.write_dump(msg, "state", state)
        print("STATE " + json.dumps(entry), flush=True)

    def record_batch(self, msg, now):
        batch = self.pb.EventBatch()
        try:
            batch.ParseFromString(msg.payload)
        except Exception:
            self.decode_errors += 1
            return
        with self.lock:
            self.check_image(msg, batch)
            self.write_dump(msg, "batch", batch)
            self.batches += 1
            self.historical_batches += 1 if batch.historical else 0
            if self.first_event_time is None:
                self.first_event_time = now
            self.last_event_time = now
            for event in batch.events:
                self.events += 1
                if event.seq in self.seqs:
                    self.duplicates += 1
                    continue
                self.seqs.add(event.seq)
                if self.args.latency:
                    wall_ns = event.capture_time.wall_unix_ns
                    self.latencies_ms.append((now * 1e9 - wall_ns) / 1e6)

    def check_image(self, msg, message):
        found = image_fields(message)
        if found:
            self.image_payloads += 1
            self.image_fields.extend("%s: %s" % (msg.topic, f) for f in found[:5])
            del self.image_fields[20:]

    def write_dump(self, msg, key, message):
        if self.dump is None:
            return
        line = {"topic": msg.topic, "retained": bool(msg.retain),
                key: self.json_format.MessageToDict(message, preserving_proto_field_name=True)}
        self.dump.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.dump.flush()

    def check_done(self):
        a = self.args
        with self.lock:
            if a.expect_seqs and len([s for s in self.seqs if s <= a.expect_seqs]) < a.expect_seqs:
                return
            if a.expect_count and len(self.seqs) < a.expect_count:
                return
            if not a.expect_seqs and not a.expect_count and not a.await_online_seq:
                return
            if a.await_online_seq and not any(
                    s["status"] == "online" and s["session_seq"] >= a.await_online_seq
                    for s in self.states):
                return
        self.done.set()

    def summary(self):
        with self.lock:
            missing = []
            if self.args.expect_seqs:
                missing = [s for s in range(1, self.args.expect_seqs + 1) if s not in self.seqs]
            lat = sorted(self.latencies_ms)
            span = ((self.last_event_time - self.first_event_time)
                    if self.first_event_time is not None else 0.0)
            return {
                "distinct": len(self.seqs), "events": self.events, "batches": self.batches,
                "historical_batches": self.historical_batches, "duplicates": self.duplicates,
                "missing_count": len(missing), "missing": missing[:20],
                "max_seq": max(self.seqs) if self.seqs else 0, "states": self.states,
                "decode_errors": self.decode_errors, "span_s": span,
                "image_payloads": self.image_payloads, "image_fields": self.image_fields,
                "first_event_unix": self.first_event_time or 0.0,
                "latency_p50_ms": lat[len(lat) // 2] if lat else 0.0,
                "latency_p99_ms": lat[min(len(lat) - 1, len(lat) * 99 // 100)] if lat else 0.0,
            }


def make_client(args, platform, mqtt):
    if args.mqtt_version == "5":
        client = mqtt.Client(client_id=args.client_id, protocol=mqtt.MQTTv5)
    else:
        client = mqtt.Client(client_id=args.client_id, protocol=mqtt.MQTTv311, clean_session=True)
    if args.username:
        client.username_pw_set(args.username, args.password)
    if args.tls_ca:
        client.tls_set(ca_certs=args.tls_ca, certfile=args.tls_cert, keyfile=args.tls_key,
                       cert_reqs=ssl.CERT_REQUIRED)
    client.on_connect = platform.on_connect
    client.on_disconnect = lambda c, u, rc, *rest: print(
        "platform_subscriber: disconnected rc=%s" % rc, file=sys.stderr, flush=True)
    client.on_subscribe = platform.on_subscribe
    client.on_message = platform.on_message
    # Reconnect quickly after a broker restart and subscribe again.
    client.reconnect_delay_set(min_delay=1, max_delay=1)
    return client


def main():
    args = parse_args()
    sys.path.insert(0, args.proto_dir)
    import paho.mqtt.client as mqtt
    from cityedge.v1 import event_pb2
    from google.protobuf import json_format

    platform = Platform(args, event_pb2, json_format)
    client = make_client(args, platform, mqtt)
    signal.signal(signal.SIGTERM, lambda *_: platform.done.set())
    deadline = time.time() + args.timeout
    while True:
        try:
            client.connect(args.host, args.port, keepalive=3)
            break
        except OSError:
            if time.time() > deadline:
                print("SUMMARY " + json.dumps(platform.summary()), flush=True)
                return 2
            time.sleep(0.1)
    client.loop_start()
    platform.done.wait(max(0.0, deadline - time.time()))
    client.loop_stop()
    client.disconnect()
    print("SUMMARY " + json.dumps(platform.summary()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
