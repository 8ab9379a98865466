// SPDX-License-Identifier: Apache-2.0
#include "pipelines/fever_screen/tracker.hpp"

#include <algorithm>
#include <tuple>

namespace cityedge::pipelines::fever_screen {
namespace {

double Iou(const cv::Rect& a, const cv::Rect& b) {
  const double inter = (a & b).area();
  const double uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0;
}

cv::Point2d Centre(const cv::Rect& r) { return {r.x + r.width / 2.0, r.y + r.height / 2.0}; }

}  // namespace

std::vector<Track*> Tracker::Update(const std::vector<cv::Rect>& boxes, std::int64_t t_ns) {
  std::erase_if(tracks_,
                [&](const Track& t) { return t_ns - t.last_seen_ns > config_.timeout_ns; });
  // Candidate pairs, best first: overlap beats distance.
  std::vector<std::tuple<double, std::size_t, std::size_t>> pairs;  // (score, box, track)
  for (std::size_t b = 0; b < boxes.size(); ++b) {
    for (std::size_t t = 0; t < tracks_.size(); ++t) {
      const double iou = Iou(boxes[b], tracks_[t].box);
      const double jump = cv::norm(Centre(boxes[b]) - Centre(tracks_[t].box));
      if (iou >= config_.min_iou) {
        pairs.emplace_back(1.0 + iou, b, t);
      } else if (jump <= config_.max_jump_px) {
        pairs.emplace_back(1.0 - jump / (config_.max_jump_px + 1), b, t);
      }
    }
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const auto& x, const auto& y) { return std::get<0>(x) > std::get<0>(y); });
  std::vector<std::ptrdiff_t> match(boxes.size(), -1);
  std::vector<bool> taken(tracks_.size(), false);
  for (const auto& [score, b, t] : pairs) {
    if (match[b] >= 0 || taken[t]) continue;
    match[b] = static_cast<std::ptrdiff_t>(t);
    taken[t] = true;
  }
  for (std::size_t b = 0; b < boxes.size(); ++b) {
    if (match[b] >= 0) continue;
    tracks_.push_back(Track{next_id_++, boxes[b], t_ns, {}, {}, false});
    match[b] = static_cast<std::ptrdiff_t>(tracks_.size() - 1);
  }
  std::vector<Track*> out;
  for (std::size_t b = 0; b < boxes.size(); ++b) {
    Track& track = tracks_[static_cast<std::size_t>(match[b])];
    track.box = boxes[b];
    track.last_seen_ns = t_ns;
    out.push_back(&track);
  }
  return out;
}

void Tracker::Measure(Track& track, double corrected_c, double measured_c) const {
  track.corrected_c.push_back(corrected_c);
  track.measured_c.push_back(measured_c);
  while (track.corrected_c.size() > config_.history) track.corrected_c.pop_front();
  while (track.measured_c.size() > config_.history) track.measured_c.pop_front();
}

double Median(const std::deque<double>& values) {
  std::vector<double> v(values.begin(), values.end());
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace cityedge::pipelines::fever_screen
