// SPDX-License-Identifier: Apache-2.0
// Air quality sub-indices from concentrations: the breakpoint tables of China's
// HJ 633-2012 and of the US EPA, the category of an index, and unit
// conversion. Pure functions; the aqi pipeline decides which averages to feed.
#pragma once

#include <optional>
#include <string_view>

namespace cityedge::pipelines::aqi {

enum class Pollutant { kSo2, kNo2, kPm10, kPm2_5, kCo, kO3 };
inline constexpr Pollutant kAllPollutants[] = {Pollutant::kSo2,   Pollutant::kNo2, Pollutant::kPm10,
                                               Pollutant::kPm2_5, Pollutant::kCo,  Pollutant::kO3};

enum class Averaging { k1h, k8h, k24h };
enum class Standard { kHj633, kUsEpa };

// "so2", "no2", "pm10", "pm2_5", "co", "o3": settings keys and wire names.
[[nodiscard]] std::string_view PollutantName(Pollutant p);
[[nodiscard]] std::string_view AveragingName(Averaging a);  // "1h", "8h", "24h"

// The unit each standard's table is written in: HJ 633 "ug/m3" (CO "mg/m3");
// EPA "ug/m3" for particles, "ppm" for O3 and CO, "ppb" for SO2 and NO2.
[[nodiscard]] std::string_view TableUnit(Standard s, Pollutant p);

// Converts a concentration to the table unit of `s`. Accepts ug/m3 (also
// written µg/m³), mg/m3, ppb and ppm; gases convert through `molar_volume_l`
// (24.45 L/mol at 25 °C, 1 atm). An empty unit means the table unit already.
// nullopt for units it does not know, and for ppb/ppm of particles.
[[nodiscard]] std::optional<double> ToTableUnit(Standard s, Pollutant p, double value,
                                                std::string_view unit, double molar_volume_l);

// HJ 633-2012 IAQI, rounded up to an integer as the standard requires, capped
// at 500 above the table's top. nullopt where the standard defines no index:
// SO2 1-hour above 800 ug/m3 (report the 24-hour index) and O3 8-hour above
// 800 ug/m3 (report the 1-hour index). PM10 and PM2.5 have only 24-hour
// limits; their 1-hour concentrations are taken against those.
[[nodiscard]] std::optional<int> HjIaqi(Pollutant p, Averaging a, double concentration);

// US EPA sub-index (EPA-454/B-24-002, 2024): concentration truncated to the
// table's precision, interpolated, rounded to the nearest integer, capped at
// 500. nullopt where the table has no row: SO2 1-hour at or above 305 ppb,
// O3 8-hour above 0.200 ppm, O3 1-hour below 0.125 ppm, averages it lacks.
[[nodiscard]] std::optional<int> EpaIaqi(Pollutant p, Averaging a, double concentration);

struct Category {
  int level = 0;  // 1..6
  std::string_view en;
  std::string_view zh;  // empty for EPA, which has no official Chinese names
};
[[nodiscard]] Category CategoryOf(Standard s, int aqi);

}  // namespace cityedge::pipelines::aqi
