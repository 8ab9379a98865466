// SPDX-License-Identifier: Apache-2.0
#include "backoff.hpp"

#include <algorithm>

namespace cityedge::drivers::camera {

std::chrono::milliseconds BackoffDelay(std::chrono::milliseconds initial,
                                       std::chrono::milliseconds cap, std::uint32_t failures,
                                       double unit_random) {
  const std::int64_t base = std::max<std::int64_t>(1, initial.count());
  const std::int64_t limit = std::max<std::int64_t>(base, cap.count());
  std::int64_t delay = base;
  // Doubling stops at the cap, so no shift overflows however long a camera stays away.
  for (std::uint32_t i = 0; i < failures && delay < limit; ++i) delay *= 2;
  delay = std::min(delay, limit);
  const double u = std::clamp(unit_random, 0.0, 1.0);
  const auto jittered = static_cast<std::int64_t>(static_cast<double>(delay) * (0.5 + 0.5 * u));
  return std::chrono::milliseconds(std::clamp<std::int64_t>(jittered, base / 2, limit));
}

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap)
    : initial_(initial), cap_(cap), random_(std::random_device{}()) {}

std::chrono::milliseconds Backoff::Next() {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const std::chrono::milliseconds delay = BackoffDelay(initial_, cap_, failures_, unit(random_));
  ++failures_;
  return delay;
}

}  // namespace cityedge::drivers::camera
