// SPDX-License-Identifier: Apache-2.0
// The demo day end to end (issue 6): config/demo.yaml's replayed day of a
// coastal city runs once through the real cityedged (replay drivers ->
// pipelines -> SQLite journal -> uplink) to a real mosquitto, and the
// independent Python platform subscriber's decoded data is checked: the flood
// warnings in order, the rainstorm signals raised in order before the river's
// first flood warning and lifted after the rain, the AQI rising through its
// levels with PM2.5 primary, the PM2.5 threshold raised and cleared, alarms on
// the alarm topic, and every seq delivered.
#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/integration/pipelines_e2e/e2e_support.hpp"
#include "tests/integration/support/mosquitto.hpp"
#include "tests/integration/support/platform.hpp"

namespace cityedge::testing::e2e {
namespace {

constexpr const char* kGateway = "demo-gw-01";
constexpr const char* kReplayDrivers[] = {"aq1", "noise1", "river1", "rain1"};
// 86400 s of file time in about 17 s.
constexpr const char* kReplayRate = "5000";
constexpr auto kDayTimeout = std::chrono::minutes(3);

// config/demo.yaml with the broker on this run's port and each replay driver
// playing the day once, fast. Fails the test if the file no longer has the
// keys this relies on.
std::string DemoConfig(const std::string& broker_uri) {
  std::string text = ReadText(EnvOr("CITYEDGE_SOURCE_DIR", ".") + "/config/demo.yaml");
  REQUIRE_FALSE(text.empty());
  const std::regex brokers(R"(brokers:\s*\[[^\]]*\])");
  const std::regex rate(R"((\n\s+rate:\s*)[0-9.]+)");
  const std::regex loop(R"((\n\s+loop:\s*)true)");
  const auto count = [&text](const std::regex& re) -> std::size_t {
    return std::distance(std::sregex_iterator(text.begin(), text.end(), re),
                         std::sregex_iterator());
  };
  REQUIRE(count(brokers) == 1);
  REQUIRE(count(rate) == std::size(kReplayDrivers));
  REQUIRE(count(loop) == std::size(kReplayDrivers));
  text = std::regex_replace(text, brokers, "brokers: [\"" + broker_uri + "\"]");
  text = std::regex_replace(text, rate, std::string("$01") + kReplayRate);
  return std::regex_replace(text, loop, "$01false");
}

std::size_t DataRows(const std::string& csv_path) {
  std::ifstream in(csv_path);
  std::size_t rows = 0;
  for (std::string line; std::getline(in, line);) rows += line.empty() ? 0 : 1;
  return rows > 0 ? rows - 1 : 0;  // the header
}

bool Finished(const std::vector<ReceivedEvent>& events, const std::string& driver) {
  return std::any_of(events.begin(), events.end(), [&](const ReceivedEvent& r) {
    const v1::DriverStatus& s = r.event.driver_status();
    return r.event.has_driver_status() && s.instance() == driver &&
           s.state() == v1::COMPONENT_STATE_STOPPED && s.reason().starts_with("finished");
  });
}

std::vector<ReceivedEvent> From(const std::vector<ReceivedEvent>& events, const std::string& source,
                                v1::Event::BodyCase body) {
  std::vector<ReceivedEvent> out;
  std::copy_if(events.begin(), events.end(), std::back_inserter(out), [&](const ReceivedEvent& r) {
    return r.event.source() == source && r.event.body_case() == body;
  });
  return out;
}

std::vector<ReceivedEvent> FloodOfKind(const std::vector<ReceivedEvent>& events,
                                       v1::FloodAlert::Kind kind) {
  std::vector<ReceivedEvent> out;
  for (const ReceivedEvent& r : From(events, "river1/river_flood", v1::Event::kFloodAlert)) {
    if (r.event.flood_alert().kind() == kind) out.push_back(r);
  }
  return out;
}

// The day has ended for every replay driver, the river has fallen back below
// blue, and every seq up to the highest one seen has arrived.
bool DayDelivered(const DumpReader& reader) {
  const std::vector<ReceivedEvent> events = reader.Distinct();
  for (const char* driver : kReplayDrivers) {
    if (!Finished(events, driver)) return false;
  }
  const auto levels = FloodOfKind(events, v1::FloodAlert::KIND_LEVEL);
  if (levels.empty() || levels.back().event.flood_alert().level() != v1::FLOOD_LEVEL_NONE) {
    return false;
  }
  return UnaccountedSeqs(events).empty();
}

void CheckTopics(const std::vector<ReceivedEvent>& received) {
  const std::string prefix = std::string("cityedge/") + kGateway + "/events/";
  for (const ReceivedEvent& r : received) {
    INFO("seq " << r.event.seq() << " from " << r.event.source() << " on " << r.topic);
    REQUIRE(r.topic == prefix + TopicClass(r.event.priority()));
  }
}

void CheckFlood(const std::vector<ReceivedEvent>& events) {
  struct Step {
    v1::AlertState state;
    v1::FloodLevel level;
    double threshold_m;
  };
  const Step expected[] = {
      {v1::ALERT_STATE_RAISED, v1::FLOOD_LEVEL_BLUE, 2.5},
      {v1::ALERT_STATE_RAISED, v1::FLOOD_LEVEL_YELLOW, 3.0},
      {v1::ALERT_STATE_RAISED, v1::FLOOD_LEVEL_ORANGE, 3.5},
      {v1::ALERT_STATE_RAISED, v1::FLOOD_LEVEL_RED, 4.0},
      {v1::ALERT_STATE_CLEARED, v1::FLOOD_LEVEL_ORANGE, 4.0},
      {v1::ALERT_STATE_CLEARED, v1::FLOOD_LEVEL_YELLOW, 3.5},
      {v1::ALERT_STATE_CLEARED, v1::FLOOD_LEVEL_BLUE, 3.0},
      {v1::ALERT_STATE_CLEARED, v1::FLOOD_LEVEL_NONE, 2.5},
  };
  const auto levels = FloodOfKind(events, v1::FloodAlert::KIND_LEVEL);
  REQUIRE(levels.size() == std::size(expected));
  std::int64_t previous_capture_ns = 0;
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const v1::FloodAlert& alert = levels[i].event.flood_alert();
    INFO("flood event " << i << ": " << alert.detail());
    CHECK(alert.state() == expected[i].state);
    CHECK(alert.level() == expected[i].level);
    CHECK(alert.threshold_m() == Approx(expected[i].threshold_m));
    if (alert.state() == v1::ALERT_STATE_RAISED) {
      CHECK(alert.water_level_m() >= alert.threshold_m());
    } else {
      CHECK(alert.water_level_m() < alert.threshold_m());
    }
    CHECK(levels[i].event.priority() == v1::PRIORITY_CLASS_ALARM);
    CHECK(levels[i].topic.ends_with("/events/alarm"));
    // Seq order is capture order: the storm is told as it happened.
    CHECK(levels[i].event.capture_time().wall_unix_ns() > previous_capture_ns);
    previous_capture_ns = levels[i].event.capture_time().wall_unix_ns();
  }
  // The rate-of-rise early warning comes before the first level.
  const auto rises = FloodOfKind(events, v1::FloodAlert::KIND_RATE_OF_RISE);
  REQUIRE_FALSE(rises.empty());
  CHECK(rises.front().event.flood_alert().state() == v1::ALERT_STATE_RAISED);
  CHECK(rises.front().event.seq() < levels.front().event.seq());
  CHECK(FloodOfKind(events, v1::FloodAlert::KIND_SENSOR_FAULT).empty());
}

// Millimetres in the rain gauge's file: its tips of a 0.2 mm bucket.
double FileRainMm(const std::string& csv_path) {
  std::ifstream in(csv_path);
  double tips = 0;
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string stamp, channel, value;
    std::getline(row, stamp, ',');
    std::getline(row, channel, ',');
    std::getline(row, value, ',');
    if (channel == "rain_tips") tips += std::stod(value);
  }
  return tips * 0.2;
}

