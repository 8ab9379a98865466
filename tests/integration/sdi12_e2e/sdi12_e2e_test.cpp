// SPDX-License-Identifier: Apache-2.0
// The sdi12 driver end to end: the real cityedged reads three sensors on a
// simulated SDI-12 bus (sdi12_sim.py on a pseudo-terminal: identification,
// measurement delays, a service request, concurrent measurements, CRC with
// noise, a sensor that falls silent, one that answers garbage, one that
// sends too few values); values with units and every health change arrive at
// the independent platform subscriber through the journal and mosquitto.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/integration/pipelines_e2e/e2e_support.hpp"
#include "tests/integration/support/mosquitto.hpp"
#include "tests/integration/support/platform.hpp"

namespace cityedge::testing::e2e {
namespace {

constexpr const char* kGateway = "sdi12-gw-01";
constexpr auto kTimeout = std::chrono::seconds(60);

// What each simulated sensor does; written as the simulator's bus file.
struct BusState {
  bool level_short = false;  // sensor 0 sends one value instead of two
  bool weather_garbage = false;
  bool rain_silent = false;

  [[nodiscard]] std::string Json() const {
    const auto flag = [](bool b) { return b ? "true" : "false"; };
    return std::string("{\"sensors\": {\n") +
           // A level sensor measured with aM!: 2 s announced, service request after 0.3 s.
           "\"0\": {\"id\": \"14CITYEDGELVL100110SN0001\", \"seconds\": 2, "
           "\"service_request\": 0.3, \"values\": " +
           (level_short ? "[1.234]" : "[1.234, 12.5]") +
           "},\n"
           // A weather station with aCC!: 12 values over aD0! and aD1!, and
           // noise that changes a digit of every second data answer.
           "\"1\": {\"id\": \"14CITYEDGEWX2000210\", \"seconds\": 1, \"bad_crc_every\": 2, "
           "\"values\": [21.5, 65, 1013.25, 4, 5, 6, 7, 8, 9, 10, 11, 12], \"garbage\": " +
           flag(weather_garbage) +
           "},\n"
           // A rain gauge with aC!.
           "\"2\": {\"id\": \"13CITYEDGERAIN  100TB7\", \"seconds\": 1, \"values\": [7], "
           "\"silent\": " +
           flag(rain_silent) + "}}}\n";
  }
};

class SimulatedBus {
 public:
  explicit SimulatedBus(const std::string& dir) : path_(dir + "/bus.json") {}

  [[nodiscard]] Status Start(const BusState& state) {
    Set(state);
    auto process = Process::Spawn(
        {EnvOr("CITYEDGE_PYTHON", "/usr/bin/python3"),
         EnvOr("CITYEDGE_SOURCE_DIR", ".") + "/tests/drivers/sdi12/sdi12_sim.py", path_},
        true);
    if (!process) return std::unexpected(process.error());
    process_ = std::move(*process);
    const auto line = process_->ReadUntil("PTY ", std::chrono::seconds(20));
    if (!line) return MakeError(Code::kUnavailable, "the SDI-12 simulator printed no PTY line");
    tty_ = line->substr(4);
    return OkStatus();
  }
  // Replaced by rename, so the simulator never reads half a file.
  void Set(const BusState& state) const {
    const std::string next = path_ + ".next";
    std::ofstream(next) << state.Json();
    std::filesystem::rename(next, path_);
  }
  [[nodiscard]] const std::string& tty() const { return tty_; }

