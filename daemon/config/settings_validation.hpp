// SPDX-License-Identifier: Apache-2.0
// Validation of a driver's or pipeline's `settings:` block against the
// SettingsSchema the plugin declares, and the documentation table made from
// the same schema.
//
// Rules: unknown keys are errors naming the valid ones; repeated keys are
// errors; values parse strictly by SettingType (see values.hpp); kEnum values
// (and kString values when `allowed` is set) must be in `allowed`; min/max
// bound the converted value (bytes, milliseconds) and, for kList, the number
// of items; a missing required key is an error; every other missing key with a
// default_text gets the default, parsed by the same rules. Every problem is
// reported, not just the first. Structured values are checked inside: each
// table of a kTableList against its fields (registers[1].order), each item
// of a typed kList against its item spec (zones[0].polygon[2][1]), unique
// fields across tables.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "daemon/config/problem.hpp"
#include "daemon/config/settings.hpp"

namespace cityedge::config {

using SettingsResult = std::expected<Settings, std::vector<Problem>>;

// `node` is the mapping under `settings:` (a null node means no settings
// given). Problems carry `file_name`, the node positions and key paths under
// `path` ("settings.port"). Deprecated forms that were accepted (a one-line
// table, a deprecated key) go to `warnings` when given, else nowhere.
[[nodiscard]] SettingsResult ValidateSettings(const SettingsSchema& schema, const YAML::Node& node,
                                              std::string_view file_name = "<settings>",
                                              std::string_view path = "settings",
                                              std::vector<Problem>* warnings = nullptr);

// The same from YAML text holding the settings mapping itself, e.g.
// "path: /data/a.csv\nrate: 2.0\n". Syntax errors are problems too.
[[nodiscard]] SettingsResult ValidateSettingsText(const SettingsSchema& schema,
                                                  std::string_view yaml_text,
                                                  std::string_view file_name = "<settings>",
                                                  std::vector<Problem>* warnings = nullptr);

// Checks a schema itself: keys are ids and unique, kEnum lists its values,
// every default_text parses and lies in range, required keys have no default.
// Returns one line per mistake; a plugin's unit test asserts it is empty.
[[nodiscard]] std::vector<std::string> CheckSettingsSchema(const SettingsSchema& schema);

// Markdown table of the schema, preceded by a heading line:
//   Settings of `replay`:
//
//   | key | type | default | range | unit | description |
//   |---|---|---|---|---|---|
//   | path | string | (required) |  |  | CSV or JSONL file to replay |
// What a plugin README embeds and `cityedged --describe TYPE` prints.
[[nodiscard]] std::string DescribeSettings(std::string_view type_name,
                                           const SettingsSchema& schema);

}  // namespace cityedge::config
