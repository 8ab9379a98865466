// SPDX-License-Identifier: Apache-2.0
// Append, lease, ack, release, dead letter and seq continuity against real
// SQLite files.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "daemon/journal/journal.hpp"
#include "daemon/journal/sqlite_db.hpp"
#include "daemon/journal/sqlite_journal.hpp"
#include "daemon/journal/store.hpp"
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
using testing::MarkUnclean;
using testing::OpenOrFail;

std::vector<double> Values(const Lease& lease) {
  std::vector<double> values;
  for (const auto& e : lease.events) values.push_back(Parse(e).reading().value());
  return values;
}

TEST_CASE("A journal config built in code gets the defaults of config.proto, none of its own") {
  const Limits limits = Limits::From(config::WithDefaults(v1::JournalConfig()));
  CHECK(limits.path == "/var/lib/cityedge/journal.db");
  CHECK_FALSE(limits.full_sync);
  CHECK(limits.max_bytes == 512ull << 20);
  CHECK(limits.max_age_ms == 30ull * 24 * 3600 * 1000);
  CHECK(limits.min_free_disk == 64ull << 20);
  CHECK(limits.history_bytes == 32ull << 20);
  CHECK(limits.history_age_ms == 24ull * 3600 * 1000);
  CHECK(limits.commit_max_events == 512);
  CHECK(limits.commit_interval_ms == 20);
  CHECK(limits.wal_limit == 16ull << 20);
}

TEST_CASE("Appended events get increasing seqs, are durable after Flush and keep their content") {
  TempDir dir;
  auto journal = OpenOrFail(MakeConfig(dir));
  std::atomic<std::uint64_t> listened{0};
  journal->SetCommitListener([&](std::uint64_t seq) { listened = seq; });
  for (int i = 0; i < 300; ++i) {
    v1::Event event = MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i);
    event.set_seq(999);  // ignored: the journal assigns seqs
    REQUIRE(journal->Emit(event));
  }
  REQUIRE(journal->Flush(kFlushMs));
  CHECK(journal->DurableSeq() == 300);
  CHECK(listened.load() == 300);
  const auto events = ReadAll(*journal);
  REQUIRE(events.size() == 300);
  for (std::size_t i = 0; i < events.size(); ++i) {
    CHECK(events[i].seq() == i + 1);
    CHECK(events[i].reading().value() == static_cast<double>(i));
    CHECK(events[i].source() == "test");
    CHECK(events[i].capture_time().wall_unix_ns() ==
          MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i).capture_time().wall_unix_ns());
  }
  const Stats stats = journal->GetStats();
  CHECK(stats.queued_rows == 300);
  CHECK(stats.by_class[v1::PRIORITY_CLASS_TELEMETRY].rows == 300);
  CHECK(stats.durable_seq == 300);
  journal->Close();
  CHECK_FALSE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_ALARM, 1)).has_value());
}

// Rows still stored in the telemetry queue table, read through a connection
// of the test's own.
std::int64_t StoredTelemetryRows(const v1::JournalConfig& config) {
  auto db = Db::Open(config.path(), false);
  REQUIRE(db.has_value());
  auto rows = db->QueryInt("SELECT count(*) FROM queue_1");
  REQUIRE(rows.has_value());
  return *rows;
}

