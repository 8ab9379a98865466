// SPDX-License-Identifier: Apache-2.0
// The parts every reading pipeline shares: time taken from capture times,
// input keys, and building and emitting an Event with the source, priority and
// capture time the wire contract expects.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <optional>
#include <utility>
#include <vector>

#include "cityedge/v1/event.pb.h"
#include "daemon/config/settings.hpp"
#include "daemon/core/sample.hpp"
#include "pipelines/pipeline.hpp"

namespace cityedge::pipelines {

inline constexpr std::int64_t kNsPerMs = 1'000'000;
inline constexpr std::int64_t kNsPerSecond = 1'000'000'000;
inline constexpr std::int64_t kNsPerHour = 3600 * kNsPerSecond;

// Start of the tumbling window of `window_ns` that holds `t_ns`. Windows are
// aligned to the Unix epoch, so every gateway and every replay cuts the same
// windows.
[[nodiscard]] inline std::int64_t WindowStart(std::int64_t t_ns, std::int64_t window_ns) {
  std::int64_t start = t_ns - t_ns % window_ns;
  if (start > t_ns) start -= window_ns;  // negative times round toward the past
  return start;
}

// True for units that are levels in decibels ("dB", "dBA", "dB(A)", "dBZ"),
// which must be averaged as energies, never arithmetically.
[[nodiscard]] bool IsDecibelUnit(std::string_view unit);

// 10·log10(mean(10^(L/10))) of levels given as the sum of 10^(L/10) and a count.
[[nodiscard]] double EnergyMeanDb(double energy_sum, std::size_t count);
[[nodiscard]] inline double DbToEnergy(double level_db) { return std::pow(10.0, level_db / 10.0); }

// Pipelines judge time by when a value was measured, never by when it arrived,
// so a replay of a day runs fast and gives the same events as the day did.
[[nodiscard]] inline std::int64_t CaptureNs(const Sample& sample) {
  return sample.capture_time->wall_unix_ns();
}

// "driver-instance/channel", the form inputs are configured in.
[[nodiscard]] std::string InputKey(const Sample& sample);

// "aq1" of "aq1/pm2_5"; the whole text when it has no channel part.
[[nodiscard]] std::string_view InputDriver(std::string_view input);

// An event caused by `sample`: source "<sample driver>/<pipeline id>", the
// sample's capture time (with its clock provenance) and `priority`. The caller
// sets the body.
[[nodiscard]] v1::Event MakeEvent(const Context& context, const Sample& sample,
                                  v1::PriorityClass priority);

// Same, for a result that was computed from earlier samples: `driver` is the
// input's driver instance, `capture_time` the time of the last sample used.
[[nodiscard]] v1::Event MakeEvent(const Context& context, std::string_view driver,
                                  const v1::Timestamp& capture_time, v1::PriorityClass priority);

// An event caused by the passing of time rather than a sample (a silent
// input): stamped with the context's clock.
[[nodiscard]] v1::Event MakeTimerEvent(const Context& context, std::string_view input,
                                       v1::PriorityClass priority);

// Hands the event to the sink. A refusal (shutting down) is logged at warn:
// the sink's contract makes loss after acceptance its own business.
void Emit(const Context& context, v1::Event event);

// Builds one row of a settings table so each row reads as one line:
//   Setting("hysteresis", SettingType::kDouble, "...").Default("0").Min(0)
class Setting {
 public:
  Setting(std::string key, config::SettingType type, std::string description) {
    spec_.key = std::move(key);
    spec_.type = type;
    spec_.description = std::move(description);
  }
  Setting& Default(std::string text) {
    spec_.default_text = std::move(text);
    return *this;
  }
  Setting& Required() {
    spec_.required = true;
    return *this;
  }
  Setting& Min(double v) {
    spec_.min = v;
    return *this;
  }
  Setting& Max(double v) {
    spec_.max = v;
    return *this;
  }
  Setting& Unit(std::string unit) {
    spec_.unit = std::move(unit);
    return *this;
  }
  Setting& Allowed(std::vector<std::string> values) {
    spec_.allowed = std::move(values);
    return *this;
  }
  // kTableList: the keys of each table.
  Setting& Fields(std::vector<config::SettingSpec> fields) {
    spec_.fields = std::move(fields);
    return *this;
  }
  // kTableList: a table may also be written in an earlier one-line form,
  // which `reader` turns into its fields; accepted with a deprecation warning.
  Setting& AcceptsLines(config::LineReader reader) {
    spec_.accepts_lines = true;
    spec_.read_line = std::move(reader);
    return *this;
  }
  // A field of a list of tables whose value no two tables share (a name).
  Setting& Unique() {
    spec_.unique = true;
    return *this;
  }
  // kList: every item is `item` (NumberItem(), ListItem(...)).
  Setting& Item(config::SettingSpec item) {
    spec_.item = {std::move(item)};
    return *this;
  }
  // kList of fixed-size lists: the earlier flat form (all numbers in one list)
  // is still read as rows, with a deprecation warning.
  Setting& AcceptsFlat() {
    spec_.accepts_flat = true;
    return *this;
  }
  // The key is deprecated: `instead` says what to write; giving it together
  // with `replaced_by` (a key of the same table) is an error.
  Setting& Deprecated(std::string instead, std::string replaced_by = "") {
    spec_.deprecated = std::move(instead);
    spec_.replaced_by = std::move(replaced_by);
    return *this;
  }
  operator config::SettingSpec() const { return spec_; }  // NOLINT: a builder converts

 private:
  config::SettingSpec spec_;
};

// Item types of typed lists (Setting::Item): a number within optional
// bounds, and a list of exactly `count` items ([x, y] is ListItem(NumberItem(), 2)).
[[nodiscard]] config::SettingSpec NumberItem(std::optional<double> min = std::nullopt,
                                             std::optional<double> max = std::nullopt);
[[nodiscard]] config::SettingSpec ListItem(config::SettingSpec item, std::size_t count);

// "2024-06-01T12:00:05.250Z", for the detail texts of alerts.
[[nodiscard]] std::string FormatUtc(std::int64_t unix_ns);

}  // namespace cityedge::pipelines
