// SPDX-License-Identifier: Apache-2.0
#include "pipelines/people_count/detector.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <opencv2/imgproc.hpp>

namespace cityedge::pipelines::people_count {
namespace {

const cv::Size kWindow(64, 128);
const cv::Size kStride(8, 8);
constexpr double kOverlapIou = 0.4;

cv::Mat Gray(const cv::Mat& image) {
  if (image.channels() == 1) return image;
  cv::Mat gray;
  cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
  return gray;
}

cv::Rect Scale(const cv::Rect& r, double s) {
  return cv::Rect(cvRound(r.x * s), cvRound(r.y * s), cvRound(r.width * s), cvRound(r.height * s));
}

// Grows `r` around its centre to at least `min`, then clips it to `frame`.
cv::Rect Grow(const cv::Rect& r, const cv::Size& min, const cv::Size& frame) {
  cv::Rect out = r;
  if (out.width < min.width) {
    out.x -= (min.width - out.width) / 2;
    out.width = min.width;
  }
  if (out.height < min.height) {
    out.y -= (min.height - out.height) / 2;
    out.height = min.height;
  }
  return out & cv::Rect(cv::Point(0, 0), frame);
}

std::vector<cv::Rect> MergeOverlapping(std::vector<cv::Rect> rects) {
  bool merged = true;
  while (merged) {
    merged = false;
    for (std::size_t i = 0; i < rects.size() && !merged; ++i) {
      for (std::size_t j = i + 1; j < rects.size(); ++j) {
        if ((rects[i] & rects[j]).area() > 0) {
          rects[i] |= rects[j];
          rects.erase(rects.begin() + static_cast<std::ptrdiff_t>(j));
          merged = true;
          break;
        }
      }
    }
  }
  return rects;
}

std::vector<cv::Rect> RunHog(const cv::HOGDescriptor& hog, const cv::Mat& gray,
                             const HogParams& params) {
  cv::Mat scaled;
  if (params.upscale == 1.0) {
    scaled = gray;
  } else {
    cv::resize(gray, scaled, cv::Size(), params.upscale, params.upscale, cv::INTER_LINEAR);
  }
  std::vector<cv::Rect> found;
  if (scaled.cols < kWindow.width || scaled.rows < kWindow.height) return found;
  hog.detectMultiScale(scaled, found, params.hit_threshold, kStride, cv::Size(), params.scale_step,
                       params.group_threshold);
  for (cv::Rect& r : found) r = Scale(r, 1.0 / params.upscale);
  return found;
}

}  // namespace

double Iou(const cv::Rect& a, const cv::Rect& b) {
  const double inter = (a & b).area();
  const double uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0;
}

std::vector<cv::Rect> SuppressOverlaps(std::vector<cv::Rect> boxes, double iou) {
  std::sort(boxes.begin(), boxes.end(),
            [](const cv::Rect& a, const cv::Rect& b) { return a.area() > b.area(); });
  std::vector<cv::Rect> kept;
  for (const cv::Rect& box : boxes) {
    const bool overlaps = std::any_of(kept.begin(), kept.end(), [&](const cv::Rect& k) {
      // A box mostly inside a kept one is the same person found twice.
      return Iou(box, k) > iou || (box & k).area() > 0.7 * box.area();
    });
    if (!overlaps) kept.push_back(box);
  }
  return kept;
}

cv::HOGDescriptor MakePeopleHog(const HogParams& params) {
  cv::HOGDescriptor hog;
  hog.setSVMDetector(cv::HOGDescriptor::getDefaultPeopleDetector());
  if (params.max_person_px > 0 && params.scale_step > 1.0) {
    // Level k looks for people k steps of scale_step taller than the window.
    const double largest = params.max_person_px * params.upscale / kWindow.height;
    hog.nlevels = std::max(1, static_cast<int>(std::floor(std::log(std::max(1.0, largest)) /
                                                          std::log(params.scale_step))) +
                                  1);
  }
  return hog;
}

std::vector<cv::Rect> DetectPeopleFullFrame(const cv::HOGDescriptor& hog, const cv::Mat& image,
                                            const HogParams& params) {
  return SuppressOverlaps(RunHog(hog, Gray(image), params), kOverlapIou);
}

Detector::Detector(DetectorOptions options)
    : options_(options),
      mog2_(cv::createBackgroundSubtractorMOG2(500, 16.0, true)),
      hog_(MakePeopleHog(options.hog)) {}

std::vector<cv::Rect> Detector::Detect(const cv::Mat& image, const std::vector<cv::Rect>& hints) {
  const cv::Mat gray = Gray(image);
  const std::vector<cv::Rect> blobs = MovingBlobs(gray);
  const bool warming = frames_ <= options_.warmup_frames;
  rois_.clear();
  coverage_ = 0;
  if (options_.mode == DetectorOptions::Mode::kMotion) return blobs;
  // While MOG2 is still learning the background it sees motion everywhere:
  // look at the whole frame rather than trust its blobs.
  rois_ = warming ? std::vector<cv::Rect>{cv::Rect(cv::Point(0, 0), gray.size())}
                  : RegionsOfInterest(blobs, hints, gray.size());
  std::vector<cv::Rect> found;
  double area = 0;
  for (const cv::Rect& roi : rois_) {
    area += roi.area();
    for (const cv::Rect& r : HogOnRegion(gray, roi)) found.push_back(r);
  }
  coverage_ = area / static_cast<double>(gray.total());
  return SuppressOverlaps(std::move(found), kOverlapIou);
}

std::vector<cv::Rect> Detector::MovingBlobs(const cv::Mat& gray) {
  ++frames_;
  const double scale = std::min(1.0, static_cast<double>(options_.motion_width) / gray.cols);
  cv::resize(gray, small_, cv::Size(), scale, scale, cv::INTER_AREA);
  mog2_->apply(small_, mask_);
  if (frames_ <= options_.warmup_frames) return {};
  // 255 is foreground, 127 a shadow: shadows are not people.
  cv::threshold(mask_, mask_, 200, 255, cv::THRESH_BINARY);
  cv::morphologyEx(mask_, mask_, cv::MORPH_OPEN,
                   cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(3, 3)));
  cv::dilate(mask_, mask_, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(7, 7)));
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(mask_, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  const double min_area = options_.min_blob_area * static_cast<double>(small_.total());
  std::vector<cv::Rect> blobs;
  for (const auto& contour : contours) {
    const cv::Rect box = cv::boundingRect(contour);
    if (box.area() < min_area) continue;
    blobs.push_back(Scale(box, 1.0 / scale) & cv::Rect(cv::Point(0, 0), gray.size()));
  }
  return blobs;
}