TEST_CASE("Past the deferral bound each commit deletes a bounded share of acked rows") {
  TempDir dir;
  v1::JournalConfig config = MakeConfig(dir);
  config.set_max_bytes(16 << 20);  // deferral bound: 4 MiB of acked rows
  auto journal = OpenOrFail(config);
  constexpr int kRows = 24000;  // ~290 bytes each: ~7 MiB
  for (int i = 0; i < kRows; ++i) {
    REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i, 250)));
  }
  REQUIRE(journal->Flush(kFlushMs));
  // Every row but the newest 500 is acked, one lease per commit; the rows left
  // keep the queue from draining, so no table clear frees it in one go.
  constexpr std::uint64_t kLease = 500;
  const std::uint64_t bound = SqliteJournal::kMaxDeferredDeletesPerCommit + kLease;
  std::int64_t stored = StoredTelemetryRows(config);
  std::int64_t largest_step = 0;
  for (std::uint64_t acked = 0; acked + kLease < kRows; acked += kLease) {
    auto lease = journal->Take(LeaseRequest{kLease, 1 << 30, 0, kRows - kLease});
    REQUIRE(lease.has_value());
    REQUIRE(lease->has_value());
    REQUIRE(journal->Ack((*lease)->id));
    REQUIRE(journal->Flush(kFlushMs));
    const std::int64_t now = StoredTelemetryRows(config);
    largest_step = std::max(largest_step, stored - now);
    stored = now;
  }
  // Deletes did happen (the bound was crossed), never more than the bound in
  // one commit: the deferred rows do not all go in the transaction that
  // crosses it.
  CHECK(stored < kRows);
  CHECK(largest_step > 0);
  CHECK(static_cast<std::uint64_t>(largest_step) <= bound);
  // Later commits go on until the acked rows still stored are back under the
  // bound (4 MiB, rows of over 250 bytes).
  for (int i = 0; i < 10; ++i) {
    REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, kRows + i)));
    REQUIRE(journal->Flush(kFlushMs));
  }
  CHECK(StoredTelemetryRows(config) <= (4 << 20) / 250 + static_cast<std::int64_t>(kLease) + 10);
  CHECK(journal->GetStats().queued_rows >= kLease);
  // Nothing acked is leased again, nothing unacked is lost.
  auto rest = journal->Take(LeaseRequest{100'000, 1 << 30, 0, UINT64_MAX});
  REQUIRE(rest.has_value());
  REQUIRE(rest->has_value());
  CHECK((*rest)->events.front().seq == kRows - kLease + 1);
}

TEST_CASE("DurableAlarmSeq names the newest committed alarm, and a live alarm leases first") {
  TempDir dir;
  auto journal = OpenOrFail(MakeConfig(dir));
  CHECK(journal->DurableAlarmSeq() == 0);
  for (int i = 0; i < 2000; ++i) REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i)));
  REQUIRE(journal->Flush(kFlushMs));
  CHECK(journal->DurableAlarmSeq() == 0);
  const std::uint64_t boundary = journal->DurableSeq();
  REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, 1)));
  REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_ALARM, 2)));
  REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, 3)));
  REQUIRE(journal->Flush(kFlushMs));
  CHECK(journal->DurableAlarmSeq() == boundary + 2);
  // With the backlog partly leased, the live range hands out the alarm first.
  auto backlog = journal->Take(LeaseRequest{500, 1 << 20, 0, boundary});
  REQUIRE(backlog.has_value());
  REQUIRE(backlog->has_value());
  auto live = journal->Take(LeaseRequest{500, 1 << 20, boundary, UINT64_MAX});
  REQUIRE(live.has_value());
  REQUIRE(live->has_value());
  CHECK((*live)->priority == v1::PRIORITY_CLASS_ALARM);
  REQUIRE((*live)->events.size() == 1);
  CHECK((*live)->events[0].seq == boundary + 2);
}

TEST_CASE("Leases come highest class first, oldest first, within the requested seq range") {
  TempDir dir;
  auto journal = OpenOrFail(MakeConfig(dir));
  // seq 1..10 alternate telemetry/detection, 11..12 alarm, 13 health.
  for (int i = 0; i < 10; ++i) {
    REQUIRE(journal->Emit(
        MakeEvent(i % 2 ? v1::PRIORITY_CLASS_DETECTION : v1::PRIORITY_CLASS_TELEMETRY, i)));
  }
  REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_ALARM, 10)));
  REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_ALARM, 11)));
  REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_HEALTH, 12)));
  REQUIRE(journal->Flush(kFlushMs));

  auto alarms = journal->Take({});
  REQUIRE(alarms.has_value());
  REQUIRE(alarms->has_value());
  CHECK((*alarms)->priority == v1::PRIORITY_CLASS_ALARM);
  CHECK(Values(**alarms) == std::vector<double>{10, 11});
  CHECK((*alarms)->events.front().seq == 11);

  LeaseRequest two;
  two.max_events = 2;
  auto det = journal->Take(two);
  REQUIRE(det->has_value());
  CHECK((*det)->priority == v1::PRIORITY_CLASS_DETECTION);
  CHECK(Values(**det) == std::vector<double>{1, 3});
  auto det2 = journal->Take({});
  CHECK(Values(**det2) == std::vector<double>{5, 7, 9});

  auto health = journal->Take({});
  CHECK((*health)->priority == v1::PRIORITY_CLASS_HEALTH);

  LeaseRequest live;
  live.after_seq = 6;  // seq 7 is value 6, seq 9 is value 8
  auto tel_live = journal->Take(live);
  REQUIRE(tel_live->has_value());
  CHECK(Values(**tel_live) == std::vector<double>{6, 8});
  LeaseRequest backlog;
  backlog.up_to_seq = 3;
  auto tel_old = journal->Take(backlog);
  CHECK(Values(**tel_old) == std::vector<double>{0, 2});
  auto rest = journal->Take({});
  CHECK(Values(**rest) == std::vector<double>{4});
  auto none = journal->Take({});
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("A lease respects max_bytes but always carries at least one event") {
  TempDir dir;
  auto journal = OpenOrFail(MakeConfig(dir));
  for (int i = 0; i < 5; ++i)
    REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i, 1000)));
  REQUIRE(journal->Flush(kFlushMs));
  LeaseRequest small;
  small.max_bytes = 10;
  auto one = journal->Take(small);
  REQUIRE(one->has_value());
  CHECK((*one)->events.size() == 1);
  small.max_bytes = 2500;
  auto two = journal->Take(small);
  CHECK((*two)->events.size() == 2);
  CHECK((*two)->bytes <= 2500);
  CHECK((*two)->bytes == (*two)->events[0].payload.size() + (*two)->events[1].payload.size());
}

