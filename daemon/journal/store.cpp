// SPDX-License-Identifier: Apache-2.0
#include "daemon/journal/store.hpp"

#include "cityedge/v1/event.pb.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "daemon/core/log.hpp"
#include "daemon/core/wire.hpp"

namespace cityedge::journal {
namespace {

// Each class queues in its own rowid table keyed by seq. Appends then fill
// pages at the right edge of one b-tree (SQLite's append fast path, which
// index and WITHOUT ROWID b-trees lack), a lease or ack or eviction is one
// rowid range, and acked ranges empty whole pages that go to the freelist
// without being written again, instead of punching holes in pages shared with
// other classes. Delivered rows move to `history`, keyed by seq, so replay
// reads one key range, trimming cuts pages from its left edge and queue scans
// never step over delivered rows. No secondary index is needed. The seq
// high-water mark lives in `counters` (id 64, outside the counter slots), on
// the page every commit already rewrites, and survives deleting every row.
constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS history(
  seq INTEGER PRIMARY KEY,
  priority INTEGER NOT NULL,
  ts_ms INTEGER NOT NULL,
  payload BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS counters(
  id INTEGER PRIMARY KEY, rows INTEGER NOT NULL, bytes INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dead_letter(
  seq INTEGER PRIMARY KEY, priority INTEGER NOT NULL, ts_ms INTEGER NOT NULL,
  capture_ns INTEGER NOT NULL, detail TEXT NOT NULL, payload BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS acked(
  priority INTEGER NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,
  PRIMARY KEY(priority, first)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS capture_runs(
  bucket INTEGER NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL,
  min_ns INTEGER NOT NULL, max_ns INTEGER NOT NULL,
  PRIMARY KEY(bucket, first_seq)) WITHOUT ROWID;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 31)
INSERT OR IGNORE INTO counters(id, rows, bytes) SELECT i, 0, 0 FROM n;
INSERT OR IGNORE INTO counters(id, rows, bytes) VALUES(64, 0, 0);
INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', 2);
)sql";

constexpr int kFirstClass = 1;  // v1::PriorityClass values that have a queue

std::string QueueSchema() {
  std::string sql;
  for (int p = kFirstClass; p < kClassCount; ++p) {
    sql += fmt::format(
        "CREATE TABLE IF NOT EXISTS queue_{}(seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, "
        "payload BLOB NOT NULL);",
        p);
  }
  return sql;
}

// Journals written before the queue/history split kept every row in one
// `events` table with an AUTOINCREMENT seq, and each payload began with its
// seq field (tag byte and varint), which is cut off here. Runs once, in one
// transaction; the byte counters are recomputed for the shorter payloads.
std::string MigrationFromEvents() {
  std::string varint_len = "CASE";
  for (int bytes = 1; bytes < 9; ++bytes) {
    varint_len += fmt::format(" WHEN seq < {} THEN {}", 1LL << (7 * bytes), bytes);
  }
  varint_len += " ELSE 9 END";
  const std::string body = fmt::format("substr(payload, 2 + ({}))", varint_len);
  std::string sql = "BEGIN IMMEDIATE;";
  for (int p = kFirstClass; p < kClassCount; ++p) {
    sql += fmt::format(
        "INSERT INTO queue_{0}(seq, ts_ms, payload) SELECT seq, ts_ms, {1} FROM events "
        "WHERE state = 0 AND priority = {0};"
        "UPDATE counters SET bytes = (SELECT coalesce(sum(length(payload)), 0) FROM queue_{0}) "
        "WHERE id = {2};"
        "UPDATE counters SET bytes = (SELECT coalesce(sum(length({1})), 0) FROM events "
        "WHERE state = 1 AND priority = {0}) WHERE id = {3};",
        p, body, kQueuedSlot + p, kHistorySlot + p);
  }
  sql += fmt::format(
      "INSERT INTO history(seq, priority, ts_ms, payload) SELECT seq, priority, ts_ms, {} FROM "
      "events WHERE state = 1;",
      body);
  sql += R"sql(
UPDATE counters SET rows = max(rows,
  coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)) WHERE id = 64;
DROP TABLE events;
INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', 2);
COMMIT;)sql";
  return sql;
}

// Each commit rewrites a few fixed pages (the header page, counters, b-tree
// roots, the partly filled last leaf of each class), and under WAL every page
// is written twice (WAL, then checkpoint). Smaller pages make that fixed cost
// smaller; the rows (~100 bytes) still fill 2 KiB pages well. Applies to new
// files only: the page size of an existing file stays.
constexpr std::string_view kPageSizePragma = "PRAGMA page_size=2048";

// Keeps a checkpoint well inside the configured WAL bound, at most every 4 MiB.
std::int64_t AutocheckpointPages(std::uint64_t wal_limit, std::int64_t page_size) {
  const std::int64_t size = std::max<std::int64_t>(page_size, 512);
  return std::clamp<std::int64_t>(static_cast<std::int64_t>(wal_limit) / size / 2, 16,
                                  (4 << 20) / size);
}

std::int64_t ClampSeq(std::uint64_t seq) {
  return seq > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(seq);
}

}  // namespace

void Touched::Merge(std::uint64_t seq, std::uint64_t size, std::int64_t capture_ns) {
  if (rows == 0 || seq < first_seq) first_seq = seq, first_capture_ns = capture_ns;
  if (rows == 0 || seq > last_seq) last_seq = seq, last_capture_ns = capture_ns;
  ++rows;
  bytes += size;
}

std::string WithSeq(std::uint64_t seq, std::string_view stored) {
  std::string out;
  out.reserve(wire::VarintFieldSize(v1::Event::kSeqFieldNumber, seq) + stored.size());
  wire::AppendVarintField(out, v1::Event::kSeqFieldNumber, seq);
  out.append(stored);
  return out;
}

Result<Store> Store::Open(const std::string& path, Role role, const StoreOptions& options) {
  Store store;
  store.role_ = role;
  auto db = Db::Open(path, role == Role::kWriter, options.vfs);
  if (!db) return std::unexpected(db.error());
  store.db_ = std::move(*db);
  sqlite3_busy_timeout(store.db_.get(), 5000);
  if (role == Role::kWriter) {
    if (auto s = store.db_.Exec(kPageSizePragma); !s) return std::unexpected(s.error());
    auto mode = store.db_.QueryText("PRAGMA journal_mode=WAL");
    if (!mode) return std::unexpected(mode.error());
    if (*mode != "wal") {
      return MakeError(Code::kUnavailable, "{}: journal_mode is {}, not wal", path, *mode);
    }
    auto page_size = store.db_.QueryInt("PRAGMA page_size");
    if (!page_size) return std::unexpected(page_size.error());
    const std::string pragmas = fmt::format(
        "PRAGMA synchronous={}; PRAGMA journal_size_limit={}; PRAGMA wal_autocheckpoint={};"
        "PRAGMA temp_store=MEMORY; PRAGMA secure_delete=FAST;",
        options.full_sync ? "FULL" : "NORMAL", options.wal_limit,
        AutocheckpointPages(options.wal_limit, *page_size));
    if (auto s = store.db_.Exec(pragmas); !s) return std::unexpected(s.error());
    if (auto s = store.CheckIsJournal(path); !s) return std::unexpected(s.error());
    // One transaction, so a reader (or a restart after a crash) finds either
    // no schema or all of it, counters included.
    const std::string schema = fmt::format("BEGIN IMMEDIATE;{}{}COMMIT;", kSchema, QueueSchema());
    if (auto s = store.db_.Exec(schema); !s) {
      (void)store.db_.Exec("ROLLBACK");
      return std::unexpected(s.error());
    }
    if (auto s = store.MigrateFromEvents(); !s) return std::unexpected(s.error());
  }
  if (auto s = store.Prepare(); !s) return std::unexpected(s.error());
  if (role == Role::kWriter) {
    if (auto s = store.IndexUncoveredRows(); !s) return std::unexpected(s.error());
  }
  return store;
}

Status Store::CheckIsJournal(const std::string& path) {
  // Checked before the schema is created, so a file that is not this
  // journal's is set aside (quarantined) untouched instead of adopted: one
  // written by a newer CityEdge, or a foreign database with a `meta` or an
  // `events` table (only the pre-split journal layout of `events` migrates).
  auto has_meta =
      db_.QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
  if (!has_meta) return std::unexpected(has_meta.error());
  if (*has_meta != 0) {
    auto version =
        db_.QueryInt("SELECT coalesce((SELECT value FROM meta WHERE key = 'schema_version'), 2)");
    // 1: the pre-split layout, migrated below; 2: this layout.
    if (!version || (*version != 1 && *version != 2)) {
      return MakeError(Code::kDataLoss, "{}: not a journal of schema_version 1 or 2 ({})", path,
                       version ? std::to_string(*version) : version.error().message());
    }
  }
  auto events_columns = db_.QueryInt(
      "SELECT count(*) FROM pragma_table_info('events') WHERE name IN "
      "('seq', 'state', 'priority', 'ts_ms', 'payload')");
  if (!events_columns) return std::unexpected(events_columns.error());
  auto has_events =
      db_.QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'");
  if (!has_events) return std::unexpected(has_events.error());
  if (*has_events != 0 && *events_columns != 5) {
    return MakeError(Code::kDataLoss, "{}: table `events` is not a CityEdge journal's", path);
  }
  return OkStatus();
}

Status Store::MigrateFromEvents() {
  auto old =
      db_.QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'");
  if (!old) return std::unexpected(old.error());
  if (*old == 0) return OkStatus();
  if (auto s = db_.Exec(MigrationFromEvents()); !s) {
    (void)db_.Exec("ROLLBACK");
    return s;
  }
  return OkStatus();
}

Status Store::IndexUncoveredRows() {
  auto covered = db_.QueryInt("SELECT coalesce(max(last_seq), 0) FROM capture_runs");
  if (!covered) return std::unexpected(covered.error());
  if (auto s = Begin(); !s) return s;
  std::uint64_t rows = 0;
  auto s = ScanRange(static_cast<std::uint64_t>(*covered) + 1, UINT64_MAX, UINT64_MAX,
                     [&](const Row& row) {
                       pending_runs_.Add(row.seq, CaptureNsOf(row.payload));
                       ++rows;
                       return true;
                     });
  if (s) s = Commit();
  if (!s) {
    Rollback();
    return s;
  }
  if (rows > 0) spdlog::info("journal: indexed the capture times of {} stored rows", rows);
  return OkStatus();
}

Status Store::Prepare() {
  struct Entry {
    Stmt* stmt;
    std::string sql;
  };
  std::string range_arms;
  for (int p = kFirstClass; p < kClassCount; ++p) {
    range_arms += fmt::format(
        " UNION ALL SELECT seq, payload, {0} FROM queue_{0} WHERE seq BETWEEN ?1 AND ?2", p);
  }
  std::vector<Entry> reader = {
      // One arm per table, each already in seq order, so the compound ORDER BY
      // merges them and LIMIT stops the scan early.
      {&scan_range_, "SELECT seq, payload, 0 FROM history WHERE seq BETWEEN ?1 AND ?2" +
                         range_arms + " ORDER BY 1 LIMIT ?3"},
      {&find_runs_,
       "SELECT first_seq, last_seq FROM capture_runs WHERE bucket BETWEEN ?1 AND ?2 "
       "AND max_ns >= ?3 AND min_ns <= ?4"},
  };
  std::string lowest = "SELECT min(s) FROM (SELECT min(seq) AS s FROM history";
  for (int p = kFirstClass; p < kClassCount; ++p) {
    lowest += fmt::format(" UNION ALL SELECT min(seq) FROM queue_{}", p);
  }
  lowest += ")";
  std::vector<Entry> writer = {
      {&begin_, "BEGIN IMMEDIATE"},
      {&commit_, "COMMIT"},
      {&rollback_, "ROLLBACK"},
      {&find_history_, "SELECT seq, ts_ms FROM history ORDER BY seq LIMIT ?1"},
      {&delete_history_,
       "DELETE FROM history WHERE seq <= ?1 RETURNING seq, length(payload), priority"},
      {&bump_counter_, "UPDATE counters SET rows = rows + ?2, bytes = bytes + ?3 WHERE id = ?1"},
      {&set_sequence_, "UPDATE counters SET rows = ?1 WHERE id = 64 AND rows < ?1"},
      {&record_ack_, "INSERT OR REPLACE INTO acked(priority, first, last) VALUES(?1, ?2, ?3)"},
      {&forget_ack_, "DELETE FROM acked WHERE priority = ?1 AND first = ?2"},
      {&forget_class_acks_, "DELETE FROM acked WHERE priority = ?1"},
      // A run only grows (see CaptureRunBuilder::TakeChanged).
      {&upsert_run_,
       "INSERT INTO capture_runs(bucket, first_seq, last_seq, min_ns, max_ns) "
       "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(bucket, first_seq) DO UPDATE SET "
       "last_seq = max(last_seq, excluded.last_seq), min_ns = min(min_ns, excluded.min_ns), "
       "max_ns = max(max_ns, excluded.max_ns)"},
      {&trim_runs_, "DELETE FROM capture_runs WHERE last_seq < ?1"},
      {&lowest_seq_, std::move(lowest)},
  };
  for (int p = kFirstClass; p < kClassCount; ++p) {
    ClassStmts& c = by_class_[p];
    reader.push_back(
        {&c.scan, fmt::format("SELECT seq, payload FROM queue_{} WHERE seq > ?1 AND seq <= ?2 "
                              "ORDER BY seq LIMIT ?3",
                              p)});
    reader.push_back(
        {&c.oldest,
         fmt::format("SELECT seq, ts_ms FROM queue_{} WHERE seq > ?1 ORDER BY seq LIMIT 1", p)});
    writer.push_back(
        {&c.insert,
         fmt::format("INSERT INTO queue_{}(seq, ts_ms, payload) VALUES(?1, ?2, ?3)", p)});
    writer.push_back(
        {&c.rewrite, fmt::format("UPDATE queue_{} SET payload = ?2 WHERE seq = ?1", p)});
    writer.push_back(
        {&c.to_history, fmt::format("INSERT INTO history(seq, priority, ts_ms, payload) "
                                    "SELECT seq, {0}, ts_ms, payload FROM queue_{0} "
                                    "WHERE seq BETWEEN ?1 AND ?2",
                                    p)});
    writer.push_back(
        {&c.all_to_history, fmt::format("INSERT INTO history(seq, priority, ts_ms, payload) "
                                        "SELECT seq, {0}, ts_ms, payload FROM queue_{0}",
                                        p)});
    // No WHERE and no RETURNING, so SQLite truncates the table.
    writer.push_back({&c.clear, fmt::format("DELETE FROM queue_{}", p)});
    writer.push_back({&c.remove, fmt::format("DELETE FROM queue_{} WHERE seq BETWEEN ?1 AND ?2 "
                                             "RETURNING seq, length(payload)",
                                             p)});
    writer.push_back(
        {&c.ends, fmt::format("SELECT (SELECT payload FROM queue_{0} WHERE seq BETWEEN ?1 AND ?2 "
                              "ORDER BY seq LIMIT 1), (SELECT payload FROM queue_{0} WHERE seq "
                              "BETWEEN ?1 AND ?2 ORDER BY seq DESC LIMIT 1)",
                              p)});
    writer.push_back(
        {&c.to_dead,
         // The capture time is in the payload; the column predates that.
         fmt::format("INSERT OR REPLACE INTO dead_letter(seq, priority, ts_ms, capture_ns, detail, "
                     "payload) SELECT seq, {0}, ts_ms, 0, ?3, payload FROM queue_{0} "
                     "WHERE seq BETWEEN ?1 AND ?2",
                     p)});
    writer.push_back({&c.find, fmt::format("SELECT seq, length(payload), ts_ms FROM queue_{} "
                                           "WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3",
                                           p)});
  }
  for (const Entry& e : reader) {
    auto stmt = db_.Prepare(e.sql);
    if (!stmt) return std::unexpected(stmt.error());
    *e.stmt = std::move(*stmt);
  }
  if (role_ == Role::kReader) return OkStatus();
  for (const Entry& e : writer) {
    auto stmt = db_.Prepare(e.sql);
    if (!stmt) return std::unexpected(stmt.error());
    *e.stmt = std::move(*stmt);
  }
  return OkStatus();
}

Status Store::Fail(int rc, std::string_view what) {
  return std::unexpected(db_.MakeSqliteError(rc, what));
}

Status Store::QuickCheck() {
  auto result = db_.QueryText("PRAGMA quick_check(1)");
  if (!result) return std::unexpected(result.error());
  if (*result != "ok") return MakeError(Code::kDataLoss, "quick_check: {}", *result);
  return OkStatus();
}

Result<std::uint64_t> Store::ReadSequence() {
  auto seq = db_.QueryInt("SELECT rows FROM counters WHERE id = 64");
  if (!seq) return std::unexpected(seq.error());
  return static_cast<std::uint64_t>(std::max<std::int64_t>(*seq, 0));
}

Status Store::WriteSequence(std::uint64_t seq) {
  pending_seq_ = std::max(pending_seq_, seq);
  return OkStatus();
}

Result<Counters> Store::ReadCounters() {
  Counters counters;
  auto stmt = db_.Prepare("SELECT id, rows, bytes FROM counters");
  if (!stmt) return std::unexpected(stmt.error());
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) {
    const std::int64_t id = stmt->Int(0);
    if (id < 0 || id >= kSlotCount) continue;
    counters.rows[id] = stmt->Int(1);
    counters.bytes[id] = stmt->Int(2);
  }
  if (rc != SQLITE_DONE) return std::unexpected(db_.MakeSqliteError(rc, "read counters"));
  return counters;
}

