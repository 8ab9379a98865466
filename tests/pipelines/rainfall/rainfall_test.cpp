// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/pipelines/support/support.hpp"

namespace cityedge::pipelines {
namespace {

using testing::Harness;
using testing::kHour;
using testing::kMin;
using testing::kSec;
using testing::kT0;
using Kind = v1::RainstormAlert::Kind;
using Settings = std::map<std::string, std::string>;

constexpr auto kRaised = v1::ALERT_STATE_RAISED;
constexpr auto kCleared = v1::ALERT_STATE_CLEARED;
constexpr Kind kSignal = v1::RainstormAlert::KIND_SIGNAL;
constexpr Kind kImplausible = v1::RainstormAlert::KIND_IMPLAUSIBLE_INTENSITY;
constexpr Kind kSilent = v1::RainstormAlert::KIND_SILENT;
constexpr auto kNone = v1::RAINSTORM_SIGNAL_NONE;
constexpr auto kBlue = v1::RAINSTORM_SIGNAL_BLUE;
constexpr auto kYellow = v1::RAINSTORM_SIGNAL_YELLOW;
constexpr auto kOrange = v1::RAINSTORM_SIGNAL_ORANGE;
constexpr auto kRed = v1::RAINSTORM_SIGNAL_RED;

Settings With(Settings extra) {
  Settings s = {{"summary_interval", "0s"}};
  for (auto& [k, v] : extra) s[k] = v;
  return s;
}

// Every signal over one hour, so a case fits in a few dozen samples.
Settings Hourly(Settings extra = {}) {
  Settings s = {{"blue_mm", "10"},       {"blue_window", "1h"}, {"yellow_mm", "20"},
                {"yellow_window", "1h"}, {"orange_mm", "30"},   {"orange_window", "1h"},
                {"red_mm", "40"},        {"red_window", "1h"},  {"hysteresis", "2"},
                {"clear_after", "10m"},  {"dry_mm", "0"}};
  for (auto& [k, v] : extra) s[k] = v;
  return With(s);
}

// `minutes` samples a minute apart, each `value`.
std::vector<double> Run(int minutes, double value) { return std::vector<double>(minutes, value); }

std::vector<double> Then(std::vector<std::vector<double>> parts) {
  std::vector<double> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

struct Expected {
  int at;  // index of the sample that caused it
  Kind kind;
  v1::AlertState state;
  v1::RainstormSignal signal;
  v1::RainstormSignal previous;
};

struct Case {
  const char* name;
  Settings settings;
  std::vector<double> values;  // one sample a minute
  std::vector<Expected> expected;
};

TEST_CASE("rainfall: signals raised and cleared, counters and gauge faults (table)") {
  const std::vector<Case> cases = {
      {"from dry, 50 mm in under 3 h raises orange at once, then 100 mm raises red (defaults)",
       With({}),
       Run(100, 1.0),
       {{49, kSignal, kRaised, kOrange, kNone}, {99, kSignal, kRaised, kRed, kOrange}}},
      {"steady rain climbs blue (12 h), yellow (6 h), orange (3 h), red (3 h) (defaults)",
       With({}),
       // 7.5 mm/h for 400 min: 50 mm in 12 h but 45 mm in 6 h; then 15 mm/h
       // until 6 h hold 50 mm, 30 mm/h until 3 h hold 50 mm, 60 mm/h until
       // 3 h hold 100 mm.
       Then({Run(400, 0.125), Run(40, 0.25), Run(60, 0.5), Run(58, 1.0)}),
       {{399, kSignal, kRaised, kBlue, kNone},
        {439, kSignal, kRaised, kYellow, kBlue},
        {499, kSignal, kRaised, kOrange, kYellow},
        {557, kSignal, kRaised, kRed, kOrange}}},
      {"rain stopping lifts the signal once under dry_mm fell over clear_after (defaults)",
       With({}),
       Then({Run(100, 1.0), Run(70, 0)}),
       // The last rain fell in minute 99; minute 159's hour holds none of it.
       {{49, kSignal, kRaised, kOrange, kNone},
        {99, kSignal, kRaised, kRed, kOrange},
        {159, kSignal, kCleared, kNone, kRed}}},
      {"each signal steps down clear_after after its own criterion lapsed",
       Hourly(),
       // 4 mm a minute for 10 min, then dry: the hour holds 4 * (69 - i) mm
       // from sample 60 on. Red lapses (< 38) at 60, orange (< 28) at 63,
       // yellow (< 18) at 65, blue (< 8) at 68.
       Then({Run(10, 4), Run(80, 0)}),
       {{2, kSignal, kRaised, kBlue, kNone},
        {4, kSignal, kRaised, kYellow, kBlue},
        {7, kSignal, kRaised, kOrange, kYellow},
        {9, kSignal, kRaised, kRed, kOrange},
        {70, kSignal, kCleared, kOrange, kRed},
        {73, kSignal, kCleared, kYellow, kOrange},
        {75, kSignal, kCleared, kBlue, kYellow},
        {78, kSignal, kCleared, kNone, kBlue}}},
      {"inside the hysteresis a signal holds; a lapse shorter than clear_after restarts it",
       Hourly(),
       // 10 mm: blue. The hour's total falls to 9 and 8 (held: blue lapses
       // below 10 - 2), to 7 at 62 (lapsed), 5 mm at 65 brings it back to 9
       // (standing again), then it lapses for good at 67 and clears at 77.
       Then({Run(10, 1), Run(55, 0), Run(1, 5), Run(15, 0)}),
       {{9, kSignal, kRaised, kBlue, kNone}, {77, kSignal, kCleared, kNone, kBlue}}},
      {"an implausible amount is a fault and is not counted",
       With({{"max_intensity", "300"}}),  // 5 mm a minute at most
       {0.2, 0.2, 50, 0.2, 0.2},
       {{2, kImplausible, kRaised, kNone, kNone}, {3, kImplausible, kCleared, kNone, kNone}}},
      {"a counter that glitched upward is a fault; it counts on from the last good reading",
       With({{"input", "cumulative"}}),
       {100, 101, 90000, 102, 103},
       {{2, kImplausible, kRaised, kNone, kNone}, {3, kImplausible, kCleared, kNone, kNone}}},
      {"a counter that jumped to a new origin counts on from there",
       With({{"input", "cumulative"}}),
       {100, 101, 90000, 90001, 90002},
       {{2, kImplausible, kRaised, kNone, kNone}, {3, kImplausible, kCleared, kNone, kNone}}},
      {"counter resets and rollovers are rain, not faults",
       With({{"input", "cumulative"}, {"rollover", "100"}}),
       {90, 94, 98, 2, 6, 1, 5},
       {}},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      Harness h("rainfall", c.settings, {"rain1/rain"});
      std::vector<std::pair<int, v1::Event>> got;
      for (std::size_t i = 0; i < c.values.size(); ++i) {
        h.Feed("rain1/rain", c.values[i], kT0 + static_cast<std::int64_t>(i) * kMin, "mm");
        for (auto& e : h.Take()) got.emplace_back(static_cast<int>(i), std::move(e));
      }
      for (const auto& [at, e] : got) UNSCOPED_INFO(at << ": " << e.rainstorm_alert().detail());
      REQUIRE(got.size() == c.expected.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        const auto& [at, e] = got[i];
        const Expected& want = c.expected[i];
        const v1::RainstormAlert& a = e.rainstorm_alert();
        INFO("event " << i << ": " << a.detail());
        CHECK(at == want.at);
        CHECK(e.source() == "rain1/p");
        CHECK(e.priority() == v1::PRIORITY_CLASS_ALARM);
        CHECK(e.capture_time().wall_unix_ns() == kT0 + at * kMin);
        CHECK(a.kind() == want.kind);
        CHECK(a.state() == want.state);
        CHECK(a.signal() == want.signal);
        CHECK(a.previous_signal() == want.previous);
        CHECK_FALSE(a.detail().empty());
        CHECK(a.since_unix_ns() > 0);
      }
    }
  }
}

// The summary on the first sample of the next 10-minute interval.
v1::RainfallSummary SummaryAfter(Harness& h, const std::vector<double>& values,
                                 double final_value) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    h.Feed("rain1/rain", values[i], kT0 + static_cast<std::int64_t>(i) * kMin);
  }
  (void)h.Take();
  h.Feed("rain1/rain", final_value,
         kT0 + (static_cast<std::int64_t>(values.size()) + 9) / 10 * 10 * kMin);
  const auto events = h.Take();
  REQUIRE_FALSE(events.empty());
  REQUIRE(events.back().has_rainfall_summary());
  CHECK(events.back().priority() == v1::PRIORITY_CLASS_TELEMETRY);
  return events.back().rainfall_summary();
}

