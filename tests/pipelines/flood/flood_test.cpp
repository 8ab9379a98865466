// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "tests/pipelines/support/support.hpp"

namespace cityedge::pipelines {
namespace {

using testing::Harness;
using testing::kMin;
using testing::kSec;
using testing::kT0;
using Kind = v1::FloodAlert::Kind;

constexpr auto kRaised = v1::ALERT_STATE_RAISED;
constexpr auto kCleared = v1::ALERT_STATE_CLEARED;
constexpr Kind kLevel = v1::FloodAlert::KIND_LEVEL;
constexpr Kind kRate = v1::FloodAlert::KIND_RATE_OF_RISE;
constexpr Kind kFault = v1::FloodAlert::KIND_SENSOR_FAULT;

std::map<std::string, std::string> Levels(std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> s = {
      {"blue", "1.0"}, {"yellow", "2.0"}, {"orange", "3.0"}, {"red", "4.0"}, {"hysteresis", "0.1"}};
  for (auto& [k, v] : extra) s[k] = v;
  return s;
}

struct Expected {
  int at;  // index of the sample that caused it
  Kind kind;
  v1::AlertState state;
  v1::FloodLevel level;
  v1::FloodLevel previous;
};

struct Case {
  const char* name;
  std::map<std::string, std::string> settings;
  std::vector<double> levels;  // one sample a minute
  std::vector<Expected> expected;
};

constexpr auto kNone = v1::FLOOD_LEVEL_NONE;
constexpr auto kBlue = v1::FLOOD_LEVEL_BLUE;
constexpr auto kYellow = v1::FLOOD_LEVEL_YELLOW;
constexpr auto kOrange = v1::FLOOD_LEVEL_ORANGE;
constexpr auto kRed = v1::FLOOD_LEVEL_RED;

TEST_CASE("flood: levels, hysteresis, rate of rise and sensor faults (table)") {
  const std::vector<Case> cases = {
      {"rising through every level",
       Levels(),
       {0.5, 1.0, 1.5, 2.2, 3.0, 3.9, 4.1},
       {{1, kLevel, kRaised, kBlue, kNone},
        {3, kLevel, kRaised, kYellow, kBlue},
        {4, kLevel, kRaised, kOrange, kYellow},
        {6, kLevel, kRaised, kRed, kOrange}}},
      {"a first reading above several levels raises straight to the highest",
       Levels(),
       {3.5},
       {{0, kLevel, kRaised, kOrange, kNone}}},
      {"falling clears only below level minus hysteresis",
       Levels(),
       {3.2, 2.95, 2.91, 2.89, 1.5, 0.95, 0.89},
       {{0, kLevel, kRaised, kOrange, kNone},
        {3, kLevel, kCleared, kYellow, kOrange},
        {4, kLevel, kCleared, kBlue, kYellow},
        {6, kLevel, kCleared, kNone, kBlue}}},
      {"a fast fall passes several levels in one event",
       Levels(),
       {4.5, 0.2},
       {{0, kLevel, kRaised, kRed, kNone}, {1, kLevel, kCleared, kNone, kRed}}},
      {"oscillating around yellow inside the hysteresis does not chatter",
       Levels(),
       {1.95, 2.01, 1.97, 2.03, 1.92, 2.0, 1.91, 2.02},
       {{0, kLevel, kRaised, kBlue, kNone}, {1, kLevel, kRaised, kYellow, kBlue}}},
      {"rate of rise warns before any level is reached",
       Levels({{"rise_rate_alarm", "1.0"}, {"rise_window", "10m"}}),
       // 0.02 m a minute is 1.2 m/h; then the water holds.
       {0.10, 0.12, 0.14, 0.16, 0.18, 0.20, 0.22, 0.24, 0.24, 0.24, 0.24, 0.24, 0.24},
       {{5, kRate, kRaised, kNone, kNone}, {9, kRate, kCleared, kNone, kNone}}},
      {"a stuck gauge is a sensor fault, and moving again clears it",
       Levels({{"stuck_samples", "4"}, {"stuck_tolerance", "0.001"}}),
       {0.5, 0.5, 0.5005, 0.5, 0.5, 0.6},
       {{3, kFault, kRaised, kNone, kNone}, {5, kFault, kCleared, kNone, kNone}}},
      {"a physically impossible jump is a fault, not a red warning",
       Levels({{"max_rise_rate", "6"}}),  // 0.1 m a minute at most
       {0.5, 0.55, 4.8, 4.8, 0.6, 0.65},
       {{2, kFault, kRaised, kNone, kNone}, {4, kFault, kCleared, kNone, kNone}}},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      Harness h("flood", c.settings, {"river1/level"});
      std::vector<std::pair<int, v1::Event>> got;
      for (std::size_t i = 0; i < c.levels.size(); ++i) {
        h.Feed("river1/level", c.levels[i], kT0 + static_cast<std::int64_t>(i) * kMin, "m");
        for (auto& e : h.Take()) got.emplace_back(static_cast<int>(i), std::move(e));
      }
      REQUIRE(got.size() == c.expected.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        const auto& [at, e] = got[i];
        const Expected& want = c.expected[i];
        const v1::FloodAlert& a = e.flood_alert();
        INFO("event " << i << ": " << a.detail());
        CHECK(at == want.at);
        CHECK(e.source() == "river1/p");
        CHECK(e.priority() == v1::PRIORITY_CLASS_ALARM);
        CHECK(e.capture_time().wall_unix_ns() == kT0 + at * kMin);
        CHECK(a.kind() == want.kind);
        CHECK(a.state() == want.state);
        CHECK(a.level() == want.level);
        CHECK(a.previous_level() == want.previous);
        CHECK(a.water_level_m() == c.levels[at]);
        CHECK_FALSE(a.detail().empty());
        CHECK(a.since_unix_ns() > 0);
      }
    }
  }
}

TEST_CASE("flood: alerts say what crossed what, when, and since when") {
  Harness h("flood", Levels(), {"river1/level"});
  h.Feed("river1/level", 2.5, kT0);
  h.Feed("river1/level", 1.8, kT0 + 30 * kMin);
  const auto events = h.Take();
  REQUIRE(events.size() == 2);
  const auto& raised = events[0].flood_alert();
  CHECK(raised.threshold_m() == 2.0);
  CHECK(raised.since_unix_ns() == kT0);
  CHECK(raised.detail() == "water 2.500 m reached yellow (2.000 m) at 2024-06-01T00:00:00.000Z");
  const auto& cleared = events[1].flood_alert();
  CHECK(cleared.threshold_m() == 2.0);
  CHECK(cleared.since_unix_ns() == kT0);  // yellow had stood since then
  CHECK(cleared.detail() ==
        "water 1.800 m fell below yellow (2.000 m - 0.100 m hysteresis) at "
        "2024-06-01T00:30:00.000Z; yellow since 2024-06-01T00:00:00.000Z");
}

TEST_CASE("flood: no level is judged while the sensor is faulty") {
  Harness h("flood", Levels({{"stuck_samples", "3"}}), {"river1/level"});
  h.Feed("river1/level", 0.5, kT0);
  h.Feed("river1/level", 0.5, kT0 + kMin);
  h.Feed("river1/level", 0.5, kT0 + 2 * kMin);  // stuck
  CHECK(h.Take().size() == 1);
  h.Feed("river1/level", 0.5, kT0 + 3 * kMin);
  CHECK(h.Take().empty());  // raised once
  h.Feed("river1/level", 2.5, kT0 + 4 * kMin);
  const auto events = h.Take();
  REQUIRE(events.size() == 2);  // the fault clears, then the level is judged
  CHECK(events[0].flood_alert().kind() == kFault);
  CHECK(events[0].flood_alert().state() == kCleared);
  CHECK(events[1].flood_alert().level() == kYellow);
}

TEST_CASE("flood: a gauge that really moved is accepted once the time makes it plausible") {
  Harness h("flood", Levels({{"max_rise_rate", "1"}}), {"river1/level"});
  h.Feed("river1/level", 0.5, kT0);
  h.Feed("river1/level", 1.5, kT0 + 10 * kMin);  // 6 m/h: implausible
  h.Feed("river1/level", 1.5, kT0 + 30 * kMin);  // still 2 m/h from 0.5 m
  CHECK(h.Take().size() == 1);
  h.Feed("river1/level", 1.5, kT0 + 60 * kMin);  // 1 m/h: plausible
  const auto events = h.Take();
  REQUIRE(events.size() == 2);
  CHECK(events[0].flood_alert().kind() == kFault);
  CHECK(events[0].flood_alert().state() == kCleared);
  CHECK(events[1].flood_alert().kind() == kLevel);
  CHECK(events[1].flood_alert().level() == kBlue);
}

TEST_CASE("flood: levels must rise") {
  CHECK_FALSE(Harness::Create("flood", Levels({{"orange", "1.5"}})).has_value());
  CHECK(Harness::Create("flood", Levels()).has_value());
}

}  // namespace
}  // namespace cityedge::pipelines
