// The daemon's side of the control plane: answers the dispatcher's questions
// from the journal, uplink, driver host and pipelines, and carries out its
// orders (config apply with roll back, replay, rebirth, restart-driver).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/app/pipeline_router.hpp"
#include "daemon/app/registry.hpp"
#include "daemon/config/loader.hpp"
#include "daemon/control/backend.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/health/collector.hpp"
#include "daemon/host/driver_host.hpp"
#include "daemon/host/listeners.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/uplink/uplink.hpp"

namespace cityedge::app {

// Forwards samples and frames to the pipelines of the config now running; the
// driver host keeps one listener for the daemon's lifetime while config apply
// swaps the router behind it. Also keeps each instance's newest frame (for
// snapshots) and lets `read` wait for an instance's next samples.
// THREADING: On* from driver threads; Swap/Wait* from control threads.
class SampleTap final : public host::SampleListener, public host::FrameListener {
 public:
  void OnSample(const Sample& sample) override;
  void OnFrame(const Frame& frame) override;
  // Stops the installed router (its ticker and frame threads) where it is,
  // so nothing waits on a pipeline while the drivers stop.
  void StopRouter();
  // Returns the router that was installed.
  std::unique_ptr<PipelineRouter> Swap(std::unique_ptr<PipelineRouter> router);
  [[nodiscard]] std::vector<PipelineInstanceStatus> Pipelines() const;
  // The router's last tick (steady ns); nullopt while no router is installed.
  [[nodiscard]] std::optional<std::int64_t> LastTickSteadyNs() const;

  // Starts collecting samples of `instance`; Collect then waits up to
  // `timeout_ms` for the first one and a short while for the rest of a burst.
  void Expect(const std::string& instance);
  [[nodiscard]] std::vector<v1::Event> Collect(const std::string& instance,
                                               std::int64_t timeout_ms);
  [[nodiscard]] std::optional<Frame> NewestFrame(const std::string& instance) const;

 private:
  mutable std::shared_mutex router_mu_;
  std::unique_ptr<PipelineRouter> router_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<v1::Event>, std::less<>> expected_;
  std::map<std::string, std::pair<std::string, Frame>, std::less<>> frames_;  // id -> (id, frame)
};

// THREADING: Backend methods are called from control threads concurrently;
// config apply and driver restarts are serialised by one mutex.
class ControlBackend final : public control::Backend {
 public:
  // OWNERSHIP: everything passed is borrowed and outlives the backend.
  ControlBackend(std::string config_path, std::string config_yaml, config::Loaded loaded,
                 Registry& registry, journal::Journal& journal, uplink::Uplink& uplink,
                 host::DriverHost& drivers, SampleTap& tap, const clock::Clock& clock,
                 const health::Collector& health);
  ~ControlBackend() override;  // stops a replay in progress

  control::Fields StatusFields() override;
  std::vector<DriverInstanceStatus> Drivers() override;
  std::vector<PipelineInstanceStatus> Pipelines() override;
  control::Fields Backlog() override;
  Result<std::vector<v1::Event>> EventsFrom(std::uint64_t first_seq,
                                            std::size_t max_events) override;
  std::uint64_t DurableSeq() override;
  Result<std::vector<v1::Event>> ReadNow(const std::string& instance) override;
  Result<std::string> Snapshot(const std::string& instance, std::uint32_t max_width) override;
  Result<std::string> CheckConfig(const std::string& yaml) override;
  std::pair<std::string, std::string> CurrentConfig() override;
  Result<std::string> ApplyConfig(const std::string& yaml,
                                  const std::string& expected_hash) override;
  Result<control::ReplayPlan> Replay(const v1::ReplayRequest& request) override;
  Status Rebirth() override;
  Status RestartDriver(const std::string& instance) override;
  Result<std::string> MetricsText() override;

  // The config running now (for the birth message).
  [[nodiscard]] config::Loaded Current() const;

 private:
  Result<config::Loaded> Validate(const std::string& yaml);
  Status StartComponents(const v1::Config& config);
  void StopComponents();
  Status Persist(const std::string& yaml);
  Result<std::vector<journal::LeasedEvent>> CollectReplay(const v1::ReplayRequest& request,
                                                          control::ReplayPlan* plan);
  void RunReplay(std::vector<journal::LeasedEvent> events, std::uint32_t rate_per_s);

  const std::string config_path_;
  Registry& registry_;
  journal::Journal& journal_;
  uplink::Uplink& uplink_;
  host::DriverHost& drivers_;
  SampleTap& tap_;
  const clock::Clock& clock_;
  const health::Collector& health_;
  const std::int64_t started_mono_ns_;

  mutable std::mutex config_mu_;
  std::string yaml_;
  config::Loaded loaded_;
  std::mutex apply_mu_;  // one config apply or driver restart at a time

  std::mutex replay_mu_;
  std::condition_variable replay_cv_;
  bool replay_stop_ = false;
  std::thread replay_;
  std::atomic<bool> replay_running_{false};
};

}  // namespace cityedge::app
