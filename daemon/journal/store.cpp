#include "daemon/journal/store.hpp"

#include <algorithm>
#include <utility>

namespace cityedge::journal {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  priority INTEGER NOT NULL,
  state INTEGER NOT NULL,
  ts_ms INTEGER NOT NULL,
  capture_ns INTEGER NOT NULL,
  size INTEGER NOT NULL,
  payload BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS events_queue ON events(priority, seq) WHERE state = 0;
CREATE INDEX IF NOT EXISTS events_history ON events(seq) WHERE state = 1;
CREATE TABLE IF NOT EXISTS counters(
  id INTEGER PRIMARY KEY, rows INTEGER NOT NULL, bytes INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dead_letter(
  seq INTEGER PRIMARY KEY, priority INTEGER NOT NULL, ts_ms INTEGER NOT NULL,
  capture_ns INTEGER NOT NULL, detail TEXT NOT NULL, payload BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);
INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', 1);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 31)
INSERT OR IGNORE INTO counters(id, rows, bytes) SELECT i, 0, 0 FROM n;
)sql";

// Keeps a checkpoint well inside the configured WAL bound.
std::int64_t AutocheckpointPages(std::uint64_t wal_limit) {
  return std::clamp<std::int64_t>(static_cast<std::int64_t>(wal_limit / 4096 / 2), 16, 1000);
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

Result<Store> Store::Open(const std::string& path, Role role, const StoreOptions& options) {
  Store store;
  store.role_ = role;
  auto db = Db::Open(path, role == Role::kWriter);
  if (!db) return std::unexpected(db.error());
  store.db_ = std::move(*db);
  sqlite3_busy_timeout(store.db_.get(), 5000);
  if (role == Role::kWriter) {
    auto mode = store.db_.QueryText("PRAGMA journal_mode=WAL");
    if (!mode) return std::unexpected(mode.error());
    if (*mode != "wal") {
      return MakeError(Code::kUnavailable, "{}: journal_mode is {}, not wal", path, *mode);
    }
    const std::string pragmas = fmt::format(
        "PRAGMA synchronous={}; PRAGMA journal_size_limit={}; PRAGMA wal_autocheckpoint={};"
        "PRAGMA temp_store=MEMORY; PRAGMA secure_delete=FAST;",
        options.full_sync ? "FULL" : "NORMAL", options.wal_limit,
        AutocheckpointPages(options.wal_limit));
    if (auto s = store.db_.Exec(pragmas); !s) return std::unexpected(s.error());
    if (auto s = store.db_.Exec(kSchema); !s) return std::unexpected(s.error());
  }
  if (auto s = store.Prepare(); !s) return std::unexpected(s.error());
  return store;
}

Status Store::Prepare() {
  struct Entry {
    Stmt* stmt;
    std::string_view sql;
  };
  const Entry reader[] = {
      {&scan_queued_,
       "SELECT seq, payload FROM events WHERE priority = ?1 AND state = 0 AND seq > ?2 "
       "AND seq <= ?3 ORDER BY seq LIMIT ?4"},
      {&scan_range_,
       "SELECT seq, payload FROM events WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq LIMIT ?3"},
      {&oldest_, "SELECT ts_ms FROM events WHERE priority = ?1 AND state = 0 ORDER BY seq LIMIT 1"},
  };
  const Entry writer[] = {
      {&begin_, "BEGIN IMMEDIATE"},
      {&commit_, "COMMIT"},
      {&rollback_, "ROLLBACK"},
      {&insert_,
       "INSERT INTO events(seq, priority, state, ts_ms, capture_ns, size, payload) "
       "VALUES(?1, ?2, 0, ?3, ?4, ?5, ?6)"},
      {&rewrite_,
       "UPDATE events SET payload = ?3, size = ?4 WHERE seq = ?1 AND priority = ?2 AND state = 0"},
      {&ack_keep_,
       "UPDATE events SET state = 1 WHERE priority = ?1 AND state = 0 AND seq BETWEEN ?2 AND ?3 "
       "RETURNING seq, size, capture_ns"},
      {&ack_delete_,
       "DELETE FROM events WHERE priority = ?1 AND state = 0 AND seq BETWEEN ?2 AND ?3 "
       "RETURNING seq, size, capture_ns"},
      {&to_dead_,
       "INSERT OR REPLACE INTO dead_letter(seq, priority, ts_ms, capture_ns, detail, payload) "
       "SELECT seq, priority, ts_ms, capture_ns, ?4, payload FROM events "
       "WHERE priority = ?1 AND state = 0 AND seq BETWEEN ?2 AND ?3"},
      {&find_queued_,
       "SELECT seq, size, capture_ns, ts_ms FROM events WHERE priority = ?1 AND state = 0 "
       "AND seq > ?2 AND seq <= ?3 ORDER BY seq LIMIT ?4"},
      {&find_history_, "SELECT seq, ts_ms FROM events WHERE state = 1 ORDER BY seq LIMIT ?1"},
      {&delete_history_,
       "DELETE FROM events WHERE state = 1 AND seq <= ?1 RETURNING seq, size, capture_ns, "
       "priority"},
      {&bump_counter_, "UPDATE counters SET rows = rows + ?2, bytes = bytes + ?3 WHERE id = ?1"},
  };
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
  auto seq = db_.QueryInt("SELECT seq FROM sqlite_sequence WHERE name = 'events'");
  if (!seq) return std::unexpected(seq.error());
  return static_cast<std::uint64_t>(std::max<std::int64_t>(*seq, 0));
}

Status Store::WriteSequence(std::uint64_t seq) {
  const std::string update =
      fmt::format("UPDATE sqlite_sequence SET seq = {} WHERE name = 'events'", ClampSeq(seq));
  if (auto s = db_.Exec(update); !s) return s;
  if (db_.changes() > 0) return OkStatus();
  return db_.Exec(
      fmt::format("INSERT INTO sqlite_sequence(name, seq) VALUES('events', {})", ClampSeq(seq)));
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
  const int rc = begin_.Reset().Step();
  begin_.Reset();
  if (rc != SQLITE_DONE) return Fail(rc, "begin");
  in_txn_ = true;
  return OkStatus();
}

Status Store::FlushCounters() {
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
  return OkStatus();
}

Status Store::Commit() {
  if (auto s = FlushCounters(); !s) return s;
  const int rc = commit_.Reset().Step();
  commit_.Reset();
  if (rc != SQLITE_DONE) return Fail(rc, "commit");
  in_txn_ = false;
  return OkStatus();
}

void Store::Rollback() {
  if (!in_txn_) return;
  // A failed COMMIT may already have rolled back; the error is then harmless.
  rollback_.Reset().Step();
  rollback_.Reset();
  in_txn_ = false;
  delta_ = Counters{};
}

Status Store::Insert(std::uint64_t seq, int priority, std::int64_t ts_ms, std::int64_t capture_ns,
                     std::string_view payload) {
  const int rc = insert_.Reset()
                     .Bind(1, ClampSeq(seq))
                     .Bind(2, priority)
                     .Bind(3, ts_ms)
                     .Bind(4, capture_ns)
                     .Bind(5, static_cast<std::int64_t>(payload.size()))
                     .BindBlob(6, payload.data(), payload.size())
                     .Step();
  insert_.Reset();
  if (rc != SQLITE_DONE) return Fail(rc, "insert");
  delta_.Add(kQueuedSlot + priority, 1, static_cast<std::int64_t>(payload.size()));
  return OkStatus();
}

Result<bool> Store::Rewrite(std::uint64_t seq, int priority, std::uint64_t old_size,
                            std::string_view payload) {
  const int rc = rewrite_.Reset()
                     .Bind(1, ClampSeq(seq))
                     .Bind(2, priority)
                     .BindBlob(3, payload.data(), payload.size())
                     .Bind(4, static_cast<std::int64_t>(payload.size()))
                     .Step();
  rewrite_.Reset();
  if (rc != SQLITE_DONE) return std::unexpected(db_.MakeSqliteError(rc, "rewrite"));
  if (db_.changes() == 0) return false;
  delta_.Add(kQueuedSlot + priority, 0,
             static_cast<std::int64_t>(payload.size()) - static_cast<std::int64_t>(old_size));
  return true;
}

namespace {

// Steps a `RETURNING seq, size, capture_ns` statement to the end.
Result<Touched> CollectReturning(Db& db, Stmt& stmt, std::string_view what) {
  Touched touched;
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) {
    touched.Merge(static_cast<std::uint64_t>(stmt.Int(0)), static_cast<std::uint64_t>(stmt.Int(1)),
                  stmt.Int(2));
  }
  stmt.Reset();
  if (rc != SQLITE_DONE) return std::unexpected(db.MakeSqliteError(rc, what));
  return touched;
}

}  // namespace

Result<Touched> Store::Acknowledge(int priority, SeqRange range, bool keep_history) {
  Stmt& stmt = keep_history ? ack_keep_ : ack_delete_;
  stmt.Reset().Bind(1, priority).Bind(2, ClampSeq(range.first)).Bind(3, ClampSeq(range.last));
  auto touched = CollectReturning(db_, stmt, "acknowledge");
  if (!touched) return touched;
  const auto rows = static_cast<std::int64_t>(touched->rows);
  const auto bytes = static_cast<std::int64_t>(touched->bytes);
  delta_.Add(kQueuedSlot + priority, -rows, -bytes);
  if (keep_history) delta_.Add(kHistorySlot + priority, rows, bytes);
  return touched;
}

Result<Touched> Store::MoveToDeadLetter(int priority, SeqRange range, std::string_view detail) {
  const int rc = to_dead_.Reset()
                     .Bind(1, priority)
                     .Bind(2, ClampSeq(range.first))
                     .Bind(3, ClampSeq(range.last))
                     .BindText(4, detail)
                     .Step();
  to_dead_.Reset();
  if (rc != SQLITE_DONE) return std::unexpected(db_.MakeSqliteError(rc, "dead letter"));
  auto touched = DeleteQueued(priority, range);
  if (touched) {
    delta_.Add(kDeadLetterSlot, static_cast<std::int64_t>(touched->rows),
               static_cast<std::int64_t>(touched->bytes));
  }
  return touched;
}

Result<Touched> Store::FindQueued(int priority, std::uint64_t lo, std::uint64_t hi,
                                  std::uint64_t limit, std::int64_t ts_cutoff_ms) {
  Touched touched;
  find_queued_.Reset()
      .Bind(1, priority)
      .Bind(2, ClampSeq(lo))
      .Bind(3, ClampSeq(hi))
      .Bind(4, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = find_queued_.Step()) == SQLITE_ROW) {
    if (ts_cutoff_ms > 0 && find_queued_.Int(3) >= ts_cutoff_ms) break;
    touched.Merge(static_cast<std::uint64_t>(find_queued_.Int(0)),
                  static_cast<std::uint64_t>(find_queued_.Int(1)), find_queued_.Int(2));
  }
  const bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
  find_queued_.Reset();
  if (!ok) return std::unexpected(db_.MakeSqliteError(rc, "find queued"));
  return touched;
}

Result<Touched> Store::DeleteQueued(int priority, SeqRange range) {
  ack_delete_.Reset()
      .Bind(1, priority)
      .Bind(2, ClampSeq(range.first))
      .Bind(3, ClampSeq(range.last));
  auto touched = CollectReturning(db_, ack_delete_, "delete queued");
  if (touched) {
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
                  static_cast<std::uint64_t>(size), delete_history_.Int(2));
    const auto priority = static_cast<int>(delete_history_.Int(3));
    if (priority >= 0 && priority < kClassCount) delta_.Add(kHistorySlot + priority, -1, -size);
  }
  delete_history_.Reset();
  if (rc != SQLITE_DONE) return std::unexpected(db_.MakeSqliteError(rc, "delete history"));
  return touched;
}

Result<std::optional<std::int64_t>> Store::OldestQueuedTs(int priority) {
  oldest_.Reset().Bind(1, priority);
  const int rc = oldest_.Step();
  std::optional<std::int64_t> ts;
  if (rc == SQLITE_ROW) ts = oldest_.Int(0);
  oldest_.Reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return std::unexpected(db_.MakeSqliteError(rc, "oldest queued"));
  }
  return ts;
}

}  // namespace cityedge::journal
