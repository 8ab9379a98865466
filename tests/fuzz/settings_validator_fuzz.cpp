// SPDX-License-Identifier: Apache-2.0
// Fuzzes the plugin settings validator with the schemas of the real built-in
// drivers. The first line names the driver type (or, when it names none, its
// first byte picks one); the rest is the YAML under `settings:`. A validated Settings must hold a
// value of the declared type for every key it has (the accessors terminate otherwise) and every
// required key.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/config/settings_validation.hpp"
#include "tests/fuzz/real_registry.hpp"

namespace {

using cityedge::config::SettingType;

const cityedge::fuzz::RealRegistry& Registry() {
  static const auto* registry = new cityedge::fuzz::RealRegistry();
  return *registry;
}

void ReadEveryValue(const cityedge::config::SettingsSchema& schema,
                    const cityedge::config::Settings& settings) {
  for (const auto& spec : schema) {
    if (!settings.Has(spec.key)) {
      if (spec.required) std::abort();
      continue;
    }
    switch (spec.type) {
      case SettingType::kString:
      case SettingType::kEnum:
        (void)settings.GetString(spec.key);
        break;
      case SettingType::kInt:
      case SettingType::kDuration:
      case SettingType::kSize:
        (void)settings.GetInt(spec.key);
        break;
      case SettingType::kDouble:
        (void)settings.GetDouble(spec.key);
        break;
      case SettingType::kBool:
        (void)settings.GetBool(spec.key);
        break;
      case SettingType::kList:
        (void)settings.GetList(spec.key);
        break;
      case SettingType::kTableList:
        (void)settings.GetTables(spec.key);
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = std::min(input.find('\n'), input.size());
  auto type = Registry().drivers().Find(input.substr(0, newline));
  if (type == nullptr) {
    const std::vector<std::string> names = Registry().drivers().Names();
    type = Registry().drivers().Find(names[data[0] % names.size()]);
  }
  const cityedge::config::SettingsSchema& schema = type->schema();
  const std::string_view text = input.substr(std::min(newline + 1, input.size()));
  const auto result = cityedge::config::ValidateSettingsText(schema, text, "fuzz.yaml");
  if (result.has_value()) {
    ReadEveryValue(schema, *result);
  } else if (result.error().empty()) {
    std::abort();  // a failure must say why
  }
  return 0;
}
