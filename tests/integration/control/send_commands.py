#!/usr/bin/python3
"""Plays the city platform sending commands: publishes each given file (a
serialized SignedCommand, or any bytes) to {prefix}/{gateway}/cmd over MQTT 5
with a response topic and correlation data, waits for the reply, and prints
one JSON line per file: {"name", "code", "message", "id", "fields"}.
A file without a reply within --timeout gets code "NO_REPLY".

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
    p.add_argument("files", nargs="+")
    args = p.parse_args()
    sys.path.insert(0, args.proto_dir)
    from cityedge.v1 import command_pb2

    replies = {}
    arrived = threading.Condition()
    subscribed = threading.Event()

    def on_connect(client, userdata, flags, rc, properties=None):
        client.subscribe("platform-test/replies/#", qos=1)

    def on_subscribe(client, userdata, mid, granted, properties=None):
        subscribed.set()

    def on_message(client, userdata, msg):
        name = msg.properties.CorrelationData.decode() if hasattr(
            msg.properties, "CorrelationData") else ""
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

    client = mqtt.Client(client_id="platform-commander", protocol=mqtt.MQTTv5)
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
        props = Properties(PacketTypes.PUBLISH)
        props.ResponseTopic = f"platform-test/replies/{name}"
        props.CorrelationData = name.encode()
        client.publish(topic, payload, qos=1, properties=props).wait_for_publish(args.timeout)
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
