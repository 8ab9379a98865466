// SPDX-License-Identifier: Apache-2.0
#include "daemon/uplink/pacing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cityedge::uplink {

Backoff::Backoff(std::int64_t initial_ms, std::int64_t max_ms, std::uint64_t seed)
    : initial_ms_(std::max<std::int64_t>(1, initial_ms)),
      max_ms_(std::max(max_ms, std::max<std::int64_t>(1, initial_ms))),
      rng_(seed) {}

std::int64_t Backoff::CeilingMs() const {
  // Doubling stops once it passes the cap, so the shift never overflows.
  std::int64_t ceiling = initial_ms_;
  for (int i = 0; i < attempt_ && ceiling < max_ms_; ++i) ceiling *= 2;
  return std::min(ceiling, max_ms_);
}

std::int64_t Backoff::NextDelayMs() {
  const std::int64_t ceiling = CeilingMs();
  if (ceiling < max_ms_) ++attempt_;
  return UniformMs(ceiling);
}

std::int64_t Backoff::UniformMs(std::int64_t max_ms) {
  if (max_ms <= 0) return 0;
  std::uniform_int_distribution<std::int64_t> dist(0, max_ms);
  return dist(rng_);
}

TokenBucket::TokenBucket(double rate_per_s, double capacity, std::int64_t now_ns)
    : rate_(rate_per_s), capacity_(std::max(1.0, capacity)), tokens_(capacity_), last_ns_(now_ns) {}

void TokenBucket::Refill(std::int64_t now_ns) {
  if (unlimited()) return;
  if (now_ns > last_ns_) {
    tokens_ = std::min(capacity_, tokens_ + rate_ * static_cast<double>(now_ns - last_ns_) / 1e9);
    last_ns_ = now_ns;
  }
}

void TokenBucket::Fill(std::int64_t now_ns) {
  tokens_ = capacity_;
  last_ns_ = now_ns;
}

std::uint64_t TokenBucket::Available(std::int64_t now_ns) {
  if (unlimited()) return std::numeric_limits<std::uint64_t>::max();
  Refill(now_ns);
  return static_cast<std::uint64_t>(std::floor(tokens_));
}

void TokenBucket::Consume(std::uint64_t tokens) {
  if (unlimited()) return;
  tokens_ = std::max(0.0, tokens_ - static_cast<double>(tokens));
}

std::int64_t TokenBucket::WaitNs(std::uint64_t tokens, std::int64_t now_ns) {
  if (unlimited()) return 0;
  Refill(now_ns);
  const double want = std::min(capacity_, static_cast<double>(tokens));
  if (tokens_ >= want) return 0;
  return static_cast<std::int64_t>(std::ceil((want - tokens_) / rate_ * 1e9));
}

}  // namespace cityedge::uplink
