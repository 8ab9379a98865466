// SPDX-License-Identifier: Apache-2.0
#include "register_map.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cityedge::drivers::modbus {
namespace {

template <typename E>
struct Named {
  std::string_view name;
  E value;
};

constexpr std::array<Named<Function>, 4> kFunctions = {{
    {"holding", Function::kHolding},
    {"input", Function::kInput},
    {"coil", Function::kCoil},
    {"discrete", Function::kDiscrete},
}};
constexpr std::array<Named<ValueType>, 6> kTypes = {{
    {"bit", ValueType::kBit},
    {"u16", ValueType::kU16},
    {"i16", ValueType::kI16},
    {"u32", ValueType::kU32},
    {"i32", ValueType::kI32},
    {"f32", ValueType::kF32},
}};
constexpr std::array<Named<WordOrder>, 4> kOrders = {{
    {"abcd", WordOrder::kAbcd},
    {"cdab", WordOrder::kCdab},
    {"badc", WordOrder::kBadc},
    {"dcba", WordOrder::kDcba},
}};

// For each order, the wire position (0..3) of value bytes A, B, C, D.
constexpr std::array<std::array<int, 4>, 4> kBytePositions = {{
    {0, 1, 2, 3},  // abcd
    {2, 3, 0, 1},  // cdab
    {1, 0, 3, 2},  // badc
    {3, 2, 1, 0},  // dcba
}};

template <typename E, std::size_t N>
std::string_view NameOf(const std::array<Named<E>, N>& table, E value) {
  for (const auto& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return "?";
}

template <typename E, std::size_t N>
sdk::Result<E> ParseNamed(const std::array<Named<E>, N>& table, std::string_view key,
                          std::string_view text) {
  for (const auto& entry : table) {
    if (entry.name == text) return entry.value;
  }
  std::vector<std::string_view> names;
  for (const auto& entry : table) names.push_back(entry.name);
  return sdk::Fatal(fmt::format("{}=\"{}\" is not one of {}", key, text, fmt::join(names, ", ")));
}

sdk::Result<double> ParseNumber(std::string_view key, std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return sdk::Fatal(fmt::format("{}=\"{}\" is not a finite number", key, text));
  }
  return value;
}

sdk::Result<std::uint16_t> ParseAddress(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) {
    return sdk::Fatal(fmt::format("addr=\"{}\" is not an integer in 0..65535", text));
  }
  return static_cast<std::uint16_t>(value);
}

sdk::Status CheckChannel(std::string_view text) {
  const bool ok = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
  if (ok) return {};
  return sdk::Fatal(
      fmt::format("channel=\"{}\" must be non-empty letters, digits, '_', '.' or '-'", text));
}

// Keys seen while parsing one entry; optional so defaults can depend on fn.
struct Draft {
  std::optional<std::string> channel;
  std::optional<std::uint16_t> address;
  Function function = Function::kHolding;
  std::optional<ValueType> type;
  WordOrder order = WordOrder::kAbcd;
  double scale = 1.0;
  double offset = 0.0;
  std::string unit;
};

using KeyParser = std::function<sdk::Status(std::string_view, Draft&)>;
struct KeyEntry {
  std::string_view key;
  KeyParser parse;
};

template <typename T, typename Parse>
sdk::Status Assign(sdk::Result<T> parsed, Parse&& store) {
  if (!parsed) return std::unexpected(parsed.error());
  store(*parsed);
  return {};
}

const std::vector<KeyEntry>& KeyTable() {
  static const std::vector<KeyEntry> table = {
      {"channel",
       [](std::string_view v, Draft& d) -> sdk::Status {
         if (auto ok = CheckChannel(v); !ok) return ok;
         d.channel = std::string(v);
         return {};
       }},
      {"addr",
       [](auto v, Draft& d) { return Assign(ParseAddress(v), [&](auto x) { d.address = x; }); }},
      {"fn",
       [](auto v, Draft& d) {
         return Assign(ParseNamed(kFunctions, "fn", v), [&](auto x) { d.function = x; });
       }},
      {"type",
       [](auto v, Draft& d) {
         return Assign(ParseNamed(kTypes, "type", v), [&](auto x) { d.type = x; });
       }},
      {"order",
       [](auto v, Draft& d) {
         return Assign(ParseNamed(kOrders, "order", v), [&](auto x) { d.order = x; });
       }},
      {"scale",
       [](auto v, Draft& d) {
         return Assign(ParseNumber("scale", v), [&](auto x) { d.scale = x; });
       }},
      {"offset",
       [](auto v, Draft& d) {
         return Assign(ParseNumber("offset", v), [&](auto x) { d.offset = x; });
       }},
      {"unit",
       [](auto v, Draft& d) -> sdk::Status {
         d.unit = std::string(v);
         return {};
       }},
  };
  return table;
}

