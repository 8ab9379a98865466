// SPDX-License-Identifier: Apache-2.0
// The journal's tables and the statements on them. One Store is the writer
// connection (every mutation goes through it, inside Begin/Commit); a second
// Store opened with Role::kReader serves leases, replays and stats from WAL
// snapshots without waiting for the writer's fsync.
//
// Layout: `queue_<class>` (one rowid table per priority class, keyed by seq)
// holds stored rows, including acked rows not yet deleted, whose ranges are
// listed in `acked`; `history` holds delivered rows kept for replay, keyed by
// seq. Payloads are serialized events without their seq (see WithSeq).
// `counters` keeps rows/bytes per (queue, history or acked, class), evictions
// per reason, dead letters and the seq high-water mark (which must survive
// the deletion of every row), updated in the same transaction as the rows, so
// opening never counts rows. No secondary index on the rows: every access is a
// key range. `capture_runs` indexes capture times by runs of seqs, written in
// the transaction of the rows they cover (see capture_index.hpp); opening a
// file whose newest rows no run covers (one written before the table existed,
// or by such a build) indexes them first. Old builds ignore the table, so it
// needs no schema_version of its own.
//
// OWNERSHIP: owns its connection and statements.
// THREADING: one thread at a time (the writer thread, or under the reader mutex).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/core/status.hpp"
#include "daemon/journal/capture_index.hpp"
#include "daemon/journal/lease_table.hpp"
#include "daemon/journal/sqlite_db.hpp"

namespace cityedge::journal {

// Stored payloads are serialized events without their seq, which is the row's
// key; this puts the seq field (Event.seq, a varint) in front, which parses
// the same as a fully serialized event.
[[nodiscard]] std::string WithSeq(std::uint64_t seq, std::string_view stored);

// Counter slots.
inline constexpr int kQueuedSlot = 0;    // + priority class
inline constexpr int kHistorySlot = 8;   // + priority class
inline constexpr int kEvictedSlot = 16;  // + gap reason
inline constexpr int kDeadLetterSlot = 24;
inline constexpr int kAckedSlot = 25;  // + priority class: acked, not yet deleted
inline constexpr int kSlotCount = 32;

struct Counters {
  std::array<std::int64_t, kSlotCount> rows{};
  std::array<std::int64_t, kSlotCount> bytes{};
  void Add(int slot, std::int64_t r, std::int64_t b) {
    rows[slot] += r;
    bytes[slot] += b;
  }
};

// What a range operation touched.
struct Touched {
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::int64_t first_capture_ns = 0;
  std::int64_t last_capture_ns = 0;
  void Merge(std::uint64_t seq, std::uint64_t size, std::int64_t capture_ns);
};

struct StoreOptions {
  bool full_sync = false;
  std::uint64_t wal_limit = 16 << 20;
  std::string vfs;  // empty: SQLite's default VFS; tests name a fault injector
};

class Store {
 public:
  enum class Role { kWriter, kReader };

  // Opens an existing or new file, applies pragmas and (writer) the schema.
  // Fails with kDataLoss when the file is not a usable journal.
  [[nodiscard]] static Result<Store> Open(const std::string& path, Role role,
                                          const StoreOptions& options);

  [[nodiscard]] Status QuickCheck();
  [[nodiscard]] Result<std::uint64_t> ReadSequence();
  // Raises the stored high-water mark at the next Commit. Inside a transaction.
  [[nodiscard]] Status WriteSequence(std::uint64_t seq);
  [[nodiscard]] Result<Counters> ReadCounters();

  // Writer transaction. Commit folds the pending counter deltas into the rows
  // of `counters`; Rollback discards them.
  [[nodiscard]] Status Begin();
  [[nodiscard]] Status Commit();
  void Rollback();
  [[nodiscard]] const Counters& pending_delta() const { return delta_; }
  void AddToCounter(int slot, std::int64_t rows, std::int64_t bytes) {
    delta_.Add(slot, rows, bytes);
  }

  // Also records the row in the capture runs written at Commit.
  [[nodiscard]] Status Insert(std::uint64_t seq, int priority, std::int64_t ts_ms,
                              std::string_view payload, std::int64_t capture_ns);
  // Replaces a queued row's payload (gap record coalescing).
  [[nodiscard]] Result<bool> Rewrite(std::uint64_t seq, int priority, std::uint64_t old_size,
                                     std::string_view payload);
  // Queued rows of a class in [first, last] become history, or are deleted
  // when keep_history is false.
  [[nodiscard]] Result<Touched> Acknowledge(int priority, SeqRange range, bool keep_history);
  // Empties a class's queue table, whose `rows` rows of `bytes` bytes the
  // caller knows to be acked, into history or away, and forgets the class's
  // acked ranges. A table clear frees the pages without rewriting them, unlike
  // a deletion of rows.
  [[nodiscard]] Status ClearQueue(int priority, std::int64_t rows, std::int64_t bytes,
                                  bool keep_history);
  // Acked ranges whose rows are still stored (see SqliteJournal::acked_).
  [[nodiscard]] Status RecordAck(int priority, SeqRange range);
  [[nodiscard]] Status ForgetAck(int priority, SeqRange range);
  [[nodiscard]] Result<std::vector<std::pair<int, SeqRange>>> ReadAcks();
  // Queued rows of a class in [first, last] move to dead_letter.
  [[nodiscard]] Result<Touched> MoveToDeadLetter(int priority, SeqRange range,
                                                 std::string_view detail);
  // Oldest queued rows of a class with lo < seq <= hi, at most `limit`, and
  // (when ts_cutoff_ms > 0) only while ts_ms < ts_cutoff_ms. Returns the range
  // covered, for the caller to pin and delete.
  [[nodiscard]] Result<Touched> FindQueued(int priority, std::uint64_t lo, std::uint64_t hi,
                                           std::uint64_t limit, std::int64_t ts_cutoff_ms);
  // with_capture fills the capture times of the first and last row (for gap
  // records) from their payloads.
  [[nodiscard]] Result<Touched> DeleteQueued(int priority, SeqRange range, bool with_capture);
  // Deletes up to `limit` oldest history rows (only those with ts_ms below the
  // cutoff when it is > 0).
  [[nodiscard]] Result<Touched> DeleteHistory(std::uint64_t limit, std::int64_t ts_cutoff_ms);
  // The lowest seq stored in history or a queue; nullopt when there is none.
  [[nodiscard]] Result<std::optional<std::uint64_t>> LowestStoredSeq();
  // Forgets the capture runs that end below `seq` (their rows are gone).
  [[nodiscard]] Status TrimCaptureRuns(std::uint64_t seq);

