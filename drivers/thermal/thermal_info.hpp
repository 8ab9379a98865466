// SPDX-License-Identifier: Apache-2.0
// thermal: the driver's name, version, description and settings table.
// Only the SDK: the core links this to validate and describe the driver (as
// a schema-only descriptor); the driver's code runs in vision workers.
#pragma once

#include <span>

#include "cityedge/driver.hpp"

namespace cityedge::drivers::thermal {

struct ThermalInfo {
  static constexpr const char* kName = "thermal";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "Radiometric 16-bit thermal frames from a UVC Y16 device or a PGM/raw file sequence";
  static constexpr bool kEmitsFrames = true;
  static std::span<const ce_driver_setting_spec> Schema();
};

}  // namespace cityedge::drivers::thermal
