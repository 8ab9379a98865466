// SPDX-License-Identifier: Apache-2.0
#include "drivers/modbus/register_map.hpp"

#include <catch2/catch.hpp>

#include <bit>

namespace cityedge::drivers::modbus {
namespace {

struct DecodeCase {
  ValueType type;
  WordOrder order;
  std::vector<std::uint16_t> registers;
  double expected;
};

// One 32-bit pattern, 0x12345678, as each byte order puts it on the wire.
const std::vector<DecodeCase>& Cases() {
  const auto f = static_cast<double>(123.456f);
  const auto f_bits = std::bit_cast<std::uint32_t>(123.456f);
  const auto hi = static_cast<std::uint16_t>(f_bits >> 16);
  const auto lo = static_cast<std::uint16_t>(f_bits & 0xFFFF);
  const auto swap = [](std::uint16_t r) { return static_cast<std::uint16_t>((r << 8) | (r >> 8)); };
  static const std::vector<DecodeCase> cases = {
      {ValueType::kU16, WordOrder::kAbcd, {0x1234}, 0x1234},
      {ValueType::kU16, WordOrder::kBadc, {0x3412}, 0x1234},
      {ValueType::kU16, WordOrder::kAbcd, {0xFFFF}, 65535},
      {ValueType::kI16, WordOrder::kAbcd, {0xFFFF}, -1},
      {ValueType::kI16, WordOrder::kAbcd, {0x8000}, -32768},
      {ValueType::kI16, WordOrder::kBadc, {0x0080}, -32768},
      {ValueType::kU32, WordOrder::kAbcd, {0x1234, 0x5678}, 0x12345678},
      {ValueType::kU32, WordOrder::kCdab, {0x5678, 0x1234}, 0x12345678},
      {ValueType::kU32, WordOrder::kBadc, {0x3412, 0x7856}, 0x12345678},
      {ValueType::kU32, WordOrder::kDcba, {0x7856, 0x3412}, 0x12345678},
      {ValueType::kU32, WordOrder::kAbcd, {0xFFFF, 0xFFFF}, 4294967295.0},
      {ValueType::kI32, WordOrder::kAbcd, {0xFFFF, 0xFFFE}, -2},
      {ValueType::kI32, WordOrder::kCdab, {0xFFFE, 0xFFFF}, -2},
      {ValueType::kI32, WordOrder::kBadc, {0xFFFF, 0xFEFF}, -2},
      {ValueType::kI32, WordOrder::kDcba, {0xFEFF, 0xFFFF}, -2},
      {ValueType::kF32, WordOrder::kAbcd, {hi, lo}, f},
      {ValueType::kF32, WordOrder::kCdab, {lo, hi}, f},
      {ValueType::kF32, WordOrder::kBadc, {swap(hi), swap(lo)}, f},
      {ValueType::kF32, WordOrder::kDcba, {swap(lo), swap(hi)}, f},
      {ValueType::kBit, WordOrder::kAbcd, {1}, 1},
      {ValueType::kBit, WordOrder::kAbcd, {0}, 0},
  };
  return cases;
}

TEST_CASE("Every type decodes in every byte order") {
  for (const auto& c : Cases()) {
    INFO(ValueTypeName(c.type) << " " << WordOrderName(c.order));
    REQUIRE(static_cast<int>(c.registers.size()) == RegisterCount(c.type));
    CHECK(DecodeRaw(c.registers, c.type, c.order) == c.expected);
  }
}

TEST_CASE("Scale and offset apply after decoding") {
  const auto spec = ParseRegisterSpec("channel=t addr=0 type=i16 scale=0.1 offset=-40 unit=degC");
  REQUIRE(spec.has_value());
  const std::vector<std::uint16_t> regs = {655};
  CHECK(DecodeValue(regs, *spec) == Approx(25.5));
}

TEST_CASE("A full entry parses into every field") {
  const auto spec = ParseRegisterSpec(
      "channel=pm2_5 addr=3 fn=input type=f32 order=cdab scale=2 offset=1 unit=ug/m3");
  REQUIRE(spec.has_value());
  CHECK(spec->channel == "pm2_5");
  CHECK(spec->address == 3);
  CHECK(spec->function == Function::kInput);
  CHECK(spec->type == ValueType::kF32);
  CHECK(spec->order == WordOrder::kCdab);
  CHECK(spec->scale == 2);
  CHECK(spec->offset == 1);
  CHECK(spec->unit == "ug/m3");
}

TEST_CASE("Defaults depend on the function") {
  const auto reg = ParseRegisterSpec("channel=a addr=10");
  REQUIRE(reg.has_value());
  CHECK(reg->function == Function::kHolding);
  CHECK(reg->type == ValueType::kU16);
  const auto coil = ParseRegisterSpec("  channel=b\taddr=1 fn=coil  ");
  REQUIRE(coil.has_value());
  CHECK(coil->type == ValueType::kBit);
}

struct BadCase {
  std::string text;
  std::string message_part;
};

TEST_CASE("Bad entries fail with a message naming the problem") {
  const std::vector<BadCase> cases = {
      {"addr=1", "channel= is required"},
      {"channel=a", "addr= is required"},
      {"channel=a addr=1 fn=holdings",
       "fn=\"holdings\" is not one of holding, input, coil, discrete"},
      {"channel=a addr=1 type=float", "type=\"float\" is not one of"},
      {"channel=a addr=1 type=f32 order=abdc",
       "order=\"abdc\" is not one of abcd, cdab, badc, dcba"},
      {"channel=a addr=70000", "addr=\"70000\" is not an integer in 0..65535"},
      {"channel=a addr=-1", "addr=\"-1\""},
      {"channel=a addr=1x", "addr=\"1x\""},
      {"channel=a addr=1 scale=ten", "scale=\"ten\" is not a finite number"},
      {"channel=a addr=1 offset=inf", "offset=\"inf\""},
      {"channel=a addr=1 colour=red", "unknown key \"colour\" (keys: channel, addr, fn, type"},
      {"channel=a addr=1 addr=2", "key \"addr\" given twice"},
      {"channel=a addr=1 holding", "\"holding\" is not key=value"},
      {"channel=a addr=1 fn=coil type=u16", "type=u16 does not fit fn=coil"},
      {"channel=a addr=1 fn=input type=bit", "type=bit does not fit fn=input"},
      {"channel=a addr=1 type=u16 order=cdab", "order=cdab needs a 32-bit type"},
      {"channel=a addr=65535 type=u32", "runs past address 65535"},
      {"channel=a/b addr=1", "channel=\"a/b\" must be"},
      {"channel= addr=1", "channel=\"\" must be"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const auto spec = ParseRegisterSpec(c.text);
    REQUIRE_FALSE(spec.has_value());
    CHECK(spec.error().code == CE_DRIVER_FATAL);
    CHECK_THAT(spec.error().message, Catch::Contains(c.message_part));
  }
}

TEST_CASE("The map reports every bad entry by index, and duplicate channels") {
  const auto map = ParseRegisterMap(
      {"channel=a addr=1", "channel=b", "channel=a addr=2", "channel=c addr=3 type=x"});
  REQUIRE_FALSE(map.has_value());
  const std::string& m = map.error().message;
  CHECK_THAT(m, Catch::Contains("registers[1]: addr= is required"));
  CHECK_THAT(m, Catch::Contains("registers[2].channel: \"a\" is used by an earlier entry"));
  CHECK_THAT(m, Catch::Contains("registers[3]: type=\"x\""));
  CHECK_THAT(m, !Catch::Contains("registers[0]"));

  CHECK_FALSE(ParseRegisterMap({}).has_value());
  const auto good = ParseRegisterMap({"channel=a addr=1", "channel=b addr=2 fn=discrete"});
  REQUIRE(good.has_value());
  CHECK(good->size() == 2);
}

sdk::Settings Table(std::vector<std::pair<std::string, std::string>> fields) {
  return sdk::Settings(std::move(fields));
}

TEST_CASE("The map is read from tables, with problems under their key paths") {
  const auto map = ParseRegisterTables(std::vector<sdk::Settings>{
      Table({{"channel", "pm2_5"},
             {"addr", "3"},
             {"fn", "input"},
             {"type", "f32"},
             {"order", "cdab"},
             {"scale", "1"},
             {"offset", "0"},
             {"unit", "ug/m3"}}),
      Table({{"channel", "fault"}, {"addr", "0"}, {"fn", "discrete"}, {"order", "abcd"}}),
  });
  REQUIRE(map.has_value());
  REQUIRE(map->size() == 2);
  CHECK((*map)[0].type == ValueType::kF32);
  CHECK((*map)[0].order == WordOrder::kCdab);
  CHECK((*map)[0].unit == "ug/m3");
  CHECK((*map)[1].type == ValueType::kBit);  // the default for discrete inputs

  const auto bad = ParseRegisterTables(std::vector<sdk::Settings>{
      Table({{"channel", "a"}, {"addr", "1"}}),
      Table({{"channel", "b c"}, {"addr", "2"}}),
      Table({{"channel", "c"}, {"addr", "3"}, {"fn", "coil"}, {"type", "f32"}}),
      Table({{"channel", "d"}, {"addr", "4"}, {"type", "u16"}, {"order", "cdab"}}),
      Table({{"channel", "a"}, {"addr", "65535"}, {"type", "u32"}}),
  });
  REQUIRE_FALSE(bad.has_value());
  const std::string& m = bad.error().message;
  CHECK_THAT(m, Catch::Contains("registers[1].channel: channel=\"b c\" must be"));
  CHECK_THAT(m, Catch::Contains("registers[2]: type=f32 does not fit fn=coil"));
  CHECK_THAT(m, Catch::Contains("registers[3]: order=cdab needs a 32-bit type"));
  CHECK_THAT(m, Catch::Contains("registers[4]: addr=65535 with type=u32 runs past"));
  CHECK_THAT(m, !Catch::Contains("registers[0]"));
  CHECK_FALSE(ParseRegisterTables({}).has_value());
}

}  // namespace
}  // namespace cityedge::drivers::modbus
