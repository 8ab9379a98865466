// SPDX-License-Identifier: Apache-2.0
// The blackbody reference: a region of the thermal frame that holds a
// blackbody at a known temperature. Its measured offset (measured minus set)
// corrects every frame, which removes the sensor's offset and drift. A
// reference that cannot be trusted stops screening instead of letting wrong
// numbers through:
//   missing   the region is not near the set temperature (blackbody off,
//             cold, covered, or the camera moved away from it)
//   moving    the region's spatial spread is too large or the centroid of its
//             warm face moved (blackbody or camera knocked, partly covered)
//   unstable  the offset changes faster than a limit over a window (sensor
//             warming up, flat-field correction in progress)
// Screening resumes only after `recover_frames` good frames in a row.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include <opencv2/core.hpp>

namespace cityedge::pipelines::fever_screen {

struct BlackbodyConfig {
  cv::Rect rect;
  double set_c = 35.0;
  double tolerance_c = 3.0;          // |measured - set| allowed
  double max_std_c = 0.5;            // spatial standard deviation allowed in the region
  double max_shift_px = 2.0;         // centroid movement allowed from where it was first seen
  double max_drift_c_per_min = 2.0;  // offset rate allowed over the window
  std::int64_t window_ns = 10'000'000'000;
  int recover_frames = 5;
};

enum class ReferenceProblem { kNone, kMissing, kMoving, kUnstable };

struct ReferenceVerdict {
  ReferenceProblem problem = ReferenceProblem::kNone;
  std::string reason;     // empty when kNone
  double measured_c = 0;  // median of the region
  double offset_c = 0;    // measured - set
  double std_c = 0;
};

// THREADING: one thread (the pipeline's).
class BlackbodyMonitor {
 public:
  explicit BlackbodyMonitor(BlackbodyConfig config) : config_(config) {}

  // Judges the reference in one frame of °C values (CV_32F) captured at t_ns.
  [[nodiscard]] ReferenceVerdict Observe(const cv::Mat& celsius, std::int64_t t_ns);
  // True once the reference has been good for recover_frames frames in a row
  // and has not failed since.
  [[nodiscard]] bool usable() const { return usable_; }
  [[nodiscard]] const BlackbodyConfig& config() const { return config_; }

 private:
  [[nodiscard]] std::optional<std::string> Unstable(double offset_c, std::int64_t t_ns);

  const BlackbodyConfig config_;
  std::optional<cv::Point2d> baseline_centroid_;
  std::deque<std::pair<std::int64_t, double>> offsets_;  // (t_ns, offset) of good frames
  int good_run_ = 0;
  bool usable_ = false;
};

}  // namespace cityedge::pipelines::fever_screen
