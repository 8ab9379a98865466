#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A small MJPEG-over-HTTP camera for the camera driver's tests.

Serves the JPEG files of a folder (sorted by name, looped) as
multipart/x-mixed-replace at a fixed frame rate, like an IP camera's
/video.mjpg. Prints "listening <port>" once the socket accepts.

SIGUSR1 switches every open and later stream to corrupt frames, SIGUSR2
back to the real ones (the chaos scenario vision_crash). The corrupt frames
are made from the real ones, cycling through: random bytes, a JPEG cut short,
a JPEG whose entropy-coded data is overwritten, and a JPEG whose frame header
claims 65535x65535 pixels. Each part's Content-Length is its true size, so
the stream stays well-formed multipart: only the images are bad.

Usage: mjpeg_server.py --port N --frames DIR [--fps 25]
"""
import argparse
import pathlib
import random
import signal
import socketserver
import sys
import time
from http.server import BaseHTTPRequestHandler

BOUNDARY = "cityedgeframe"


def load_frames(folder):
    frames = [p.read_bytes() for p in sorted(pathlib.Path(folder).glob("*.jpg"))]
    if not frames:
        sys.exit(f"mjpeg_server: no *.jpg in {folder}")
    return frames


def start_of_scan(jpeg):
    """Offset of the first byte after the SOS marker (0xFFDA), or len/2."""
    at = jpeg.find(b"\xff\xda")
    return at + 2 if at >= 0 else len(jpeg) // 2


def corrupt_frames(frames, seed=7):
    rnd = random.Random(seed)
    out = []
    for jpeg in frames:
        out.append(bytes(rnd.getrandbits(8) for _ in range(len(jpeg))))
        out.append(jpeg[:max(4, len(jpeg) * 2 // 5)])
        scan = start_of_scan(jpeg)
        smashed = bytearray(jpeg)
        for i in range(scan + 16, len(jpeg) - 2, 97):
            smashed[i] = rnd.getrandbits(8)
        out.append(bytes(smashed))
        huge = bytearray(jpeg)
        sof = max(jpeg.find(b"\xff\xc0"), jpeg.find(b"\xff\xc2"))
        if sof >= 0:  # marker, length (2), precision (1), height (2), width (2)
            huge[sof + 5:sof + 9] = b"\xff\xff\xff\xff"
        out.append(bytes(huge))
    return out


class Handler(BaseHTTPRequestHandler):
    frames = []
    bad_frames = []
    corrupt = False
    period = 0.04

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", f"multipart/x-mixed-replace;boundary={BOUNDARY}")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        index = 0
        next_due = time.monotonic()
        try:
            while True:
                frames = self.bad_frames if Handler.corrupt else self.frames
                jpeg = frames[index % len(frames)]
                index += 1
                self.wfile.write(
                    f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                    f"Content-Length: {len(jpeg)}\r\n\r\n".encode("ascii"))
                self.wfile.write(jpeg)
                self.wfile.write(b"\r\n")
                self.wfile.flush()
                next_due += self.period
                time.sleep(max(0.0, next_due - time.monotonic()))
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, fmt, *args):  # keep the test output quiet
        pass


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--frames", required=True)
    parser.add_argument("--fps", type=float, default=25.0)
    args = parser.parse_args()
    Handler.frames = load_frames(args.frames)
    Handler.bad_frames = corrupt_frames(Handler.frames)
    signal.signal(signal.SIGUSR1, lambda *_: setattr(Handler, "corrupt", True))
    signal.signal(signal.SIGUSR2, lambda *_: setattr(Handler, "corrupt", False))
    Handler.period = 1.0 / args.fps
    with Server(("127.0.0.1", args.port), Handler) as server:
        print(f"listening {args.port}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
