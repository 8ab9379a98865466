// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <array>
#include <map>
#include <string>
#include <vector>

#include "pipelines/aqi/breakpoints.hpp"
#include "tests/pipelines/support/support.hpp"

namespace cityedge::pipelines::aqi {
namespace {

using testing::Harness;
using testing::kHour;
using testing::kMin;
using testing::kT0;

// The test's own transcription of HJ 633-2012 Table 1 (concentration at IAQI
// 0, 50, 100, 150, 200, 300, 400, 500), kept apart from the code's table.
struct HjCase {
  Pollutant p;
  Averaging a;
  std::vector<double> c;
  bool capped;  // false: the row stops and the standard sends the index elsewhere
};

const std::vector<HjCase> kHj = {
    {Pollutant::kSo2, Averaging::k24h, {0, 50, 150, 475, 800, 1600, 2100, 2620}, true},
    {Pollutant::kSo2, Averaging::k1h, {0, 150, 500, 650, 800}, false},
    {Pollutant::kNo2, Averaging::k24h, {0, 40, 80, 180, 280, 565, 750, 940}, true},
    {Pollutant::kNo2, Averaging::k1h, {0, 100, 200, 700, 1200, 2340, 3090, 3840}, true},
    {Pollutant::kPm10, Averaging::k24h, {0, 50, 150, 250, 350, 420, 500, 600}, true},
    {Pollutant::kPm10, Averaging::k1h, {0, 50, 150, 250, 350, 420, 500, 600}, true},
    {Pollutant::kCo, Averaging::k24h, {0, 2, 4, 14, 24, 36, 48, 60}, true},
    {Pollutant::kCo, Averaging::k1h, {0, 5, 10, 35, 60, 90, 120, 150}, true},
    {Pollutant::kO3, Averaging::k1h, {0, 160, 200, 300, 400, 800, 1000, 1200}, true},
    {Pollutant::kO3, Averaging::k8h, {0, 100, 160, 215, 265, 800}, false},
    {Pollutant::kPm2_5, Averaging::k24h, {0, 35, 75, 115, 150, 250, 350, 500}, true},
    {Pollutant::kPm2_5, Averaging::k1h, {0, 35, 75, 115, 150, 250, 350, 500}, true},
};
constexpr int kIaqi[] = {0, 50, 100, 150, 200, 300, 400, 500};

TEST_CASE("HJ 633: every breakpoint edge, midpoint and just-above value of every pollutant") {
  for (const HjCase& row : kHj) {
    INFO(PollutantName(row.p) << " " << AveragingName(row.a));
    for (std::size_t i = 0; i < row.c.size(); ++i) {
      INFO("edge " << row.c[i]);
      CHECK(HjIaqi(row.p, row.a, row.c[i]) == kIaqi[i]);
      if (i + 1 == row.c.size()) break;
      const double mid = (row.c[i] + row.c[i + 1]) / 2;
      INFO("midpoint " << mid);
      CHECK(HjIaqi(row.p, row.a, mid) == (kIaqi[i] + kIaqi[i + 1]) / 2);
      // Any fraction above an edge rounds up to the next integer.
      CHECK(HjIaqi(row.p, row.a, row.c[i] + (row.c[i + 1] - row.c[i]) / 1000) == kIaqi[i] + 1);
    }
    const double above = row.c.back() * 1.5;
    if (row.capped) {
      CHECK(HjIaqi(row.p, row.a, above) == 500);
    } else {
      CHECK_FALSE(HjIaqi(row.p, row.a, above).has_value());
    }
  }
  CHECK(HjIaqi(Pollutant::kSo2, Averaging::k1h, 800.5) == std::nullopt);
  CHECK(HjIaqi(Pollutant::kO3, Averaging::k8h, 800.5) == std::nullopt);
  CHECK(HjIaqi(Pollutant::kPm2_5, Averaging::k24h, -3) == 0);
  CHECK(HjIaqi(Pollutant::kPm2_5, Averaging::k8h, 10) == std::nullopt);
}

// EPA-454/B-24-002 Table 6, transcribed separately: {c_lo, c_hi, i_lo, i_hi}.
struct EpaCase {
  Pollutant p;
  Averaging a;
  std::vector<std::array<double, 4>> rows;
};

const std::vector<EpaCase> kEpa = {
    {Pollutant::kPm2_5,
     Averaging::k24h,
     {{0, 9.0, 0, 50},
      {9.1, 35.4, 51, 100},
      {35.5, 55.4, 101, 150},
      {55.5, 125.4, 151, 200},
      {125.5, 225.4, 201, 300},
      {225.5, 325.4, 301, 500}}},
    {Pollutant::kPm10,
     Averaging::k24h,
     {{0, 54, 0, 50},
      {55, 154, 51, 100},
      {155, 254, 101, 150},
      {255, 354, 151, 200},
      {355, 424, 201, 300},
      {425, 604, 301, 500}}},
    {Pollutant::kO3,
     Averaging::k8h,
     {{0, 0.054, 0, 50},
      {0.055, 0.070, 51, 100},
      {0.071, 0.085, 101, 150},
      {0.086, 0.105, 151, 200},
      {0.106, 0.200, 201, 300}}},
    {Pollutant::kO3,
     Averaging::k1h,
     {{0.125, 0.164, 101, 150},
      {0.165, 0.204, 151, 200},
      {0.205, 0.404, 201, 300},
      {0.405, 0.604, 301, 500}}},
    {Pollutant::kCo,
     Averaging::k8h,
     {{0, 4.4, 0, 50},
      {4.5, 9.4, 51, 100},
      {9.5, 12.4, 101, 150},
      {12.5, 15.4, 151, 200},
      {15.5, 30.4, 201, 300},
      {30.5, 50.4, 301, 500}}},
    {Pollutant::kSo2,
     Averaging::k1h,
     {{0, 35, 0, 50}, {36, 75, 51, 100}, {76, 185, 101, 150}, {186, 304, 151, 200}}},
    {Pollutant::kSo2, Averaging::k24h, {{305, 604, 201, 300}, {605, 1004, 301, 500}}},
    {Pollutant::kNo2,
     Averaging::k1h,
     {{0, 53, 0, 50},
      {54, 100, 51, 100},
      {101, 360, 101, 150},
      {361, 649, 151, 200},
      {650, 1249, 201, 300},
      {1250, 2049, 301, 500}}},
};

TEST_CASE("US EPA: every breakpoint edge and midpoint of every pollutant") {
  for (const EpaCase& t : kEpa) {
    INFO(PollutantName(t.p) << " " << AveragingName(t.a));
    for (const auto& [lo, hi, ilo, ihi] : t.rows) {
      INFO("row " << lo << "-" << hi);
      CHECK(EpaIaqi(t.p, t.a, lo) == static_cast<int>(ilo));
      CHECK(EpaIaqi(t.p, t.a, hi) == static_cast<int>(ihi));
      // Midpoint of the index range: the concentration that gives it exactly.
      const double mid_i = (ilo + ihi) / 2;
      if (mid_i == static_cast<int>(mid_i)) {
        const double mid_c = lo + (hi - lo) / 2;
        const int got = EpaIaqi(t.p, t.a, mid_c).value_or(-1);
        // Truncation to the table's precision may move it down by one step.
        CHECK(got <= static_cast<int>(mid_i));
        CHECK(got >= static_cast<int>(mid_i) - 1);
      }
    }
  }
  // Hand-computed: truncate, interpolate, round to nearest.
  CHECK(EpaIaqi(Pollutant::kPm2_5, Averaging::k24h, 4.5) == 25);
  CHECK(EpaIaqi(Pollutant::kPm2_5, Averaging::k24h, 22.25) == 75);   // 22.2 -> 75.41
  CHECK(EpaIaqi(Pollutant::kPm2_5, Averaging::k24h, 9.09) == 50);    // 9.0 after truncation
  CHECK(EpaIaqi(Pollutant::kPm2_5, Averaging::k24h, 35.45) == 100);  // 35.4
  CHECK(EpaIaqi(Pollutant::kO3, Averaging::k8h, 0.0625) == 74);      // 0.062 -> 73.87
  CHECK(EpaIaqi(Pollutant::kCo, Averaging::k8h, 10.95) == 125);      // 10.9 -> 124.66
  CHECK(EpaIaqi(Pollutant::kPm10, Averaging::k24h, 54.9) == 50);
  CHECK(EpaIaqi(Pollutant::kPm2_5, Averaging::k24h, 400) == 500);
  // Rows that hand over to another average.
  CHECK_FALSE(EpaIaqi(Pollutant::kSo2, Averaging::k1h, 305).has_value());
  CHECK_FALSE(EpaIaqi(Pollutant::kO3, Averaging::k8h, 0.201).has_value());
  CHECK_FALSE(EpaIaqi(Pollutant::kO3, Averaging::k1h, 0.124).has_value());
}

TEST_CASE("Categories: levels 1-6 with the standard's names") {
  struct Row {
    int aqi, level;
    const char* en;
    const char* zh;
  };
  const Row rows[] = {{0, 1, "Excellent", "优"},
                      {50, 1, "Excellent", "优"},
                      {51, 2, "Good", "良"},
                      {100, 2, "Good", "良"},
                      {101, 3, "Lightly polluted", "轻度污染"},
                      {150, 3, "Lightly polluted", "轻度污染"},
                      {151, 4, "Moderately polluted", "中度污染"},
                      {200, 4, "Moderately polluted", "中度污染"},
                      {201, 5, "Heavily polluted", "重度污染"},
                      {300, 5, "Heavily polluted", "重度污染"},
                      {301, 6, "Severely polluted", "严重污染"},
                      {500, 6, "Severely polluted", "严重污染"}};
  for (const Row& r : rows) {
    INFO(r.aqi);
    const Category c = CategoryOf(Standard::kHj633, r.aqi);
    CHECK(c.level == r.level);
    CHECK(c.en == r.en);
    CHECK(c.zh == r.zh);
  }
  CHECK(CategoryOf(Standard::kUsEpa, 120).en == "Unhealthy for Sensitive Groups");
  CHECK(CategoryOf(Standard::kUsEpa, 301).en == "Hazardous");
  CHECK(CategoryOf(Standard::kUsEpa, 301).level == 6);
}

TEST_CASE("Units convert to each table's unit") {
  CHECK(ToTableUnit(Standard::kHj633, Pollutant::kCo, 1500, "ug/m3", 24.45) == 1.5);
  CHECK(ToTableUnit(Standard::kHj633, Pollutant::kPm2_5, 12, "µg/m³", 24.45) == 12);
  CHECK_THAT(*ToTableUnit(Standard::kUsEpa, Pollutant::kO3, 70, "ppb", 24.45),
             Catch::Matchers::WithinAbs(0.070, 1e-12));
  CHECK_THAT(*ToTableUnit(Standard::kHj633, Pollutant::kSo2, 100, "ppb", 24.45),
             Catch::Matchers::WithinAbs(100 * 64.066 / 24.45, 1e-9));
  CHECK_FALSE(ToTableUnit(Standard::kHj633, Pollutant::kPm10, 1, "ppb", 24.45).has_value());
  CHECK_FALSE(ToTableUnit(Standard::kHj633, Pollutant::kNo2, 1, "furlongs", 24.45).has_value());
}

// --- the pipeline -----------------------------------------------------------

const std::vector<std::string> kInputs = {"aq1/so2",   "aq1/no2", "aq1/pm10",
                                          "aq1/pm2_5", "aq1/co",  "aq1/o3"};
std::map<std::string, std::string> Mapped(std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> s = {{"so2", "aq1/so2"},   {"no2", "aq1/no2"},
                                          {"pm10", "aq1/pm10"}, {"pm2_5", "aq1/pm2_5"},
                                          {"co", "aq1/co"},     {"o3", "aq1/o3"}};
  for (auto& [k, v] : extra) s[k] = v;
  return s;
}

// One reading per pollutant per hour at :30; `hours` of them from kT0.
void FeedHours(Harness& h, const std::string& input, const std::vector<double>& values,
               std::string_view unit = "", int first_hour = 0) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    h.Feed(input, values[i], kT0 + (first_hour + static_cast<int>(i)) * kHour + 30 * kMin, unit);
  }
}