Status Store::Begin() {
  delta_ = Counters{};
  pending_seq_ = 0;
  pending_runs_ = runs_;
  const int rc = begin_.Reset().Step();
  begin_.Reset();
  if (rc != SQLITE_DONE) return Fail(rc, "begin");
  in_txn_ = true;
  return OkStatus();
}

Status Store::WriteCaptureRuns(CaptureRunBuilder& runs) {
  for (const CaptureRun& run : runs.TakeChanged()) {
    const int rc = upsert_run_.Reset()
                       .Bind(1, run.bucket)
                       .Bind(2, ClampSeq(run.first_seq))
                       .Bind(3, ClampSeq(run.last_seq))
                       .Bind(4, run.min_ns)
                       .Bind(5, run.max_ns)
                       .Step();
    upsert_run_.Reset();
    if (rc != SQLITE_DONE) return Fail(rc, "write capture runs");
  }
  return OkStatus();
}

Status Store::FlushCounters() {
  if (auto s = WriteCaptureRuns(pending_runs_); !s) return s;
  for (int slot = 0; slot < kSlotCount; ++slot) {
    if (delta_.rows[slot] == 0 && delta_.bytes[slot] == 0) continue;
    const int rc = bump_counter_.Reset()
                       .Bind(1, slot)
                       .Bind(2, delta_.rows[slot])
                       .Bind(3, delta_.bytes[slot])
                       .Step();
    bump_counter_.Reset();
    if (rc != SQLITE_DONE) return Fail(rc, "update counters");
  }
  if (pending_seq_ == 0) return OkStatus();
  const int rc = set_sequence_.Reset().Bind(1, ClampSeq(pending_seq_)).Step();
  set_sequence_.Reset();
  if (rc != SQLITE_DONE) return Fail(rc, "update sequence");
  return OkStatus();
}

