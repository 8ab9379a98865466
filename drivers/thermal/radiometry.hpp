// SPDX-License-Identifier: Apache-2.0
// Counts to degrees Celsius: the two conversions radiometric thermal cores
// use. TLinear (FLIR Lepton radiometry with TLinear on): a count is a
// temperature in centi-kelvin, 0.01 K per count. Linear: °C = gain * count +
// offset, for cores calibrated some other way.
//
// The driver announces the conversion it applies as two readings (channels
// kGainChannel and kOffsetChannel) so a pipeline turns the Y16 counts of its
// frames into °C with the very numbers the driver was configured with.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace cityedge::drivers::thermal {

inline constexpr const char* kGainChannel = "radiometric_gain";      // unit degC/count
inline constexpr const char* kOffsetChannel = "radiometric_offset";  // unit degC
inline constexpr double kCentiKelvinGain = 0.01;
inline constexpr double kZeroCelsiusInKelvin = 273.15;

struct Radiometry {
  double gain_c_per_count = kCentiKelvinGain;
  double offset_c = -kZeroCelsiusInKelvin;

  [[nodiscard]] double ToCelsius(std::uint16_t count) const {
    return gain_c_per_count * count + offset_c;
  }
};

// kind "tlinear" ignores gain and offset; "linear" uses them (gain must not
// be 0). Other kinds are refused.
[[nodiscard]] std::expected<Radiometry, std::string> MakeRadiometry(std::string_view kind,
                                                                    double gain, double offset);

}  // namespace cityedge::drivers::thermal