// The rain band raises blue, yellow, orange and red in that order, all
// before the river reaches its first flood warning and the first an hour or
// more before it; once the rain has stopped every signal is lifted. The
// summaries' 24 h total at the end of the day is all the rain in the file.
void CheckRainfall(const std::vector<ReceivedEvent>& events, const std::string& rain_csv) {
  const auto alerts = From(events, "rain1/rainstorm", v1::Event::kRainstormAlert);
  std::vector<ReceivedEvent> raised;
  for (const ReceivedEvent& r : alerts) {
    const v1::RainstormAlert& a = r.event.rainstorm_alert();
    INFO("rainstorm event seq " << r.event.seq() << ": " << a.detail());
    CHECK(a.kind() == v1::RainstormAlert::KIND_SIGNAL);  // no gauge fault
    CHECK(r.event.priority() == v1::PRIORITY_CLASS_ALARM);
    CHECK(r.topic.ends_with("/events/alarm"));
    if (a.state() == v1::ALERT_STATE_RAISED) raised.push_back(r);
  }
  REQUIRE(raised.size() == 4);
  const v1::RainstormSignal order[] = {v1::RAINSTORM_SIGNAL_BLUE, v1::RAINSTORM_SIGNAL_YELLOW,
                                       v1::RAINSTORM_SIGNAL_ORANGE, v1::RAINSTORM_SIGNAL_RED};
  for (std::size_t i = 0; i < raised.size(); ++i) {
    const v1::RainstormAlert& a = raised[i].event.rainstorm_alert();
    INFO("raised " << i << ": " << a.detail());
    CHECK(a.signal() == order[i]);
    CHECK(a.previous_signal() == (i == 0 ? v1::RAINSTORM_SIGNAL_NONE : order[i - 1]));
  }
  const auto levels = FloodOfKind(events, v1::FloodAlert::KIND_LEVEL);
  REQUIRE_FALSE(levels.empty());
  const std::int64_t river_first_ns = levels.front().event.capture_time().wall_unix_ns();
  const std::int64_t hour_ns = 3600LL * 1'000'000'000LL;
  CHECK(raised.front().event.capture_time().wall_unix_ns() <= river_first_ns - hour_ns);
  CHECK(raised.back().event.capture_time().wall_unix_ns() < river_first_ns);
  CHECK(raised.back().event.seq() < levels.front().event.seq());
  const v1::RainstormAlert& last = alerts.back().event.rainstorm_alert();
  CHECK(last.state() == v1::ALERT_STATE_CLEARED);
  CHECK(last.signal() == v1::RAINSTORM_SIGNAL_NONE);

  const auto summaries = From(events, "rain1/rainstorm", v1::Event::kRainfallSummary);
  REQUIRE(summaries.size() >= 47);  // every 30 minutes of the day
  for (const ReceivedEvent& r : summaries) {
    CHECK(r.event.priority() == v1::PRIORITY_CLASS_TELEMETRY);
    CHECK(r.topic.ends_with("/events/telemetry"));
  }
  const v1::RainfallSummary& end = summaries.back().event.rainfall_summary();
  CHECK(end.totals().last_24h_mm() == Approx(FileRainMm(rain_csv)));
  CHECK(end.signal() == v1::RAINSTORM_SIGNAL_NONE);
  CHECK_FALSE(end.sensor_fault());
}

