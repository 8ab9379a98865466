// SPDX-License-Identifier: Apache-2.0
#include "pipelines/crowd_density/crowd_density.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <opencv2/video/background_segm.hpp>

#include "daemon/config/values.hpp"
#include "pipelines/framework.hpp"
#include "pipelines/vision/frame_points.hpp"
#include "pipelines/vision/frame_view.hpp"

namespace cityedge::pipelines::crowd_density {
namespace {

using config::SettingType;

struct ZoneConfig {
  std::string name;
  std::vector<cv::Point2f> polygon;
  double area_m2 = 0;  // 0: not configured
};

struct Config {
  std::vector<ZoneConfig> zones;
  double person_area = 0.01;
  std::array<double, 3> occupancy_levels{};
  std::array<double, 3> density_levels{};
  double hysteresis = 0.1;
  std::int64_t interval_ns = 0;
  int motion_width = 320;
  int warmup_frames = 30;
  int background_history = 3000;
};

std::string Trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

constexpr std::array<std::string_view, 3> kLevelNames = {"busy", "crowded", "critical"};

// Thresholds must rise from busy to critical, or a level could never be reached.
Status CheckRising(const std::array<double, 3>& thresholds, std::string_view what) {
  if (thresholds[0] < thresholds[1] && thresholds[1] < thresholds[2]) return OkStatus();
  return MakeError(Code::kInvalidArgument,
                   "crowd_density: {} must rise from busy to crowded to critical, got {}", what,
                   fmt::join(thresholds, ", "));
}

// The levels tables (validated: each level once), then the deprecated
// occupancy_levels and density_levels over them.
Status ReadLevels(const config::Settings& s, Config& c) {
  for (const config::Settings& table : s.GetTables("levels")) {
    const std::string& level = table.GetString("level");
    const auto at = static_cast<std::size_t>(
        std::find(kLevelNames.begin(), kLevelNames.end(), level) - kLevelNames.begin());
    c.occupancy_levels.at(at) = table.GetDouble("occupancy");
    c.density_levels.at(at) = table.GetDouble("density");
  }
  bool old_occupancy = false;
  bool old_density = false;
  if (s.Has("occupancy_levels")) {
    const std::vector<double> numbers = s.GetNumbers("occupancy_levels");
    std::copy_n(numbers.begin(), 3, c.occupancy_levels.begin());
    old_occupancy = true;
  }
  if (s.Has("density_levels")) {
    const std::vector<double> numbers = s.GetNumbers("density_levels");
    std::copy_n(numbers.begin(), 3, c.density_levels.begin());
    old_density = true;
  }
  if (auto ok = CheckRising(c.occupancy_levels,
                            old_occupancy ? "occupancy_levels" : "levels[].occupancy");
      !ok) {
    return ok;
  }
  return CheckRising(c.density_levels, old_density ? "density_levels" : "levels[].density");
}

ZoneConfig ReadZone(const config::Settings& table) {
  return {table.GetString("name"), vision::FramePoints(table.GetNumberLists("polygon")),
          table.Has("area") ? table.GetDouble("area") : 0};
}

// zone_areas, the deprecated "name: m2" list for zones without an area field.
Status ReadZoneAreas(const config::Settings& s, std::vector<ZoneConfig>& zones) {
  if (!s.Has("zone_areas")) return OkStatus();
  for (const std::string& text : s.GetList("zone_areas")) {
    const auto colon = text.find(':');
    const std::string zone = Trim(text.substr(0, colon));
    auto it = std::find_if(zones.begin(), zones.end(),
                           [&](const ZoneConfig& z) { return z.name == zone; });
    // Strict: "12abc", "nan" and an empty area are refused, not read as a number or 0.
    const Result<double> area = colon == std::string::npos
                                    ? Result<double>(0.0)
                                    : config::ParseNumber(Trim(text.substr(colon + 1)));
    if (it == zones.end() || !area || !(*area > 0)) {
      return MakeError(Code::kInvalidArgument,
                       "crowd_density: zone_areas: '{}' is not 'zone: m2' for a configured zone",
                       text);
    }
    if (it->area_m2 > 0) {
      return MakeError(Code::kInvalidArgument,
                       "crowd_density: zone_areas: '{}' names a zone whose table has an area "
                       "already; keep zones[].area only",
                       text);
    }
    it->area_m2 = *area;
  }
  return OkStatus();
}

Result<Config> ParseConfig(const config::Settings& s) {
  Config c;
  for (const config::Settings& table : s.GetTables("zones")) c.zones.push_back(ReadZone(table));
  if (c.zones.empty()) c.zones.push_back(ZoneConfig{"frame", {{0, 0}, {1, 0}, {1, 1}, {0, 1}}, 0});
  if (auto ok = ReadZoneAreas(s, c.zones); !ok) return std::unexpected(ok.error());
  if (auto ok = ReadLevels(s, c); !ok) return std::unexpected(ok.error());
  c.person_area = s.GetDouble("person_area");
  c.hysteresis = s.GetDouble("hysteresis");
  c.interval_ns = s.GetInt("interval") * kNsPerMs;
  c.motion_width = static_cast<int>(s.GetInt("motion_width"));
  c.warmup_frames = static_cast<int>(s.GetInt("warmup_frames"));
  c.background_history = static_cast<int>(s.GetInt("background_history"));
  return c;
}

struct ZoneState {
  cv::Mat mask;  // at motion resolution
  double pixels = 0;
  double occupancy_sum = 0;
  v1::CrowdLevel level = v1::CROWD_LEVEL_NORMAL;
};

class CrowdDensityPipeline final : public Pipeline {
 public:
  CrowdDensityPipeline(Config config, Context context)
      : config_(std::move(config)),
        context_(std::move(context)),
        mog2_(cv::createBackgroundSubtractorMOG2(500, 16.0, true)) {}

