// SPDX-License-Identifier: Apache-2.0
// Small RAII adapter over the SQLite C API for the journal. Nothing outside
// daemon/journal/ sees these types.
//
// OWNERSHIP: Db owns its sqlite3 connection; Stmt owns its prepared statement
// and must not outlive the Db it was prepared on.
// THREADING: a Db and its statements are used by one thread at a time; the
// journal guards each connection with its own mutex or thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/core/status.hpp"

namespace cityedge::journal {

// Maps an SQLite result code onto a Code. SQLITE_FULL is kResourceExhausted,
// SQLITE_CORRUPT and SQLITE_NOTADB are kDataLoss, I/O errors are kUnavailable.
[[nodiscard]] Code CodeFromSqlite(int rc);

// True when rc (primary code) says the file itself is damaged.
[[nodiscard]] bool IsCorruption(int rc);

class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // Resets the statement and clears bindings; cheap, keeps the prepared plan.
  Stmt& Reset();
  Stmt& Bind(int index, std::int64_t value);
  Stmt& BindBlob(int index, const void* data, std::size_t size);  // not copied
  Stmt& BindText(int index, std::string_view text);               // not copied

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step();
  [[nodiscard]] std::int64_t Int(int column) const;
  [[nodiscard]] std::string_view Blob(int column) const;
  [[nodiscard]] bool IsNull(int column) const;
  [[nodiscard]] sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  Db() = default;
  Db(Db&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Opens (creating if asked) the file through the named VFS (empty: the
  // default one). Extended result codes are enabled.
  [[nodiscard]] static Result<Db> Open(const std::string& path, bool create,
                                       const std::string& vfs = "");

  [[nodiscard]] Status Exec(std::string_view sql);
  [[nodiscard]] Result<Stmt> Prepare(std::string_view sql);
  // Runs a statement that yields one row with one value, e.g. a PRAGMA.
  [[nodiscard]] Result<std::string> QueryText(std::string_view sql);
  [[nodiscard]] Result<std::int64_t> QueryInt(std::string_view sql);

  // An Error for rc carrying the connection's message; keeps the primary rc
  // reachable through last_rc().
  [[nodiscard]] Error MakeSqliteError(int rc, std::string_view what) const;
  [[nodiscard]] int changes() const { return sqlite3_changes(db_); }
  [[nodiscard]] sqlite3* get() const { return db_; }
  [[nodiscard]] bool is_open() const { return db_ != nullptr; }
  void Close();

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace cityedge::journal
