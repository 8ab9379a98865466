// SPDX-License-Identifier: Apache-2.0
// A host for driver tests: implements ce_host_api in memory, records every
// reading, health report and log line, and runs one instance through the real
// descriptor hooks (create, start on its own thread, stop, destroy).
//
// Shared by the field-driver tests (pms5003, modbus, iio, thermal); it belongs in
// tests/support/ once that folder has an owner.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cityedge/driver_abi.h"

namespace cityedge::testing {

struct RecordedReading {
  std::string channel;
  double value = 0;
  std::string unit;
  ce_driver_quality quality = 0;
};

struct RecordedFrame {
  ce_driver_pixel_format format = 0;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<std::uint8_t> rows;  // width * bytes per pixel per row, rows packed
};

struct RecordedHealth {
  ce_driver_health state = 0;
  std::string reason;
};

class FakeHost {
 public:
  FakeHost() {
    api_.struct_size = sizeof(api_);
    api_.abi_major = CE_DRIVER_ABI_MAJOR;
    api_.abi_minor = CE_DRIVER_ABI_MINOR;
    api_.emit_reading = &EmitReading;
    api_.emit_frame = &EmitFrame;
    api_.log = &Log;
    api_.report_health = &ReportHealth;
    api_.should_stop = [](ce_host_context* c) -> std::int32_t { return Self(c)->stop_.load(); };
    api_.sleep_ms = &SleepMs;
    api_.set_expected_period = [](ce_host_context*, std::uint32_t) {};
  }

  [[nodiscard]] const ce_host_api* api() const { return &api_; }
  [[nodiscard]] ce_host_context* ctx() { return reinterpret_cast<ce_host_context*>(this); }

  void RequestStop() {
    stop_ = true;
    changed_.notify_all();
  }

  // Waits until `done` holds over the recorded state or `limit` passes.
  // The limit only bounds a failing test; passing tests never reach it.
  bool WaitFor(const std::function<bool(const FakeHost&)>& done,
               std::chrono::seconds limit = std::chrono::seconds(30)) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, limit, [&] { return done(*this); });
  }

  // Copies taken under the lock, so tests may call them while the driver
  // thread records (and, the mutex being recursive, inside WaitFor predicates).
  [[nodiscard]] std::vector<RecordedReading> readings() const {
    std::lock_guard lock(mu_);
    return readings_;
  }
  [[nodiscard]] std::vector<RecordedFrame> frames() const {
    std::lock_guard lock(mu_);
    return frames_;
  }
  [[nodiscard]] std::vector<RecordedHealth> health() const {
    std::lock_guard lock(mu_);
    return health_;
  }
  [[nodiscard]] std::vector<std::string> logs() const {
    std::lock_guard lock(mu_);
    return logs_;
  }
  [[nodiscard]] std::size_t CountChannel(const std::string& channel) const {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& r : readings_) n += r.channel == channel ? 1 : 0;
    return n;
  }
  [[nodiscard]] ce_driver_health LastState() const {
    std::lock_guard lock(mu_);
    return health_.empty() ? 0 : health_.back().state;
  }

 private:
  static FakeHost* Self(ce_host_context* c) { return reinterpret_cast<FakeHost*>(c); }
  template <typename Fn>
  void Record(Fn&& fn) {
    {
      std::lock_guard lock(mu_);
      fn();
    }
    changed_.notify_all();
  }
  static ce_driver_result EmitReading(ce_host_context* c, const ce_driver_reading* r) {
    Self(c)->Record([&] {
      Self(c)->readings_.push_back({r->channel, r->value, r->unit ? r->unit : "", r->quality});
    });
    return CE_DRIVER_OK;
  }
  // Copies the pixels and releases the frame at once, as a host whose
  // pipelines are done with it would.
  static ce_driver_result EmitFrame(ce_host_context* c, const ce_driver_frame* f) {
    const std::size_t pixel_bytes = f->pixel_format == CE_DRIVER_PIXEL_Y16    ? 2
                                    : f->pixel_format == CE_DRIVER_PIXEL_BGR8 ? 3
                                                                              : 1;
    RecordedFrame frame{f->pixel_format, f->width, f->height, {}};
    const auto* data = static_cast<const std::uint8_t*>(f->data);
    for (std::uint32_t y = 0; y < f->height; ++y) {
      const std::uint8_t* row = data + static_cast<std::size_t>(y) * f->stride;
      frame.rows.insert(frame.rows.end(), row, row + f->width * pixel_bytes);
    }
    if (f->release != nullptr) f->release(f->release_user, f->data);
    Self(c)->Record([&] { Self(c)->frames_.push_back(std::move(frame)); });
    return CE_DRIVER_OK;
  }
  static void Log(ce_host_context* c, ce_driver_log_level, const char* message) {
    Self(c)->Record([&] { Self(c)->logs_.emplace_back(message); });
  }
  static void ReportHealth(ce_host_context* c, ce_driver_health state, const char* reason) {
    Self(c)->Record([&] { Self(c)->health_.push_back({state, reason ? reason : ""}); });
  }
  static std::int32_t SleepMs(ce_host_context* c, std::uint32_t ms) {
    FakeHost* self = Self(c);
    std::unique_lock lock(self->mu_);
    return self->changed_.wait_for(lock, std::chrono::milliseconds(ms),
                                   [&] { return self->stop_.load(); })
               ? 1
               : 0;
  }

  ce_host_api api_{};
  std::atomic<bool> stop_{false};
  mutable std::recursive_mutex mu_;
  std::condition_variable_any changed_;
  std::vector<RecordedReading> readings_;
  std::vector<RecordedFrame> frames_;
  std::vector<RecordedHealth> health_;
  std::vector<std::string> logs_;
};

