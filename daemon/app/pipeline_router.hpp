// Wires configured pipeline instances to their inputs: every sample a driver
// produces is handed to the pipelines that named "instance/channel" (or the
// whole instance) as an input, and a timer thread ticks every pipeline once a
// second for staleness and window closes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cityedge/v1/config.pb.h"
#include "daemon/core/clock.hpp"
#include "daemon/core/event_sink.hpp"
#include "daemon/core/sample.hpp"
#include "daemon/core/status.hpp"
#include "daemon/host/listeners.hpp"
#include "pipelines/pipeline.hpp"

namespace cityedge::app {

// THREADING: OnSample is called from driver threads concurrently; each
// pipeline instance is guarded by its own mutex, so one instance never runs on
// two threads at once. Start/Stop from the main thread.
class PipelineRouter final : public host::SampleListener {
 public:
  // Creates every enabled pipeline of `config`. Fails naming the first
  // pipeline that could not be created.
  [[nodiscard]] static Result<std::unique_ptr<PipelineRouter>> Create(const v1::Config& config,
                                                                      EventSink& sink,
                                                                      const clock::Clock& clock);
  ~PipelineRouter() override;

  void OnSample(const Sample& sample) override;
  void StartTicking();
  void Stop();

  struct InstanceInfo {
    std::string id;
    std::string type;
    std::uint64_t samples = 0;
  };
  [[nodiscard]] std::vector<InstanceInfo> Instances() const;

 private:
  struct Instance {
    std::string id;
    std::string type;
    std::unique_ptr<pipelines::Pipeline> pipeline;
    std::mutex mutex;
    std::atomic<std::uint64_t> samples{0};
  };

  explicit PipelineRouter(const clock::Clock& clock) : clock_(clock) {}
  void Deliver(Instance& instance, const Sample& sample);
  void TickLoop();

  const clock::Clock& clock_;
  std::vector<std::unique_ptr<Instance>> instances_;
  // "driver" and "driver/channel" -> instances that consume them.
  std::map<std::string, std::vector<Instance*>, std::less<>> routes_;
  std::thread ticker_;
  std::mutex tick_mutex_;
  std::condition_variable tick_cv_;
  bool stopping_ = false;
};

}  // namespace cityedge::app