Status Store::Commit() {
  if (auto s = FlushCounters(); !s) return s;
  const int rc = commit_.Reset().Step();
  commit_.Reset();
  if (rc != SQLITE_DONE) return Fail(rc, "commit");
  in_txn_ = false;
  runs_ = std::move(pending_runs_);
  pending_runs_ = CaptureRunBuilder();
  return OkStatus();
}

void Store::Rollback() {
  if (!in_txn_) return;
  // A failed COMMIT may already have rolled back; the error is then harmless.
  rollback_.Reset().Step();
  rollback_.Reset();
  in_txn_ = false;
  delta_ = Counters{};
  pending_seq_ = 0;
}

Status Store::Insert(std::uint64_t seq, int priority, std::int64_t ts_ms, std::string_view payload,
                     std::int64_t capture_ns) {
  Stmt& insert = Queue(priority).insert;
  const int rc = insert.Reset()
                     .Bind(1, ClampSeq(seq))
                     .Bind(2, ts_ms)
                     .BindBlob(3, payload.data(), payload.size())
                     .Step();
  insert.Reset();
  if (rc != SQLITE_DONE) return Fail(rc, "insert");
  pending_seq_ = std::max(pending_seq_, seq);
  pending_runs_.Add(seq, capture_ns);
  delta_.Add(kQueuedSlot + priority, 1, static_cast<std::int64_t>(payload.size()));
  return OkStatus();
}

