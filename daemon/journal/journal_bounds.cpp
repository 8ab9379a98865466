// SPDX-License-Identifier: Apache-2.0
// Retention: history, byte quota, age and the free-disk floor. Every eviction
// of a queued row is counted in the transaction's gap record for its reason.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "daemon/core/log.hpp"
#include "daemon/core/unique_fd.hpp"
#include "daemon/journal/gap.hpp"
#include "daemon/journal/sqlite_journal.hpp"

namespace cityedge::journal {
namespace {

// Lowest priority first; gap records go last because they describe the rest.
constexpr int kEvictionOrder[] = {v1::PRIORITY_CLASS_TELEMETRY, v1::PRIORITY_CLASS_HEALTH,
                                  v1::PRIORITY_CLASS_DETECTION, v1::PRIORITY_CLASS_ALARM,
                                  v1::PRIORITY_CLASS_GAP};
constexpr std::uint64_t kChunkRows = 64;
constexpr std::uint64_t kMinDiskStep = 64 * 1024;
constexpr std::uint64_t kDiskSlack = 256 * 1024;
constexpr std::uint64_t kReserveBytes = 1 << 20;

std::uint64_t FreeBytes(const std::string& file) {
  const std::string dir = std::filesystem::path(file).parent_path().string();
  struct statvfs vfs {};
  if (::statvfs(dir.empty() ? "." : dir.c_str(), &vfs) != 0) return UINT64_MAX;
  return static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

}  // namespace

std::uint64_t SqliteJournal::StoredBytes() const {
  const Counters& d = writer_.pending_delta();
  std::int64_t total = 0;
  for (int c = 0; c < kClassCount; ++c) {
    total += counters_.bytes[kQueuedSlot + c] + d.bytes[kQueuedSlot + c];
    total += counters_.bytes[kHistorySlot + c] + d.bytes[kHistorySlot + c];
  }
  return static_cast<std::uint64_t>(std::max<std::int64_t>(total, 0));
}

Status SqliteJournal::EnforceBounds(bool periodic) {
  if (limits_.keep_history()) {
    const Counters& d = writer_.pending_delta();
    std::int64_t history = 0;
    for (int c = 0; c < kClassCount; ++c) {
      history += counters_.bytes[kHistorySlot + c] + d.bytes[kHistorySlot + c];
    }
    const auto h = static_cast<std::uint64_t>(std::max<std::int64_t>(history, 0));
    if (h > limits_.history_bytes) {
      if (auto s = EvictHistory(h - limits_.history_bytes, 0); !s) return s;
    }
    if (periodic && limits_.history_age_ms > 0) {
      const std::int64_t cutoff = NowMs() - static_cast<std::int64_t>(limits_.history_age_ms);
      if (auto s = EvictHistory(UINT64_MAX, cutoff); !s) return s;
    }
  }
  if (StoredBytes() > limits_.max_bytes) {
    if (auto s = EvictToTarget(limits_.max_bytes - limits_.max_bytes / 32, v1::GAP_REASON_QUOTA);
        !s) {
      return s;
    }
  }
  if (periodic && limits_.max_age_ms > 0) {
    const std::int64_t cutoff = NowMs() - static_cast<std::int64_t>(limits_.max_age_ms);
    for (const int p : kEvictionOrder) {
      if (auto r = EvictQueued(p, v1::GAP_REASON_AGE, UINT64_MAX, cutoff); !r) {
        return std::unexpected(r.error());
      }
    }
  }
  if (auto s = CheckDiskFloor(); !s) return s;
  if (StoredBytes() > disk_cap_) return EvictToTarget(disk_cap_, v1::GAP_REASON_DISK_FULL);
  return OkStatus();
}

Status SqliteJournal::EvictToTarget(std::uint64_t target_bytes, v1::GapReason reason) {
  if (StoredBytes() <= target_bytes) return OkStatus();
  // Delivered rows make room before any queued row is evicted.
  if (auto s = ApplyDeferredAcks(); !s) return s;
  if (auto s = EvictHistory(StoredBytes() - target_bytes, 0); !s) return s;
  for (const int p : kEvictionOrder) {
    const std::uint64_t stored = StoredBytes();
    if (stored <= target_bytes) break;
    if (auto r = EvictQueued(p, reason, stored - target_bytes, 0); !r) {
      return std::unexpected(r.error());
    }
  }
  return OkStatus();
}

Status SqliteJournal::EvictHistory(std::uint64_t bytes_to_free, std::int64_t ts_cutoff_ms) {
  std::uint64_t freed = 0;
  while (freed < bytes_to_free) {
    auto t = writer_.DeleteHistory(kChunkRows, ts_cutoff_ms);
    if (!t) return std::unexpected(t.error());
    if (t->rows == 0) break;
    freed += t->bytes;
  }
  return OkStatus();
}

Result<std::uint64_t> SqliteJournal::EvictQueued(int priority, v1::GapReason reason,
                                                 std::uint64_t bytes_to_free,
                                                 std::int64_t ts_cutoff_ms) {
  std::uint64_t freed = 0;
  while (freed < bytes_to_free) {
    Touched found;
    {
      // Leased rows stay: they may be on their way to the broker.
      std::lock_guard lease_lock(lease_mu_);
      for (const auto& [lo, hi] : leases_.FreeIntervals(priority, 0, UINT64_MAX)) {
        auto f = writer_.FindQueued(priority, lo, hi, kChunkRows, ts_cutoff_ms);
        if (!f) return std::unexpected(f.error());
        if (f->rows > 0 || ts_cutoff_ms > 0) {
          found = *f;
          break;
        }
      }
      if (found.rows == 0) break;
      leases_.Add(LeaseTable::kPinOwner, priority, {found.first_seq, found.last_seq});
    }
    auto t = writer_.DeleteQueued(priority, {found.first_seq, found.last_seq}, true);
    if (!t) return std::unexpected(t.error());
    v1::GapRecord& gap = txn_.gaps[reason];
    gap.set_reason(reason);
    MergeIntoGap(&gap, priority, *t);
    writer_.AddToCounter(kEvictedSlot + reason, static_cast<std::int64_t>(t->rows),
                         static_cast<std::int64_t>(t->bytes));
    freed += t->bytes;
  }
  return freed;
}

// Deleted rows free pages inside the file, not on the filesystem, so below the
// floor the journal caps its own size (reusing the freed pages) instead of
// evicting until the disk recovers. The cap tightens only if the disk keeps
// filling, and lifts once there is room again.
Status SqliteJournal::CheckDiskFloor() {
  if (limits_.min_free_disk == 0 && disk_cap_ == UINT64_MAX) return OkStatus();
  const std::uint64_t free = FreeBytes(limits_.path);
  if (free >= limits_.min_free_disk && limits_.min_free_disk > 0) {
    if (free > limits_.min_free_disk + std::max<std::uint64_t>(limits_.min_free_disk / 2, 1 << 20) +
                   kReserveBytes) {
      disk_cap_ = UINT64_MAX;
      EnsureReserve();
    }
    return OkStatus();
  }
  if (limits_.min_free_disk == 0) return OkStatus();
  if (disk_cap_ == UINT64_MAX || free + kDiskSlack < free_at_cap_) {
    const std::uint64_t used = StoredBytes();
    const std::uint64_t step = std::min(used, std::max(used / 16, kMinDiskStep));
    disk_cap_ = std::min(disk_cap_, used - step);
    free_at_cap_ = free;
  }
  return OkStatus();
}

// SQLite in WAL mode cannot leave a completely full disk by itself: the
// checkpoint needs room to grow the main file before the WAL can be reused,
// and an eviction needs WAL room. A small preallocated file next to the
// journal is given back to the filesystem on SQLITE_FULL to break that knot.
void SqliteJournal::EnsureReserve() {
  const std::string path = limits_.path + ".reserve";
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) >= kReserveBytes) {
    return;
  }
  const UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) return;
  if (::posix_fallocate(fd.get(), 0, static_cast<off_t>(kReserveBytes)) != 0)
    ::unlink(path.c_str());
}

