// SPDX-License-Identifier: Apache-2.0
// The camera driver on files it writes itself (no peers): backoff policy,
// source classification, playback without copies, looping, end of file, a
// missing source, and the README/sample.yaml against the settings table.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <yaml-cpp/yaml.h>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "daemon/config/settings_validation.hpp"
#include "daemon/core/clock.hpp"
#include "drivers/camera/backoff.hpp"
#include "drivers/camera/reader.hpp"
#include "tests/drivers/camera/camera_test_support.hpp"
#include "tests/support/process.hpp"

namespace cityedge::drivers::camera {
namespace {

using std::chrono::milliseconds;
using testing::CameraInstance;
using testing::CameraType;
using testing::HoldingFrames;
using testing::Ms;

// A small MJPG AVI with `frames` frames, each a different gray level.
std::string WriteVideo(const cityedge::testing::TempDir& dir, int frames) {
  const std::string path = dir.Join("clip.avi");
  cv::VideoWriter writer(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10.0,
                         cv::Size(160, 120));
  REQUIRE(writer.isOpened());
  for (int i = 0; i < frames; ++i) {
    cv::Mat image(120, 160, CV_8UC3, cv::Scalar::all(10 + 10 * i));
    cv::circle(image, cv::Point(10 + 6 * i, 60), 8, cv::Scalar(0, 0, 255), -1);
    writer.write(image);
  }
  return path;
}

TEST_CASE("Backoff doubles, is capped, and jitters within [d/2, d]") {
  const milliseconds initial(100);
  const milliseconds cap(1000);
  CHECK(BackoffDelay(initial, cap, 0, 0.999999) <= milliseconds(100));
  CHECK(BackoffDelay(initial, cap, 0, 0.0) == milliseconds(50));
  CHECK(BackoffDelay(initial, cap, 1, 0.999999) <= milliseconds(200));
  CHECK(BackoffDelay(initial, cap, 1, 0.999999) > milliseconds(190));
  CHECK(BackoffDelay(initial, cap, 3, 0.0) == milliseconds(400));
  for (std::uint32_t failures : {4u, 10u, 63u, 64u, 1000u, 4'000'000'000u}) {
    INFO("failures " << failures);
    CHECK(BackoffDelay(initial, cap, failures, 0.999999) <= cap);
    CHECK(BackoffDelay(initial, cap, failures, 0.0) == milliseconds(500));
  }
  Backoff backoff(initial, cap);
  std::set<std::int64_t> seen;
  for (int i = 0; i < 40; ++i) {
    const milliseconds d = backoff.Next();
    CHECK(d <= cap);
    CHECK(d >= initial / 2);
    if (i >= 10) seen.insert(d.count());
  }
  CHECK(seen.size() > 5);  // jittered, not one value for the whole fleet
  backoff.Reset();
  CHECK(backoff.Next() <= initial);
}

TEST_CASE("Sources are classified by their form") {
  CHECK(ClassifySource("/dev/video0") == SourceKind::kDevice);
  CHECK(ClassifySource("rtsp://10.0.0.5:554/stream1") == SourceKind::kStream);
  CHECK(ClassifySource("http://cam.local/video.mjpg") == SourceKind::kStream);
  CHECK(ClassifySource("https://cam.local/video.mjpg") == SourceKind::kStream);
  CHECK(ClassifySource("/var/lib/cityedge/demo.avi") == SourceKind::kFile);
  CHECK(ClassifySource("relative.mp4") == SourceKind::kFile);
}

TEST_CASE("A looped file plays as fast as possible; held frames are never overwritten") {
  cityedge::testing::TempDir dir;
  const std::string path = WriteVideo(dir, 12);
  HoldingFrames frames(16);
  fakes::RecordingSink sink;
  host::DriverRegistry registry;
  REQUIRE(registry.Add(CameraType()).has_value());
  host::DriverHost host(registry, sink, clock::Default());
  host.AddFrameListener(&frames);
  REQUIRE(host.StartInstance(CameraInstance("cam1", path,
                                            {{"pace", host::testing::Text("fast")},
                                             {"metrics_interval", Ms(100)}}))
              .has_value());
  for (int i = 0; i < 1000 && frames.count() < 40; ++i) {
    std::this_thread::sleep_for(milliseconds(10));  // frames are not events: poll
  }
  REQUIRE(frames.count() >= 40);
  REQUIRE(sink.WaitFor([](const auto& e) {
    return host::testing::CountReadings(e, "cam1") >= 4;  // one metrics round
  }));
  REQUIRE(host.StopInstance("cam1").has_value());
  CHECK(frames.width() == 160);
  CHECK(frames.height() == 120);
  CHECK(frames.format() == PixelFormat::kBgr8);
  CHECK(frames.Intact());
  CHECK(host::testing::CountStatus(sink.Events(), "cam1", v1::COMPONENT_STATE_ONLINE) == 1);
  std::set<std::string> channels;
  for (const auto& r : sink.Readings("cam1")) channels.insert(r.channel());
  CHECK(channels == std::set<std::string>{"fps", "decode_errors", "reconnects", "dropped_frames"});
  frames.Clear();  // releases the held frames back to the driver's buffers
}

TEST_CASE("Without loop a file ends the instance after its last frame, in gray if asked") {
  cityedge::testing::TempDir dir;
  const std::string path = WriteVideo(dir, 12);
  HoldingFrames frames;
  fakes::RecordingSink sink;
  host::DriverRegistry registry;
  REQUIRE(registry.Add(CameraType()).has_value());
  host::DriverHost host(registry, sink, clock::Default());
  host.AddFrameListener(&frames);
  REQUIRE(host.StartInstance(CameraInstance("cam1", path,
                                            {{"pace", host::testing::Text("fast")},
                                             {"loop", host::testing::Flag(false)},
                                             {"pixel_format", host::testing::Text("gray")}}))
              .has_value());
  REQUIRE(sink.WaitFor([](const auto& e) {
    return host::testing::CountStatus(e, "cam1", v1::COMPONENT_STATE_STOPPED) > 0;
  }));
  CHECK(frames.count() == 12);
  CHECK(frames.format() == PixelFormat::kGray8);
  frames.Clear();
}

TEST_CASE("A missing source is reported offline with the reason and retried") {
  fakes::RecordingSink sink;
  host::DriverRegistry registry;
  REQUIRE(registry.Add(CameraType()).has_value());
  host::DriverHost host(registry, sink, clock::Default());
  REQUIRE(host.StartInstance(CameraInstance("cam1", "/nonexistent/cam.avi",
                                            {{"backoff_initial", Ms(20)},
                                             {"backoff_max", Ms(40)},
                                             {"metrics_interval", Ms(100)}}))
              .has_value());
  REQUIRE(sink.WaitFor([](const auto& e) {
    for (const v1::Event& event : e) {
      if (event.has_reading() && event.reading().channel() == "reconnects" &&
          event.reading().value() >= 3) {
        return true;
      }
    }
    return false;
  }));
  REQUIRE(host.StopInstance("cam1").has_value());
  const auto statuses = sink.Statuses("cam1");
  bool offline = false;
  for (const auto& s : statuses) {
    offline = offline || (s.state() == v1::COMPONENT_STATE_OFFLINE &&
                          s.reason() == "cannot open /nonexistent/cam.avi");
  }
  CHECK(offline);
}

TEST_CASE("camera schema is consistent and sample.yaml follows it") {
  const auto type = CameraType();
  CHECK(config::CheckSettingsSchema(type->schema()).empty());
  const std::string source = cityedge::testing::EnvOr("CITYEDGE_SOURCE_DIR", ".");
  const YAML::Node sample = YAML::LoadFile(source + "/drivers/camera/sample.yaml");
  int checked = 0;
  for (const YAML::Node& driver : sample["drivers"]) {
    REQUIRE(driver["type"].as<std::string>() == "camera");
    const auto settings =
        config::ValidateSettings(type->schema(), driver["settings"], "drivers/camera/sample.yaml");
    CHECK(settings.has_value());
    ++checked;
  }
  CHECK(checked >= 3);
}

}  // namespace
}  // namespace cityedge::drivers::camera
