// SPDX-License-Identifier: Apache-2.0
#include "pipelines/fever_screen/fever_screen.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "pipelines/fever_screen/blackbody.hpp"
#include "pipelines/fever_screen/localiser.hpp"
#include "pipelines/fever_screen/tracker.hpp"
#include "pipelines/framework.hpp"
#include "pipelines/vision/haar_face_detector.hpp"

namespace cityedge::pipelines::fever_screen {
namespace {

using config::SettingType;
using vision::MakeHaarFaceDetector;

constexpr const char* kStatement =
    "elevated skin temperature; screening, not a diagnosis: confirm with a clinical thermometer";
// Channels the thermal driver announces its counts-to-°C conversion on.
constexpr std::string_view kGainChannel = "radiometric_gain";
constexpr std::string_view kOffsetChannel = "radiometric_offset";
// Visible frames kept for time alignment; a thermal core runs at ~9 frames/s
// and a camera at 15-30, so four cover the fusion window.
constexpr std::size_t kVisibleFramesKept = 4;
// Share of a mapped face box that must fall on a warm region to confirm it.
constexpr double kMinFaceOverlap = 0.3;

struct Config {
  double threshold_c = 37.3;
  double percentile = 95;
  std::size_t confirm_frames = 5;
  bool correction = true;
  BlackbodyConfig blackbody;
  LocaliserConfig localiser;
  TrackerConfig tracker;
  double ambient_coefficient = 0;
  double ambient_reference_c = 24;
  std::string visible_input;
  cv::Matx33d visible_to_thermal = cv::Matx33d::eye();
  std::int64_t fusion_window_ns = 0;
  std::string face_cascade;
  int min_face_px = 40;
  bool evidence_image = false;
};

// The rows were validated as 3 rows of 3 finite numbers; a singular matrix
// maps faces onto a line or a point and is refused.
Result<cv::Matx33d> ReadHomography(const std::vector<std::vector<double>>& rows) {
  cv::Matx33d h;
  for (std::size_t r = 0; r < 3; ++r) {
    for (std::size_t c = 0; c < 3; ++c)
      h(static_cast<int>(r), static_cast<int>(c)) = rows.at(r).at(c);
  }
  if (std::abs(cv::determinant(h)) < 1e-12) {
    return MakeError(Code::kInvalidArgument,
                     "fever_screen: visible_to_thermal is singular (determinant 0): it cannot map "
                     "a face box onto the thermal frame");
  }
  return h;
}

Result<Config> ParseConfig(const config::Settings& s, const Context& context) {
  Config c;
  c.threshold_c = s.GetDouble("threshold_c");
  c.percentile = s.GetDouble("percentile");
  c.confirm_frames = static_cast<std::size_t>(s.GetInt("confirm_frames"));
  c.correction = s.GetBool("blackbody_correction");
  c.blackbody = {
      cv::Rect(static_cast<int>(s.GetInt("blackbody_x")), static_cast<int>(s.GetInt("blackbody_y")),
               static_cast<int>(s.GetInt("blackbody_width")),
               static_cast<int>(s.GetInt("blackbody_height"))),
      s.GetDouble("blackbody_c"),
      s.GetDouble("blackbody_tolerance_c"),
      s.GetDouble("blackbody_max_std_c"),
      s.GetDouble("blackbody_max_shift_px"),
      s.GetDouble("blackbody_max_drift"),
      s.GetInt("blackbody_window") * kNsPerMs,
      static_cast<int>(s.GetInt("blackbody_recover_frames"))};
  if (c.correction && (c.blackbody.rect.width < 2 || c.blackbody.rect.height < 2)) {
    return MakeError(Code::kInvalidArgument,
                     "fever_screen: blackbody_width and blackbody_height (at least 2 px) must "
                     "place the blackbody region while blackbody_correction is on");
  }
  c.localiser = {s.GetDouble("skin_min_c"),
                 s.GetDouble("skin_max_c"),
                 static_cast<int>(s.GetInt("min_face_area")),
                 static_cast<int>(s.GetInt("max_face_area")),
                 s.GetDouble("min_aspect"),
                 s.GetDouble("max_aspect"),
                 LocaliserConfig{}.min_fill};
  if (c.localiser.skin_min_c >= c.localiser.skin_max_c ||
      c.localiser.min_area_px > c.localiser.max_area_px ||
      c.localiser.min_aspect > c.localiser.max_aspect) {
    return MakeError(Code::kInvalidArgument,
                     "fever_screen: skin_min_c, min_face_area and min_aspect must not exceed their "
                     "max_ counterparts");
  }
  c.tracker = {s.GetDouble("track_min_iou"), s.GetDouble("track_max_jump_px"),
               s.GetInt("track_timeout") * kNsPerMs, c.confirm_frames};
  c.ambient_coefficient = s.GetDouble("ambient_coefficient");
  c.ambient_reference_c = s.GetDouble("ambient_reference_c");
  c.visible_input = s.Has("visible_input") ? s.GetString("visible_input") : std::string();
  if (!c.visible_input.empty() && std::find(context.inputs.begin(), context.inputs.end(),
                                            c.visible_input) == context.inputs.end()) {
    return MakeError(Code::kInvalidArgument,
                     "fever_screen: visible_input '{}' is not one of the pipeline's inputs",
                     c.visible_input);
  }
  auto h = ReadHomography(s.GetNumberLists("visible_to_thermal"));
  if (!h) return std::unexpected(h.error());
  c.visible_to_thermal = *h;
  c.fusion_window_ns = s.GetInt("fusion_window") * kNsPerMs;
  c.face_cascade = s.GetString("face_cascade");
  c.min_face_px = static_cast<int>(s.GetInt("min_face_px"));
  c.evidence_image = s.GetBool("evidence_image");
  return c;
}

// A visible frame kept for time alignment, with its faces once detected.
struct VisibleFrame {
  Frame frame;
  std::optional<std::vector<cv::Rect>> faces;  // in thermal pixels
};

// One face region measured in one thermal frame.
struct Measurement {
  cv::Rect box;
  double measured_c = 0;   // percentile of the raw reading
  double corrected_c = 0;  // after reference offset and ambient compensation
  bool face_confirmed = false;
};

class FeverScreenPipeline final : public Pipeline {
 public:
  FeverScreenPipeline(Config config, Context context, std::unique_ptr<FaceDetector> detector)
      : config_(std::move(config)),
        context_(std::move(context)),
        detector_(std::move(detector)),
        monitor_(config_.blackbody),
        tracker_(config_.tracker) {}

