// SPDX-License-Identifier: Apache-2.0
// An in-memory Journal for uplink tests: same contract as the SQLite journal
// (leases of one priority class, highest class first, oldest first), no disk.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "daemon/journal/journal.hpp"

namespace cityedge::uplink::testing {

// THREADING: every method is safe from any thread; the commit listener is
// called on the emitting thread, outside the fake's lock.
class FakeJournal final : public journal::Journal {
 public:
  Status Emit(v1::Event event) override;
  Status Flush(std::int64_t) override { return OkStatus(); }
  Result<std::optional<journal::Lease>> Take(const journal::LeaseRequest& request) override;
  Status Ack(std::uint64_t lease_id) override;
  Status Release(std::uint64_t lease_id) override;
  void ReleaseAll() override;
  Status DeadLetter(std::uint64_t lease_id, const std::string& detail) override;
  Result<std::vector<journal::LeasedEvent>> ReadRange(std::uint64_t, std::uint64_t,
                                                      std::size_t) override {
    return std::vector<journal::LeasedEvent>{};
  }
  Result<std::vector<journal::LeasedEvent>> ReadCaptured(std::int64_t, std::int64_t,
                                                         std::size_t) override {
    return std::vector<journal::LeasedEvent>{};
  }
  journal::Stats GetStats() override;
  std::uint64_t DurableSeq() const override;
  std::uint64_t DurableAlarmSeq() const override;
  void SetCommitListener(journal::CommitListener listener) override;
  void Close() override {}

  // Appends `count` events of one class with a payload of about `bytes`.
  void AddEvents(v1::PriorityClass priority, int count, std::size_t bytes = 32);
  [[nodiscard]] std::set<std::uint64_t> acked() const;
  [[nodiscard]] std::set<std::uint64_t> dead() const;
  [[nodiscard]] std::string last_dead_letter_detail() const;
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
  journal::CommitListener listener_;
};

}  // namespace cityedge::uplink::testing