TEST_CASE("Outstanding leases never share a row; release puts rows back in place") {
  TempDir dir;
  auto journal = OpenOrFail(MakeConfig(dir));
  for (int i = 0; i < 30; ++i) REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i)));
  REQUIRE(journal->Flush(kFlushMs));
  LeaseRequest ten;
  ten.max_events = 10;
  auto a = journal->Take(ten);
  auto b = journal->Take(ten);
  auto c = journal->Take(ten);
  REQUIRE((a->has_value() && b->has_value() && c->has_value()));
  CHECK(Values(**a).front() == 0);
  CHECK(Values(**b).front() == 10);
  CHECK(Values(**c).front() == 20);
  CHECK_FALSE(journal->Take(ten)->has_value());

  REQUIRE(journal->Release((*b)->id));
  CHECK_FALSE(journal->Release((*b)->id).has_value());
  auto again = journal->Take(ten);
  REQUIRE(again->has_value());
  CHECK(Values(**again) == Values(**b));
  CHECK((*again)->id != (*b)->id);

  // An earlier gap released in the middle of later leases is found again.
  REQUIRE(journal->Release((*a)->id));
  LeaseRequest big;
  auto refill = journal->Take(big);
  CHECK(Values(**refill) == Values(**a));

  journal->ReleaseAll();
  auto all = journal->Take(big);
  CHECK((*all)->events.size() == 30);
}

TEST_CASE("Ack removes rows from the queue; with history they stay readable for replay") {
  for (const bool history : {false, true}) {
    DYNAMIC_SECTION("history " << history) {
      TempDir dir;
      v1::JournalConfig config = MakeConfig(dir);
      if (history) config.set_history_bytes(1 << 20);
      auto journal = OpenOrFail(config);
      for (int i = 0; i < 20; ++i) REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_ALARM, i)));
      REQUIRE(journal->Flush(kFlushMs));
      LeaseRequest ten;
      ten.max_events = 10;
      auto lease = journal->Take(ten);
      REQUIRE(journal->Ack((*lease)->id));
      CHECK_FALSE(journal->Ack((*lease)->id).has_value());
      CHECK_FALSE(journal->Release((*lease)->id).has_value());
      REQUIRE(journal->Flush(kFlushMs));
      const Stats stats = journal->GetStats();
      CHECK(stats.queued_rows == 10);
      CHECK(stats.history_rows == (history ? 10u : 0u));
      CHECK(ReadAll(*journal).size() == (history ? 20u : 10u));
      auto next = journal->Take({});
      CHECK(Values(**next).front() == 10);
      CHECK((*next)->events.size() == 10);
    }
  }
}