Result<bool> Store::Rewrite(std::uint64_t seq, int priority, std::uint64_t old_size,
                            std::string_view payload) {
  Stmt& rewrite = Queue(priority).rewrite;
  const int rc =
      rewrite.Reset().Bind(1, ClampSeq(seq)).BindBlob(2, payload.data(), payload.size()).Step();
  rewrite.Reset();
  if (rc != SQLITE_DONE) return std::unexpected(db_.MakeSqliteError(rc, "rewrite"));
  if (db_.changes() == 0) return false;
  pending_runs_.Add(seq, CaptureNsOf(payload));
  delta_.Add(kQueuedSlot + priority, 0,
             static_cast<std::int64_t>(payload.size()) - static_cast<std::int64_t>(old_size));
  return true;
}

namespace {

// Steps a `RETURNING seq, size` statement to the end.
Result<Touched> CollectReturning(Db& db, Stmt& stmt, std::string_view what) {
  Touched touched;
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) {
    touched.Merge(static_cast<std::uint64_t>(stmt.Int(0)), static_cast<std::uint64_t>(stmt.Int(1)),
                  0);
  }
  stmt.Reset();
  if (rc != SQLITE_DONE) return std::unexpected(db.MakeSqliteError(rc, what));
  return touched;
}

}  // namespace

