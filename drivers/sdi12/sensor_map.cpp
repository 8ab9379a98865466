#include "sensor_map.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cityedge::drivers::sdi12 {
namespace {

using Pairs = std::map<std::string, std::string, std::less<>>;

// "k=v k=v" into pairs; unknown and repeated keys are problems.
Pairs SplitEntry(std::string_view text, const std::string& where,
                 std::initializer_list<std::string_view> known,
                 std::vector<std::string>& problems) {
  Pairs pairs;
  std::size_t at = 0;
  while (at < text.size()) {
    if (text[at] == ' ') {
      ++at;
      continue;
    }
    const std::size_t end = std::min(text.find(' ', at), text.size());
    const std::string_view item = text.substr(at, end - at);
    at = end;
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      problems.push_back(fmt::format("{}: \"{}\" is not key=value", where, item));
      continue;
    }
    const std::string key(item.substr(0, eq));
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      problems.push_back(
          fmt::format("{}.{}: unknown key; valid keys are {}", where, key, fmt::join(known, ", ")));
      continue;
    }
    if (!pairs.emplace(key, std::string(item.substr(eq + 1))).second) {
      problems.push_back(fmt::format("{}.{}: given twice", where, key));
    }
  }
  return pairs;
}

template <typename T>
bool ParseNumber(const std::string& text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool ValidChannel(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void ParseSensor(std::string_view text, const std::string& where, std::vector<SensorSpec>& out,
                 std::vector<std::string>& problems) {
  const Pairs pairs = SplitEntry(text, where, {"address", "command"}, problems);
  SensorSpec sensor;
  sensor.where = where;
  const auto address = pairs.find("address");
  if (address == pairs.end()) {
    problems.push_back(fmt::format("{}.address: required (0-9, A-Z or a-z)", where));
  } else if (address->second.size() != 1 || !IsValidAddress(address->second[0])) {
    problems.push_back(fmt::format("{}.address: \"{}\" is not an SDI-12 address (0-9, A-Z, a-z)",
                                   where, address->second));
  } else {
    sensor.address = address->second[0];
  }
  const auto command = pairs.find("command");
  if (command != pairs.end()) {
    auto parsed = ParseMeasureCommand(command->second);
    if (!parsed) {
      problems.push_back(fmt::format("{}.command: {}", where, parsed.error().message));
    } else {
      sensor.command = *parsed;
    }
  }
  out.push_back(std::move(sensor));
}

void ParseValue(std::string_view text, const std::string& where,
                std::vector<std::pair<char, ValueMapping>>& out,
                std::vector<std::string>& problems) {
  const Pairs pairs =
      SplitEntry(text, where, {"address", "index", "channel", "unit", "scale", "offset"}, problems);
  ValueMapping value;
  value.where = where;
  char address = 0;
  const auto required = [&](const char* key) -> const std::string* {
    const auto it = pairs.find(key);
    if (it != pairs.end()) return &it->second;
    problems.push_back(fmt::format("{}.{}: required", where, key));
    return nullptr;
  };
  if (const std::string* a = required("address")) {
    if (a->size() == 1 && IsValidAddress((*a)[0])) {
      address = (*a)[0];
    } else {
      problems.push_back(
          fmt::format("{}.address: \"{}\" is not an SDI-12 address (0-9, A-Z, a-z)", where, *a));
    }
  }
  if (const std::string* index = required("index")) {
    if (!ParseNumber(*index, value.index) || value.index < 0) {
      problems.push_back(
          fmt::format("{}.index: \"{}\" is not a value position (0, 1, ...)", where, *index));
    }
  }
  if (const std::string* channel = required("channel")) value.channel = *channel;
  if (const auto unit = pairs.find("unit"); unit != pairs.end()) value.unit = unit->second;
  for (const auto& [key, target] :
       {std::pair<const char*, double*>{"scale", &value.scale}, {"offset", &value.offset}}) {
    const auto it = pairs.find(key);
    if (it != pairs.end() && (!ParseNumber(it->second, *target) || !std::isfinite(*target))) {
      problems.push_back(
          fmt::format("{}.{}: \"{}\" is not a finite number", where, key, it->second));
    }
  }
  out.emplace_back(address, std::move(value));
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

sdk::Result<std::vector<SensorSpec>> ParseSensorMap(const std::vector<std::string>& sensors,
                                                    const std::vector<std::string>& values) {
  std::vector<std::string> problems;
  std::vector<SensorSpec> map;
  for (std::size_t i = 0; i < sensors.size(); ++i) {
    ParseSensor(sensors[i], fmt::format("sensors[{}]", i), map, problems);
  }
  std::vector<std::pair<char, ValueMapping>> mapped;
  for (std::size_t i = 0; i < values.size(); ++i) {
    ParseValue(values[i], fmt::format("values[{}]", i), mapped, problems);
  }
  for (auto& [address, value] : mapped) {
    if (address == 0) continue;  // its address was already reported
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