  void OnSample(const Sample& sample) override {
    if (sample.channel == kGainChannel)
      radiometry_[std::string(sample.source)].first = sample.value;
    if (sample.channel == kOffsetChannel) {
      radiometry_[std::string(sample.source)].second = sample.value;
    }
  }

  void OnFrame(const Frame& frame) override {
    if (frame.format == PixelFormat::kY16) {
      OnThermal(frame);
    } else if (!config_.visible_input.empty() && frame.source == config_.visible_input) {
      visible_.push_back({frame, std::nullopt});
      visible_.back().frame.source = config_.visible_input;  // the caller's view dies
      while (visible_.size() > kVisibleFramesKept) visible_.pop_front();
    }
  }

 private:
  void OnThermal(const Frame& frame) {
    source_ = std::string(frame.source);
    capture_ = frame.capture_time;
    const auto conversion = radiometry_.find(source_);
    if (conversion == radiometry_.end() || !conversion->second.first ||
        !conversion->second.second) {
      SetStatus(
          false, "radiometry",
          fmt::format("waiting for {}'s radiometric_gain/radiometric_offset readings", source_));
      return;
    }
    cv::Mat celsius;
    const cv::Mat counts(static_cast<int>(frame.height), static_cast<int>(frame.width), CV_16UC1,
                         const_cast<std::uint8_t*>(frame.data), frame.stride);
    counts.convertTo(celsius, CV_32F, *conversion->second.first, *conversion->second.second);
    const std::int64_t t_ns = frame.capture_time.wall_unix_ns();
    ReferenceVerdict reference;
    if (config_.correction) {
      reference = monitor_.Observe(celsius, t_ns);
      if (!monitor_.usable()) {
        // A reference still settling (at start, or good again but not for
        // long enough) keeps the state and reason it has.
        if (reference.problem != ReferenceProblem::kNone) {
          SetStatus(false, ProblemName(reference.problem), reference.reason);
        }
        return;
      }
    }
    std::optional<std::vector<cv::Rect>> faces;
    if (!config_.visible_input.empty()) {
      faces = FacesNear(t_ns);
      if (!faces) {
        SetStatus(false, "visible",
                  fmt::format("no frame from visible camera {} within {} ms of the thermal "
                              "frame: faces cannot be confirmed",
                              config_.visible_input, config_.fusion_window_ns / kNsPerMs));
        return;
      }
    }
    SetStatus(true, "ok",
              config_.correction
                  ? fmt::format("screening; blackbody reads {:.2f} °C (set {:.2f} °C)",
                                reference.measured_c, config_.blackbody.set_c)
                  : "screening without blackbody correction");
    Screen(celsius, reference, faces, t_ns);
  }

