#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Plays the city platform sending commands: publishes each given file (a
serialized SignedCommand, or any bytes) to {prefix}/{gateway}/cmd, waits for
the reply, and prints one JSON line per file: {"name", "code", "message",
"id", "fields"}. A file without a reply within --timeout gets code "NO_REPLY".

Under MQTT 5 each command carries a response topic and correlation data, and
the reply is matched by its correlation data. Under MQTT 3.1.1 (which has
neither) the reply comes on {prefix}/{gateway}/reply; commands go one at a
time, so the next reply is the answer to the command just sent.

Needs Debian's python3 with python3-paho-mqtt and python3-protobuf, and
--proto-dir holding cityedge/v1/*_pb2.py.
"""
import argparse
import json
import os
import sys
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--gateway", required=True)
    p.add_argument("--prefix", default="cityedge")
    p.add_argument("--proto-dir", required=True)
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--mqtt-version", choices=["5", "3.1.1"], default="5")
    p.add_argument("files", nargs="+")
    args = p.parse_args()
    sys.path.insert(0, args.proto_dir)
    from cityedge.v1 import command_pb2

    v5 = args.mqtt_version == "5"
    replies = {}
    arrived = threading.Condition()
    subscribed = threading.Event()
    current = {"name": ""}  # the command awaiting its reply (MQTT 3.1.1)

    def on_connect(client, userdata, flags, rc, properties=None):
        client.subscribe("platform-test/replies/#" if v5 else
                         f"{args.prefix}/{args.gateway}/reply", qos=1)

    def on_subscribe(client, userdata, mid, granted, properties=None):
        subscribed.set()

    def on_message(client, userdata, msg):
        if v5:
            name = msg.properties.CorrelationData.decode() if hasattr(
                msg.properties, "CorrelationData") else ""
        else:
            name = current["name"]
        reply = command_pb2.CommandReply()
        reply.ParseFromString(msg.payload)
        with arrived:
            replies[name] = {
                "name": name,
                "code": command_pb2.ReplyCode.Name(reply.code),
                "message": reply.message,
                "id": reply.id,
                "fields": {kv.key: kv.value for kv in reply.fields},
            }
            arrived.notify_all()

    client = mqtt.Client(client_id=f"platform-commander-{os.getpid()}",
                         protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311)
    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.connect("127.0.0.1", args.port)
    client.loop_start()
    if not subscribed.wait(args.timeout):
        print("send_commands: no SUBACK", file=sys.stderr)
        return 1
    topic = f"{args.prefix}/{args.gateway}/cmd"
    for path in args.files:
        name = os.path.basename(path)
        with open(path, "rb") as f:
            payload = f.read()
        with arrived:
            current["name"] = name
        if v5:
            props = Properties(PacketTypes.PUBLISH)
            props.ResponseTopic = f"platform-test/replies/{name}"
            props.CorrelationData = name.encode()
            client.publish(topic, payload, qos=1, properties=props).wait_for_publish(args.timeout)
        else:
            client.publish(topic, payload, qos=1).wait_for_publish(args.timeout)
        # One at a time, so replies and effects are attributed to their command.
        with arrived:
            arrived.wait_for(lambda: name in replies, args.timeout)
        result = replies.get(name, {"name": name, "code": "NO_REPLY", "message": "", "id": "",
                                    "fields": {}})
        print(json.dumps(result), flush=True)
    client.loop_stop()
    client.disconnect()
    return 0


if __name__ == "__main__":
    sys.exit(main())
