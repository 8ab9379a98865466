// SPDX-License-Identifier: Apache-2.0
// The journal's side file ("<journal>.state"): the seq high-water mark that
// must outlive the database file, and whether the last run closed cleanly.
//
// Seqs are reserved in blocks: the writer never commits a seq above `ceiling`
// without first raising the ceiling here, so after the database file is lost
// or quarantined a fresh file continues above every seq ever handed out, at
// the cost of one fsync per block.
//
// THREADING: not synchronised; the journal writes it from its writer thread or
// while opening.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/core/status.hpp"

namespace cityedge::journal {

struct JournalState {
  std::uint64_t ceiling = 0;  // no committed seq is above this
  std::uint64_t hwm = 0;      // highest committed seq known at the last write
  bool clean = false;         // the last run closed the journal cleanly
  bool present = false;       // the file existed when read
  // Kernel boot id of the run that last wrote the file; an unclean stop in an
  // earlier boot may have lost commits that were not yet on the disk.
  std::uint64_t boot_hi = 0;
  std::uint64_t boot_lo = 0;
  bool boot_known = false;
};

[[nodiscard]] std::string StatePathFor(const std::string& journal_path);

// A missing file yields present=false; an unreadable or garbled one is an
// error (the caller treats its content as unknown).
[[nodiscard]] Result<JournalState> ReadState(const std::string& path);

// Writes atomically (temporary file, fsync, rename, fsync of the folder).
[[nodiscard]] Status WriteState(const std::string& path, const JournalState& state);

}  // namespace cityedge::journal
