// SPDX-License-Identifier: Apache-2.0
// The one fake clock::Clock of the tests. Two ways to start it:
//  - manual (the constructor): wall and monotonic time stand still at what the
//    test chose until it moves them, each on its own (a wall clock stepped by
//    NTP, a monotonic clock that ran while the wall clock was frozen) or both
//    together (time passing);
//  - following the system (FollowingSystem()): every reading is the real
//    one (clock::Default()) until the test changes it: the wall clock shifted
//    (rows aged without waiting) or pinned (a box without RTC at 1970), another
//    boot id (a reboot), another sync state.
// Either way the boot id and the kernel's sync state are whatever the test says.
#pragma once

#include <cstdint>
#include <mutex>

#include "cityedge/v1/event.pb.h"
#include "daemon/core/clock.hpp"

namespace cityedge::fakes {

// 2024-06-01T00:00:00Z: a midnight, so hour and day windows start at it.
inline constexpr std::int64_t kFakeWallNs = 1'717'200'000LL * 1'000'000'000LL;
// A box that has been up for 1000 s.
inline constexpr std::int64_t kFakeMonotonicNs = 1'000LL * 1'000'000'000LL;
// Not all zero: the all-zero boot id means "unknown" (see SystemClock).
inline constexpr clock::BootId kFakeBootId{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

// What a manual FakeClock reads until the test moves it. Designated
// initializers name what a test cares about:
//   FakeClock clock({.wall_ns = 0, .sync = {v1::CLOCK_STATE_NTP, 0}});
struct ClockReadings {
  std::int64_t wall_ns = kFakeWallNs;
  std::int64_t monotonic_ns = kFakeMonotonicNs;
  clock::BootId boot_id = kFakeBootId;
  clock::SyncInfo sync{};  // unsynchronised, no error bound
};

// THREADING: the readings and every Set/Advance are safe from any thread
// (components read the clock on their own threads while a test moves it).
// boot_id() hands out a reference, so SetBootId must happen before another
// thread reads the boot id.
class FakeClock final : public clock::Clock {
 public:
  // A manual clock reading `start`.
  explicit FakeClock(const ClockReadings& start = {});
  // A clock that reads the system's clocks, boot id and sync state until the
  // test changes one of them. (Not copyable or movable: returned as a prvalue.)
  [[nodiscard]] static FakeClock FollowingSystem();

  FakeClock(const FakeClock&) = delete;
  FakeClock& operator=(const FakeClock&) = delete;

  [[nodiscard]] std::int64_t WallNs() const override;
  [[nodiscard]] std::int64_t MonotonicNs() const override;
  [[nodiscard]] const clock::BootId& boot_id() const override;
  [[nodiscard]] clock::SyncInfo Sync() const override;

  // Time passes: both clocks move forward by `ns` (on a clock following the
  // system, on top of the system's own progress).
  void Advance(std::int64_t ns);
  // Only the wall clock moves, by `ns` (may be negative): a step by NTP or by
  // hand, or rows aged without waiting. Monotonic time does not notice.
  void AdvanceWall(std::int64_t ns);
  // Only monotonic time moves: time passed while the wall clock stood still.
  void AdvanceMonotonic(std::int64_t ns);
  // Pins a clock at `ns`: it reads that until moved, also on a clock that
  // followed the system.
  void SetWallNs(std::int64_t ns);
  void SetMonotonicNs(std::int64_t ns);
  // A reboot, as far as the clock can tell. Before any other thread reads it.
  void SetBootId(const clock::BootId& id);
  // What the kernel says of the wall clock's synchronisation from now on.
  void SetSync(clock::SyncInfo sync);

 private:
  enum class Follow { kNo, kSystem };
  explicit FakeClock(Follow follow);

  mutable std::mutex mu_;
  // When a clock follows the system its value is an offset to the system's.
  bool wall_follows_ = false;
  bool monotonic_follows_ = false;
  bool boot_follows_ = false;
  bool sync_follows_ = false;
  std::int64_t wall_ns_ = 0;
  std::int64_t monotonic_ns_ = 0;
  clock::BootId boot_id_{};
  clock::SyncInfo sync_{};
};

}  // namespace cityedge::fakes
