// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "daemon/core/clock.hpp"
#include "daemon/core/steady_clock.hpp"

namespace cityedge::clock {
namespace {

TEST_CASE("Boot ids parse from the kernel's UUID text and print back") {
  const auto id = ParseBootId("3f2b8c1e-7a4d-4e2f-9b1a-0c5d6e7f8a9b\n");
  REQUIRE(id.has_value());
  CHECK((*id)[0] == 0x3f);
  CHECK((*id)[15] == 0x9b);
  CHECK(FormatBootId(*id) == "3f2b8c1e-7a4d-4e2f-9b1a-0c5d6e7f8a9b");
  CHECK_FALSE(ParseBootId("not-a-uuid").has_value());
  CHECK_FALSE(ParseBootId("3f2b8c1e-7a4d-4e2f-9b1a-0c5d6e7f8a").has_value());
  CHECK_FALSE(ParseBootId("3f2b8c1e-7a4d-4e2f-9b1a-0c5d6e7f8a9b00").has_value());
}

TEST_CASE("A stamp fills every provenance field from the running system") {
  const v1::Timestamp ts = Default().Now();
  CHECK(ts.wall_unix_ns() > 1'600'000'000LL * 1'000'000'000LL);
  CHECK(ts.monotonic_ns() > 0);
  REQUIRE(ts.boot_id().size() == 16);
  const auto kernel = ReadBootId();
  REQUIRE(kernel.has_value());
  CHECK(std::equal(kernel->begin(), kernel->end(), ts.boot_id().begin(),
                   [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); }));
  CHECK((ts.clock_state() == v1::CLOCK_STATE_NTP || ts.clock_state() == v1::CLOCK_STATE_UNSYNCED));
}

TEST_CASE("Monotonic time never goes backwards between stamps") {
  const auto& c = Default();
  std::int64_t last = c.MonotonicNs();
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t now = c.MonotonicNs();
    REQUIRE(now >= last);
    last = now;
  }
}

TEST_CASE("SteadyNs counts nanoseconds of the steady clock") {
  using std::chrono::steady_clock;
  const steady_clock::time_point t{std::chrono::seconds(5) + std::chrono::nanoseconds(7)};
  CHECK(SteadyNs(t) == 5'000'000'007);
  const steady_clock::time_point before = steady_clock::now();
  const std::int64_t now = SteadyNs();
  const steady_clock::time_point after = steady_clock::now();
  CHECK(now >= SteadyNs(before));
  CHECK(now <= SteadyNs(after));
}

}  // namespace
}  // namespace cityedge::clock