TEST_CASE("Dead-lettered rows leave the queue and a rejected gap record says which") {
  TempDir dir;
  auto journal = OpenOrFail(MakeConfig(dir));
  for (int i = 0; i < 4; ++i) REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_DETECTION, i)));
  REQUIRE(journal->Flush(kFlushMs));
  auto lease = journal->Take({});
  REQUIRE(journal->DeadLetter((*lease)->id, "payload too large for broker"));
  REQUIRE(journal->Flush(kFlushMs));
  auto gap_lease = journal->Take({});
  REQUIRE(gap_lease->has_value());
  REQUIRE((*gap_lease)->priority == v1::PRIORITY_CLASS_GAP);
  REQUIRE((*gap_lease)->events.size() == 1);
  const v1::Event gap_event = Parse((*gap_lease)->events[0]);
  CHECK(gap_event.seq() == 5);
  const v1::GapRecord& gap = gap_event.gap_record();
  CHECK(gap.reason() == v1::GAP_REASON_REJECTED);
  CHECK(gap.first_seq() == 1);
  CHECK(gap.last_seq() == 4);
  CHECK(gap.count() == 4);
  REQUIRE(gap.by_class_size() == 1);
  CHECK(gap.by_class(0).priority() == v1::PRIORITY_CLASS_DETECTION);
  CHECK(gap.detail() == "payload too large for broker");
  const Stats stats = journal->GetStats();
  CHECK(stats.dead_letter_rows == 4);
  CHECK(stats.evicted[v1::GAP_REASON_REJECTED] == 4);
  CHECK(stats.by_class[v1::PRIORITY_CLASS_DETECTION].rows == 0);
}

TEST_CASE("Seqs continue after reopen, even when every row was acked and deleted") {
  TempDir dir;
  const v1::JournalConfig config = MakeConfig(dir);
  {
    auto journal = OpenOrFail(config);
    for (int i = 0; i < 50; ++i) REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_HEALTH, i)));
    REQUIRE(journal->Flush(kFlushMs));
    auto lease = journal->Take({});
    REQUIRE(journal->Ack((*lease)->id));
    journal->Close();
  }
  {
    auto journal = OpenOrFail(config);
    CHECK(journal->DurableSeq() == 50);
    CHECK(journal->GetStats().queued_rows == 0);
    REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_HEALTH, 50)));
    REQUIRE(journal->Flush(kFlushMs));
    const auto events = ReadAll(*journal);
    REQUIRE(events.size() == 1);
    CHECK(events[0].seq() == 51);
  }
}

TEST_CASE("Counters survive reopen without recounting") {
  TempDir dir;
  const v1::JournalConfig config = MakeConfig(dir);
  Stats before;
  {
    auto journal = OpenOrFail(config);
    for (int i = 0; i < 40; ++i) {
      REQUIRE(journal->Emit(
          MakeEvent(i % 3 ? v1::PRIORITY_CLASS_TELEMETRY : v1::PRIORITY_CLASS_ALARM, i)));
    }
    REQUIRE(journal->Flush(kFlushMs));
    before = journal->GetStats();
  }
  auto journal = OpenOrFail(config);
  const Stats after = journal->GetStats();
  for (int c = 0; c < 6; ++c) {
    CHECK(after.by_class[c].rows == before.by_class[c].rows);
    CHECK(after.by_class[c].bytes == before.by_class[c].bytes);
  }
  CHECK(after.by_class[v1::PRIORITY_CLASS_ALARM].rows == 14);
  CHECK(after.queued_rows == 40);
}

TEST_CASE("Seqs continue above the high-water mark when the database file is lost") {
  TempDir dir;
  const v1::JournalConfig config = MakeConfig(dir);
  {
    auto journal = OpenOrFail(config);
    for (int i = 0; i < 10; ++i) REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_ALARM, i)));
    REQUIRE(journal->Flush(kFlushMs));
  }
  std::filesystem::remove(config.path());
  auto journal = OpenOrFail(config);
  REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_ALARM, 10)));
  REQUIRE(journal->Flush(kFlushMs));
  const auto events = ReadAll(*journal);
  REQUIRE(events.size() == 2);
  CHECK(events[0].priority() == v1::PRIORITY_CLASS_GAP);
  CHECK(events[0].gap_record().reason() == v1::GAP_REASON_CORRUPT);
  CHECK(events[0].gap_record().last_seq() >= 10);
  CHECK(events[0].seq() > 10);
  CHECK(events[1].seq() > events[0].seq());
  CHECK(events[1].reading().value() == 10);
}

