// SPDX-License-Identifier: Apache-2.0
// Settings tables: how a driver or pipeline declares its settings once, so the
// same table validates YAML, prints `cityedged --describe TYPE` and fills the
// plugin's README.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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
  kList,       // YAML sequence of scalars (or of flow mappings rendered as text); stored as list;
               // with SettingSpec::item, a sequence of typed items stored as list values
  kTableList,  // YAML sequence of mappings, each validated against SettingSpec::fields; stored
               // as table_list_value, one Table per item with its defaults filled in
};

[[nodiscard]] std::string_view SettingTypeName(SettingType type);

// What a deprecated one-line table spells before it is validated: a word as
// written, or a list of values ("[x, y]"). Given to the validator by a
// LineReader, which needs no YAML library.
struct LineValue {
  std::string word;
  std::vector<LineValue> items;
  bool is_list = false;
};
// The fields of one table, in the order written.
using LineTable = std::vector<std::pair<std::string, LineValue>>;
// Reads the deprecated one-line form of a table ("gates: 0.2,0.6 0.8,0.6") as
// the fields it spells, or says why it cannot. Words are not checked here:
// the validator checks them against the fields like any value, so a bad
// number is named by its key path. Pure; any thread.
using LineReader = std::function<Result<LineTable>(std::string_view line)>;

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
  // kTableList with accepts_lines: reads the one-line form instead of
  // "field=value" (pipelines' own earlier forms; not in the driver ABI).
  LineReader read_line;
  // A field of a kTableList: no two tables may have the same value.
  bool unique = false;
  // kList: empty (items are scalars or flow text), or the one spec every item
  // meets: a number, a fixed-size list of numbers ([x, y], a matrix row)...
  // The items are then validated one by one, named by their index
  // (zones[0].polygon[2][1]), and stored as typed list values. Pipelines only:
  // the driver ABI has no typed lists.
  std::vector<SettingSpec> item;
  // kList whose item is a list of exactly n items: the deprecated flat form,
  // all n x count items in one list row after row, is read as its rows, with
  // a warning.
  bool accepts_flat = false;
  // Non-empty: the key is deprecated; the text says what to write instead. A
  // given value is still read, with a warning.
  std::string deprecated;
  // A deprecated key's replacement in the same schema; giving both is an
  // error, since one would silently win.
  std::string replaced_by;
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
  // A typed list of numbers ([0.2, 0.6]); empty when the setting is absent.
  [[nodiscard]] std::vector<double> GetNumbers(std::string_view key) const;
  // A typed list of lists of numbers (points, matrix rows); empty when absent.
  [[nodiscard]] std::vector<std::vector<double>> GetNumberLists(std::string_view key) const;
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
