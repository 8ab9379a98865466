// SPDX-License-Identifier: Apache-2.0
// camera: the driver's name, version, description and settings table.
// Only the SDK: the core links this to validate and describe the driver (as
// a schema-only descriptor); the driver's code runs in vision workers.
#pragma once

#include <span>

#include "cityedge/driver.hpp"

namespace cityedge::drivers::camera {

struct CameraInfo {
  static constexpr const char* kName = "camera";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "Frames from a V4L2 device, an RTSP/HTTP stream or a video file (OpenCV), with a "
      "reconnecting supervisor";
  static constexpr bool kEmitsFrames = true;
  static std::span<const ce_driver_setting_spec> Schema();
};

}  // namespace cityedge::drivers::camera
