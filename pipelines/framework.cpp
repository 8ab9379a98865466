// SPDX-License-Identifier: Apache-2.0
#include "pipelines/framework.hpp"

#include <cmath>
#include <ctime>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace cityedge::pipelines {

std::string InputKey(const Sample& sample) {
  return fmt::format("{}/{}", sample.source, sample.channel);
}

std::string_view InputDriver(std::string_view input) { return input.substr(0, input.find('/')); }

v1::Event MakeEvent(const Context& context, const Sample& sample, v1::PriorityClass priority) {
  return MakeEvent(context, sample.source, *sample.capture_time, priority);
}

v1::Event MakeEvent(const Context& context, std::string_view driver,
                    const v1::Timestamp& capture_time, v1::PriorityClass priority) {
  v1::Event event;
  event.set_source(fmt::format("{}/{}", driver, context.id));
  *event.mutable_capture_time() = capture_time;
  event.set_priority(priority);
  return event;
}

v1::Event MakeTimerEvent(const Context& context, std::string_view input,
                         v1::PriorityClass priority) {
  v1::Event event;
  event.set_source(fmt::format("{}/{}", InputDriver(input), context.id));
  context.clock->Stamp(event.mutable_capture_time());
  event.set_priority(priority);
  return event;
}

void Emit(const Context& context, v1::Event event) {
  const std::string source = event.source();
  if (auto status = context.sink->Emit(std::move(event)); !status) {
    spdlog::warn("pipeline {}: event from {} not accepted: {}", context.id, source, status.error());
  }
}

bool IsDecibelUnit(std::string_view unit) {
  return unit.size() >= 2 && (unit[0] == 'd' || unit[0] == 'D') &&
         (unit[1] == 'b' || unit[1] == 'B');
}

double EnergyMeanDb(double energy_sum, std::size_t count) {
  return 10.0 * std::log10(energy_sum / static_cast<double>(count));
}

config::SettingSpec NumberItem(std::optional<double> min, std::optional<double> max) {
  config::SettingSpec item;
  item.type = config::SettingType::kDouble;
  item.min = min;
  item.max = max;
  return item;
}

config::SettingSpec ListItem(config::SettingSpec item, std::size_t count) {
  config::SettingSpec list;
  list.type = config::SettingType::kList;
  list.min = static_cast<double>(count);
  list.max = static_cast<double>(count);
  list.item = {std::move(item)};
  return list;
}

std::string FormatUtc(std::int64_t unix_ns) {
  std::int64_t seconds = unix_ns / kNsPerSecond;
  std::int64_t rest_ns = unix_ns % kNsPerSecond;
  if (rest_ns < 0) {
    rest_ns += kNsPerSecond;
    --seconds;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rest_ns / kNsPerMs);
}

}  // namespace cityedge::pipelines