 private:
  std::string path_;
  std::optional<Process> process_;
  std::string tty_;
};

std::string Config(const std::string& dir, const std::string& broker_uri, const std::string& tty) {
  return "gateway:\n"
         "  id: " +
         std::string(kGateway) +
         "\n"
         "journal:\n"
         "  path: journal.db\n"
         "uplink:\n"
         "  brokers: [\"" +
         broker_uri +
         "\"]\n"
         "  topic_prefix: cityedge\n"
         "  first_connect_delay_max: 0s\n"
         "  backoff_max: 2s\n"
         "  linger: 20ms\n"
         "control:\n"
         "  socket_path: " +
         dir +
         "/control.sock\n"
         "drivers:\n"
         "  - id: gauge\n"
         "    type: sdi12\n"
         "    settings:\n"
         "      device: " +
         tty +
         "\n"
         "      poll_interval: 1s\n"
         "      response_timeout: 50ms\n"
         "      sensors:\n"
         "        - {address: \"0\", command: M}\n"
         "        - {address: \"1\", command: CC}\n"
         "        - {address: \"2\", command: C}\n"
         "      values:\n"
         "        - {address: \"0\", index: 0, channel: stage, unit: m}\n"
         "        - {address: \"0\", index: 1, channel: water_temp, unit: degC}\n"
         "        - {address: \"1\", index: 0, channel: air_temp, unit: degC}\n"
         "        - {address: \"1\", index: 2, channel: pressure, unit: hPa}\n"
         "        - {address: \"1\", index: 11, channel: wind_gust, unit: m/s, scale: 0.1}\n"
         "        - {address: \"2\", index: 0, channel: rain, unit: mm, scale: 0.2, offset: 0.1}\n";
}

struct Expected {
  const char* channel;
  double value;
  const char* unit;
};
constexpr Expected kExpected[] = {{"stage", 1.234, "m"},      {"water_temp", 12.5, "degC"},
                                  {"air_temp", 21.5, "degC"}, {"pressure", 1013.25, "hPa"},
                                  {"wind_gust", 1.2, "m/s"},  {"rain", 1.5, "mm"}};

std::size_t CountReadings(const std::vector<ReceivedEvent>& events, const std::string& channel) {
  return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [&](const auto& r) {
    return r.event.source() == "gauge" && r.event.has_reading() &&
           r.event.reading().channel() == channel;
  }));
}

bool HasReading(const std::vector<ReceivedEvent>& events, const Expected& e) {
  return std::any_of(events.begin(), events.end(), [&](const ReceivedEvent& r) {
    return r.event.source() == "gauge" && r.event.has_reading() &&
           r.event.reading().channel() == e.channel && r.event.reading().unit() == e.unit &&
           std::abs(r.event.reading().value() - e.value) < 1e-6;
  });
}

std::vector<v1::DriverStatus> Statuses(const std::vector<ReceivedEvent>& events) {
  std::vector<v1::DriverStatus> out;
  for (const ReceivedEvent& r : events) {
    if (r.event.has_driver_status() && r.event.driver_status().instance() == "gauge") {
      out.push_back(r.event.driver_status());
    }
  }
  return out;
}

// The newest status of the instance is `state` with a reason containing all of `parts`.
bool LatestIs(const std::vector<ReceivedEvent>& events, v1::ComponentState state,
              std::initializer_list<const char*> parts) {
  const auto statuses = Statuses(events);
  if (statuses.empty() || statuses.back().state() != state) return false;
  return std::all_of(parts.begin(), parts.end(), [&](const char* part) {
    return statuses.back().reason().find(part) != std::string::npos;
  });
}

