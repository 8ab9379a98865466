// SPDX-License-Identifier: Apache-2.0
// What the driver host delivers besides events: readings to pipelines, frames
// to camera pipelines. Both are small interfaces so tests and the pipeline
// runner can sit behind them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "cityedge/v1/event.pb.h"
#include "daemon/core/frame.hpp"
#include "daemon/core/sample.hpp"

namespace cityedge::host {

// Receives every reading of every driver instance, published or not.
// THREADING: OnSample runs on the thread of the driver instance that produced
// the reading; different instances call it concurrently.
// OWNERSHIP: the sample's views are valid only during the call.
class SampleListener {
 public:
  virtual ~SampleListener() = default;
  virtual void OnSample(const Sample& sample) = 0;
};

using cityedge::BytesPerPixel;
using cityedge::Frame;
using cityedge::PixelFormat;

// THREADING: OnFrame runs on the driver instance's thread. Keep it short: a
// slow consumer keeps the newest frame and drops, it never queues.
class FrameListener {
 public:
  virtual ~FrameListener() = default;
  virtual void OnFrame(const Frame& frame) = 0;
};

}  // namespace cityedge::host
