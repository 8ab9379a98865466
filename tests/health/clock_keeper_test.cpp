// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>
#include <filesystem>

#include "daemon/health/clock_keeper.hpp"
#include "tests/fakes/clock.hpp"
#include "tests/fakes/event_sink.hpp"
#include "tests/support/process.hpp"

namespace cityedge::health {
namespace {

using cityedge::testing::ReadFile;
using cityedge::testing::TempDir;
using cityedge::testing::WriteFile;
using fakes::FakeClock;
using fakes::RecordingSink;

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kLastGood = 1'795'000'000 * kSecond;  // 2026-11-18, an earlier run

ClockKeeperOptions Options(const TempDir& dir) {
  return {dir.Join("clock_floor"), "gw-1", std::chrono::minutes(5)};
}

TEST_CASE("A box booting at 1970 below the floor is noticed, then corrected once at sync") {
  TempDir dir;
  REQUIRE(WriteClockFloor(dir.Join("clock_floor"), kLastGood));
  FakeClock clock;
  clock.SetWallNs(30 * kSecond);  // 1970-01-01T00:00:30Z, no RTC
  clock.SetSync({v1::CLOCK_STATE_UNSYNCED, 0});
  RecordingSink sink;
  ClockKeeper keeper(Options(dir), sink, clock);
  keeper.Start();
  CHECK(keeper.started_below_floor());
  CHECK(keeper.floor_ns() == kLastGood);

  for (int i = 0; i < 10; ++i) {
    clock.Advance(kSecond);
    keeper.Poll();
  }
  CHECK(sink.Take().empty());
  // Unsynced clock now reads 40 s; NTP steps it to kLastGood + 3 h and the
  // kernel reports synchronised half a second later.
  const std::int64_t true_now = kLastGood + 3 * 3600 * kSecond;
  clock.AdvanceMonotonic(kSecond / 2);
  clock.SetWallNs(true_now);
  clock.SetSync({v1::CLOCK_STATE_NTP, 0});
  keeper.Poll();
  auto events = sink.Take();
  REQUIRE(events.size() == 1);
  const v1::Event& e = events[0];
  CHECK(e.source() == "gw-1");
  CHECK(e.priority() == v1::PRIORITY_CLASS_HEALTH);
  REQUIRE(e.has_clock_correction());
  const v1::ClockCorrection& c = e.clock_correction();
  CHECK(c.offset_ns() == true_now - (40 * kSecond + kSecond / 2));
  CHECK(c.monotonic_ns() == clock.MonotonicNs());
  CHECK(c.new_state() == v1::CLOCK_STATE_NTP);
  CHECK(c.floor_unix_ns() == kLastGood);
  CHECK(c.boot_id() == std::string(clock.boot_id().begin(), clock.boot_id().end()));
  CHECK(keeper.corrected());
  // The synced time became the new floor.
  CHECK(ReadClockFloor(dir.Join("clock_floor")).value_or(0) == true_now);

  // Losing and regaining sync later in the run sends no second correction.
  clock.SetSync({v1::CLOCK_STATE_UNSYNCED, 0});
  keeper.Poll();
  clock.Advance(kSecond);
  clock.SetSync({v1::CLOCK_STATE_NTP, 0});
  keeper.Poll();
  CHECK(sink.Take().empty());
}

TEST_CASE("A synced clock persists the floor every few minutes and at stop") {
  TempDir dir;
  FakeClock clock;
  clock.SetWallNs(kLastGood);
  clock.SetSync({v1::CLOCK_STATE_NTP, 0});
  RecordingSink sink;
  ClockKeeper keeper(Options(dir), sink, clock);
  keeper.Start();
  CHECK_FALSE(keeper.started_below_floor());
  CHECK_FALSE(keeper.floor_ns().has_value());
  keeper.Poll();
  CHECK(ReadClockFloor(dir.Join("clock_floor")).value_or(0) == kLastGood);
  clock.Advance(60 * kSecond);
  keeper.Poll();  // not due yet
  CHECK(ReadClockFloor(dir.Join("clock_floor")).value_or(0) == kLastGood);
  clock.Advance(240 * kSecond);
  keeper.Poll();
  CHECK(ReadClockFloor(dir.Join("clock_floor")).value_or(0) == kLastGood + 300 * kSecond);
  clock.Advance(10 * kSecond);
  keeper.Stop();
  CHECK(ReadClockFloor(dir.Join("clock_floor")).value_or(0) == kLastGood + 310 * kSecond);
  CHECK(sink.Take().empty());  // started synced: nothing to correct
}

TEST_CASE("An unsynced clock never writes the floor, and the floor never moves back") {
  TempDir dir;
  REQUIRE(WriteClockFloor(dir.Join("clock_floor"), kLastGood));
  FakeClock clock;
  clock.SetWallNs(kLastGood + 100 * kSecond);
  clock.SetSync({v1::CLOCK_STATE_UNSYNCED, 0});
  RecordingSink sink;
  {
    ClockKeeper keeper(Options(dir), sink, clock);
    keeper.Start();
    CHECK_FALSE(keeper.started_below_floor());
    keeper.Poll();
    keeper.Stop();
  }
  CHECK(ReadClockFloor(dir.Join("clock_floor")).value_or(0) == kLastGood);
  clock.SetWallNs(kLastGood - 3600 * kSecond);  // synced, but set back by hand
  clock.SetSync({v1::CLOCK_STATE_NTP, 0});
  ClockKeeper keeper(Options(dir), sink, clock);
  keeper.Start();
  keeper.Poll();
  keeper.Stop();
  CHECK(ReadClockFloor(dir.Join("clock_floor")).value_or(0) == kLastGood);
}

TEST_CASE("A damaged floor file is reported and ignored") {
  TempDir dir;
  WriteFile(dir.Join("clock_floor"), "yesterday\n");
  auto floor = ReadClockFloor(dir.Join("clock_floor"));
  REQUIRE_FALSE(floor);
  CHECK(floor.error().code() == Code::kDataLoss);
  CHECK(ReadClockFloor(dir.Join("absent")).error().code() == Code::kNotFound);
  FakeClock clock;
  clock.SetWallNs(10 * kSecond);
  RecordingSink sink;
  ClockKeeper keeper(Options(dir), sink, clock);
  keeper.Start();
  CHECK_FALSE(keeper.started_below_floor());
  clock.SetSync({v1::CLOCK_STATE_NTP, 0});
  clock.SetWallNs(kLastGood);
  keeper.Poll();
  CHECK(sink.Take().size() == 1);
  CHECK(ReadFile(dir.Join("clock_floor")) == std::to_string(kLastGood) + "\n");
}

TEST_CASE("The floor is written as one line and a failed write leaves nothing behind") {
  TempDir dir;
  const std::string path = dir.Join("clock_floor");
  REQUIRE(WriteClockFloor(path, kLastGood));
  CHECK(ReadFile(path) == std::to_string(kLastGood) + "\n");
  CHECK(ReadClockFloor(path) == kLastGood);

  // A folder in the floor's place: the rename over it fails.
  const std::string blocked = dir.Join("blocked");
  std::filesystem::create_directory(blocked);
  WriteFile(blocked + "/keep", "x");
  const Status s = WriteClockFloor(blocked, kLastGood);
  REQUIRE_FALSE(s);
  CHECK(s.error().message().starts_with("rename " + blocked + ".tmp to " + blocked));
  CHECK_FALSE(std::filesystem::exists(blocked + ".tmp"));
}

}  // namespace
}  // namespace cityedge::health
