// SPDX-License-Identifier: Apache-2.0
// The SQLite implementation of Journal (see journal.hpp for the contract).
//
// Threads and locks:
//  - Producers call Emit: the event is serialized (without seq) on the caller's
//    thread into a thread-local buffer and copied into the pending batch under
//    mu_. No per-event allocation once buffers have grown.
//  - One writer thread owns writer_ (the only connection that writes). It takes
//    the pending batch, prepends each event's seq to its payload and commits up
//    to commit_max_events rows per transaction, together with queued acks and
//    dead letters, evictions and gap records.
//  - Take/ReadRange/GetStats read through reader_ (a second connection, WAL
//    snapshots) under reader_mu_, so they never wait for the writer's fsync.
//  - lease_mu_ guards the lease table; the writer takes it only briefly to pin
//    rows it is about to evict or rewrite. Lock order: lease_mu_, reader_mu_.
// Storage errors never reach producers: SQLITE_FULL evicts and retries, I/O
// errors reopen, corruption quarantines the file; meanwhile events wait in a
// bounded in-memory overflow and Stats report the journal degraded.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "daemon/journal/journal.hpp"
#include "daemon/journal/lease_table.hpp"
#include "daemon/journal/state_file.hpp"
#include "daemon/journal/store.hpp"

namespace cityedge::journal {

// JournalConfig as the journal uses it. Defaults come from config.proto (the
// loader, or config::WithDefaults for a config built in code), never from here.
struct Limits {
  std::string path;
  bool full_sync = false;
  std::uint64_t max_bytes = 0;
  std::uint64_t max_age_ms = 0;  // 0: no age bound
  std::uint64_t min_free_disk = 0;
  std::uint64_t history_bytes = 0;  // 0 with history_age_ms 0: no history
  std::uint64_t history_age_ms = 0;
  std::uint32_t commit_max_events = 0;
  std::uint64_t commit_interval_ms = 0;
  std::uint64_t wal_limit = 0;
  std::uint64_t overflow_bytes = 0;
  std::string vfs;  // empty in production; see UseVfsForTest
  static Limits From(const v1::JournalConfig& config);
  [[nodiscard]] bool keep_history() const { return history_bytes > 0 || history_age_ms > 0; }
};

class SqliteJournal final : public Journal {
 public:
  SqliteJournal(const v1::JournalConfig& config, const clock::Clock& clock);
  ~SqliteJournal() override;

  // Without history, acks only record their ranges. Past the deferral bound
  // one transaction deletes at most this many seqs' worth of acked rows
  // (oldest ranges first), so a commit that carries live events never waits
  // for a drain's worth of deletes; later transactions go on where it
  // stopped. Making room for quota still deletes every acked row before a
  // queued row is evicted.
  static constexpr std::uint64_t kMaxDeferredDeletesPerCommit = 4096;

  // Opens the files (quarantining a damaged one) and starts the writer.
  [[nodiscard]] Status Start();
  // Before Start: every connection opens its files through this registered
  // SQLite VFS (a fault injector, see fault_vfs.hpp) instead of the default.
  void UseVfsForTest(std::string vfs) { limits_.vfs = std::move(vfs); }

  Status Emit(v1::Event event) override;
  Status Flush(std::int64_t timeout_ms) override;
  Result<std::optional<Lease>> Take(const LeaseRequest& request) override;
  Status Ack(std::uint64_t lease_id) override;
  Status Release(std::uint64_t lease_id) override;
  void ReleaseAll() override;
  Status DeadLetter(std::uint64_t lease_id, const std::string& detail) override;
  // Hands a leased set of rows to the writer as acked or dead-lettered; the
  // lease stays outstanding (settling) until the writer has applied it.
  [[nodiscard]] Status Settle(std::uint64_t lease_id, bool dead_letter, std::string detail);
  Result<std::vector<LeasedEvent>> ReadRange(std::uint64_t first_seq, std::uint64_t last_seq,
                                             std::size_t max_events) override;
  Result<std::vector<LeasedEvent>> ReadCaptured(std::int64_t from_unix_ns, std::int64_t to_unix_ns,
                                                std::size_t max_events) override;
  Stats GetStats() override;
  std::uint64_t DurableSeq() const override { return durable_seq_.load(); }
  std::uint64_t DurableAlarmSeq() const override { return durable_alarm_seq_.load(); }
  void SetCommitListener(CommitListener listener) override;
  void Close() override;