void SqliteJournal::ReleaseReserve() {
  const std::string path = limits_.path + ".reserve";
  if (::unlink(path.c_str()) == 0) {
    spdlog::warn("journal: filesystem full; released the {} byte reserve next to {}", kReserveBytes,
                 limits_.path);
  }
}

// Capture runs whose rows are all gone are forgotten. Their DELETE reads the
// whole (small) run table, so it runs only once the lowest stored seq has
// moved on by a run's worth since the last time.
Status SqliteJournal::TrimCaptureRuns() {
  auto lowest = writer_.LowestStoredSeq();
  if (!lowest) return std::unexpected(lowest.error());
  const std::uint64_t below = lowest->value_or(txn_.next_seq);
  if (below < txn_.runs_trimmed_below + kRunSeqs) return OkStatus();
  if (auto s = writer_.TrimCaptureRuns(below); !s) return s;
  txn_.runs_trimmed_below = below;
  return OkStatus();
}

// A transaction that only evicts: after SQLITE_FULL it must fit in the WAL
// space already allocated, so it runs before any insert and is followed by a
// checkpoint that lets the next transaction reuse the WAL from its start.
Status SqliteJournal::EvictOnly() {
  constexpr std::uint64_t kStepBytes = 128 * 1024;
  const std::uint64_t cap = disk_cap_;
  Status s = OkStatus();
  while (s && StoredBytes() > cap) {
    // Small steps: each must fit in WAL space the filesystem already gave us.
    disk_cap_ = std::max(cap, StoredBytes() - std::min(StoredBytes(), kStepBytes));
    txn_ = committed_txn_;
    for (auto& gap : txn_.gaps) gap.Clear();
    if (s = writer_.Begin(); !s) break;
    s = EnforceBounds(false);
    if (s) s = WriteGaps();
    if (s) s = writer_.Commit();
    if (!s) {
      writer_.Rollback();
      ReleasePins();
      break;
    }
    AfterCommit(nullptr, false);
    (void)writer_.db().Exec("PRAGMA wal_checkpoint(RESTART)");
  }
  disk_cap_ = cap;
  return s;
}

}  // namespace cityedge::journal
