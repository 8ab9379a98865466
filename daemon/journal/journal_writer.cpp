// SPDX-License-Identifier: Apache-2.0
// The writer thread: group commit, seq assignment, acks, overflow.
#include <algorithm>
#include <chrono>
#include <span>

#include "daemon/core/log.hpp"
#include "daemon/core/steady_clock.hpp"
#include "daemon/journal/gap.hpp"
#include "daemon/journal/sqlite_journal.hpp"

namespace cityedge::journal {
namespace {

using clock::SteadyNs;

constexpr std::int64_t kPeriodicNs = 1'000'000'000;
constexpr int kCloseRetries = 3;
// Acked rows whose class has not drained are deleted row by row only once
// they hold this much, or max_bytes / 8 if larger, or to make room for quota.
constexpr std::uint64_t kDeferredAckBytes = 4 << 20;

}  // namespace

void SqliteJournal::WriterLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    const bool closing = WaitForWork(lock);
    // A flush also runs the periodic bound checks, so callers (and tests) see
    // age and disk bounds applied without waiting for the next period.
    if (flush_requested_) next_periodic_ns_ = 0;
    std::swap(pending_, spare_);
    const std::uint64_t ticket = submitted_;
    flush_requested_ = false;
    lock.unlock();
    ProcessRound(spare_);
    spare_.Clear();
    lock.lock();
    const bool drained = carry_.entries.empty() && carry_.ops.empty();
    if (drained) {
      processed_ = ticket;
      done_cv_.notify_all();
    }
    const bool idle = pending_.entries.empty() && pending_.ops.empty();
    if (closing && idle && (drained || failures_ >= kCloseRetries)) break;
  }
  if (!carry_.entries.empty()) {
    spdlog::error("journal closed with {} events it could not store", carry_.entries.size());
  }
}

bool SqliteJournal::WaitForWork(std::unique_lock<std::mutex>& lock) {
  const std::int64_t interval_ns =
      static_cast<std::int64_t>(limits_.commit_interval_ms) * 1'000'000;
  for (;;) {
    if (closing_) return true;
    const std::int64_t now = SteadyNs();
    const bool carrying = !carry_.entries.empty() || !carry_.ops.empty();
    if (carrying && now >= retry_at_ns_) return false;
    std::int64_t wake = next_periodic_ns_;
    if (!pending_.entries.empty() || !pending_.ops.empty()) {
      const std::int64_t due = first_pending_ns_ + interval_ns;
      if (flush_requested_ || pending_.entries.size() >= limits_.commit_max_events || now >= due) {
        return false;
      }
      wake = std::min(wake, due);
    } else if (flush_requested_ && !carrying) {
      return false;
    }
    if (now >= next_periodic_ns_) return false;
    if (carrying) wake = std::min(wake, retry_at_ns_);
    work_cv_.wait_for(lock, std::chrono::nanoseconds(std::max<std::int64_t>(wake - now, 0)));
  }
}

