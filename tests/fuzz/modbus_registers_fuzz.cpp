// SPDX-License-Identifier: Apache-2.0
// Fuzzes Modbus register decoding. Input: a register spec line (as written in
// the `registers` setting), a newline, then raw register bytes as a device
// would return them. The spec goes through ParseRegisterSpec; a good spec then
// decodes the registers. Every type and word order also decodes the bytes
// directly, with checks that integer types stay integral and in range and
// that scale and offset are applied as documented.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "drivers/modbus/register_map.hpp"

namespace {

namespace mb = cityedge::drivers::modbus;

void Require(bool condition) {
  if (!condition) std::abort();
}

void CheckRange(double value, mb::ValueType type) {
  switch (type) {
    case mb::ValueType::kBit:
      Require(value == 0.0 || value == 1.0);
      break;
    case mb::ValueType::kU16:
      Require(value >= 0 && value <= 65535 && value == std::floor(value));
      break;
    case mb::ValueType::kI16:
      Require(value >= -32768 && value <= 32767 && value == std::floor(value));
      break;
    case mb::ValueType::kU32:
      Require(value >= 0 && value <= 4294967295.0 && value == std::floor(value));
      break;
    case mb::ValueType::kI32:
      Require(value >= -2147483648.0 && value <= 2147483647.0 && value == std::floor(value));
      break;
    case mb::ValueType::kF32:
      break;  // any float, NaN included, is a valid wire value
  }
}

void DecodeEveryWay(const std::vector<std::uint16_t>& registers) {
  constexpr mb::ValueType kTypes[] = {mb::ValueType::kU16, mb::ValueType::kI16, mb::ValueType::kU32,
                                      mb::ValueType::kI32, mb::ValueType::kF32};
  constexpr mb::WordOrder kOrders[] = {mb::WordOrder::kAbcd, mb::WordOrder::kCdab,
                                       mb::WordOrder::kBadc, mb::WordOrder::kDcba};
  for (mb::ValueType type : kTypes) {
    const auto count = static_cast<std::size_t>(mb::RegisterCount(type));
    if (registers.size() < count) continue;
    for (mb::WordOrder order : kOrders) {
      if (count == 1 && (order == mb::WordOrder::kCdab || order == mb::WordOrder::kDcba)) continue;
      CheckRange(mb::DecodeRaw(std::span(registers).first(count), type, order), type);
    }
  }
  if (!registers.empty()) {
    CheckRange(
        mb::DecodeRaw(std::span(registers).first(1), mb::ValueType::kBit, mb::WordOrder::kAbcd),
        mb::ValueType::kBit);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view spec_text = input.substr(0, newline);
  const std::string_view raw =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  std::vector<std::uint16_t> registers;
  for (std::size_t i = 0; i + 1 < raw.size(); i += 2) {
    registers.push_back(static_cast<std::uint16_t>((static_cast<std::uint8_t>(raw[i]) << 8) |
                                                   static_cast<std::uint8_t>(raw[i + 1])));
  }
  DecodeEveryWay(registers);

  const auto spec = mb::ParseRegisterSpec(spec_text);
  if (!spec) {
    Require(!spec.error().message.empty());
    return 0;
  }
  const auto count = static_cast<std::size_t>(mb::RegisterCount(spec->type));
  if (registers.size() < count) return 0;
  std::vector<std::uint16_t> value_registers(registers.begin(), registers.begin() + count);
  const double raw_value = mb::DecodeRaw(value_registers, spec->type, spec->order);
  CheckRange(raw_value, spec->type);
  const double value = mb::DecodeValue(value_registers, *spec);
  if (!std::isnan(raw_value)) {
    const double expected = raw_value * spec->scale + spec->offset;
    Require(value == expected || (std::isnan(value) && std::isnan(expected)));
  }
  return 0;
}
