// SPDX-License-Identifier: Apache-2.0
// Checks on journal files that need no open database: the SQLite header, the
// quarantine name, and a read-only integrity check for tools and tests.
//
// THREADING: free functions, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/core/status.hpp"

namespace cityedge::journal {

// Fails with kDataLoss when the main file's header is not SQLite's or says the
// file is longer than it is (a truncated copy). A missing or empty file is ok.
// Only meaningful when no WAL holds newer pages.
[[nodiscard]] Status CheckHeader(const std::string& path);

// "/x/journal.db" at 2024-05-01 12:00:03 UTC -> "/x/journal.corrupt.20240501T120003Z.db".
[[nodiscard]] std::string QuarantineName(const std::string& path, std::int64_t wall_ns);

// Renames the file and its -wal/-shm companions to the quarantine name (with a
// numeric suffix if taken). Returns the new main file name.
[[nodiscard]] Result<std::string> MoveToQuarantine(const std::string& path, std::int64_t wall_ns);

// Files previously quarantined next to `path`.
[[nodiscard]] std::vector<std::string> ListQuarantined(const std::string& path);

// Runs PRAGMA integrity_check on the file; "ok" when healthy.
[[nodiscard]] Result<std::string> IntegrityCheck(const std::string& path);

}  // namespace cityedge::journal
