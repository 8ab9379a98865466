// SPDX-License-Identifier: Apache-2.0
#include "daemon/journal/sqlite_db.hpp"

#include <utility>

namespace cityedge::journal {

Code CodeFromSqlite(int rc) {
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return Code::kOk;
    case SQLITE_FULL:
      return Code::kResourceExhausted;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Code::kDataLoss;
    case SQLITE_IOERR:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
      return Code::kUnavailable;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return Code::kPermissionDenied;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return Code::kInvalidArgument;
    default:
      return Code::kInternal;
  }
}

bool IsCorruption(int rc) { return (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB; }

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return *this;
}

Stmt& Stmt::Bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Stmt& Stmt::BindBlob(int index, const void* data, std::size_t size) {
  sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_STATIC);
  return *this;
}

Stmt& Stmt::BindText(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  return *this;
}

int Stmt::Step() { return sqlite3_step(stmt_); }

std::int64_t Stmt::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string_view Stmt::Blob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr) return {};
  return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}

bool Stmt::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    Close();
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Db::~Db() { Close(); }

void Db::Close() {
  if (db_ != nullptr) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }
}

Result<Db> Db::Open(const std::string& path, bool create, const std::string& vfs) {
  Db db;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (create) flags |= SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(path.c_str(), &db.db_, flags, vfs.empty() ? nullptr : vfs.c_str());
  if (rc != SQLITE_OK) {
    return std::unexpected(db.MakeSqliteError(rc, fmt::format("open {}", path)));
  }
  sqlite3_extended_result_codes(db.db_, 1);
  return db;
}

Status Db::Exec(std::string_view sql) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    const auto start = sql.find_first_not_of(" \n");
    const std::string_view head = sql.substr(start == std::string_view::npos ? 0 : start, 40);
    return std::unexpected(MakeSqliteError(rc, head.substr(0, head.find('\n'))));
  }
  return OkStatus();
}

Result<Stmt> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(MakeSqliteError(rc, sql));
  return Stmt(stmt);
}

Result<std::string> Db::QueryText(std::string_view sql) {
  auto stmt = Prepare(sql);
  if (!stmt) return std::unexpected(stmt.error());
  const int rc = stmt->Step();
  if (rc == SQLITE_ROW) {
    const std::string_view v = stmt->Blob(0);
    return std::string(v);
  }
  if (rc == SQLITE_DONE) return std::string();
  return std::unexpected(MakeSqliteError(rc, sql));
}

Result<std::int64_t> Db::QueryInt(std::string_view sql) {
  auto stmt = Prepare(sql);
  if (!stmt) return std::unexpected(stmt.error());
  const int rc = stmt->Step();
  if (rc == SQLITE_ROW) return stmt->Int(0);
  if (rc == SQLITE_DONE) return 0;
  return std::unexpected(MakeSqliteError(rc, sql));
}

Error Db::MakeSqliteError(int rc, std::string_view what) const {
  const char* detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  return Error(CodeFromSqlite(rc),
               fmt::format("sqlite {} ({}): {}", what, rc, detail != nullptr ? detail : "?"));
}

}  // namespace cityedge::journal
