// SPDX-License-Identifier: Apache-2.0
// The shared fakes keep the contracts the suites rely on.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/fakes/clock.hpp"
#include "tests/fakes/driver_host.hpp"
#include "tests/fakes/event_sink.hpp"
#include "tests/fakes/journal.hpp"
#include "tests/fakes/transport.hpp"

namespace cityedge::fakes {
namespace {

constexpr std::int64_t kSec = 1'000'000'000;

TEST_CASE("FakeClock: a manual clock moves only when told, each reading on its own") {
  FakeClock clock;
  CHECK(clock.WallNs() == kFakeWallNs);
  CHECK(clock.MonotonicNs() == kFakeMonotonicNs);
  CHECK(clock.boot_id() == kFakeBootId);
  CHECK(clock.Sync().state == v1::CLOCK_STATE_UNSYNCED);

  clock.Advance(5 * kSec);
  CHECK(clock.WallNs() == kFakeWallNs + 5 * kSec);
  CHECK(clock.MonotonicNs() == kFakeMonotonicNs + 5 * kSec);
  clock.AdvanceWall(-3 * kSec);  // stepped back by hand
  CHECK(clock.WallNs() == kFakeWallNs + 2 * kSec);
  CHECK(clock.MonotonicNs() == kFakeMonotonicNs + 5 * kSec);
  clock.AdvanceMonotonic(kSec);
  CHECK(clock.WallNs() == kFakeWallNs + 2 * kSec);
  CHECK(clock.MonotonicNs() == kFakeMonotonicNs + 6 * kSec);
  clock.SetWallNs(30 * kSec);
  clock.SetMonotonicNs(7);
  CHECK(clock.WallNs() == 30 * kSec);
  CHECK(clock.MonotonicNs() == 7);

  clock.SetSync({v1::CLOCK_STATE_NTP, 250});
  clock.SetBootId({0xb0, 0x07});
  const v1::Timestamp ts = clock.Now();
  CHECK(ts.wall_unix_ns() == 30 * kSec);
  CHECK(ts.monotonic_ns() == 7);
  CHECK(ts.clock_state() == v1::CLOCK_STATE_NTP);
  CHECK(ts.max_error_us() == 250);
  REQUIRE(ts.boot_id().size() == 16);
  CHECK(static_cast<std::uint8_t>(ts.boot_id()[0]) == 0xb0);
  CHECK(static_cast<std::uint8_t>(ts.boot_id()[1]) == 0x07);
  CHECK(ts.boot_id()[2] == 0);
}

TEST_CASE("FakeClock: starting readings are the test's") {
  const FakeClock clock({.wall_ns = 0, .monotonic_ns = 5 * kSec, .sync = {v1::CLOCK_STATE_RTC, 9}});
  CHECK(clock.WallNs() == 0);
  CHECK(clock.MonotonicNs() == 5 * kSec);
  CHECK(clock.boot_id() == kFakeBootId);
  CHECK(clock.Sync().state == v1::CLOCK_STATE_RTC);
  CHECK(clock.Sync().max_error_us == 9);
}

TEST_CASE("FakeClock: following the system, with a shifted or pinned wall clock") {
  FakeClock clock = FakeClock::FollowingSystem();
  const clock::Clock& system = clock::Default();
  CHECK(clock.boot_id() == system.boot_id());
  CHECK(clock.Sync().state == system.Sync().state);

  std::int64_t before = system.WallNs();
  std::int64_t reading = clock.WallNs();
  CHECK(reading >= before);
  CHECK(reading <= system.WallNs());
  before = system.MonotonicNs();
  reading = clock.MonotonicNs();
  CHECK(reading >= before);
  CHECK(reading <= system.MonotonicNs());

  // A day later on the wall clock only; monotonic time still the system's.
  constexpr std::int64_t kDay = 86'400 * kSec;
  clock.AdvanceWall(kDay);
  before = system.WallNs();
  reading = clock.WallNs();
  CHECK(reading >= before + kDay);
  CHECK(reading <= system.WallNs() + kDay);
  before = system.MonotonicNs();
  reading = clock.MonotonicNs();
  CHECK(reading >= before);
  CHECK(reading <= system.MonotonicNs());

  // Pinned at 1970 and unsynchronised; the rest still follows.
  clock.SetWallNs(10 * kSec);
  clock.SetSync({v1::CLOCK_STATE_UNSYNCED, 16'000'000});
  CHECK(clock.WallNs() == 10 * kSec);
  CHECK(clock.Sync().max_error_us == 16'000'000);
  CHECK(clock.MonotonicNs() >= before);
  clock.SetBootId({0xb0, 0x07});
  CHECK(clock.boot_id() != system.boot_id());
}

TEST_CASE("FakeClock: readings from other threads while the test moves it") {
  FakeClock clock({.wall_ns = 0, .monotonic_ns = 0});
  std::atomic<bool> backwards{false};
  std::thread reader([&] {
    std::int64_t last = 0;
    for (int i = 0; i < 10'000; ++i) {
      const std::int64_t now = clock.MonotonicNs();
      if (now < last) backwards = true;
      last = now;
      (void)clock.Now();
    }
  });
  for (int i = 0; i < 10'000; ++i) clock.Advance(1);
  reader.join();
  CHECK_FALSE(backwards);
  CHECK(clock.WallNs() == 10'000);
  CHECK(clock.MonotonicNs() == 10'000);
}

v1::Event Reading(const std::string& source, double value) {
  v1::Event e;
  e.set_source(source);
  e.mutable_reading()->set_value(value);
  return e;
}

v1::Event DriverStatus(const std::string& instance, v1::ComponentState state) {
  v1::Event e;
  e.set_source(instance);
  e.mutable_driver_status()->set_instance(instance);
  e.mutable_driver_status()->set_state(state);
  return e;
}

TEST_CASE("RecordingSink: keeps events in order, hands them over, filters them") {
  RecordingSink sink;
  REQUIRE(sink.Emit(Reading("a", 1)));
  REQUIRE(sink.Emit(DriverStatus("a", v1::COMPONENT_STATE_ONLINE)));
  REQUIRE(sink.Emit(Reading("b", 2)));
  REQUIRE(sink.Emit(Reading("a", 3)));
  CHECK(sink.size() == 4);
  const auto readings = sink.Readings("a");
  REQUIRE(readings.size() == 2);
  CHECK(readings[0].value() == 1);
  CHECK(readings[1].value() == 3);
  const auto statuses = sink.Statuses("a");
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].state() == v1::COMPONENT_STATE_ONLINE);
  CHECK(sink.Statuses("b").empty());

  const auto events = sink.Take();
  REQUIRE(events.size() == 4);
  CHECK(events[2].source() == "b");
  CHECK(sink.size() == 0);
  CHECK(sink.Events().empty());
}

TEST_CASE("RecordingSink: refuses events while told to fail, then accepts again") {
  RecordingSink sink;
  sink.FailWith(Error(Code::kFailedPrecondition, "journal closed"));
  const Status refused = sink.Emit(Reading("a", 1));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Code::kFailedPrecondition);
  CHECK(refused.error().message() == "journal closed");
  CHECK_FALSE(sink.Emit(Reading("a", 2)));
  CHECK(sink.refused() == 2);
  CHECK(sink.size() == 0);
  sink.Recover();
  CHECK(sink.Emit(Reading("a", 3)));
  REQUIRE(sink.size() == 1);
  CHECK(sink.Events()[0].reading().value() == 3);
}

TEST_CASE("RecordingSink: WaitFor wakes on events from other threads") {
  RecordingSink sink;
  std::atomic<bool> refused{false};
  std::thread emitter([&] {
    for (int i = 0; i < 100; ++i) {
      if (!sink.Emit(Reading("t", i))) refused = true;
    }
  });
  CHECK(sink.WaitFor([](const auto& events) { return events.size() == 100; }));
  emitter.join();
  CHECK_FALSE(refused);
  CHECK(sink.Events().back().reading().value() == 99);
  CHECK_FALSE(sink.WaitFor([](const auto& events) { return events.size() > 100; },
                           std::chrono::milliseconds(1)));
}

TEST_CASE("FakeJournal: seqs, leases by class and range, ack, release, dead letters") {
  FakeJournal journal;
  std::vector<std::uint64_t> committed;
  journal.SetCommitListener([&](std::uint64_t seq) { committed.push_back(seq); });
  journal.AddEvents(v1::PRIORITY_CLASS_TELEMETRY, 3);  // seqs 1-3
  journal.AddEvents(v1::PRIORITY_CLASS_ALARM, 2);      // 4-5
  CHECK(committed == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
  CHECK(journal.DurableSeq() == 5);
  CHECK(journal.DurableAlarmSeq() == 5);
  CHECK(journal.Flush(0));

  auto alarms = journal.Take({});
  REQUIRE(alarms.has_value());
  REQUIRE(alarms->has_value());
  CHECK((*alarms)->priority == v1::PRIORITY_CLASS_ALARM);
  REQUIRE((*alarms)->events.size() == 2);
  CHECK((*alarms)->events[0].seq == 4);
  v1::Event parsed;
  REQUIRE(parsed.ParseFromString((*alarms)->events[1].payload));
  CHECK(parsed.seq() == 5);

  journal::LeaseRequest two;
  two.max_events = 2;
  auto telemetry = journal.Take(two);
  REQUIRE(telemetry.has_value());
  REQUIRE(telemetry->has_value());
  CHECK((*telemetry)->priority == v1::PRIORITY_CLASS_TELEMETRY);
  REQUIRE((*telemetry)->events.size() == 2);
  CHECK((*telemetry)->events[0].seq == 1);
  journal::LeaseRequest live;
  live.after_seq = 2;
  auto rest = journal.Take(live);
  REQUIRE(rest.has_value());
  REQUIRE(rest->has_value());
  REQUIRE((*rest)->events.size() == 1);
  CHECK((*rest)->events[0].seq == 3);
  auto none = journal.Take({});
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());  // everything is leased

  REQUIRE(journal.Ack((*alarms)->id));
  CHECK(journal.acked() == std::set<std::uint64_t>{4, 5});
  CHECK_FALSE(journal.Ack((*alarms)->id));  // gone
  REQUIRE(journal.DeadLetter((*rest)->id, "payload too large"));
  CHECK(journal.dead() == std::set<std::uint64_t>{3});
  CHECK(journal.last_dead_letter_detail() == "payload too large");
  REQUIRE(journal.Release((*telemetry)->id));
  CHECK(journal.queued() == 2);
  const journal::Stats stats = journal.GetStats();
  CHECK(stats.queued_rows == 2);
  CHECK(stats.durable_seq == 5);
  CHECK(stats.dead_letter_rows == 1);

  auto again = journal.Take({});
  REQUIRE(again.has_value());
  REQUIRE(again->has_value());
  CHECK((*again)->events.size() == 2);
  journal.ReleaseAll();
  CHECK(journal.release_all_calls() == 1);
  auto held = journal.ReadRange(0, 1, 10);
  REQUIRE(held.has_value());
  REQUIRE(held->size() == 1);
  CHECK(held->front().seq == 1);
  auto all = journal.ReadRange(0, UINT64_MAX, 10);
  REQUIRE(all.has_value());
  CHECK(all->size() == 2);  // acked and dead rows are not kept
}

TEST_CASE("FakeJournal: ReadCaptured finds queued rows by capture time") {
  FakeJournal journal;
  for (int i = 1; i <= 5; ++i) {
    v1::Event e;
    e.mutable_capture_time()->set_wall_unix_ns(i * kSec);
    e.mutable_reading()->set_value(i);
    REQUIRE(journal.Emit(e));
  }
  auto found = journal.ReadCaptured(2 * kSec, 4 * kSec, 10);
  REQUIRE(found.has_value());
  REQUIRE(found->size() == 3);
  CHECK(found->front().seq == 2);
  CHECK(found->back().seq == 4);
  auto first = journal.ReadCaptured(0, 10 * kSec, 2);
  REQUIRE(first.has_value());
  REQUIRE(first->size() == 2);
  CHECK(first->back().seq == 2);
}

TEST_CASE("FakeJournal: closed, it refuses events") {
  FakeJournal journal;
  REQUIRE(journal.Emit(v1::Event()));
  journal.Close();
  const Status refused = journal.Emit(v1::Event());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Code::kFailedPrecondition);
  CHECK(journal.DurableSeq() == 1);
}

class ListenerLog final : public uplink::TransportListener {
 public:
  void OnPublishOutcome(const uplink::PublishOutcome& outcome) override {
    std::lock_guard lock(mu);
    outcomes.push_back(outcome);
  }
  void OnConnectionLost(const std::string& cause) override {
    std::lock_guard lock(mu);
    lost.push_back(cause);
  }
  void OnMessage(uplink::InboundMessage) override {}
  std::mutex mu;
  std::vector<uplink::PublishOutcome> outcomes;
  std::vector<std::string> lost;
};

uplink::OutboundMessage Message(const std::string& topic) {
  uplink::OutboundMessage m;
  m.topic = topic;
  m.payload = "p";
  return m;
}

TEST_CASE("FakeTransport: connects unless the broker is down, answers as scripted") {
  auto broker = std::make_shared<FakeBroker>();
  broker->down_uris.insert("tcp://down:1883");
  broker->limits.receive_maximum = 7;
  broker->refuse_topic["city/refused"] = 0x97;
  ListenerLog listener;
  FakeTransport transport(broker);
  transport.SetListener(&listener);

  CHECK_FALSE(transport.Publish(1, Message("city/a")));  // not connected yet
  uplink::ConnectParams params;
  params.uri = "tcp://down:1883";
  params.will = Message("city/state");
  const auto refused = transport.Connect(params);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message(), Catch::Contains("refused"));
  params.uri = "tcp://up:1883";
  const auto session = transport.Connect(params);
  REQUIRE(session.has_value());
  CHECK(session->uri == "tcp://up:1883");
  CHECK(session->receive_maximum == 7);
  CHECK(broker->connections == 1);
  CHECK(broker->connect_attempts == std::vector<std::string>{"tcp://down:1883", "tcp://up:1883"});
  REQUIRE(broker->wills.size() == 2);
  CHECK(broker->wills[1].topic == "city/state");