  void Screen(const cv::Mat& celsius, const ReferenceVerdict& reference,
              const std::optional<std::vector<cv::Rect>>& faces, std::int64_t t_ns) {
    const cv::Mat corrected = celsius - reference.offset_c;
    const cv::Rect exclude = config_.correction ? config_.blackbody.rect : cv::Rect();
    const std::vector<WarmRegion> regions = FindWarmRegions(corrected, config_.localiser, exclude);
    cv::Mat background;
    cv::compare(corrected, config_.localiser.skin_min_c, background, cv::CMP_LT);
    const double ambient_c = cv::mean(corrected, background)[0];
    const double compensation_c =
        config_.ambient_coefficient * (config_.ambient_reference_c - ambient_c);
    std::vector<Measurement> measured;
    for (const WarmRegion& region : regions) {
      cv::Mat mask = region.mask;
      bool confirmed = false;
      if (faces) {
        const std::optional<cv::Rect> face = MatchFace(region.box, *faces);
        if (!face) continue;  // warm, but no face: a radiator, a cup, a dog
        cv::Mat in_face = cv::Mat::zeros(mask.size(), CV_8U);
        in_face((*face - region.box.tl()) & cv::Rect(0, 0, mask.cols, mask.rows)).setTo(255);
        cv::Mat both = mask & in_face;
        if (cv::countNonZero(both) > 0) mask = both;
        confirmed = true;
      }
      const double raw = Percentile(celsius(region.box), mask, config_.percentile);
      measured.push_back({region.box, raw, raw - reference.offset_c + compensation_c, confirmed});
    }
    std::vector<cv::Rect> boxes;
    for (const Measurement& m : measured) boxes.push_back(m.box);
    const std::vector<Track*> tracks = tracker_.Update(boxes, t_ns);
    for (std::size_t i = 0; i < measured.size(); ++i) {
      Track& track = *tracks[i];
      tracker_.Measure(track, measured[i].corrected_c, measured[i].measured_c);
      if (track.alerted || track.corrected_c.size() < config_.confirm_frames) continue;
      if (Median(track.corrected_c) <= config_.threshold_c) continue;
      track.alerted = true;
      Alert(track, measured[i], reference, ambient_c, compensation_c, celsius);
    }
  }

