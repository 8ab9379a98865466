// SPDX-License-Identifier: Apache-2.0
// Timing policies of the uplink, kept free of I/O so tests can drive them.
#pragma once

#include <cstdint>
#include <random>

namespace cityedge::uplink {

// Full-jitter exponential backoff: the n-th delay is uniform in
// [0, min(cap, initial * 2^n)]. Spreading reconnects over the whole interval
// keeps a city's gateways from reconnecting in waves after a broker outage.
// THREADING: not thread-safe; owned by the uplink worker.
class Backoff {
 public:
  Backoff(std::int64_t initial_ms, std::int64_t max_ms, std::uint64_t seed);
  // The delay before the next attempt; grows the ceiling for the one after.
  [[nodiscard]] std::int64_t NextDelayMs();
  // Back to the initial ceiling (after a connection proved stable).
  void Reset() { attempt_ = 0; }
  [[nodiscard]] std::int64_t CeilingMs() const;
  // Uniform in [0, max_ms]; used for the first-connect delay.
  [[nodiscard]] std::int64_t UniformMs(std::int64_t max_ms);

 private:
  std::int64_t initial_ms_;
  std::int64_t max_ms_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

// Token bucket in events. rate 0 means unlimited. The bucket starts full so
// the first backlog batch after a connect leaves at once.
// THREADING: not thread-safe; owned by the uplink worker.
class TokenBucket {
 public:
  TokenBucket(double rate_per_s, double capacity, std::int64_t now_ns);
  [[nodiscard]] bool unlimited() const { return rate_ <= 0; }
  // Whole tokens available now (capped by capacity; huge when unlimited).
  [[nodiscard]] std::uint64_t Available(std::int64_t now_ns);
  void Consume(std::uint64_t tokens);
  // Nanoseconds from now until `tokens` are available (0 if already).
  [[nodiscard]] std::int64_t WaitNs(std::uint64_t tokens, std::int64_t now_ns);
  void Refill(std::int64_t now_ns);
  void Fill(std::int64_t now_ns);

 private:
  double rate_;
  double capacity_;
  double tokens_;
  std::int64_t last_ns_;
};

}  // namespace cityedge::uplink
