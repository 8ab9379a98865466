// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "tests/pipelines/support/support.hpp"

namespace cityedge::pipelines {
namespace {

using testing::Harness;
using testing::kSec;
using testing::kT0;

struct Point {
  double value;
  int t_s;
  v1::Quality quality = v1::QUALITY_GOOD;
};

struct Case {
  const char* name;
  std::map<std::string, std::string> settings;
  std::vector<Point> points;
  std::vector<int> passed;  // indexes into points
};

TEST_CASE("deadband: which readings pass (table)") {
  const std::vector<Case> cases = {
      {"no band: every change passes, repeats do not",
       {},
       {{1, 0}, {1, 1}, {2, 2}, {2, 3}, {1, 4}},
       {0, 2, 4}},
      {"absolute band: strictly more than the band, measured from the last passed value",
       {{"absolute_band", "0.5"}},
       {{10, 0}, {10.5, 1}, {10.4, 2}, {10.6, 3}, {11.0, 4}, {11.2, 5}, {9.9, 6}},
       {0, 3, 5, 6}},
      {"relative band: a share of the last passed value",
       {{"relative_band", "10"}},
       {{100, 0}, {109, 1}, {111, 2}, {120, 3}, {122.2, 4}, {100, 5}},
       {0, 2, 4, 5}},
      {"either band passes a reading",
       {{"absolute_band", "5"}, {"relative_band", "50"}},
       {{2, 0}, {2.9, 1}, {3.5, 2}, {8.5, 3}},
       {0, 2, 3}},
      {"max interval re-sends a steady value, timed by capture time",
       {{"absolute_band", "1"}, {"max_interval", "1m"}},
       {{5, 0}, {5, 30}, {5.5, 59}, {5.5, 60}, {5, 100}, {5, 120}},
       {0, 3, 5}},
      {"a quality change always passes",
       {{"absolute_band", "100"}},
       {{5, 0}, {5, 1, v1::QUALITY_UNCERTAIN}, {5, 2, v1::QUALITY_UNCERTAIN}, {5, 3}},
       {0, 1, 3}},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      Harness h("deadband", c.settings, {"w1/temp"});
      std::vector<int> passed;
      for (std::size_t i = 0; i < c.points.size(); ++i) {
        const Point& p = c.points[i];
        h.Feed("w1/temp", p.value, kT0 + p.t_s * kSec, "degC", p.quality);
        const auto events = h.Take();
        REQUIRE(events.size() <= 1);
        if (events.empty()) continue;
        passed.push_back(static_cast<int>(i));
        const v1::Event& e = events[0];
        CHECK(e.source() == "w1/p");
        CHECK(e.priority() == v1::PRIORITY_CLASS_TELEMETRY);
        CHECK(e.capture_time().wall_unix_ns() == kT0 + p.t_s * kSec);
        REQUIRE(e.has_reading());
        CHECK(e.reading().channel() == "temp");
        CHECK(e.reading().value() == p.value);
        CHECK(e.reading().unit() == "degC");
        CHECK(e.reading().quality() == p.quality);
      }
      CHECK(passed == c.passed);
    }
  }
}

TEST_CASE("deadband: each input has its own band") {
  Harness h("deadband", {{"absolute_band", "1"}}, {"a/x", "b/x"});
  h.Feed("a/x", 0, kT0);
  h.Feed("b/x", 10, kT0);
  h.Feed("a/x", 0.5, kT0 + kSec);
  h.Feed("b/x", 10.5, kT0 + kSec);
  CHECK(h.Take().size() == 2);
}

}  // namespace
}  // namespace cityedge::pipelines
