// SPDX-License-Identifier: Apache-2.0
// Clock provenance across restarts. A box without a battery-backed RTC boots
// at 1970 and stamps events with that until NTP answers. The keeper:
//  - persists the last known good wall time (the "floor") beside the journal
//    while the clock is synchronised: at the sync, every persist_every, and at
//    stop;
//  - at start, reads the floor and says so when the wall clock is below it
//    (events stay stamped CLOCK_STATE_UNSYNCED, as the clock reports);
//  - when the clock state first changes from unsynced to synced, emits one
//    ClockCorrection event whose offset turns the unsynced capture times into
//    synced ones. Capture times themselves are never rewritten.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "daemon/core/clock.hpp"
#include "daemon/core/event_sink.hpp"
#include "daemon/core/status.hpp"

namespace cityedge::health {

// The floor file: one line, the wall time in ns since the Unix epoch.
[[nodiscard]] Result<std::int64_t> ReadClockFloor(const std::string& path);
// Writes it atomically and durably (WriteFileAtomically).
[[nodiscard]] Status WriteClockFloor(const std::string& path, std::int64_t wall_unix_ns);

struct ClockKeeperOptions {
  std::string floor_path;  // e.g. /var/lib/cityedge/clock_floor
  std::string source;      // the events' source: the gateway id
  std::chrono::milliseconds persist_every{std::chrono::minutes(5)};
};

// THREADING: Start, Poll and Stop may be called from different threads; they
// serialise on one mutex. OWNERSHIP: sink and clock are borrowed and outlive
// the keeper.
class ClockKeeper {
 public:
  ClockKeeper(ClockKeeperOptions options, EventSink& sink, const clock::Clock& clock);

  // Reads the floor and takes the first reading of the clock. Call once.
  void Start();
  // Notices a sync (emits the correction) and persists the floor when due.
  // Call every second or so.
  void Poll();
  // Persists the floor one last time when the clock is synchronised.
  void Stop();

  // The newest floor: read at Start or persisted since; nullopt when none.
  [[nodiscard]] std::optional<std::int64_t> floor_ns() const;
  // True when the wall clock was below the floor at Start.
  [[nodiscard]] bool started_below_floor() const;
  // True once the correction has been emitted.
  [[nodiscard]] bool corrected() const;

 private:
  static bool Synced(v1::ClockState state);
  void PersistLocked(std::int64_t wall_ns, std::int64_t mono_ns);
  void CorrectLocked(std::int64_t wall_ns, std::int64_t mono_ns, v1::ClockState state);

  const ClockKeeperOptions options_;
  EventSink& sink_;
  const clock::Clock& clock_;

  mutable std::mutex mu_;
  std::optional<std::int64_t> floor_ns_;
  bool below_floor_ = false;
  bool corrected_ = false;
  v1::ClockState last_state_ = v1::CLOCK_STATE_UNSPECIFIED;
  // The unsynced clock as last read: wall and monotonic time together. Its
  // offset (wall - monotonic) is what the events of this run were stamped with.
  std::int64_t unsynced_wall_ns_ = 0;
  std::int64_t unsynced_mono_ns_ = 0;
  bool have_unsynced_ = false;
  std::int64_t last_persist_mono_ns_ = 0;
  bool persisted_ = false;
};

}  // namespace cityedge::health
