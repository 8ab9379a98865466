// SPDX-License-Identifier: Apache-2.0
// Vision on real media: people_count against plain full-frame HOG on OpenCV's
// vtest.avi, the privacy filter on messi5.jpg, and evidence thumbnails.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <opencv2/core/utility.hpp>
#include <opencv2/videoio.hpp>

#include "pipelines/people_count/detector.hpp"
#include "pipelines/vision/privacy.hpp"
#include "tests/pipelines/vision/frame_harness.hpp"
#include "tests/support/process.hpp"

namespace cityedge::pipelines {
namespace {

namespace fs = std::filesystem;
using testing::FrameHarness;
using testing::kSec;
using testing::kT0;

std::string Media(const std::string& name) {
  const char* dir = std::getenv("CITYEDGE_MEDIA_DIR");
  REQUIRE(dir != nullptr);
  const std::string path = std::string(dir) + "/" + name;
  INFO(path << " (scripts/install-deps.sh fetches it)");
  REQUIRE(fs::exists(path));
  return path;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::vector<cv::Mat> VtestFrames(int count) {
  cv::VideoCapture capture(Media("vtest.avi"), cv::CAP_FFMPEG);
  REQUIRE(capture.isOpened());
  std::vector<cv::Mat> frames;
  cv::Mat frame;
  while (static_cast<int>(frames.size()) < count && capture.read(frame))
    frames.push_back(frame.clone());
  REQUIRE(static_cast<int>(frames.size()) == count);
  return frames;
}

// Tolerance: per 1 s interval (10 frames), people_count's smoothed count is
// within 1.5 of the mean plain HOG count of three frames of that interval, and
// within 0.75 on average over the run. Motion gating misses only what HOG
// finds on the still background (mostly false boxes on buildings).
TEST_CASE("people_count on vtest.avi agrees with plain full-frame HOG") {
  cv::setNumThreads(2);
  constexpr int kIntervals = 14;
  const std::vector<cv::Mat> frames = VtestFrames(kIntervals * 10 + 1);
  FrameHarness harness("people_count", {{"interval", "1s"}});
  people_count::HogParams params;  // the pipeline's defaults
  params.max_person_px = static_cast<int>(0.3 * frames[0].rows);
  const cv::HOGDescriptor hog = people_count::MakePeopleHog(params);
  std::vector<double> reference(kIntervals, 0.0);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    harness.Feed(frames[i], kT0 + static_cast<std::int64_t>(i) * kSec / 10);
    const std::size_t interval = i / 10;
    if (interval < kIntervals && (i % 10 == 2 || i % 10 == 5 || i % 10 == 8)) {
      reference[interval] +=
          people_count::DetectPeopleFullFrame(hog, frames[i], params).size() / 3.0;
    }
  }
  const std::vector<v1::Event> events = harness.sink.Events();
  REQUIRE(events.size() == kIntervals);
  double total = 0;
  double people = 0;
  for (int k = 0; k < kIntervals; ++k) {
    const double got = events[static_cast<std::size_t>(k)].people_count().count();
    INFO("interval " << k << ": people_count " << got << ", full-frame HOG " << reference[k]);
    CHECK(std::abs(got - reference[k]) <= 1.5);
    total += std::abs(got - reference[k]);
    people += got;
  }
  INFO("mean difference " << total / kIntervals);
  CHECK(total / kIntervals <= 0.75);
  CHECK(people / kIntervals >= 3);  // vtest.avi has people in every second
  testing::RequireNoPixels(events);
}

TEST_CASE("A private JPEG of a frame with a face shows no face to the same detector") {
  const auto frame = privacy::DecodeImage(ReadBytes(Media("messi5.jpg")));
  REQUIRE(frame.has_value());
  const auto before = privacy::DetectFacesPlain(*frame);
  INFO((before ? "" : before.error().ToString()));
  REQUIRE(before.has_value());
  REQUIRE_FALSE(before->empty());

  privacy::PrivacyOptions options;
  options.max_width = 0;  // same size, so the detector sees faces as large as before
  const auto jpeg = privacy::EncodePrivateJpeg(*frame, options);
  INFO((jpeg ? "" : jpeg.error().ToString()));
  REQUIRE(jpeg.has_value());
  REQUIRE(jpeg->substr(0, 2) == "\xFF\xD8");
  const auto after = privacy::DecodeImage(*jpeg);
  REQUIRE(after.has_value());
  CHECK(after->width == frame->width);
  const auto plain = privacy::DetectFacesPlain(*after);
  REQUIRE(plain.has_value());
  CHECK(plain->empty());
  const auto thorough = privacy::DetectFaces(*after);
  REQUIRE(thorough.has_value());
  CHECK(thorough->empty());

  options.max_width = 200;
  const auto small = privacy::EncodePrivateJpeg(*frame, options);
  REQUIRE(small.has_value());
  CHECK(privacy::DecodeImage(*small)->width == 200);
}

TEST_CASE("Evidence thumbnails are off by default and private when enabled") {
  const std::vector<cv::Mat> frames = VtestFrames(41);
  cityedge::testing::TempDir dir;
  for (const bool enabled : {false, true}) {
    INFO("evidence_thumbnails " << enabled);
    const std::string folder = dir.Join(enabled ? "on" : "off");
    FrameHarness harness("people_count", {{"interval", "1s"},
                                          {"evidence_thumbnails", enabled ? "true" : "false"},
                                          {"evidence_dir", folder}});
    for (std::size_t i = 0; i < frames.size(); ++i) {
      harness.Feed(frames[i], kT0 + static_cast<std::int64_t>(i) * kSec / 10);
    }
    REQUIRE(harness.sink.size() == 4);
    testing::RequireNoPixels(harness.sink.Events());
    if (!enabled) {
      CHECK_FALSE(fs::exists(folder));
      continue;
    }
    int thumbnails = 0;
    for (const auto& entry : fs::directory_iterator(folder)) {
      const auto image = privacy::DecodeImage(ReadBytes(entry.path().string()));
      REQUIRE(image.has_value());
      CHECK(image->width == 320);
      CHECK(privacy::DetectFacesPlain(*image)->empty());
      ++thumbnails;
    }
    CHECK(thumbnails == 4);
  }
}

}  // namespace
}  // namespace cityedge::pipelines
