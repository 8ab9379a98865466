// SPDX-License-Identifier: Apache-2.0
#include "tests/fakes/journal.hpp"

namespace cityedge::fakes {
namespace {

constexpr v1::PriorityClass kLeaseOrder[] = {v1::PRIORITY_CLASS_ALARM, v1::PRIORITY_CLASS_DETECTION,
                                             v1::PRIORITY_CLASS_HEALTH, v1::PRIORITY_CLASS_GAP,
                                             v1::PRIORITY_CLASS_TELEMETRY};

}  // namespace

Status FakeJournal::Emit(v1::Event event) {
  journal::CommitListener listener;
  std::uint64_t seq;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return MakeError(Code::kFailedPrecondition, "the journal is closed");
    seq = next_seq_++;
    event.set_seq(seq);
    rows_[seq] = Row{event.priority(), event.SerializeAsString(), 0};
    if (event.priority() == v1::PRIORITY_CLASS_ALARM) last_alarm_seq_ = seq;
    listener = listener_;
  }
  if (listener) listener(seq);
  return OkStatus();
}

void FakeJournal::AddEvents(v1::PriorityClass priority, int count, std::size_t bytes) {
  for (int i = 0; i < count; ++i) {
    v1::Event event;
    event.set_priority(priority);
    event.set_source(std::string(bytes, 's'));
    event.mutable_reading()->set_value(i);
    (void)Emit(std::move(event));
  }
}

std::vector<std::uint64_t> FakeJournal::TakeRows(const journal::LeaseRequest& request,
                                                 v1::PriorityClass priority,
                                                 std::size_t* bytes) const {
  std::vector<std::uint64_t> seqs;
  for (auto it = rows_.upper_bound(request.after_seq);
       it != rows_.end() && it->first <= request.up_to_seq; ++it) {
    if (it->second.priority != priority || it->second.lease != 0) continue;
    if (!seqs.empty() && (seqs.size() >= request.max_events ||
                          *bytes + it->second.payload.size() > request.max_bytes)) {
      break;
    }
    seqs.push_back(it->first);
    *bytes += it->second.payload.size();
  }
  return seqs;
}

Result<std::optional<journal::Lease>> FakeJournal::Take(const journal::LeaseRequest& request) {
  std::lock_guard lock(mutex_);
  for (v1::PriorityClass priority : kLeaseOrder) {
    std::size_t bytes = 0;
    std::vector<std::uint64_t> seqs = TakeRows(request, priority, &bytes);
    if (seqs.empty()) continue;
    journal::Lease lease{next_lease_++, priority, {}, bytes};
    for (std::uint64_t seq : seqs) {
      rows_[seq].lease = lease.id;
      lease.events.push_back(journal::LeasedEvent{seq, rows_[seq].payload});
    }
    return lease;
  }
  return std::optional<journal::Lease>{};
}

std::vector<std::uint64_t> FakeJournal::RowsOf(std::uint64_t lease_id) const {
  std::vector<std::uint64_t> seqs;
  for (const auto& [seq, row] : rows_) {
    if (row.lease == lease_id) seqs.push_back(seq);
  }
  return seqs;
}

Status FakeJournal::Ack(std::uint64_t lease_id) {
  std::lock_guard lock(mutex_);
  const auto seqs = RowsOf(lease_id);
  if (seqs.empty()) return MakeError(Code::kNotFound, "no lease {}", lease_id);
  for (std::uint64_t seq : seqs) {
    rows_.erase(seq);
    acked_.insert(seq);
  }
  return OkStatus();
}

Status FakeJournal::Release(std::uint64_t lease_id) {
  std::lock_guard lock(mutex_);
  for (std::uint64_t seq : RowsOf(lease_id)) rows_[seq].lease = 0;
  return OkStatus();
}

void FakeJournal::ReleaseAll() {
  std::lock_guard lock(mutex_);
  ++release_all_calls_;
  for (auto& [seq, row] : rows_) row.lease = 0;
}

Status FakeJournal::DeadLetter(std::uint64_t lease_id, const std::string& detail) {
  std::lock_guard lock(mutex_);
  for (std::uint64_t seq : RowsOf(lease_id)) {
    rows_.erase(seq);
    dead_.insert(seq);
  }
  dead_detail_ = detail;
  return OkStatus();
}

Result<std::vector<journal::LeasedEvent>> FakeJournal::ReadRange(std::uint64_t first_seq,
                                                                 std::uint64_t last_seq,
                                                                 std::size_t max_events) {
  std::lock_guard lock(mutex_);
  std::vector<journal::LeasedEvent> events;
  for (auto it = rows_.lower_bound(first_seq);
       it != rows_.end() && it->first <= last_seq && events.size() < max_events; ++it) {
    events.push_back(journal::LeasedEvent{it->first, it->second.payload});
  }
  return events;
}

Result<std::vector<journal::LeasedEvent>> FakeJournal::ReadCaptured(std::int64_t from_unix_ns,
                                                                    std::int64_t to_unix_ns,
                                                                    std::size_t max_events) {
  std::lock_guard lock(mutex_);
  std::vector<journal::LeasedEvent> events;
  for (const auto& [seq, row] : rows_) {
    if (events.size() >= max_events) break;
    v1::Event event;
    if (!event.ParseFromString(row.payload)) continue;
    const std::int64_t captured = event.capture_time().wall_unix_ns();
    if (captured >= from_unix_ns && captured <= to_unix_ns) {
      events.push_back(journal::LeasedEvent{seq, row.payload});
    }
  }
  return events;
}

journal::Stats FakeJournal::GetStats() {
  std::lock_guard lock(mutex_);
  journal::Stats stats;
  stats.queued_rows = rows_.size();
  stats.durable_seq = next_seq_ - 1;
  stats.dead_letter_rows = dead_.size();
  return stats;
}

std::uint64_t FakeJournal::DurableSeq() const {
  std::lock_guard lock(mutex_);
  return next_seq_ - 1;
}

std::uint64_t FakeJournal::DurableAlarmSeq() const {
  std::lock_guard lock(mutex_);
  return last_alarm_seq_;
}

void FakeJournal::Close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

void FakeJournal::SetCommitListener(journal::CommitListener listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

std::set<std::uint64_t> FakeJournal::acked() const {
  std::lock_guard lock(mutex_);
  return acked_;
}
std::set<std::uint64_t> FakeJournal::dead() const {
  std::lock_guard lock(mutex_);
  return dead_;
}
std::string FakeJournal::last_dead_letter_detail() const {
  std::lock_guard lock(mutex_);
  return dead_detail_;
}
std::size_t FakeJournal::queued() const {
  std::lock_guard lock(mutex_);
  return rows_.size();
}
int FakeJournal::release_all_calls() const {
  std::lock_guard lock(mutex_);
  return release_all_calls_;
}

}  // namespace cityedge::fakes
