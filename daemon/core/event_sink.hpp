// SPDX-License-Identifier: Apache-2.0
// Where events go. The journal implements it; pipelines and the driver host
// emit into it; tests use an in-memory sink.
#pragma once

#include "cityedge/v1/event.pb.h"
#include "daemon/core/status.hpp"

namespace cityedge {

// THREADING: Emit may be called from any thread concurrently.
// OWNERSHIP: the sink takes the event; seq is assigned by the sink (the journal
// assigns it when the event commits), so callers leave it 0.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // Accepts the event or says why not (e.g. shutting down). An accepted event
  // is never lost silently: it is delivered or counted in a gap record.
  [[nodiscard]] virtual Status Emit(v1::Event event) = 0;
};

// Topic class of a priority ("alarm", "detection", "telemetry", "health", "gap").
[[nodiscard]] const char* PriorityTopicClass(v1::PriorityClass priority);

}  // namespace cityedge
