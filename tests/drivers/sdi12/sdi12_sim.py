#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""An SDI-12 v1.4 bus of sensors on a pseudo-terminal, for the sdi12 driver's tests.

Opens a pty pair, prints "PTY <slave path>" and answers, on the master side,
the commands the data recorder writes to the slave side, for every sensor of
BUS_FILE (JSON). The file is read again whenever it changes, so a test
changes what the sensors do by replacing it (rename, never rewrite in place):

  {"sensors": {
     "0": {"id": "14CITYEDGELVL100110SN0001",   body of the aI! answer
           "seconds": 2,                        ttt announced by aM!/aC!
           "service_request": 0.3,              aM!: seconds until "a<CR><LF>"; omit: none
           "values": [1.234, -0.5],             what the sensor measures
           "decimals": 3,
           "bad_crc_every": 2,                  every 2nd CRC data answer has a digit
                                                changed after its CRC was computed
           "silent": false,                     true: answers nothing
           "garbage": false}}}                  true: answers every command with noise

A pty carries no break, so every command counts as following one. Commands
are the bytes up to '!', parity bit dropped; answers end in <CR><LF>. Data
answers hold at most 35 characters of values after aM! and 75 after aC!, so
longer sets take aD1!, aD2!, ... Data asked for before a concurrent
measurement is ready come back empty ("a<CR><LF>"), as the spec says.

  sdi12_sim.py BUS_FILE
"""
import json
import os
import select
import sys
import time
import tty


def crc16(text):
    crc = 0
    for byte in text.encode("ascii"):
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def with_crc(text):
    crc = crc16(text)
    return text + "".join(chr(0x40 | part) for part in (crc >> 12, (crc >> 6) & 0x3F, crc & 0x3F))


def format_value(value, decimals):
    digits = len(str(int(abs(value))))
    places = max(0, min(decimals, 7 - digits))
    return "%s%.*f" % ("-" if value < 0 else "+", places, abs(value))


class Bus:
    def __init__(self, path):
        self.path = path
        self.mtime = None
        self.sensors = {}
        # Per address: the running measurement (crc, limit, ready time, values).
        self.measurements = {}
        self.data_answers = 0
        self.timers = []  # (due, bytes)

    def reload(self):
        try:
            st = os.stat(self.path)
            mtime = (st.st_ino, st.st_mtime_ns)
        except FileNotFoundError:
            return
        if mtime == self.mtime:
            return
        with open(self.path) as f:
            self.sensors = json.load(f)["sensors"]
        self.mtime = mtime

    def answer(self, command):
        """The answer to one command (without '!'), or None."""
        self.reload()
        if not command:
            return None
        address, body = command[0], command[1:]
        sensor = self.sensors.get(address)
        if sensor is None or sensor.get("silent"):
            return None
        if sensor.get("garbage"):
            return address + "\x15?#%s&*" % body
        if body == "I":
            return address + sensor["id"]
        if body == "":
            return address
        if body[0] in "MC":
            return self.start(address, sensor, body)
        if len(body) == 2 and body[0] == "D" and body[1].isdigit():
            return self.data(address, sensor, int(body[1]))
        return None

    def start(self, address, sensor, body):
        concurrent = body[0] == "C"
        crc = len(body) > 1 and body[1] == "C"
        values = list(sensor.get("values", []))
        seconds = int(sensor.get("seconds", 0))
        ready = time.monotonic() + (0 if concurrent else seconds)
        if concurrent:
            ready = time.monotonic() + seconds
        elif "service_request" in sensor and seconds > 0:
            delay = float(sensor["service_request"])
            ready = time.monotonic() + delay
            self.timers.append((ready, (address + "\r\n").encode("ascii")))
        self.measurements[address] = {
            "crc": crc, "limit": 75 if concurrent else 35, "ready": ready, "values": values,
            "decimals": int(sensor.get("decimals", 3))}
        count = len(values)
        return address + ("%03d%02d" % (seconds, count) if concurrent else "%03d%d" % (seconds, count))

    def data(self, address, sensor, index):
        m = self.measurements.get(address)
        if m is None:
            return address
        if time.monotonic() < m["ready"]:
            return with_crc(address) if m["crc"] else address
        parts, current = [], ""
        for value in m["values"]:
            text = format_value(value, m["decimals"])
            if len(current) + len(text) > m["limit"]:
                parts.append(current)
                current = ""
            current += text
        if current:
            parts.append(current)
        text = address + (parts[index] if index < len(parts) else "")
        if not m["crc"]:
            return text
        line = with_crc(text)
        self.data_answers += 1
        every = int(sensor.get("bad_crc_every", 0))
        if every and self.data_answers % every == 0:
            # Noise on the line: a digit changed, the CRC as sent.
            for i, c in enumerate(text):
                if c.isdigit() and i > 0:
                    return text[:i] + str((int(c) + 5) % 10) + text[i + 1:] + line[-3:]
            return line[:-1] + ("A" if line[-1] != "A" else "B")
        return line


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    bus = Bus(sys.argv[1])
    bus.reload()
    master, slave = os.openpty()
    # Raw until the driver sets its own modes, so nothing is echoed back.
    tty.setraw(slave)
    print("PTY " + os.ttyname(slave), flush=True)
    pending = b""
    while True:
        timeout = None
        if bus.timers:
            timeout = max(0.0, min(t[0] for t in bus.timers) - time.monotonic())
        readable, _, _ = select.select([master], [], [], timeout)
        now = time.monotonic()
        for timer in [t for t in bus.timers if t[0] <= now]:
            bus.timers.remove(timer)
            os.write(master, timer[1])
        if not readable:
            continue
        try:
            chunk = os.read(master, 256)
        except OSError:
            # No reader on the slave side right now (the driver reopening): keep going.
            time.sleep(0.05)
            continue
        pending += bytes(b & 0x7F for b in chunk)
        while b"!" in pending:
            command, pending = pending.split(b"!", 1)
            text = command.decode("ascii", "replace")
            # A new command aborts a measurement's pending service request.
            bus.timers = [t for t in bus.timers if not text or t[1][:1] != text[:1].encode()]
            reply = bus.answer(text)
            if reply is not None:
                os.write(master, (reply + "\r\n").encode("latin-1"))


if __name__ == "__main__":
    main()
