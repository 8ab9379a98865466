// SPDX-License-Identifier: Apache-2.0
// The index by capture time: the run builder, the wire reader of capture
// times, and ReadCaptured against real SQLite files, checked against a filter
// over every row the journal holds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "daemon/journal/capture_index.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/journal/sqlite_db.hpp"
#include "daemon/journal/store.hpp"
#include "journal_test_util.hpp"

namespace cityedge::journal {
namespace {

using testing::kFlushMs;
using testing::MakeConfig;
using testing::OpenOrFail;
using testing::Parse;
using testing::ReadAll;
using testing::TempDir;

constexpr std::int64_t kBase = 1'700'000'000'000'000'000;  // a capture time in 2023
constexpr std::int64_t kMinute = 60'000'000'000;

v1::Event EventAt(std::int64_t wall_ns, v1::PriorityClass priority = v1::PRIORITY_CLASS_TELEMETRY) {
  v1::Event event;
  event.set_source("test");
  event.set_priority(priority);
  event.mutable_capture_time()->set_wall_unix_ns(wall_ns);
  event.mutable_capture_time()->set_boot_id(std::string(16, 'b'));
  event.mutable_reading()->set_channel("level");
  event.mutable_reading()->set_value(static_cast<double>(wall_ns % 1000));
  return event;
}

std::vector<std::uint64_t> Seqs(const std::vector<LeasedEvent>& rows) {
  std::vector<std::uint64_t> seqs;
  for (const auto& row : rows) seqs.push_back(row.seq);
  return seqs;
}

// What the replay scan used to find: every held row, filtered.
std::vector<std::uint64_t> Expected(Journal& journal, std::int64_t from, std::int64_t to,
                                    std::size_t max_events = SIZE_MAX) {
  std::vector<std::uint64_t> seqs;
  for (const v1::Event& e : ReadAll(journal)) {
    const std::int64_t t = e.capture_time().wall_unix_ns();
    if (t >= from && t <= to && seqs.size() < max_events) seqs.push_back(e.seq());
  }
  return seqs;
}

std::vector<std::uint64_t> Captured(Journal& journal, std::int64_t from, std::int64_t to,
                                    std::size_t max_events = SIZE_MAX) {
  auto rows = journal.ReadCaptured(from, to, max_events);
  if (!rows) FAIL("ReadCaptured: " << rows.error().ToString());
  for (const auto& row : *rows) {
    const v1::Event event = Parse(row);
    CHECK(event.seq() == row.seq);  // the payload carries its seq, as ReadRange's
    CHECK(event.capture_time().wall_unix_ns() >= from);
    CHECK(event.capture_time().wall_unix_ns() <= to);
  }
  return Seqs(*rows);
}

std::int64_t CountRuns(const std::string& path) {
  auto db = Db::Open(path, false);
  if (!db) FAIL("open: " << db.error().ToString());
  auto n = db->QueryInt("SELECT count(*) FROM capture_runs");
  if (!n) FAIL("count: " << n.error().ToString());
  return *n;
}

TEST_CASE("Capture buckets are floor divisions, also before 1970") {
  CHECK(CaptureBucket(0) == 0);
  CHECK(CaptureBucket(kCaptureBucketNs - 1) == 0);
  CHECK(CaptureBucket(kCaptureBucketNs) == 1);
  CHECK(CaptureBucket(-1) == -1);
  CHECK(CaptureBucket(-kCaptureBucketNs) == -1);
  CHECK(CaptureBucket(-kCaptureBucketNs - 1) == -2);
  CHECK(CaptureBucket(INT64_MIN) < CaptureBucket(INT64_MIN + kCaptureBucketNs));
  CHECK(CaptureBucket(INT64_MAX) > 0);
}

TEST_CASE("The capture time read from the wire is the one a full parse gives") {
  std::vector<v1::Event> events;
  events.push_back(EventAt(kBase));
  events.push_back(EventAt(-5));  // before 1970: a ten-byte varint
  events.push_back(EventAt(0));
  v1::Event with_seq = EventAt(kBase + 7);
  with_seq.set_seq(123456789);
  with_seq.mutable_capture_time()->set_clock_state(v1::CLOCK_STATE_NTP);
  with_seq.mutable_capture_time()->set_max_error_us(250);
  events.push_back(with_seq);
  v1::Event gap;
  gap.mutable_capture_time()->set_wall_unix_ns(kBase + 9);
  gap.mutable_gap_record()->set_detail(std::string(300, 'g'));  // a long field after it
  events.push_back(gap);
  v1::Event no_time;
  no_time.set_source("no capture time");
  events.push_back(no_time);
  for (const v1::Event& e : events) {
    CHECK(CaptureNsOf(e.SerializeAsString()) == e.capture_time().wall_unix_ns());
  }
  // A message field met twice merges: the later value wins.
  v1::Event later;
  later.mutable_capture_time()->set_wall_unix_ns(kBase + 1000);
  const std::string twice = EventAt(kBase).SerializeAsString() + later.SerializeAsString();
  CHECK(CaptureNsOf(twice) == kBase + 1000);
  std::string cut = with_seq.SerializeAsString();
  cut.resize(cut.size() / 2);
  CHECK(CaptureNsOf(cut) == 0);
  CHECK(CaptureNsOf("\xff\xff\xff") == 0);
  CHECK(CaptureNsOf("") == 0);
}

TEST_CASE("A run grows while its bucket's rows come, up to kRunSeqs seqs") {
  CaptureRunBuilder b;
  for (std::uint64_t seq = 1; seq <= kRunSeqs + 10; ++seq) {
    b.Add(seq, kBase + static_cast<std::int64_t>(seq));
  }
  const auto runs = b.TakeChanged();
  REQUIRE(runs.size() == 2);
  std::vector<CaptureRun> sorted = runs;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& x, const auto& y) { return x.first_seq < y.first_seq; });
  const std::int64_t bucket = CaptureBucket(kBase);
  CHECK(sorted[0] ==
        CaptureRun{bucket, 1, kRunSeqs, kBase + 1, kBase + static_cast<std::int64_t>(kRunSeqs)});
  CHECK(sorted[1].first_seq == kRunSeqs + 1);
  CHECK(sorted[1].last_seq == kRunSeqs + 10);
  CHECK_FALSE(b.has_changes());
  CHECK(b.TakeChanged().empty());
  // Extending an open run reports it again, with its whole range.
  b.Add(kRunSeqs + 11, kBase - 5);
  const auto again = b.TakeChanged();
  REQUIRE(again.size() == 1);
  CHECK(again[0].first_seq == kRunSeqs + 1);
  CHECK(again[0].last_seq == kRunSeqs + 11);
  CHECK(again[0].min_ns == kBase - 5);
}

