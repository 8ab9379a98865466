// SPDX-License-Identifier: Apache-2.0
// Test doubles for the driver host: a recording EventSink and listeners, and a
// wait helper. Waits are bounded so a broken host fails a test instead of
// hanging it; they assert outcomes, never durations.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/core/event_sink.hpp"
#include "daemon/host/listeners.hpp"

namespace cityedge::host::testing {

class RecordingSink final : public EventSink {
 public:
  Status Emit(v1::Event event) override {
    {
      std::lock_guard lock(mu_);
      events_.push_back(std::move(event));
    }
    cv_.notify_all();
    return OkStatus();
  }

  std::vector<v1::Event> Events() const {
    std::lock_guard lock(mu_);
    return events_;
  }

  // Waits until `pred(events)` holds; false after `limit`.
  bool WaitFor(const std::function<bool(const std::vector<v1::Event>&)>& pred,
               std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return pred(events_); });
  }

  std::vector<v1::DriverStatus> Statuses(const std::string& instance) const {
    std::vector<v1::DriverStatus> out;
    for (const v1::Event& e : Events()) {
      if (e.has_driver_status() && e.driver_status().instance() == instance) {
        out.push_back(e.driver_status());
      }
    }
    return out;
  }

  std::vector<v1::Reading> Readings(const std::string& source) const {
    std::vector<v1::Reading> out;
    for (const v1::Event& e : Events()) {
      if (e.has_reading() && e.source() == source) out.push_back(e.reading());
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<v1::Event> events_;
};

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
