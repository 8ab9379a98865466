// SPDX-License-Identifier: Apache-2.0
// SampleTap: what the driver host hands samples and frames to, in the core
// and in each vision worker.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "cityedge/v1/event.pb.h"
#include "daemon/core/frame.hpp"
#include "daemon/core/instance_status.hpp"
#include "daemon/core/sample.hpp"
#include "daemon/host/listeners.hpp"
#include "pipelines/router.hpp"

namespace cityedge::pipelines {

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

  // The last `seconds` (at most kRecentSeconds) of every channel that had a
  // reading within that time: the last value of each second, NaN for a second
  // without one, oldest first. For `cityedge top`'s sparklines.
  static constexpr int kRecentSeconds = 60;
  struct RecentSeries {
    std::string instance;
    std::string channel;
    std::string unit;
    std::vector<double> values;
  };
  [[nodiscard]] std::vector<RecentSeries> Recent(int seconds) const;

 private:
  // One ring of per-second slots per channel, indexed by steady second.
  struct Ring {
    std::string unit;
    std::array<double, kRecentSeconds> values{};
    std::int64_t last_second = 0;
  };
  using Channels = std::map<std::string, Ring, std::less<>>;
  void KeepRecent(const Sample& sample);
  mutable std::shared_mutex router_mu_;
  std::unique_ptr<PipelineRouter> router_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<v1::Event>, std::less<>> expected_;
  std::map<std::string, std::pair<std::string, Frame>, std::less<>> frames_;  // id -> (id, frame)
  mutable std::mutex recent_mu_;
  std::map<std::string, Channels, std::less<>> recent_;  // instance -> channel -> ring
};

}  // namespace cityedge::pipelines
