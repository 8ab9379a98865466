// SPDX-License-Identifier: Apache-2.0
// One supervised driver instance (internal to daemon/host). The instance's
// thread runs Run(); the host controls it with RequestStop/WaitDone/Abandon.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "cityedge/driver_abi.h"
#include "cityedge/v1/event.pb.h"
#include "daemon/core/clock.hpp"
#include "daemon/core/event_sink.hpp"
#include "daemon/host/driver_host.hpp"
#include "daemon/host/driver_registry.hpp"
#include "daemon/host/listeners.hpp"
#include "daemon/host/settings_bridge.hpp"

// The ABI's opaque per-instance handle: it points back at the instance.
struct ce_host_context {
  cityedge::host::Instance* instance;
};

namespace cityedge::host {

// Where an instance delivers. OWNERSHIP: not owned; valid until Abandon.
struct Outputs {
  EventSink* sink = nullptr;
  const clock::Clock* clock = nullptr;
  std::vector<SampleListener*> samples;
  std::vector<FrameListener*> frames;
};

// THREADING: Run on the instance's thread; the ABI callbacks on any thread;
// the control methods on host threads. Shared by the host and the thread
// (shared_ptr), so an abandoned thread keeps it and its library alive.
class Instance {
 public:
  Instance(std::string id, std::shared_ptr<const DriverType> type, bool publish,
           SettingTexts settings, Outputs outputs, const HostOptions& options);

  void Run();
  void RequestStop();
  [[nodiscard]] bool WaitDoneUntil(std::chrono::steady_clock::time_point deadline);
  // Reports the instance offline and cuts it off from the outputs for good.
  void Abandon(const std::string& reason);
  [[nodiscard]] Status ReadNow();
  // Called by the host's monitor; `now_mono_ns` from the host clock.
  void CheckSilence(std::int64_t now_mono_ns);
  // First create's outcome (for `required: true`).
  [[nodiscard]] std::shared_future<Status> Created() const { return created_future_; }
  [[nodiscard]] DriverInstanceStatus Snapshot() const;

  // ABI callbacks (see ce_host_api).
  ce_driver_result EmitReading(const ce_driver_reading* reading);
  ce_driver_result EmitFrame(const ce_driver_frame* frame);
  void Log(ce_driver_log_level level, const char* message);
  void ReportHealth(ce_driver_health health, const char* reason);
  [[nodiscard]] bool ShouldStop() const { return stop_.load(); }
  [[nodiscard]] bool SleepMs(std::uint32_t ms);
  void SetExpectedPeriod(std::uint32_t period_ms) { expected_period_ms_ = period_ms; }

 private:
  struct Attempt {
    ce_driver_result result = CE_DRIVER_OK;
    std::string message;
    std::chrono::steady_clock::duration ran_for{};
  };

  Attempt RunOnce();
  ce_driver_instance* Create(std::string* error);
  [[nodiscard]] std::chrono::milliseconds Backoff(std::uint32_t failures) const;
  void WaitBeforeRestart(const std::string& why, std::chrono::milliseconds delay);
  void SetState(v1::ComponentState state, const std::string& reason);
  void NoteActivity();
  [[nodiscard]] v1::Timestamp Stamp(std::int64_t wall_ns, std::int64_t mono_ns) const;
  void Deliver(const ce_driver_reading& reading);
  void MarkDone();

  const std::string id_;
  const std::shared_ptr<const DriverType> type_;
  const bool publish_;
  const SettingTexts settings_;
  const HostOptions options_;
  ce_host_context context_{this};

  // Outputs are used only under a shared lock while !detached_.
  mutable std::shared_mutex delivery_mu_;
  Outputs outputs_;
  bool detached_ = false;

  std::atomic<bool> stop_{false};
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;

  // Serialises on_stop/on_read_now against on_destroy.
  std::mutex lifecycle_mu_;
  ce_driver_instance* current_ = nullptr;

  mutable std::mutex status_mu_;
  v1::ComponentState state_ = v1::COMPONENT_STATE_UNSPECIFIED;
  std::string reason_;
  std::uint32_t restarts_ = 0;
  std::atomic<int> fast_state_{v1::COMPONENT_STATE_UNSPECIFIED};
  std::atomic<bool> silent_{false};

  std::atomic<std::uint32_t> expected_period_ms_{0};
  std::atomic<std::int64_t> last_activity_mono_ns_{0};
  std::atomic<std::uint64_t> readings_{0};
  std::atomic<std::uint64_t> frames_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> sink_errors_{0};

  std::promise<Status> created_;
  std::shared_future<Status> created_future_;
  bool created_reported_ = false;

  std::mutex done_mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
};

// The host function table handed to every driver.
[[nodiscard]] const ce_host_api& HostApi();

}  // namespace cityedge::host