TEST_CASE("SDI-12 sensors -> cityedged -> mosquitto -> platform, with health per sensor") {
  TempDir dir;
  auto broker = Mosquitto::Start(dir.path(), {});
  REQUIRE(broker.has_value());
  const std::string dump = dir.path() + "/platform.jsonl";
  auto platform =
      PlatformSubscriber::Start({"--port", std::to_string((*broker)->port()), "--gateway", kGateway,
                                 "--timeout", "600", "--dump", dump});
  REQUIRE(platform.has_value());
  REQUIRE(platform->WaitSubscribed(1, std::chrono::seconds(20)));

  SimulatedBus bus(dir.path());
  BusState state;
  REQUIRE(bus.Start(state));
  auto gateway = Gateway::Start(dir.path(), Config(dir.path(), (*broker)->uri(), bus.tty()));
  REQUIRE(gateway.has_value());
  DumpReader reader(dump);
  auto events = [&reader] { return reader.Distinct(); };
  const auto require_until = [&](const std::function<bool()>& done, const char* what) {
    if (!PollUntil(reader, done, kTimeout)) {
      std::string statuses;
      for (const auto& s : Statuses(events())) statuses += s.reason() + "\n";
      FAIL(what << "\nstatuses:\n" << statuses << "cityedged log:\n" << gateway->LogTail());
    }
  };

  // Every sensor answers: each mapped value arrives scaled, with its unit, and
  // the instance is online with every sensor's identification.
  require_until(
      [&] {
        const auto e = events();
        return std::all_of(std::begin(kExpected), std::end(kExpected),
                           [&](const Expected& x) { return HasReading(e, x); }) &&
               LatestIs(e, v1::COMPONENT_STATE_ONLINE,
                        {"sensor 0: CITYEDGE LVL100 v110 SN0001 (SDI-12 1.4)",
                         "sensor 1: CITYEDGE WX2000 v210 (SDI-12 1.4)",
                         "sensor 2: CITYEDGE RAIN v100 TB7 (SDI-12 1.3)"});
      },
      "every value and the identifications");

  // The rain gauge falls silent: degraded, naming it; the others keep reading.
  state.rain_silent = true;
  bus.Set(state);
  require_until(
      [&] {
        return LatestIs(events(), v1::COMPONENT_STATE_DEGRADED,
                        {"1 of 3 sensors failing", "sensor 2: no answer to 2"});
      },
      "degraded: rain gauge silent");
  const std::size_t stages = CountReadings(events(), "stage");
  require_until([&] { return CountReadings(events(), "stage") > stages + 1; },
                "stage readings while the rain gauge is silent");

  // It answers again and the weather station answers garbage instead.
  state.rain_silent = false;
  state.weather_garbage = true;
  bus.Set(state);
  require_until(
      [&] {
        return LatestIs(events(), v1::COMPONENT_STATE_DEGRADED,
                        {"1 of 3 sensors failing", "sensor 1: garbled answer to 1"});
      },
      "degraded: weather station garbled");

  // The level sensor sends one value where the map needs two.
  state.weather_garbage = false;
  state.level_short = true;
  bus.Set(state);
  require_until(
      [&] {
        return LatestIs(events(), v1::COMPONENT_STATE_DEGRADED,
                        {"1 of 3 sensors failing",
                         "sensor 0: 0M! returned 1 values; value 1 is mapped to water_temp"});
      },
      "degraded: wrong count of values");

  // All well again: online, with the identifications.
  state.level_short = false;
  bus.Set(state);
  require_until(
      [&] {
        return LatestIs(
            events(), v1::COMPONENT_STATE_ONLINE,
            {"sensor 0: CITYEDGE LVL100", "sensor 1: CITYEDGE WX2000", "sensor 2: CITYEDGE RAIN"});
      },
      "online again");

  // A technician's calibration read runs a round at once.
  RunResult read = Run(WithEmulator({EnvOr("CITYEDGE_CLI", "cityedge"), "--socket",
                                     dir.path() + "/control.sock", "read", "gauge"}),
                       std::chrono::seconds(30));
  CHECK(read.status == 0);
  CHECK_THAT(read.output, Catch::Contains("stage=1.234") && Catch::Contains("rain=") &&
                              Catch::Contains("air_temp=21.5"));

  require_until([&] { return UnaccountedSeqs(events()).empty(); }, "every seq delivered");
  REQUIRE(gateway->Stop(std::chrono::seconds(15)) == 0);

  // Noise on the weather station's line was refused by its CRC and retried:
  // no reading carries a changed digit.
  const auto all = events();
  for (const Expected& e : kExpected) {
    INFO(e.channel);
    CHECK(CountReadings(all, e.channel) > 0);
    CHECK(std::all_of(all.begin(), all.end(), [&](const ReceivedEvent& r) {
      return !(r.event.has_reading() && r.event.reading().channel() == e.channel) ||
             std::abs(r.event.reading().value() - e.value) < 1e-6;
    }));
  }
  // The driver's counters, logged at stop, show refused answers.
  const std::string log = gateway->LogTail(20000);
  CHECK_THAT(log, Catch::Contains(" bad CRC, "));
  CHECK_THAT(log, !Catch::Contains(" 0 bad CRC, "));
  auto summary = platform->Stop(std::chrono::seconds(15));
  REQUIRE(summary.has_value());
  INFO(summary->json);
  CHECK(summary->decode_errors == 0);
}

}  // namespace
}  // namespace cityedge::testing::e2e
