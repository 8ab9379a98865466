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
using Kind = v1::ThresholdAlert::Kind;

struct Point {
  double value;
  int t_s;  // capture time, seconds after kT0
};

struct Expected {
  Kind kind;
  v1::AlertState state;
  double value;
  int at_s;     // capture time of the event
  int since_s;  // when the condition began
};

struct Case {
  const char* name;
  std::map<std::string, std::string> settings;
  std::vector<Point> points;
  std::vector<Expected> expected;
};

constexpr Kind kHigh = v1::ThresholdAlert::KIND_HIGH;
constexpr Kind kLow = v1::ThresholdAlert::KIND_LOW;
constexpr auto kRaised = v1::ALERT_STATE_RAISED;
constexpr auto kCleared = v1::ALERT_STATE_CLEARED;

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {"a high limit raises above and clears at or below it",
       {{"high", "70"}},
       {{60, 0}, {70, 1}, {71, 2}, {75, 3}, {70, 4}, {69, 5}},
       {{kHigh, kRaised, 71, 2, 2}, {kHigh, kCleared, 70, 4, 4}}},
      {"hysteresis keeps an oscillating value from chattering",
       {{"high", "70"}, {"hysteresis", "5"}},
       {{71, 0}, {69, 1}, {71, 2}, {66, 3}, {72, 4}, {65, 5}, {64, 6}},
       {{kHigh, kRaised, 71, 0, 0}, {kHigh, kCleared, 65, 5, 5}}},
      {"a low limit with hysteresis",
       {{"low", "10"}, {"hysteresis", "2"}},
       {{12, 0}, {9.5, 1}, {11, 2}, {12, 3}},
       {{kLow, kRaised, 9.5, 1, 1}, {kLow, kCleared, 12, 3, 3}}},
      {"debounce by samples: a one-sample spike never raises",
       {{"high", "70"}, {"debounce_samples", "3"}},
       {{80, 0},
        {60, 1},
        {80, 2},
        {81, 3},
        {82, 4},
        {60, 5},
        {60, 6},
        {80, 7},
        {60, 8},
        {61, 9},
        {62, 10}},
       {{kHigh, kRaised, 82, 4, 2}, {kHigh, kCleared, 62, 10, 8}}},
      {"debounce by duration counts capture time, not samples",
       {{"high", "70"}, {"debounce", "10s"}},
       {{80, 0}, {80, 5}, {60, 6}, {80, 20}, {80, 29}, {80, 30}, {60, 31}, {60, 41}},
       {{kHigh, kRaised, 80, 30, 20}, {kHigh, kCleared, 60, 41, 31}}},
      {"high and low on one input raise independently",
       {{"high", "30"}, {"low", "0"}},
       {{31, 0}, {20, 1}, {-1, 2}, {5, 3}},
       {{kHigh, kRaised, 31, 0, 0},
        {kHigh, kCleared, 20, 1, 1},
        {kLow, kRaised, -1, 2, 2},
        {kLow, kCleared, 5, 3, 3}}},
  };
  return cases;
}

TEST_CASE("threshold: limits, hysteresis and debounce (table)") {
  for (const Case& c : Cases()) {
    SECTION(c.name) {
      Harness h("threshold", c.settings, {"aq1/pm2_5"});
      for (const Point& p : c.points) h.Feed("aq1/pm2_5", p.value, kT0 + p.t_s * kSec, "ug/m3");
      const auto events = h.Take();
      REQUIRE(events.size() == c.expected.size());
      for (std::size_t i = 0; i < events.size(); ++i) {
        INFO("event " << i);
        const auto& e = events[i];
        const auto& want = c.expected[i];
        REQUIRE(e.has_threshold_alert());
        CHECK(e.source() == "aq1/p");
        CHECK(e.priority() == v1::PRIORITY_CLASS_ALARM);
        CHECK(e.capture_time().wall_unix_ns() == kT0 + want.at_s * kSec);
        const auto& a = e.threshold_alert();
        CHECK(a.channel() == "pm2_5");
        CHECK(a.unit() == "ug/m3");
        CHECK(a.kind() == want.kind);
        CHECK(a.state() == want.state);
        CHECK(a.value() == want.value);
        CHECK(a.limit() == (want.kind == kHigh ? std::stod(c.settings.at("high"))
                                               : std::stod(c.settings.at("low"))));
        CHECK(a.since_unix_ns() == kT0 + want.since_s * kSec);
      }
    }
  }
}