  REQUIRE(transport.Publish(1, Message("city/a")));
  REQUIRE(transport.Publish(2, Message("city/refused")));
  broker->auto_ack = false;
  REQUIRE(transport.Publish(3, Message("city/a")));
  REQUIRE(transport.PublishAndWait(Message("city/state"), 1000));
  {
    std::lock_guard lock(listener.mu);
    REQUIRE(listener.outcomes.size() == 2);
    CHECK(listener.outcomes[0].tag == 1);
    CHECK(listener.outcomes[0].reason_code == 0);
    CHECK(listener.outcomes[1].tag == 2);
    CHECK(listener.outcomes[1].reason_code == 0x97);
  }
  CHECK(broker->held == std::vector<std::uint64_t>{3});
  broker->AckHeld();
  {
    std::lock_guard lock(listener.mu);
    REQUIRE(listener.outcomes.size() == 3);
    CHECK(listener.outcomes[2].tag == 3);
    CHECK(listener.outcomes[2].acknowledged);
  }
  const auto published = broker->Snapshot();
  REQUIRE(published.size() == 4);
  CHECK(published[3].tag == 0);
  CHECK(published[3].connection == 1);

  REQUIRE(transport.Publish(4, Message("city/a")));
  broker->Drop("keepalive timeout");
  CHECK(broker->held.empty());
  {
    std::lock_guard lock(listener.mu);
    CHECK(listener.lost == std::vector<std::string>{"keepalive timeout"});
  }
  CHECK_FALSE(transport.Publish(5, Message("city/a")));
}