Result<Touched> Store::Acknowledge(int priority, SeqRange range, bool keep_history) {
  if (keep_history) {
    Stmt& copy = Queue(priority).to_history;
    const int rc = copy.Reset().Bind(1, ClampSeq(range.first)).Bind(2, ClampSeq(range.last)).Step();
    copy.Reset();
    if (rc != SQLITE_DONE) return std::unexpected(db_.MakeSqliteError(rc, "keep history"));
  }
  auto touched = DeleteQueued(priority, range, false);
  if (touched && keep_history) {
    delta_.Add(kHistorySlot + priority, static_cast<std::int64_t>(touched->rows),
               static_cast<std::int64_t>(touched->bytes));
  }
  return touched;
}

Status Store::ClearQueue(int priority, std::int64_t rows, std::int64_t bytes, bool keep_history) {
  ClassStmts& c = Queue(priority);
  if (keep_history) {
    const int rc = c.all_to_history.Reset().Step();
    c.all_to_history.Reset();
    if (rc != SQLITE_DONE) return Fail(rc, "keep history");
  }
  const int rc = c.clear.Reset().Step();
  c.clear.Reset();
  if (rc != SQLITE_DONE) return Fail(rc, "clear queue");
  if (db_.changes() != rows) {
    return MakeError(Code::kInternal, "queue of class {} held {} rows, {} acked", priority,
                     db_.changes(), rows);
  }
  const int forget_rc = forget_class_acks_.Reset().Bind(1, priority).Step();
  forget_class_acks_.Reset();
  if (forget_rc != SQLITE_DONE) return Fail(forget_rc, "forget acks");
  delta_.Add(kQueuedSlot + priority, -rows, -bytes);
  delta_.Add(kAckedSlot + priority, -rows, -bytes);
  if (keep_history) delta_.Add(kHistorySlot + priority, rows, bytes);
  return OkStatus();
}

