// SPDX-License-Identifier: Apache-2.0
// A thermal scanner end to end: scripts/make-thermal-sequence.py writes a
// drifting radiometric sequence (five people, one febrile, a blackbody), the
// real cityedged plays it through the thermal driver into fever_screen, and
// the independent Python platform subscriber receives exactly one elevated
// skin temperature alert, on the alarm topic. No pixels leave the box unless
// evidence images are enabled, and then exactly the alert's pixelated JPEG.
#include <algorithm>

#include <catch2/catch.hpp>

#include "tests/integration/pipelines_e2e/e2e_support.hpp"
#include "tests/integration/support/mosquitto.hpp"
#include "tests/integration/support/platform.hpp"

namespace cityedge::testing::e2e {
namespace {

constexpr const char* kGateway = "gate-gw-01";

std::string Config(const std::string& broker_uri, bool evidence) {
  return R"yaml(gateway:
  id: gate-gw-01
  site: "Station gate (test)"
journal:
  path: journal.db
uplink:
  brokers: [")yaml" +
         broker_uri + R"yaml("]
  topic_prefix: cityedge
  first_connect_delay_max: 0s
  linger: 50ms
drivers:
  - id: ir1
    type: thermal
    publish: false
    settings:
      source: pgm
      path: thermal
      fps: 10
pipelines:
  - id: gate_screen
    type: fever_screen
    inputs: [ir1]
    settings:
      blackbody_x: 137
      blackbody_y: 7
      blackbody_width: 14
      blackbody_height: 14
      blackbody_c: 35.0
      blackbody_max_drift: 5    # the sequence compresses its drift into 24 s
      evidence_image: )yaml" +
         std::string(evidence ? "true" : "false") + "\n";
}

bool Finished(const std::vector<ReceivedEvent>& events) {
  return std::any_of(events.begin(), events.end(), [](const ReceivedEvent& r) {
    const v1::DriverStatus& s = r.event.driver_status();
    return r.event.has_driver_status() && s.instance() == "ir1" &&
           s.state() == v1::COMPONENT_STATE_STOPPED && s.reason().starts_with("finished");
  });
}

TEST_CASE("Thermal sequence -> fever_screen -> journal -> mosquitto -> platform: one alert") {
  const bool evidence = GENERATE(false, true);
  INFO("evidence_image: " << evidence);
  TempDir dir;
  const std::string python = EnvOr("CITYEDGE_PYTHON", "/usr/bin/python3");
  const std::string source = EnvOr("CITYEDGE_SOURCE_DIR", ".");
  auto generate = Process::Spawn(
      {python, source + "/scripts/make-thermal-sequence.py", "-o", dir.path() + "/thermal"}, false);
  REQUIRE(generate.has_value());
  REQUIRE(generate->Wait(std::chrono::seconds(120)) == 0);

  auto broker = Mosquitto::Start(dir.path(), {});
  REQUIRE(broker.has_value());
  const std::string dump = dir.path() + "/platform.jsonl";
  auto platform =
      PlatformSubscriber::Start({"--port", std::to_string((*broker)->port()), "--gateway", kGateway,
                                 "--timeout", "300", "--dump", dump});
  REQUIRE(platform.has_value());
  REQUIRE(platform->WaitSubscribed(1, std::chrono::seconds(20)));

  auto gateway = Gateway::Start(dir.path(), Config((*broker)->uri(), evidence));
  REQUIRE(gateway.has_value());
  DumpReader reader(dump);
  if (!PollUntil(
          reader,
          [&] {
            const auto events = reader.Distinct();
            return Finished(events) && UnaccountedSeqs(events).empty();
          },
          std::chrono::minutes(2))) {
    FAIL("the sequence did not finish; cityedged log:\n" << gateway->LogTail());
  }
  const std::vector<ReceivedEvent> events = reader.Distinct();
  std::vector<ReceivedEvent> alerts;
  std::copy_if(events.begin(), events.end(), std::back_inserter(alerts),
               [](const ReceivedEvent& r) { return r.event.has_fever_alert(); });
  INFO("cityedged log:\n" << gateway->LogTail());
  REQUIRE(alerts.size() == 1);
  const v1::Event& e = alerts[0].event;
  CHECK(e.source() == "ir1/gate_screen");
  CHECK(e.priority() == v1::PRIORITY_CLASS_ALARM);
  CHECK(alerts[0].topic == std::string("cityedge/") + kGateway + "/events/alarm");
  const v1::FeverAlert& a = e.fever_alert();
  CHECK(a.corrected_c() == Approx(38.5).margin(0.3));  // 38.2 skin, canthus +0.3
  CHECK(a.measured_c() > a.corrected_c());             // drifted sensor, corrected
  CHECK(a.threshold_c() == Approx(37.3));
  CHECK(a.reference_c() == Approx(35.0));
  CHECK_THAT(a.statement(), Catch::Contains("elevated skin temperature"));
  if (evidence) {
    CHECK(a.evidence_jpeg().starts_with("\xFF\xD8\xFF"));
  } else {
    CHECK(a.evidence_jpeg().empty());
  }
  // The birth message states what may leave the box.
  const auto birth =
      std::find_if(reader.states().begin(), reader.states().end(),
                   [](const auto& s) { return s.status() == v1::GatewayState::STATUS_ONLINE; });
  REQUIRE(birth != reader.states().end());
  CHECK_THAT(birth->egress_policy(),
             Catch::StartsWith("metadata-only; snapshots on request, pixelated"));
  CHECK((birth->egress_policy().find("fever alerts carry a pixelated image") !=
         std::string::npos) == evidence);
  // Screening came online and was never suspended.
  std::vector<v1::DriverStatus> screen;
  for (const ReceivedEvent& r : events) {
    if (r.event.has_driver_status() && r.event.driver_status().instance() == "gate_screen") {
      screen.push_back(r.event.driver_status());
    }
  }
  REQUIRE_FALSE(screen.empty());
  CHECK(std::all_of(screen.begin(), screen.end(), [](const v1::DriverStatus& s) {
    return s.state() == v1::COMPONENT_STATE_ONLINE;
  }));
  // Frames and the unpublished driver's readings never left the box.
  CHECK(std::none_of(events.begin(), events.end(), [](const ReceivedEvent& r) {
    return r.event.has_reading() && r.event.source() == "ir1";
  }));

  REQUIRE(gateway->Stop(std::chrono::seconds(15)) == 0);
  auto summary = platform->Stop(std::chrono::seconds(15));
  REQUIRE(summary.has_value());
  CHECK(summary->decode_errors == 0);
  INFO(summary->json);
  // No pixels left the box, but for the evidence image when it was enabled;
  // the subscriber's scan of every payload finds exactly that one.
  CHECK(summary->image_payloads == (evidence ? 1u : 0u));
}

}  // namespace
}  // namespace cityedge::testing::e2e
