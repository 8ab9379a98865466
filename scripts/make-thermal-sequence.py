#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a synthetic radiometric thermal sequence as 16-bit binary PGM files.

A 160x120 scene at a station gate, as a FLIR Lepton with TLinear would see it
(counts are centi-kelvin): a 24 degC background, a blackbody at 35.0 degC in
the top-right corner (region x 134..153, y 4..23), and five people walking
left to right through the frame, one every 40 frames at 3 px per frame, with
skin at 35.2, 34.5, 38.2, 35.8 and 36.5 degC (the third is febrile). The
inner canthi read 0.3 degC above the rest of the face, and torsos are clothed
(28 degC). The sensor drifts warm by --drift degC over the sequence, every
pixel alike, blackbody included. Deterministic (seeded).

    make-thermal-sequence.py -o DIR [--frames 240] [--drift 0.8]

writes DIR/f00000.pgm ... for the thermal driver (source: pgm).
"""
import argparse
import os
import random

WIDTH, HEIGHT = 160, 120
BLACKBODY = (134, 4, 20, 20)
PEOPLE = [(35.2, 10), (34.5, 50), (38.2, 90), (35.8, 130), (36.5, 170)]


def counts(celsius):
    return max(0, min(65535, round((celsius + 273.15) * 100)))


def draw_person(scene, cx, cy, skin_c):
    for y in range(cy + 13, HEIGHT):
        for x in range(max(0, cx - 14), min(WIDTH, cx + 14)):
            scene[y][x] = 28.0
    for y in range(cy - 12, cy + 13):
        for x in range(cx - 9, cx + 10):
            if not (0 <= x < WIDTH and 0 <= y < HEIGHT):
                continue
            if ((x - cx) / 9.5) ** 2 + ((y - cy) / 12.5) ** 2 > 1.0:
                continue
            canthus = any((x - (cx + 4 * s)) ** 2 + (y - (cy - 3)) ** 2 <= 4 for s in (-1, 1))
            scene[y][x] = skin_c + (0.3 if canthus else 0.0)


def frame(index, frames, drift_c, rng):
    scene = [[24.0] * WIDTH for _ in range(HEIGHT)]
    bx, by, bw, bh = BLACKBODY
    for y in range(by, by + bh):
        for x in range(bx, bx + bw):
            scene[y][x] = 35.0
    for skin_c, first in PEOPLE:
        cx = -15 + 3 * (index - first)
        if index >= first and -10 < cx < WIDTH + 10:
            draw_person(scene, cx, 60, skin_c)
    offset = drift_c * index / max(1, frames - 1)
    out = bytearray(b"P5\n%d %d\n65535\n" % (WIDTH, HEIGHT))
    for row in scene:
        for c in row:
            out += counts(c + offset + rng.gauss(0, 0.05)).to_bytes(2, "big")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", required=True, help="folder to write the frames into")
    parser.add_argument("--frames", type=int, default=240)
    parser.add_argument("--drift", type=float, default=0.8, help="sensor drift over the sequence, degC")
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    rng = random.Random(20240601)
    for i in range(args.frames):
        with open(os.path.join(args.output, "f%05d.pgm" % i), "wb") as f:
            f.write(frame(i, args.frames, args.drift, rng))


if __name__ == "__main__":
    main()