TEST_CASE("After an unclean stop and a reboot, durability normal never reuses a seq") {
  TempDir dir;
  v1::JournalConfig config = MakeConfig(dir);
  const auto run = [&](const clock::Clock& clock) {
    auto journal = OpenOrFail(config, clock);
    for (int i = 0; i < 10; ++i) REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_ALARM, i)));
    REQUIRE(journal->Flush(kFlushMs));
  };
  run(clock::Default());
  SECTION("a reboot: the reserved range is skipped and a gap record says so") {
    REQUIRE(MarkUnclean(config.path()));
    // The system clock as seen after a reboot: same time, another boot id.
    fakes::FakeClock rebooted = fakes::FakeClock::FollowingSystem();
    rebooted.SetBootId({0xb0, 0x07});
    auto journal = OpenOrFail(config, rebooted);
    REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_ALARM, 10)));
    REQUIRE(journal->Flush(kFlushMs));
    const auto events = ReadAll(*journal);
    REQUIRE(events.size() == 12);
    const v1::Event& gap = events[10];
    REQUIRE(gap.has_gap_record());
    CHECK(gap.gap_record().reason() == v1::GAP_REASON_UNCLEAN_SHUTDOWN);
    CHECK(gap.gap_record().first_seq() == 11);
    CHECK(gap.gap_record().last_seq() >= (1u << 20));
    CHECK(gap.gap_record().count() == 0);
    CHECK(gap.seq() > gap.gap_record().last_seq());
    CHECK(events[11].seq() > gap.seq());
  }
  SECTION("the same boot (a process crash): the kernel kept the writes, seqs continue") {
    REQUIRE(MarkUnclean(config.path()));
    run(clock::Default());
    const auto events = ReadAll(*OpenOrFail(config));
    REQUIRE(events.size() == 20);
    CHECK(events.back().seq() == 20);
  }
  SECTION("durability full: every commit reached the disk, seqs continue") {
    config.set_durability("full");
    REQUIRE(MarkUnclean(config.path()));
    // The system clock as seen after a reboot: same time, another boot id.
    fakes::FakeClock rebooted = fakes::FakeClock::FollowingSystem();
    rebooted.SetBootId({0xb0, 0x07});
    auto journal = OpenOrFail(config, rebooted);
    REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_ALARM, 10)));
    REQUIRE(journal->Flush(kFlushMs));
    CHECK(journal->DurableSeq() == 11);
  }
}

TEST_CASE("Concurrent producers: every event lands once, each producer's order kept") {
  TempDir dir;
  auto journal = OpenOrFail(MakeConfig(dir));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, t * 1'000'000 + i))) return;
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(journal->Flush(kFlushMs));
  const auto events = ReadAll(*journal);
  REQUIRE(events.size() == kThreads * kPerThread);
  std::vector<int> next(kThreads, 0);
  for (std::size_t i = 0; i < events.size(); ++i) {
    REQUIRE(events[i].seq() == i + 1);
    const auto v = static_cast<int>(events[i].reading().value());
    REQUIRE(v % 1'000'000 == next[v / 1'000'000]++);
  }
}

TEST_CASE("Acked rows are never leased again while their deletion is deferred") {
  TempDir dir;
  auto journal = OpenOrFail(MakeConfig(dir));
  for (int i = 0; i < 100; ++i) REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i)));
  REQUIRE(journal->Flush(kFlushMs));
  LeaseRequest half;
  half.max_events = 50;
  auto first = journal->Take(half);
  REQUIRE(first->has_value());
  REQUIRE(journal->Ack((*first)->id));
  // No Flush: the writer records the ack without deleting the rows.
  for (int i = 0; i < 200 && journal->GetStats().queued_rows != 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(journal->GetStats().queued_rows == 50);
  auto second = journal->Take({});
  REQUIRE(second->has_value());
  CHECK((*second)->events.size() == 50);
  CHECK((*second)->events.front().seq == 51);
  CHECK_FALSE(journal->Take({})->has_value());
  // Every stored row of the class acked: the queue table is emptied at once.
  REQUIRE(journal->Ack((*second)->id));
  REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, 100)));
  REQUIRE(journal->Flush(kFlushMs));
  Stats stats = journal->GetStats();
  CHECK(stats.queued_rows == 1);
  auto last = journal->Take({});
  REQUIRE(last->has_value());
  CHECK((*last)->events.size() == 1);
  CHECK((*last)->events.front().seq == 101);
  journal->Close();
  journal = OpenOrFail(MakeConfig(dir));
  stats = journal->GetStats();
  CHECK(stats.queued_rows == 1);
  CHECK(stats.durable_seq == 101);
  CHECK(ReadAll(*journal).size() == 1);
}