std::vector<cv::Rect> Detector::RegionsOfInterest(const std::vector<cv::Rect>& blobs,
                                                  const std::vector<cv::Rect>& hints,
                                                  const cv::Size& frame) const {
  // The smallest region in which one window fits at the detection scale.
  const double u = options_.hog.upscale;
  const cv::Size min_size(static_cast<int>(std::ceil((kWindow.width + 48) / u)),
                          static_cast<int>(std::ceil((kWindow.height + 48) / u)));
  std::vector<cv::Rect> rois;
  const auto add = [&](const cv::Rect& r, double pad) {
    const int dx = cvRound(r.width * pad);
    const int dy = cvRound(r.height * pad);
    rois.push_back(
        Grow(cv::Rect(r.x - dx, r.y - dy, r.width + 2 * dx, r.height + 2 * dy), min_size, frame));
  };
  for (const cv::Rect& b : blobs) add(b, options_.roi_padding);
  for (const cv::Rect& h : hints) add(h, 0.2);
  return MergeOverlapping(std::move(rois));
}

std::vector<cv::Rect> Detector::HogOnRegion(const cv::Mat& gray, const cv::Rect& roi) {
  std::vector<cv::Rect> found = RunHog(hog_, gray(roi), options_.hog);
  for (cv::Rect& r : found) r += roi.tl();
  return found;
}

}  // namespace cityedge::pipelines::people_count