std::string KnownKeys() {
  std::vector<std::string_view> keys;
  for (const auto& entry : KeyTable()) keys.push_back(entry.key);
  return fmt::format("{}", fmt::join(keys, ", "));
}

sdk::Status ApplyToken(std::string_view token, std::set<std::string_view>& seen, Draft& draft) {
  const auto eq = token.find('=');
  if (eq == std::string_view::npos) {
    return sdk::Fatal(fmt::format("\"{}\" is not key=value (keys: {})", token, KnownKeys()));
  }
  const std::string_view key = token.substr(0, eq);
  const auto entry = std::find_if(KeyTable().begin(), KeyTable().end(),
                                  [&](const KeyEntry& e) { return e.key == key; });
  if (entry == KeyTable().end()) {
    return sdk::Fatal(fmt::format("unknown key \"{}\" (keys: {})", key, KnownKeys()));
  }
  if (!seen.insert(entry->key).second) {
    return sdk::Fatal(fmt::format("key \"{}\" given twice", key));
  }
  return entry->parse(token.substr(eq + 1), draft);
}

bool IsBitFunction(Function f) { return f == Function::kCoil || f == Function::kDiscrete; }

sdk::Result<RegisterSpec> Finish(const Draft& d) {
  if (!d.channel) return sdk::Fatal("channel= is required");
  if (!d.address) return sdk::Fatal("addr= is required");
  const ValueType type =
      d.type.value_or(IsBitFunction(d.function) ? ValueType::kBit : ValueType::kU16);
  if (IsBitFunction(d.function) != (type == ValueType::kBit)) {
    return sdk::Fatal(fmt::format(
        "type={} does not fit fn={} ({})", ValueTypeName(type), FunctionName(d.function),
        IsBitFunction(d.function) ? "coils and discrete inputs are type=bit"
                                  : "registers are u16, i16, u32, i32 or f32"));
  }
  const int count = RegisterCount(type);
  if (count == 1 && d.order != WordOrder::kAbcd &&
      !(type != ValueType::kBit && d.order == WordOrder::kBadc)) {
    return sdk::Fatal(fmt::format("order={} needs a 32-bit type (type={} takes {})",
                                  WordOrderName(d.order), ValueTypeName(type),
                                  type == ValueType::kBit ? "no order" : "abcd or badc"));
  }
  if (*d.address + count - 1 > 65535) {
    return sdk::Fatal(fmt::format("addr={} with type={} runs past address 65535", *d.address,
                                  ValueTypeName(type)));
  }
  return RegisterSpec{*d.channel, *d.address, d.function, type, d.order, d.scale, d.offset, d.unit};
}

}  // namespace

std::string_view FunctionName(Function function) { return NameOf(kFunctions, function); }
std::string_view ValueTypeName(ValueType type) { return NameOf(kTypes, type); }
std::string_view WordOrderName(WordOrder order) { return NameOf(kOrders, order); }

int RegisterCount(ValueType type) {
  return type == ValueType::kU32 || type == ValueType::kI32 || type == ValueType::kF32 ? 2 : 1;
}

sdk::Result<RegisterSpec> ParseRegisterSpec(std::string_view text) {
  Draft draft;
  std::set<std::string_view> seen;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto begin = text.find_first_not_of(" \t", at);
    if (begin == std::string_view::npos) break;
    const auto end = std::min(text.find_first_of(" \t", begin), text.size());
    if (auto ok = ApplyToken(text.substr(begin, end - begin), seen, draft); !ok) {
      return std::unexpected(ok.error());
    }
    at = end;
  }
  return Finish(draft);
}

