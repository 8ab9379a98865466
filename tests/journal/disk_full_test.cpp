// SPDX-License-Identifier: Apache-2.0
// Disk full on a real 16 MiB tmpfs: the journal keeps accepting events, evicts
// the oldest low-priority rows, and the gap records account for every event
// that is no longer there.
#include <catch2/catch.hpp>

#include <sys/mount.h>

#include <cerrno>
#include <cstring>

#include "daemon/config/defaults.hpp"
#include "daemon/journal/journal.hpp"
#include "journal_test_util.hpp"

namespace cityedge::journal {
namespace {

using testing::MakeEvent;
using testing::ReadAll;
using testing::TempDir;

class SmallTmpfs {
 public:
  SmallTmpfs() {
    if (dir_.path().empty()) {
      error_ = "mkdtemp failed";
      return;
    }
    if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, "size=16m,mode=0700") != 0) {
      error_ = std::strerror(errno);
      return;
    }
    mounted_ = true;
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::string File(const std::string& name) const { return dir_.File(name); }

 private:
  TempDir dir_;
  bool mounted_ = false;
  std::string error_;
};

void IngestPastFull(std::uint64_t min_free_disk) {
  SmallTmpfs fs;
  if (!fs.mounted()) {
    FAIL("mounting a 16 MiB tmpfs was refused ("
         << fs.error()
         << "); this test needs root or CAP_SYS_ADMIN "
            "and cannot check disk-full handling without it");
  }
  v1::JournalConfig config = config::WithDefaults(v1::JournalConfig());
  config.set_path(fs.File("journal.db"));
  config.set_min_free_disk(min_free_disk);
  config.set_wal_limit(512 * 1024);
  config.set_commit_max_events(256);
  config.set_commit_interval_ms(1);
  auto journal = Open(config, clock::Default());
  REQUIRE(journal.has_value());
  constexpr int kRounds = 48;
  constexpr int kPerRound = 1000;  // ~1 KiB each: ~48 MiB into 16 MiB
  int emitted = 0;
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kPerRound; ++i) {
      const auto priority = i % 10 == 0 ? v1::PRIORITY_CLASS_ALARM : v1::PRIORITY_CLASS_TELEMETRY;
      REQUIRE((*journal)->Emit(MakeEvent(priority, emitted++, 900)));
    }
    REQUIRE((*journal)->Flush(60'000));
  }
  const Stats stats = (*journal)->GetStats();
  const auto rows = ReadAll(**journal);
  std::uint64_t data = 0;
  std::uint64_t gap_total = 0;
  std::uint64_t gap_alarms = 0;
  for (const auto& e : rows) {
    if (e.priority() != v1::PRIORITY_CLASS_GAP) {
      ++data;
      continue;
    }
    gap_total += e.gap_record().count();
    for (const auto& c : e.gap_record().by_class()) {
      if (c.priority() == v1::PRIORITY_CLASS_ALARM) gap_alarms += c.count();
    }
  }
  std::uint64_t evicted = 0;
  for (const auto n : stats.evicted) evicted += n;
  INFO("present " << data << " gap total " << gap_total << " evicted " << evicted);
  CHECK(stats.evicted[v1::GAP_REASON_DISK_FULL] > 0);
  CHECK(gap_total == evicted);
  CHECK(data + gap_total == static_cast<std::uint64_t>(emitted));
  CHECK(gap_alarms == 0);  // telemetry made room for everything
  REQUIRE(!rows.empty());
  CHECK(rows.back().reading().value() == emitted - 1);  // appends still land after eviction
  CHECK(stats.overflow_events == 0);
}

TEST_CASE("Below the free-disk floor the journal caps itself and keeps appending") {
  IngestPastFull(2 * 1024 * 1024);
}

TEST_CASE("With no floor, SQLITE_FULL is met by eviction and the appends go on") {
  IngestPastFull(0);
}

}  // namespace
}  // namespace cityedge::journal
