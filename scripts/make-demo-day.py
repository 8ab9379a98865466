#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes one day of a coastal city's environmental readings as replay CSV.

The day: clean air before dawn, haze building through the morning rush under
the subsiding air ahead of a typhoon (PM2.5 climbing through the AQI levels),
ozone peaking at midday, then the typhoon's rain band in the afternoon washing
the air clean while a rain surge on top of the tide lifts the river gauge
through the blue, yellow, orange and red flood warning levels. The rain gauge
sees a squall before dawn, the outer bands from mid-morning and the main band
in the early afternoon: its rainstorm signals come an hour or two before the
river's flood warnings.

Deterministic (seeded), one row per channel per minute, in one file per
sensor, as the replay driver reads them:
    air-quality.csv   pm2_5, pm10, o3, no2 (ug/m3)
    noise.csv         noise (dBA)
    river-level.csv   water_level (m)
    rain-gauge.csv    rain_tips (tips of a 0.2 mm tipping bucket in the minute)
    timestamp,channel,value,unit        (timestamp: RFC 3339, local time +08:00)
"""
import argparse
import math
import os
import random
from datetime import datetime, timedelta, timezone


def bump(h, centre, width, height):
    return height * math.exp(-((h - centre) / width) ** 2)


def smoothstep(h, start, end):
    x = min(max((h - start) / (end - start), 0.0), 1.0)
    return x * x * (3 - 2 * x)


def pm25(h, rng):
    haze = 25 + 150 * smoothstep(h, 5.0, 11.5)                 # pre-typhoon haze builds
    rush = bump(h, 8.3, 1.0, 30)
    washout = 1.0 - 0.88 * smoothstep(h, 13.5, 15.5)          # the rain band scavenges it
    return max(3.0, (haze + rush) * washout + rng.gauss(0, 3))


def o3_1h(h, rng):
    photo = bump(h, 13.0, 2.6, 150) * (1.0 - 0.7 * smoothstep(h, 14.0, 15.0))
    return max(5.0, 30 + photo + rng.gauss(0, 4))


def no2(h, rng):
    return max(5.0, 25 + bump(h, 8.0, 1.3, 55) + bump(h, 18.3, 1.5, 45) + rng.gauss(0, 3))


def noise(h, rng):
    traffic = 52 + 16 * smoothstep(h, 5.5, 7.5) - 14 * smoothstep(h, 21.5, 23.5)
    rain = 6 * smoothstep(h, 13.5, 14.5) * (1 - smoothstep(h, 19.0, 20.0))
    return traffic + rain + rng.gauss(0, 2.5) + (12 if rng.random() < 0.02 else 0)


def water_level(h, rng):
    # Two tides a day (12 h here rather than 12.42 h, so a looped day joins up).
    tide = 1.3 + 0.45 * math.sin(2 * math.pi * (h - 3.0) / 12.0)
    # rain surge: rises ~0.9 m/h from 14:00, peaks near 4.3 m around 17:30,
    # and has drained away by midnight
    surge = 2.6 * smoothstep(h, 14.0, 17.3) * (1.0 - smoothstep(h, 18.0, 23.9))
    return tide + surge + rng.gauss(0, 0.01)


def rain_rate(h):
    """mm/h: a squall before dawn, the outer bands, then the main band."""
    squall = bump(h, 6.0, 0.9, 14)
    outer = 9 * smoothstep(h, 8.5, 10.5) * (1 - smoothstep(h, 17.5, 19.0))
    band = bump(h, 13.9, 1.2, 50)
    return squall + outer + band


class RainGauge:
    """Whole tips of a 0.2 mm bucket per minute; the part of a tip not yet
    full carries over. Its own random stream, so the other sensors' values
    do not change with it."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.carry = 0.0

    def __call__(self, h, _rng):
        self.carry += rain_rate(h) / 60 * max(0.0, self.rng.gauss(1, 0.3))
        tips = int(self.carry / 0.2)
        self.carry -= tips * 0.2
        return tips


SENSORS = {
    "air-quality.csv": [
        ("pm2_5", "ug/m3", pm25),
        ("pm10", "ug/m3", lambda h, r: pm25(h, r) * 1.55 + abs(r.gauss(0, 4))),
        ("o3", "ug/m3", o3_1h),
        ("no2", "ug/m3", no2),
    ],
    "noise.csv": [("noise", "dBA", noise)],
    "river-level.csv": [("water_level", "m", water_level)],
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--date", default="2026-09-14", help="the local day, YYYY-MM-DD")
    ap.add_argument("--step", type=int, default=60, help="seconds between samples")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("-o", "--output-dir", required=True, help="folder to write the CSV files to")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    SENSORS["rain-gauge.csv"] = [("rain_tips", "tips", RainGauge(a.seed + 1))]
    local = timezone(timedelta(hours=8))
    start = datetime.fromisoformat(a.date).replace(tzinfo=local)
    os.makedirs(a.output_dir, exist_ok=True)
    files = {name: open(os.path.join(a.output_dir, name), "w") for name in SENSORS}
    for f in files.values():
        f.write("timestamp,channel,value,unit\n")
    for i in range(0, 24 * 3600, a.step):
        h = i / 3600.0
        stamp = (start + timedelta(seconds=i)).isoformat()
        for name, channels in SENSORS.items():
            for channel, unit, f in channels:
                files[name].write(f"{stamp},{channel},{f(h, rng):.3f},{unit}\n")
    for f in files.values():
        f.close()


if __name__ == "__main__":
    main()
