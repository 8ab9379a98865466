// SPDX-License-Identifier: Apache-2.0
#include "radiometry.hpp"

namespace cityedge::drivers::thermal {

std::expected<Radiometry, std::string> MakeRadiometry(std::string_view kind, double gain,
                                                      double offset) {
  if (kind == "tlinear") return Radiometry{kCentiKelvinGain, -kZeroCelsiusInKelvin};
  if (kind == "linear") {
    if (gain == 0) return std::unexpected("setting 'gain' must not be 0 for linear radiometry");
    return Radiometry{gain, offset};
  }
  return std::unexpected("setting 'radiometry' must be tlinear or linear, got '" +
                         std::string(kind) + "'");
}

}  // namespace cityedge::drivers::thermal
