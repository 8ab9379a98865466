// SPDX-License-Identifier: Apache-2.0
// A settable clock and an in-memory sink for the health unit tests.
#pragma once

#include <atomic>
#include <mutex>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/core/event_sink.hpp"

namespace cityedge::health::testing {

class FakeClock final : public clock::Clock {
 public:
  std::int64_t WallNs() const override { return wall_ns; }
  std::int64_t MonotonicNs() const override { return mono_ns; }
  const clock::BootId& boot_id() const override { return boot; }
  clock::SyncInfo Sync() const override { return {state, 0}; }
  // Lets time pass on both clocks.
  void Advance(std::int64_t ns) {
    wall_ns += ns;
    mono_ns += ns;
  }

  std::int64_t wall_ns = 0;
  std::int64_t mono_ns = 5'000'000'000;
  clock::BootId boot{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
  v1::ClockState state = v1::CLOCK_STATE_UNSYNCED;
};

class MemorySink final : public EventSink {
 public:
  Status Emit(v1::Event event) override {
    std::lock_guard lock(mu);
    events.push_back(std::move(event));
    return OkStatus();
  }
  std::vector<v1::Event> Take() {
    std::lock_guard lock(mu);
    return std::move(events);
  }
  std::mutex mu;
  std::vector<v1::Event> events;
};

}  // namespace cityedge::health::testing