  // The faces of the visible frame nearest in capture time to t_ns, mapped
  // into thermal pixels; nullopt when none is within the fusion window.
  std::optional<std::vector<cv::Rect>> FacesNear(std::int64_t t_ns) {
    VisibleFrame* best = nullptr;
    std::int64_t best_gap = 0;
    for (VisibleFrame& v : visible_) {
      const std::int64_t gap = std::abs(v.frame.capture_time.wall_unix_ns() - t_ns);
      if (gap <= config_.fusion_window_ns && (best == nullptr || gap < best_gap)) {
        best = &v;
        best_gap = gap;
      }
    }
    if (best == nullptr) return std::nullopt;
    if (!best->faces) best->faces = DetectMapped(best->frame);
    return best->faces;
  }

  std::vector<cv::Rect> DetectMapped(const Frame& frame) {
    const int type = frame.format == PixelFormat::kBgr8 ? CV_8UC3 : CV_8UC1;
    const cv::Mat image(static_cast<int>(frame.height), static_cast<int>(frame.width), type,
                        const_cast<std::uint8_t*>(frame.data), frame.stride);
    cv::Mat gray;
    if (type == CV_8UC3) {
      cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
    } else {
      gray = image;
    }
    std::vector<cv::Rect> mapped;
    for (const cv::Rect& face : detector_->Detect(gray)) {
      std::vector<cv::Point2f> corners = {face.tl(),
                                          {float(face.br().x), float(face.y)},
                                          face.br(),
                                          {float(face.x), float(face.br().y)}};
      cv::perspectiveTransform(corners, corners, cv::Matx33f(config_.visible_to_thermal));
      mapped.push_back(cv::boundingRect(corners));
    }
    return mapped;
  }

  static std::optional<cv::Rect> MatchFace(const cv::Rect& region,
                                           const std::vector<cv::Rect>& faces) {
    std::optional<cv::Rect> best;
    double best_overlap = kMinFaceOverlap;
    for (const cv::Rect& face : faces) {
      if (face.area() <= 0) continue;
      const double overlap = static_cast<double>((face & region).area()) / face.area();
      if (overlap >= best_overlap) {
        best = face;
        best_overlap = overlap;
      }
    }
    return best;
  }

  void Alert(const Track& track, const Measurement& m, const ReferenceVerdict& reference,
             double ambient_c, double compensation_c, const cv::Mat& celsius) {
    v1::Event event = MakeEvent(context_, source_, capture_, v1::PRIORITY_CLASS_ALARM);
    v1::FeverAlert* a = event.mutable_fever_alert();
    const double corrected = Median(track.corrected_c);
    a->set_measured_c(Median(track.measured_c));
    a->set_corrected_c(corrected);
    a->set_threshold_c(config_.threshold_c);
    if (config_.correction) {
      a->set_reference_c(config_.blackbody.set_c);
      a->set_reference_measured_c(reference.measured_c);
    }
    a->set_confidence(Confidence(track, corrected, m.face_confirmed));
    a->set_statement(kStatement);
    a->set_track_id(track.id);
    a->set_percentile(config_.percentile);
    a->set_measurements(static_cast<std::uint32_t>(track.corrected_c.size()));
    a->set_ambient_c(ambient_c);
    a->set_ambient_compensation_c(compensation_c);
    a->set_region_x(static_cast<std::uint32_t>(m.box.x));
    a->set_region_y(static_cast<std::uint32_t>(m.box.y));
    a->set_region_width(static_cast<std::uint32_t>(m.box.width));
    a->set_region_height(static_cast<std::uint32_t>(m.box.height));
    a->set_face_confirmed(m.face_confirmed);
    if (config_.evidence_image) a->set_evidence_jpeg(Evidence(celsius(m.box)));
    Emit(context_, std::move(event));
  }