TEST_CASE("threshold: inputs are judged separately") {
  Harness h("threshold", {{"high", "1"}}, {"a/x", "b/x"});
  h.Feed("a/x", 2, kT0);
  h.Feed("b/x", 0, kT0 + kSec);
  h.Feed("a/x", 2, kT0 + 2 * kSec);
  const auto events = h.Take();
  REQUIRE(events.size() == 1);
  CHECK(events[0].source() == "a/p");
}

TEST_CASE("threshold: bad-quality samples neither raise nor clear") {
  Harness h("threshold", {{"high", "1"}}, {"a/x"});
  h.Feed("a/x", 5, kT0, "", v1::QUALITY_BAD);
  CHECK(h.Take().empty());
  h.Feed("a/x", 5, kT0 + kSec);
  h.Feed("a/x", 0, kT0 + 2 * kSec, "", v1::QUALITY_BAD);
  const auto events = h.Take();
  REQUIRE(events.size() == 1);
  CHECK(events[0].threshold_alert().state() == kRaised);
}

TEST_CASE("threshold: a silent input raises a stale alert once and clears on its next sample") {
  Harness h("threshold", {{"stale_after", "30s"}}, {"a/x", "b/y"});
  const std::int64_t start = h.clock.MonotonicNs();
  h.Feed("a/x", 1, kT0);
  h.Tick(start + 29 * kSec);
  CHECK(h.Take().empty());
  h.clock.SetWallNs(kT0 + 30 * kSec);
  h.Tick(start + 30 * kSec);
  auto events = h.Take();
  REQUIRE(events.size() == 2);  // b/y never sent anything; a/x went quiet
  for (const auto& e : events) {
    CHECK(e.priority() == v1::PRIORITY_CLASS_ALARM);
    CHECK(e.threshold_alert().kind() == v1::ThresholdAlert::KIND_STALE);
    CHECK(e.threshold_alert().state() == kRaised);
    CHECK(e.threshold_alert().limit() == 30.0);
    CHECK(e.threshold_alert().unit() == "s");
    CHECK(e.capture_time().wall_unix_ns() == kT0 + 30 * kSec);
  }
  CHECK(events[0].source() == "a/p");
  CHECK(events[0].threshold_alert().channel() == "x");
  CHECK(events[0].threshold_alert().since_unix_ns() == kT0);
  CHECK(events[1].source() == "b/p");
  CHECK(events[1].threshold_alert().since_unix_ns() == 0);

  h.Tick(start + 90 * kSec);
  CHECK(h.Take().empty());  // raised once, not every tick

  h.clock.SetMonotonicNs(start + 95 * kSec);
  h.Feed("a/x", 1, kT0 + 95 * kSec);
  events = h.Take();
  REQUIRE(events.size() == 1);
  CHECK(events[0].threshold_alert().state() == kCleared);
  CHECK(events[0].threshold_alert().value() == 95.0);
  CHECK(events[0].threshold_alert().since_unix_ns() == kT0 + 95 * kSec);
}

TEST_CASE("threshold: configurations that cannot work are refused") {
  CHECK_FALSE(Harness::Create("threshold", {}).has_value());
  CHECK_FALSE(Harness::Create("threshold", {{"high", "10"}, {"low", "8"}, {"hysteresis", "1"}})
                  .has_value());
  CHECK(Harness::Create("threshold", {{"high", "10"}, {"low", "7"}, {"hysteresis", "1"}})
            .has_value());
}

}  // namespace
}  // namespace cityedge::pipelines