// One driver instance driven through its descriptor. Start() runs on_start on
// a thread; the destructor stops, joins and destroys, so a failing REQUIRE
// cannot leak the thread.
class RunningInstance {
 public:
  RunningInstance(const ce_driver_descriptor* descriptor, FakeHost& host,
                  std::vector<std::pair<std::string, std::string>> settings)
      : descriptor_(descriptor), host_(host), settings_(std::move(settings)) {}
  ~RunningInstance() {
    Stop();
    if (instance_ != nullptr) descriptor_->on_destroy(instance_);
  }

  // Creates the instance; returns the error text on failure ("" on success).
  std::string Create() {
    std::vector<ce_driver_setting_value> values;
    for (const auto& [k, v] : settings_) values.push_back({k.c_str(), v.c_str()});
    const ce_driver_instance_config config{sizeof(config), "test", descriptor_->name, values.data(),
                                           values.size()};
    char error[512] = "";
    instance_ = descriptor_->on_create(host_.api(), host_.ctx(), &config, error, sizeof(error));
    return instance_ == nullptr ? std::string(error) : std::string();
  }

  void Start() {
    thread_ = std::thread([this] {
      char error[512] = "";
      result_ = descriptor_->on_start(instance_, error, sizeof(error));
      error_ = error;
    });
  }

  // Asks for a calibration read (on_read_now, as a host control thread does);
  // returns the error text ("" when the driver accepted it).
  std::string ReadNow() {
    if (descriptor_->on_read_now == nullptr) return "no on_read_now hook";
    char error[512] = "";
    return descriptor_->on_read_now(instance_, error, sizeof(error)) == CE_DRIVER_OK
               ? std::string()
               : std::string(error);
  }

  // Stops and joins; returns on_start's result.
  ce_driver_result Stop() {
    if (thread_.joinable()) {
      host_.RequestStop();
      descriptor_->on_stop(instance_);
      thread_.join();
    }
    return result_;
  }

  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  const ce_driver_descriptor* descriptor_;
  FakeHost& host_;
  std::vector<std::pair<std::string, std::string>> settings_;
  ce_driver_instance* instance_ = nullptr;
  std::thread thread_;
  ce_driver_result result_ = CE_DRIVER_OK;
  std::string error_;
};

}  // namespace cityedge::testing
