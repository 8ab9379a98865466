// Keeps a driver's README.md and sample.yaml honest against its settings
// table: the README must contain the table rendered from the descriptor, and
// every instance of the driver in sample.yaml must use only declared keys,
// give every required one, and hold values of the declared type and range.
//
// Shared by the field-driver tests (pms5003, modbus, iio).
#pragma once

#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "cityedge/driver_abi.h"

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

inline const char* TypeName(ce_driver_setting_type type) {
  static const char* const kNames[] = {"string",   "integer", "number", "bool",
                                       "duration", "size",    "enum",   "list"};
  return type < 8 ? kNames[type] : "?";
}

inline std::string RangeText(const ce_driver_setting_spec& s) {
  if (s.allowed != nullptr) {
    std::string out;
    for (const char* const* a = s.allowed; *a != nullptr; ++a) {
      out += (out.empty() ? "" : ", ") + std::string("`") + *a + "`";
    }
    return out;
  }
  if (s.has_min && s.has_max) return fmt::format("{} .. {}", s.min, s.max);
  if (s.has_min) return fmt::format(">= {}", s.min);
  if (s.has_max) return fmt::format("<= {}", s.max);
  return "";
}

// A '|' inside a cell would end it; markdown wants it escaped.
inline std::string EscapeCell(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

// The markdown table a driver README carries.
inline std::string RenderSettingsTable(const ce_driver_descriptor& d) {
  std::string out =
      "| Key | Type | Default | Range | Unit | Description |\n"
      "|-----|------|---------|-------|------|-------------|\n";
  for (std::size_t i = 0; i < d.settings_count; ++i) {
    const ce_driver_setting_spec& s = d.settings[i];
    const std::string def = s.required       ? "(required)"
                            : s.default_text ? fmt::format("`{}`", s.default_text)
                                             : "";
    out += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", s.key, TypeName(s.type), def,
                       RangeText(s), s.unit ? s.unit : "", EscapeCell(s.description));
  }
  return out;
}

// Checks that the README contains the rendered table. On a mismatch the
// expected table is written to $CITYEDGE_BINARY_DIR/<name>.settings.md so it
// can be pasted into the README.
inline bool ReadmeHasTable(const ce_driver_descriptor& d) {
  const std::string table = RenderSettingsTable(d);
  const std::string readme = ReadText(SourcePath(std::string("drivers/") + d.name + "/README.md"));
  if (readme.find(table) != std::string::npos) return true;
  const char* binary = std::getenv("CITYEDGE_BINARY_DIR");
  std::ofstream(std::string(binary ? binary : ".") + "/" + d.name + ".settings.md") << table;
  return false;
}

// Durations as the host hands them to drivers: integer milliseconds.
inline std::optional<std::int64_t> DurationMs(const std::string& text) {
  static const std::vector<std::pair<std::string, std::int64_t>> kUnits = {
      {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc()) return std::nullopt;
  const std::string unit(end, text.data() + text.size());
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) return n * factor;
  }
  return std::nullopt;
}

// Checks one value against its spec; returns the canonical text or a problem.
inline std::pair<std::string, std::string> Canonical(const ce_driver_setting_spec& s,
                                                     const YAML::Node& v) {
  if (s.type == CE_DRIVER_SETTING_LIST) {
    if (!v.IsSequence()) return {"", "expected a list"};
    std::string joined;
    for (const auto& item : v) joined += (joined.empty() ? "" : "\n") + item.as<std::string>();
    return {joined, ""};
  }
  if (!v.IsScalar()) return {"", "expected a scalar"};
  const std::string text = v.as<std::string>();
  double number = 0;
  std::string canonical = text;
  if (s.type == CE_DRIVER_SETTING_DURATION) {
    const auto ms = DurationMs(text);
    if (!ms) return {"", "expected a duration like \"30s\", got \"" + text + "\""};
    canonical = std::to_string(*ms);
  }
  if (s.type == CE_DRIVER_SETTING_BOOL && text != "true" && text != "false") {
    return {"", "expected true or false"};
  }
  if (s.type == CE_DRIVER_SETTING_ENUM) {
    bool ok = false;
    for (const char* const* a = s.allowed; *a != nullptr; ++a) ok = ok || text == *a;
    if (!ok) return {"", "\"" + text + "\" is not an allowed value"};
  }
  const bool numeric = s.type == CE_DRIVER_SETTING_INT || s.type == CE_DRIVER_SETTING_DOUBLE ||
                       s.type == CE_DRIVER_SETTING_DURATION;
  if (numeric) {
    const auto [end, ec] =
        std::from_chars(canonical.data(), canonical.data() + canonical.size(), number);
    if (ec != std::errc() || end != canonical.data() + canonical.size())
      return {"", "not a number"};
    if ((s.has_min && number < s.min) || (s.has_max && number > s.max)) return {"", "out of range"};
  }
  return {canonical, ""};
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
  for (const auto& entry : root["drivers"]) {
    if (entry["type"].as<std::string>() != d.name) continue;
    SampleInstance instance{entry["id"].as<std::string>(), {}, {}};
    const YAML::Node settings = entry["settings"];
    std::map<std::string, bool> known;
    for (std::size_t i = 0; i < d.settings_count; ++i) {
      const ce_driver_setting_spec& s = d.settings[i];
      known[s.key] = true;
      const YAML::Node v = settings[s.key];
      if (!v) {
        if (s.required) instance.problems.push_back(fmt::format("{}: required", s.key));
        if (s.default_text) {
          instance.settings.emplace_back(
              s.key, Canonical(s, YAML::Node(std::string(s.default_text))).first);
        }
        continue;
      }
      auto [canonical, problem] = Canonical(s, v);
      if (!problem.empty()) instance.problems.push_back(fmt::format("{}: {}", s.key, problem));
      instance.settings.emplace_back(s.key, canonical);
    }
    for (const auto& kv : settings) {
      const auto key = kv.first.as<std::string>();
      if (!known.count(key)) instance.problems.push_back(fmt::format("{}: unknown key", key));
    }
    out.push_back(std::move(instance));
  }
  return out;
}

}  // namespace cityedge::testing
