// SPDX-License-Identifier: Apache-2.0
#include "daemon/journal/seen_ids.hpp"

#include <mutex>

#include "daemon/journal/sqlite_db.hpp"

namespace cityedge::journal {
namespace {

class SqliteSeenIds final : public SeenIds {
 public:
  SqliteSeenIds(Db db, Stmt insert, Stmt prune, Stmt count, Stmt find)
      : db_(std::move(db)),
        insert_(std::move(insert)),
        prune_(std::move(prune)),
        count_(std::move(count)),
        find_(std::move(find)) {}

  Result<bool> Contains(std::string_view id) override {
    std::lock_guard lock(mu_);
    find_.Reset().BindText(1, id);
    const int rc = find_.Step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Fail(rc, "looking up a command id");
    return rc == SQLITE_ROW;
  }

  Result<bool> Insert(std::string_view id, std::int64_t expires_at_unix_ms,
                      std::int64_t now_unix_ms) override {
    std::lock_guard lock(mu_);
    prune_.Reset().Bind(1, now_unix_ms);
    if (int rc = prune_.Step(); rc != SQLITE_DONE) return Fail(rc, "pruning expired command ids");
    insert_.Reset().BindText(1, id).Bind(2, expires_at_unix_ms);
    const int rc = insert_.Step();
    if (rc != SQLITE_DONE) return Fail(rc, "recording a command id");
    return db_.changes() == 1;
  }

  Result<std::uint64_t> Count() override {
    std::lock_guard lock(mu_);
    count_.Reset();
    if (int rc = count_.Step(); rc != SQLITE_ROW) return Fail(rc, "counting command ids");
    return static_cast<std::uint64_t>(count_.Int(0));
  }

 private:
  std::unexpected<Error> Fail(int rc, std::string_view what) {
    return std::unexpected(db_.MakeSqliteError(rc, what));
  }

  std::mutex mu_;
  Db db_;
  Stmt insert_;
  Stmt prune_;
  Stmt count_;
  Stmt find_;
};

}  // namespace

Result<std::unique_ptr<SeenIds>> SeenIds::Open(const std::string& path) {
  auto db = Db::Open(path, /*create=*/true);
  if (!db) return std::unexpected(db.error().Wrap(fmt::format("command ids {}", path)));
  for (std::string_view sql :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
        "CREATE TABLE IF NOT EXISTS seen(id TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL)"}) {
    if (auto s = db->Exec(sql); !s) {
      return std::unexpected(s.error().Wrap(fmt::format("command ids {}", path)));
    }
  }
  auto insert = db->Prepare("INSERT OR IGNORE INTO seen(id, expires_ms) VALUES(?1, ?2)");
  auto prune = db->Prepare("DELETE FROM seen WHERE expires_ms < ?1");
  auto count = db->Prepare("SELECT count(*) FROM seen");
  auto find = db->Prepare("SELECT 1 FROM seen WHERE id = ?1");
  for (auto* s : {&insert, &prune, &count, &find}) {
    if (!*s) return std::unexpected(s->error().Wrap(fmt::format("command ids {}", path)));
  }
  return std::make_unique<SqliteSeenIds>(std::move(*db), std::move(*insert), std::move(*prune),
                                         std::move(*count), std::move(*find));
}

}  // namespace cityedge::journal
