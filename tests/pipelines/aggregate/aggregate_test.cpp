// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/pipelines/support/support.hpp"

namespace cityedge::pipelines {
namespace {

using Catch::Matchers::WithinAbs;
using testing::Harness;
using testing::kMin;
using testing::kSec;
using testing::kT0;

struct Case {
  const char* name;
  std::string averaging;
  std::string unit;
  std::vector<double> values;  // one per 10 s, all in the first minute
  double mean;
};

TEST_CASE("aggregate: statistics of one window (table)") {
  const std::vector<Case> cases = {
      {"arithmetic for ordinary units", "auto", "degC", {1, 5, 3}, 3.0},
      {"energy average for dBA under auto: 60 and 70 dB give 67.40, not 65",
       "auto",
       "dBA",
       {60, 70},
       67.40362689494245},
      {"energy average for dB(A)", "auto", "dB(A)", {55, 65, 75}, 70.68201724066995},
      {"forced arithmetic on a decibel channel", "arithmetic", "dBA", {60, 70}, 65.0},
      {"forced energy on a unitless channel", "energy", "", {60, 70}, 67.40362689494245},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      Harness h("aggregate", {{"window", "1m"}, {"averaging", c.averaging}}, {"n1/laeq"});
      for (std::size_t i = 0; i < c.values.size(); ++i) {
        h.Feed("n1/laeq", c.values[i], kT0 + static_cast<std::int64_t>(i) * 10 * kSec, c.unit);
      }
      CHECK(h.Take().empty());  // the window is still open
      h.Feed("n1/laeq", 0, kT0 + kMin, c.unit);
      const auto events = h.Take();
      REQUIRE(events.size() == 1);
      const v1::Event& e = events[0];
      CHECK(e.source() == "n1/p");
      CHECK(e.priority() == v1::PRIORITY_CLASS_TELEMETRY);
      CHECK(e.capture_time().wall_unix_ns() ==
            kT0 + static_cast<std::int64_t>(c.values.size() - 1) * 10 * kSec);
      const v1::Aggregate& a = e.aggregate();
      CHECK(a.channel() == "laeq");
      CHECK(a.unit() == c.unit);
      CHECK(a.window_start_unix_ns() == kT0);
      CHECK(a.window_end_unix_ns() == kT0 + kMin);
      CHECK(a.count() == c.values.size());
      CHECK(a.min() == *std::min_element(c.values.begin(), c.values.end()));
      CHECK(a.max() == *std::max_element(c.values.begin(), c.values.end()));
      CHECK(a.last() == c.values.back());
      CHECK_THAT(a.mean(), WithinAbs(c.mean, 1e-9));
    }
  }
}

TEST_CASE("aggregate: windows align to the epoch and empty windows are skipped") {
  Harness h("aggregate", {{"window", "1m"}}, {"a/x"});
  h.Feed("a/x", 1, kT0 + 30 * kSec);
  h.Feed("a/x", 2, kT0 + 5 * kMin + 1 * kSec);  // closes [0,1m); minutes 1..4 had nothing
  h.Feed("a/x", 9, kT0 + 10 * kSec);            // late for a closed window: dropped
  h.Feed("a/x", 3, kT0 + 6 * kMin);
  const auto events = h.Take();
  REQUIRE(events.size() == 2);
  CHECK(events[0].aggregate().window_start_unix_ns() == kT0);
  CHECK(events[0].aggregate().count() == 1);
  CHECK(events[1].aggregate().window_start_unix_ns() == kT0 + 5 * kMin);
  CHECK(events[1].aggregate().count() == 1);
  CHECK(events[1].aggregate().last() == 2);
}

TEST_CASE("aggregate: a quiet input's window closes after flush_after of gateway time") {
  Harness h("aggregate", {{"window", "1m"}, {"flush_after", "2m"}}, {"a/x", "b/y"});
  const std::int64_t start = h.clock.MonotonicNs();
  h.Feed("a/x", 4, kT0);
  h.Feed("b/y", 5, kT0);
  h.Tick(start + 2 * kMin - 1);
  CHECK(h.Take().empty());
  h.Tick(start + 2 * kMin);
  const auto events = h.Take();
  REQUIRE(events.size() == 2);
  CHECK(events[0].aggregate().channel() == "x");
  CHECK(events[1].aggregate().channel() == "y");
  h.Tick(start + 10 * kMin);
  CHECK(h.Take().empty());
}

TEST_CASE("aggregate: bad-quality samples are left out") {
  Harness h("aggregate", {{"window", "1m"}}, {"a/x"});
  h.Feed("a/x", 1, kT0);
  h.Feed("a/x", 1000, kT0 + kSec, "", v1::QUALITY_BAD);
  h.Feed("a/x", 0, kT0 + kMin);
  const auto events = h.Take();
  REQUIRE(events.size() == 1);
  CHECK(events[0].aggregate().count() == 1);
  CHECK(events[0].aggregate().max() == 1);
}

}  // namespace
}  // namespace cityedge::pipelines
