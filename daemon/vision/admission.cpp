// SPDX-License-Identifier: Apache-2.0
#include "daemon/vision/admission.hpp"

#include <fmt/format.h>

namespace cityedge::vision {

std::string_view InstanceOf(std::string_view source) { return source.substr(0, source.find('/')); }

std::string AdmitEvent(const std::set<std::string, std::less<>>& own, v1::Event* event) {
  if (!own.contains(InstanceOf(event->source()))) {
    return fmt::format("an event from '{}', not one of its instances", event->source());
  }
  // Gap records, the gateway's health and clock corrections speak for the
  // core (the journal, the uplink, the clock); no worker may forge them.
  switch (event->body_case()) {
    case v1::Event::kReading:
    case v1::Event::kPeopleCount:
    case v1::Event::kCrowdDensity:
    case v1::Event::kFeverAlert:
    case v1::Event::kThresholdAlert:
    case v1::Event::kDriverStatus:
      break;
    case v1::Event::BODY_NOT_SET:
      return fmt::format("an event from '{}' with no body", event->source());
    default:
      return fmt::format("a {} event from '{}', which only the core sends",
                         event->GetDescriptor()->FindFieldByNumber(event->body_case())->name(),
                         event->source());
  }
  if (event->priority() == v1::PRIORITY_CLASS_GAP ||
      !v1::PriorityClass_IsValid(event->priority())) {
    return fmt::format("an event from '{}' in priority class {}, which no worker event uses",
                       event->source(), static_cast<int>(event->priority()));
  }
  event->clear_seq();
  return {};
}

}  // namespace cityedge::vision