 private:
  struct Entry {
    std::uint32_t offset;
    std::uint32_t size;
    std::int32_t priority;
    std::int64_t capture_ns;
  };
  struct Op {
    bool dead_letter = false;
    std::uint64_t lease_id = 0;
    int priority = 0;
    std::vector<SeqRange> ranges;
    std::string detail;
    std::uint64_t rows = 0;  // what the lease handed out
    std::uint64_t bytes = 0;
  };
  struct Batch {
    std::string bytes;
    std::vector<Entry> entries;
    std::vector<Op> ops;
    void Clear();
    void Append(const Batch& other, std::size_t from_entry, bool with_ops);
  };
  struct LeaseInfo {
    int priority = 0;
    std::vector<SeqRange> ranges;
    bool settling = false;  // an ack or dead letter is queued for the writer
    std::uint64_t rows = 0;
    std::uint64_t bytes = 0;
  };
  struct AckedRange {
    int priority = 0;
    SeqRange range;
  };
  // A transaction whose COMMIT failed with an I/O error. SQLite may still have
  // written it whole (a failed fsync after the WAL frames went out), and a
  // reopen then finds it committed; its events lead carry_.
  struct InDoubt {
    std::uint64_t durable_seq = 0;  // before the transaction
    Counters counters;              // before the transaction
    std::size_t entries = 0;
    std::size_t ops = 0;
    v1::GapRecord overflow_gap;  // the overflow it recorded, if any
  };
  struct CoalesceTarget {
    std::uint64_t seq = 0;
    std::uint64_t size = 0;
    v1::GapRecord record;
  };
  // What one transaction did, kept apart so a rollback forgets it.
  struct TxnState {
    std::uint64_t next_seq = 0;
    std::uint64_t last_alarm_seq = 0;  // highest seq of an alarm this process stored
    v1::GapRecord gaps[8];
    CoalesceTarget coalesce[8];
    bool overflow_written = false;
    bool acks_direct = false;               // this transaction's acks delete their rows
    bool deferred_started = false;          // deferred acks are being applied
    bool deferred_done = false;             // every earlier deferred ack was applied
    std::vector<AckedRange> deferred_left;  // once started: acked ranges still stored
    std::uint32_t cleared = 0;              // bit per class whose queue table was cleared
    std::vector<AckedRange> new_acks;       // recorded, rows kept
    std::uint64_t runs_trimmed_below = 0;   // capture runs ending below it are gone
  };

  // Opening and quarantine (journal_open.cpp).
  [[nodiscard]] Status OpenFiles(bool force_quarantine, const std::string& why);
  [[nodiscard]] Status FinishOpening(bool fresh, const std::string& quarantined);
  [[nodiscard]] Result<Store> OpenChecked(bool unclean);
  [[nodiscard]] Status InitSequence(bool fresh, const std::string& quarantine_detail);
  [[nodiscard]] Status CommitOpeningGap(std::uint64_t db_seq);
  // After an unclean stop in an earlier boot with synchronous=NORMAL, commits
  // the uplink may already have published can be missing from the file.
  [[nodiscard]] bool MayHaveLostCommits(std::uint64_t db_seq, std::uint64_t boot_hi,
                                        std::uint64_t boot_lo) const;
  [[nodiscard]] Status RaiseCeiling(std::uint64_t seq);
  void RecoverFromError(const Error& error);
  // After a reopen: drops from carry_ what the in-doubt transaction stored.
  void ResolveInDoubt(bool same_file);

  // Writer thread (journal_writer.cpp).
  void WriterLoop();
  bool WaitForWork(std::unique_lock<std::mutex>& lock);
  void ProcessRound(Batch& incoming);
  [[nodiscard]] Status CommitChunk(const Batch& batch, std::size_t from, std::size_t to,
                                   bool with_ops, bool periodic);
  [[nodiscard]] Status ApplyOps(const std::vector<Op>& ops);
  [[nodiscard]] Status ApplyDeferredAcks(std::uint64_t max_rows = UINT64_MAX);
  [[nodiscard]] Status ClearDrainedQueues();
  [[nodiscard]] Status InsertEntries(const Batch& batch, std::size_t from, std::size_t to);
  [[nodiscard]] Status InsertEvent(const v1::Event& event, int priority);
  void AfterCommit(const Batch* batch, bool with_ops);
  void DropOverflow();
  void ReleasePins();

