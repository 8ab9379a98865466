#include "pipelines/people_count/people_count.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "pipelines/framework.hpp"
#include "pipelines/people_count/detector.hpp"
#include "pipelines/people_count/tracker.hpp"
#include "pipelines/privacy/face_detector.hpp"
#include "pipelines/privacy/privacy.hpp"

namespace cityedge::pipelines::people_count {
namespace {

using config::SettingType;

config::SettingsSchema Schema() {
  return {
      Setting("detector", SettingType::kEnum,
              "hog: OpenCV's HOG people detector on moving regions; motion: moving blobs are "
              "the people (overhead cameras)")
          .Allowed({"hog", "motion"})
          .Default("hog"),
      Setting("interval", SettingType::kDuration,
              "Counts are smoothed and reported once per interval of capture time")
          .Default("10s")
          .Min(1000)
          .Unit("ms"),
      Setting("zones", SettingType::kList,
              "Polygons counted separately: 'name: x,y x,y x,y ...' in 0..1 frame coordinates"),
      Setting("lines", SettingType::kList,
              "Counting lines: 'name: x1,y1 x2,y2'; left to right of the direction 1 -> 2 is in"),
      Setting("upscale", SettingType::kDouble,
              "Image scale for HOG; people shorter than 96/upscale px are missed")
          .Default("1.5")
          .Min(0.5)
          .Max(4),
      Setting("max_person_height", SettingType::kDouble,
              "Tallest person in view as a fraction of the frame height; 0: no limit")
          .Default("0.3")
          .Min(0)
          .Max(1),
      Setting("hit_threshold", SettingType::kDouble, "HOG SVM margin a window must clear")
          .Default("0")
          .Min(-1)
          .Max(3),
      Setting("motion_width", SettingType::kInt, "Width of the copy background subtraction runs on")
          .Default("320")
          .Min(64)
          .Max(1920)
          .Unit("px"),
      Setting("min_blob_area", SettingType::kDouble,
              "Smallest moving blob, as a fraction of the frame")
          .Default("0.0005")
          .Min(0)
          .Max(0.5),
      Setting("max_misses", SettingType::kInt, "Frames a track survives without a detection")
          .Default("10")
          .Min(0)
          .Max(1000),
      Setting("evidence_thumbnails", SettingType::kBool,
              "Write one privacy-filtered JPEG per interval with people to evidence_dir")
          .Default("false"),
      Setting("evidence_dir", SettingType::kString, "Folder for evidence thumbnails")
          .Default("/var/lib/cityedge/evidence"),
      Setting("evidence_max_width", SettingType::kInt, "Width evidence thumbnails are scaled to")
          .Default("320")
          .Min(64)
          .Max(1920)
          .Unit("px"),
      Setting("evidence_keep", SettingType::kInt,
              "Thumbnails kept per pipeline; older ones are overwritten")
          .Default("50")
          .Min(1)
          .Max(100000),
  };
}

struct Config {
  DetectorOptions detector;
  std::int64_t interval_ns = 0;
  double max_person_height = 0;
  int max_misses = 10;
  std::vector<Zone> zones;
  std::vector<CountingLine> lines;
  bool evidence = false;
  std::string evidence_dir;
  int evidence_max_width = 320;
  int evidence_keep = 50;
};

Result<Config> ParseConfig(const config::Settings& s) {
  Config c;
  c.detector.mode = s.GetString("detector") == "motion" ? DetectorOptions::Mode::kMotion
                                                        : DetectorOptions::Mode::kHog;
  c.detector.hog.upscale = s.GetDouble("upscale");
  c.detector.hog.hit_threshold = s.GetDouble("hit_threshold");
  c.detector.motion_width = static_cast<int>(s.GetInt("motion_width"));
  c.detector.min_blob_area = s.GetDouble("min_blob_area");
  c.max_person_height = s.GetDouble("max_person_height");
  c.interval_ns = s.GetInt("interval") * kNsPerMs;
  c.max_misses = static_cast<int>(s.GetInt("max_misses"));
  c.evidence = s.GetBool("evidence_thumbnails");
  c.evidence_dir = s.GetString("evidence_dir");
  c.evidence_max_width = static_cast<int>(s.GetInt("evidence_max_width"));
  c.evidence_keep = static_cast<int>(s.GetInt("evidence_keep"));
  std::string name;
  std::vector<cv::Point2f> points;
  std::string error;
  for (const std::string& text : s.Has("zones") ? s.GetList("zones") : std::vector<std::string>{}) {
    if (!ParseNamedPoints(text, &name, &points, &error) || points.size() < 3) {
      return MakeError(Code::kInvalidArgument, "people_count: zones: {}",
                       error.empty() ? "'" + name + "' needs at least 3 points" : error);
    }
    c.zones.push_back(Zone{name, points});
  }
  for (const std::string& text : s.Has("lines") ? s.GetList("lines") : std::vector<std::string>{}) {
    if (!ParseNamedPoints(text, &name, &points, &error) || points.size() != 2) {
      return MakeError(Code::kInvalidArgument, "people_count: lines: {}",
                       error.empty() ? "'" + name + "' needs exactly 2 points" : error);
    }
    c.lines.push_back(CountingLine{name, points[0], points[1]});
  }
  return c;
}

// Sums over the current interval, reset when it is reported.
struct Window {
  std::int64_t start_ns = 0;
  std::uint64_t frames = 0;
  double count_sum = 0;
  std::vector<double> zone_sums;
};

class PeopleCountPipeline final : public Pipeline {
 public:
  PeopleCountPipeline(Config config, Context context)
      : config_(std::move(config)), context_(std::move(context)), tracker_(config_.max_misses) {
    for (const CountingLine& line : config_.lines) counters_.emplace_back(line);
    window_.zone_sums.assign(config_.zones.size(), 0.0);
  }

