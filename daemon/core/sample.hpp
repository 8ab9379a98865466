// SPDX-License-Identifier: Apache-2.0
// A reading as it travels inside the daemon, from a driver to pipelines and to
// the journal. Views only: valid for the duration of the call that passes it.
#pragma once

#include <string_view>

#include "cityedge/v1/event.pb.h"

namespace cityedge {

struct Sample {
  std::string_view source;   // driver instance id
  std::string_view channel;  // e.g. "pm2_5"
  double value = 0;
  std::string_view unit;  // e.g. "ug/m3"
  v1::Quality quality = v1::QUALITY_GOOD;
  const v1::Timestamp* capture_time = nullptr;  // never null when passed
};

}  // namespace cityedge