TEST_CASE("A row from another bucket gets its own run and leaves the current one narrow") {
  CaptureRunBuilder b;
  const std::int64_t now = kBase + 30 * kMinute;
  b.Add(1, now);
  b.Add(2, kBase);  // half an hour late
  b.Add(3, now + 1);
  b.Add(4, kBase + 1);
  auto runs = b.TakeChanged();
  REQUIRE(runs.size() == 2);
  std::sort(runs.begin(), runs.end(),
            [](const auto& x, const auto& y) { return x.bucket < y.bucket; });
  CHECK(runs[0] == CaptureRun{CaptureBucket(kBase), 2, 4, kBase, kBase + 1});
  CHECK(runs[1] == CaptureRun{CaptureBucket(now), 1, 3, now, now + 1});
}

TEST_CASE("Runs pushed out of the open set are still reported once") {
  CaptureRunBuilder b;
  const std::size_t buckets = CaptureRunBuilder::kOpenRuns + 3;
  for (std::size_t i = 0; i < buckets; ++i) {
    b.Add(i + 1, kBase + static_cast<std::int64_t>(i) * kCaptureBucketNs);
  }
  auto runs = b.TakeChanged();
  CHECK(runs.size() == buckets);
  // The first bucket's run was closed: its next row starts a new run.
  b.Add(100, kBase);
  runs = b.TakeChanged();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].first_seq == 100);
}

TEST_CASE("Merged ranges are sorted and joined where they touch or overlap") {
  const auto merged = MergeRanges({{20, 30}, {1, 5}, {6, 8}, {25, 40}, {50, 50}});
  REQUIRE(merged.size() == 3);
  CHECK((merged[0].first == 1 && merged[0].last == 8));
  CHECK((merged[1].first == 20 && merged[1].last == 40));
  CHECK((merged[2].first == 50 && merged[2].last == 50));
}

