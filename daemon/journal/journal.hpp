// SPDX-License-Identifier: Apache-2.0
// The journal: a durable SQLite outbox between event producers and the uplink
// (DESIGN.md §3.3). The only code that includes sqlite3.h lives in this folder.
//
// Guarantees:
//  - An event is durable once Append's completion reports it committed.
//  - seq is assigned at commit, strictly increasing, never reused (not after
//    deletion, restart or replacement of the file).
//  - A row leaves the queue only when acked (after the broker's PUBACK), or
//    when evicted, and every eviction is counted in a gap record event.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cityedge/v1/config.pb.h"
#include "cityedge/v1/event.pb.h"
#include "daemon/core/clock.hpp"
#include "daemon/core/event_sink.hpp"
#include "daemon/core/status.hpp"

namespace cityedge::journal {

// One queued event as the uplink sees it.
struct LeasedEvent {
  std::uint64_t seq = 0;
  std::string payload;  // serialized v1::Event, seq already set
};

// A set of rows of one priority class handed to the uplink. While a lease is
// outstanding none of its rows is handed out again.
struct Lease {
  std::uint64_t id = 0;
  v1::PriorityClass priority = v1::PRIORITY_CLASS_UNSPECIFIED;
  std::vector<LeasedEvent> events;  // ascending seq
  std::size_t bytes = 0;            // sum of payload sizes
};

struct LeaseRequest {
  std::size_t max_events = 500;
  std::size_t max_bytes = 256 * 1024;
  // Only rows with after_seq < seq <= up_to_seq. The uplink leases live rows
  // (seq above the boundary it marked at connect) ahead of backlog rows.
  std::uint64_t after_seq = 0;
  std::uint64_t up_to_seq = UINT64_MAX;
};

struct ClassStats {
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;
};

struct Stats {
  ClassStats by_class[6];         // indexed by v1::PriorityClass
  std::uint64_t queued_rows = 0;  // not yet acked
  std::uint64_t queued_bytes = 0;
  std::int64_t oldest_queued_age_ms = 0;  // 0 when empty
  std::uint64_t history_rows = 0;         // acked, kept for replay
  std::uint64_t evicted[8] = {};          // indexed by v1::GapReason
  std::uint64_t durable_seq = 0;          // highest committed seq
  std::uint64_t wal_bytes = 0;
  std::uint64_t dead_letter_rows = 0;
  std::uint64_t overflow_events = 0;  // held in memory while storage fails
  bool degraded = false;
  std::string degraded_reason;
};

// Called by the writer thread after each commit with the highest committed seq.
// Must not block or call back into the journal.
using CommitListener = std::function<void(std::uint64_t durable_seq)>;

// THREADING: every method is safe from any thread. Appends are committed by
// one writer thread with group commit.
class Journal : public EventSink {
 public:
  ~Journal() override = default;

  // Queues an event for the next group commit. The event's seq is ignored and
  // assigned at commit. Returns an error only when the event cannot be accepted
  // at all (journal closed); storage trouble is absorbed (evict, overflow) and
  // reported in Stats and gap records.
  [[nodiscard]] Status Emit(v1::Event event) override = 0;

  // Blocks until every event emitted before the call is committed and a
  // commit that began after the call has run the periodic checks (bounds,
  // trimming), or timeout.
  [[nodiscard]] virtual Status Flush(std::int64_t timeout_ms) = 0;

  // Leases queued rows of the highest priority class that has any in range,
  // oldest first. Returns an empty optional when there is nothing to lease.
  [[nodiscard]] virtual Result<std::optional<Lease>> Take(const LeaseRequest& request) = 0;

  // The broker confirmed the lease: its rows leave the queue (kept as history).
  [[nodiscard]] virtual Status Ack(std::uint64_t lease_id) = 0;
  // The lease was not confirmed (disconnect): its rows go back in place.
  [[nodiscard]] virtual Status Release(std::uint64_t lease_id) = 0;
  virtual void ReleaseAll() = 0;
  // The broker refused the lease for good: rows move to the dead-letter table
  // and a gap record with reason `rejected` is written.
  [[nodiscard]] virtual Status DeadLetter(std::uint64_t lease_id, const std::string& detail) = 0;

  // Events of a seq range still held (queued or history), for replay.
  [[nodiscard]] virtual Result<std::vector<LeasedEvent>> ReadRange(std::uint64_t first_seq,
                                                                   std::uint64_t last_seq,
                                                                   std::size_t max_events) = 0;
  // Events still held (queued or history) whose capture time (wall clock) is
  // in [from_unix_ns, to_unix_ns], ascending by seq, at most max_events: the
  // same rows as a ReadRange over everything filtered by capture time, found
  // through an index instead of a scan.
  [[nodiscard]] virtual Result<std::vector<LeasedEvent>> ReadCaptured(std::int64_t from_unix_ns,
                                                                      std::int64_t to_unix_ns,
                                                                      std::size_t max_events) = 0;

  [[nodiscard]] virtual Stats GetStats() = 0;
  [[nodiscard]] virtual std::uint64_t DurableSeq() const = 0;
  // The highest committed seq of an alarm-class event this process appended,
  // 0 before the first. When it passes the last seq the uplink saw taken, an
  // alarm waits to be leased, and it is leased at once, without linger: live
  // alarms never wait to fill a batch. Cheap (an atomic read), callable from
  // the commit listener's consumer.
  [[nodiscard]] virtual std::uint64_t DurableAlarmSeq() const { return 0; }
  virtual void SetCommitListener(CommitListener listener) = 0;

  // Commits what is pending and closes; later Emits fail with kFailedPrecondition.
  virtual void Close() = 0;
};

// Opens (or creates, or quarantines and recreates) the journal at config.path().
[[nodiscard]] Result<std::unique_ptr<Journal>> Open(const v1::JournalConfig& config,
                                                    const clock::Clock& clock);

}  // namespace cityedge::journal
