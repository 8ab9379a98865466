// SPDX-License-Identifier: Apache-2.0
// Short-lived tracks of faces across thermal frames, so a person is alerted
// once, not once per frame. Detections are matched to tracks by overlap
// (IoU), then by centroid distance for small or fast faces; a track not seen
// for `timeout_ns` ends.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include <opencv2/core.hpp>

namespace cityedge::pipelines::fever_screen {

struct Track {
  std::uint64_t id = 0;
  cv::Rect box;
  std::int64_t last_seen_ns = 0;
  std::deque<double> corrected_c;  // newest last, at most `history` entries
  std::deque<double> measured_c;
  bool alerted = false;
};

struct TrackerConfig {
  double min_iou = 0.2;
  double max_jump_px = 24;
  std::int64_t timeout_ns = 1'000'000'000;
  std::size_t history = 5;
};

// THREADING: one thread (the pipeline's).
class Tracker {
 public:
  explicit Tracker(TrackerConfig config) : config_(config) {}

  // Matches `boxes` seen at t_ns; returns, per box, the track it now belongs
  // to (a new track when nothing matched). Ends tracks unseen for too long.
  // The pointers stay valid until the next call.
  [[nodiscard]] std::vector<Track*> Update(const std::vector<cv::Rect>& boxes, std::int64_t t_ns);

  // Adds a measurement to `track`, keeping the newest `history`.
  void Measure(Track& track, double corrected_c, double measured_c) const;

  [[nodiscard]] std::size_t size() const { return tracks_.size(); }

 private:
  TrackerConfig config_;
  std::deque<Track> tracks_;
  std::uint64_t next_id_ = 1;
};

// Median of the values (the confirmed temperature of a track).
[[nodiscard]] double Median(const std::deque<double>& values);

}  // namespace cityedge::pipelines::fever_screen
