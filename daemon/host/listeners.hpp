// What the driver host delivers besides events: readings to pipelines, frames
// to camera pipelines. Both are small interfaces so tests and the pipeline
// runner can sit behind them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "cityedge/v1/event.pb.h"
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

enum class PixelFormat { kBgr8, kGray8, kY16 };

[[nodiscard]] std::size_t BytesPerPixel(PixelFormat format);

// A frame from a driver, without a copy of its pixels.
// OWNERSHIP: `data` stays valid while any copy of `hold` lives; when the last
// copy goes, the driver's release callback runs (on whichever thread drops
// it). A listener that keeps a frame beyond OnFrame copies the Frame (which
// copies `hold`); otherwise the driver may reuse the buffer right after.
struct Frame {
  std::string_view source;  // driver instance id; valid during OnFrame only
  PixelFormat format = PixelFormat::kGray8;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::size_t stride = 0;  // bytes per row
  const std::uint8_t* data = nullptr;
  v1::Timestamp capture_time;
  std::shared_ptr<const void> hold;
};

// THREADING: OnFrame runs on the driver instance's thread. Keep it short: a
// slow consumer keeps the newest frame and drops, it never queues.
class FrameListener {
 public:
  virtual ~FrameListener() = default;
  virtual void OnFrame(const Frame& frame) = 0;
};

}  // namespace cityedge::host
