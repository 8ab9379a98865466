// SPDX-License-Identifier: Apache-2.0
// What the core accepts from a vision worker. A worker decodes untrusted video,
// so the core treats every message it sends as untrusted too: it journals only
// the kinds of event frame code makes, from the worker's own instances, in the
// priority classes such events use.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "cityedge/v1/event.pb.h"

namespace cityedge::vision {

// "" when `event`, sent by the worker that runs the instances `own` (driver
// and pipeline ids), may be journaled; its seq is then cleared (the core
// numbers events). Else why it is refused, for the log.
[[nodiscard]] std::string AdmitEvent(const std::set<std::string, std::less<>>& own,
                                     v1::Event* event);

// The instance part of an event source: "cam1" of "cam1/people".
[[nodiscard]] std::string_view InstanceOf(std::string_view source);

}  // namespace cityedge::vision
