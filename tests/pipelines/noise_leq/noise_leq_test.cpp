// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <vector>

#include "pipelines/noise_leq/noise_leq.hpp"
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
  std::vector<double> levels;
  double leq, lmax, l10, l90;
};

std::vector<double> Ramp(int from, int to) {
  std::vector<double> v;
  for (int l = from; l <= to; ++l) v.push_back(l);
  return v;
}

// Leq by hand: 10·log10(mean(10^(L/10))). L10/L90: the level exceeded by 10 % /
// 90 % of the samples (nearest rank of the 90th / 10th percentile).
const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {"steady 60 dB", {60, 60, 60, 60}, 60.0, 60, 60, 60},
      {"two levels 40 dB apart: the loud one dominates", {40, 80}, 76.99013431612882, 80, 80, 40},
      // 8 × 10^5 + 10^6 + 10^7 = 1.18e7; /10 -> 10·log10(1.18e6) = 60.7188
      {"quiet street with two loud events",
       {50, 50, 50, 60, 50, 50, 70, 50, 50, 50},
       60.71882007306125,
       70,
       60,
       50},
      // 20 levels 41..60: 90th percentile rank 18 -> 58, 10th rank 2 -> 42
      {"ramp 41..60 dB", Ramp(41, 60), 53.814305233136835, 60, 58, 42},
      {"a single sample", {66.5}, 66.5, 66.5, 66.5, 66.5},
  };
  return cases;
}

TEST_CASE("noise_leq: hand-computed Leq, Lmax, L10, L90 (table)") {
  for (const Case& c : Cases()) {
    SECTION(c.name) {
      const auto s = noise_leq::Compute(c.levels);
      CHECK_THAT(s.leq, WithinAbs(c.leq, 1e-9));
      CHECK(s.lmax == c.lmax);
      CHECK(s.l10 == c.l10);
      CHECK(s.l90 == c.l90);
    }
  }
}

TEST_CASE("noise_leq: one NoiseLevel per window from the stream") {
  Harness h("noise_leq", {{"window", "1m"}}, {"kerb1/laeq"});
  const auto& c = Cases()[2];
  for (std::size_t i = 0; i < c.levels.size(); ++i) {
    h.Feed("kerb1/laeq", c.levels[i], kT0 + static_cast<std::int64_t>(i) * 6 * kSec, "dBA");
  }
  CHECK(h.Take().empty());
  h.Feed("kerb1/laeq", 40, kT0 + kMin, "dBA");
  const auto events = h.Take();
  REQUIRE(events.size() == 1);
  const v1::Event& e = events[0];
  CHECK(e.source() == "kerb1/p");
  CHECK(e.priority() == v1::PRIORITY_CLASS_TELEMETRY);
  CHECK(e.capture_time().wall_unix_ns() == kT0 + 54 * kSec);
  const v1::NoiseLevel& n = e.noise_level();
  CHECK_THAT(n.leq_dba(), WithinAbs(c.leq, 1e-9));
  CHECK(n.lmax_dba() == 70);
  CHECK(n.l10_dba() == 60);
  CHECK(n.l90_dba() == 50);
  CHECK(n.window_ms() == 60'000);
  CHECK(n.samples() == 10);
}

TEST_CASE("noise_leq: flush_after closes the window of a quiet meter") {
  Harness h("noise_leq", {{"window", "5m"}, {"flush_after", "1m"}}, {"kerb1/laeq"});
  const std::int64_t start = h.clock.MonotonicNs();
  h.Feed("kerb1/laeq", 55, kT0, "dBA");
  h.Tick(start + kMin);
  const auto events = h.Take();
  REQUIRE(events.size() == 1);
  CHECK(events[0].noise_level().samples() == 1);
  CHECK(events[0].noise_level().window_ms() == 300'000);
}

}  // namespace
}  // namespace cityedge::pipelines
