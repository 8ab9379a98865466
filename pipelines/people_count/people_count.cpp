// SPDX-License-Identifier: Apache-2.0
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
#include "pipelines/vision/frame_points.hpp"
#include "pipelines/vision/frame_view.hpp"
#include "pipelines/vision/privacy.hpp"

namespace cityedge::pipelines::people_count {
namespace {

using config::SettingType;

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
  for (const config::Settings& table : s.GetTables("zones")) {
    c.zones.push_back(
        Zone{table.GetString("name"), vision::FramePoints(table.GetNumberLists("polygon"))});
  }
  for (const config::Settings& table : s.GetTables("lines")) {
    c.lines.push_back(CountingLine{table.GetString("name"),
                                   vision::FramePoint(table.GetNumbers("from")),
                                   vision::FramePoint(table.GetNumbers("to"))});
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
    const cv::Mat view = vision::ViewOf(frame);
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
  PipelineType type = SchemaType();
  type.create = CreateFromSettings<PeopleCountPipeline, ParseConfig>;
  return type;
}

}  // namespace cityedge::pipelines::people_count
