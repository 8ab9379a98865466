// SPDX-License-Identifier: Apache-2.0
// The Modbus register map: which registers to read and how to turn their bits
// into a scaled, unit-carrying reading.
//
// Each entry is one table of the `registers` setting (a list of tables the host
// validates field by field), for example
//   {channel: pm2_5, addr: 3, fn: input, type: f32, order: cdab, unit: ug/m3}
// The one-line form of earlier releases,
//   "channel=pm2_5 addr=3 fn=input type=f32 order=cdab scale=1 offset=0 unit=ug/m3"
// is still accepted (the host turns it into the table and warns).
// Keys: channel (required), addr (required, 0-65535, the protocol address, not
// the 30001/40001 "reference"), fn (holding|input|coil|discrete, default
// holding), type (u16|i16|u32|i32|f32, default u16; bit for coil/discrete),
// order (abcd|cdab|badc|dcba, default abcd), scale (default 1), offset
// (default 0), unit (default empty). value = raw * scale + offset.
//
// Byte order letters name the bytes of the value from most to least
// significant as they appear on the wire: "abcd" is big-endian (the Modbus
// default), "cdab" swaps the two registers (common on meters), "badc" swaps
// the bytes inside each register, "dcba" is fully little-endian. A 16-bit
// value accepts abcd or badc.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cityedge/driver.hpp"

namespace cityedge::drivers::modbus {

enum class Function { kHolding, kInput, kCoil, kDiscrete };
enum class ValueType { kBit, kU16, kI16, kU32, kI32, kF32 };
enum class WordOrder { kAbcd, kCdab, kBadc, kDcba };

struct RegisterSpec {
  std::string channel;
  std::uint16_t address = 0;
  Function function = Function::kHolding;
  ValueType type = ValueType::kU16;
  WordOrder order = WordOrder::kAbcd;
  double scale = 1.0;
  double offset = 0.0;
  std::string unit;
};

[[nodiscard]] std::string_view FunctionName(Function function);
[[nodiscard]] std::string_view ValueTypeName(ValueType type);
[[nodiscard]] std::string_view WordOrderName(WordOrder order);

// How many 16-bit registers (or bits, for kBit) one value occupies.
[[nodiscard]] int RegisterCount(ValueType type);

// Parses one entry strictly: unknown or repeated keys, bad numbers, a type
// that does not fit the function, or an address range that runs past 65535
// are Fatal errors that name the key and the valid options.
[[nodiscard]] sdk::Result<RegisterSpec> ParseRegisterSpec(std::string_view text);

// Parses every entry and reports all problems at once, each prefixed with its
// key path ("registers[2]: ...", "registers[2].order: ..."). Channels must be
// unique and the list non-empty.
[[nodiscard]] sdk::Result<std::vector<RegisterSpec>> ParseRegisterTables(
    const std::vector<sdk::Settings>& tables);
// The same from one-line entries (tests and the fuzzer build maps this way).
[[nodiscard]] sdk::Result<std::vector<RegisterSpec>> ParseRegisterMap(
    const std::vector<std::string>& entries);

// Decodes the registers of one value (RegisterCount(type) of them, as host
// integers the way libmodbus returns them: first wire byte in the high half).
// kBit takes one element holding 0 or 1. The caller passes the right count.
[[nodiscard]] double DecodeRaw(std::span<const std::uint16_t> registers, ValueType type,
                               WordOrder order);

// DecodeRaw followed by scale and offset.
[[nodiscard]] double DecodeValue(std::span<const std::uint16_t> registers,
                                 const RegisterSpec& spec);

}  // namespace cityedge::drivers::modbus
