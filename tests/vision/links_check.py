#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks which shared libraries a binary maps: the core (cityedged) must link
no OpenCV, FFmpeg, GStreamer or GDAL library, directly or through another
library; the vision worker must link OpenCV (so the check is seen to match).

Direct dependencies come from the binary's dynamic section (readelf -d, which
reads any architecture); where the binary runs natively, ldd adds every
library it maps indirectly.

  links_check.py --no-video BINARY [--video BINARY]
"""
import argparse
import os
import re
import subprocess
import sys

VIDEO = re.compile(r"^lib(opencv_|avcodec|avformat|avutil|avfilter|avdevice|swscale|swresample|"
                   r"gst|gdal)")


def needed(binary):
    out = subprocess.run(["readelf", "-d", binary], check=True, capture_output=True,
                         text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def mapped(binary):
    """Every library ldd resolves, or None where the binary is not native."""
    if os.environ.get("CITYEDGE_EMULATOR"):
        return None
    out = subprocess.run(["ldd", binary], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    return [line.split()[0] for line in out.stdout.splitlines() if "=>" in line]


def video_libs(binary):
    libs = set(needed(binary))
    libs.update(mapped(binary) or [])
    return sorted(lib for lib in libs if VIDEO.match(lib)), len(libs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-video", action="append", default=[])
    parser.add_argument("--video", action="append", default=[])
    args = parser.parse_args()
    failed = False
    for binary in args.no_video:
        found, total = video_libs(binary)
        if found:
            print(f"FAIL {binary} maps video libraries: {', '.join(found)}")
            failed = True
        else:
            print(f"ok   {binary}: {total} shared libraries, none of OpenCV, FFmpeg, GStreamer, GDAL")
    for binary in args.video:
        found, total = video_libs(binary)
        if not found:
            print(f"FAIL {binary} maps no OpenCV: the pattern no longer matches what it links")
            failed = True
        else:
            print(f"ok   {binary}: {total} shared libraries, among them {found[0]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