Status Store::RecordAck(int priority, SeqRange range) {
  const int rc = record_ack_.Reset()
                     .Bind(1, priority)
                     .Bind(2, ClampSeq(range.first))
                     .Bind(3, ClampSeq(range.last))
                     .Step();
  record_ack_.Reset();
  if (rc != SQLITE_DONE) return Fail(rc, "record ack");
  return OkStatus();
}

Status Store::ForgetAck(int priority, SeqRange range) {
  const int rc = forget_ack_.Reset().Bind(1, priority).Bind(2, ClampSeq(range.first)).Step();
  forget_ack_.Reset();
  if (rc != SQLITE_DONE) return Fail(rc, "forget ack");
  return OkStatus();
}

Result<std::vector<std::pair<int, SeqRange>>> Store::ReadAcks() {
  std::vector<std::pair<int, SeqRange>> acks;
  auto stmt = db_.Prepare("SELECT priority, first, last FROM acked");
  if (!stmt) return std::unexpected(stmt.error());
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) {
    const std::int64_t p = stmt->Int(0);
    if (p < kFirstClass || p >= kClassCount) continue;
    acks.emplace_back(static_cast<int>(p), SeqRange{static_cast<std::uint64_t>(stmt->Int(1)),
                                                    static_cast<std::uint64_t>(stmt->Int(2))});
  }
  if (rc != SQLITE_DONE) return std::unexpected(db_.MakeSqliteError(rc, "read acks"));
  return acks;
}

