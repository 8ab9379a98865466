// SPDX-License-Identifier: Apache-2.0
// Retention and eviction: quota, age, history, leased rows, gap records.
#include <catch2/catch.hpp>

#include <set>

#include "daemon/journal/journal.hpp"
#include "journal_test_util.hpp"
#include "tests/fakes/clock.hpp"

namespace cityedge::journal {
namespace {

using testing::MakeConfig;
using testing::MakeEvent;
using testing::Parse;
using testing::ReadAll;
using testing::TempDir;

using testing::kFlushMs;
using testing::OpenOrFail;

struct Split {
  std::vector<v1::Event> data;
  std::vector<v1::Event> gaps;
};

Split SplitRows(Journal& journal) {
  Split split;
  for (auto& e : ReadAll(journal)) {
    (e.priority() == v1::PRIORITY_CLASS_GAP ? split.gaps : split.data).push_back(std::move(e));
  }
  return split;
}

std::uint64_t GapCount(const std::vector<v1::Event>& gaps, v1::GapReason reason) {
  std::uint64_t n = 0;
  for (const auto& g : gaps) {
    if (g.gap_record().reason() == reason) n += g.gap_record().count();
  }
  return n;
}

TEST_CASE("Over quota the lowest class goes first, oldest first, and a gap record counts it") {
  TempDir dir;
  v1::JournalConfig config = MakeConfig(dir);
  config.set_max_bytes(64 * 1024);
  auto journal = OpenOrFail(config);
  for (int i = 0; i < 100; ++i) REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_ALARM, i, 50)));
  for (int i = 100; i < 1100; ++i) {
    REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i, 50)));
  }
  REQUIRE(journal->Flush(kFlushMs));
  const Split rows = SplitRows(*journal);
  const Stats stats = journal->GetStats();
  CHECK(stats.queued_bytes <= 64u * 1024);

  std::size_t alarms = 0;
  std::vector<double> telemetry;
  for (const auto& e : rows.data) {
    if (e.priority() == v1::PRIORITY_CLASS_ALARM) ++alarms;
    if (e.priority() == v1::PRIORITY_CLASS_TELEMETRY) telemetry.push_back(e.reading().value());
  }
  CHECK(alarms == 100);
  REQUIRE(!telemetry.empty());
  REQUIRE(telemetry.size() < 1000);
  // The survivors are the newest telemetry, without holes.
  CHECK(telemetry.back() == 1099);
  CHECK(telemetry.front() == 1100 - static_cast<double>(telemetry.size()));

  const std::uint64_t lost = 1100 - rows.data.size();
  REQUIRE(rows.gaps.size() == 1);  // coalesced while nobody leased it
  const v1::GapRecord& gap = rows.gaps[0].gap_record();
  CHECK(gap.reason() == v1::GAP_REASON_QUOTA);
  CHECK(gap.count() == lost);
  CHECK(stats.evicted[v1::GAP_REASON_QUOTA] == lost);
  REQUIRE(gap.by_class_size() == 1);
  CHECK(gap.by_class(0).priority() == v1::PRIORITY_CLASS_TELEMETRY);
  CHECK(gap.by_class(0).count() == lost);
  CHECK(gap.first_seq() == 101);
  CHECK(gap.last_seq() == 100 + lost);
  CHECK(gap.first_capture_unix_ns() ==
        MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, 100).capture_time().wall_unix_ns());
  CHECK(gap.last_capture_unix_ns() ==
        MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, 100 + static_cast<double>(lost) - 1)
            .capture_time()
            .wall_unix_ns());
}

TEST_CASE("A leased gap record is left alone; later evictions start a new one") {
  TempDir dir;
  v1::JournalConfig config = MakeConfig(dir);
  config.set_max_bytes(32 * 1024);
  auto journal = OpenOrFail(config);
  for (int i = 0; i < 600; ++i)
    REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i, 50)));
  REQUIRE(journal->Flush(kFlushMs));
  auto gap_lease = journal->Take({});
  REQUIRE(gap_lease->has_value());
  REQUIRE((*gap_lease)->priority == v1::PRIORITY_CLASS_GAP);
  const std::string leased_payload = (*gap_lease)->events[0].payload;
  const std::uint64_t first_count = Parse((*gap_lease)->events[0]).gap_record().count();

  for (int i = 600; i < 1200; ++i)
    REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i, 50)));
  REQUIRE(journal->Flush(kFlushMs));
  const Split rows = SplitRows(*journal);
  REQUIRE(rows.gaps.size() == 2);
  CHECK(rows.gaps[0].SerializeAsString() == Parse((*gap_lease)->events[0]).SerializeAsString());
  CHECK(GapCount(rows.gaps, v1::GAP_REASON_QUOTA) == 1200 - rows.data.size());
  CHECK(rows.gaps[1].gap_record().first_seq() >
        Parse((*gap_lease)->events[0]).gap_record().last_seq());
  CHECK(first_count > 0);
  (void)leased_payload;
}

