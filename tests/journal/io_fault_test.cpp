// SPDX-License-Identifier: Apache-2.0
// Storage faults while the journal runs, injected through a fault VFS under
// SQLite: failing writes and fsyncs degrade the journal, which reports them,
// reopens its files and then stores every accepted event; pages found damaged
// at run time quarantine the file and the journal goes on with a fresh one.
#include <catch2/catch.hpp>

#include <spdlog/sinks/ringbuffer_sink.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <thread>

#include "daemon/core/log.hpp"
#include "daemon/journal/fault_vfs.hpp"
#include "daemon/journal/file_check.hpp"
#include "daemon/journal/journal.hpp"
#include "journal_test_util.hpp"

namespace cityedge::journal {
namespace {

using testing::MakeConfig;
using testing::MakeEvent;
using testing::ReadAll;
using testing::TempDir;

using testing::kFlushMs;
constexpr int kPolls = 6000;  // of 5 ms each: a bound, not a timing

// Polls `done` until it holds, at most kPolls times.
bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < kPolls; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

// Routes the default logger into memory while a test runs; set up before the
// journal opens and torn down after it closes, so no thread logs meanwhile.
class LogCapture {
 public:
  LogCapture()
      : previous_(spdlog::default_logger()),
        sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256)) {
    auto logger = std::make_shared<spdlog::logger>("capture", sink_);
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(std::move(logger));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  [[nodiscard]] bool Contains(const std::string& a, const std::string& b) const {
    for (const std::string& line : sink_->last_formatted()) {
      if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) return true;
    }
    return false;
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

struct Held {
  std::map<int, int> copies;  // reading value -> rows holding it
  std::vector<v1::Event> gaps;
  std::uint64_t max_seq = 0;
  bool ascending = true;
};

Held Inspect(Journal& journal) {
  Held held;
  std::uint64_t last = 0;
  for (const v1::Event& event : ReadAll(journal)) {
    if (event.seq() <= last) held.ascending = false;
    last = event.seq();
    held.max_seq = std::max(held.max_seq, event.seq());
    if (event.priority() == v1::PRIORITY_CLASS_GAP) {
      held.gaps.push_back(event);
    } else {
      ++held.copies[static_cast<int>(event.reading().value())];
    }
  }
  return held;
}

void EmitRange(Journal& journal, int first, int last) {
  for (int i = first; i <= last; ++i) {
    REQUIRE(journal.Emit(
        MakeEvent(i % 3 == 0 ? v1::PRIORITY_CLASS_ALARM : v1::PRIORITY_CLASS_TELEMETRY, i, 100)));
  }
}

// Every value in [first, last] is held exactly once.
void ExpectEachOnce(const Held& held, int first, int last) {
  int missing = 0;
  int duplicated = 0;
  for (int i = first; i <= last; ++i) {
    const auto it = held.copies.find(i);
    if (it == held.copies.end()) {
      ++missing;
    } else if (it->second > 1) {
      ++duplicated;
    }
  }
  CHECK(missing == 0);
  CHECK(duplicated == 0);
}

// Stores events, makes storage fail, goes on emitting, heals storage and
// checks that the journal said so, recovered and kept everything.
void RunStorageFailure(v1::JournalConfig config, const std::function<void()>& fail,
                       const std::string& sqlite_error) {
  TempDir dir;
  config.set_path(dir.File("journal.db"));
  LogCapture capture;
  {
    auto opened = OpenWithFaultVfsForTest(config, clock::Default());
    REQUIRE(opened.has_value());
    Journal& journal = **opened;
    EmitRange(journal, 0, 99);
    REQUIRE(journal.Flush(kFlushMs));
    const std::uint64_t before_fault = journal.DurableSeq();
    REQUIRE(before_fault >= 100);

    fail();
    EmitRange(journal, 100, 199);
    REQUIRE(Eventually([&] { return journal.GetStats().degraded; }));
    const Stats failing = journal.GetStats();
    INFO(failing.degraded_reason);
    CHECK(failing.degraded_reason.find(sqlite_error) != std::string::npos);
    CHECK(capture.Contains("journal degraded", sqlite_error));
    // Still accepting while storage fails.
    EmitRange(journal, 200, 299);

    ClearFaultsForTest();
    REQUIRE(journal.Flush(kFlushMs));
    REQUIRE(Eventually([&] { return !journal.GetStats().degraded; }));
    const Held held = Inspect(journal);
    CHECK(held.ascending);
    CHECK(held.gaps.empty());
    ExpectEachOnce(held, 0, 299);
    CHECK(held.max_seq == journal.DurableSeq());
    CHECK(journal.GetStats().queued_rows == 300);
    journal.Close();
  }
  auto check = IntegrityCheck(config.path());
  REQUIRE(check.has_value());
  CHECK(*check == "ok");

  // The healed file reopens normally, holds the same rows and continues above.
  auto reopened = Open(config, clock::Default());
  REQUIRE(reopened.has_value());
  const Held before = Inspect(**reopened);
  ExpectEachOnce(before, 0, 299);
  REQUIRE((*reopened)->Emit(MakeEvent(v1::PRIORITY_CLASS_ALARM, 1000)));
  REQUIRE((*reopened)->Flush(kFlushMs));
  const Held after = Inspect(**reopened);
  REQUIRE(after.copies.count(1000) == 1);
  CHECK(after.max_seq > before.max_seq);
  (*reopened)->Close();
}

TEST_CASE("failing writes degrade the journal, which reopens and keeps every event",
          "[journal][fault]") {
  const InjectedFaultsForTest start = InjectedFaultCountsForTest();
  TempDir unused;
  v1::JournalConfig config = MakeConfig(unused);
  RunStorageFailure(
      config, [] { FailWritesForTest(-1); }, "disk I/O error");
  CHECK(InjectedFaultCountsForTest().failed_writes > start.failed_writes);
}

TEST_CASE("failing fsyncs with durability full degrade the journal, which keeps every event",
          "[journal][fault]") {
  const InjectedFaultsForTest start = InjectedFaultCountsForTest();
  TempDir unused;
  v1::JournalConfig config = MakeConfig(unused);
  config.set_durability("full");
  RunStorageFailure(
      config, [] { FailSyncsForTest(-1); }, "disk I/O error");
  CHECK(InjectedFaultCountsForTest().failed_syncs > start.failed_syncs);
}

TEST_CASE("a few failing writes and fsyncs heal without a trace but the log", "[journal][fault]") {
  TempDir dir;
  v1::JournalConfig config = MakeConfig(dir);
  config.set_durability("full");
  auto opened = OpenWithFaultVfsForTest(config, clock::Default());
  REQUIRE(opened.has_value());
  Journal& journal = **opened;
  for (int round = 0; round < 6; ++round) {
    EmitRange(journal, round * 50, round * 50 + 24);
    if (round % 2 == 0) {
      FailWritesForTest(round + 1);
    } else {
      FailSyncsForTest(round);
    }
    EmitRange(journal, round * 50 + 25, round * 50 + 49);
    REQUIRE(journal.Flush(kFlushMs));
    ClearFaultsForTest();
  }
  const Held held = Inspect(journal);
  CHECK(held.ascending);
  CHECK(held.gaps.empty());
  ExpectEachOnce(held, 0, 299);
  CHECK(Eventually([&] { return !journal.GetStats().degraded; }));
  journal.Close();
  auto check = IntegrityCheck(config.path());
  REQUIRE(check.has_value());
  CHECK(*check == "ok");
}

TEST_CASE("corruption found while running quarantines the file and the journal goes on",
          "[journal][fault]") {
  TempDir dir;
  const v1::JournalConfig config = MakeConfig(dir);
  LogCapture capture;
  {
    auto opened = OpenWithFaultVfsForTest(config, clock::Default());
    REQUIRE(opened.has_value());
    Journal& journal = **opened;
    EmitRange(journal, 0, 99);
    REQUIRE(journal.Flush(kFlushMs));
    const std::uint64_t before_fault = journal.DurableSeq();

    // Pages now come from the main file, where every read finds garbage.
    REQUIRE(CheckpointTruncateForTest(config.path()));
    const std::uint64_t corrupted = InjectedFaultCountsForTest().corrupted_reads;
    CorruptOpenDatabasesForTest();
    EmitRange(journal, 100, 199);
    REQUIRE(journal.Flush(kFlushMs));
    ClearFaultsForTest();
    CHECK(InjectedFaultCountsForTest().corrupted_reads > corrupted);

    CHECK(ListQuarantined(config.path()).size() == 1);
    CHECK(capture.Contains("damaged", "moved to"));
    CHECK_FALSE(journal.GetStats().degraded);
    const Held held = Inspect(journal);
    CHECK(held.ascending);
    REQUIRE(held.gaps.size() == 1);
    const v1::GapRecord& gap = held.gaps[0].gap_record();
    CHECK(gap.reason() == v1::GAP_REASON_CORRUPT);
    CHECK(gap.detail().find("quarantined") != std::string::npos);
    CHECK(gap.last_seq() >= before_fault);
    CHECK(held.gaps[0].seq() > before_fault);
    // The events stored before the damage went with the quarantined file, and
    // the gap record stands for them; the ones emitted after are all kept.
    CHECK(held.copies.count(0) == 0);
    ExpectEachOnce(held, 100, 199);

    EmitRange(journal, 200, 249);
    REQUIRE(journal.Flush(kFlushMs));
    const Held later = Inspect(journal);
    ExpectEachOnce(later, 100, 249);
    CHECK(later.ascending);
    journal.Close();
  }
  auto check = IntegrityCheck(config.path());
  REQUIRE(check.has_value());
  CHECK(*check == "ok");
}

}  // namespace
}  // namespace cityedge::journal
