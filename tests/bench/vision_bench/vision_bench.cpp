// SPDX-License-Identifier: Apache-2.0
// vision_bench [--video PATH] [--frames N] [--threads T]
//
// One run, one set of decoded frames, one OpenCV thread count for both:
//  - people_count: every frame through the pipeline (motion gating, HOG on
//    regions of interest, tracker), as the daemon runs it;
//  - baseline: plain HOG over the whole frame with the same HOG parameters
//    (pipeline defaults) and the same overlap suppression.
// Prints frames per second of each and their ratio (goal >= 5x), and the mean
// per-frame difference of the people counts (goal <= 0.5). Each frame is
// stamped one second after the previous one, so the pipeline's 1 s interval
// is one frame and its event carries that frame's count.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core/utility.hpp>
#include <opencv2/videoio.hpp>

#include "pipelines/people_count/detector.hpp"
#include "pipelines/pipeline.hpp"
#include "tests/fakes/clock.hpp"
#include "tests/fakes/event_sink.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace pc = cityedge::pipelines::people_count;

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kT0 = 1'717'200'000LL * kSecond;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::unique_ptr<cityedge::pipelines::Pipeline> MakePeopleCount(
    cityedge::fakes::RecordingSink* sink, const cityedge::fakes::FakeClock* clock) {
  const cityedge::pipelines::PipelineType* type =
      cityedge::pipelines::FindVisionPipelineType("people_count");
  if (type == nullptr) return nullptr;
  std::map<std::string, cityedge::v1::SettingValue> values;
  for (const auto& spec : type->schema) {
    if (spec.default_text.empty()) continue;
    cityedge::v1::SettingValue v;
    switch (spec.type) {
      case cityedge::config::SettingType::kDouble:
        v.set_double_value(std::stod(spec.default_text));
        break;
      case cityedge::config::SettingType::kInt:
        v.set_int_value(std::stoll(spec.default_text));
        break;
      case cityedge::config::SettingType::kBool:
        v.set_bool_value(spec.default_text == "true");
        break;
      case cityedge::config::SettingType::kDuration:
        v.set_int_value(spec.key == "interval" ? 1000 : std::stoll(spec.default_text));
        break;
      default:
        v.set_string_value(spec.default_text);
    }
    values[spec.key] = v;
  }
  cityedge::v1::SettingValue interval;
  interval.set_int_value(1000);
  values["interval"] = interval;
  auto created = type->create(cityedge::config::Settings(values),
                              cityedge::pipelines::Context{"bench", {"cam1"}, sink, clock});
  return created ? std::move(*created) : nullptr;
}

cityedge::Frame ViewFrame(const cv::Mat& image, std::int64_t t_ns) {
  cityedge::Frame frame;
  frame.source = "cam1";
  frame.format = cityedge::PixelFormat::kBgr8;
  frame.width = static_cast<std::uint32_t>(image.cols);
  frame.height = static_cast<std::uint32_t>(image.rows);
  frame.stride = image.step[0];
  frame.data = image.data;
  frame.capture_time.set_wall_unix_ns(t_ns);
  return frame;
}

}  // namespace

int main(int argc, char** argv) {
  std::string video = std::string(CITYEDGE_DEFAULT_MEDIA_DIR) + "/vtest.avi";
  int max_frames = 100000;
  int threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--video") == 0) video = argv[i + 1];
    if (std::strcmp(argv[i], "--frames") == 0) max_frames = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--threads") == 0) threads = std::atoi(argv[i + 1]);
  }
  cv::setNumThreads(threads);
  cv::VideoCapture capture(video, cv::CAP_FFMPEG);
  if (!capture.isOpened()) {
    std::fprintf(stderr, "vision_bench: cannot open %s (scripts/install-deps.sh fetches it)\n",
                 video.c_str());
    return 1;
  }
  cityedge::fakes::RecordingSink sink;
  const cityedge::fakes::FakeClock clock({.wall_ns = kT0, .monotonic_ns = kSecond});
  auto pipeline = MakePeopleCount(&sink, &clock);
  if (!pipeline) {
    std::fprintf(stderr, "vision_bench: people_count is not in this build\n");
    return 1;
  }
  pc::HogParams params;  // the pipeline's defaults
  cv::HOGDescriptor hog;
  double gated_s = 0;
  double full_s = 0;
  double diff_sum = 0;
  double abs_diff_sum = 0;
  int compared = 0;
  int frames = 0;
  int previous_full = -1;
  int last = -1;  // the people count of the newest people_count event
  cv::Mat image;
  while (frames < max_frames && capture.read(image)) {
    if (frames == 0) {
      params.max_person_px = static_cast<int>(0.3 * image.rows);  // max_person_height default
      hog = pc::MakePeopleHog(params);
    }
    const Clock::time_point t0 = Clock::now();
    pipeline->OnFrame(ViewFrame(image, kT0 + frames * kSecond));
    gated_s += Since(t0);
    const std::vector<cityedge::v1::Event> emitted = sink.Take();
    for (const auto& e : emitted) {
      if (e.has_people_count()) last = static_cast<int>(e.people_count().count());
    }
    // The event for frame k-1 is emitted when frame k arrives.
    if (!emitted.empty() && previous_full >= 0) {
      diff_sum += last - previous_full;
      abs_diff_sum += std::abs(last - previous_full);
      ++compared;
    }
    const Clock::time_point t1 = Clock::now();
    previous_full = static_cast<int>(pc::DetectPeopleFullFrame(hog, image, params).size());
    full_s += Since(t1);
    ++frames;
  }
  if (frames == 0 || compared == 0) {
    std::fprintf(stderr, "vision_bench: no frames decoded from %s\n", video.c_str());
    return 1;
  }
  const double gated_fps = frames / gated_s;
  const double full_fps = frames / full_s;
  std::printf("vision_bench: %d frames of %s, %d OpenCV thread(s)\n", frames, video.c_str(),
              threads);
  std::printf("people_count %.2f fps, full-frame HOG %.2f fps, ratio %.2f (goal >= 5.00)\n",
              gated_fps, full_fps, gated_fps / full_fps);
  std::printf(
      "per-frame count difference over %d frames: mean |diff| %.3f, mean %.3f "
      "(goal <= 0.50)\n",
      compared, abs_diff_sum / compared, diff_sum / compared);
  return 0;
}
