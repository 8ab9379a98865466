// SPDX-License-Identifier: Apache-2.0
// The sample tap's memory of recent values, which `cityedge top` draws as
// sparklines (control op recent_values).
#include <cmath>
#include <set>

#include <catch2/catch.hpp>

#include "pipelines/sample_tap.hpp"

namespace cityedge::pipelines {
namespace {

double LastValue(const std::vector<double>& values) {
  for (auto it = values.rbegin(); it != values.rend(); ++it) {
    if (!std::isnan(*it)) return *it;
  }
  return NAN;
}

TEST_CASE("the sample tap keeps the last minute of each channel, a value a second") {
  SampleTap tap;
  v1::Timestamp ts;
  auto sample = [&](const char* source, const char* channel, double value) {
    tap.OnSample(Sample{source, channel, value, "ug/m3", v1::QUALITY_GOOD, &ts});
  };
  CHECK(tap.Recent(60).empty());
  sample("aq1", "pm2_5", 10);
  sample("aq1", "pm10", 20);
  sample("aq1", "pm2_5", 12.5);  // the same second: the newer value wins
  sample("gauge", "level", 1.25);

  const auto recent = tap.Recent(60);
  std::set<std::string> seen;
  for (const auto& series : recent) {
    INFO(series.instance << "/" << series.channel);
    seen.insert(series.instance + "/" + series.channel);
    CHECK(series.values.size() == 60);
    CHECK(series.unit == "ug/m3");
    CHECK(std::isnan(series.values.front()));  // nothing a minute ago
  }
  CHECK(seen == std::set<std::string>{"aq1/pm10", "aq1/pm2_5", "gauge/level"});
  for (const auto& series : recent) {
    if (series.channel == "pm2_5") CHECK(LastValue(series.values) == 12.5);
    if (series.channel == "level") CHECK(LastValue(series.values) == 1.25);
  }
  // Asked for fewer seconds, or more than are kept.
  CHECK(tap.Recent(5).front().values.size() == 5);
  CHECK(tap.Recent(0).front().values.size() == 60);
  CHECK(tap.Recent(3600).front().values.size() == 60);
}

}  // namespace
}  // namespace cityedge::pipelines
