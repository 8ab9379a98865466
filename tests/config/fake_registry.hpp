// SPDX-License-Identifier: Apache-2.0
// A SchemaRegistry for the config tests. Its driver and pipeline schemas use
// the keys the example config uses (replay, threshold, aqi, flood), so the
// example can be checked here without linking the real plugins.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config/settings.hpp"

namespace cityedge::config::testing {

inline SettingSpec Spec(std::string key, SettingType type, std::string default_text,
                        std::string description) {
  SettingSpec spec;
  spec.key = std::move(key);
  spec.type = type;
  spec.default_text = std::move(default_text);
  spec.description = std::move(description);
  return spec;
}

inline SettingsSchema ReplaySchema() {
  SettingSpec path = Spec("path", SettingType::kString, "", "CSV or JSONL file to replay");
  path.required = true;
  SettingSpec format = Spec("format", SettingType::kEnum, "csv", "File format");
  format.allowed = {"csv", "jsonl"};
  SettingSpec rate = Spec("rate", SettingType::kDouble, "1.0", "Playback speed factor");
  rate.min = 0.01;
  rate.max = 1000;
  SettingSpec port = Spec("port", SettingType::kInt, "8080", "A made-up port for range tests");
  port.min = 1;
  port.max = 65535;
  SettingSpec period = Spec("period", SettingType::kDuration, "1s", "A made-up poll period");
  period.min = 10;
  period.unit = "ms";
  SettingSpec buffer = Spec("buffer", SettingType::kSize, "64KiB", "A made-up buffer size");
  buffer.unit = "bytes";
  SettingSpec channels = Spec("channels", SettingType::kList, "[pm2_5, pm10]", "Channels kept");
  channels.max = 4;
  return {path, format, rate,   Spec("loop", SettingType::kBool, "false", "Start over at the end"),
          port, period, buffer, channels};
}

inline SettingsSchema ThresholdSchema() {
  SettingSpec samples = Spec("debounce_samples", SettingType::kInt, "1", "Samples to confirm");
  samples.min = 1;
  samples.max = 100000;
  return {Spec("high", SettingType::kDouble, "", "High limit"),
          Spec("low", SettingType::kDouble, "", "Low limit"),
          Spec("hysteresis", SettingType::kDouble, "0", "Clear margin"),
          samples,
          Spec("debounce", SettingType::kDuration, "0s", "Time to confirm"),
          Spec("stale_after", SettingType::kDuration, "0s", "Silence alert; 0s: off")};
}

inline SettingsSchema AqiSchema() {
  SettingSpec standard = Spec("standard", SettingType::kEnum, "hj633", "AQI standard");
  standard.allowed = {"hj633", "us_epa"};
  return {standard};
}

inline SettingsSchema FloodSchema() {
  SettingsSchema schema;
  for (const char* level : {"blue", "yellow", "orange", "red"}) {
    SettingSpec spec = Spec(level, SettingType::kDouble, "", std::string(level) + " warning level");
    spec.required = true;
    spec.unit = "m";
    schema.push_back(spec);
  }
  return schema;
}

// A list of tables shaped like the modbus register map (a trimmed copy: the
// real one is tested against the real driver in tests/drivers/modbus/).
inline SettingsSchema RegisterMapSchema() {
  SettingSpec channel = Spec("channel", SettingType::kString, "", "Reading channel");
  channel.required = true;
  SettingSpec addr = Spec("addr", SettingType::kInt, "", "Protocol address");
  addr.required = true;
  addr.min = 0;
  addr.max = 65535;
  SettingSpec order = Spec("order", SettingType::kEnum, "abcd", "Byte order");
  order.allowed = {"abcd", "cdab", "badc", "dcba"};
  SettingSpec registers = Spec("registers", SettingType::kTableList, "", "Register map");
  registers.required = true;
  registers.min = 1;
  registers.fields = {channel, addr, order, Spec("scale", SettingType::kDouble, "1", "Multiplier")};
  registers.accepts_lines = true;
  return {Spec("host", SettingType::kString, "", "Server"), registers};
}

// Typed lists, unique fields, a line reader, a flat form and deprecated keys,
// shaped like the vision pipelines' zones, levels and homography (the real
// ones are tested with the pipelines and by cityedged --check-config).
inline SettingSpec NumberItem(std::optional<double> min = {}, std::optional<double> max = {}) {
  SettingSpec item;
  item.type = SettingType::kDouble;
  item.min = min;
  item.max = max;
  return item;
}

inline SettingSpec ListItem(SettingSpec item, double count) {
  SettingSpec list;
  list.type = SettingType::kList;
  list.min = count;
  list.max = count;
  list.item = {std::move(item)};
  return list;
}

// "name: x,y x,y ..." as {name, polygon: [[x, y] ...]}.
inline Result<LineTable> ReadTestZoneLine(std::string_view line) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return MakeError(Code::kInvalidArgument, "no name");
  LineValue polygon{.word = {}, .items = {}, .is_list = true};
  std::string rest(line.substr(colon + 1));
  for (std::size_t at = 0; (at = rest.find_first_not_of(' ', at)) != std::string::npos;) {
    const std::size_t end = std::min(rest.find(' ', at), rest.size());
    const std::string word = rest.substr(at, end - at);
    const std::size_t comma = word.find(',');
    if (comma == std::string::npos) return MakeError(Code::kInvalidArgument, "not x,y");
    polygon.items.push_back(LineValue{.word = {},
                                      .items = {LineValue{.word = word.substr(0, comma)},
                                                LineValue{.word = word.substr(comma + 1)}},
                                      .is_list = true});
    at = end;
  }
  return LineTable{{"name", LineValue{.word = std::string(line.substr(0, colon))}},
                   {"polygon", polygon}};
}