void CheckAirQuality(const std::vector<ReceivedEvent>& events) {
  const auto indices = From(events, "aq1/aqi_hourly", v1::Event::kAirQuality);
  // One index per closed local hour; the day's last hour never closes.
  REQUIRE(indices.size() == 23);
  std::size_t peak = 0;
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const v1::AirQuality& aq = indices[i].event.air_quality();
    INFO("hour " << i << ": AQI " << aq.aqi() << " level " << aq.level());
    CHECK(aq.standard() == v1::AirQuality::STANDARD_HJ_633_2012);
    CHECK(aq.mode() == v1::AirQuality::MODE_HOURLY);
    CHECK((aq.aqi() > 50) == (aq.primary_pollutants_size() > 0));
    // alarm_level 4: moderately polluted (HJ 633 level 4) and worse are alarms.
    const bool alarm = aq.level() >= 4;
    CHECK(indices[i].event.priority() ==
          (alarm ? v1::PRIORITY_CLASS_ALARM : v1::PRIORITY_CLASS_DETECTION));
    CHECK(indices[i].topic.ends_with(alarm ? "/events/alarm" : "/events/detection"));
    if (aq.aqi() > indices[peak].event.air_quality().aqi()) peak = i;
  }
  // The morning haze: the index climbs level by level to its peak, and PM2.5
  // is what drives it.
  std::vector<std::uint32_t> climb;
  for (std::size_t i = 0; i <= peak; ++i) {
    const v1::AirQuality& aq = indices[i].event.air_quality();
    if (climb.empty() || climb.back() != aq.level()) climb.push_back(aq.level());
    if (aq.aqi() > 50) {
      INFO("hour " << i << ": AQI " << aq.aqi());
      CHECK(std::find(aq.primary_pollutants().begin(), aq.primary_pollutants().end(), "pm2_5") !=
            aq.primary_pollutants().end());
    }
  }
  CHECK(climb == std::vector<std::uint32_t>{1, 2, 3, 4, 5});
  const v1::AirQuality& worst = indices[peak].event.air_quality();
  CHECK(worst.category_en() == "Heavily polluted");
  CHECK(std::find(worst.over_standard().begin(), worst.over_standard().end(), "pm2_5") !=
        worst.over_standard().end());
  // The rain band washes the air clean by evening.
  CHECK(indices.back().event.air_quality().level() <= 2);
}