  void OnSample(const Sample& /*sample*/) override {}

  void OnFrame(const Frame& frame) override {
    const cv::Mat gray = vision::GrayOf(vision::ViewOf(frame));
    const double scale = std::min(1.0, static_cast<double>(config_.motion_width) / gray.cols);
    cv::resize(gray, small_, cv::Size(), scale, scale, cv::INTER_AREA);
    // Fast learning while warming up, then a slow, fixed rate: people who
    // stand still must stay foreground for minutes, not seconds.
    const bool warming = ++frames_ <= config_.warmup_frames;
    mog2_->apply(small_, mask_, warming ? -1.0 : 1.0 / config_.background_history);
    if (warming) return;
    if (zones_.empty()) BuildMasks(small_.size());
    cv::threshold(mask_, mask_, 200, 255, cv::THRESH_BINARY);  // 127 marks shadows
    cv::morphologyEx(mask_, mask_, cv::MORPH_OPEN,
                     cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(3, 3)));
    const std::int64_t t_ns = frame.capture_time.wall_unix_ns();
    const std::int64_t start = WindowStart(t_ns, config_.interval_ns);
    if (window_frames_ > 0 && start != window_start_) Report();
    if (window_frames_ == 0) window_start_ = start;
    for (ZoneState& zone : zones_) {
      cv::Mat inside;
      cv::bitwise_and(mask_, zone.mask, inside);
      zone.occupancy_sum += zone.pixels > 0 ? cv::countNonZero(inside) / zone.pixels : 0.0;
    }
    ++window_frames_;
    last_capture_ = frame.capture_time;
    source_ = std::string(frame.source);
  }

  // A camera that went silent still gets its last interval judged.
  void OnTick(std::int64_t monotonic_ns) override {
    if (window_frames_ > 0 && monotonic_ns - last_capture_.monotonic_ns() > config_.interval_ns) {
      Report();
    }
  }

 private:
  void BuildMasks(const cv::Size& size) {
    frame_pixels_ = static_cast<double>(size.area());
    for (const ZoneConfig& z : config_.zones) {
      ZoneState state;
      state.mask = cv::Mat::zeros(size, CV_8UC1);
      std::vector<cv::Point> polygon;
      for (const cv::Point2f& p : z.polygon) {
        polygon.emplace_back(cvRound(p.x * (size.width - 1)), cvRound(p.y * (size.height - 1)));
      }
      cv::fillPoly(state.mask, std::vector<std::vector<cv::Point>>{polygon}, cv::Scalar(255));
      state.pixels = cv::countNonZero(state.mask);
      zones_.push_back(std::move(state));
    }
  }

  void Report() {
    for (std::size_t i = 0; i < zones_.size(); ++i) {
      ZoneState& zone = zones_[i];
      const ZoneConfig& z = config_.zones[i];
      const double occupancy = zone.occupancy_sum / static_cast<double>(window_frames_);
      double density = 0;
      if (z.area_m2 > 0) {
        const double people = occupancy * zone.pixels / (config_.person_area * frame_pixels_);
        density = people / z.area_m2;
      }
      const v1::CrowdLevel next =
          z.area_m2 > 0
              ? NextLevel(zone.level, density, config_.density_levels, config_.hysteresis)
              : NextLevel(zone.level, occupancy, config_.occupancy_levels, config_.hysteresis);
      const bool changed = next != zone.level;
      v1::Event event =
          MakeEvent(context_, source_, last_capture_,
                    changed ? v1::PRIORITY_CLASS_ALARM : v1::PRIORITY_CLASS_TELEMETRY);
      v1::CrowdDensity* body = event.mutable_crowd_density();
      body->set_zone(z.name);
      body->set_occupancy(occupancy);
      body->set_people_per_m2(density);
      body->set_level(next);
      body->set_previous_level(zone.level);
      body->set_level_changed(changed);
      Emit(context_, std::move(event));
      zone.level = next;
      zone.occupancy_sum = 0;
    }
    window_frames_ = 0;
  }

  const Config config_;
  const Context context_;
  cv::Ptr<cv::BackgroundSubtractorMOG2> mog2_;
  cv::Mat small_;
  cv::Mat mask_;
  std::vector<ZoneState> zones_;
  double frame_pixels_ = 0;
  std::int64_t frames_ = 0;
  std::int64_t window_start_ = 0;
  std::uint64_t window_frames_ = 0;
  v1::Timestamp last_capture_;
  std::string source_;
};

}  // namespace

v1::CrowdLevel NextLevel(v1::CrowdLevel current, double value,
                         const std::array<double, 3>& thresholds, double hysteresis) {
  constexpr v1::CrowdLevel kLevels[] = {v1::CROWD_LEVEL_NORMAL, v1::CROWD_LEVEL_BUSY,
                                        v1::CROWD_LEVEL_CROWDED, v1::CROWD_LEVEL_CRITICAL};
  int now = current <= v1::CROWD_LEVEL_NORMAL ? 0 : static_cast<int>(current) - 1;
  now = std::min(now, 3);
  int up = 0;
  while (up < 3 && value >= thresholds[up]) ++up;
  if (up > now) return kLevels[up];
  int down = 0;
  while (down < 3 && value >= thresholds[down] * (1.0 - hysteresis)) ++down;
  return kLevels[std::min(now, down)];
}

PipelineType Type() {
  PipelineType type = SchemaType();
  type.create = CreateFromSettings<CrowdDensityPipeline, ParseConfig>;
  return type;
}

}  // namespace cityedge::pipelines::crowd_density
