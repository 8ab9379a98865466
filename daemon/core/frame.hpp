// SPDX-License-Identifier: Apache-2.0
// A video or radiometric frame as it travels inside the daemon, from a camera
// or thermal driver to the pipelines that consume frames. Like Sample, it
// carries views, not copies, of the driver's pixels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "cityedge/v1/event.pb.h"

namespace cityedge {

enum class PixelFormat { kBgr8, kGray8, kY16 };

[[nodiscard]] constexpr std::size_t BytesPerPixel(PixelFormat format) {
  switch (format) {
    case PixelFormat::kBgr8:
      return 3;
    case PixelFormat::kGray8:
      return 1;
    case PixelFormat::kY16:
      return 2;
  }
  return 1;
}

// OWNERSHIP: `data` stays valid while any copy of `hold` lives; when the last
// copy goes, the driver's release callback runs (on whichever thread drops
// it). A consumer that keeps a frame beyond the call that passed it copies the
// Frame (which copies `hold`) and its `source` text; otherwise the driver may
// reuse the buffer right after the call.
struct Frame {
  std::string_view source;  // driver instance id; valid during the call only
  PixelFormat format = PixelFormat::kGray8;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::size_t stride = 0;  // bytes per row
  const std::uint8_t* data = nullptr;
  v1::Timestamp capture_time;
  std::shared_ptr<const void> hold;
};

}  // namespace cityedge