TEST_CASE("ReadCaptured finds exactly the held rows of a capture-time range") {
  const bool history = GENERATE(false, true);
  INFO("history " << history);
  TempDir dir;
  v1::JournalConfig config = MakeConfig(dir);
  if (history) config.set_history_bytes(64 << 20);
  auto journal = OpenOrFail(config);
  // Mostly in order, a second apart; every 7th row arrives late by up to an
  // hour (at half seconds, so ranges between whole seconds hold only them), a
  // few come from before 1970, and the alarms (every 5th row) are acked.
  std::mt19937_64 rng(18);
  std::vector<std::int64_t> times;
  for (int i = 0; i < 3000; ++i) {
    std::int64_t t = kBase + static_cast<std::int64_t>(i) * 1'000'000'000;
    if (i % 7 == 3) t -= static_cast<std::int64_t>(rng() % 3600) * 1'000'000'000 + 500'000'000;
    if (i % 500 == 250) t = -static_cast<std::int64_t>(rng() % kMinute) - 1;
    times.push_back(t);
    const auto priority = i % 5 == 0 ? v1::PRIORITY_CLASS_ALARM : v1::PRIORITY_CLASS_TELEMETRY;
    REQUIRE(journal->Emit(EventAt(t, priority)));
  }
  REQUIRE(journal->Flush(kFlushMs));
  // The alarms are delivered: history keeps them, otherwise they leave.
  LeaseRequest alarms;
  alarms.max_events = 10'000;
  auto lease = journal->Take(alarms);
  REQUIRE(lease->has_value());
  REQUIRE((*lease)->priority == v1::PRIORITY_CLASS_ALARM);
  REQUIRE(journal->Ack((*lease)->id));
  REQUIRE(journal->Flush(kFlushMs));
  REQUIRE(ReadAll(*journal).size() == (history ? 3000u : 2400u));

  std::vector<std::pair<std::int64_t, std::int64_t>> ranges = {
      {INT64_MIN, INT64_MAX},                                 // everything
      {kBase + 1'000'000'000, kBase + 1'000'000'000},         // one row, exactly
      {kBase + 1, kBase + 499'999'999},                       // between two rows: empty
      {kBase + 100'000'000'000, kBase + 100'000'000'000},     // one row at its edge
      {kBase + 60'000'000'000, kBase + 120'000'000'000 - 1},  // one bucket, edges included
      {kBase - 3'600'000'000'000, kBase - 1},                 // only late rows
      {INT64_MIN, -1},                                        // before 1970
      {kBase + 10'000'000'000'000, INT64_MAX},                // after every row: empty
      {kBase + 2999'000'000'000, kBase + 2999'000'000'000},   // the last row
  };
  for (int i = 0; i < 40; ++i) {
    const std::int64_t a = times[rng() % times.size()];
    const std::int64_t b = times[rng() % times.size()];
    ranges.emplace_back(std::min(a, b), std::max(a, b));
  }
  for (const auto& [from, to] : ranges) {
    INFO("range " << from << ".." << to);
    CHECK(Captured(*journal, from, to) == Expected(*journal, from, to));
  }
  CHECK(Captured(*journal, kBase + 1, kBase + 499'999'999).empty());
  CHECK(Captured(*journal, kBase + 1'000'000'000, kBase + 1'000'000'000).size() == 1);
  // A limit keeps the lowest seqs.
  CHECK(Captured(*journal, INT64_MIN, INT64_MAX, 10) ==
        Expected(*journal, INT64_MIN, INT64_MAX, 10));
  CHECK(Captured(*journal, INT64_MIN, INT64_MAX, 0).empty());
  // An inverted range holds nothing.
  CHECK(Captured(*journal, kBase + 10, kBase).empty());

  // The index survives a reopen, and rows appended after it are found too.
  journal->Close();
  journal = OpenOrFail(config);
  const std::int64_t second = kBase + 1'000'000'000;
  REQUIRE(journal->Emit(EventAt(second + 5)));
  REQUIRE(journal->Flush(kFlushMs));
  const auto after = Captured(*journal, second, second + 5);
  CHECK(after == Expected(*journal, second, second + 5));
  CHECK(after.size() == 2);
}

TEST_CASE("Runs of rows that are gone are forgotten") {
  TempDir dir;
  const v1::JournalConfig config = MakeConfig(dir);
  auto journal = OpenOrFail(config);
  for (int i = 0; i < 5000; ++i) {
    REQUIRE(journal->Emit(EventAt(kBase + static_cast<std::int64_t>(i) * kMinute / 10)));
  }
  REQUIRE(journal->Flush(kFlushMs));
  const std::int64_t before = CountRuns(config.path());
  CHECK(before >= 500);  // a run per minute at most
  LeaseRequest all;
  all.max_events = 10'000;
  all.max_bytes = 100 << 20;
  auto lease = journal->Take(all);
  REQUIRE(lease->has_value());
  REQUIRE((*lease)->events.size() == 5000);
  REQUIRE(journal->Ack((*lease)->id));
  // The ack's commit and the next periodic pass (a flush runs one).
  REQUIRE(journal->Flush(kFlushMs));
  REQUIRE(journal->Flush(kFlushMs));
  CHECK(ReadAll(*journal).empty());
  CHECK(CountRuns(config.path()) == 0);
  CHECK(Captured(*journal, INT64_MIN, INT64_MAX).empty());
}