  // Bounds (journal_bounds.cpp).
  [[nodiscard]] Status EnforceBounds(bool periodic);
  [[nodiscard]] Status EvictHistory(std::uint64_t bytes_to_free, std::int64_t ts_cutoff_ms);
  [[nodiscard]] Result<std::uint64_t> EvictQueued(int priority, v1::GapReason reason,
                                                  std::uint64_t bytes_to_free,
                                                  std::int64_t ts_cutoff_ms);
  [[nodiscard]] Status EvictToTarget(std::uint64_t target_bytes, v1::GapReason reason);
  [[nodiscard]] Status CheckDiskFloor();
  [[nodiscard]] Status EvictOnly();
  void EnsureReserve();
  void ReleaseReserve();
  [[nodiscard]] Status WriteGaps();
  [[nodiscard]] Status TrimCaptureRuns();
  [[nodiscard]] std::uint64_t StoredBytes() const;
  [[nodiscard]] std::int64_t NowMs() const { return clock_.WallNs() / 1'000'000; }

  void SetDegraded(const std::string& reason);
  // Under lease_mu_ and reader_mu_.
  [[nodiscard]] Result<std::optional<std::int64_t>> OldestUnackedTs(int priority);

  Limits limits_;
  const clock::Clock& clock_;
  v1::GapReason opening_gap_reason_ = v1::GAP_REASON_CORRUPT;
  std::string state_path_;

  // Producer side, guarded by mu_.
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  Batch pending_;
  Batch spare_;
  std::uint64_t submitted_ = 0;  // tickets handed to Emit/Ack/DeadLetter/Flush
  std::uint64_t processed_ = 0;  // tickets committed (or counted in a gap)
  std::int64_t first_pending_ns_ = 0;
  bool flush_requested_ = false;
  bool closing_ = false;
  bool closed_ = false;

  // Writer thread only (and Start, before the thread runs).
  Store writer_;
  Batch carry_;  // events waiting for storage to recover
  JournalState state_;
  TxnState txn_;
  TxnState committed_txn_;
  v1::GapRecord overflow_gap_;
  std::uint64_t disk_cap_ = UINT64_MAX;
  std::uint64_t free_at_cap_ = 0;
  bool evict_first_ = false;                // after SQLITE_FULL: make room before inserting
  std::uint32_t chunk_limit_ = UINT32_MAX;  // shrinks while storage is full
  std::int64_t next_periodic_ns_ = 0;
  std::int64_t retry_at_ns_ = 0;
  int failures_ = 0;
  std::optional<InDoubt> in_doubt_;
  // Acked ranges whose rows are still stored. A row-range DELETE rewrites
  // every page of the range (in WAL mode a freed page is written too), so an
  // ack only records its ranges (table `acked`, counters kAckedSlot) and the
  // rows stay, covered by LeaseTable::kAckedOwner so they are never leased
  // again, until their class's queue table holds nothing else and one clear
  // frees its pages unwritten. Past a size bound they are deleted row by row,
  // a bounded part per transaction (kMaxDeferredDeletesPerCommit); to make
  // room for quota, all of them at once.
  std::vector<AckedRange> acked_;
  bool clears_disabled_ = false;  // a clear found rows the counters did not
  std::string scratch_;
  std::thread writer_thread_;

  std::mutex lease_mu_;
  LeaseTable leases_;
  std::unordered_map<std::uint64_t, LeaseInfo> lease_info_;
  std::uint64_t next_lease_id_ = 1;

  std::mutex reader_mu_;
  Store reader_;

  mutable std::mutex stats_mu_;
  Counters counters_;
  std::uint64_t overflow_events_ = 0;
  std::string degraded_reason_;

  std::atomic<std::uint64_t> durable_seq_{0};
  std::atomic<std::uint64_t> durable_alarm_seq_{0};
  std::mutex listener_mu_;
  CommitListener listener_;
};

}  // namespace cityedge::journal
