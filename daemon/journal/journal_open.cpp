// SPDX-License-Identifier: Apache-2.0
// Opening, sequence continuity and quarantine of the journal's files.
#include <algorithm>
#include <filesystem>

#include "daemon/core/log.hpp"
#include "daemon/journal/file_check.hpp"
#include "daemon/journal/gap.hpp"
#include "daemon/journal/sqlite_journal.hpp"

namespace cityedge::journal {
namespace {

std::pair<std::uint64_t, std::uint64_t> BootHalves(const clock::BootId& id) {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    hi = (hi << 8) | id[i];
    lo = (lo << 8) | id[i + 8];
  }
  return {hi, lo};
}

// Seqs reserved per write of the state file.
constexpr std::uint64_t kSeqBlock = 1 << 20;

bool FileHasData(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return !ec && size > 0;
}

}  // namespace

Result<Store> SqliteJournal::OpenChecked(bool unclean) {
  if (!FileHasData(limits_.path + "-wal")) {
    if (auto s = CheckHeader(limits_.path); !s) return std::unexpected(s.error());
  }
  StoreOptions options{limits_.full_sync, limits_.wal_limit, limits_.vfs};
  auto store = Store::Open(limits_.path, Store::Role::kWriter, options);
  if (!store) return store;
  if (unclean) {
    if (auto s = store->QuickCheck(); !s) return std::unexpected(s.error());
  }
  auto counters = store->ReadCounters();
  if (!counters) return std::unexpected(counters.error());
  std::lock_guard lock(stats_mu_);
  counters_ = *counters;
  return store;
}

Status SqliteJournal::OpenFiles(bool force_quarantine, const std::string& why) {
  auto read = ReadState(state_path_);
  if (!read) spdlog::warn("journal: {}; seq continuity relies on the database alone", read.error());
  state_ = read ? *read : JournalState{};
  const bool existed = FileHasData(limits_.path);
  const bool unclean = existed && !(state_.present && state_.clean);
  Result<Store> store = force_quarantine
                            ? Result<Store>(std::unexpected(Error(Code::kDataLoss, why)))
                            : OpenChecked(unclean);
  std::string quarantined;
  if (!store) {
    if (store.error().code() != Code::kDataLoss) {
      return std::unexpected(store.error().Wrap(fmt::format("journal {}", limits_.path)));
    }
    auto moved = MoveToQuarantine(limits_.path, clock_.WallNs());
    if (!moved) return std::unexpected(moved.error());
    spdlog::error("journal {} is damaged ({}); moved to {} and starting a fresh journal",
                  limits_.path, store.error(), *moved);
    quarantined =
        fmt::format("{} quarantined as {}: {}", limits_.path, *moved, store.error().message());
    store = OpenChecked(false);
    if (!store) return std::unexpected(store.error().Wrap("fresh journal"));
  }
  writer_ = std::move(*store);
  // A half-opened journal is closed again, so the next round reopens it whole.
  Status opened = FinishOpening(!quarantined.empty() || !existed, quarantined);
  if (!opened) {
    std::lock_guard reader_lock(reader_mu_);
    reader_ = Store();
    writer_ = Store();
  }
  return opened;
}

Status SqliteJournal::FinishOpening(bool fresh, const std::string& quarantined) {
  auto acks = writer_.ReadAcks();
  if (!acks) return std::unexpected(acks.error());
  acked_.clear();
  {
    std::lock_guard lease_lock(lease_mu_);
    leases_.RemoveOwner(LeaseTable::kAckedOwner);
    for (const auto& [priority, range] : *acks) {
      acked_.push_back(AckedRange{priority, range});
      leases_.Add(LeaseTable::kAckedOwner, priority, range);
    }
  }
  EnsureReserve();
  if (auto s = InitSequence(fresh, quarantined); !s) return s;
  ResolveInDoubt(quarantined.empty());
  auto reader = Store::Open(limits_.path, Store::Role::kReader, {.vfs = limits_.vfs});
  if (!reader) return std::unexpected(reader.error().Wrap("journal reader"));
  std::lock_guard reader_lock(reader_mu_);
  reader_ = std::move(*reader);
  return OkStatus();
}