  void OnSample(const Sample& /*sample*/) override {}

  void OnFrame(const Frame& frame) override {
    if (frame.format == PixelFormat::kY16) return;  // radiometric frames are not for counting
    const cv::Mat view = privacy::ViewOf(frame);
    if (!detector_) {
      DetectorOptions options = config_.detector;
      options.hog.max_person_px = static_cast<int>(config_.max_person_height * view.rows);
      detector_.emplace(options);
    }
    const std::int64_t t_ns = frame.capture_time.wall_unix_ns();
    const std::int64_t start = WindowStart(t_ns, config_.interval_ns);
    if (window_.frames > 0 && start != window_.start_ns) Report();
    if (window_.frames == 0) window_.start_ns = start;

    tracker_.Update(detector_->Detect(view, tracker_.Hints()));
    for (LineCounter& counter : counters_) counter.Update(tracker_.tracks(), view.size());
    ++window_.frames;
    window_.count_sum += static_cast<double>(tracker_.Visible());
    for (std::size_t z = 0; z < config_.zones.size(); ++z) {
      window_.zone_sums[z] += CountInZone(config_.zones[z], tracker_.tracks(), view.size());
    }
    last_capture_ = frame.capture_time;
    source_ = std::string(frame.source);
    if (config_.evidence && tracker_.Visible() > 0 && !evidence_pending_) {
      evidence_pending_ = frame;
      evidence_pending_->source = {};  // valid during this call only
    }
  }

  // A camera that went silent still gets its last interval reported.
  void OnTick(std::int64_t monotonic_ns) override {
    if (window_.frames > 0 && monotonic_ns - last_capture_.monotonic_ns() > config_.interval_ns) {
      Report();
    }
  }

 private:
  void Report() {
    v1::Event event = MakeEvent(context_, source_, last_capture_, v1::PRIORITY_CLASS_DETECTION);
    v1::PeopleCount* body = event.mutable_people_count();
    const double frames = static_cast<double>(window_.frames);
    body->set_count(static_cast<std::uint32_t>(std::lround(window_.count_sum / frames)));
    body->set_interval_ms(static_cast<std::uint32_t>(config_.interval_ns / kNsPerMs));
    for (std::size_t z = 0; z < config_.zones.size(); ++z) {
      v1::PeopleCount::ZoneCount* zone = body->add_zones();
      zone->set_zone(config_.zones[z].name);
      zone->set_count(static_cast<std::uint32_t>(std::lround(window_.zone_sums[z] / frames)));
    }
    for (LineCounter& counter : counters_) {
      v1::PeopleCount::LineCrossing* line = body->add_lines();
      line->set_line(counter.line().name);
      line->set_in(counter.in());
      line->set_out(counter.out());
      counter.ResetCounts();
    }
    Emit(context_, std::move(event));
    if (evidence_pending_) WriteEvidence(*evidence_pending_);
    evidence_pending_.reset();
    window_ = Window{};
    window_.zone_sums.assign(config_.zones.size(), 0.0);
  }

  // Only ever the privacy filter's output reaches the disk.
  void WriteEvidence(const Frame& frame) {
    privacy::PrivacyOptions options;
    options.max_width = config_.evidence_max_width;
    const Result<std::string> jpeg = privacy::EncodePrivateJpeg(frame, options);
    if (!jpeg) {
      spdlog::warn("pipeline {}: evidence thumbnail not written: {}", context_.id,
                   jpeg.error().message());
      return;
    }
    std::error_code ec;
    std::filesystem::create_directories(config_.evidence_dir, ec);
    const std::string path = config_.evidence_dir + "/" + context_.id + "-" +
                             std::to_string(evidence_seq_++ % config_.evidence_keep) + ".jpg";
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << *jpeg;
    if (!out) spdlog::warn("pipeline {}: cannot write {}", context_.id, path);
  }

  const Config config_;
  const Context context_;
  std::optional<Detector> detector_;  // built on the first frame, which gives the size
  Tracker tracker_;
  std::vector<LineCounter> counters_;
  Window window_;
  v1::Timestamp last_capture_;
  std::string source_;
  std::optional<Frame> evidence_pending_;  // holds the frame (and its buffer) until written
  std::uint64_t evidence_seq_ = 0;
};

}  // namespace

PipelineType Type() {
  return {
      .name = "people_count",
      .description =
          "People in view, per zone and crossing lines, from camera frames (counts only)",
      .schema = Schema(),
      .consumes_frames = true,
      .create = CreateFromSettings<PeopleCountPipeline, ParseConfig>,
  };
}

}  // namespace cityedge::pipelines::people_count