Result<Touched> Store::MoveToDeadLetter(int priority, SeqRange range, std::string_view detail) {
  Stmt& copy = Queue(priority).to_dead;
  const int rc = copy.Reset()
                     .Bind(1, ClampSeq(range.first))
                     .Bind(2, ClampSeq(range.last))
                     .BindText(3, detail)
                     .Step();
  copy.Reset();
  if (rc != SQLITE_DONE) return std::unexpected(db_.MakeSqliteError(rc, "dead letter"));
  auto touched = DeleteQueued(priority, range, true);
  if (touched) {
    delta_.Add(kDeadLetterSlot, static_cast<std::int64_t>(touched->rows),
               static_cast<std::int64_t>(touched->bytes));
  }
  return touched;
}

Result<Touched> Store::FindQueued(int priority, std::uint64_t lo, std::uint64_t hi,
                                  std::uint64_t limit, std::int64_t ts_cutoff_ms) {
  Touched touched;
  Stmt& find = Queue(priority).find;
  find.Reset()
      .Bind(1, ClampSeq(lo))
      .Bind(2, ClampSeq(hi))
      .Bind(3, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = find.Step()) == SQLITE_ROW) {
    if (ts_cutoff_ms > 0 && find.Int(2) >= ts_cutoff_ms) break;
    touched.Merge(static_cast<std::uint64_t>(find.Int(0)), static_cast<std::uint64_t>(find.Int(1)),
                  0);
  }
  const bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
  find.Reset();
  if (!ok) return std::unexpected(db_.MakeSqliteError(rc, "find queued"));
  return touched;
}

Result<Touched> Store::DeleteQueued(int priority, SeqRange range, bool with_capture) {
  std::int64_t first_capture_ns = 0;
  std::int64_t last_capture_ns = 0;
  if (with_capture) {
    Stmt& ends = Queue(priority).ends;
    const int rc = ends.Reset().Bind(1, ClampSeq(range.first)).Bind(2, ClampSeq(range.last)).Step();
    if (rc == SQLITE_ROW) {
      first_capture_ns = CaptureNsOf(ends.Blob(0));
      last_capture_ns = CaptureNsOf(ends.Blob(1));
    }
    ends.Reset();
    if (rc != SQLITE_ROW) return std::unexpected(db_.MakeSqliteError(rc, "capture times"));
  }
  Stmt& remove = Queue(priority).remove;
  remove.Reset().Bind(1, ClampSeq(range.first)).Bind(2, ClampSeq(range.last));
  auto touched = CollectReturning(db_, remove, "delete queued");
  if (touched) {
    touched->first_capture_ns = first_capture_ns;
    touched->last_capture_ns = last_capture_ns;
    delta_.Add(kQueuedSlot + priority, -static_cast<std::int64_t>(touched->rows),
               -static_cast<std::int64_t>(touched->bytes));
  }
  return touched;
}