std::vector<std::string> List(const google::protobuf::RepeatedPtrField<std::string>& l) {
  return {l.begin(), l.end()};
}

const v1::AirQuality::SubIndex* Sub(const v1::AirQuality& aq, const std::string& p,
                                    const std::string& averaging) {
  for (const auto& s : aq.sub_indices()) {
    if (s.pollutant() == p && s.averaging() == averaging) return &s;
  }
  return nullptr;
}

TEST_CASE("aqi pipeline, HJ hourly: an index per hour from that hour's readings") {
  Harness h("aqi", Mapped(), kInputs);
  h.Feed("aq1/pm2_5", 70, kT0 + 10 * kMin, "ug/m3");
  h.Feed("aq1/pm2_5", 80, kT0 + 40 * kMin, "ug/m3");
  h.Feed("aq1/co", 1000, kT0 + 50 * kMin, "ug/m3");  // 1 mg/m3
  CHECK(h.Take().empty());
  h.Feed("aq1/pm2_5", 10, kT0 + kHour, "ug/m3");  // the next hour closes hour 0
  const auto events = h.Take();
  REQUIRE(events.size() == 1);
  const v1::Event& e = events[0];
  CHECK(e.source() == "aq1/p");
  CHECK(e.priority() == v1::PRIORITY_CLASS_DETECTION);
  CHECK(e.capture_time().wall_unix_ns() == kT0 + 50 * kMin);
  const v1::AirQuality& aq = e.air_quality();
  CHECK(aq.standard() == v1::AirQuality::STANDARD_HJ_633_2012);
  CHECK(aq.mode() == v1::AirQuality::MODE_HOURLY);
  CHECK(aq.aqi() == 100);
  CHECK(aq.level() == 2);
  CHECK(aq.category_zh() == "良");
  CHECK(aq.category_en() == "Good");
  CHECK(List(aq.primary_pollutants()) == std::vector<std::string>{"pm2_5"});
  CHECK(aq.over_standard().empty());
  CHECK(List(aq.missing()) == std::vector<std::string>{"so2", "no2", "pm10", "o3"});
  const auto* pm = Sub(aq, "pm2_5", "1h");
  REQUIRE(pm != nullptr);
  CHECK(pm->concentration() == 75);
  CHECK(pm->iaqi() == 100);
  CHECK(pm->unit() == "ug/m3");
  const auto* co = Sub(aq, "co", "1h");
  REQUIRE(co != nullptr);
  CHECK(co->concentration() == 1);
  CHECK(co->unit() == "mg/m3");
  CHECK(co->iaqi() == 10);
}

