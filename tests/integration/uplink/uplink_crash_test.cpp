// SPDX-License-Identifier: Apache-2.0
// The gateway process is SIGKILLed mid-stream: the platform sees the retained
// offline state (the will), then a birth with the next session seq after the
// restart, and every event the journal committed arrives.
#include <csignal>

#include "tests/integration/uplink/uplink_it_common.hpp"

namespace cityedge::uplink::it {
namespace {

namespace support = cityedge::testing;

std::uint64_t DurableFrom(const std::optional<std::string>& line) {
  REQUIRE(line.has_value());
  return std::stoull(line->substr(line->find('=') + 1));
}

support::Process StartDaemon(const std::string& dir, const std::string& broker, int count) {
  const std::string binary =
      support::EnvOr("CITYEDGE_BINARY_DIR", ".") + "/tests/integration/uplink/uplink_test_daemon";
  auto daemon = support::Process::Spawn({binary, "--journal", dir + "/journal.db", "--state-dir",
                                         dir, "--broker", broker, "--count", std::to_string(count)},
                                        true, dir + "/daemon.stderr");
  REQUIRE(daemon.has_value());
  return std::move(*daemon);
}

TEST_CASE("Gateway SIGKILLed: retained offline, next session seq, every journaled event arrives") {
  support::TempDir dir;
  auto broker = support::Mosquitto::Start(dir.path(), {});
  REQUIRE(broker.has_value());
  auto platform = support::PlatformSubscriber::Start(SubscriberArgs((*broker)->port()));
  REQUIRE(platform.has_value());
  REQUIRE(platform->WaitSubscribed(1, std::chrono::seconds(20)));

  support::Process first = StartDaemon(dir.path(), (*broker)->uri(), 4000);
  REQUIRE(first.ReadUntil("STARTED", std::chrono::seconds(20)).has_value());
  REQUIRE(platform->WaitState("online", 1, std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  first.Kill();

  // A platform process that connects now gets the retained state: offline,
  // with the session seq of the killed session.
  auto late = support::PlatformSubscriber::Start(SubscriberArgs((*broker)->port()));
  REQUIRE(late.has_value());
  REQUIRE(late->WaitState("offline", 1, std::chrono::seconds(20)));
  auto late_summary = late->Stop(std::chrono::seconds(10));
  REQUIRE(!late->states().empty());
  CHECK(late->states().front().retained);
  CHECK(late->states().front().session_seq == 1);
  CHECK(late->states().front().reason == "connection lost");

  support::Process second = StartDaemon(dir.path(), (*broker)->uri(), 1000);
  REQUIRE(platform->WaitState("online", 2, std::chrono::seconds(20)));
  (void)DurableFrom(second.ReadUntil("EMITTED", std::chrono::seconds(60)));
  const std::uint64_t durable = DurableFrom(second.ReadUntil("DRAINED", std::chrono::seconds(90)));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto summary = platform->Stop(std::chrono::seconds(20));
  REQUIRE(summary.has_value());
  INFO(summary->json);
  CHECK(durable > 1000);
  CHECK(summary->distinct == durable);
  CHECK(summary->max_seq == durable);
  bool second_birth = false;
  for (const auto& s : platform->states())
    second_birth |= s.status == "online" && s.session_seq == 2;
  CHECK(second_birth);
  second.Signal(SIGTERM);
  CHECK(second.Wait(std::chrono::seconds(10)) == 0);
}

}  // namespace
}  // namespace cityedge::uplink::it
