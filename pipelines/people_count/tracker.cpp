// SPDX-License-Identifier: Apache-2.0
#include "pipelines/people_count/tracker.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include <opencv2/imgproc.hpp>

#include "pipelines/people_count/detector.hpp"

namespace cityedge::pipelines::people_count {
namespace {

constexpr double kMinIou = 0.2;
// A centroid match may jump this many box heights between frames.
constexpr double kMaxJump = 0.75;
// A foot point closer to the line than this (fraction of the frame diagonal)
// keeps its previous side, so jitter on the line is not counted as crossings.
constexpr double kLineMargin = 0.01;

cv::Point2f Centre(const cv::Rect& r) {
  return {static_cast<float>(r.x + r.width / 2.0), static_cast<float>(r.y + r.height / 2.0)};
}

}  // namespace

cv::Point2f FootPoint(const cv::Rect& box) {
  return {static_cast<float>(box.x + box.width / 2.0), static_cast<float>(box.y + box.height)};
}

void Tracker::Update(const std::vector<cv::Rect>& detections) {
  std::vector<bool> used(detections.size(), false);
  std::vector<bool> matched(tracks_.size(), false);
  // Greedy on IoU, best pairs first.
  std::vector<std::tuple<double, std::size_t, std::size_t>> pairs;
  for (std::size_t t = 0; t < tracks_.size(); ++t) {
    for (std::size_t d = 0; d < detections.size(); ++d) {
      const double iou = Iou(tracks_[t].box, detections[d]);
      if (iou >= kMinIou) pairs.emplace_back(iou, t, d);
    }
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const auto& x, const auto& y) { return std::get<0>(x) > std::get<0>(y); });
  const auto take = [&](std::size_t t, std::size_t d) {
    tracks_[t].box = detections[d];
    ++tracks_[t].hits;
    tracks_[t].misses = 0;
    matched[t] = used[d] = true;
  };
  for (const auto& [iou, t, d] : pairs) {
    if (!matched[t] && !used[d]) take(t, d);
  }
  // Fast movers that no longer overlap: nearest centre within a jump.
  for (std::size_t t = 0; t < tracks_.size(); ++t) {
    if (matched[t]) continue;
    double best = kMaxJump * tracks_[t].box.height;
    std::size_t best_d = detections.size();
    for (std::size_t d = 0; d < detections.size(); ++d) {
      if (used[d]) continue;
      const double dist = cv::norm(Centre(tracks_[t].box) - Centre(detections[d]));
      if (dist < best) {
        best = dist;
        best_d = d;
      }
    }
    if (best_d < detections.size()) take(t, best_d);
  }
  for (std::size_t t = 0; t < tracks_.size(); ++t) {
    if (!matched[t]) ++tracks_[t].misses;
  }
  std::erase_if(tracks_, [&](const Track& track) { return track.misses > max_misses_; });
  for (std::size_t d = 0; d < detections.size(); ++d) {
    if (!used[d]) tracks_.push_back(Track{next_id_++, detections[d], 1, 0});
  }
}

std::size_t Tracker::Visible() const {
  return static_cast<std::size_t>(
      std::count_if(tracks_.begin(), tracks_.end(), [](const Track& t) { return t.misses == 0; }));
}

std::vector<cv::Rect> Tracker::Hints() const {
  std::vector<cv::Rect> hints;
  for (const Track& t : tracks_) {
    if (t.hits >= 2) hints.push_back(t.box);
  }
  return hints;
}

void LineCounter::Update(const std::vector<Track>& tracks, const cv::Size& frame) {
  const cv::Point2f a(line_.a.x * frame.width, line_.a.y * frame.height);
  const cv::Point2f b(line_.b.x * frame.width, line_.b.y * frame.height);
  const cv::Point2f ab = b - a;
  const double length = std::max(1e-6, cv::norm(ab));
  const double margin = kLineMargin * std::hypot(frame.width, frame.height);
  std::vector<Side> next;
  for (const Track& track : tracks) {
    const auto it = std::find_if(sides_.begin(), sides_.end(),
                                 [&](const Side& s) { return s.track == track.id; });
    int side = it != sides_.end() ? it->side : 0;
    if (track.misses == 0) {
      const cv::Point2f p = FootPoint(track.box);
      const double distance = (ab.x * (p.y - a.y) - ab.y * (p.x - a.x)) / length;
      const double along = ((p - a).dot(ab)) / (length * length);
      if (std::abs(distance) > margin) {
        const int now = distance > 0 ? 1 : -1;
        // Only crossings within the segment's extent count.
        if (side != 0 && now != side && along >= 0.0 && along <= 1.0) {
          (now > 0 ? in_ : out_) += 1;
        }
        side = now;
      }
    }
    next.push_back(Side{track.id, side});
  }
  sides_ = std::move(next);
}

std::uint32_t CountInZone(const Zone& zone, const std::vector<Track>& tracks,
                          const cv::Size& frame) {
  std::vector<cv::Point2f> polygon;
  for (const cv::Point2f& p : zone.polygon)
    polygon.emplace_back(p.x * frame.width, p.y * frame.height);
  std::uint32_t n = 0;
  for (const Track& track : tracks) {
    if (track.misses == 0 && cv::pointPolygonTest(polygon, FootPoint(track.box), false) >= 0) ++n;
  }
  return n;
}

}  // namespace cityedge::pipelines::people_count
