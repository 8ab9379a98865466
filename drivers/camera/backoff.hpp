// SPDX-License-Identifier: Apache-2.0
// Reconnect delays of the camera supervisor: exponential, capped, jittered.
// Pure functions, so the policy is tested without a camera.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace cityedge::drivers::camera {

// Delay before reconnect attempt `failures` (0 for the first retry after a
// loss): min(cap, initial * 2^failures), then scaled into [d/2, d] by
// `unit_random` in [0, 1). The result never exceeds `cap` and never falls
// below initial / 2, so a fleet of cameras that lost the same switch does not
// reconnect in lockstep yet none waits longer than the cap.
[[nodiscard]] std::chrono::milliseconds BackoffDelay(std::chrono::milliseconds initial,
                                                     std::chrono::milliseconds cap,
                                                     std::uint32_t failures, double unit_random);

// Keeps the failure count and a random source for BackoffDelay.
// THREADING: not thread-safe; owned by one supervisor.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap);
  // The delay for the next attempt; counts a failure.
  [[nodiscard]] std::chrono::milliseconds Next();
  // A stream delivered frames again: the next loss starts from `initial`.
  void Reset() { failures_ = 0; }
  [[nodiscard]] std::uint32_t failures() const { return failures_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds cap_;
  std::uint32_t failures_ = 0;
  std::minstd_rand random_;
};

}  // namespace cityedge::drivers::camera
