// SPDX-License-Identifier: Apache-2.0
#include "daemon/journal/sqlite_journal.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>

#include "daemon/core/log.hpp"

namespace cityedge::journal {
namespace {

constexpr std::uint64_t kMiB = 1 << 20;
// Classes in lease order: alarm, detection, gap, health, telemetry.
constexpr int kLeaseOrder[] = {v1::PRIORITY_CLASS_ALARM, v1::PRIORITY_CLASS_DETECTION,
                               v1::PRIORITY_CLASS_GAP, v1::PRIORITY_CLASS_HEALTH,
                               v1::PRIORITY_CLASS_TELEMETRY};

int NormalizePriority(v1::PriorityClass priority) {
  const int p = static_cast<int>(priority);
  return p >= v1::PRIORITY_CLASS_TELEMETRY && p <= v1::PRIORITY_CLASS_ALARM
             ? p
             : static_cast<int>(v1::PRIORITY_CLASS_TELEMETRY);
}

}  // namespace

// Every value as given: the loader fills defaults from config.proto, and a
// config built in code goes through config::WithDefaults.
Limits Limits::From(const v1::JournalConfig& config) {
  Limits l;
  l.path = config.path();
  l.full_sync = config.durability() == "full";
  l.max_bytes = config.max_bytes();
  l.max_age_ms = config.max_age_ms();
  l.min_free_disk = config.min_free_disk();
  l.history_bytes = config.history_bytes();
  l.history_age_ms = config.history_age_ms();
  l.commit_max_events = config.commit_max_events();
  l.commit_interval_ms = config.commit_interval_ms();
  l.wal_limit = config.wal_limit();
  l.overflow_bytes = std::clamp<std::uint64_t>(l.max_bytes / 16, kMiB, 16 * kMiB);
  return l;
}

void SqliteJournal::Batch::Clear() {
  bytes.clear();
  entries.clear();
  ops.clear();
}

void SqliteJournal::Batch::Append(const Batch& other, std::size_t from_entry, bool with_ops) {
  for (std::size_t i = from_entry; i < other.entries.size(); ++i) {
    Entry e = other.entries[i];
    const std::size_t offset = bytes.size();
    bytes.append(other.bytes, e.offset, e.size);
    e.offset = static_cast<std::uint32_t>(offset);
    entries.push_back(e);
  }
  if (with_ops) ops.insert(ops.end(), other.ops.begin(), other.ops.end());
}

SqliteJournal::SqliteJournal(const v1::JournalConfig& config, const clock::Clock& clock)
    : limits_(Limits::From(config)), clock_(clock), state_path_(StatePathFor(limits_.path)) {}

SqliteJournal::~SqliteJournal() { Close(); }

Status SqliteJournal::Start() {
  if (auto s = OpenFiles(false, ""); !s) return s;
  writer_thread_ = std::thread([this] { WriterLoop(); });
  return OkStatus();
}

Status SqliteJournal::Emit(v1::Event event) {
  thread_local std::string buffer;
  event.clear_seq();
  const int priority = NormalizePriority(event.priority());
  event.set_priority(static_cast<v1::PriorityClass>(priority));
  buffer.clear();
  if (!event.AppendToString(&buffer)) {
    return MakeError(Code::kInvalidArgument, "event from {} cannot be serialized", event.source());
  }
  std::lock_guard lock(mu_);
  if (closing_) return MakeError(Code::kFailedPrecondition, "journal is closed");
  if (pending_.entries.empty()) first_pending_ns_ = clock_.MonotonicNs();
  pending_.entries.push_back(Entry{static_cast<std::uint32_t>(pending_.bytes.size()),
                                   static_cast<std::uint32_t>(buffer.size()), priority,
                                   event.capture_time().wall_unix_ns()});
  pending_.bytes.append(buffer);
  ++submitted_;
  if (pending_.entries.size() == 1 || pending_.entries.size() >= limits_.commit_max_events) {
    work_cv_.notify_one();
  }
  return OkStatus();
}

Status SqliteJournal::Flush(std::int64_t timeout_ms) {
  std::unique_lock lock(mu_);
  // The flush takes a ticket of its own, so it waits for a round that swaps
  // it in, one that begins after this call; a round already under way when
  // the call came may not run the periodic checks a flush promises.
  const std::uint64_t target = ++submitted_;
  flush_requested_ = true;
  work_cv_.notify_one();
  const bool done =
      done_cv_.wait_for(lock, std::chrono::milliseconds(std::max<std::int64_t>(timeout_ms, 0)),
                        [&] { return processed_ >= target || closed_; });
  if (processed_ >= target) return OkStatus();
  if (closed_) return MakeError(Code::kFailedPrecondition, "journal closed before the flush");
  (void)done;
  return MakeError(Code::kDeadlineExceeded, "journal flush: {} of {} submissions committed",
                   processed_, target);
}

Result<std::optional<Lease>> SqliteJournal::Take(const LeaseRequest& request) {
  const std::size_t max_events = request.max_events > 0 ? request.max_events : 500;
  std::lock_guard lease_lock(lease_mu_);
  std::lock_guard reader_lock(reader_mu_);
  if (!reader_.db().is_open()) return MakeError(Code::kUnavailable, "journal storage is reopening");
  for (const int priority : kLeaseOrder) {
    Lease lease;
    lease.priority = static_cast<v1::PriorityClass>(priority);
    std::vector<SeqRange> ranges;
    std::size_t stored_bytes = 0;  // as counted in Stats, without the seq field
    bool full = false;
    for (const auto& [lo, hi] :
         leases_.FreeIntervals(priority, request.after_seq, request.up_to_seq)) {
      SeqRange range{0, 0};
      auto s = reader_.ScanQueued(
          priority, lo, hi, max_events - lease.events.size(), [&](const Store::Row& row) {
            std::string payload = WithSeq(row.seq, row.payload);
            if (!lease.events.empty() && lease.bytes + payload.size() > request.max_bytes) {
              full = true;
              return false;
            }
            if (range.first == 0) range.first = row.seq;
            range.last = row.seq;
            lease.bytes += payload.size();
            stored_bytes += row.payload.size();
            lease.events.push_back({row.seq, std::move(payload)});
            return true;
          });
      if (!s) return std::unexpected(s.error());
      if (range.first != 0) ranges.push_back(range);
      if (full || lease.events.size() >= max_events) break;
    }
    if (lease.events.empty()) continue;
    lease.id = next_lease_id_++;
    for (const SeqRange& r : ranges) leases_.Add(lease.id, priority, r);
    lease_info_[lease.id] =
        LeaseInfo{priority, std::move(ranges), false, lease.events.size(), stored_bytes};
    return std::optional<Lease>(std::move(lease));
  }
  return std::optional<Lease>();
}

Status SqliteJournal::Ack(std::uint64_t lease_id) { return Settle(lease_id, false, {}); }

Status SqliteJournal::Release(std::uint64_t lease_id) {
  std::lock_guard lease_lock(lease_mu_);
  const auto it = lease_info_.find(lease_id);
  if (it == lease_info_.end() || it->second.settling) {
    return MakeError(Code::kNotFound, "lease {} is not outstanding", lease_id);
  }
  leases_.RemoveOwner(lease_id);
  lease_info_.erase(it);
  return OkStatus();
}

void SqliteJournal::ReleaseAll() {
  std::lock_guard lease_lock(lease_mu_);
  for (auto it = lease_info_.begin(); it != lease_info_.end();) {
    if (it->second.settling) {
      ++it;
      continue;
    }
    leases_.RemoveOwner(it->first);
    it = lease_info_.erase(it);
  }
}

Status SqliteJournal::DeadLetter(std::uint64_t lease_id, const std::string& detail) {
  return Settle(lease_id, true, detail);
}

Status SqliteJournal::Settle(std::uint64_t lease_id, bool dead_letter, std::string detail) {
  Op op;
  {
    std::lock_guard lease_lock(lease_mu_);
    const auto it = lease_info_.find(lease_id);
    if (it == lease_info_.end() || it->second.settling) {
      return MakeError(Code::kNotFound, "lease {} is not outstanding", lease_id);
    }
    it->second.settling = true;
    const LeaseInfo& info = it->second;
    op = Op{dead_letter,       lease_id,  info.priority, info.ranges,
            std::move(detail), info.rows, info.bytes};
  }
  std::lock_guard lock(mu_);
  pending_.ops.push_back(std::move(op));
  ++submitted_;
  work_cv_.notify_one();
  return OkStatus();
}

Result<std::vector<LeasedEvent>> SqliteJournal::ReadRange(std::uint64_t first_seq,
                                                          std::uint64_t last_seq,
                                                          std::size_t max_events) {
  std::vector<LeasedEvent> events;
  std::lock_guard lease_lock(lease_mu_);
  std::lock_guard reader_lock(reader_mu_);
  if (!reader_.db().is_open()) return MakeError(Code::kUnavailable, "journal storage is reopening");
  // Acked rows still stored are not held for replay unless history keeps
  // them; skipping them can leave a scan short, so scan on from where it ended.
  while (events.size() < max_events && first_seq <= last_seq) {
    std::size_t seen = 0;
    std::uint64_t next = first_seq;
    auto s = reader_.ScanRange(
        first_seq, last_seq, max_events - events.size(), [&](const Store::Row& row) {
          ++seen;
          next = row.seq + 1;
          if (row.queued_priority == 0 ||
              !leases_.OwnedRangeEnd(LeaseTable::kAckedOwner, row.queued_priority, row.seq)) {
            events.push_back({row.seq, WithSeq(row.seq, row.payload)});
          }
          return true;
        });
    if (!s) return std::unexpected(s.error());
    if (seen == 0 || next == 0) break;
    first_seq = next;
  }
  return events;
}

Result<std::vector<LeasedEvent>> SqliteJournal::ReadCaptured(std::int64_t from_unix_ns,
                                                             std::int64_t to_unix_ns,
                                                             std::size_t max_events) {
  std::vector<LeasedEvent> events;
  std::lock_guard lease_lock(lease_mu_);
  std::lock_guard reader_lock(reader_mu_);
  if (!reader_.db().is_open()) return MakeError(Code::kUnavailable, "journal storage is reopening");
  auto ranges = reader_.FindCaptureRuns(from_unix_ns, to_unix_ns);
  if (!ranges) return std::unexpected(ranges.error());
  for (const SeqRange& range : *ranges) {
    if (events.size() >= max_events) break;
    auto s = reader_.ScanRange(range.first, range.last, UINT64_MAX, [&](const Store::Row& row) {
      // As in ReadRange: acked rows still stored are not held for replay.
      if (row.queued_priority != 0 &&
          leases_.OwnedRangeEnd(LeaseTable::kAckedOwner, row.queued_priority, row.seq)) {
        return true;
      }
      const std::int64_t t = CaptureNsOf(row.payload);
      if (t < from_unix_ns || t > to_unix_ns) return true;
      events.push_back({row.seq, WithSeq(row.seq, row.payload)});
      return events.size() < max_events;
    });
    if (!s) return std::unexpected(s.error());
  }
  return events;
}

Stats SqliteJournal::GetStats() {
  Stats stats;
  {
    std::lock_guard lock(stats_mu_);
    // Acked rows whose deletion is deferred are reported as already gone.
    for (int c = 0; c < kClassCount; ++c) {
      const std::int64_t acked = counters_.rows[kAckedSlot + c];
      stats.by_class[c].rows = static_cast<std::uint64_t>(counters_.rows[kQueuedSlot + c] - acked);
      stats.by_class[c].bytes = static_cast<std::uint64_t>(counters_.bytes[kQueuedSlot + c] -
                                                           counters_.bytes[kAckedSlot + c]);
      stats.queued_rows += stats.by_class[c].rows;
      stats.queued_bytes += stats.by_class[c].bytes;
      stats.history_rows += static_cast<std::uint64_t>(counters_.rows[kHistorySlot + c]);
    }
    for (int r = 0; r < 8; ++r) {
      stats.evicted[r] = static_cast<std::uint64_t>(counters_.rows[kEvictedSlot + r]);
    }
    stats.dead_letter_rows = static_cast<std::uint64_t>(counters_.rows[kDeadLetterSlot]);
    stats.overflow_events = overflow_events_;
    stats.degraded = !degraded_reason_.empty();
    stats.degraded_reason = degraded_reason_;
  }
  stats.durable_seq = durable_seq_.load();
  struct stat st {};
  if (::stat((limits_.path + "-wal").c_str(), &st) == 0) {
    stats.wal_bytes = static_cast<std::uint64_t>(st.st_size);
  }
  std::lock_guard lease_lock(lease_mu_);
  std::lock_guard reader_lock(reader_mu_);
  if (!reader_.db().is_open()) return stats;
  std::optional<std::int64_t> oldest;
  for (const int priority : kLeaseOrder) {
    auto ts = OldestUnackedTs(priority);
    if (ts && *ts && (!oldest || **ts < *oldest)) oldest = **ts;
  }
  if (oldest) stats.oldest_queued_age_ms = std::max<std::int64_t>(NowMs() - *oldest, 0);
  return stats;
}

// Acked rows still stored sit at the old end of a queue; step over their
// ranges (a few seeks) to the oldest row not acked.
Result<std::optional<std::int64_t>> SqliteJournal::OldestUnackedTs(int priority) {
  constexpr int kMaxSteps = 64;
  std::uint64_t after = 0;
  for (int step = 0; step < kMaxSteps; ++step) {
    auto row = reader_.OldestQueued(priority, after);
    if (!row) return std::unexpected(row.error());
    if (!row->has_value()) return std::optional<std::int64_t>();
    const auto end = leases_.OwnedRangeEnd(LeaseTable::kAckedOwner, priority, (*row)->first);
    if (!end) return std::optional<std::int64_t>((*row)->second);
    after = *end;
  }
  return std::optional<std::int64_t>();
}

void SqliteJournal::SetCommitListener(CommitListener listener) {
  std::lock_guard lock(listener_mu_);
  listener_ = std::move(listener);
}

void SqliteJournal::Close() {
  {
    std::lock_guard lock(mu_);
    if (closing_ && !writer_thread_.joinable()) return;
    closing_ = true;
    work_cv_.notify_one();
  }
  if (writer_thread_.joinable()) writer_thread_.join();
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    done_cv_.notify_all();
  }
  std::scoped_lock locks(lease_mu_, reader_mu_);
  reader_ = Store();
  if (writer_.db().is_open()) {
    writer_ = Store();
    state_.hwm = durable_seq_.load();
    state_.clean = true;
    if (auto s = WriteState(state_path_, state_); !s) {
      spdlog::warn("journal: cannot record clean shutdown: {}", s.error());
    }
  }
}

void SqliteJournal::SetDegraded(const std::string& reason) {
  std::lock_guard lock(stats_mu_);
  if (degraded_reason_ != reason && !reason.empty()) {
    spdlog::warn("journal degraded: {}", reason);
  }
  degraded_reason_ = reason;
}

Result<std::unique_ptr<Journal>> Open(const v1::JournalConfig& config, const clock::Clock& clock) {
  auto journal = std::make_unique<SqliteJournal>(config, clock);
  if (auto s = journal->Start(); !s) return std::unexpected(s.error());
  return std::unique_ptr<Journal>(std::move(journal));
}

}  // namespace cityedge::journal
