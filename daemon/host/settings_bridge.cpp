// SPDX-License-Identifier: Apache-2.0
#include "daemon/host/settings_bridge.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <set>
#include <span>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "daemon/config/values.hpp"

namespace cityedge::host {
namespace {

using config::SettingSpec;
using config::SettingType;

struct TypeMapping {
  ce_driver_setting_type abi;
  SettingType type;
};

constexpr TypeMapping kTypes[] = {
    {CE_DRIVER_SETTING_STRING, SettingType::kString},
    {CE_DRIVER_SETTING_INT, SettingType::kInt},
    {CE_DRIVER_SETTING_DOUBLE, SettingType::kDouble},
    {CE_DRIVER_SETTING_BOOL, SettingType::kBool},
    {CE_DRIVER_SETTING_DURATION, SettingType::kDuration},
    {CE_DRIVER_SETTING_SIZE, SettingType::kSize},
    {CE_DRIVER_SETTING_ENUM, SettingType::kEnum},
    {CE_DRIVER_SETTING_LIST, SettingType::kList},
    {CE_DRIVER_SETTING_TABLE_LIST, SettingType::kTableList},
};

// Offsets of the ABI 1.0 fields, so a schema entry compiled against a newer
// minor (a larger stride) is still read correctly.
constexpr std::size_t kMinSpecSize =
    offsetof(ce_driver_setting_spec, description) + sizeof(const char*);
// The end of the ABI 1.2 fields: `fields`, `fields_count` and `flags` are read
// only from entries at least this large; smaller (1.0/1.1) entries have none.
constexpr std::size_t kSpecSize12 =
    offsetof(ce_driver_setting_spec, flags) + sizeof(ce_driver_setting_flags);

std::string FormatDouble(double value) { return fmt::format("{}", value); }

Result<std::int64_t> AsInt64(Result<std::uint64_t> value) {
  if (!value) return std::unexpected(value.error());
  if (*value > static_cast<std::uint64_t>(INT64_MAX)) {
    return MakeError(Code::kInvalidArgument, "{} is too large", *value);
  }
  return static_cast<std::int64_t>(*value);
}

}  // namespace

namespace {

Result<config::SettingsSchema> ConvertSpecs(const void* specs, std::size_t count,
                                            std::size_t stride, bool nested);

Result<SettingSpec> ConvertSpec(const ce_driver_setting_spec& c, std::size_t stride, bool nested) {
  if (c.key == nullptr || *c.key == '\0') {
    return MakeError(Code::kInvalidArgument, "a setting has no key");
  }
  SettingSpec spec;
  spec.key = c.key;
  const TypeMapping* mapping = nullptr;
  for (const TypeMapping& m : kTypes) {
    if (m.abi == c.type) mapping = &m;
  }
  if (mapping == nullptr) {
    return MakeError(Code::kInvalidArgument, "setting '{}' has unknown type {}", spec.key, c.type);
  }
  spec.type = mapping->type;
  spec.required = c.required != 0;
  if (c.default_text != nullptr) spec.default_text = c.default_text;
  if (c.has_min != 0) spec.min = c.min;
  if (c.has_max != 0) spec.max = c.max;
  for (const char* const* a = c.allowed; a != nullptr && *a != nullptr; ++a) {
    spec.allowed.emplace_back(*a);
  }
  if (spec.type == SettingType::kEnum && spec.allowed.empty()) {
    return MakeError(Code::kInvalidArgument, "enum setting '{}' lists no allowed values", spec.key);
  }
  if (c.unit != nullptr) spec.unit = c.unit;
  if (c.description == nullptr) {
    return MakeError(Code::kInvalidArgument, "setting '{}' has no description", spec.key);
  }
  spec.description = c.description;
  if (spec.type != SettingType::kTableList) return spec;
  if (nested) {
    return MakeError(Code::kInvalidArgument, "setting '{}' nests a list of tables in a table",
                     spec.key);
  }
  if (c.fields == nullptr || c.fields_count == 0) {
    return MakeError(Code::kInvalidArgument, "list of tables '{}' declares no fields", spec.key);
  }
  Result<config::SettingsSchema> fields = ConvertSpecs(c.fields, c.fields_count, stride, true);
  if (!fields) {
    return MakeError(Code::kInvalidArgument, "in the fields of '{}': {}", spec.key,
                     fields.error().message());
  }
  spec.fields = std::move(*fields);
  spec.accepts_lines = (c.flags & CE_DRIVER_SETTING_FLAG_LINE_ITEMS) != 0;
  return spec;
}

// Entries laid out `stride` bytes apart; members past the stride read as 0,
// so a 1.0/1.1 table (no fields, no flags) and a larger future one both work.
Result<config::SettingsSchema> ConvertSpecs(const void* specs, std::size_t count,
                                            std::size_t stride, bool nested) {
  config::SettingsSchema schema;
  std::set<std::string> keys;
  const auto* base = static_cast<const unsigned char*>(specs);
  for (std::size_t i = 0; i < count; ++i) {
    ce_driver_setting_spec c{};
    std::memcpy(&c, base + i * stride, std::min(sizeof(c), stride));
    if (stride < kSpecSize12) {
      c.fields = nullptr;
      c.fields_count = 0;
      c.flags = 0;
    }
    Result<SettingSpec> spec = ConvertSpec(c, stride, nested);
    if (!spec) return std::unexpected(spec.error());
    if (!keys.insert(spec->key).second) {
      return MakeError(Code::kInvalidArgument, "setting '{}' is declared twice", spec->key);
    }
    schema.push_back(std::move(*spec));
  }
  return schema;
}

}  // namespace

Result<config::SettingsSchema> ConvertSchema(const ce_driver_descriptor& descriptor) {
  if (descriptor.settings_count > 0 &&
      (descriptor.settings == nullptr || descriptor.setting_spec_size < kMinSpecSize)) {
    return MakeError(Code::kInvalidArgument,
                     "settings table is missing or its entries ({} bytes) are smaller than "
                     "ABI 1.0's ({} bytes)",
                     descriptor.setting_spec_size, kMinSpecSize);
  }
  return ConvertSpecs(descriptor.settings, descriptor.settings_count, descriptor.setting_spec_size,
                      false);
}

namespace {

std::string RangeText(const SettingSpec& spec) {
  if (spec.min && spec.max) return fmt::format("between {} and {}", *spec.min, *spec.max);
  if (spec.min) return fmt::format(">= {}", *spec.min);
  if (spec.max) return fmt::format("<= {}", *spec.max);
  return "";
}

Result<double> CheckRange(const SettingSpec& spec, double value) {
  if ((spec.min && value < *spec.min) || (spec.max && value > *spec.max)) {
    return MakeError(Code::kInvalidArgument, "{} is out of range: must be {}", FormatDouble(value),
                     RangeText(spec));
  }
  return value;
}

// Integer-valued kinds: kInt, kDuration (ms), kSize (bytes). Durations and sizes
// also accept their YAML text, so a default or a hand-built config works.
Result<std::string> IntegerText(const SettingSpec& spec, const v1::SettingValue& v) {
  Result<std::int64_t> value = MakeError(Code::kInvalidArgument, "expected an integer");
  if (v.has_int_value()) {
    value = v.int_value();
  } else if (v.has_string_value() && spec.type == SettingType::kDuration) {
    value = AsInt64(config::ParseDuration(v.string_value()));
  } else if (v.has_string_value() && spec.type == SettingType::kSize) {
    value = AsInt64(config::ParseSize(v.string_value()));
  } else if (v.has_string_value()) {
    value = config::ParseInteger(v.string_value());
  }
  if (!value) return std::unexpected(value.error());
  if (Result<double> r = CheckRange(spec, static_cast<double>(*value)); !r) {
    return std::unexpected(r.error());
  }
  return std::to_string(*value);
}

Result<std::string> ValueText(const SettingSpec& spec, const v1::SettingValue& v) {
  switch (spec.type) {
    case SettingType::kInt:
    case SettingType::kDuration:
    case SettingType::kSize:
      return IntegerText(spec, v);
    case SettingType::kDouble: {
      Result<double> value = v.has_double_value() ? Result<double>(v.double_value())
                             : v.has_int_value()  ? Result<double>(double(v.int_value()))
                             : v.has_string_value()
                                 ? config::ParseNumber(v.string_value())
                                 : MakeError(Code::kInvalidArgument, "expected a number");
      if (value) value = CheckRange(spec, *value);
      if (!value) return std::unexpected(value.error());
      return FormatDouble(*value);
    }
    case SettingType::kBool:
      if (v.has_bool_value()) return std::string(v.bool_value() ? "true" : "false");
      if (v.has_string_value() && (v.string_value() == "true" || v.string_value() == "false")) {
        return v.string_value();
      }
      return MakeError(Code::kInvalidArgument, "expected true or false");
    case SettingType::kList: {
      if (!v.has_list_value()) return MakeError(Code::kInvalidArgument, "expected a list");
      return fmt::format("{}", fmt::join(v.list_value().items(), "\n"));
    }
    case SettingType::kTableList:
      return MakeError(Code::kInternal, "a list of tables has no single text");
    case SettingType::kString:
    case SettingType::kEnum:
      break;
  }
  if (!v.has_string_value()) return MakeError(Code::kInvalidArgument, "expected text");
  if (spec.type == SettingType::kEnum &&
      std::find(spec.allowed.begin(), spec.allowed.end(), v.string_value()) == spec.allowed.end()) {
    return MakeError(Code::kInvalidArgument, "'{}' is not one of: {}", v.string_value(),
                     fmt::join(spec.allowed, ", "));
  }
  return v.string_value();
}

// A default as written in YAML, turned into the SettingValue the YAML would give.
v1::SettingValue DefaultValue(const SettingSpec& spec) {
  v1::SettingValue v;
  if (spec.type == SettingType::kList) {
    v.mutable_list_value();  // list defaults are empty
  } else if (spec.type == SettingType::kBool) {
    v.set_bool_value(spec.default_text == "true");
  } else {
    v.set_string_value(spec.default_text);
  }
  return v;
}

}  // namespace

namespace {

using SettingMap = google::protobuf::Map<std::string, v1::SettingValue>;

// Canonical texts of `values` under `prefix` ("" or "registers[1]."): a list of
// tables becomes its count plus each table's fields, flattened.
void AppendCanonical(const config::SettingsSchema& schema, const SettingMap& values,
                     const std::string& prefix, std::vector<std::string>& problems,
                     SettingTexts& texts) {
  std::vector<std::string> valid_keys;
  for (const SettingSpec& spec : schema) valid_keys.push_back(spec.key);
  for (const auto& [key, value] : values) {
    if (std::find(valid_keys.begin(), valid_keys.end(), key) == valid_keys.end()) {
      problems.push_back(fmt::format("unknown setting '{}{}'; valid settings: {}", prefix, key,
                                     fmt::join(valid_keys, ", ")));
    }
  }
  for (const SettingSpec& spec : schema) {
    const std::string key = prefix + spec.key;
    const auto it = values.find(spec.key);
    if (it == values.end() && spec.required) {
      problems.push_back(fmt::format("setting '{}' is required ({})", key, spec.description));
      continue;
    }
    if (it == values.end() && spec.default_text.empty() && spec.type != SettingType::kBool) {
      continue;  // optional and unset
    }
    if (spec.type == SettingType::kTableList) {
      if (it == values.end()) continue;  // a list of tables has no default but "none"
      if (!it->second.has_table_list_value()) {
        problems.push_back(fmt::format("setting '{}' (list of tables): expected tables", key));
        continue;
      }
      const auto& tables = it->second.table_list_value().tables();
      const double count = tables.size();
      if ((spec.min && count < *spec.min) || (spec.max && count > *spec.max)) {
        problems.push_back(
            fmt::format("setting '{}' (list of tables): {} tables is out of range: "
                        "must be {}",
                        key, tables.size(), RangeText(spec)));
      }
      texts.emplace_back(key, std::to_string(tables.size()));
      for (int i = 0; i < tables.size(); ++i) {
        AppendCanonical(spec.fields, tables[i].values(), fmt::format("{}[{}].", key, i), problems,
                        texts);
      }
      continue;
    }
    const v1::SettingValue value = it != values.end() ? it->second : DefaultValue(spec);
    Result<std::string> text = ValueText(spec, value);
    if (!text) {
      problems.push_back(fmt::format("setting '{}' ({}): {}{}", key,
                                     config::SettingTypeName(spec.type), text.error().message(),
                                     it == values.end() ? " (in the driver's default)" : ""));
      continue;
    }
    texts.emplace_back(key, std::move(*text));
  }
}

}  // namespace

Result<SettingTexts> CanonicalSettings(const config::SettingsSchema& schema,
                                       const SettingMap& values) {
  std::vector<std::string> problems;
  SettingTexts texts;
  AppendCanonical(schema, values, "", problems, texts);
  if (!problems.empty()) {
    return MakeError(Code::kInvalidArgument, "{}", fmt::join(problems, "; "));
  }
  return texts;
}

}  // namespace cityedge::host
