// SPDX-License-Identifier: Apache-2.0
#include "daemon/journal/fault_vfs.hpp"

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <mutex>

#include "daemon/journal/sqlite_db.hpp"
#include "daemon/journal/sqlite_journal.hpp"

namespace cityedge::journal {
namespace {

// The smallest page SQLite uses; reads below it touch only the file header.
constexpr sqlite3_int64 kFirstPageEnd = 512;
constexpr unsigned char kGarbage = 0xA5;

struct Faults {
  std::atomic<int> writes{0};  // < 0: until cleared
  std::atomic<int> syncs{0};
  // Main database files opened before this generation read garbage.
  std::atomic<std::uint64_t> corrupt_below{0};
  std::atomic<std::uint64_t> next_generation{1};
  std::atomic<std::uint64_t> failed_writes{0};
  std::atomic<std::uint64_t> failed_syncs{0};
  std::atomic<std::uint64_t> corrupted_reads{0};
};

Faults& GetFaults() {
  static Faults faults;
  return faults;
}

// Consumes one armed failure, if any.
bool TakeFailure(std::atomic<int>& armed) {
  int n = armed.load();
  while (n != 0) {
    if (n < 0) return true;
    if (armed.compare_exchange_weak(n, n - 1)) return true;
  }
  return false;
}

// The wrapper's file: SQLite allocates szOsFile bytes, this struct followed by
// the wrapped VFS's own file object.
struct FaultFile {
  sqlite3_file base;
  sqlite3_file* real;
  std::uint64_t generation;
  bool main_db;
};

sqlite3_vfs* Base(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }
sqlite3_file* Real(sqlite3_file* file) { return reinterpret_cast<FaultFile*>(file)->real; }
const sqlite3_io_methods* RealMethods(sqlite3_file* file) { return Real(file)->pMethods; }

int FileClose(sqlite3_file* file) { return RealMethods(file)->xClose(Real(file)); }

int FileRead(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  const int rc = RealMethods(file)->xRead(Real(file), buffer, amount, offset);
  const auto* f = reinterpret_cast<FaultFile*>(file);
  Faults& faults = GetFaults();
  if (rc == SQLITE_OK && f->main_db && offset >= kFirstPageEnd &&
      f->generation < faults.corrupt_below.load()) {
    std::memset(buffer, kGarbage, static_cast<std::size_t>(amount));
    ++faults.corrupted_reads;
  }
  return rc;
}

int FileWrite(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  Faults& faults = GetFaults();
  if (TakeFailure(faults.writes)) {
    ++faults.failed_writes;
    return SQLITE_IOERR_WRITE;
  }
  return RealMethods(file)->xWrite(Real(file), data, amount, offset);
}

int FileSync(sqlite3_file* file, int flags) {
  Faults& faults = GetFaults();
  if (TakeFailure(faults.syncs)) {
    ++faults.failed_syncs;
    return SQLITE_IOERR_FSYNC;
  }
  return RealMethods(file)->xSync(Real(file), flags);
}

int FileTruncate(sqlite3_file* file, sqlite3_int64 size) {
  return RealMethods(file)->xTruncate(Real(file), size);
}
int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  return RealMethods(file)->xFileSize(Real(file), size);
}
int FileLock(sqlite3_file* file, int lock) { return RealMethods(file)->xLock(Real(file), lock); }
int FileUnlock(sqlite3_file* file, int lock) {
  return RealMethods(file)->xUnlock(Real(file), lock);
}
int FileCheckReservedLock(sqlite3_file* file, int* out) {
  return RealMethods(file)->xCheckReservedLock(Real(file), out);
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  return RealMethods(file)->xFileControl(Real(file), op, arg);
}
int FileSectorSize(sqlite3_file* file) { return RealMethods(file)->xSectorSize(Real(file)); }
int FileDeviceCharacteristics(sqlite3_file* file) {
  return RealMethods(file)->xDeviceCharacteristics(Real(file));
}
int FileShmMap(sqlite3_file* file, int page, int size, int extend, void volatile** out) {
  return RealMethods(file)->xShmMap(Real(file), page, size, extend, out);
}
int FileShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return RealMethods(file)->xShmLock(Real(file), offset, n, flags);
}
void FileShmBarrier(sqlite3_file* file) { RealMethods(file)->xShmBarrier(Real(file)); }
int FileShmUnmap(sqlite3_file* file, int delete_flag) {
  return RealMethods(file)->xShmUnmap(Real(file), delete_flag);
}
// No memory-mapped pages: every page goes through FileRead, where faults apply.
int FileFetch(sqlite3_file*, sqlite3_int64, int, void** out) {
  *out = nullptr;
  return SQLITE_OK;
}
int FileUnfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  if (RealMethods(file)->iVersion < 3) return SQLITE_OK;
  return RealMethods(file)->xUnfetch(Real(file), offset, page);
}

const sqlite3_io_methods kFileMethods = {
    3,
    FileClose,
    FileRead,
    FileWrite,
    FileTruncate,
    FileSync,
    FileSize,
    FileLock,
    FileUnlock,
    FileCheckReservedLock,
    FileControl,
    FileSectorSize,
    FileDeviceCharacteristics,
    FileShmMap,
    FileShmLock,
    FileShmBarrier,
    FileShmUnmap,
    FileFetch,
    FileUnfetch,
};

