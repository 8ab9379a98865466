// SPDX-License-Identifier: Apache-2.0
#include "pipelines/aqi/breakpoints.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <span>
#include <string>

namespace cityedge::pipelines::aqi {
namespace {

// HJ 633-2012, Table 1 (空气质量分指数及对应的污染物项目浓度限值): the
// concentration at each IAQI breakpoint 0, 50, 100, 150, 200, 300, 400, 500.
// ug/m3, CO mg/m3. Rows that stop early are where the standard's notes send
// the index to another average (SO2 1 h > 800, O3 8 h > 800).
constexpr std::array<int, 8> kHjIaqi = {0, 50, 100, 150, 200, 300, 400, 500};

struct HjRow {
  Pollutant pollutant;
  Averaging averaging;
  std::array<double, 8> c;
  int size;
};

constexpr HjRow kHjRows[] = {
    {Pollutant::kSo2, Averaging::k24h, {0, 50, 150, 475, 800, 1600, 2100, 2620}, 8},
    {Pollutant::kSo2, Averaging::k1h, {0, 150, 500, 650, 800}, 5},
    {Pollutant::kNo2, Averaging::k24h, {0, 40, 80, 180, 280, 565, 750, 940}, 8},
    {Pollutant::kNo2, Averaging::k1h, {0, 100, 200, 700, 1200, 2340, 3090, 3840}, 8},
    {Pollutant::kPm10, Averaging::k24h, {0, 50, 150, 250, 350, 420, 500, 600}, 8},
    {Pollutant::kCo, Averaging::k24h, {0, 2, 4, 14, 24, 36, 48, 60}, 8},
    {Pollutant::kCo, Averaging::k1h, {0, 5, 10, 35, 60, 90, 120, 150}, 8},
    {Pollutant::kO3, Averaging::k1h, {0, 160, 200, 300, 400, 800, 1000, 1200}, 8},
    {Pollutant::kO3, Averaging::k8h, {0, 100, 160, 215, 265, 800}, 6},
    {Pollutant::kPm2_5, Averaging::k24h, {0, 35, 75, 115, 150, 250, 350, 500}, 8},
};

// US EPA, Technical Assistance Document for the Reporting of Daily Air
// Quality, EPA-454/B-24-002 (May 2024), Table 6 "Breakpoints for the AQI".
// Units: PM ug/m3, O3 and CO ppm, SO2 and NO2 ppb. `decimals` is the
// precision concentrations are truncated to before the lookup.
struct EpaSegment {
  double c_lo, c_hi;
  int i_lo, i_hi;
};

struct EpaRow {
  Pollutant pollutant;
  Averaging averaging;
  int decimals;
  std::span<const EpaSegment> segments;
};

constexpr EpaSegment kEpaPm25[] = {{0.0, 9.0, 0, 50},        {9.1, 35.4, 51, 100},
                                   {35.5, 55.4, 101, 150},   {55.5, 125.4, 151, 200},
                                   {125.5, 225.4, 201, 300}, {225.5, 325.4, 301, 500}};
constexpr EpaSegment kEpaPm10[] = {{0, 54, 0, 50},       {55, 154, 51, 100},
                                   {155, 254, 101, 150}, {255, 354, 151, 200},
                                   {355, 424, 201, 300}, {425, 604, 301, 500}};
constexpr EpaSegment kEpaO3_8h[] = {{0.000, 0.054, 0, 50},
                                    {0.055, 0.070, 51, 100},
                                    {0.071, 0.085, 101, 150},
                                    {0.086, 0.105, 151, 200},
                                    {0.106, 0.200, 201, 300}};
constexpr EpaSegment kEpaO3_1h[] = {{0.125, 0.164, 101, 150},
                                    {0.165, 0.204, 151, 200},
                                    {0.205, 0.404, 201, 300},
                                    {0.405, 0.604, 301, 500}};
constexpr EpaSegment kEpaCo[] = {{0.0, 4.4, 0, 50},      {4.5, 9.4, 51, 100},
                                 {9.5, 12.4, 101, 150},  {12.5, 15.4, 151, 200},
                                 {15.5, 30.4, 201, 300}, {30.5, 50.4, 301, 500}};
constexpr EpaSegment kEpaSo2_1h[] = {
    {0, 35, 0, 50}, {36, 75, 51, 100}, {76, 185, 101, 150}, {186, 304, 151, 200}};
constexpr EpaSegment kEpaSo2_24h[] = {{305, 604, 201, 300}, {605, 1004, 301, 500}};
constexpr EpaSegment kEpaNo2[] = {{0, 53, 0, 50},        {54, 100, 51, 100},
                                  {101, 360, 101, 150},  {361, 649, 151, 200},
                                  {650, 1249, 201, 300}, {1250, 2049, 301, 500}};

const EpaRow kEpaRows[] = {
    {Pollutant::kPm2_5, Averaging::k24h, 1, kEpaPm25},
    {Pollutant::kPm10, Averaging::k24h, 0, kEpaPm10},
    {Pollutant::kO3, Averaging::k8h, 3, kEpaO3_8h},
    {Pollutant::kO3, Averaging::k1h, 3, kEpaO3_1h},
    {Pollutant::kCo, Averaging::k8h, 1, kEpaCo},
    {Pollutant::kSo2, Averaging::k1h, 0, kEpaSo2_1h},
    {Pollutant::kSo2, Averaging::k24h, 0, kEpaSo2_24h},
    {Pollutant::kNo2, Averaging::k1h, 0, kEpaNo2},
};

struct CategoryRow {
  int max_aqi;
  std::string_view en;
  std::string_view zh;
};

// HJ 633-2012, Table 2 (空气质量指数及相关信息).
constexpr CategoryRow kHjCategories[] = {{50, "Excellent", "优"},
                                         {100, "Good", "良"},
                                         {150, "Lightly polluted", "轻度污染"},
                                         {200, "Moderately polluted", "中度污染"},
                                         {300, "Heavily polluted", "重度污染"},
                                         {500, "Severely polluted", "严重污染"}};
// EPA-454/B-24-002, Table 1.
constexpr CategoryRow kEpaCategories[] = {{50, "Good", ""},
                                          {100, "Moderate", ""},
                                          {150, "Unhealthy for Sensitive Groups", ""},
                                          {200, "Unhealthy", ""},
                                          {300, "Very Unhealthy", ""},
                                          {500, "Hazardous", ""}};

// Molar masses (g/mol) for ppb <-> ug/m3.
double MolarMass(Pollutant p) {
  switch (p) {
    case Pollutant::kSo2:
      return 64.066;
    case Pollutant::kNo2:
      return 46.0055;
    case Pollutant::kCo:
      return 28.010;
    case Pollutant::kO3:
      return 47.997;
    default:
      return 0;  // particles have no molar mass
  }
}

// "µg/m³", "μg/m3", "UG/M3" -> "ug/m3".
std::string NormaliseUnit(std::string_view unit) {
  std::string out;
  for (std::size_t i = 0; i < unit.size(); ++i) {
    const unsigned char ch = static_cast<unsigned char>(unit[i]);
    if (unit.substr(i).starts_with("µ") || unit.substr(i).starts_with("μ")) {
      out += 'u';
      ++i;  // both are two bytes in UTF-8
    } else if (unit.substr(i).starts_with("³")) {
      out += '3';
      ++i;
    } else if (ch != ' ') {
      out += static_cast<char>(std::tolower(ch));
    }
  }
  return out;
}

// Concentration in ug/m3 per one `unit`, or 0 when not convertible.
double UgM3Per(Pollutant p, std::string_view unit, double molar_volume_l) {
  if (unit == "ug/m3") return 1;
  if (unit == "mg/m3") return 1000;
  const double ppb = MolarMass(p) / molar_volume_l;
  if (unit == "ppb") return ppb;
  if (unit == "ppm") return 1000 * ppb;
  return 0;
}

}  // namespace

std::string_view PollutantName(Pollutant p) {
  static constexpr std::string_view kNames[] = {"so2", "no2", "pm10", "pm2_5", "co", "o3"};
  return kNames[static_cast<int>(p)];
}

std::string_view AveragingName(Averaging a) {
  static constexpr std::string_view kNames[] = {"1h", "8h", "24h"};
  return kNames[static_cast<int>(a)];
}

std::string_view TableUnit(Standard s, Pollutant p) {
  if (p == Pollutant::kPm10 || p == Pollutant::kPm2_5) return "ug/m3";
  if (s == Standard::kHj633) return p == Pollutant::kCo ? "mg/m3" : "ug/m3";
  return (p == Pollutant::kCo || p == Pollutant::kO3) ? "ppm" : "ppb";
}

std::optional<double> ToTableUnit(Standard s, Pollutant p, double value, std::string_view unit,
                                  double molar_volume_l) {
  if (unit.empty()) return value;
  const double from = UgM3Per(p, NormaliseUnit(unit), molar_volume_l);
  const double to = UgM3Per(p, TableUnit(s, p), molar_volume_l);
  if (from == 0 || to == 0) return std::nullopt;
  return value * from / to;
}

std::optional<int> HjIaqi(Pollutant p, Averaging a, double concentration) {
  // The standard has only 24-hour limits for particles.
  if ((p == Pollutant::kPm10 || p == Pollutant::kPm2_5) && a == Averaging::k1h) {
    a = Averaging::k24h;
  }
  const auto* row = std::find_if(std::begin(kHjRows), std::end(kHjRows), [&](const HjRow& r) {
    return r.pollutant == p && r.averaging == a;
  });
  if (row == std::end(kHjRows)) return std::nullopt;
  const double c = std::max(concentration, 0.0);
  if (c > row->c[row->size - 1]) {
    if (row->size < 8) return std::nullopt;
    return 500;  // above the top limit the index stays at 500 ("beyond the scale")
  }
  int i = 0;
  while (c > row->c[i + 1]) ++i;
  const double iaqi =
      kHjIaqi[i] + (kHjIaqi[i + 1] - kHjIaqi[i]) * (c - row->c[i]) / (row->c[i + 1] - row->c[i]);
  // Rounded up (进位取整); the tolerance keeps an exact breakpoint such as
  // 50.000000000001 from a division from being pushed to 51.
  return static_cast<int>(std::ceil(iaqi - 1e-9));
}

std::optional<int> EpaIaqi(Pollutant p, Averaging a, double concentration) {
  const auto* row = std::find_if(std::begin(kEpaRows), std::end(kEpaRows), [&](const EpaRow& r) {
    return r.pollutant == p && r.averaging == a;
  });
  if (row == std::end(kEpaRows)) return std::nullopt;
  const double scale = std::pow(10.0, row->decimals);
  const double c = std::floor(std::max(concentration, 0.0) * scale + 1e-9) / scale;
  if (c > row->segments.back().c_hi) {
    // The SO2 1-hour and O3 8-hour rows stop where another average takes over.
    if (row->segments.back().i_hi < 500) return std::nullopt;
    return 500;
  }
  for (const EpaSegment& s : row->segments) {
    if (c < s.c_lo - 1e-9 || c > s.c_hi + 1e-9) continue;
    const double index = s.i_lo + (s.i_hi - s.i_lo) * (c - s.c_lo) / (s.c_hi - s.c_lo);
    return static_cast<int>(std::floor(index + 0.5));
  }
  return std::nullopt;  // below the first row (O3 1-hour under 0.125 ppm)
}

Category CategoryOf(Standard s, int aqi) {
  const auto& rows = s == Standard::kHj633 ? kHjCategories : kEpaCategories;
  int level = 1;
  for (const CategoryRow& row : rows) {
    if (aqi <= row.max_aqi || level == 6) return {level, row.en, row.zh};
    ++level;
  }
  return {6, rows[5].en, rows[5].zh};
}

}  // namespace cityedge::pipelines::aqi
