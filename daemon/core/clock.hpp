// SPDX-License-Identifier: Apache-2.0
// Time with provenance. Every event carries the wall time, the monotonic time,
// the boot id and whether the kernel considers the wall clock synchronised, so
// the platform can tell a trustworthy timestamp from one taken at "1970" on a
// box without an RTC.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "cityedge/v1/event.pb.h"
#include "daemon/core/status.hpp"

namespace cityedge::clock {

using BootId = std::array<std::uint8_t, 16>;

// Parses the 36-character UUID text of /proc/sys/kernel/random/boot_id.
[[nodiscard]] Result<BootId> ParseBootId(std::string_view text);
[[nodiscard]] Result<BootId> ReadBootId(
    const std::string& path = "/proc/sys/kernel/random/boot_id");
[[nodiscard]] std::string FormatBootId(const BootId& id);

struct SyncInfo {
  v1::ClockState state = v1::CLOCK_STATE_UNSYNCED;
  std::int64_t max_error_us = 0;
};

// Reads the kernel's synchronisation state with adjtimex(2) (read only).
[[nodiscard]] SyncInfo QuerySync();

// Source of time for everything that stamps events. Tests substitute a fake.
// THREADING: implementations are called from every thread.
class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual std::int64_t WallNs() const = 0;       // CLOCK_REALTIME
  [[nodiscard]] virtual std::int64_t MonotonicNs() const = 0;  // CLOCK_MONOTONIC
  [[nodiscard]] virtual const BootId& boot_id() const = 0;
  [[nodiscard]] virtual SyncInfo Sync() const = 0;

  // Fills every field of `ts` with "now".
  void Stamp(v1::Timestamp* ts) const;
  [[nodiscard]] v1::Timestamp Now() const;
};

// The real clocks. The boot id is read once; sync state is re-read at most
// once per second (adjtimex is cheap, but events can arrive at 100 kHz).
class SystemClock final : public Clock {
 public:
  SystemClock();
  [[nodiscard]] std::int64_t WallNs() const override;
  [[nodiscard]] std::int64_t MonotonicNs() const override;
  [[nodiscard]] const BootId& boot_id() const override { return boot_id_; }
  [[nodiscard]] SyncInfo Sync() const override;

 private:
  BootId boot_id_{};
};

// Process-wide system clock.
[[nodiscard]] const Clock& Default();

}  // namespace cityedge::clock
