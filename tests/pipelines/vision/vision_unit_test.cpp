// SPDX-License-Identifier: Apache-2.0
// Vision pipelines on synthetic frames the test draws itself: the tracker's
// line and zone counting, line crossings of figures crossing a line a known
// number of times each way (exact in/out), crowd levels with hysteresis on a
// known occupancy, and no pixels in any event.
#include <catch2/catch.hpp>

#include <random>

#include <opencv2/imgproc.hpp>

#include "pipelines/crowd_density/crowd_density.hpp"
#include "pipelines/people_count/tracker.hpp"
#include "tests/pipelines/support/support.hpp"
#include "tests/pipelines/vision/frame_harness.hpp"

namespace cityedge::pipelines {
namespace {

using testing::FrameHarness;
using testing::kSec;
using testing::kT0;
constexpr std::int64_t kFrameNs = kSec / 10;  // 10 fps

cv::Mat Background(cv::Size size) {
  cv::Mat bg(size, CV_8UC1);
  cv::RNG rng(7);
  rng.fill(bg, cv::RNG::UNIFORM, 120, 136);
  return bg;
}

TEST_CASE("A track counts once per crossing, in its direction, never on jitter") {
  using people_count::Track;
  people_count::LineCounter counter({"door", {0.5f, 0.0f}, {0.5f, 1.0f}});
  const cv::Size frame(200, 100);
  // Right to left across a line pointing down the image: "in".
  for (int x = 150; x >= 30; x -= 10)
    counter.Update({Track{1, cv::Rect(x, 20, 10, 20), 3, 0}}, frame);
  CHECK(counter.in() == 1);
  CHECK(counter.out() == 0);
  // Jitter on the line (within the margin) is not a crossing.
  for (int x : {99, 96, 99, 96, 99})
    counter.Update({Track{2, cv::Rect(x, 20, 10, 20), 3, 0}}, frame);
  CHECK(counter.in() + counter.out() == 1);
  for (int x = 30; x <= 150; x += 10)
    counter.Update({Track{3, cv::Rect(x, 20, 10, 20), 3, 0}}, frame);
  CHECK(counter.out() == 1);
  // A crossing beyond the segment's ends does not count.
  people_count::LineCounter short_line({"gate", {0.5f, 0.0f}, {0.5f, 0.2f}});
  for (int x = 150; x >= 30; x -= 10) {
    short_line.Update({Track{4, cv::Rect(x, 60, 10, 20), 3, 0}}, frame);
  }
  CHECK(short_line.in() + short_line.out() == 0);
}

TEST_CASE("Zones count foot points inside their polygon") {
  using people_count::Track;
  const people_count::Zone left{"left", {{0, 0}, {0.5f, 0}, {0.5f, 1}, {0, 1}}};
  const std::vector<Track> tracks{Track{1, cv::Rect(10, 10, 10, 20), 1, 0},
                                  Track{2, cv::Rect(40, 50, 10, 20), 1, 0},
                                  Track{3, cv::Rect(150, 10, 10, 20), 1, 0},
                                  Track{4, cv::Rect(20, 10, 10, 20), 1, 3}};  // not seen now
  CHECK(people_count::CountInZone(left, tracks, cv::Size(200, 100)) == 2);
}

constexpr const char* kLeftZone = "[{name: left, polygon: [[0, 0], [0.5, 0], [0.5, 1], [0, 1]]}]";

// Figures cross a vertical line: `in_passes` right to left, `out_passes` left
// to right, one after the other in alternating lanes.
std::vector<v1::Event> CrossingRun(int in_passes, int out_passes) {
  FrameHarness harness("people_count", {{"detector", "motion"},
                                        {"interval", "1s"},
                                        {"lines", "[{name: door, from: [0.5, 0], to: [0.5, 1]}]"},
                                        {"zones", kLeftZone}});
  const cv::Mat bg = Background(cv::Size(320, 240));
  std::int64_t t = kT0;
  const auto feed = [&](const cv::Mat& m) {
    harness.Feed(m, t);
    t += kFrameNs;
  };
  for (int i = 0; i < 30; ++i) feed(bg);  // the background model learns
  int lane = 0;
  for (int pass = 0; pass < in_passes + out_passes; ++pass) {
    const bool leftwards = pass % 2 == 0 ? pass / 2 < in_passes : pass / 2 >= out_passes;
    const int y = lane++ % 2 == 0 ? 40 : 140;
    for (int step = 0; step <= 60; ++step) {
      cv::Mat frame = bg.clone();
      const int x = leftwards ? 270 - 4 * step : 30 + 4 * step;
      cv::rectangle(frame, cv::Rect(x, y, 20, 50), cv::Scalar(25), cv::FILLED);
      feed(frame);
    }
    for (int i = 0; i < 15; ++i) feed(bg);  // the figure has left
  }
  for (int i = 0; i < 12; ++i) feed(bg);  // closes the last interval
  return harness.sink.Events();
}

TEST_CASE("Line crossings of synthetic figures are counted exactly, each way") {
  for (const auto& [in, out] : {std::pair{3, 2}, std::pair{1, 4}, std::pair{0, 0}}) {
    INFO(in << " in, " << out << " out");
    const std::vector<v1::Event> events = CrossingRun(in, out);
    REQUIRE_FALSE(events.empty());
    std::uint32_t got_in = 0;
    std::uint32_t got_out = 0;
    std::uint32_t max_count = 0;
    for (const v1::Event& e : events) {
      REQUIRE(e.has_people_count());
      CHECK(e.source() == "cam1/p1");
      CHECK(e.priority() == v1::PRIORITY_CLASS_DETECTION);
      REQUIRE(e.people_count().lines_size() == 1);
      CHECK(e.people_count().lines(0).line() == "door");
      got_in += e.people_count().lines(0).in();
      got_out += e.people_count().lines(0).out();
      max_count = std::max(max_count, e.people_count().count());
      CHECK(e.people_count().zones_size() == 1);
    }
    CHECK(got_in == static_cast<std::uint32_t>(in));
    CHECK(got_out == static_cast<std::uint32_t>(out));
    CHECK(max_count <= 1);  // one figure at a time
    testing::RequireNoPixels(events);
  }
}

TEST_CASE("The last interval is reported when the camera falls silent") {
  for (const char* type : {"people_count", "crowd_density"}) {
    INFO(type);
    FrameHarness harness(type, {{"interval", "1s"}});
    const cv::Mat bg = Background(cv::Size(160, 120));
    for (int i = 0; i < 45; ++i) harness.Feed(bg, kT0 + i * kFrameNs);
    const std::size_t before = harness.sink.size();
    // Frame i has monotonic time kSec + i * kFrameNs (see FrameHarness::Feed).
    harness.Tick(kSec + 44 * kFrameNs + kSec / 2);
    CHECK(harness.sink.size() == before);  // not silent for an interval yet
    harness.Tick(kSec + 44 * kFrameNs + 2 * kSec);
    CHECK(harness.sink.size() == before + 1);
    harness.Tick(kSec + 44 * kFrameNs + 3 * kSec);
    CHECK(harness.sink.size() == before + 1);  // once
  }
}

TEST_CASE("Crowd levels rise at once and fall only past the hysteresis") {
  using crowd_density::NextLevel;
  const std::array<double, 3> t{0.15, 0.35, 0.6};
  CHECK(NextLevel(v1::CROWD_LEVEL_NORMAL, 0.1, t, 0.1) == v1::CROWD_LEVEL_NORMAL);
  CHECK(NextLevel(v1::CROWD_LEVEL_NORMAL, 0.7, t, 0.1) == v1::CROWD_LEVEL_CRITICAL);
  CHECK(NextLevel(v1::CROWD_LEVEL_CRITICAL, 0.55, t, 0.1) == v1::CROWD_LEVEL_CRITICAL);
  CHECK(NextLevel(v1::CROWD_LEVEL_CRITICAL, 0.5, t, 0.1) == v1::CROWD_LEVEL_CROWDED);
  CHECK(NextLevel(v1::CROWD_LEVEL_CROWDED, 0.33, t, 0.1) == v1::CROWD_LEVEL_CROWDED);
  CHECK(NextLevel(v1::CROWD_LEVEL_CROWDED, 0.30, t, 0.1) == v1::CROWD_LEVEL_BUSY);
  CHECK(NextLevel(v1::CROWD_LEVEL_BUSY, 0.01, t, 0.1) == v1::CROWD_LEVEL_NORMAL);
  CHECK(NextLevel(v1::CROWD_LEVEL_UNSPECIFIED, 0.2, t, 0.1) == v1::CROWD_LEVEL_BUSY);
}

// One second (10 frames) per occupancy: a flickering black/white texture
// covering `fraction` of the left half, which MOG2 sees as foreground.
std::vector<v1::Event> OccupancyRun(const std::vector<double>& fractions,
                                    const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> yaml{{"interval", "1s"}, {"warmup_frames", "20"}};
  yaml.insert(extra.begin(), extra.end());
  yaml.emplace("zones", kLeftZone);
  FrameHarness harness("crowd_density", yaml);
  const cv::Mat bg = Background(cv::Size(320, 240));
  std::int64_t t = kT0;
  for (int i = 0; i < 20; ++i, t += kFrameNs) harness.Feed(bg, t);
  t = kT0 + 10 * kSec;  // the first judged interval starts on a boundary
  cv::RNG rng(11);
  for (double fraction : fractions) {
    for (int i = 0; i < 10; ++i, t += kFrameNs) {
      cv::Mat frame = bg.clone();
      const int height = static_cast<int>(std::lround(240 * fraction));
      if (height > 0) {
        cv::Mat texture(height, 160, CV_8UC1);
        rng.fill(texture, cv::RNG::UNIFORM, 0, 2);
        frame(cv::Rect(0, 0, 160, height)) = texture * 255;
      }
      harness.Feed(frame, t);
    }
  }
  harness.Feed(bg, t);  // closes the last interval
  return harness.sink.Events();
}

TEST_CASE("crowd_density follows a known occupancy through every level, with hysteresis") {
  const std::vector<double> fractions{0.05, 0.2, 0.4, 0.7, 0.5, 0.33, 0.25, 0.05};
  const std::vector<v1::CrowdLevel> expected{v1::CROWD_LEVEL_NORMAL,  v1::CROWD_LEVEL_BUSY,
                                             v1::CROWD_LEVEL_CROWDED, v1::CROWD_LEVEL_CRITICAL,
                                             v1::CROWD_LEVEL_CROWDED, v1::CROWD_LEVEL_CROWDED,
                                             v1::CROWD_LEVEL_BUSY,    v1::CROWD_LEVEL_NORMAL};
  const std::vector<v1::Event> events = OccupancyRun(fractions, {});
  REQUIRE(events.size() == fractions.size());
  int alarms = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    INFO("interval " << i << ": " << events[i].ShortDebugString());
    const v1::CrowdDensity& c = events[i].crowd_density();
    CHECK(c.zone() == "left");
    CHECK(c.occupancy() == Approx(fractions[i]).margin(0.05));
    CHECK(c.level() == expected[i]);
    CHECK(c.people_per_m2() == 0);  // no area configured
    const bool changed = i > 0 ? expected[i] != expected[i - 1] : false;
    CHECK(c.level_changed() == changed);
    CHECK(events[i].priority() ==
          (changed ? v1::PRIORITY_CLASS_ALARM : v1::PRIORITY_CLASS_TELEMETRY));
    alarms += c.level_changed();
  }
  CHECK(alarms == 6);
  testing::RequireNoPixels(events);
}

constexpr const char* kLeftZoneWithArea =
    "[{name: left, polygon: [[0, 0], [0.5, 0], [0.5, 1], [0, 1]], area: 25}]";

TEST_CASE("With the zone's area, crowd_density judges people per m2") {
  // Left half = 38400 px at 320x240 motion width; a person covers 1 % of the
  // frame (768 px), so a full left half holds 50 people on 25 m2: 2 per m2 at
  // occupancy 1.
  const std::vector<v1::Event> events =
      OccupancyRun({0.1, 0.5, 0.9}, {{"zones", kLeftZoneWithArea},
                                     {"person_area", "0.01"},
                                     {"levels",
                                      "[{level: critical, occupancy: 0.6, density: 1.5},"
                                      " {level: busy, occupancy: 0.15, density: 0.5},"
                                      " {level: crowded, occupancy: 0.35, density: 0.9}]"}});
  REQUIRE(events.size() == 3);
  CHECK(events[0].crowd_density().people_per_m2() == Approx(0.2).margin(0.1));
  CHECK(events[0].crowd_density().level() == v1::CROWD_LEVEL_NORMAL);
  CHECK(events[1].crowd_density().people_per_m2() == Approx(1.0).margin(0.1));
  CHECK(events[1].crowd_density().level() == v1::CROWD_LEVEL_CROWDED);
  CHECK(events[2].crowd_density().people_per_m2() == Approx(1.8).margin(0.1));
  CHECK(events[2].crowd_density().level() == v1::CROWD_LEVEL_CRITICAL);
}

TEST_CASE("crowd_density's forms of earlier releases give the same judgements, with warnings") {
  const std::map<std::string, std::string> old_form = {{"zones", "[\"left: 0,0 0.5,0 0.5,1 0,1\"]"},
                                                       {"zone_areas", "[\"left: 25\"]"},
                                                       {"person_area", "0.01"},
                                                       {"density_levels", "[0.5, 0.9, 1.5]"}};
  std::vector<config::Problem> warnings;
  REQUIRE(testing::ValidateSettings(testing::TypeNamed("crowd_density").schema, old_form, &warnings)
              .has_value());
  const std::string text = config::FormatProblems(warnings);
  INFO(text);
  CHECK_THAT(text, Catch::Contains("settings.zones[0]: the one-line form is deprecated and will be "
                                   "removed; write the entry as a mapping: {name: left, polygon: "
                                   "[[0, 0], [0.5, 0], [0.5, 1], [0, 1]]}"));
  CHECK_THAT(text, Catch::Contains("settings.zone_areas: deprecated and will be removed; give the "
                                   "area in the zone's table, zones[].area"));
  CHECK_THAT(text, Catch::Contains("settings.density_levels: deprecated and will be removed; "
                                   "write each as levels[].density"));
  CHECK(warnings.size() == 3);

  // A zone given in `extra` replaces OccupancyRun's own.
  const std::vector<v1::Event> old_events = OccupancyRun({0.1, 0.5, 0.9}, old_form);
  const std::vector<v1::Event> new_events =
      OccupancyRun({0.1, 0.5, 0.9}, {{"zones", kLeftZoneWithArea},
                                     {"person_area", "0.01"},
                                     {"levels",
                                      "[{level: busy, occupancy: 0.15, density: 0.5},"
                                      " {level: crowded, occupancy: 0.35, density: 0.9},"
                                      " {level: critical, occupancy: 0.6, density: 1.5}]"}});
  REQUIRE(old_events.size() == new_events.size());
  for (std::size_t i = 0; i < old_events.size(); ++i) {
    CHECK(old_events[i].crowd_density().ShortDebugString() ==
          new_events[i].crowd_density().ShortDebugString());
  }
}

TEST_CASE("people_count's one-line zones and lines are read as the tables they spell") {
  const config::SettingsSchema& schema = testing::TypeNamed("people_count").schema;
  std::vector<config::Problem> warnings;
  const auto old_form = testing::ValidateSettings(
      schema, {{"lines", "[\"door: 0.5,0 0.5,1\"]"}, {"zones", "[\"left: 0,0 0.5,0 0.5,1 0,1\"]"}},
      &warnings);
  const auto new_form = testing::ValidateSettings(
      schema, {{"lines", "[{name: door, from: [0.5, 0], to: [0.5, 1]}]"}, {"zones", kLeftZone}});
  REQUIRE(old_form.has_value());
  REQUIRE(new_form.has_value());
  const auto old_line = old_form->GetTables("lines").at(0);
  const auto new_line = new_form->GetTables("lines").at(0);
  CHECK(old_line.GetString("name") == new_line.GetString("name"));
  CHECK(old_line.GetNumbers("from") == new_line.GetNumbers("from"));
  CHECK(old_line.GetNumbers("to") == new_line.GetNumbers("to"));
  const auto old_zone = old_form->GetTables("zones").at(0);
  const auto new_zone = new_form->GetTables("zones").at(0);
  CHECK(old_zone.GetString("name") == new_zone.GetString("name"));
  CHECK(old_zone.GetNumberLists("polygon") == new_zone.GetNumberLists("polygon"));
  const std::string text = config::FormatProblems(warnings);
  INFO(text);
  CHECK_THAT(text, Catch::Contains("settings.lines[0]: the one-line form is deprecated and will be "
                                   "removed; write the entry as a mapping: {name: door, from: "
                                   "[0.5, 0], to: [0.5, 1]}"));
  CHECK_THAT(text, Catch::Contains("settings.zones[0]: the one-line form is deprecated and will be "
                                   "removed; write the entry as a mapping: {name: left, polygon: "
                                   "[[0, 0], [0.5, 0], [0.5, 1], [0, 1]]}"));
  CHECK(warnings.size() == 2);
}

TEST_CASE("Malformed zones, lines and levels are named by their key paths") {
  const auto problems = [](const char* type, const std::map<std::string, std::string>& yaml) {
    const auto result = testing::ValidateSettings(testing::TypeNamed(type).schema, yaml);
    REQUIRE_FALSE(result.has_value());
    return config::FormatProblems(result.error());
  };
  const std::string lines =
      problems("people_count", {{"lines",
                                 "[{name: door, from: [0.5, 0], to: [0.5, 1, 0]},"
                                 " {name: door, from: [0.5, 0]}, \"gate: 0.5,0\"]"}});
  INFO(lines);
  CHECK_THAT(lines, Catch::Contains("settings.lines[0].to: must have exactly 2 items, got 3"));
  CHECK_THAT(lines, Catch::Contains("settings.lines[1]: missing required setting \"to\""));
  CHECK_THAT(lines, Catch::Contains("settings.lines[2]: expected a mapping of name, from, to; read "
                                    "as a one-line entry, a line is two points"));
  const std::string zones = problems(
      "people_count", {{"zones", "[{name: z, polygon: [[0, 0], [1, 1]]}, \"y: 0,0 1,0 0.5,1x\"]"}});
  INFO(zones);
  CHECK_THAT(zones,
             Catch::Contains("settings.zones[0].polygon: must have at least 3 items, got 2"));
  CHECK_THAT(zones, Catch::Contains("settings.zones[1].polygon[2][1]: expected a number, got "
                                    "\"1x\""));
  const std::string levels =
      problems("crowd_density", {{"levels",
                                  "[{level: busy, occupancy: 0.15, density: 0.5},"
                                  " {level: busy, occupancy: 0.35, density: 2},"
                                  " {level: critical, occupancy: 1.5, density: 4}]"},
                                 {"occupancy_levels", "[0.1, 0.2x, 0.9]"}});
  INFO(levels);
  CHECK_THAT(levels, Catch::Contains("settings.levels[1].level: \"busy\" is already "
                                     "settings.levels[0].level; each table needs its own level"));
  CHECK_THAT(levels, Catch::Contains("settings.levels[2].occupancy: must be between 0 and 1, got "
                                     "1.5"));
  const std::string two =
      problems("crowd_density", {{"levels", "[{level: busy, occupancy: 0.15, density: 0.5}]"}});
  CHECK_THAT(two, Catch::Contains("settings.levels: must have exactly 3 items, got 1"));
  CHECK_THAT(levels, Catch::Contains("settings.occupancy_levels[1]: expected a number, got "
                                     "\"0.2x\""));
  CHECK_THAT(levels, Catch::Contains("settings.occupancy_levels: give either levels or its "
                                     "deprecated form occupancy_levels, not both"));
}

TEST_CASE("crowd_density refuses levels that do not rise and areas given twice") {
  const auto refused = [](const std::map<std::string, std::string>& yaml) {
    const auto created = testing::Harness::Create("crowd_density", yaml, {"cam1"});
    REQUIRE_FALSE(created.has_value());
    return created.error().ToString();
  };
  CHECK_THAT(refused({{"levels",
                       "[{level: busy, occupancy: 0.5, density: 0.5},"
                       " {level: crowded, occupancy: 0.2, density: 2},"
                       " {level: critical, occupancy: 0.9, density: 4}]"}}),
             Catch::Contains("levels[].occupancy must rise from busy to crowded to critical, got "
                             "0.5, 0.2, 0.9"));
  CHECK_THAT(refused({{"density_levels", "[1, 1, 2]"}}),
             Catch::Contains("density_levels must rise"));
  CHECK_THAT(refused({{"zone_areas", "[\"nowhere: 5\"]"}}),
             Catch::Contains("zone_areas: 'nowhere: 5' is not 'zone: m2' for a configured zone"));
  // Numbers parse strictly: trailing text is an error, not a number read up to it.
  CHECK_THAT(refused({{"zones", "[\"left: 0,0 1,0 1,1\"]"}, {"zone_areas", "[\"left: 25m\"]"}}),
             Catch::Contains("zone_areas: 'left: 25m'"));
  CHECK_THAT(refused({{"zones", kLeftZoneWithArea}, {"zone_areas", "[\"left: 25\"]"}}),
             Catch::Contains("names a zone whose table has an area already"));
}

}  // namespace
}  // namespace cityedge::pipelines
