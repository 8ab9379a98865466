// SPDX-License-Identifier: Apache-2.0
// The steady clock as a plain count of nanoseconds: for deadlines and ages
// kept in atomics or compared across components (the pipelines' last tick,
// the uplink's progress deadline, the journal's writer loop). Not for event
// times; those come from clock::Clock with their provenance.
#pragma once

#include <chrono>
#include <cstdint>

namespace cityedge::clock {

// Nanoseconds of `t` since the steady clock's epoch (boot on Linux).
[[nodiscard]] inline std::int64_t SteadyNs(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// The steady clock now, in nanoseconds.
[[nodiscard]] inline std::int64_t SteadyNs() { return SteadyNs(std::chrono::steady_clock::now()); }

}  // namespace cityedge::clock
