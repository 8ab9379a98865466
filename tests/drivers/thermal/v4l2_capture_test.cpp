// SPDX-License-Identifier: Apache-2.0
// The V4L2 path of the thermal driver against a simulated UVC Y16 camera
// (fake_uvc.hpp): format negotiation, padded rows, the buffer ring, short and
// errored buffers, refusals, a hang-up, and the driver's stall watchdog.
#include <catch2/catch.hpp>

#include <thread>

#include "drivers/thermal/thermal.hpp"
#include "drivers/thermal/v4l2_capture.hpp"
#include "tests/drivers/thermal/fake_uvc.hpp"
#include "tests/fakes/driver_host.hpp"

namespace cityedge::drivers::thermal {
namespace {

using testing::FakeUvcDevice;
using namespace std::chrono_literals;

// Frame `n` of a sequence: every pixel distinct within the frame, and the
// high byte in play, so a byte swap, a row offset or a stale buffer shows.
std::vector<std::uint16_t> Pattern(std::uint32_t width, std::uint32_t height, int n) {
  std::vector<std::uint16_t> pixels(static_cast<std::size_t>(width) * height);
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    pixels[i] = static_cast<std::uint16_t>(29315 + 7 * n + i);  // about 20 degC in centi-kelvin
  }
  return pixels;
}

TEST_CASE("A UVC Y16 device's padded rows arrive packed and exact, frame after frame") {
  FakeUvcDevice device({.width = 160, .height = 120, .bytes_per_line = 352});
  V4l2Capture capture(device);
  REQUIRE(capture.Open(FakeUvcDevice::kPath, 0, 0, 8.7));
  CHECK(capture.width() == 160);
  CHECK(capture.height() == 120);
  CHECK(device.counts().streaming);
  CHECK(device.counts().requested_fps_milli == 8700);
  // Three times as many frames as buffers: each must go back to the device.
  for (int n = 0; n < 12; ++n) {
    INFO("frame " << n);
    REQUIRE(device.Deliver(Pattern(160, 120, n)));
    std::vector<std::uint16_t> pixels;
    auto got = capture.Read(1000, &pixels);
    REQUIRE(got.has_value());
    REQUIRE(*got);
    CHECK(pixels == Pattern(160, 120, n));
  }
  CHECK(capture.incomplete_frames() == 0);
  std::vector<std::uint16_t> pixels;
  CHECK(capture.Read(10, &pixels) == false);  // nothing sent: a timeout, not an error
}

TEST_CASE("Short and errored buffers are skipped, counted and given back to the device") {
  FakeUvcDevice device({.width = 80, .height = 60});
  V4l2Capture capture(device);
  REQUIRE(capture.Open(FakeUvcDevice::kPath, 80, 60, 0));
  CHECK(device.counts().requested_fps_milli == 0);  // fps 0: the device's own rate
  std::vector<std::uint16_t> pixels;
  REQUIRE(device.Deliver(Pattern(80, 60, 0), /*short_fill=*/true));
  CHECK(capture.Read(1000, &pixels) == false);
  REQUIRE(device.Deliver(Pattern(80, 60, 1), false, /*error=*/true));
  CHECK(capture.Read(1000, &pixels) == false);
  CHECK(capture.incomplete_frames() == 2);
  for (int n = 2; n < 10; ++n) {
    INFO("frame " << n);
    REQUIRE(device.Deliver(Pattern(80, 60, n)));
    REQUIRE(capture.Read(1000, &pixels) == true);
    CHECK(pixels == Pattern(80, 60, n));
  }
}

TEST_CASE("Devices that cannot give radiometric frames are refused saying why") {
  std::vector<std::uint16_t> pixels;
  SECTION("no Y16 mode") {
    FakeUvcDevice device({.pixel_format = V4L2_PIX_FMT_YUYV});
    V4l2Capture capture(device);
    auto opened = capture.Open(FakeUvcDevice::kPath, 0, 0, 9);
    REQUIRE_FALSE(opened);
    CHECK_THAT(opened.error(), Catch::Contains("offers no Y16 format (it chose 'YUYV')"));
  }
  SECTION("a size it does not have") {
    FakeUvcDevice device({.width = 160, .height = 120});
    V4l2Capture capture(device);
    auto opened = capture.Open(FakeUvcDevice::kPath, 320, 240, 9);
    REQUIRE_FALSE(opened);
    CHECK_THAT(opened.error(), Catch::Contains("cannot do 320x240 Y16; it offers 160x120"));
  }
  SECTION("buffers too small for a frame") {
    FakeUvcDevice device({.width = 160, .height = 120, .buffer_bytes = 100});
    V4l2Capture capture(device);
    auto opened = capture.Open(FakeUvcDevice::kPath, 0, 0, 9);
    REQUIRE_FALSE(opened);
    CHECK_THAT(opened.error(), Catch::Contains("buffer 0 holds 100 bytes, a 160x120 Y16 frame "
                                               "needs 38400"));
  }
  SECTION("not a video device") {
    FakeUvcDevice device({.is_v4l2 = false});
    V4l2Capture capture(device);
    auto opened = capture.Open(FakeUvcDevice::kPath, 0, 0, 9);
    REQUIRE_FALSE(opened);
    CHECK_THAT(opened.error(), Catch::Contains(std::string(FakeUvcDevice::kPath) +
                                               " is not a V4L2 device (VIDIOC_QUERYCAP"));
  }
  SECTION("no such node") {
    FakeUvcDevice device({});
    V4l2Capture capture(device);
    auto opened = capture.Open("/dev/video9", 0, 0, 9);
    REQUIRE_FALSE(opened);
    CHECK_THAT(opened.error(), Catch::Contains("cannot open /dev/video9"));
  }
}

TEST_CASE("A board pulled out fails the read; closing gives every buffer and the node back") {
  FakeUvcDevice device({});
  {
    V4l2Capture capture(device);
    REQUIRE(capture.Open(FakeUvcDevice::kPath, 0, 0, 9));
    device.Unplug();
    std::vector<std::uint16_t> pixels;
    auto got = capture.Read(1000, &pixels);
    REQUIRE_FALSE(got);
    CHECK_THAT(got.error(),
               Catch::Contains(std::string(FakeUvcDevice::kPath) + " was disconnected"));
  }
  const FakeUvcDevice::Counts counts = device.counts();
  CHECK(counts.opens == 1);
  CHECK(counts.closes == 1);
  CHECK(counts.maps == 4);
  CHECK(counts.unmaps == 4);
  CHECK_FALSE(counts.streaming);
}

TEST_CASE("The thermal driver streams a device's frames, and gives up on one that falls silent") {
  FakeUvcDevice device({.width = 160, .height = 120, .bytes_per_line = 336});
  fakes::FakeDriverHost host;
  ThermalDriver::Options options;
  options.device = FakeUvcDevice::kPath;
  options.stall_timeout_ms = 300;
  options.io = &device;
  ThermalDriver driver(sdk::Host(host.api(), host.ctx()), options);
  sdk::Status result;
  std::thread run([&] { result = driver.Run(); });

  REQUIRE(device.WaitStreaming(10s));
  for (int n = 0; n < 3; ++n) {
    REQUIRE(device.Deliver(Pattern(160, 120, n)));
    REQUIRE(host.WaitFor([&](const auto& h) { return h.frames().size() == 1u + n; }));
  }
  const auto frames = host.frames();
  for (int n = 0; n < 3; ++n) {
    INFO("frame " << n);
    const auto& f = frames[static_cast<std::size_t>(n)];
    CHECK(f.format == CE_DRIVER_PIXEL_Y16);
    CHECK((f.width == 160 && f.height == 120));
    const auto expected = Pattern(160, 120, n);
    REQUIRE(f.rows.size() == expected.size() * 2);
    CHECK(std::memcmp(f.rows.data(), expected.data(), f.rows.size()) == 0);
  }
  REQUIRE_FALSE(host.health().empty());
  CHECK(host.health().front().state == CE_DRIVER_HEALTH_ONLINE);
  CHECK(host.health().front().reason ==
        std::string("streaming ") + FakeUvcDevice::kPath + " 160x120 Y16");

  // The core stops sending (two broken buffers, then nothing): the driver
  // gives the device up for the host to reopen after its backoff.
  REQUIRE(device.Deliver(Pattern(160, 120, 3), /*short_fill=*/true));
  REQUIRE(device.Deliver(Pattern(160, 120, 4), false, /*error=*/true));
  run.join();
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == CE_DRIVER_RETRY);
  CHECK_THAT(result.error().message,
             Catch::StartsWith(std::string("no complete frame from ") + FakeUvcDevice::kPath) &&
                 Catch::Contains("(2 incomplete or errored); reopening it"));
  CHECK(host.frames().size() == 3);
  CHECK(device.counts().closes == 1);
}

}  // namespace
}  // namespace cityedge::drivers::thermal