int VfsOpen(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* f = reinterpret_cast<FaultFile*>(file);
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->generation = GetFaults().next_generation.fetch_add(1);
  f->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
  const int rc = Base(vfs)->xOpen(Base(vfs), name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (f->real->pMethods != nullptr) f->real->pMethods->xClose(f->real);
    f->base.pMethods = nullptr;
    return rc;
  }
  f->base.pMethods = &kFileMethods;
  return SQLITE_OK;
}

int VfsDelete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return Base(vfs)->xDelete(Base(vfs), name, sync_dir);
}
int VfsAccess(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return Base(vfs)->xAccess(Base(vfs), name, flags, out);
}
int VfsFullPathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return Base(vfs)->xFullPathname(Base(vfs), name, size, out);
}
void* VfsDlOpen(sqlite3_vfs* vfs, const char* name) { return Base(vfs)->xDlOpen(Base(vfs), name); }
void VfsDlError(sqlite3_vfs* vfs, int size, char* out) {
  Base(vfs)->xDlError(Base(vfs), size, out);
}
void (*VfsDlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return Base(vfs)->xDlSym(Base(vfs), handle, symbol);
}
void VfsDlClose(sqlite3_vfs* vfs, void* handle) { Base(vfs)->xDlClose(Base(vfs), handle); }
int VfsRandomness(sqlite3_vfs* vfs, int size, char* out) {
  return Base(vfs)->xRandomness(Base(vfs), size, out);
}
int VfsSleep(sqlite3_vfs* vfs, int micros) { return Base(vfs)->xSleep(Base(vfs), micros); }
int VfsCurrentTime(sqlite3_vfs* vfs, double* out) {
  return Base(vfs)->xCurrentTime(Base(vfs), out);
}
int VfsGetLastError(sqlite3_vfs* vfs, int size, char* out) {
  return Base(vfs)->xGetLastError(Base(vfs), size, out);
}
int VfsCurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return Base(vfs)->xCurrentTimeInt64(Base(vfs), out);
}

}  // namespace

Status RegisterFaultVfsForTest() {
  static std::once_flag once;
  static int rc = SQLITE_OK;
  std::call_once(once, [] {
    sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
    if (base == nullptr || base->iVersion < 2) {
      rc = SQLITE_ERROR;
      return;
    }
    static sqlite3_vfs vfs{};
    vfs.iVersion = 2;
    vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + base->szOsFile;
    vfs.mxPathname = base->mxPathname;
    vfs.zName = kFaultVfsNameForTest;
    vfs.pAppData = base;
    vfs.xOpen = VfsOpen;
    vfs.xDelete = VfsDelete;
    vfs.xAccess = VfsAccess;
    vfs.xFullPathname = VfsFullPathname;
    vfs.xDlOpen = VfsDlOpen;
    vfs.xDlError = VfsDlError;
    vfs.xDlSym = VfsDlSym;
    vfs.xDlClose = VfsDlClose;
    vfs.xRandomness = VfsRandomness;
    vfs.xSleep = VfsSleep;
    vfs.xCurrentTime = VfsCurrentTime;
    vfs.xGetLastError = VfsGetLastError;
    vfs.xCurrentTimeInt64 = VfsCurrentTimeInt64;
    rc = sqlite3_vfs_register(&vfs, 0);
  });
  if (rc != SQLITE_OK) {
    return MakeError(Code::kInternal, "cannot register the fault VFS: {}", sqlite3_errstr(rc));
  }
  return OkStatus();
}

void FailWritesForTest(int count) { GetFaults().writes.store(count); }

void FailSyncsForTest(int count) { GetFaults().syncs.store(count); }

void CorruptOpenDatabasesForTest() {
  Faults& faults = GetFaults();
  faults.corrupt_below.store(faults.next_generation.load());
}

void ClearFaultsForTest() {
  Faults& faults = GetFaults();
  faults.writes.store(0);
  faults.syncs.store(0);
  faults.corrupt_below.store(0);
}

InjectedFaultsForTest InjectedFaultCountsForTest() {
  const Faults& faults = GetFaults();
  return {faults.failed_writes.load(), faults.failed_syncs.load(), faults.corrupted_reads.load()};
}

Result<std::unique_ptr<Journal>> OpenWithFaultVfsForTest(const v1::JournalConfig& config,
                                                         const clock::Clock& clock) {
  if (auto s = RegisterFaultVfsForTest(); !s) return std::unexpected(s.error());
  auto journal = std::make_unique<SqliteJournal>(config, clock);
  journal->UseVfsForTest(kFaultVfsNameForTest);
  if (auto s = journal->Start(); !s) return std::unexpected(s.error());
  return std::unique_ptr<Journal>(std::move(journal));
}

Status CheckpointTruncateForTest(const std::string& path) {
  auto db = Db::Open(path, false);
  if (!db) return std::unexpected(db.error());
  sqlite3_busy_timeout(db->get(), 5000);
  // A connection finds the WAL only once it has read the database.
  if (auto n = db->QueryInt("SELECT count(*) FROM sqlite_master"); !n) {
    return std::unexpected(n.error());
  }
  int log_frames = 0;
  int checkpointed = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db->get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE,
                                           &log_frames, &checkpointed);
  if (rc != SQLITE_OK) return std::unexpected(db->MakeSqliteError(rc, "wal_checkpoint(TRUNCATE)"));
  return OkStatus();
}

}  // namespace cityedge::journal