TEST_CASE("aqi pipeline: pollutants tied at the maximum are all primary") {
  Harness h("aqi", Mapped(), kInputs);
  h.Feed("aq1/pm2_5", 115, kT0);  // 150
  h.Feed("aq1/pm10", 250, kT0);   // 150
  h.Feed("aq1/no2", 700, kT0);    // 1-hour table: 150
  h.Feed("aq1/so2", 500, kT0);    // 1-hour table: 100, not over standard
  h.Feed("aq1/pm2_5", 1, kT0 + kHour);
  const auto events = h.Take();
  REQUIRE(events.size() == 1);
  const auto& aq = events[0].air_quality();
  CHECK(aq.aqi() == 150);
  CHECK(aq.level() == 3);
  CHECK(aq.category_zh() == "轻度污染");
  CHECK(List(aq.primary_pollutants()) == std::vector<std::string>{"no2", "pm10", "pm2_5"});
  CHECK(List(aq.over_standard()) == std::vector<std::string>{"no2", "pm10", "pm2_5"});
}

TEST_CASE("aqi pipeline: no primary pollutant at AQI 50 or below") {
  Harness h("aqi", Mapped(), kInputs);
  h.Feed("aq1/pm2_5", 35, kT0);
  h.Feed("aq1/pm10", 50, kT0);
  h.Feed("aq1/pm2_5", 1, kT0 + kHour);
  const auto events = h.Take();
  REQUIRE(events.size() == 1);
  CHECK(events[0].air_quality().aqi() == 50);
  CHECK(events[0].air_quality().level() == 1);
  CHECK(events[0].air_quality().primary_pollutants().empty());
}