Result<Touched> Store::DeleteHistory(std::uint64_t limit, std::int64_t ts_cutoff_ms) {
  std::int64_t last = -1;
  find_history_.Reset().Bind(1, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = find_history_.Step()) == SQLITE_ROW) {
    if (ts_cutoff_ms > 0 && find_history_.Int(1) >= ts_cutoff_ms) break;
    last = find_history_.Int(0);
  }
  const bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
  find_history_.Reset();
  if (!ok) return std::unexpected(db_.MakeSqliteError(rc, "find history"));
  Touched touched;
  if (last < 0) return touched;
  delete_history_.Reset().Bind(1, last);
  while ((rc = delete_history_.Step()) == SQLITE_ROW) {
    const auto size = delete_history_.Int(1);
    touched.Merge(static_cast<std::uint64_t>(delete_history_.Int(0)),
                  static_cast<std::uint64_t>(size), 0);
    const auto priority = static_cast<int>(delete_history_.Int(2));
    if (priority >= 0 && priority < kClassCount) delta_.Add(kHistorySlot + priority, -1, -size);
  }
  delete_history_.Reset();
  if (rc != SQLITE_DONE) return std::unexpected(db_.MakeSqliteError(rc, "delete history"));
  return touched;
}

Result<std::optional<std::pair<std::uint64_t, std::int64_t>>> Store::OldestQueued(
    int priority, std::uint64_t after) {
  Stmt& oldest = Queue(priority).oldest;
  const int rc = oldest.Reset().Bind(1, ClampSeq(after)).Step();
  std::optional<std::pair<std::uint64_t, std::int64_t>> row;
  if (rc == SQLITE_ROW) row.emplace(static_cast<std::uint64_t>(oldest.Int(0)), oldest.Int(1));
  oldest.Reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return std::unexpected(db_.MakeSqliteError(rc, "oldest queued"));
  }
  return row;
}

Result<std::optional<std::uint64_t>> Store::LowestStoredSeq() {
  const int rc = lowest_seq_.Reset().Step();
  std::optional<std::uint64_t> seq;
  if (rc == SQLITE_ROW && !lowest_seq_.IsNull(0)) {
    seq = static_cast<std::uint64_t>(lowest_seq_.Int(0));
  }
  lowest_seq_.Reset();
  if (rc != SQLITE_ROW) return std::unexpected(db_.MakeSqliteError(rc, "lowest seq"));
  return seq;
}

Status Store::TrimCaptureRuns(std::uint64_t seq) {
  const int rc = trim_runs_.Reset().Bind(1, ClampSeq(seq)).Step();
  trim_runs_.Reset();
  if (rc != SQLITE_DONE) return Fail(rc, "trim capture runs");
  return OkStatus();
}

Result<std::vector<SeqRange>> Store::FindCaptureRuns(std::int64_t from_ns, std::int64_t to_ns) {
  std::vector<SeqRange> ranges;
  if (from_ns > to_ns) return ranges;
  find_runs_.Reset()
      .Bind(1, CaptureBucket(from_ns))
      .Bind(2, CaptureBucket(to_ns))
      .Bind(3, from_ns)
      .Bind(4, to_ns);
  int rc;
  while ((rc = find_runs_.Step()) == SQLITE_ROW) {
    ranges.push_back(SeqRange{static_cast<std::uint64_t>(find_runs_.Int(0)),
                              static_cast<std::uint64_t>(find_runs_.Int(1))});
  }
  find_runs_.Reset();
  if (rc != SQLITE_DONE) return std::unexpected(db_.MakeSqliteError(rc, "find capture runs"));
  return MergeRanges(std::move(ranges));
}

Store::ClassStmts& Store::Queue(int priority) {
  // Callers pass normalized classes; another value is a broken invariant.
  if (priority < kFirstClass || priority >= kClassCount) std::abort();
  return by_class_[priority];
}

}  // namespace cityedge::journal
