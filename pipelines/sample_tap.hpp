// SampleTap: what the driver host hands samples and frames to, in the core
// and in each vision worker.
#pragma once

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

 private:
  mutable std::shared_mutex router_mu_;
  std::unique_ptr<PipelineRouter> router_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<v1::Event>, std::less<>> expected_;
  std::map<std::string, std::pair<std::string, Frame>, std::less<>> frames_;  // id -> (id, frame)
};

}  // namespace cityedge::pipelines
