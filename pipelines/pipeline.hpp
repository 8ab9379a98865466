// SPDX-License-Identifier: Apache-2.0
// Pipelines: in-process judgements computed on the box (DESIGN.md §3.5).
//
// factory (PipelineType) -> validated immutable settings -> per-instance
// Pipeline that consumes samples of its inputs and emits Events.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "daemon/config/settings.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/event_sink.hpp"
#include "daemon/core/frame.hpp"
#include "daemon/core/sample.hpp"
#include "daemon/core/status.hpp"

namespace cityedge::pipelines {

// What a pipeline instance is given at creation.
// OWNERSHIP: sink and clock outlive the pipeline.
struct Context {
  std::string id;                   // pipeline instance id from config
  std::vector<std::string> inputs;  // "driver-instance/channel" as configured
  EventSink* sink = nullptr;
  const clock::Clock* clock = nullptr;
};

// THREADING: OnSample runs on the thread of the driver that produced the
// sample; OnFrame on the instance's own frame thread; OnTick on the daemon's
// timer thread. The framework serialises calls to one instance, so an
// instance needs no locking of its own.
class Pipeline {
 public:
  virtual ~Pipeline() = default;
  virtual void OnSample(const Sample& sample) = 0;
  // Only for types with consumes_frames. A pipeline slower than its camera is
  // handed the newest frame when it is ready again; the frames in between are
  // dropped and counted by the framework, never queued. The frame (and its
  // pixels) may be kept beyond the call by copying it.
  virtual void OnFrame(const Frame& frame) { (void)frame; }
  // Called about once a second; used for stale-input checks and window closes
  // when inputs go quiet.
  virtual void OnTick(std::int64_t monotonic_ns) { (void)monotonic_ns; }
};

struct PipelineType {
  std::string name;  // registry key == folder == config `type:`
  std::string description;
  config::SettingsSchema schema;
  // True for vision pipelines: each instance gets a frame thread and OnFrame.
  bool consumes_frames = false;
  std::function<Result<std::unique_ptr<Pipeline>>(const config::Settings&, Context)> create;
};

// PipelineType::create for the usual case: `Parse` turns the settings into the
// config that P's constructor takes with the context, or says what is wrong.
template <typename P, auto Parse>
[[nodiscard]] Result<std::unique_ptr<Pipeline>> CreateFromSettings(const config::Settings& settings,
                                                                   Context context) {
  auto config = Parse(settings);
  if (!config) return std::unexpected(config.error());
  return std::make_unique<P>(std::move(*config), std::move(context));
}

// The core's pipeline types, from a generated table (no static constructors):
// reading pipelines with their code, vision pipelines (consumes_frames) with
// name, description and settings only: `create` is empty, since they run in
// vision workers. Link cityedge_pipelines.
[[nodiscard]] const std::vector<PipelineType>& BuiltinPipelineTypes();
[[nodiscard]] const PipelineType* FindPipelineType(std::string_view name);
// The vision worker's pipeline types: the vision pipelines with their code.
// Link cityedge_vision_pipelines (OpenCV).
[[nodiscard]] const std::vector<PipelineType>& VisionPipelineTypes();
[[nodiscard]] const PipelineType* FindVisionPipelineType(std::string_view name);

}  // namespace cityedge::pipelines
