// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "daemon/config/defaults.hpp"
#include "daemon/uplink/uplink.hpp"
#include "daemon/uplink/uplink_settings.hpp"
#include "tests/fakes/journal.hpp"
#include "tests/fakes/transport.hpp"
#include "tests/support/process.hpp"

namespace cityedge::uplink {
namespace {

using ::cityedge::testing::TempDir;
using fakes::FakeBroker;
using fakes::FakeJournal;
using fakes::FakeTransport;
using fakes::Published;

// Polls `done` every 5 ms for up to `timeout`; bounded, never asserts time.
bool Eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

v1::Config TestConfig() {
  v1::Config config = config::WithDefaults(v1::Config());
  config.mutable_gateway()->set_id("gw1");
  v1::UplinkConfig* uplink = config.mutable_uplink();
  uplink->add_brokers("tcp://a:1883");
  uplink->set_topic_prefix("city");
  uplink->set_max_batch_events(10);
  uplink->set_linger_ms(5);
  uplink->set_inflight_window(4);
  uplink->set_backoff_initial_ms(10);
  uplink->set_backoff_max_ms(50);
  uplink->set_first_connect_delay_max_ms(0);
  uplink->set_reject_retries(2);
  uplink->set_stable_after_ms(0);
  return config;
}

struct Harness {
  explicit Harness(const v1::Config& config = TestConfig()) {
    auto created = Uplink::CreateWithTransportForTest(
        config, journal, clock::Default(), dir.path(),
        [] {
          v1::GatewayState state;
          state.set_software_version("test");
          return state;
        },
        std::make_unique<FakeTransport>(broker));
    REQUIRE(created.has_value());
    uplink = std::move(*created);
  }
  std::vector<v1::EventBatch> Batches(const std::string& topic_class = "") {
    std::vector<v1::EventBatch> out;
    for (const Published& p : broker->Snapshot()) {
      if (p.message.topic.find("/events/" + topic_class) == std::string::npos) continue;
      v1::EventBatch batch;
      REQUIRE(batch.ParseFromString(p.message.payload));
      out.push_back(batch);
    }
    return out;
  }
  std::vector<v1::GatewayState> States() {
    std::vector<v1::GatewayState> out;
    for (const Published& p : broker->Snapshot()) {
      if (p.message.topic != "city/gw1/state") continue;
      CHECK(p.message.retain);
      v1::GatewayState state;
      REQUIRE(state.ParseFromString(p.message.payload));
      out.push_back(state);
    }
    return out;
  }
  TempDir dir;
  FakeJournal journal;
  std::shared_ptr<FakeBroker> broker = std::make_shared<FakeBroker>();
  std::unique_ptr<Uplink> uplink;
};

TEST_CASE("Every journaled event is published in class batches and acked") {
  Harness h;
  h.journal.AddEvents(v1::PRIORITY_CLASS_TELEMETRY, 25);
  h.journal.AddEvents(v1::PRIORITY_CLASS_ALARM, 3);
  REQUIRE(h.uplink->Start());
  h.journal.AddEvents(v1::PRIORITY_CLASS_TELEMETRY, 7);
  REQUIRE(Eventually([&] { return h.journal.acked().size() == 35; }));
  std::set<std::uint64_t> seen;
  for (const v1::EventBatch& batch : h.Batches()) {
    CHECK(batch.gateway_id() == "gw1");
    CHECK(batch.schema_version() == 1);
    CHECK(batch.session_seq() == 1);
    CHECK(batch.events_size() <= 10);
    for (const v1::Event& event : batch.events()) seen.insert(event.seq());
  }
  CHECK(seen.size() == 35);
  for (const v1::EventBatch& batch : h.Batches("alarm")) {
    for (const v1::Event& event : batch.events())
      CHECK(event.priority() == v1::PRIORITY_CLASS_ALARM);
  }
  const UplinkStats stats = h.uplink->GetStats();
  CHECK(stats.connected);
  CHECK(stats.events_acked == 35);
  CHECK(stats.session_seq == 1);
}

TEST_CASE("Rows committed before the connect go as historical backlog, later ones live") {
  v1::Config config = TestConfig();
  config.mutable_uplink()->set_drain_rate(20);  // slow: backlog is still draining
  Harness h(config);
  h.journal.AddEvents(v1::PRIORITY_CLASS_TELEMETRY, 60);
  REQUIRE(h.uplink->Start());
  REQUIRE(Eventually([&] { return !h.Batches().empty(); }));
  h.journal.AddEvents(v1::PRIORITY_CLASS_TELEMETRY, 5);
  REQUIRE(Eventually([&] {
    for (const auto& batch : h.Batches()) {
      if (!batch.historical()) return true;
    }
    return false;
  }));
  std::uint64_t live_events = 0;
  for (const auto& batch : h.Batches()) {
    for (const auto& event : batch.events()) CHECK(batch.historical() == (event.seq() <= 60));
    if (!batch.historical()) live_events += batch.events_size();
  }
  CHECK(live_events == 5);
  // The live rows overtook backlog that was still queued.
  CHECK(h.journal.acked().size() < 65);
}

TEST_CASE("A live alarm goes at once, ahead of a large backlog, while telemetry lingers") {
  v1::Config config = TestConfig();
  config.mutable_uplink()->set_linger_ms(60000);  // far beyond the wait below
  config.mutable_uplink()->set_drain_rate(20);    // the backlog drains for minutes
  Harness h(config);
  h.journal.AddEvents(v1::PRIORITY_CLASS_TELEMETRY, 5000);
  REQUIRE(h.uplink->Start());
  REQUIRE(Eventually([&] { return !h.Batches().empty(); }));
  h.journal.AddEvents(v1::PRIORITY_CLASS_TELEMETRY, 1);
  h.journal.AddEvents(v1::PRIORITY_CLASS_ALARM, 1);
  REQUIRE(Eventually([&] { return !h.Batches("alarm").empty(); }));
  const std::vector<v1::EventBatch> alarms = h.Batches("alarm");
  REQUIRE(alarms.size() == 1);
  CHECK_FALSE(alarms[0].historical());
  REQUIRE(alarms[0].events_size() == 1);
  CHECK(alarms[0].events(0).seq() == 5002);
  // The backlog is still draining: the alarm went ahead of it.
  CHECK(h.journal.queued() > 4000);
}

TEST_CASE("No more batches are outstanding than the window; backlog leaves a slot for live") {
  Harness h;
  h.broker->auto_ack = false;
  h.journal.AddEvents(v1::PRIORITY_CLASS_TELEMETRY, 100);
  REQUIRE(h.uplink->Start());
  // Window 4: backlog may hold 3, so a live alarm never waits for backlog.
  REQUIRE(Eventually([&] { return h.Batches().size() == 3; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(h.Batches().size() == 3);
  h.journal.AddEvents(v1::PRIORITY_CLASS_ALARM, 1);
  REQUIRE(Eventually([&] { return h.Batches("alarm").size() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(h.Batches().size() == 4);
  for (int i = 0; i < 100 && h.journal.acked().size() < 101; ++i) {
    h.broker->AckHeld();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(h.journal.acked().size() == 101);
}

TEST_CASE("A refused batch is retried, then dead-lettered without blocking other classes") {
  Harness h;
  h.broker->refuse_topic["city/gw1/events/alarm"] = 0x87;
  h.journal.AddEvents(v1::PRIORITY_CLASS_ALARM, 2);
  h.journal.AddEvents(v1::PRIORITY_CLASS_TELEMETRY, 30);
  REQUIRE(h.uplink->Start());
  REQUIRE(Eventually([&] { return h.journal.dead().size() == 2; }));
  REQUIRE(Eventually([&] { return h.journal.acked().size() == 30; }));
  CHECK(h.Batches("alarm").size() == 3);  // first try and two retries
  CHECK(h.journal.last_dead_letter_detail().find("0x87") != std::string::npos);
  const UplinkStats stats = h.uplink->GetStats();
  CHECK(stats.batches_refused == 3);
  CHECK(stats.events_dead_lettered == 2);
}

TEST_CASE("A lost connection releases leases; the next session has the next seq") {
  Harness h;
  h.broker->auto_ack = false;
  h.journal.AddEvents(v1::PRIORITY_CLASS_TELEMETRY, 20);
  REQUIRE(h.uplink->Start());
  REQUIRE(Eventually([&] { return h.Batches().size() >= 2; }));
  h.broker->Drop("socket closed");
  REQUIRE(Eventually([&] { return h.broker->connections == 2 && h.States().size() == 2; }));
  CHECK(h.journal.release_all_calls() >= 1);
  h.broker->auto_ack = true;
  for (int i = 0; i < 50 && h.journal.acked().size() < 20; ++i) {
    h.broker->AckHeld();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(h.journal.acked().size() == 20);
  const auto states = h.States();
  CHECK(states[0].session_seq() == 1);
  CHECK(states[1].session_seq() == 2);
  CHECK(states[1].status() == v1::GatewayState::STATUS_ONLINE);
  CHECK(states[1].software_version() == "test");
  // The will registered with each connect carries that session's seq.
  v1::GatewayState will;
  REQUIRE(will.ParseFromString(h.broker->wills.back().payload));
  CHECK(will.status() == v1::GatewayState::STATUS_OFFLINE);
  CHECK(will.session_seq() == 2);
  CHECK(h.uplink->GetStats().reconnects == 1);
}

TEST_CASE("The session seq survives a restart and a clean stop says offline") {
  TempDir dir;
  FakeJournal journal;
  for (std::uint64_t expected : {1, 2}) {
    auto broker = std::make_shared<FakeBroker>();
    auto uplink =
        Uplink::CreateWithTransportForTest(TestConfig(), journal, clock::Default(), dir.path(),
                                           nullptr, std::make_unique<FakeTransport>(broker));
    REQUIRE(uplink.has_value());
    REQUIRE((*uplink)->Start());
    REQUIRE(Eventually([&] { return (*uplink)->GetStats().connected; }));
    (*uplink)->Stop(std::chrono::milliseconds(1000));
    const auto published = broker->Snapshot();
    REQUIRE(published.size() >= 2);
    v1::GatewayState last;
    REQUIRE(last.ParseFromString(published.back().message.payload));
    CHECK(last.status() == v1::GatewayState::STATUS_OFFLINE);
    CHECK(last.offline_reason() == "clean shutdown");
    CHECK(last.session_seq() == expected);
  }
}

TEST_CASE("A broker that is down fails over to the next one and the error names it") {
  v1::Config config = TestConfig();
  config.mutable_uplink()->add_brokers("tcp://b:1883");
  Harness h(config);
  h.broker->down_uris.insert("tcp://a:1883");
  h.journal.AddEvents(v1::PRIORITY_CLASS_HEALTH, 3);
  REQUIRE(h.uplink->Start());
  REQUIRE(Eventually([&] { return h.journal.acked().size() == 3; }));
  const UplinkStats stats = h.uplink->GetStats();
  CHECK(stats.broker == "tcp://b:1883");
  CHECK(stats.connect_failures >= 1);
  CHECK(stats.last_error.find("refused") != std::string::npos);
}

TEST_CASE("Batches stay below the broker's maximum packet size") {
  v1::Config config = TestConfig();
  config.mutable_uplink()->set_max_batch_events(100);
  Harness h(config);
  h.broker->limits.maximum_packet_size = 1200;
  h.journal.AddEvents(v1::PRIORITY_CLASS_TELEMETRY, 40, 100);
  REQUIRE(h.uplink->Start());
  REQUIRE(Eventually([&] { return h.journal.acked().size() == 40; }));
  for (const Published& p : h.broker->Snapshot()) {
    CHECK(p.message.payload.size() + p.message.topic.size() + 20 <= 1200);
  }
}

TEST_CASE("Commands reach the handler and replies go to the response topic") {
  Harness h;
  std::mutex mutex;
  std::vector<InboundCommand> commands;
  h.uplink->SetCommandHandler([&](InboundCommand command) {
    std::lock_guard lock(mutex);
    commands.push_back(std::move(command));
  });
  REQUIRE(h.uplink->Start());
  REQUIRE(Eventually([&] { return h.uplink->GetStats().connected; }));
  h.broker->listener->OnMessage(InboundMessage{"city/gw1/cmd", "signed", "platform/r/1", "c1"});
  h.broker->listener->OnMessage(InboundMessage{"city/other/cmd", "x", "", ""});
  std::lock_guard lock(mutex);
  REQUIRE(commands.size() == 1);
  CHECK(commands[0].payload == "signed");
  REQUIRE(h.uplink->PublishReply(commands[0], "reply-bytes"));
  REQUIRE(h.uplink->PublishReply(InboundCommand{"x", "", ""}, "r2"));
  const auto published = h.broker->Snapshot();
  CHECK(published[published.size() - 2].message.topic == "platform/r/1");
  CHECK(published[published.size() - 2].message.correlation_data == "c1");
  CHECK(published.back().message.topic == "city/gw1/reply");
}

TEST_CASE("Bad uplink settings are reported together") {
  v1::Config config;
  config.mutable_uplink()->add_brokers("ssl://x:8883");
  config.mutable_uplink()->add_brokers("bogus");
  config.mutable_uplink()->set_mqtt_version("4");
  FakeJournal journal;
  TempDir dir;
  auto created = Uplink::Create(config, journal, clock::Default(), dir.path(), nullptr);
  REQUIRE_FALSE(created.has_value());
  const std::string& message = created.error().message();
  CHECK(message.find("gateway.id") != std::string::npos);
  CHECK(message.find("ca_file") != std::string::npos);
  CHECK(message.find("bogus") != std::string::npos);
  CHECK(message.find("mqtt_version") != std::string::npos);
}

TEST_CASE("A config built in code gets the uplink defaults of config.proto, none of its own") {
  v1::Config config;
  config.mutable_gateway()->set_id("gw1");
  config.mutable_uplink()->add_brokers("tcp://a:1883");
  TempDir dir;
  const auto settings = ValidateUplinkSettings(config::WithDefaults(config), dir.path());
  REQUIRE(settings.has_value());
  CHECK(settings->mqtt5);
  CHECK(settings->topic_prefix == "cityedge");
  CHECK(settings->keepalive_ms == 30000);
  CHECK(settings->connect_timeout_ms == 10000);
  CHECK(settings->max_batch_events == 500);
  CHECK(settings->max_batch_bytes == 256 * 1024);
  CHECK(settings->linger_ms == 50);
  CHECK(settings->inflight_window == 8);
  CHECK(settings->backoff_initial_ms == 1000);
  CHECK(settings->backoff_max_ms == 60000);
  CHECK(settings->stable_after_ms == 60000);
  CHECK(settings->first_connect_delay_max_ms == 10000);
  CHECK(settings->reject_retries == 3);
}

}  // namespace
}  // namespace cityedge::uplink