TEST_CASE("Leased rows are not evicted: they may be on their way to the broker") {
  TempDir dir;
  v1::JournalConfig config = MakeConfig(dir);
  config.set_max_bytes(32 * 1024);
  auto journal = OpenOrFail(config);
  for (int i = 0; i < 50; ++i)
    REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i, 50)));
  REQUIRE(journal->Flush(kFlushMs));
  auto lease = journal->Take({});
  REQUIRE((*lease)->events.size() == 50);
  for (int i = 50; i < 1000; ++i)
    REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i, 50)));
  REQUIRE(journal->Flush(kFlushMs));
  std::set<double> present;
  for (const auto& e : SplitRows(*journal).data) present.insert(e.reading().value());
  for (int i = 0; i < 50; ++i) CHECK(present.contains(i));
  CHECK_FALSE(present.contains(50));  // the oldest unleased row went
  REQUIRE(journal->Ack((*lease)->id));
  REQUIRE(journal->Flush(kFlushMs));
  CHECK_FALSE(SplitRows(*journal).data.front().reading().value() == 0);
}

TEST_CASE("Rows older than max_age are evicted with an age gap record") {
  TempDir dir;
  fakes::FakeClock clock = fakes::FakeClock::FollowingSystem();
  v1::JournalConfig config = MakeConfig(dir);
  config.set_max_age_ms(60'000);
  auto journal = OpenOrFail(config, clock);
  for (int i = 0; i < 10; ++i) REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i)));
  for (int i = 10; i < 15; ++i) REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_ALARM, i)));
  REQUIRE(journal->Flush(kFlushMs));
  clock.AdvanceWall(120'000'000'000);  // two minutes later
  for (int i = 15; i < 18; ++i) REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i)));
  REQUIRE(journal->Flush(kFlushMs));
  const Split rows = SplitRows(*journal);
  REQUIRE(rows.data.size() == 3);
  CHECK(rows.data[0].reading().value() == 15);
  REQUIRE(rows.gaps.size() == 1);
  const v1::GapRecord& gap = rows.gaps[0].gap_record();
  CHECK(gap.reason() == v1::GAP_REASON_AGE);
  CHECK(gap.count() == 15);
  CHECK(gap.first_seq() == 1);
  CHECK(gap.last_seq() == 15);
  CHECK(gap.by_class_size() == 2);
  CHECK(journal->GetStats().evicted[v1::GAP_REASON_AGE] == 15);
}

TEST_CASE("Delivered history is trimmed to its bound and goes first under pressure, silently") {
  TempDir dir;
  v1::JournalConfig config = MakeConfig(dir);
  config.set_max_bytes(64 * 1024);
  config.set_history_bytes(16 * 1024);
  auto journal = OpenOrFail(config);
  for (int i = 0; i < 300; ++i)
    REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_DETECTION, i, 50)));
  REQUIRE(journal->Flush(kFlushMs));
  LeaseRequest all;
  all.max_events = 1000;
  all.max_bytes = 1 << 20;
  auto lease = journal->Take(all);
  REQUIRE(journal->Ack((*lease)->id));
  REQUIRE(journal->Flush(kFlushMs));
  Stats stats = journal->GetStats();
  CHECK(stats.history_rows > 0);
  CHECK(stats.history_rows < 300);
  const std::uint64_t history_before = stats.history_rows;
  // Fill the quota with queued rows: history makes room before any of them.
  for (int i = 300; i < 860; ++i)
    REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_DETECTION, i, 50)));
  REQUIRE(journal->Flush(kFlushMs));
  stats = journal->GetStats();
  CHECK(stats.history_rows < history_before);
  CHECK(stats.evicted[v1::GAP_REASON_QUOTA] == 0);
  CHECK(stats.queued_rows == 560);
  CHECK(SplitRows(*journal).gaps.empty());
}

TEST_CASE("The WAL stays bounded under steady append and ack") {
  TempDir dir;
  v1::JournalConfig config = MakeConfig(dir);
  config.set_wal_limit(256 * 1024);
  config.set_commit_max_events(256);
  auto journal = OpenOrFail(config);
  std::uint64_t max_wal = 0;
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 500; ++i)
      REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i, 100)));
    REQUIRE(journal->Flush(kFlushMs));
    for (;;) {
      auto lease = journal->Take({});
      REQUIRE(lease.has_value());
      if (!lease->has_value()) break;
      REQUIRE(journal->Ack((*lease)->id));
    }
    REQUIRE(journal->Flush(kFlushMs));
    max_wal = std::max(max_wal, journal->GetStats().wal_bytes);
  }
  CHECK(journal->GetStats().queued_rows == 0);
  // 20000 events of ~150 bytes went through; the WAL never held them all.
  CHECK(max_wal <= 4u * 256 * 1024);
}

}  // namespace
}  // namespace cityedge::journal
