#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Modbus server for the modbus driver's integration test (python3-pymodbus 3.0).

Serves one fixed register map, over TCP on 127.0.0.1:PORT or as an RTU slave
on a serial device. The values and their encodings are mirrored in
modbus_integration_test.cpp; change both together.

  modbus_server.py --tcp PORT
  modbus_server.py --rtu /dev/pts/N
"""
import argparse
import logging

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server import StartSerialServer, StartTcpServer
from pymodbus.transaction import ModbusRtuFramer

SLAVE_ID = 7

HOLDING = [
    1234,            # 0: u16 abcd, scale 0.1 -> 123.4 dB
    0xFF06,          # 1: i16 -250, scale 0.01 -> -2.5 degC
    0x0001, 0x1170,  # 2-3: u32 abcd 70000
    0x1DC0, 0xFFFE,  # 4-5: i32 cdab -123456
]
INPUT = [
    0xAC41, 0x0000,  # 0-1: f32 badc 21.5
    0x0000, 0x5040,  # 2-3: f32 dcba 3.25
]


def context():
    slave = ModbusSlaveContext(
        hr=ModbusSequentialDataBlock(0, HOLDING),
        ir=ModbusSequentialDataBlock(0, INPUT),
        co=ModbusSequentialDataBlock(0, [True]),
        di=ModbusSequentialDataBlock(0, [False]),
        zero_mode=True)
    return ModbusServerContext(slaves={SLAVE_ID: slave}, single=False)


def main():
    parser = argparse.ArgumentParser()
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--tcp", type=int, metavar="PORT")
    group.add_argument("--rtu", metavar="DEVICE")
    args = parser.parse_args()
    # pymodbus logs every exception reply it sends at error level; the test
    # provokes them on purpose.
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    if args.tcp is not None:
        StartTcpServer(context=context(), address=("127.0.0.1", args.tcp))
    else:
        StartSerialServer(context=context(), framer=ModbusRtuFramer, port=args.rtu,
                          baudrate=9600, bytesize=8, parity="N", stopbits=1)


if __name__ == "__main__":
    main()