void CheckPm25Threshold(const std::vector<ReceivedEvent>& events) {
  const auto alerts = From(events, "aq1/pm25_high", v1::Event::kThresholdAlert);
  REQUIRE(alerts.size() >= 2);
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    const v1::ThresholdAlert& a = alerts[i].event.threshold_alert();
    INFO("threshold event " << i << ": value " << a.value());
    CHECK(a.kind() == v1::ThresholdAlert::KIND_HIGH);
    CHECK(a.channel() == "pm2_5");
    CHECK(a.limit() == Approx(115));
    CHECK(alerts[i].event.priority() == v1::PRIORITY_CLASS_ALARM);
    CHECK(alerts[i].topic.ends_with("/events/alarm"));
    // Raised and cleared alternate, starting with a raise.
    const bool raise = i % 2 == 0;
    CHECK(a.state() == (raise ? v1::ALERT_STATE_RAISED : v1::ALERT_STATE_CLEARED));
    if (raise) {
      CHECK(a.value() > 115);
    } else {
      CHECK(a.value() <= 105);  // high - hysteresis
    }
  }
  CHECK(alerts.back().event.threshold_alert().state() == v1::ALERT_STATE_CLEARED);
}

TEST_CASE("The demo day: replay -> pipelines -> journal -> mosquitto -> platform") {
  TempDir dir;
  const std::string python = EnvOr("CITYEDGE_PYTHON", "/usr/bin/python3");
  const std::string source = EnvOr("CITYEDGE_SOURCE_DIR", ".");
  auto make_day =
      Process::Spawn({python, source + "/scripts/make-demo-day.py", "-o", dir.path()}, false);
  REQUIRE(make_day.has_value());
  REQUIRE(make_day->Wait(std::chrono::seconds(60)) == 0);

  auto broker = Mosquitto::Start(dir.path(), {});
  REQUIRE(broker.has_value());
  const std::string dump = dir.path() + "/platform.jsonl";
  auto platform =
      PlatformSubscriber::Start({"--port", std::to_string((*broker)->port()), "--gateway", kGateway,
                                 "--timeout", "600", "--dump", dump});
  REQUIRE(platform.has_value());
  REQUIRE(platform->WaitSubscribed(1, std::chrono::seconds(20)));

  auto gateway = Gateway::Start(dir.path(), DemoConfig((*broker)->uri()));
  REQUIRE(gateway.has_value());
  DumpReader reader(dump);
  if (!PollUntil(
          reader, [&] { return DayDelivered(reader); }, kDayTimeout)) {
    FAIL("the day was not delivered; " << reader.Distinct().size()
                                       << " distinct events; cityedged log:\n"
                                       << gateway->LogTail());
  }

  // What the platform holds at this point, once deduplicated on seq.
  const std::vector<ReceivedEvent> events = reader.Distinct();
  INFO(events.size() << " distinct events, " << reader.received().size() << " received");
  CHECK(UnaccountedSeqs(events).empty());
  CHECK(std::none_of(events.begin(), events.end(),
                     [](const ReceivedEvent& r) { return r.event.has_gap_record(); }));
  CheckTopics(reader.received());
  CheckFlood(events);
  CheckRainfall(events, dir.path() + "/rain-gauge.csv");
  CheckAirQuality(events);
  CheckPm25Threshold(events);

  // Published raw readings all arrived; unpublished ones never left the box.
  CHECK(From(events, "aq1", v1::Event::kReading).size() ==
        DataRows(dir.path() + "/air-quality.csv"));
  CHECK(From(events, "noise1", v1::Event::kReading).empty());
  CHECK(From(events, "river1", v1::Event::kReading).empty());
  CHECK(From(events, "rain1", v1::Event::kReading).empty());
  const auto river_rbe = From(events, "river1/river_rbe", v1::Event::kReading);
  CHECK_FALSE(river_rbe.empty());
  CHECK(river_rbe.size() < DataRows(dir.path() + "/river-level.csv"));
  // 15-minute windows of the day; the last one closes a minute after its
  // input fell silent, so it may not be in yet.
  CHECK(From(events, "noise1/kerb_noise", v1::Event::kNoiseLevel).size() >= 95);

  REQUIRE(gateway->Stop(std::chrono::seconds(15)) == 0);
  // A clean shutdown leaves the retained offline state.
  CHECK(PollUntil(
      reader,
      [&] {
        return std::any_of(reader.states().begin(), reader.states().end(), [](const auto& s) {
          return s.status() == v1::GatewayState::STATUS_OFFLINE;
        });
      },
      std::chrono::seconds(15)));
  auto summary = platform->Stop(std::chrono::seconds(15));
  REQUIRE(summary.has_value());
  CHECK(summary->decode_errors == 0);
  INFO(summary->json);
  CHECK(summary->image_payloads == 0);  // no pixels left the box
}

}  // namespace
}  // namespace cityedge::testing::e2e
