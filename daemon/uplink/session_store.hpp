// SPDX-License-Identifier: Apache-2.0
// The persisted session seq: one decimal number in a small file, replaced
// atomically (write, fsync, rename, fsync the folder) so a crash leaves either
// the old or the new value, never a torn one.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/core/status.hpp"

namespace cityedge::uplink {

// THREADING: not thread-safe; owned by the uplink worker.
class SessionStore {
 public:
  explicit SessionStore(std::string path) : path_(std::move(path)) {}
  // Reads the last stored seq; a missing file reads as 0.
  [[nodiscard]] Result<std::uint64_t> Load() const;
  [[nodiscard]] Status Save(std::uint64_t seq) const;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace cityedge::uplink