TEST_CASE("aqi pipeline: SO2 1-hour above 800 reports by the 24-hour average") {
  Harness h("aqi", Mapped(), kInputs);
  FeedHours(h, "aq1/so2", {100, 100, 100, 900});
  h.Feed("aq1/so2", 1, kT0 + 4 * kHour);
  const auto events = h.Take();
  REQUIRE(events.size() == 4);
  const auto& aq = events[3].air_quality();
  CHECK(Sub(aq, "so2", "1h") == nullptr);
  const auto* so2 = Sub(aq, "so2", "24h");
  REQUIRE(so2 != nullptr);
  CHECK(so2->concentration() == 300);  // mean of the hours so far
  CHECK(so2->iaqi() == 124);           // 100 + 50·150/325 = 123.08, rounded up
  CHECK(aq.aqi() == 124);
}

TEST_CASE("aqi pipeline: O3 8-hour moving average, and above 800 the 1-hour index") {
  SECTION("160 ug/m3 for 8 hours: 8-hour IAQI 100, 1-hour IAQI 50") {
    Harness h("aqi", Mapped(), kInputs);
    FeedHours(h, "aq1/o3", std::vector<double>(8, 160));
    h.Feed("aq1/o3", 1, kT0 + 8 * kHour);
    const auto events = h.Take();
    REQUIRE(events.size() == 8);
    // Fewer than min_hours_8h (6) hours: no 8-hour value yet.
    CHECK(Sub(events[4].air_quality(), "o3", "8h") == nullptr);
    const auto& aq = events[7].air_quality();
    REQUIRE(Sub(aq, "o3", "8h") != nullptr);
    CHECK(Sub(aq, "o3", "8h")->iaqi() == 100);
    CHECK(Sub(aq, "o3", "1h")->iaqi() == 50);
    CHECK(aq.aqi() == 100);
    CHECK(List(aq.primary_pollutants()) == std::vector<std::string>{"o3"});
  }
  SECTION("900 ug/m3: no 8-hour index, the 1-hour one stands") {
    Harness h("aqi", Mapped(), kInputs);
    FeedHours(h, "aq1/o3", std::vector<double>(8, 900));
    h.Feed("aq1/o3", 1, kT0 + 8 * kHour);
    const auto events = h.Take();
    REQUIRE(events.size() == 8);
    const auto& aq = events.back().air_quality();
    CHECK(Sub(aq, "o3", "8h") == nullptr);
    REQUIRE(Sub(aq, "o3", "1h") != nullptr);
    CHECK(Sub(aq, "o3", "1h")->iaqi() == 350);
    CHECK(aq.aqi() == 350);
    CHECK(aq.level() == 6);
  }
}

