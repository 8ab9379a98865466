// SPDX-License-Identifier: Apache-2.0
#include "tests/fakes/clock.hpp"

namespace cityedge::fakes {

FakeClock::FakeClock(const ClockReadings& start)
    : wall_ns_(start.wall_ns),
      monotonic_ns_(start.monotonic_ns),
      boot_id_(start.boot_id),
      sync_(start.sync) {}

FakeClock::FakeClock(Follow follow) {
  const bool system = follow == Follow::kSystem;
  wall_follows_ = monotonic_follows_ = boot_follows_ = sync_follows_ = system;
}

FakeClock FakeClock::FollowingSystem() { return FakeClock(Follow::kSystem); }

std::int64_t FakeClock::WallNs() const {
  std::lock_guard lock(mu_);
  return wall_follows_ ? clock::Default().WallNs() + wall_ns_ : wall_ns_;
}

std::int64_t FakeClock::MonotonicNs() const {
  std::lock_guard lock(mu_);
  return monotonic_follows_ ? clock::Default().MonotonicNs() + monotonic_ns_ : monotonic_ns_;
}

const clock::BootId& FakeClock::boot_id() const {
  std::lock_guard lock(mu_);
  return boot_follows_ ? clock::Default().boot_id() : boot_id_;
}

clock::SyncInfo FakeClock::Sync() const {
  std::lock_guard lock(mu_);
  return sync_follows_ ? clock::Default().Sync() : sync_;
}

void FakeClock::Advance(std::int64_t ns) {
  std::lock_guard lock(mu_);
  wall_ns_ += ns;
  monotonic_ns_ += ns;
}

void FakeClock::AdvanceWall(std::int64_t ns) {
  std::lock_guard lock(mu_);
  wall_ns_ += ns;
}

void FakeClock::AdvanceMonotonic(std::int64_t ns) {
  std::lock_guard lock(mu_);
  monotonic_ns_ += ns;
}

void FakeClock::SetWallNs(std::int64_t ns) {
  std::lock_guard lock(mu_);
  wall_follows_ = false;
  wall_ns_ = ns;
}

void FakeClock::SetMonotonicNs(std::int64_t ns) {
  std::lock_guard lock(mu_);
  monotonic_follows_ = false;
  monotonic_ns_ = ns;
}

void FakeClock::SetBootId(const clock::BootId& id) {
  std::lock_guard lock(mu_);
  boot_follows_ = false;
  boot_id_ = id;
}

void FakeClock::SetSync(clock::SyncInfo sync) {
  std::lock_guard lock(mu_);
  sync_follows_ = false;
  sync_ = sync;
}

}  // namespace cityedge::fakes