TEST_CASE("Acked rows still stored stay acked across a reopen") {
  TempDir dir;
  auto journal = OpenOrFail(MakeConfig(dir));
  for (int i = 0; i < 100; ++i) REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i)));
  REQUIRE(journal->Flush(kFlushMs));
  LeaseRequest half;
  half.max_events = 50;
  auto first = journal->Take(half);
  REQUIRE(first->has_value());
  REQUIRE(journal->Ack((*first)->id));
  REQUIRE(journal->Flush(kFlushMs));
  journal->Close();
  journal = OpenOrFail(MakeConfig(dir));
  CHECK(journal->GetStats().queued_rows == 50);
  CHECK(ReadAll(*journal).size() == 50);
  auto rest = journal->Take({});
  REQUIRE(rest->has_value());
  CHECK((*rest)->events.size() == 50);
  CHECK((*rest)->events.front().seq == 51);
}

TEST_CASE("A journal with the old single events table is migrated on open") {
  TempDir dir;
  const v1::JournalConfig config = MakeConfig(dir);
  {
    auto db = Db::Open(config.path(), true);
    REQUIRE(db.has_value());
    REQUIRE(db->Exec(testing::kSchemaVersion1));
    // seq 1 and 2 delivered (history), 200 and 300 queued; 400 was acked and deleted.
    for (const std::uint64_t seq : {1, 2, 200, 300, 400}) {
      std::string event;
      REQUIRE(
          MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, static_cast<double>(seq)).AppendToString(&event));
      const std::string payload = WithSeq(seq, event);
      auto insert = db->Prepare(
          "INSERT INTO events(seq, priority, state, ts_ms, capture_ns, size, payload) "
          "VALUES(?1, 1, ?2, 0, 0, ?3, ?4)");
      REQUIRE(insert.has_value());
      insert->Bind(1, static_cast<std::int64_t>(seq))
          .Bind(2, seq < 100 ? 1 : 0)
          .Bind(3, static_cast<std::int64_t>(payload.size()))
          .BindBlob(4, payload.data(), payload.size());
      REQUIRE(insert->Step() == SQLITE_DONE);
    }
    REQUIRE(
        db->Exec("DELETE FROM events WHERE seq = 400; UPDATE counters SET rows = 2 "
                 "WHERE id IN (1, 9)"));
  }
  auto journal = OpenOrFail(config);
  const Stats stats = journal->GetStats();
  CHECK(stats.queued_rows == 2);
  CHECK(stats.durable_seq == 400);
  const auto events = ReadAll(*journal);
  REQUIRE(events.size() == 4);  // delivered rows stay readable until trimmed
  for (std::size_t i = 0; i < events.size(); ++i) {
    CHECK(events[i].reading().value() == static_cast<double>(events[i].seq()));
  }
  CHECK(events[2].seq() == 200);
  CHECK(events[3].seq() == 300);
  auto lease = journal->Take({});
  REQUIRE(lease->has_value());
  CHECK((*lease)->events.size() == 2);
  CHECK(Parse((*lease)->events[1]).reading().value() == 300);
  std::string expected;
  REQUIRE(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, 300).AppendToString(&expected));
  CHECK((*lease)->events[1].payload == WithSeq(300, expected));  // one seq field, not two
  REQUIRE(journal->Emit(MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, 401)));
  REQUIRE(journal->Flush(kFlushMs));
  CHECK(journal->DurableSeq() == 401);
}

TEST_CASE("A stored payload with its seq put back is the serialized event") {
  v1::Event event;
  event.set_source("aq1");
  event.mutable_reading()->set_value(21.5);
  const std::string stored = event.SerializeAsString();  // a row's payload: no seq
  for (const std::uint64_t seq : {std::uint64_t{1}, std::uint64_t{300}, std::uint64_t{1} << 50}) {
    event.set_seq(seq);
    CHECK(WithSeq(seq, stored) == event.SerializeAsString());
  }
}

}  // namespace
}  // namespace cityedge::journal
