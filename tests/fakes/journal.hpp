// SPDX-License-Identifier: Apache-2.0
// The one fake journal::Journal of the tests: rows in memory under the SQLite
// journal's contract as the uplink sees it (seq assigned at Emit, leases of one
// priority class, highest class first, oldest first, live rows by seq range),
// no disk. Each Emit counts as committed at once, so Flush has nothing to do
// and the commit listener runs on the emitting thread.
//
// What it leaves out: history (an acked row is gone, as with history_bytes 0),
// bounds, eviction and gap records, and the byte and age figures of Stats
// (only queued_rows, durable_seq and dead_letter_rows are kept).
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "daemon/journal/journal.hpp"

namespace cityedge::fakes {

// THREADING: every method is safe from any thread; the commit listener is
// called on the emitting thread, outside the fake's lock.
// After Close, Emit fails with kFailedPrecondition, as the contract says.
class FakeJournal final : public journal::Journal {
 public:
  Status Emit(v1::Event event) override;
  Status Flush(std::int64_t) override { return OkStatus(); }
  Result<std::optional<journal::Lease>> Take(const journal::LeaseRequest& request) override;
  Status Ack(std::uint64_t lease_id) override;
  Status Release(std::uint64_t lease_id) override;
  void ReleaseAll() override;
  Status DeadLetter(std::uint64_t lease_id, const std::string& detail) override;
  // The queued rows of the range (no history is kept), leased or not.
  Result<std::vector<journal::LeasedEvent>> ReadRange(std::uint64_t first_seq,
                                                      std::uint64_t last_seq,
                                                      std::size_t max_events) override;
  // The queued rows captured in [from_unix_ns, to_unix_ns], by a scan.
  Result<std::vector<journal::LeasedEvent>> ReadCaptured(std::int64_t from_unix_ns,
                                                         std::int64_t to_unix_ns,
                                                         std::size_t max_events) override;
  journal::Stats GetStats() override;
  std::uint64_t DurableSeq() const override;
  std::uint64_t DurableAlarmSeq() const override;
  void SetCommitListener(journal::CommitListener listener) override;
  void Close() override;

  // Test side.
  // Appends `count` events of one class with a payload of about `bytes`
  // (source `bytes` times 's', reading value 0, 1, ...).
  void AddEvents(v1::PriorityClass priority, int count, std::size_t bytes = 32);
  // Seqs acked, and moved to the dead letters, so far.
  [[nodiscard]] std::set<std::uint64_t> acked() const;
  [[nodiscard]] std::set<std::uint64_t> dead() const;
  [[nodiscard]] std::string last_dead_letter_detail() const;
  // Rows not yet acked or dead-lettered, leased or not.
  [[nodiscard]] std::size_t queued() const;
  [[nodiscard]] int release_all_calls() const;

 private:
  struct Row {
    v1::PriorityClass priority;
    std::string payload;
    std::uint64_t lease = 0;
  };
  std::vector<std::uint64_t> TakeRows(const journal::LeaseRequest& request,
                                      v1::PriorityClass priority, std::size_t* bytes) const;
  std::vector<std::uint64_t> RowsOf(std::uint64_t lease_id) const;

  mutable std::mutex mutex_;
  std::map<std::uint64_t, Row> rows_;
  std::set<std::uint64_t> acked_;
  std::set<std::uint64_t> dead_;
  std::string dead_detail_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t last_alarm_seq_ = 0;
  std::uint64_t next_lease_ = 1;
  int release_all_calls_ = 0;
  bool closed_ = false;
  journal::CommitListener listener_;
};

}  // namespace cityedge::fakes
