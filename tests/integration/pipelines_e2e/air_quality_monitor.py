#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A Modbus TCP air-quality monitor for the end-to-end tests (python3-pymodbus 3.0).

Unit id 1 serves two input registers pairs, float32 big-endian (word order
abcd), in ug/m3:
    0-1  PM2.5
    2-3  PM10
The values are read from VALUES_FILE ("<pm2_5> <pm10>") on every request, so
the test changes what the monitor measures by replacing that file.

  air_quality_monitor.py --port PORT --values VALUES_FILE
"""
import argparse
import logging
import struct

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server import StartTcpServer

UNIT_ID = 1


def float_registers(value):
    high, low = struct.unpack(">HH", struct.pack(">f", value))
    return [high, low]


class MeasuredBlock(ModbusSequentialDataBlock):
    """Input registers that show the values file's current content."""

    def __init__(self, path):
        super().__init__(0, [0] * 4)
        self.path = path

    def getValues(self, address, count=1):  # noqa: N802 (pymodbus's name)
        try:
            with open(self.path, encoding="ascii") as f:
                pm2_5, pm10 = (float(v) for v in f.read().split()[:2])
            self.values = float_registers(pm2_5) + float_registers(pm10)
        except (OSError, ValueError):
            pass  # keep the last values while the file is being replaced
        return super().getValues(address, count)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--values", required=True, metavar="VALUES_FILE")
    args = parser.parse_args()
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    slave = ModbusSlaveContext(ir=MeasuredBlock(args.values), zero_mode=True)
    StartTcpServer(context=ModbusServerContext(slaves={UNIT_ID: slave}, single=False),
                   address=("127.0.0.1", args.port))


if __name__ == "__main__":
    main()
