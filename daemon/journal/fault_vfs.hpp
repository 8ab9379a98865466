// SPDX-License-Identifier: Apache-2.0
// Test-only fault injection under the journal: an SQLite VFS that wraps the
// default one and makes writes or syncs fail, or reads return damaged pages,
// on demand; and a way to open a journal whose files go through it. Built into
// cityedge_journal_testing, which only tests link. Production code never
// registers or names this VFS.
//
// THREADING: every function is safe from any thread; the fault switches are
// atomics read by whichever thread SQLite does I/O on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cityedge/v1/config.pb.h"
#include "daemon/core/clock.hpp"
#include "daemon/core/status.hpp"
#include "daemon/journal/journal.hpp"

namespace cityedge::journal {

// Registers the fault VFS (once; later calls do nothing) under
// kFaultVfsNameForTest. It never becomes the default VFS.
inline constexpr char kFaultVfsNameForTest[] = "cityedge-fault";
[[nodiscard]] Status RegisterFaultVfsForTest();

// The next `count` xWrite calls on any file opened through the VFS fail with
// SQLITE_IOERR_WRITE (nothing is written); count < 0 fails every call until
// ClearFaultsForTest.
void FailWritesForTest(int count);
// Same for xSync, failing with SQLITE_IOERR_FSYNC (nothing is synced).
void FailSyncsForTest(int count);
// Every later read past the first page of a main database file that is open
// right now returns a page of garbage, as if the disk had damaged it. Files
// opened after this call read normally (a fresh journal replacing the damaged
// one is healthy).
void CorruptOpenDatabasesForTest();
// Ends every fault; the counters below keep counting.
void ClearFaultsForTest();

struct InjectedFaultsForTest {
  std::uint64_t failed_writes = 0;
  std::uint64_t failed_syncs = 0;
  std::uint64_t corrupted_reads = 0;
};
[[nodiscard]] InjectedFaultsForTest InjectedFaultCountsForTest();

// Like journal::Open, but every connection of the journal goes through the
// fault VFS (registered if needed).
[[nodiscard]] Result<std::unique_ptr<Journal>> OpenWithFaultVfsForTest(
    const v1::JournalConfig& config, const clock::Clock& clock);

// Makes every connection to `path` reload its pages from the file: a separate
// connection (default VFS) runs a TRUNCATE checkpoint, which moves committed
// pages into the main file and restarts the WAL. Fails when the checkpoint
// could not complete (a connection kept a transaction open).
[[nodiscard]] Status CheckpointTruncateForTest(const std::string& path);

}  // namespace cityedge::journal