void SqliteJournal::ProcessRound(Batch& incoming) {
  Batch* work = &incoming;
  if (!carry_.entries.empty() || !carry_.ops.empty()) {
    carry_.Append(incoming, 0, true);
    work = &carry_;
  }
  const std::int64_t now = SteadyNs();
  bool periodic = now >= next_periodic_ns_;
  if (periodic) next_periodic_ns_ = now + kPeriodicNs;
  std::size_t done = 0;
  bool with_ops = true;
  Status status = OkStatus();
  if (!writer_.db().is_open()) status = OpenFiles(false, "");
  if (status && evict_first_) {
    status = EvictOnly();
    if (status) evict_first_ = false;
  }
  const std::size_t chunk = std::min<std::size_t>(limits_.commit_max_events, chunk_limit_);
  std::optional<InDoubt> doubt;
  while (status) {
    const std::size_t to = std::min<std::size_t>(done + chunk, work->entries.size());
    const bool ops = with_ops && !work->ops.empty();
    InDoubt before{durable_seq_.load(), counters_, to - done, ops ? work->ops.size() : 0, {}};
    status = CommitChunk(*work, done, to, ops, periodic);
    if (!status) {
      if (status.error().code() == Code::kUnavailable) doubt = std::move(before);
      break;
    }
    AfterCommit(work, ops);
    with_ops = false;
    periodic = false;
    done = to;
    if (done >= work->entries.size()) break;
  }
  if (status) {
    if (failures_ > 0) SetDegraded("");
    failures_ = 0;
    if (chunk_limit_ < limits_.commit_max_events) chunk_limit_ *= 2;
    carry_.Clear();
    return;
  }
  ++failures_;
  retry_at_ns_ =
      SteadyNs() + std::min<std::int64_t>(100'000'000LL << std::min(failures_, 5), 2'000'000'000);
  Batch rest;
  rest.Append(*work, done, with_ops);
  carry_ = std::move(rest);
  if (doubt && !in_doubt_) {
    if (txn_.overflow_written) {
      doubt->overflow_gap = std::move(overflow_gap_);
      overflow_gap_.Clear();
      txn_.overflow_written = false;
    }
    in_doubt_ = std::move(doubt);
  }
  RecoverFromError(status.error());
  DropOverflow();
}

void SqliteJournal::ResolveInDoubt(bool same_file) {
  if (!in_doubt_) return;
  InDoubt doubt = std::move(*in_doubt_);
  in_doubt_.reset();
  bool landed = same_file && durable_seq_.load() > doubt.durable_seq;
  if (same_file && !landed) {
    std::lock_guard lock(stats_mu_);
    landed = counters_.rows != doubt.counters.rows || counters_.bytes != doubt.counters.bytes;
  }
  if (!landed) {
    if (doubt.overflow_gap.count() > 0) {
      MergeGaps(&doubt.overflow_gap, overflow_gap_);
      overflow_gap_ = std::move(doubt.overflow_gap);
    }
    return;
  }
  // Storing them again would duplicate them under new seqs.
  spdlog::warn("journal: the commit that failed reached {} after all ({} events, {} acks)",
               limits_.path, doubt.entries, doubt.ops);
  Batch rest;
  rest.Append(carry_, doubt.entries, false);
  rest.ops.assign(carry_.ops.begin() + static_cast<std::ptrdiff_t>(doubt.ops), carry_.ops.end());
  carry_ = std::move(rest);
  std::lock_guard lock(stats_mu_);
  overflow_events_ = carry_.entries.size();
}

Status SqliteJournal::CommitChunk(const Batch& batch, std::size_t from, std::size_t to,
                                  bool with_ops, bool periodic) {
  txn_ = committed_txn_;
  for (auto& gap : txn_.gaps) gap.Clear();
  txn_.new_acks.clear();
  std::uint64_t acked_bytes = 0;
  for (int p = 1; p < kClassCount; ++p) {
    acked_bytes += static_cast<std::uint64_t>(counters_.bytes[kAckedSlot + p]);
  }
  if (with_ops) {
    for (const Op& op : batch.ops) acked_bytes += op.dead_letter ? 0 : op.bytes;
  }
  // History keeps acked rows in its own table, so there acks move them at once.
  // Otherwise acks are recorded, and past the bound each transaction deletes
  // a bounded share of the recorded rows: deleting every acked row in the
  // commit that acks it would make each commit as slow as the drain is fast.
  txn_.acks_direct = limits_.keep_history();
  const bool over_bound = acked_bytes >= std::max(kDeferredAckBytes, limits_.max_bytes / 8);
  if (auto s = RaiseCeiling(txn_.next_seq + (to - from) + 64); !s) return s;
  if (auto s = writer_.Begin(); !s) return s;
  Status s = txn_.acks_direct ? ApplyDeferredAcks()
             : over_bound     ? ApplyDeferredAcks(kMaxDeferredDeletesPerCommit)
                              : ClearDrainedQueues();
  if (s && with_ops) s = ApplyOps(batch.ops);
  if (s) s = InsertEntries(batch, from, to);
  if (s) s = EnforceBounds(periodic);
  if (s && periodic) s = TrimCaptureRuns();
  if (s) s = WriteGaps();
  if (s) s = writer_.Commit();
  if (!s) {
    writer_.Rollback();
    ReleasePins();
  }
  return s;
}

Status SqliteJournal::ApplyOps(const std::vector<Op>& ops) {
  const bool keep = limits_.keep_history();
  for (const Op& op : ops) {
    if (!op.dead_letter && !txn_.acks_direct) {
      for (const SeqRange& range : op.ranges) {
        if (auto s = writer_.RecordAck(op.priority, range); !s) return s;
        txn_.new_acks.push_back(AckedRange{op.priority, range});
      }
      writer_.AddToCounter(kAckedSlot + op.priority, static_cast<std::int64_t>(op.rows),
                           static_cast<std::int64_t>(op.bytes));
      continue;
    }
    for (const SeqRange& range : op.ranges) {
      if (!op.dead_letter) {
        if (auto t = writer_.Acknowledge(op.priority, range, keep); !t)
          return std::unexpected(t.error());
        continue;
      }
      auto t = writer_.MoveToDeadLetter(op.priority, range, op.detail);
      if (!t) return std::unexpected(t.error());
      v1::GapRecord& gap = txn_.gaps[v1::GAP_REASON_REJECTED];
      gap.set_reason(v1::GAP_REASON_REJECTED);
      MergeIntoGap(&gap, op.priority, *t);
      gap.set_detail(op.detail);
      writer_.AddToCounter(kEvictedSlot + v1::GAP_REASON_REJECTED,
                           static_cast<std::int64_t>(t->rows), static_cast<std::int64_t>(t->bytes));
    }
  }
  return OkStatus();
}

// A class whose every stored row is acked is emptied with one table clear.
// With a consumer that keeps up this is the common case, and it frees the
// pages without writing them again.
Status SqliteJournal::ClearDrainedQueues() {
  if (txn_.deferred_started || clears_disabled_) return OkStatus();
  const Counters& pending = writer_.pending_delta();
  for (int p = 1; p < kClassCount; ++p) {
    const std::int64_t acked = counters_.rows[kAckedSlot + p] + pending.rows[kAckedSlot + p];
    if (acked == 0) continue;
    if (counters_.rows[kQueuedSlot + p] + pending.rows[kQueuedSlot + p] != acked) continue;
    const std::int64_t bytes = counters_.bytes[kAckedSlot + p] + pending.bytes[kAckedSlot + p];
    if (auto s = writer_.ClearQueue(p, acked, bytes, false); !s) {
      // The counters disagree with the table, so they cannot tell when a clear
      // is safe: this transaction rolls back and later ones delete row by row.
      if (s.error().code() == Code::kInternal) {
        spdlog::error("journal: {}; acked rows are now deleted row by row", s.error());
        clears_disabled_ = true;
      }
      return s;
    }
    txn_.cleared |= 1U << p;
  }
  return OkStatus();
}

// Deletes the rows of acked ranges committed so far, row by row, oldest range
// first, at most `max_rows` seqs' worth per call; a range cut short keeps its
// rest recorded. Called again in the same transaction, it goes on from there.
Status SqliteJournal::ApplyDeferredAcks(std::uint64_t max_rows) {
  if (txn_.deferred_done) return OkStatus();
  if (!txn_.deferred_started) {
    if (auto s = ClearDrainedQueues(); !s) return s;
    txn_.deferred_started = true;
    txn_.deferred_left.clear();
    for (const AckedRange& acked : acked_) {
      if ((txn_.cleared >> acked.priority & 1U) == 0) txn_.deferred_left.push_back(acked);
    }
  }
  std::uint64_t budget = max_rows;
  std::size_t done = 0;
  for (; done < txn_.deferred_left.size() && budget > 0; ++done) {
    AckedRange& acked = txn_.deferred_left[done];
    SeqRange part = acked.range;
    const std::uint64_t span = part.last - part.first + 1;
    if (span > budget) part.last = part.first + budget - 1;
    auto t = writer_.DeleteQueued(acked.priority, part, false);
    if (!t) return std::unexpected(t.error());
    if (auto s = writer_.ForgetAck(acked.priority, acked.range); !s) return s;
    writer_.AddToCounter(kAckedSlot + acked.priority, -static_cast<std::int64_t>(t->rows),
                         -static_cast<std::int64_t>(t->bytes));
    if (part.last < acked.range.last) {
      acked.range.first = part.last + 1;
      if (auto s = writer_.RecordAck(acked.priority, acked.range); !s) return s;
      break;
    }
    budget -= span;
  }
  txn_.deferred_left.erase(txn_.deferred_left.begin(),
                           txn_.deferred_left.begin() + static_cast<std::ptrdiff_t>(done));
  txn_.deferred_done = txn_.deferred_left.empty();
  return OkStatus();
}

Status SqliteJournal::InsertEntries(const Batch& batch, std::size_t from, std::size_t to) {
  const std::int64_t now_ms = NowMs();
  for (std::size_t i = from; i < to; ++i) {
    const Entry& e = batch.entries[i];
    const std::uint64_t seq = txn_.next_seq++;
    if (e.priority == v1::PRIORITY_CLASS_ALARM) txn_.last_alarm_seq = seq;
    const std::string_view payload = std::string_view(batch.bytes).substr(e.offset, e.size);
    if (auto s = writer_.Insert(seq, e.priority, now_ms, payload, e.capture_ns); !s) return s;
  }
  return OkStatus();
}

Status SqliteJournal::InsertEvent(const v1::Event& event, int priority) {
  const std::uint64_t seq = txn_.next_seq++;
  scratch_.clear();
  if (!event.AppendToString(&scratch_)) return MakeError(Code::kInternal, "gap record too large");
  return writer_.Insert(seq, priority, NowMs(), scratch_, event.capture_time().wall_unix_ns());
}

// One gap record per reason and transaction; while the previous record of that
// reason is still queued and not leased it is rewritten in place instead.
Status SqliteJournal::WriteGaps() {
  if (overflow_gap_.count() > 0) {
    txn_.gaps[v1::GAP_REASON_OVERFLOW].set_reason(v1::GAP_REASON_OVERFLOW);
    MergeGaps(&txn_.gaps[v1::GAP_REASON_OVERFLOW], overflow_gap_);
    writer_.AddToCounter(kEvictedSlot + v1::GAP_REASON_OVERFLOW,
                         static_cast<std::int64_t>(overflow_gap_.count()), 0);
    txn_.overflow_written = true;
  }
  constexpr int kGap = v1::PRIORITY_CLASS_GAP;
  for (int reason = 1; reason < 8; ++reason) {
    const v1::GapRecord& gap = txn_.gaps[reason];
    if (gap.reason() == v1::GAP_REASON_UNSPECIFIED) continue;
    CoalesceTarget& target = txn_.coalesce[reason];
    if (target.seq != 0 && reason != v1::GAP_REASON_CORRUPT) {
      bool pinned = false;
      {
        std::lock_guard lease_lock(lease_mu_);
        if (!leases_.Covers(kGap, target.seq)) {
          leases_.Add(LeaseTable::kPinOwner, kGap, {target.seq, target.seq});
          pinned = true;
        }
      }
      if (pinned) {
        v1::GapRecord merged = target.record;
        MergeGaps(&merged, gap);
        v1::Event event = MakeGapEvent(merged, clock_.Now());
        scratch_.clear();
        event.AppendToString(&scratch_);
        auto rewritten = writer_.Rewrite(target.seq, kGap, target.size, scratch_);
        if (!rewritten) return std::unexpected(rewritten.error());
        if (*rewritten) {
          target.record = std::move(merged);
          target.size = scratch_.size();
          continue;
        }
      }
    }
    const std::uint64_t seq = txn_.next_seq;
    if (auto s = InsertEvent(MakeGapEvent(gap, clock_.Now()), kGap); !s) return s;
    target = CoalesceTarget{seq, scratch_.size(), gap};
  }
  return OkStatus();
}

void SqliteJournal::AfterCommit(const Batch* batch, bool with_ops) {
  {
    std::lock_guard lock(stats_mu_);
    const Counters& d = writer_.pending_delta();
    for (int slot = 0; slot < kSlotCount; ++slot) counters_.Add(slot, d.rows[slot], d.bytes[slot]);
    overflow_events_ = carry_.entries.size();
  }
  if (txn_.overflow_written) {
    overflow_gap_.Clear();
    txn_.overflow_written = false;
  }
  // Order matters: a clear in this transaction also removed the rows of the
  // acks it recorded.
  if (txn_.deferred_started) acked_ = std::move(txn_.deferred_left);
  acked_.insert(acked_.end(), txn_.new_acks.begin(), txn_.new_acks.end());
  const auto cleared = [this](int p) { return (txn_.cleared >> p & 1U) != 0; };
  if (txn_.cleared != 0) {
    std::erase_if(acked_, [&](const AckedRange& a) { return cleared(a.priority); });
  }
  {
    std::lock_guard lease_lock(lease_mu_);
    leases_.RemoveOwner(LeaseTable::kPinOwner);
    if (with_ops && batch != nullptr) {
      for (const Op& op : batch->ops) {
        leases_.RemoveOwner(op.lease_id);
        lease_info_.erase(op.lease_id);
      }
    }
    if (txn_.deferred_started || txn_.cleared != 0) {
      leases_.RemoveOwner(LeaseTable::kAckedOwner);
      for (const AckedRange& a : acked_) leases_.Add(LeaseTable::kAckedOwner, a.priority, a.range);
    } else {
      for (const AckedRange& a : txn_.new_acks) {
        leases_.Add(LeaseTable::kAckedOwner, a.priority, a.range);
      }
    }
  }
  committed_txn_ = txn_;
  for (auto& gap : committed_txn_.gaps) gap.Clear();
  committed_txn_.acks_direct = false;
  committed_txn_.deferred_started = false;
  committed_txn_.deferred_done = false;
  committed_txn_.deferred_left.clear();
  committed_txn_.cleared = 0;
  committed_txn_.new_acks.clear();
  const std::uint64_t durable = txn_.next_seq - 1;
  durable_alarm_seq_.store(txn_.last_alarm_seq);
  durable_seq_.store(durable);
  std::lock_guard lock(listener_mu_);
  if (listener_) listener_(durable);
}

void SqliteJournal::ReleasePins() {
  std::lock_guard lease_lock(lease_mu_);
  leases_.RemoveOwner(LeaseTable::kPinOwner);
}

// Storage is failing and the in-memory backlog is over its bound: drop the
// oldest events of the lowest class present and count them in a gap record.
void SqliteJournal::DropOverflow() {
  constexpr int kEvictionOrder[] = {1, 2, 4, 5, 3};
  // The events of an in-doubt commit may be stored already; they stay.
  const std::size_t kept_first = in_doubt_ ? in_doubt_->entries : 0;
  while (carry_.bytes.size() > limits_.overflow_bytes && carry_.entries.size() > kept_first) {
    const auto droppable = std::span(carry_.entries).subspan(kept_first);
    int victim = 0;
    for (const int p : kEvictionOrder) {
      if (std::any_of(droppable.begin(), droppable.end(),
                      [p](const Entry& e) { return e.priority == p; })) {
        victim = p;
        break;
      }
    }
    std::size_t to_drop = std::max<std::size_t>(droppable.size() / 8, 1);
    Batch kept;
    Touched dropped;
    for (std::size_t i = 0; i < carry_.entries.size(); ++i) {
      const Entry& e = carry_.entries[i];
      if (i >= kept_first && e.priority == victim && to_drop > 0) {
        --to_drop;
        dropped.Merge(0, e.size, e.capture_ns);
        continue;
      }
      kept.entries.push_back(
          Entry{static_cast<std::uint32_t>(kept.bytes.size()), e.size, e.priority, e.capture_ns});
      kept.bytes.append(carry_.bytes, e.offset, e.size);
    }
    kept.ops = std::move(carry_.ops);
    carry_ = std::move(kept);
    overflow_gap_.set_reason(v1::GAP_REASON_OVERFLOW);
    MergeIntoGap(&overflow_gap_, victim, dropped);
    overflow_gap_.set_detail("dropped from memory before a seq was assigned: storage kept failing");
    spdlog::error("journal overflow: dropped {} events of class {}", dropped.rows, victim);
  }
  std::lock_guard lock(stats_mu_);
  overflow_events_ = carry_.entries.size();
}

}  // namespace cityedge::journal
