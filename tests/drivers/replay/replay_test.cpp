// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "daemon/config/settings_validation.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/host/driver_host.hpp"
#include "drivers/replay/record_parser.hpp"
#include "tests/host/host_test_support.hpp"

extern "C" const ce_driver_descriptor* ce_driver_entry_replay(uint32_t, uint32_t);

namespace cityedge::drivers::replay {
namespace {

namespace fs = std::filesystem;
using fakes::RecordingSink;
using host::testing::Flag;
using host::testing::Number;
using host::testing::Text;

std::string SourceDir() {
  const char* dir = std::getenv("CITYEDGE_SOURCE_DIR");
  REQUIRE(dir != nullptr);
  return dir;
}

// A file in a fresh temp folder, removed at the end of the test.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& text) {
    std::string tmpl = (fs::temp_directory_path() / "cityedge-replay-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir_ = tmpl;
    path_ = (dir_ / name).string();
    std::ofstream(path_) << text;
  }
  ~TempFile() { fs::remove_all(dir_); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  fs::path dir_;
  std::string path_;
};

std::shared_ptr<const host::DriverType> ReplayType() {
  auto type = host::CheckDriver(&ce_driver_entry_replay, "replay", "built-in 'replay'");
  REQUIRE(type.has_value());
  return *type;
}

TEST_CASE("Timestamps parse as RFC 3339 or Unix seconds") {
  CHECK(ParseTimestamp("2024-05-01T12:00:00Z") == 1714564800LL * 1'000'000'000);
  CHECK(ParseTimestamp("2024-05-01T20:00:00.250+08:00") ==
        1714564800LL * 1'000'000'000 + 250'000'000);
  CHECK(ParseTimestamp("1714564800.5") == 1714564800LL * 1'000'000'000 + 500'000'000);
  CHECK_FALSE(ParseTimestamp("2024-05-01T12:00:00").has_value());  // no zone
  CHECK_FALSE(ParseTimestamp("2024-13-01T12:00:00Z").has_value());
  CHECK_FALSE(ParseTimestamp("yesterday").has_value());
}

TEST_CASE("CSV and JSONL lines parse strictly") {
  CHECK(ParseCsvHeader("timestamp,channel,value,unit") == 4);
  CHECK(ParseCsvHeader("timestamp, channel, value, unit, quality") == 5);
  CHECK_FALSE(ParseCsvHeader("time,channel,value").has_value());
  auto r = ParseCsvLine("2024-05-01T12:00:00Z,pm2_5,35.5,ug/m3", 4);
  REQUIRE(r.has_value());
  CHECK(r->channel == "pm2_5");
  CHECK(r->value == 35.5);
  CHECK(r->unit == "ug/m3");
  CHECK_FALSE(ParseCsvLine("2024-05-01T12:00:00Z,pm2_5,ten,ug/m3", 4).has_value());
  CHECK_FALSE(ParseCsvLine("2024-05-01T12:00:00Z,pm2_5,1", 4).has_value());
  CHECK(ParseCsvLine("1714564800,pm10,3,ug/m3,uncertain", 5)->quality ==
        CE_DRIVER_QUALITY_UNCERTAIN);

  auto j = ParseJsonLine(
      R"({"timestamp": 1714564800, "channel": "water_level", "value": 1.25, "unit": "m"})");
  REQUIRE(j.has_value());
  CHECK(j->channel == "water_level");
  CHECK(j->value == 1.25);
  CHECK_FALSE(ParseJsonLine(R"({"timestamp": 1, "channel": "a", "value": "1"})").has_value());
  CHECK_FALSE(ParseJsonLine(R"({"timestamp": 1, "channel": "a", "value": {"x": 1}})").has_value());
  CHECK_FALSE(ParseJsonLine(R"({"timestamp": 1, "channel": "a"})").has_value());
  CHECK_FALSE(
      ParseJsonLine(R"({"timestamp": 1, "channel": "a", "value": 1, "extra": 2})").has_value());
  CHECK_FALSE(ParseJsonLine(R"({"timestamp": 1, "channel": "a", "value": 1)").has_value());
  CHECK_FALSE(ParseJsonLine("not json").has_value());
}

v1::DriverInstance ReplayInstance(const std::string& path, const std::string& format, double rate,
                                  bool loop) {
  v1::DriverInstance instance;
  instance.set_id("aq1");
  instance.set_type("replay");
  instance.set_enabled(true);
  instance.set_publish(true);
  (*instance.mutable_settings())["path"] = Text(path);
  (*instance.mutable_settings())["format"] = Text(format);
  (*instance.mutable_settings())["rate"] = Number(rate);
  (*instance.mutable_settings())["loop"] = Flag(loop);
  return instance;
}

// Runs one replay instance until it stops by itself; returns its readings.
std::vector<v1::Reading> Replay(const v1::DriverInstance& instance, RecordingSink* sink) {
  host::DriverRegistry registry;
  REQUIRE(registry.Add(ReplayType()).has_value());
  host::DriverHost host(registry, *sink, clock::Default());
  REQUIRE(host.StartInstance(instance).has_value());
  REQUIRE(sink->WaitFor([](const auto& e) {
    return host::testing::CountStatus(e, "aq1", v1::COMPONENT_STATE_STOPPED) > 0;
  }));
  return sink->Readings("aq1");
}

TEST_CASE("A CSV file replays every good line and skips malformed ones") {
  TempFile file("aq.csv",
                "# recorded at Pier 3\n"
                "timestamp,channel,value,unit\n"
                "2024-05-01T12:00:00Z,pm2_5,35.5,ug/m3\n"
                "2024-05-01T12:00:00.010Z,pm10,51,ug/m3\n"
                "2024-05-01T12:00:00.020Z,pm2_5,not-a-number,ug/m3\n"
                "garbage\n"
                "\n"
                "2024-05-01T12:00:00.030Z,pm2_5,36.0,ug/m3\n");
  RecordingSink sink;
  const auto readings = Replay(ReplayInstance(file.path(), "csv", 1.0, false), &sink);
  REQUIRE(readings.size() == 3);
  CHECK(readings[0].channel() == "pm2_5");
  CHECK(readings[0].value() == 35.5);
  CHECK(readings[1].channel() == "pm10");
  CHECK(readings[2].value() == 36.0);
  CHECK(sink.Statuses("aq1").back().reason() == "finished: the driver's source has ended");
}

TEST_CASE("A JSONL file replays as fast as possible, looping when asked") {
  TempFile file("river.jsonl",
                "{\"timestamp\": \"2024-05-01T12:00:00Z\", \"channel\": \"level\", \"value\": 1.5, "
                "\"unit\": \"m\"}\n"
                "{\"timestamp\": \"2024-05-01T13:00:00Z\", \"channel\": \"level\", \"value\": "
                "1.75, \"unit\": \"m\"}\n"
                "{broken\n");
  RecordingSink sink;
  host::DriverRegistry registry;
  REQUIRE(registry.Add(ReplayType()).has_value());
  host::DriverHost host(registry, sink, clock::Default());
  // An hour between the lines: only rate 0 makes this finish.
  REQUIRE(host.StartInstance(ReplayInstance(file.path(), "jsonl", 0, true)).has_value());
  REQUIRE(sink.WaitFor([](const auto& e) { return host::testing::CountReadings(e, "aq1") >= 6; }));
  REQUIRE(host.StopInstance("aq1").has_value());
  const auto readings = sink.Readings("aq1");
  CHECK(readings[0].value() == 1.5);
  CHECK(readings[1].value() == 1.75);
  CHECK(readings[2].value() == 1.5);  // looped
  CHECK(readings[0].unit() == "m");
}

TEST_CASE("With timestamps: file, capture times are the recorded ones and keep rising over loops") {
  TempFile file("day.csv",
                "timestamp,channel,value,unit\n"
                "2024-05-01T12:00:00Z,level,1.5,m\n"
                "2024-05-01T12:01:00Z,level,1.6,m\n"
                "2024-05-01T12:02:00Z,level,1.7,m\n");
  auto instance = ReplayInstance(file.path(), "csv", 0, true);
  (*instance.mutable_settings())["timestamps"] = Text("file");
  RecordingSink sink;
  host::DriverRegistry registry;
  REQUIRE(registry.Add(ReplayType()).has_value());
  host::DriverHost host(registry, sink, clock::Default());
  REQUIRE(host.StartInstance(instance).has_value());
  REQUIRE(sink.WaitFor([](const auto& e) { return host::testing::CountReadings(e, "aq1") >= 7; }));
  REQUIRE(host.StopInstance("aq1").has_value());
  std::vector<std::int64_t> times;
  for (const v1::Event& e : sink.Events()) {
    if (e.source() == "aq1" && e.has_reading()) times.push_back(e.capture_time().wall_unix_ns());
  }
  REQUIRE(times.size() >= 7);
  constexpr std::int64_t kNoon = 1714564800LL * 1'000'000'000;  // 2024-05-01T12:00:00Z
  constexpr std::int64_t kMinute = 60LL * 1'000'000'000;
  for (std::size_t i = 0; i < 7; ++i) {
    INFO("reading " << i);
    // The second pass continues one step after the first pass's last record.
    CHECK(times[i] == kNoon + static_cast<std::int64_t>(i) * kMinute);
  }
}

TEST_CASE("A file without readings fails for good instead of spinning") {
  TempFile file("empty.csv", "timestamp,channel,value,unit\nbad,line\n");
  RecordingSink sink;
  host::DriverRegistry registry;
  REQUIRE(registry.Add(ReplayType()).has_value());
  host::DriverHost host(registry, sink, clock::Default());
  REQUIRE(host.StartInstance(ReplayInstance(file.path(), "csv", 0, true)).has_value());
  REQUIRE(sink.WaitFor([](const auto& e) {
    return host::testing::CountStatus(e, "aq1", v1::COMPONENT_STATE_OFFLINE) > 0;
  }));
  CHECK_THAT(host.StatusOf("aq1")->reason, Catch::Contains("holds no valid readings"));
}

TEST_CASE("The schema is consistent and sample.yaml follows it") {
  const auto type = ReplayType();
  CHECK(config::CheckSettingsSchema(type->schema()).empty());

  const YAML::Node sample = YAML::LoadFile(SourceDir() + "/drivers/replay/sample.yaml");
  REQUIRE(sample["drivers"].IsSequence());
  int checked = 0;
  for (const YAML::Node& driver : sample["drivers"]) {
    REQUIRE(driver["type"].as<std::string>() == "replay");
    const auto settings =
        config::ValidateSettings(type->schema(), driver["settings"], "drivers/replay/sample.yaml");
    CHECK(settings.has_value());
    ++checked;
  }
  CHECK(checked >= 2);
}

}  // namespace
}  // namespace cityedge::drivers::replay