TEST_CASE("aqi pipeline: missing pollutants are listed, never taken as zero") {
  Harness h("aqi", {{"pm2_5", "aq1/pm2_5"}, {"no2", "aq1/no2"}}, {"aq1/pm2_5", "aq1/no2"});
  h.Feed("aq1/pm2_5", 40, kT0);
  h.Feed("aq1/pm2_5", 40, kT0 + kHour);
  const auto events = h.Take();
  REQUIRE(events.size() == 1);
  const auto& aq = events[0].air_quality();
  CHECK(aq.sub_indices_size() == 1);
  CHECK(List(aq.missing()) == std::vector<std::string>{"so2", "no2", "pm10", "co", "o3"});
}

TEST_CASE("aqi pipeline, HJ daily: 24-hour means over the local day") {
  Harness h("aqi", Mapped({{"mode", "daily"}, {"utc_offset_minutes", "480"}}), kInputs);
  // Local midnight (UTC+8) is 16:00 UTC; the local day runs kT0-8h .. kT0+16h.
  std::vector<double> o3(24, 50);
  for (int i = 10; i < 18; ++i) o3[i] = 200;  // one 8-hour block at 200
  o3[20] = 300;                               // the daily 1-hour maximum
  for (int i = 0; i < 24; ++i) {
    const std::int64_t t = kT0 + (i - 8) * kHour + 30 * kMin;
    h.Feed("aq1/pm2_5", 75, t, "ug/m3");
    // 19 valid hours: below the 20 a daily mean needs.
    if (i < 19) h.Feed("aq1/pm10", 600, t, "ug/m3");
    h.Feed("aq1/o3", o3[i], t, "ug/m3");
  }
  CHECK(h.Take().empty());
  h.Feed("aq1/pm2_5", 1, kT0 + 16 * kHour);
  const auto events = h.Take();
  REQUIRE(events.size() == 1);
  const auto& aq = events[0].air_quality();
  CHECK(aq.mode() == v1::AirQuality::MODE_DAILY);
  REQUIRE(Sub(aq, "pm2_5", "24h") != nullptr);
  CHECK(Sub(aq, "pm2_5", "24h")->iaqi() == 100);
  CHECK(Sub(aq, "pm10", "24h") == nullptr);
  REQUIRE(Sub(aq, "o3", "8h") != nullptr);
  CHECK(Sub(aq, "o3", "8h")->concentration() == 200);  // 8h IAQI: 100 + 50·40/55 = 136.4
  CHECK(Sub(aq, "o3", "8h")->iaqi() == 137);
  REQUIRE(Sub(aq, "o3", "1h") != nullptr);
  CHECK(Sub(aq, "o3", "1h")->concentration() == 300);
  CHECK(Sub(aq, "o3", "1h")->iaqi() == 150);
  CHECK(aq.aqi() == 150);
  CHECK(List(aq.primary_pollutants()) == std::vector<std::string>{"o3"});
  CHECK(List(aq.missing()) == std::vector<std::string>{"so2", "no2", "pm10", "co"});
}