  // Reader side.
  struct Row {
    std::uint64_t seq;
    std::string_view payload;  // valid until the next Step/Reset of the query
    int queued_priority = 0;   // the row's class when it is queued, 0 in history
  };
  // Runs `visit` on queued rows of a class with lo < seq <= hi, ascending, at
  // most limit; visit returns false to stop.
  template <typename Visit>
  Status ScanQueued(int priority, std::uint64_t lo, std::uint64_t hi, std::uint64_t limit,
                    Visit&& visit);
  template <typename Visit>
  Status ScanRange(std::uint64_t first, std::uint64_t last, std::uint64_t limit, Visit&& visit);
  // seq and ts_ms of the oldest queued row of a class with seq > after.
  [[nodiscard]] Result<std::optional<std::pair<std::uint64_t, std::int64_t>>> OldestQueued(
      int priority, std::uint64_t after);
  // The seq ranges that may hold rows captured in [from_ns, to_ns], ascending
  // and merged; their rows still need a check of their own capture time.
  [[nodiscard]] Result<std::vector<SeqRange>> FindCaptureRuns(std::int64_t from_ns,
                                                              std::int64_t to_ns);

  [[nodiscard]] Db& db() { return db_; }
  [[nodiscard]] bool in_transaction() const { return in_txn_; }

 private:
  // The statements on one class's queue table.
  struct ClassStmts {
    Stmt insert, rewrite, to_history, remove, ends, to_dead, find, scan, oldest, all_to_history,
        clear;
  };
  [[nodiscard]] ClassStmts& Queue(int priority);
  // kDataLoss for a file that is not a journal of this schema (set aside).
  [[nodiscard]] Status CheckIsJournal(const std::string& path);
  [[nodiscard]] Status MigrateFromEvents();
  [[nodiscard]] Status Prepare();
  // Indexes the capture times of rows above the highest run (see the top).
  [[nodiscard]] Status IndexUncoveredRows();
  [[nodiscard]] Status FlushCounters();
  [[nodiscard]] Status WriteCaptureRuns(CaptureRunBuilder& runs);
  [[nodiscard]] Status Fail(int rc, std::string_view what);

  Db db_;
  Role role_ = Role::kWriter;
  bool in_txn_ = false;
  Counters delta_;
  std::uint64_t pending_seq_ = 0;   // highest seq this transaction stored
  CaptureRunBuilder runs_;          // as committed
  CaptureRunBuilder pending_runs_;  // this transaction's
  Stmt begin_, commit_, rollback_;
  Stmt find_history_, delete_history_, bump_counter_, set_sequence_;
  Stmt record_ack_, forget_ack_, forget_class_acks_;
  Stmt upsert_run_, trim_runs_, lowest_seq_;
  Stmt scan_range_, find_runs_;
  std::array<ClassStmts, kClassCount> by_class_;  // index 0 unused
};

template <typename Visit>
Status Store::ScanQueued(int priority, std::uint64_t lo, std::uint64_t hi, std::uint64_t limit,
                         Visit&& visit) {
  Stmt& q = Queue(priority).scan;
  q.Reset()
      .Bind(1, static_cast<std::int64_t>(lo))
      .Bind(2, static_cast<std::int64_t>(hi > INT64_MAX ? INT64_MAX : hi))
      .Bind(3, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    if (!visit(Row{static_cast<std::uint64_t>(q.Int(0)), q.Blob(1)})) break;
  }
  const bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
  q.Reset();
  if (!ok) return std::unexpected(db_.MakeSqliteError(rc, "scan queue"));
  return OkStatus();
}

template <typename Visit>
Status Store::ScanRange(std::uint64_t first, std::uint64_t last, std::uint64_t limit,
                        Visit&& visit) {
  Stmt& q = scan_range_;
  q.Reset()
      .Bind(1, static_cast<std::int64_t>(first))
      .Bind(2, static_cast<std::int64_t>(last > INT64_MAX ? INT64_MAX : last))
      .Bind(3, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    if (!visit(Row{static_cast<std::uint64_t>(q.Int(0)), q.Blob(1), static_cast<int>(q.Int(2))})) {
      break;
    }
  }
  const bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
  q.Reset();
  if (!ok) return std::unexpected(db_.MakeSqliteError(rc, "read range"));
  return OkStatus();
}

}  // namespace cityedge::journal