namespace {

// Collects the entries `parse(i)` makes, reporting every bad one and channels
// used twice, each under its "registers[i]" path.
template <typename Parse>
sdk::Result<std::vector<RegisterSpec>> CollectMap(std::size_t count, Parse&& parse) {
  std::vector<RegisterSpec> specs;
  std::vector<std::string> problems;
  std::set<std::string> channels;
  for (std::size_t i = 0; i < count; ++i) {
    auto spec = parse(i);
    if (!spec) {
      problems.push_back(spec.error().message);
    } else if (!channels.insert(spec->channel).second) {
      problems.push_back(fmt::format("registers[{}].channel: \"{}\" is used by an earlier entry", i,
                                     spec->channel));
    } else {
      specs.push_back(std::move(*spec));
    }
  }
  if (!problems.empty()) {
    return sdk::Fatal(fmt::format("{}", fmt::join(problems, "; ")));
  }
  return specs;
}

// One table of the map. Its fields arrive as canonical text, already checked
// against the field table by the host, so they go through the same per-key
// parsers as the one-line form; what is left to check spans several fields.
sdk::Result<RegisterSpec> ParseRegisterTable(const sdk::Settings& table, std::size_t index) {
  Draft draft;
  for (const KeyEntry& entry : KeyTable()) {
    if (!table.Has(entry.key)) continue;
    if (auto ok = entry.parse(table.GetString(entry.key), draft); !ok) {
      return sdk::Fatal(fmt::format("registers[{}].{}: {}", index, entry.key, ok.error().message));
    }
  }
  auto spec = Finish(draft);
  if (!spec) return sdk::Fatal(fmt::format("registers[{}]: {}", index, spec.error().message));
  return spec;
}

}  // namespace

sdk::Result<std::vector<RegisterSpec>> ParseRegisterMap(const std::vector<std::string>& entries) {
  if (entries.empty()) {
    return sdk::Fatal(
        "registers: the list is empty; give at least one entry such as "
        "{channel: level, addr: 0, fn: holding, type: u16}");
  }
  return CollectMap(entries.size(), [&](std::size_t i) -> sdk::Result<RegisterSpec> {
    auto spec = ParseRegisterSpec(entries[i]);
    if (!spec) return sdk::Fatal(fmt::format("registers[{}]: {}", i, spec.error().message));
    return spec;
  });
}

sdk::Result<std::vector<RegisterSpec>> ParseRegisterTables(
    const std::vector<sdk::Settings>& tables) {
  if (tables.empty()) {
    return sdk::Fatal(
        "registers: the list is empty; give at least one entry such as "
        "{channel: level, addr: 0, fn: holding, type: u16}");
  }
  return CollectMap(tables.size(), [&](std::size_t i) { return ParseRegisterTable(tables[i], i); });
}

double DecodeRaw(std::span<const std::uint16_t> registers, ValueType type, WordOrder order) {
  std::array<std::uint8_t, 4> wire{};
  for (std::size_t i = 0; i < registers.size() && i < 2; ++i) {
    wire[2 * i] = static_cast<std::uint8_t>(registers[i] >> 8);
    wire[2 * i + 1] = static_cast<std::uint8_t>(registers[i] & 0xFF);
  }
  const auto& pos = kBytePositions[static_cast<std::size_t>(order)];
  if (RegisterCount(type) == 1) {
    if (type == ValueType::kBit) return registers[0] != 0 ? 1.0 : 0.0;
    // For one register only A and B exist; badc puts B first on the wire.
    const bool swapped = order == WordOrder::kBadc;
    const auto v =
        static_cast<std::uint16_t>(swapped ? (wire[1] << 8) | wire[0] : (wire[0] << 8) | wire[1]);
    return type == ValueType::kI16 ? static_cast<double>(static_cast<std::int16_t>(v)) : v;
  }
  std::uint32_t v = 0;
  for (int letter = 0; letter < 4; ++letter) v = (v << 8) | wire[pos[letter]];
  switch (type) {
    case ValueType::kI32:
      return static_cast<double>(static_cast<std::int32_t>(v));
    case ValueType::kF32:
      return static_cast<double>(std::bit_cast<float>(v));
    default:
      return static_cast<double>(v);
  }
}

double DecodeValue(std::span<const std::uint16_t> registers, const RegisterSpec& spec) {
  return DecodeRaw(registers, spec.type, spec.order) * spec.scale + spec.offset;
}

}  // namespace cityedge::drivers::modbus
