// SPDX-License-Identifier: Apache-2.0
// Settings tables: how a driver or pipeline declares its settings once, so the
// same table validates YAML, prints `cityedged --describe TYPE` and fills the
// plugin's README.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cityedge/v1/config.pb.h"
#include "daemon/core/status.hpp"

namespace cityedge::config {

enum class SettingType {
  kString,
  kInt,        // 64-bit integer, strict ("ten" and "10.5" are errors)
  kDouble,     // finite number
  kBool,       // true/false only
  kDuration,   // "250ms", "30s", "5m", "2h", "1d"; stored as int milliseconds
  kSize,       // "512MiB", "64kB", or bytes; stored as int bytes
  kEnum,       // one of `allowed`; stored as string
  kList,       // YAML sequence of scalars (or of flow mappings rendered as text); stored as list
  kTableList,  // YAML sequence of mappings, each validated against SettingSpec::fields; stored
               // as table_list_value, one Table per item with its defaults filled in
};

[[nodiscard]] std::string_view SettingTypeName(SettingType type);

struct SettingSpec {
  std::string key;
  SettingType type = SettingType::kString;
  std::string default_text;  // as written in YAML; empty with required=false means "unset"
  bool required = false;
  std::optional<double> min;  // inclusive, on the converted value (ms, bytes)
  std::optional<double> max;
  std::vector<std::string> allowed;  // kEnum values
  std::string unit;                  // documentation: "ms", "ug/m3", "m" ...
  std::string description;
  // kTableList: the keys of each table (never themselves kTableList); min/max
  // bound the number of tables.
  std::vector<SettingSpec> fields;
  // kTableList: an item may also be the deprecated one-line form
  // "field=value field=value", read as the mapping it spells, with a warning.
  bool accepts_lines = false;
};

using SettingsSchema = std::vector<SettingSpec>;

// Validated settings of one instance: every key of the schema that has a value
// (given or default), typed. Plugins read them through these accessors; a
// missing key or wrong type is a programming error (the validator ran first)
// and terminates.
class Settings {
 public:
  Settings() = default;
  explicit Settings(std::map<std::string, v1::SettingValue> values) : values_(std::move(values)) {}

  [[nodiscard]] bool Has(std::string_view key) const;
  [[nodiscard]] const std::string& GetString(std::string_view key) const;
  [[nodiscard]] std::int64_t GetInt(
      std::string_view key) const;                             // also durations (ms), sizes (bytes)
  [[nodiscard]] double GetDouble(std::string_view key) const;  // ints convert
  [[nodiscard]] bool GetBool(std::string_view key) const;
  [[nodiscard]] std::vector<std::string> GetList(std::string_view key) const;
  // The tables of a kTableList setting, each with its fields (and their
  // defaults); empty when the setting is absent.
  [[nodiscard]] std::vector<Settings> GetTables(std::string_view key) const;
  [[nodiscard]] const std::map<std::string, v1::SettingValue>& values() const { return values_; }

 private:
  [[nodiscard]] const v1::SettingValue& Get(std::string_view key) const;
  std::map<std::string, v1::SettingValue> values_;
};

// Looks up the settings tables of the driver and pipeline types this build has.
// The config loader uses it to validate `settings:` and `type:`.
class SchemaRegistry {
 public:
  virtual ~SchemaRegistry() = default;
  [[nodiscard]] virtual const SettingsSchema* FindDriver(std::string_view type) const = 0;
  [[nodiscard]] virtual const SettingsSchema* FindPipeline(std::string_view type) const = 0;
  [[nodiscard]] virtual std::vector<std::string> DriverTypes() const = 0;
  [[nodiscard]] virtual std::vector<std::string> PipelineTypes() const = 0;
};

}  // namespace cityedge::config
