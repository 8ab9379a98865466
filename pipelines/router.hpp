// SPDX-License-Identifier: Apache-2.0
// Wires configured pipeline instances to their inputs: every sample a driver
// produces is handed to the pipelines that named "instance/channel" (or the
// whole instance) as an input, every frame to the frame-consuming pipelines
// that named the instance, and a timer thread ticks every pipeline once a
// second for staleness and window closes.
//
// Frames never queue: each frame-consuming instance has a thread of its own
// and one slot per input camera. A frame arriving while its camera's slot is
// still full replaces the one waiting there, which is counted as dropped, so
// a pipeline slower than its camera always works on the newest frame, and a
// fast camera never pushes out a slower one's frames (a thermal scanner fused
// with a visible camera sees both). Waiting frames are handed over oldest
// capture first.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cityedge/v1/config.pb.h"
#include "daemon/core/clock.hpp"
#include "daemon/core/event_sink.hpp"
#include "daemon/core/frame.hpp"
#include "daemon/core/instance_status.hpp"
#include "daemon/core/sample.hpp"
#include "daemon/core/status.hpp"
#include "daemon/host/listeners.hpp"
#include "pipelines/pipeline.hpp"

namespace cityedge::pipelines {

// THREADING: OnSample and OnFrame are called from driver threads
// concurrently; each pipeline instance is guarded by its own mutex, so one
// instance never runs on two threads at once. Start/Stop from the main thread.
class PipelineRouter final : public host::SampleListener, public host::FrameListener {
 public:
  // Creates every enabled pipeline of `config` from the core's table
  // (BuiltinPipelineTypes). Fails naming the first pipeline that could not be
  // created; a vision pipeline cannot be (it runs in a vision worker), so the
  // core hands this only its own part of the config.
  [[nodiscard]] static Result<std::unique_ptr<PipelineRouter>> Create(const v1::Config& config,
                                                                      EventSink& sink,
                                                                      const clock::Clock& clock);
  // Same, resolving pipeline types through `find` (a vision worker passes
  // FindVisionPipelineType; tests pass their own).
  using TypeLookup = std::function<const pipelines::PipelineType*(std::string_view)>;
  [[nodiscard]] static Result<std::unique_ptr<PipelineRouter>> CreateWithTypes(
      const v1::Config& config, EventSink& sink, const clock::Clock& clock, TypeLookup find);
  ~PipelineRouter() override;

  void OnSample(const Sample& sample) override;
  void OnFrame(const Frame& frame) override;
  // Starts the ticker and the frame threads. Call once.
  void Start();
  // Stops and joins them; frames still waiting are released. Idempotent.
  void Stop();

  [[nodiscard]] std::vector<PipelineInstanceStatus> Instances() const;
  // Steady time of the last completed tick of every pipeline; 0 before the
  // first. Ticks come each second, so an old value means a pipeline is stuck
  // (the tick waits for each instance in turn). The service watchdog reads it.
  [[nodiscard]] std::int64_t LastTickSteadyNs() const { return last_tick_ns_.load(); }
  // Makes pipeline `id` hang in its next tick until Stop, as a stuck detector
  // would: lets tests see the watchdog withheld.
  void StallForTest(std::string id) { stall_for_test_ = std::move(id); }

 private:
  // The newest frame of each input camera waiting for one instance.
  struct FrameSlot {
    std::mutex mutex;
    std::condition_variable ready;
    // Keyed by source; each waiting frame's `source` views its (stable) key.
    std::map<std::string, Frame, std::less<>> waiting;
    bool stopping = false;
    std::thread worker;
  };

  struct Instance {
    std::string id;
    std::string type;
    std::unique_ptr<pipelines::Pipeline> pipeline;
    std::mutex mutex;
    std::atomic<std::uint64_t> samples{0};
    std::atomic<std::uint64_t> frames{0};
    std::atomic<std::uint64_t> frames_dropped{0};
    std::unique_ptr<FrameSlot> slot;  // only for frame-consuming types
  };

  explicit PipelineRouter(const clock::Clock& clock) : clock_(clock) {}
  void Deliver(Instance& instance, const Sample& sample);
  void Offer(Instance& instance, const Frame& frame);
  void FrameLoop(Instance& instance);
  void TickLoop();

  const clock::Clock& clock_;
  std::vector<std::unique_ptr<Instance>> instances_;
  // "driver" and "driver/channel" -> instances that consume them.
  std::map<std::string, std::vector<Instance*>, std::less<>> routes_;
  std::thread ticker_;
  std::mutex tick_mutex_;
  std::condition_variable tick_cv_;
  bool stopping_ = false;
  std::atomic<bool> stop_requested_{false};
  std::atomic<std::int64_t> last_tick_ns_{0};
  std::string stall_for_test_;
};

}  // namespace cityedge::pipelines
