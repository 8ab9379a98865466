// SPDX-License-Identifier: Apache-2.0
// Keeps a driver's sample.yaml honest against its settings table, and turns
// YAML settings into what on_create receives, by the daemon's own path: the C
// schema is converted (host::ConvertSchema), the YAML validated
// (config::ValidateSettings) and the values rendered as canonical text
// (host::CanonicalSettings). The README's settings table is checked by the
// docs tests against `cityedged --describe TYPE`.
//
// Shared by the field-driver tests (pms5003, modbus, iio).
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "cityedge/driver_abi.h"
#include "daemon/config/settings_validation.hpp"
#include "daemon/host/settings_bridge.hpp"

namespace cityedge::testing {

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string SourcePath(const std::string& relative) {
  const char* root = std::getenv("CITYEDGE_SOURCE_DIR");
  return std::string(root ? root : ".") + "/" + relative;
}

struct CheckedSettings {
  std::vector<std::pair<std::string, std::string>> settings;  // canonical, defaults filled
  std::vector<std::string> problems;
};

// `node` is a `settings:` mapping for driver `d`, found at `path` in `file`.
inline CheckedSettings CheckSettings(const ce_driver_descriptor& d, const YAML::Node& node,
                                     std::string_view file = "<settings>",
                                     std::string_view path = "settings") {
  CheckedSettings out;
  auto schema = host::ConvertSchema(d);
  if (!schema) {
    out.problems.push_back("schema: " + schema.error().message());
    return out;
  }
  auto validated = config::ValidateSettings(*schema, node, file, path);
  if (!validated) {
    for (const auto& p : validated.error()) out.problems.push_back(p.ToString());
    return out;
  }
  google::protobuf::Map<std::string, v1::SettingValue> values;
  for (const auto& [key, value] : validated->values()) values[key] = value;
  auto texts = host::CanonicalSettings(*schema, values);
  if (!texts) {
    out.problems.push_back(texts.error().message());
    return out;
  }
  out.settings = std::move(*texts);
  return out;
}

// The same from YAML text holding the settings mapping itself.
inline CheckedSettings CheckSettingsText(const ce_driver_descriptor& d, const std::string& yaml) {
  return CheckSettings(d, YAML::Load(yaml));
}

struct SampleInstance {
  std::string id;
  std::vector<std::pair<std::string, std::string>> settings;  // canonical, defaults filled
  std::vector<std::string> problems;
};

// Every `drivers:` entry of type d.name in the YAML file, checked.
inline std::vector<SampleInstance> LoadSample(const ce_driver_descriptor& d,
                                              const std::string& path) {
  std::vector<SampleInstance> out;
  const YAML::Node root = YAML::LoadFile(path);
  std::size_t index = 0;
  for (const auto& entry : root["drivers"]) {
    const std::string key_path = "drivers[" + std::to_string(index++) + "].settings";
    if (entry["type"].as<std::string>() != d.name) continue;
    CheckedSettings checked = CheckSettings(d, entry["settings"], path, key_path);
    out.push_back(
        {entry["id"].as<std::string>(), std::move(checked.settings), std::move(checked.problems)});
  }
  return out;
}

}  // namespace cityedge::testing
