// SPDX-License-Identifier: Apache-2.0
// Ids of MQTT commands already accepted, kept in a small SQLite file beside
// the journal until they expire, so a recorded command cannot be replayed to
// the gateway, not even after a restart.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/core/status.hpp"

namespace cityedge::journal {

// THREADING: every method is safe from any thread (one internal mutex).
class SeenIds {
 public:
  // Opens or creates the file (WAL, synchronous=FULL: an accepted id survives
  // power loss). A file that is not a database is an error naming it.
  [[nodiscard]] static Result<std::unique_ptr<SeenIds>> Open(const std::string& path);
  virtual ~SeenIds() = default;

  // Records `id` until `expires_at_unix_ms` unless it is already recorded.
  // True when newly recorded; false when it was seen before. Prunes ids whose
  // expiry is before `now_unix_ms` first.
  [[nodiscard]] virtual Result<bool> Insert(std::string_view id, std::int64_t expires_at_unix_ms,
                                            std::int64_t now_unix_ms) = 0;
  // True when `id` is recorded (and not yet pruned).
  [[nodiscard]] virtual Result<bool> Contains(std::string_view id) = 0;
  [[nodiscard]] virtual Result<std::uint64_t> Count() = 0;
};

}  // namespace cityedge::journal