  // A heuristic in 0..1: how far above the threshold relative to the spread
  // of the track's measurements, discounted when no face confirmed it.
  [[nodiscard]] double Confidence(const Track& track, double corrected, bool face) const {
    const auto [lo, hi] = std::minmax_element(track.corrected_c.begin(), track.corrected_c.end());
    const double spread = std::max(0.1, *hi - *lo);
    const double margin = std::tanh((corrected - config_.threshold_c) / spread);
    const double base = 0.5 + 0.5 * margin;
    return std::clamp(config_.visible_input.empty() || face ? base : base * 0.8, 0.0, 1.0);
  }

  // Grey JPEG of the crop, 20..40 °C mapped to 0..255, pixelated to blocks of
  // a quarter of the face so no likeness survives.
  static std::string Evidence(const cv::Mat& crop) {
    cv::Mat grey, small, blocky;
    crop.convertTo(grey, CV_8U, 255.0 / 20.0, -20.0 * 255.0 / 20.0);
    cv::resize(grey, small, cv::Size(4, 4), 0, 0, cv::INTER_AREA);
    cv::resize(small, blocky, cv::Size(crop.cols * 4, crop.rows * 4), 0, 0, cv::INTER_NEAREST);
    std::vector<std::uint8_t> jpeg;
    try {
      cv::imencode(".jpg", blocky, jpeg);
    } catch (const cv::Exception&) {
      return {};
    }
    return std::string(jpeg.begin(), jpeg.end());
  }

  static const char* ProblemName(ReferenceProblem problem) {
    switch (problem) {
      case ReferenceProblem::kMissing:
        return "missing";
      case ReferenceProblem::kMoving:
        return "moving";
      case ReferenceProblem::kUnstable:
        return "unstable";
      case ReferenceProblem::kNone:
        break;
    }
    return "ok";
  }

  // Reports a change of screening state as a status event (health class).
  // Reasons carry live numbers, so only a change of state or of the kind of
  // problem (`kind`) is news.
  void SetStatus(bool ok, const char* kind, const std::string& reason) {
    const v1::ComponentState state = ok ? v1::COMPONENT_STATE_ONLINE : v1::COMPONENT_STATE_DEGRADED;
    if (state == state_ && kind == kind_) return;
    v1::Event event = MakeEvent(context_, source_, capture_, v1::PRIORITY_CLASS_HEALTH);
    v1::DriverStatus* s = event.mutable_driver_status();
    s->set_instance(context_.id);
    s->set_type("fever_screen");
    s->set_state(state);
    s->set_previous_state(state_);
    s->set_reason(ok ? reason : "screening suspended, no alerts: " + reason);
    state_ = state;
    kind_ = kind;
    Emit(context_, std::move(event));
  }

  const Config config_;
  const Context context_;
  std::unique_ptr<FaceDetector> detector_;
  BlackbodyMonitor monitor_;
  Tracker tracker_;
  std::map<std::string, std::pair<std::optional<double>, std::optional<double>>> radiometry_;
  std::deque<VisibleFrame> visible_;
  std::string source_;
  v1::Timestamp capture_;
  v1::ComponentState state_ = v1::COMPONENT_STATE_STARTING;
  std::string kind_;
};

}  // namespace

Result<std::unique_ptr<Pipeline>> CreateWithDetector(const config::Settings& settings,
                                                     Context context,
                                                     std::unique_ptr<FaceDetector> detector) {
  auto config = ParseConfig(settings, context);
  if (!config) return std::unexpected(config.error());
  if (!config->visible_input.empty() && detector == nullptr) {
    auto haar = MakeHaarFaceDetector(config->face_cascade, config->min_face_px);
    if (!haar) return std::unexpected(haar.error());
    detector = std::move(*haar);
  }
  return std::make_unique<FeverScreenPipeline>(std::move(*config), std::move(context),
                                               std::move(detector));
}

PipelineType Type() {
  PipelineType type = SchemaType();
  type.create = [](const config::Settings& settings, Context context) {
    return CreateWithDetector(settings, std::move(context), nullptr);
  };
  return type;
}

}  // namespace cityedge::pipelines::fever_screen