TEST_CASE("aqi pipeline, US EPA hourly: EPA averages and units") {
  Harness h("aqi", Mapped({{"standard", "us_epa"}, {"min_hours_24h", "1"}, {"min_hours_8h", "1"}}),
            kInputs);
  FeedHours(h, "aq1/so2", {100, 100, 100}, "ppb");
  const std::int64_t t3 = kT0 + 3 * kHour;
  h.Feed("aq1/o3", 70, t3, "ppb");         // 0.070 ppm 8-hour: 100
  h.Feed("aq1/pm2_5", 35.4, t3, "ug/m3");  // 100
  h.Feed("aq1/so2", 400, t3, "ppb");       // 1-hour above 304, 24-hour mean 175: 200
  h.Feed("aq1/o3", 1, t3 + kHour, "ppb");
  auto events = h.Take();
  REQUIRE(events.size() == 4);
  events.erase(events.begin(), events.begin() + 3);
  const auto& aq = events[0].air_quality();
  CHECK(aq.standard() == v1::AirQuality::STANDARD_US_EPA);
  REQUIRE(Sub(aq, "o3", "8h") != nullptr);
  CHECK(Sub(aq, "o3", "8h")->iaqi() == 100);
  CHECK(Sub(aq, "o3", "8h")->unit() == "ppm");
  CHECK(Sub(aq, "o3", "1h") == nullptr);  // below 0.125 ppm the 1-hour row has no index
  CHECK(Sub(aq, "pm2_5", "24h")->iaqi() == 100);
  REQUIRE(Sub(aq, "so2", "1h") != nullptr);
  CHECK(Sub(aq, "so2", "1h")->iaqi() == 200);
  CHECK(aq.aqi() == 200);
  CHECK(aq.category_en() == "Unhealthy");
  CHECK(aq.category_zh().empty());
  // pm2_5 is exactly 100: not over the standard.
  CHECK(List(aq.over_standard()) == std::vector<std::string>{"so2"});
}

TEST_CASE("aqi pipeline: alarm_level turns a bad hour into an alarm") {
  Harness h("aqi", {{"pm2_5", "aq1/pm2_5"}, {"alarm_level", "4"}}, {"aq1/pm2_5"});
  h.Feed("aq1/pm2_5", 140, kT0);  // 186: level 4
  h.Feed("aq1/pm2_5", 100, kT0 + kHour);
  h.Feed("aq1/pm2_5", 10, kT0 + 2 * kHour);
  const auto events = h.Take();
  REQUIRE(events.size() == 2);
  CHECK(events[0].priority() == v1::PRIORITY_CLASS_ALARM);
  CHECK(events[0].air_quality().level() == 4);
  CHECK(events[1].priority() == v1::PRIORITY_CLASS_DETECTION);
}

TEST_CASE("aqi pipeline: late samples, unknown units and unmapped inputs are ignored") {
  Harness h("aqi", {{"pm2_5", "aq1/pm2_5"}}, {"aq1/pm2_5", "aq1/temp"});
  h.Feed("aq1/pm2_5", 75, kT0);
  h.Feed("aq1/pm2_5", 500, kT0, "ppb");
  h.Feed("aq1/temp", 500, kT0, "degC");
  h.Feed("aq1/pm2_5", 1, kT0 + kHour);
  h.Feed("aq1/pm2_5", 500, kT0 + 5 * kMin);  // hour 0 was reported
  h.Feed("aq1/pm2_5", 1, kT0 + 2 * kHour);
  const auto events = h.Take();
  REQUIRE(events.size() == 2);
  CHECK(events[0].air_quality().aqi() == 100);
  CHECK(events[1].air_quality().aqi() == 2);
}

TEST_CASE("aqi pipeline: mappings must name the pipeline's inputs") {
  CHECK_FALSE(Harness::Create("aqi", {}, {"aq1/pm2_5"}).has_value());
  CHECK_FALSE(Harness::Create("aqi", {{"pm2_5", "aq9/pm2_5"}}, {"aq1/pm2_5"}).has_value());
  CHECK_FALSE(
      Harness::Create("aqi", {{"pm2_5", "aq1/x"}, {"pm10", "aq1/x"}}, {"aq1/x"}).has_value());
  CHECK(Harness::Create("aqi", {{"pm2_5", "aq1/pm2_5"}}, {"aq1/pm2_5"}).has_value());
}

}  // namespace
}  // namespace cityedge::pipelines::aqi
