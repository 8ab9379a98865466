// SPDX-License-Identifier: Apache-2.0
// Helpers for tests of the driver host: counts over recorded events, a
// recording sample listener and setting values. The event sink is
// fakes::RecordingSink (tests/fakes/event_sink.hpp).
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/host/listeners.hpp"
#include "tests/fakes/event_sink.hpp"

namespace cityedge::host::testing {

inline std::size_t CountStatus(const std::vector<v1::Event>& events, const std::string& instance,
                               v1::ComponentState state) {
  std::size_t n = 0;
  for (const v1::Event& e : events) {
    n += e.has_driver_status() && e.driver_status().instance() == instance &&
         e.driver_status().state() == state;
  }
  return n;
}

inline std::size_t CountReadings(const std::vector<v1::Event>& events, const std::string& source) {
  std::size_t n = 0;
  for (const v1::Event& e : events) n += e.has_reading() && e.source() == source;
  return n;
}

class RecordingSamples final : public SampleListener {
 public:
  void OnSample(const Sample& sample) override {
    std::lock_guard lock(mu_);
    channels_.emplace_back(sample.channel);
    values_.push_back(sample.value);
  }
  std::vector<std::string> Channels() const {
    std::lock_guard lock(mu_);
    return channels_;
  }
  std::vector<double> Values() const {
    std::lock_guard lock(mu_);
    return values_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> channels_;
  std::vector<double> values_;
};

inline v1::SettingValue Text(std::string text) {
  v1::SettingValue v;
  v.set_string_value(std::move(text));
  return v;
}
inline v1::SettingValue Number(double value) {
  v1::SettingValue v;
  v.set_double_value(value);
  return v;
}
inline v1::SettingValue Flag(bool value) {
  v1::SettingValue v;
  v.set_bool_value(value);
  return v;
}

}  // namespace cityedge::host::testing
