// SPDX-License-Identifier: Apache-2.0
#include "sensor_map.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cityedge::drivers::sdi12 {
namespace {

bool ValidChannel(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Fields arrive checked by the daemon; what is left is what one field's
// type cannot say.
void ReadSensor(const sdk::Settings& table, const std::string& where, std::vector<SensorSpec>& out,
                std::vector<std::string>& problems) {
  SensorSpec sensor;
  sensor.where = where;
  const std::string address = table.GetString("address");
  if (address.size() != 1 || !IsValidAddress(address[0])) {
    problems.push_back(
        fmt::format("{}.address: \"{}\" is not an SDI-12 address (0-9, A-Z, a-z)", where, address));
  } else {
    sensor.address = address[0];
  }
  auto command = ParseMeasureCommand(table.GetString("command", "M"));
  if (!command) {
    problems.push_back(fmt::format("{}.command: {}", where, command.error().message));
  } else {
    sensor.command = *command;
  }
  out.push_back(std::move(sensor));
}

// Returns the value's sensor address, or 0 when it is not one.
char ReadValue(const sdk::Settings& table, const std::string& where, ValueMapping& value,
               std::vector<std::string>& problems) {
  value.where = where;
  value.index = static_cast<int>(table.GetInt("index"));
  value.channel = table.GetString("channel");
  value.unit = table.GetString("unit", "");
  value.scale = table.GetDouble("scale", 1.0);
  value.offset = table.GetDouble("offset", 0.0);
  const std::string address = table.GetString("address");
  if (address.size() == 1 && IsValidAddress(address[0])) return address[0];
  problems.push_back(
      fmt::format("{}.address: \"{}\" is not an SDI-12 address (0-9, A-Z, a-z)", where, address));
  return 0;
}

}  // namespace

int MaxValues(const MeasureCommand& command) { return command.concurrent ? 99 : 9; }

std::vector<std::string> CheckSensorMap(const std::vector<SensorSpec>& map) {
  std::vector<std::string> problems;
  if (map.empty()) problems.push_back("sensors: at least one sensor is required");
  std::map<char, const SensorSpec*> addresses;
  std::map<std::string, const ValueMapping*> channels;
  for (const SensorSpec& sensor : map) {
    if (!IsValidAddress(sensor.address)) {
      problems.push_back(fmt::format("{}.address: not an SDI-12 address", sensor.where));
    } else if (const auto [it, fresh] = addresses.emplace(sensor.address, &sensor); !fresh) {
      problems.push_back(fmt::format("{}.address: '{}' is already used by {}", sensor.where,
                                     sensor.address, it->second->where));
    }
    if (sensor.values.empty()) {
      problems.push_back(fmt::format("{}: no values are mapped to channels for address '{}'",
                                     sensor.where, sensor.address));
    }
    for (const ValueMapping& value : sensor.values) {
      if (value.index >= MaxValues(sensor.command)) {
        problems.push_back(fmt::format("{}.index: {} is beyond the {} values {} can return",
                                       value.where, value.index, MaxValues(sensor.command),
                                       MeasureCommandText(sensor.address, sensor.command)));
      }
      if (!ValidChannel(value.channel)) {
        problems.push_back(
            fmt::format("{}.channel: \"{}\" is not a channel name (letters, digits, '_', '.', '-')",
                        value.where, value.channel));
      } else if (const auto [it, fresh] = channels.emplace(value.channel, &value); !fresh) {
        problems.push_back(fmt::format("{}.channel: \"{}\" is already used by {}", value.where,
                                       value.channel, it->second->where));
      }
    }
  }
  return problems;
}

sdk::Result<std::vector<SensorSpec>> ParseSensorTables(const std::vector<sdk::Settings>& sensors,
                                                       const std::vector<sdk::Settings>& values) {
  std::vector<std::string> problems;
  std::vector<SensorSpec> map;
  for (std::size_t i = 0; i < sensors.size(); ++i) {
    ReadSensor(sensors[i], fmt::format("sensors[{}]", i), map, problems);
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    ValueMapping value;
    const char address = ReadValue(values[i], fmt::format("values[{}]", i), value, problems);
    if (address == 0) continue;
    const auto sensor = std::find_if(map.begin(), map.end(),
                                     [&](const SensorSpec& s) { return s.address == address; });
    if (sensor == map.end()) {
      problems.push_back(
          fmt::format("{}.address: no sensor in `sensors` has address '{}'", value.where, address));
      continue;
    }
    sensor->values.push_back(std::move(value));
  }
  if (problems.empty()) problems = CheckSensorMap(map);
  if (!problems.empty()) return sdk::Fatal(fmt::format("{}", fmt::join(problems, "; ")));
  return map;
}

}  // namespace cityedge::drivers::sdi12