Status SqliteJournal::InitSequence(bool fresh, const std::string& quarantine_detail) {
  auto db_seq = writer_.ReadSequence();
  if (!db_seq) return std::unexpected(db_seq.error());
  std::uint64_t base = *db_seq;
  if (fresh && state_.present) base = std::max({base, state_.ceiling, state_.hwm});
  const auto [boot_hi, boot_lo] = BootHalves(clock_.boot_id());
  v1::GapRecord& gap = txn_.gaps[v1::GAP_REASON_CORRUPT];
  gap.Clear();
  opening_gap_reason_ = v1::GAP_REASON_CORRUPT;
  if (MayHaveLostCommits(*db_seq, boot_hi, boot_lo)) {
    // synchronous=NORMAL commits are visible (and may have been published)
    // before they reach the disk; a power cut can take them back. Their seqs
    // must not be handed out again, so continue above every reserved seq.
    opening_gap_reason_ = v1::GAP_REASON_UNCLEAN_SHUTDOWN;
    gap.set_first_seq(*db_seq + 1);
    gap.set_last_seq(state_.ceiling);
    gap.set_detail(fmt::format(
        "the gateway restarted without closing {} (durability: normal); events committed in "
        "its last moments may be lost; seqs {}..{} are skipped so that none is reused",
        limits_.path, *db_seq + 1, state_.ceiling));
    base = state_.ceiling;
  } else if (!quarantine_detail.empty() || (fresh && base > 0)) {
    gap.set_first_seq(1);
    gap.set_last_seq(base);
    gap.set_detail(quarantine_detail.empty()
                       ? fmt::format("{} was missing; events up to seq {} were not recovered",
                                     limits_.path, base)
                       : quarantine_detail + "; its undelivered events were not recovered");
  } else if (state_.present && state_.clean && *db_seq < state_.hwm) {
    gap.set_first_seq(*db_seq + 1);
    gap.set_last_seq(state_.hwm);
    gap.set_count(state_.hwm - *db_seq);
    gap.set_detail(fmt::format("{} lost committed events (its WAL was removed?)", limits_.path));
    base = state_.hwm;
  }
  committed_txn_ = TxnState{};
  committed_txn_.next_seq = base + 1;
  durable_seq_.store(base);
  state_.hwm = base;
  state_.ceiling = std::max(state_.ceiling, base) + kSeqBlock;
  state_.clean = false;
  state_.boot_hi = boot_hi;
  state_.boot_lo = boot_lo;
  state_.boot_known = true;
  if (auto s = WriteState(state_path_, state_); !s) {
    SetDegraded(fmt::format("cannot write {}: {}", state_path_, s.error().message()));
  }
  return CommitOpeningGap(*db_seq);
}

bool SqliteJournal::MayHaveLostCommits(std::uint64_t db_seq, std::uint64_t boot_hi,
                                       std::uint64_t boot_lo) const {
  if (!state_.present || state_.clean || limits_.full_sync || state_.ceiling <= db_seq) {
    return false;
  }
  // The same boot: the process died but the kernel kept its writes.
  const bool same_boot =
      state_.boot_known && state_.boot_hi == boot_hi && state_.boot_lo == boot_lo;
  return !same_boot;
}

Status SqliteJournal::CommitOpeningGap(std::uint64_t db_seq) {
  const v1::GapReason reason = opening_gap_reason_;
  v1::GapRecord gap = txn_.gaps[v1::GAP_REASON_CORRUPT];
  const std::uint64_t base = committed_txn_.next_seq - 1;
  txn_ = committed_txn_;
  if (base == db_seq && gap.last_seq() == 0) return OkStatus();
  if (auto s = writer_.Begin(); !s) return s;
  Status s = base > db_seq ? writer_.WriteSequence(base) : OkStatus();
  if (s && gap.last_seq() != 0) {
    gap.set_reason(reason);
    txn_.gaps[reason] = gap;
    writer_.AddToCounter(kEvictedSlot + reason, static_cast<std::int64_t>(gap.count()), 0);
    s = WriteGaps();
  }
  if (s) s = writer_.Commit();
  if (!s) {
    writer_.Rollback();
    return s;
  }
  AfterCommit(nullptr, false);
  return OkStatus();
}

Status SqliteJournal::RaiseCeiling(std::uint64_t seq) {
  if (seq <= state_.ceiling) return OkStatus();
  JournalState next = state_;
  next.ceiling = seq + kSeqBlock;
  next.hwm = durable_seq_.load();
  if (auto s = WriteState(state_path_, next); !s) return s;
  state_ = next;
  return OkStatus();
}

void SqliteJournal::RecoverFromError(const Error& error) {
  if (error.code() == Code::kResourceExhausted) {
    const std::uint64_t used = StoredBytes();
    disk_cap_ = std::min(disk_cap_, used - used / 8);
    evict_first_ = true;
    chunk_limit_ =
        std::max<std::uint32_t>(std::min(chunk_limit_, limits_.commit_max_events) / 2, 8);
    ReleaseReserve();
    (void)writer_.db().Exec("PRAGMA wal_checkpoint(RESTART)");
    SetDegraded(fmt::format("storage full, evicting: {}", error.message()));
    return;
  }
  if (error.code() != Code::kDataLoss && error.code() != Code::kUnavailable) {
    SetDegraded(error.ToString());
    return;
  }
  // Damaged or unreachable file: drop both connections and open again; a file
  // that fails its checks now is quarantined by OpenFiles. The locks are not
  // held across OpenFiles, which takes them itself (a commit of a gap record
  // pins rows under lease_mu_); meanwhile readers see the journal reopening.
  {
    std::scoped_lock locks(lease_mu_, reader_mu_);
    reader_ = Store();
    leases_.Clear();
    lease_info_.clear();
  }
  writer_ = Store();
  acked_.clear();
  const bool corrupt = error.code() == Code::kDataLoss;
  if (auto s = OpenFiles(corrupt, error.message()); !s) {
    SetDegraded(fmt::format("journal unavailable: {}", s.error().message()));
    return;
  }
  SetDegraded(corrupt ? "" : fmt::format("journal reopened after: {}", error.message()));
}

}  // namespace cityedge::journal
