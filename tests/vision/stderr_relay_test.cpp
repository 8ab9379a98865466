// SPDX-License-Identifier: Apache-2.0
#include "daemon/vision/stderr_relay.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace cityedge::vision {
namespace {

using namespace std::chrono_literals;

struct Captured {
  std::vector<std::string> lines;
  StderrRelay::Log log() {
    return [this](std::string_view line) { lines.emplace_back(line); };
  }
};

const StderrRelay::Clock::time_point t0{};

TEST_CASE("worker stderr lines are logged whole, named, in order") {
  Captured out;
  StderrRelay relay("vision-cam1", {}, out.log());
  relay.Feed("[mjpeg @ 0x55] unable to decode APP fie", t0);
  CHECK(out.lines.empty());  // not a whole line yet
  relay.Feed("lds\r\nsecond\n\n", t0);
  relay.Feed("last words without a newline", t0);
  relay.Finish(t0);
  REQUIRE(out.lines.size() == 3);
  CHECK(out.lines[0] == "vision worker vision-cam1: [mjpeg @ 0x55] unable to decode APP fields");
  CHECK(out.lines[1] == "vision worker vision-cam1: second");
  CHECK(out.lines[2] == "vision worker vision-cam1: last words without a newline");
}

TEST_CASE("a flood of worker stderr is cut to the limit and counted per window") {
  Captured out;
  StderrRelay relay("vision-cam1", {.lines_per_window = 3, .window = 60s}, out.log());
  for (int i = 0; i < 1000; ++i) relay.Feed("Corrupt JPEG data: 12 extraneous bytes\n", t0 + 1s);
  CHECK(out.lines.size() == 3);
  relay.Tick(t0 + 30s);  // the window has not ended
  CHECK(out.lines.size() == 3);
  relay.Tick(t0 + 61s);
  REQUIRE(out.lines.size() == 4);
  CHECK(out.lines[3] ==
        "vision worker vision-cam1: 997 more lines on its stderr not logged (at most 3 per 60 s)");
  // A new window logs again.
  relay.Feed("a\nb\nc\nd\n", t0 + 62s);
  relay.Finish(t0 + 63s);
  REQUIRE(out.lines.size() == 8);
  CHECK(out.lines[4] == "vision worker vision-cam1: a");
  CHECK(out.lines[7] ==
        "vision worker vision-cam1: 1 more lines on its stderr not logged (at most 3 "
        "per 60 s)");
  CHECK(relay.suppressed_total() == 998);
}

TEST_CASE("an endless worker stderr line is cut, not buffered without bound") {
  Captured out;
  StderrRelay relay("g", {.max_line_bytes = 16}, out.log());
  const std::string chunk(1000, 'x');
  for (int i = 0; i < 100; ++i) relay.Feed(chunk, t0);
  relay.Feed("tail\nnext\n", t0);
  REQUIRE(out.lines.size() == 2);
  CHECK(out.lines[0] == "vision worker g: " + std::string(16, 'x') + " [...]");
  CHECK(out.lines[1] == "vision worker g: next");
}

}  // namespace
}  // namespace cityedge::vision
