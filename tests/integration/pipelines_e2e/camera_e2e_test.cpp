// SPDX-License-Identifier: Apache-2.0
// Cameras end to end: the real cityedged plays OpenCV's vtest.avi through the
// camera driver into people_count and crowd_density, and the independent
// platform subscriber receives counts, crowd levels, camera status and
// metrics over a real mosquitto. Every payload that arrives is scanned: no
// event carries image data (no bytes field beyond a 16-byte boot id, no
// JPEG/PNG signature, no payload of image size).
#include <algorithm>

#include <catch2/catch.hpp>

#include "tests/integration/pipelines_e2e/e2e_support.hpp"
#include "tests/integration/support/mosquitto.hpp"
#include "tests/integration/support/platform.hpp"

namespace cityedge::testing::e2e {
namespace {

constexpr const char* kGateway = "camera-gw-01";

std::string Config(const std::string& broker_uri, const std::string& video) {
  return "gateway:\n  id: " + std::string(kGateway) +
         "\n"
         "journal:\n  path: journal.db\n"
         "uplink:\n  brokers: [\"" +
         broker_uri +
         "\"]\n  topic_prefix: cityedge\n  first_connect_delay_max: 0s\n  linger: 50ms\n"
         "drivers:\n"
         "  - id: cam1\n    type: camera\n    publish: true\n    settings:\n"
         "      source: " +
         video +
         "\n      loop: true\n      pace: realtime\n      metrics_interval: 2s\n"
         "pipelines:\n"
         "  - id: people\n    type: people_count\n    inputs: [cam1]\n    settings:\n"
         "      interval: 2s\n      lines: [{name: crossing, from: [0.5, 0], to: [0.5, 1]}]\n"
         "      zones: [{name: road, polygon: [[0, 0.2], [1, 0.2], [1, 0.8], [0, 0.8]]}]\n"
         "  - id: crowd\n    type: crowd_density\n    inputs: [cam1]\n    settings:\n"
         "      interval: 2s\n";
}

std::size_t LargestBytes(const google::protobuf::Message& message) {
  namespace pb = google::protobuf;
  std::size_t largest = 0;
  const pb::Reflection* r = message.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  for (const pb::FieldDescriptor* f : fields) {
    const int n = f->is_repeated() ? r->FieldSize(message, f) : 1;
    for (int i = 0; i < n; ++i) {
      if (f->type() == pb::FieldDescriptor::TYPE_BYTES) {
        largest = std::max(largest, f->is_repeated() ? r->GetRepeatedString(message, f, i).size()
                                                     : r->GetString(message, f).size());
      } else if (f->type() == pb::FieldDescriptor::TYPE_MESSAGE) {
        largest =
            std::max(largest, LargestBytes(f->is_repeated() ? r->GetRepeatedMessage(message, f, i)
                                                            : r->GetMessage(message, f)));
      }
    }
  }
  return largest;
}

bool LooksLikeImage(const std::string& bytes) {
  return bytes.find("\xFF\xD8\xFF") != std::string::npos ||
         bytes.find("\x89PNG") != std::string::npos;
}

std::size_t Count(const std::vector<ReceivedEvent>& events, v1::Event::BodyCase body) {
  return static_cast<std::size_t>(std::count_if(
      events.begin(), events.end(), [&](const auto& r) { return r.event.body_case() == body; }));
}

TEST_CASE("Camera -> people_count and crowd_density -> platform, and no pixels in any payload") {
  TempDir dir;
  const std::string video = EnvOr("CITYEDGE_MEDIA_DIR", ".") + "/vtest.avi";
  auto broker = Mosquitto::Start(dir.path(), {});
  REQUIRE(broker.has_value());
  const std::string dump = dir.path() + "/platform.jsonl";
  auto platform =
      PlatformSubscriber::Start({"--port", std::to_string((*broker)->port()), "--gateway", kGateway,
                                 "--timeout", "300", "--dump", dump});
  REQUIRE(platform.has_value());
  REQUIRE(platform->WaitSubscribed(1, std::chrono::seconds(20)));
  auto gateway = Gateway::Start(dir.path(), Config((*broker)->uri(), video));
  REQUIRE(gateway.has_value());

  DumpReader reader(dump);
  const auto enough = [&] {
    const auto events = reader.Distinct();
    return Count(events, v1::Event::kPeopleCount) >= 3 &&
           Count(events, v1::Event::kCrowdDensity) >= 3 && Count(events, v1::Event::kReading) >= 4;
  };
  if (!PollUntil(reader, enough, std::chrono::seconds(90))) {
    FAIL("not enough camera events; cityedged log:\n" << gateway->LogTail());
  }
  REQUIRE(gateway->Stop(std::chrono::seconds(15)) == 0);
  (void)reader.Poll();

  const std::vector<ReceivedEvent> events = reader.Distinct();
  std::uint32_t most_people = 0;
  bool online = false;
  for (const ReceivedEvent& r : reader.received()) {
    INFO("seq " << r.event.seq() << " " << r.event.ShortDebugString());
    std::string payload;
    REQUIRE(r.event.SerializeToString(&payload));
    CHECK(LargestBytes(r.event) <= 16);
    CHECK_FALSE(LooksLikeImage(payload));
    CHECK(payload.size() < 2048);
    if (r.event.has_people_count()) {
      CHECK(r.event.source() == "cam1/people");
      CHECK(r.event.people_count().lines_size() == 1);
      CHECK(r.event.people_count().zones_size() == 1);
      most_people = std::max(most_people, r.event.people_count().count());
    }
    if (r.event.has_driver_status() && r.event.driver_status().instance() == "cam1" &&
        r.event.driver_status().state() == v1::COMPONENT_STATE_ONLINE) {
      online = online || r.event.driver_status().reason().starts_with("streaming ");
    }
  }
  CHECK(online);
  CHECK(most_people >= 2);  // vtest.avi shows several people at any time
  for (const v1::GatewayState& state : reader.states()) {
    std::string payload;
    REQUIRE(state.SerializeToString(&payload));
    CHECK_FALSE(LooksLikeImage(payload));
  }
  auto summary = platform->Stop(std::chrono::seconds(15));
  REQUIRE(summary.has_value());
  CHECK(summary->decode_errors == 0);
  INFO(summary->json);
  CHECK(summary->image_payloads == 0);  // no pixels left the box
}

}  // namespace
}  // namespace cityedge::testing::e2e