// A driver that does one of each thing a driver does, then sleeps until stopped.
namespace test_driver {

struct Instance {
  const ce_host_api* host;
  ce_host_context* ctx;
};
std::atomic<int> released{0};
std::atomic<int> destroyed{0};
const std::uint8_t kPixels[2 * 3] = {1, 2, 0xff, 3, 4, 0xff};  // 2x2 gray, stride 3

ce_driver_instance* OnCreate(const ce_host_api* host, ce_host_context* ctx,
                             const ce_driver_instance_config* config, char* error,
                             std::size_t error_size) {
  if (config->settings_count == 1 && std::strcmp(config->settings[0].key, "refuse") == 0) {
    std::snprintf(error, error_size, "refused: %s", config->settings[0].value);
    return nullptr;
  }
  return reinterpret_cast<ce_driver_instance*>(new Instance{host, ctx});
}

ce_driver_result OnStart(ce_driver_instance* instance, char*, std::size_t) {
  auto* self = reinterpret_cast<Instance*>(instance);
  self->host->report_health(self->ctx, CE_DRIVER_HEALTH_ONLINE, nullptr);
  self->host->log(self->ctx, CE_DRIVER_LOG_INFO, "started");
  ce_driver_reading reading{sizeof(reading), "t", 21.5, "degC", CE_DRIVER_QUALITY_GOOD, 0, 0};
  self->host->emit_reading(self->ctx, &reading);
  ce_driver_frame frame{sizeof(frame),
                        CE_DRIVER_PIXEL_GRAY8,
                        2,
                        2,
                        3,
                        kPixels,
                        0,
                        0,
                        [](void*, const void*) { ++released; },
                        nullptr};
  self->host->emit_frame(self->ctx, &frame);
  while (self->host->sleep_ms(self->ctx, 60'000) == 0) {
  }
  return self->host->should_stop(self->ctx) != 0 ? CE_DRIVER_OK : CE_DRIVER_FATAL;
}

void OnStop(ce_driver_instance*) {}
void OnDestroy(ce_driver_instance* instance) {
  ++destroyed;
  delete reinterpret_cast<Instance*>(instance);
}

const ce_driver_descriptor kDescriptor = [] {
  ce_driver_descriptor d{};
  d.struct_size = sizeof(d);
  d.abi_major = CE_DRIVER_ABI_MAJOR;
  d.abi_minor = CE_DRIVER_ABI_MINOR;
  d.name = "probe";
  d.version = "1.0.0";
  d.on_create = &OnCreate;
  d.on_start = &OnStart;
  d.on_stop = &OnStop;
  d.on_destroy = &OnDestroy;
  return d;
}();

}  // namespace test_driver

TEST_CASE("FakeDriverHost: records what a driver emits and stops it") {
  test_driver::released = 0;
  test_driver::destroyed = 0;
  FakeDriverHost host;
  CHECK(host.api()->abi_major == CE_DRIVER_ABI_MAJOR);
  {
    RunningInstance driver(&test_driver::kDescriptor, host, {});
    REQUIRE(driver.Create().empty());
    CHECK(driver.ReadNow() == "no on_read_now hook");
    driver.Start();
    REQUIRE(host.WaitFor([](const FakeDriverHost& h) { return h.frames().size() == 1; }));
    CHECK(host.LastState() == CE_DRIVER_HEALTH_ONLINE);
    CHECK(host.logs() == std::vector<std::string>{"started"});
    const auto readings = host.readings();
    REQUIRE(readings.size() == 1);
    CHECK(readings[0].channel == "t");
    CHECK(readings[0].value == 21.5);
    CHECK(readings[0].unit == "degC");
    CHECK(host.CountChannel("t") == 1);
    CHECK(host.CountChannel("u") == 0);
    const RecordedFrame frame = host.frames()[0];
    CHECK(frame.width == 2);
    CHECK(frame.rows == std::vector<std::uint8_t>{1, 2, 3, 4});  // stride padding dropped
    CHECK(test_driver::released == 1);
    CHECK(driver.Stop() == CE_DRIVER_OK);  // sleep_ms saw the stop
    CHECK(driver.error().empty());
  }
  CHECK(test_driver::destroyed == 1);
}

TEST_CASE("FakeDriverHost: a refused create reports the driver's reason") {
  test_driver::destroyed = 0;
  FakeDriverHost host;
  {
    RunningInstance driver(&test_driver::kDescriptor, host, {{"refuse", "no device"}});
    CHECK(driver.Create() == "refused: no device");
  }
  CHECK(test_driver::destroyed == 0);
  CHECK(host.LastState() == 0);
}

}  // namespace
}  // namespace cityedge::fakes
