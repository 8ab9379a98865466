// SPDX-License-Identifier: Apache-2.0
// Keeps identities of people between detections (IoU first, then centroid
// distance), and counts what the tracks do: directional crossings of lines
// and presence in polygon zones. Track ids are internal to the gateway: they
// never appear in an event, only the counts derived from them.
//
// Coordinates: boxes in frame pixels; lines and zones in normalised frame
// coordinates (0..1 from the top-left corner), so a config survives a change
// of camera resolution. A person's position is the foot point (bottom centre
// of the box).
//
// THREADING: one instance per stream; not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core/types.hpp>

namespace cityedge::pipelines::people_count {

struct Track {
  std::uint64_t id = 0;
  cv::Rect box;
  int hits = 0;    // detections matched so far
  int misses = 0;  // consecutive frames without a match
};

class Tracker {
 public:
  explicit Tracker(int max_misses = 10) : max_misses_(max_misses) {}
  // Matches detections to tracks, starts tracks for the rest, ends tracks
  // unmatched for more than max_misses frames.
  void Update(const std::vector<cv::Rect>& detections);
  [[nodiscard]] const std::vector<Track>& tracks() const { return tracks_; }
  // Tracks matched in the latest frame.
  [[nodiscard]] std::size_t Visible() const;
  // Boxes worth searching again next frame (recently seen tracks).
  [[nodiscard]] std::vector<cv::Rect> Hints() const;

 private:
  int max_misses_;
  std::uint64_t next_id_ = 1;
  std::vector<Track> tracks_;
};

[[nodiscard]] cv::Point2f FootPoint(const cv::Rect& box);

// A counting line from `a` to `b` (normalised). Looking along a -> b on the
// image, a crossing from its left side to its right side counts as "in", the
// other way as "out".
struct CountingLine {
  std::string name;
  cv::Point2f a;
  cv::Point2f b;
};

class LineCounter {
 public:
  explicit LineCounter(CountingLine line) : line_(std::move(line)) {}
  // Feeds the visible tracks of one frame of size `frame`.
  void Update(const std::vector<Track>& tracks, const cv::Size& frame);
  [[nodiscard]] const CountingLine& line() const { return line_; }
  [[nodiscard]] std::uint32_t in() const { return in_; }
  [[nodiscard]] std::uint32_t out() const { return out_; }
  void ResetCounts() { in_ = out_ = 0; }

 private:
  struct Side {
    std::uint64_t track = 0;
    int side = 0;  // -1 left, +1 right of a -> b
  };
  CountingLine line_;
  std::vector<Side> sides_;
  std::uint32_t in_ = 0;
  std::uint32_t out_ = 0;
};

struct Zone {
  std::string name;
  std::vector<cv::Point2f> polygon;  // normalised
};

// People whose foot point lies inside `zone` (boundary included).
[[nodiscard]] std::uint32_t CountInZone(const Zone& zone, const std::vector<Track>& tracks,
                                        const cv::Size& frame);

}  // namespace cityedge::pipelines::people_count