inline SettingsSchema ZonesSchema() {
  SettingSpec name = Spec("name", SettingType::kString, "", "Zone name");
  name.required = true;
  name.unique = true;
  SettingSpec polygon = Spec("polygon", SettingType::kList, "", "Corners");
  polygon.required = true;
  polygon.min = 3;
  polygon.item = {ListItem(NumberItem(0, 1), 2)};
  SettingSpec zones = Spec("zones", SettingType::kTableList, "", "Zones");
  zones.fields = {name, polygon, Spec("area", SettingType::kDouble, "", "Ground area")};
  zones.accepts_lines = true;
  zones.read_line = ReadTestZoneLine;
  SettingSpec matrix =
      Spec("matrix", SettingType::kList, "[[1, 0, 0], [0, 1, 0], [0, 0, 1]]", "3x3 matrix");
  matrix.min = 3;
  matrix.max = 3;
  matrix.item = {ListItem(NumberItem(), 3)};
  matrix.accepts_flat = true;
  SettingSpec levels = Spec("levels", SettingType::kList, "[1, 2, 3]", "Thresholds");
  levels.item = {NumberItem(0)};
  SettingSpec old_levels = Spec("old_levels", SettingType::kList, "", "Thresholds, as before");
  old_levels.deprecated = "write levels";
  old_levels.replaced_by = "levels";
  return {zones, matrix, levels, old_levels};
}

class FakeRegistry final : public SchemaRegistry {
 public:
  FakeRegistry()
      : drivers_{{"replay", ReplaySchema()}, {"modbus", RegisterMapSchema()}},
        pipelines_{{"threshold", ThresholdSchema()},
                   {"aqi", AqiSchema()},
                   {"flood", FloodSchema()},
                   {"zoned", ZonesSchema()}} {}

  const SettingsSchema* FindDriver(std::string_view type) const override {
    return Find(drivers_, type);
  }
  const SettingsSchema* FindPipeline(std::string_view type) const override {
    return Find(pipelines_, type);
  }
  std::vector<std::string> DriverTypes() const override { return Names(drivers_); }
  std::vector<std::string> PipelineTypes() const override { return Names(pipelines_); }

 private:
  using Table = std::map<std::string, SettingsSchema, std::less<>>;
  static const SettingsSchema* Find(const Table& table, std::string_view type) {
    const auto it = table.find(type);
    return it == table.end() ? nullptr : &it->second;
  }
  static std::vector<std::string> Names(const Table& table) {
    std::vector<std::string> names;
    for (const auto& [name, schema] : table) names.push_back(name);
    return names;
  }
  Table drivers_;
  Table pipelines_;
};

}  // namespace cityedge::config::testing
