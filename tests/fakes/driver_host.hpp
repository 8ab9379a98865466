// SPDX-License-Identifier: Apache-2.0
// The one fake driver host of the tests: the host's side of the driver ABI
// (ce_host_api, driver_abi.h) in memory, for tests of one driver without the
// daemon's host::DriverHost. It records every reading, frame, health report
// and log line, lets sleep_ms and should_stop see a stop request, and with
// RunningInstance drives one instance through the real descriptor hooks
// (create, start on its own thread, read now, stop, destroy).
//
// Tests of the daemon's host itself (supervision, restart, events) use the
// real host::DriverHost with a fakes::RecordingSink instead.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cityedge/driver_abi.h"

namespace cityedge::fakes {

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

// Frames are copied and released at once, as a host whose pipelines are done
// with them would. emit_* always answer CE_DRIVER_OK; set_expected_period is
// accepted and ignored (no silence detection here).
// THREADING: the callbacks may come from any thread, as the ABI allows; the
// accessors return copies taken under the lock, so tests may call them while
// the driver records, also inside a WaitFor predicate (the lock is recursive).
// LIFETIME: outlives every instance created with api() and ctx().
class FakeDriverHost {
 public:
  FakeDriverHost();
  FakeDriverHost(const FakeDriverHost&) = delete;
  FakeDriverHost& operator=(const FakeDriverHost&) = delete;

  // What on_create is given.
  [[nodiscard]] const ce_host_api* api() const { return &api_; }
  [[nodiscard]] ce_host_context* ctx() { return reinterpret_cast<ce_host_context*>(this); }

  // should_stop turns nonzero and sleep_ms returns early from now on.
  void RequestStop();

  // Waits until `done` holds over the recorded state or `limit` passes.
  // The limit only bounds a failing test; passing tests never reach it.
  bool WaitFor(const std::function<bool(const FakeDriverHost&)>& done,
               std::chrono::seconds limit = std::chrono::seconds(30));

  [[nodiscard]] std::vector<RecordedReading> readings() const;
  [[nodiscard]] std::vector<RecordedFrame> frames() const;
  [[nodiscard]] std::vector<RecordedHealth> health() const;
  [[nodiscard]] std::vector<std::string> logs() const;
  // Readings of one channel so far.
  [[nodiscard]] std::size_t CountChannel(const std::string& channel) const;
  // The last reported health state; 0 before the first report.
  [[nodiscard]] ce_driver_health LastState() const;

 private:
  static FakeDriverHost* Self(ce_host_context* c) { return reinterpret_cast<FakeDriverHost*>(c); }
  template <typename Fn>
  void Record(Fn&& fn);
  static ce_driver_result EmitReading(ce_host_context* c, const ce_driver_reading* r);
  static ce_driver_result EmitFrame(ce_host_context* c, const ce_driver_frame* f);
  static void Log(ce_host_context* c, ce_driver_log_level level, const char* message);
  static void ReportHealth(ce_host_context* c, ce_driver_health state, const char* reason);
  static std::int32_t ShouldStop(ce_host_context* c);
  static std::int32_t SleepMs(ce_host_context* c, std::uint32_t ms);

  ce_host_api api_{};
  std::atomic<bool> stop_{false};
  mutable std::recursive_mutex mu_;
  std::condition_variable_any changed_;
  std::vector<RecordedReading> readings_;
  std::vector<RecordedFrame> frames_;
  std::vector<RecordedHealth> health_;
  std::vector<std::string> logs_;
};

// One driver instance driven through its descriptor against a FakeDriverHost.
// Start() runs on_start on a thread; the destructor stops, joins and
// destroys, so a failing REQUIRE cannot leak the thread.
// THREADING: one test thread calls every method.
class RunningInstance {
 public:
  RunningInstance(const ce_driver_descriptor* descriptor, FakeDriverHost& host,
                  std::vector<std::pair<std::string, std::string>> settings);
  ~RunningInstance();
  RunningInstance(const RunningInstance&) = delete;
  RunningInstance& operator=(const RunningInstance&) = delete;

  // Creates the instance (id "test"); returns the error text on failure ("" on success).
  std::string Create();
  // Runs on_start on the instance's own thread.
  void Start();
  // Asks for a calibration read (on_read_now, as a host control thread does);
  // returns the error text ("" when the driver accepted it).
  std::string ReadNow();
  // Stops and joins; returns on_start's result.
  ce_driver_result Stop();
  // on_start's error text, once it returned.
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  const ce_driver_descriptor* descriptor_;
  FakeDriverHost& host_;
  std::vector<std::pair<std::string, std::string>> settings_;
  ce_driver_instance* instance_ = nullptr;
  std::thread thread_;
  ce_driver_result result_ = CE_DRIVER_OK;
  std::string error_;
};

}  // namespace cityedge::fakes