// A journal written before the capture index existed: the layout of
// schema_version 2 without the `capture_runs` table, as older builds leave it.
TEST_CASE("Opening a journal from before the capture index indexes its rows") {
  TempDir dir;
  v1::JournalConfig config = MakeConfig(dir);
  config.set_history_bytes(1 << 20);
  {
    auto journal = OpenOrFail(config);
    for (int i = 0; i < 1500; ++i) {
      // Two interleaved clocks, an hour apart.
      const std::int64_t t =
          kBase + static_cast<std::int64_t>(i) * 1'000'000'000 + (i % 2 == 0 ? 0 : 60 * kMinute);
      REQUIRE(journal->Emit(
          EventAt(t, i % 3 == 0 ? v1::PRIORITY_CLASS_DETECTION : v1::PRIORITY_CLASS_TELEMETRY)));
    }
    REQUIRE(journal->Flush(kFlushMs));
    auto lease = journal->Take({});
    REQUIRE(journal->Ack((*lease)->id));  // some rows in history
    REQUIRE(journal->Flush(kFlushMs));
    journal->Close();
    auto db = Db::Open(config.path(), false);
    REQUIRE(db);
    REQUIRE(db->Exec("DROP TABLE capture_runs"));
  }
  auto journal = OpenOrFail(config);
  CHECK(CountRuns(config.path()) > 0);
  CHECK(ReadAll(*journal).size() == 1500);
  for (const auto& [from, to] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {INT64_MIN, INT64_MAX},
           {kBase, kBase + 100'000'000'000},
           {kBase + 60 * kMinute, kBase + 60 * kMinute + 10'000'000'000},
           {kBase + 1, kBase + 1}}) {
    INFO("range " << from << ".." << to);
    CHECK(Captured(*journal, from, to) == Expected(*journal, from, to));
  }
  CHECK(Captured(*journal, INT64_MIN, INT64_MAX).size() == 1500);
}

// An older build run again on a journal that has the table (a downgrade)
// stores rows without runs; the next open by this build covers them.
TEST_CASE("Rows an older build appended above the indexed ones are indexed on open") {
  TempDir dir;
  const v1::JournalConfig config = MakeConfig(dir);
  {
    auto journal = OpenOrFail(config);
    for (int i = 0; i < 100; ++i) REQUIRE(journal->Emit(EventAt(kBase + i)));
    REQUIRE(journal->Flush(kFlushMs));
    journal->Close();
  }
  {
    auto db = Db::Open(config.path(), false);
    REQUIRE(db);
    auto insert = db->Prepare("INSERT INTO queue_1(seq, ts_ms, payload) VALUES(?1, 0, ?2)");
    REQUIRE(insert);
    for (int i = 0; i < 50; ++i) {
      const std::string payload = EventAt(kBase - 1000 + i).SerializeAsString();
      insert->Reset().Bind(1, 101 + i).BindBlob(2, payload.data(), payload.size());
      REQUIRE(insert->Step() == SQLITE_DONE);
    }
    REQUIRE(
        db->Exec("UPDATE counters SET rows = 150 WHERE id = 64;"
                 "UPDATE counters SET rows = rows + 50 WHERE id = 1"));
  }
  auto journal = OpenOrFail(config);
  const auto old_rows = Captured(*journal, kBase - 1000, kBase - 1);
  CHECK(old_rows.size() == 50);
  CHECK(old_rows == Expected(*journal, kBase - 1000, kBase - 1));
  CHECK(Captured(*journal, INT64_MIN, INT64_MAX).size() == 150);
}

TEST_CASE("The old single events table migrates into an indexed journal") {
  TempDir dir;
  const v1::JournalConfig config = MakeConfig(dir);
  {
    auto db = Db::Open(config.path(), true);
    REQUIRE(db.has_value());
    REQUIRE(db->Exec(testing::kSchemaVersion1));
    auto insert = db->Prepare(
        "INSERT INTO events(seq, priority, state, ts_ms, capture_ns, size, payload) "
        "VALUES(?1, 1, ?2, 0, 0, ?3, ?4)");
    REQUIRE(insert.has_value());
    for (const std::int64_t seq : {1, 2, 3, 4}) {
      const std::string payload = WithSeq(static_cast<std::uint64_t>(seq),
                                          EventAt(kBase + seq * kMinute).SerializeAsString());
      insert->Reset()
          .Bind(1, seq)
          .Bind(2, seq < 3 ? 1 : 0)
          .Bind(3, static_cast<std::int64_t>(payload.size()))
          .BindBlob(4, payload.data(), payload.size());
      REQUIRE(insert->Step() == SQLITE_DONE);
    }
    REQUIRE(db->Exec("UPDATE counters SET rows = 2 WHERE id IN (1, 9)"));
  }
  auto journal = OpenOrFail(config);
  CHECK(Captured(*journal, kBase + 2 * kMinute, kBase + 3 * kMinute) ==
        std::vector<std::uint64_t>{2, 3});
  CHECK(Captured(*journal, INT64_MIN, INT64_MAX) == std::vector<std::uint64_t>{1, 2, 3, 4});
}

}  // namespace
}  // namespace cityedge::journal
