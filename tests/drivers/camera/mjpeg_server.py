#!/usr/bin/python3
"""A small MJPEG-over-HTTP camera for the camera driver's tests.

Serves the JPEG files of a folder (sorted by name, looped) as
multipart/x-mixed-replace at a fixed frame rate, like an IP camera's
/video.mjpg. Prints "listening <port>" once the socket accepts.

Usage: mjpeg_server.py --port N --frames DIR [--fps 25]
"""
import argparse
import pathlib
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


class Handler(BaseHTTPRequestHandler):
    frames = []
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
                jpeg = self.frames[index % len(self.frames)]
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
    Handler.period = 1.0 / args.fps
    with Server(("127.0.0.1", args.port), Handler) as server:
        print(f"listening {args.port}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