TEST_CASE("rainfall: totals over 1, 3, 6, 12 and 24 h and intensity, as counts or a total") {
  // Sample i (minute i) brings the rain of minute i. One tip is 0.1 mm;
  // hour 0 tips once a minute, hour 12 twice, hour 18 three times, hour 21
  // four and hour 23 five times: 6, 12, 18, 24 and 30 mm. Sample 1440 closes
  // the day.
  std::vector<double> tips(1441, 0);
  const std::map<int, double> rate = {{0, 1}, {12, 2}, {18, 3}, {21, 4}, {23, 5}};
  for (int i = 1; i <= 1440; ++i) {
    const auto it = rate.find((i - 1) / 60);
    tips[i] = it == rate.end() ? 0 : it->second;
  }
  std::vector<double> counter(tips.size(), 0);
  for (std::size_t i = 1; i < tips.size(); ++i) counter[i] = counter[i - 1] + tips[i];

  for (const bool cumulative : {false, true}) {
    SECTION(cumulative ? "cumulative" : "increment") {
      Harness h("rainfall",
                {{"input", cumulative ? "cumulative" : "increment"},
                 {"mm_per_tip", "0.1"},
                 {"blue_mm", "500"},
                 {"yellow_mm", "500"},
                 {"orange_mm", "500"},
                 {"red_mm", "1000"}},
                {"rain1/rain"});
      const auto& values = cumulative ? counter : tips;
      const std::vector<double> day(values.begin(), values.end() - 1);
      const v1::RainfallSummary s = SummaryAfter(h, day, values.back());
      CHECK(s.totals().last_1h_mm() == Approx(30));
      CHECK(s.totals().last_3h_mm() == Approx(54));
      CHECK(s.totals().last_6h_mm() == Approx(72));
      CHECK(s.totals().last_12h_mm() == Approx(84));
      CHECK(s.totals().last_24h_mm() == Approx(90));
      CHECK(s.totals().intensity_mm_per_h() == Approx(30));  // 5 mm in the last 10 min
      CHECK(s.signal() == kNone);
      CHECK(s.interval_ms() == 600'000);
      CHECK(s.counter_resets() == 0);
      CHECK(s.counter_rollovers() == 0);
      CHECK_FALSE(s.sensor_fault());
    }
  }
}

TEST_CASE("rainfall: an amount is spread over its interval, and rain older than a day is gone") {
  Harness h("rainfall", {}, {"rain1/rain"});
  h.Feed("rain1/rain", 2, kT0);
  h.Feed("rain1/rain", 30, kT0 + 3 * kHour);  // 30 mm over 3 h, not in one minute
  auto events = h.Take();
  REQUIRE(events.size() == 2);  // a summary on each first sample of 10 minutes
  const v1::RainTotals& t = events.back().rainfall_summary().totals();
  CHECK(t.last_1h_mm() == Approx(10));
  CHECK(t.last_3h_mm() == Approx(30));
  CHECK(t.last_24h_mm() == Approx(32));
  CHECK(t.intensity_mm_per_h() == Approx(10));
  h.Feed("rain1/rain", 0, kT0 + 27 * kHour);
  events = h.Take();
  REQUIRE(events.size() == 1);
  CHECK(events.back().rainfall_summary().totals().last_24h_mm() == 0);
}

TEST_CASE("rainfall: resets and rollovers of a counter are counted as rain") {
  SECTION("rollover at 100, then a reset") {
    Harness h("rainfall", {{"input", "cumulative"}, {"mm_per_tip", "0.5"}, {"rollover", "100"}},
              {"rain1/rain"});
    // 4 tips a minute through the wrap (98 -> 2); then the logger restarts
    // at 0 and has counted 1 tip by the next reading.
    const v1::RainfallSummary s = SummaryAfter(h, {90, 94, 98, 2, 6, 1}, 5);
    CHECK(s.totals().last_1h_mm() == Approx((4 + 4 + 4 + 4 + 1 + 4) * 0.5));
    CHECK(s.counter_rollovers() == 1);
    CHECK(s.counter_resets() == 1);
  }
  SECTION("a fall that cannot be a wrap is a reset") {
    Harness h("rainfall", {{"input", "cumulative"}, {"rollover", "65536"}}, {"rain1/rain"});
    const v1::RainfallSummary s = SummaryAfter(h, {500, 510, 5}, 7);
    CHECK(s.totals().last_1h_mm() == Approx(10 + 5 + 2));
    CHECK(s.counter_rollovers() == 0);
    CHECK(s.counter_resets() == 1);
  }
  SECTION("glitches are not counted") {
    Harness h("rainfall", {{"input", "cumulative"}}, {"rain1/rain"});
    const v1::RainfallSummary s = SummaryAfter(h, {100, 101, 90000, 102}, 103);
    CHECK(s.totals().last_1h_mm() == Approx(3));
    CHECK_FALSE(s.sensor_fault());
  }
}

TEST_CASE("rainfall: duplicate and out-of-order samples are not counted") {
  SECTION("a cumulative counter: an older value is no reset") {
    Harness h("rainfall", {{"input", "cumulative"}, {"rollover", "1000"}}, {"rain1/rain"});
    h.Feed("rain1/rain", 100, kT0);
    h.Feed("rain1/rain", 104, kT0 + 2 * kMin);
    h.Feed("rain1/rain", 102, kT0 + kMin);      // late
    h.Feed("rain1/rain", 104, kT0 + 2 * kMin);  // again
    h.Feed("rain1/rain", 106, kT0 + 3 * kMin);
    (void)h.Take();
    h.Feed("rain1/rain", 106, kT0 + 10 * kMin);
    const auto events = h.Take();
    REQUIRE_FALSE(events.empty());
    REQUIRE(events.back().has_rainfall_summary());
    const v1::RainfallSummary& s = events.back().rainfall_summary();
    CHECK(s.totals().last_1h_mm() == Approx(6));
    CHECK(s.counter_resets() == 0);
    CHECK(s.counter_rollovers() == 0);
    CHECK(s.samples_out_of_order() == 2);
  }
  SECTION("amounts per interval: a repeated sample adds nothing") {
    Harness h("rainfall", {{"input", "increment"}, {"mm_per_tip", "0.2"}}, {"rain1/rain"});
    for (int i = 0; i < 5; ++i) {
      h.Feed("rain1/rain", 10, kT0 + i * kMin);
      h.Feed("rain1/rain", 10, kT0 + i * kMin);  // the same sample twice
    }
    h.Feed("rain1/rain", 10, kT0 + 2 * kMin + kSec);  // older than the newest
    (void)h.Take();
    h.Feed("rain1/rain", 0, kT0 + 10 * kMin);
    const auto events = h.Take();
    REQUIRE_FALSE(events.empty());
    REQUIRE(events.back().has_rainfall_summary());
    const v1::RainfallSummary& s = events.back().rainfall_summary();
    CHECK(s.totals().last_1h_mm() == Approx(5 * 10 * 0.2));
    CHECK(s.samples_out_of_order() == 6);
  }
}

TEST_CASE("rainfall: a silent gauge is a fault, raised by the timer or seen in capture time") {
  SECTION("the timer raises it while the gauge is quiet; the next sample clears it") {
    Harness h("rainfall", With({{"silent_after", "30m"}}), {"rain1/rain"});
    const std::int64_t mono = h.clock.MonotonicNs();
    h.Feed("rain1/rain", 0, kT0);
    h.Tick(mono + 29 * kMin);
    CHECK(h.Take().empty());
    h.Tick(mono + 31 * kMin);
    auto events = h.Take();
    REQUIRE(events.size() == 1);
    CHECK(events[0].rainstorm_alert().kind() == kSilent);
    CHECK(events[0].rainstorm_alert().state() == kRaised);
    CHECK(events[0].rainstorm_alert().since_unix_ns() == kT0);
    CHECK(events[0].priority() == v1::PRIORITY_CLASS_ALARM);
    h.Tick(mono + 40 * kMin);
    CHECK(h.Take().empty());  // raised once
    h.Feed("rain1/rain", 0, kT0 + kMin);
    events = h.Take();
    REQUIRE(events.size() == 1);
    CHECK(events[0].rainstorm_alert().kind() == kSilent);
    CHECK(events[0].rainstorm_alert().state() == kCleared);
  }
  SECTION("a gap in capture time (a replay, a logger's backlog) raises and clears it") {
    Harness h("rainfall", With({{"silent_after", "30m"}}), {"rain1/rain"});
    h.Feed("rain1/rain", 0, kT0);
    h.Feed("rain1/rain", 0, kT0 + 29 * kMin);
    CHECK(h.Take().empty());
    h.Feed("rain1/rain", 0, kT0 + 60 * kMin);
    const auto events = h.Take();
    REQUIRE(events.size() == 2);
    CHECK(events[0].rainstorm_alert().state() == kRaised);
    CHECK(events[1].rainstorm_alert().state() == kCleared);
    CHECK(events[1].rainstorm_alert().since_unix_ns() == kT0 + 29 * kMin);
    CHECK(events[1].rainstorm_alert().detail() ==
          "gauge reporting again: no sample captured between 2024-06-01T00:29:00.000Z and "
          "2024-06-01T01:00:00.000Z (31 min; silent_after 30 min)");
  }
}

TEST_CASE("rainfall: signal alerts say what crossed what, when, and since when") {
  Harness h("rainfall", Hourly(), {"rain1/rain"});
  for (int i = 0; i < 90; ++i) h.Feed("rain1/rain", i < 12 ? 1 : 0, kT0 + i * kMin);
  const auto events = h.Take();
  REQUIRE(events.size() == 2);  // blue raised at 9 (10 mm), yellow never (12 mm at most)
  const v1::RainstormAlert& raised = events[0].rainstorm_alert();
  CHECK(raised.threshold_mm() == 10);
  CHECK(raised.window_s() == 3600);
  CHECK(raised.totals().last_1h_mm() == Approx(10));
  CHECK(raised.detail() ==
        "10.0 mm in 1 h reached blue (10.0 mm in 1 h) at 2024-06-01T00:09:00.000Z");
  const v1::RainstormAlert& cleared = events.back().rainstorm_alert();
  CHECK(cleared.state() == kCleared);
  CHECK(cleared.since_unix_ns() == kT0 + 9 * kMin);
  CHECK(cleared.detail() ==
        "0.0 mm in 1 h stayed below blue (10.0 mm - 2.0 mm hysteresis) for 10 min at "
        "2024-06-01T01:14:00.000Z; blue since 2024-06-01T00:09:00.000Z");
}

TEST_CASE("rainfall: thresholds must rise with the signal") {
  CHECK(Harness::Create("rainfall", {}).has_value());
  CHECK_FALSE(Harness::Create("rainfall", {{"red_mm", "40"}}).has_value());
  CHECK_FALSE(Harness::Create("rainfall", {{"orange_window", "12h"}}).has_value());
  CHECK_FALSE(Harness::Create("rainfall", {{"yellow_window", "12h"}}).has_value());  // = blue
  CHECK_FALSE(Harness::Create("rainfall", {{"hysteresis", "50"}}).has_value());
  CHECK_FALSE(Harness::Create("rainfall", {{"blue_window", "90s"}}).has_value());
  CHECK_FALSE(Harness::Create("rainfall", {{"mm_per_tip", "0"}}).has_value());
}

}  // namespace
}  // namespace cityedge::pipelines
