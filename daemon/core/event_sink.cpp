// SPDX-License-Identifier: Apache-2.0
#include "daemon/core/event_sink.hpp"

namespace cityedge {

const char* PriorityTopicClass(v1::PriorityClass priority) {
  switch (priority) {
    case v1::PRIORITY_CLASS_ALARM:
      return "alarm";
    case v1::PRIORITY_CLASS_DETECTION:
      return "detection";
    case v1::PRIORITY_CLASS_HEALTH:
      return "health";
    case v1::PRIORITY_CLASS_GAP:
      return "gap";
    case v1::PRIORITY_CLASS_TELEMETRY:
    default:
      return "telemetry";
  }
}

}  // namespace cityedge
