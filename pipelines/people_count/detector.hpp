// SPDX-License-Identifier: Apache-2.0
// People detection for people_count: OpenCV's HOG people detector, made fast
// by motion gating. MOG2 background subtraction on a downscaled gray copy
// finds moving regions; HOG runs only on padded regions of interest (those
// regions, plus the boxes of people already tracked so that someone who
// stops walking is still seen), upscaled so that the smallest person to find
// fills the 64x128 window, and with the scale pyramid cut where the region
// itself ends. A "motion" mode takes the moving blobs themselves as the
// detections, for overhead cameras where people do not look like people.
//
// THREADING: one detector per stream; not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/objdetect.hpp>
#include <opencv2/video/background_segm.hpp>

namespace cityedge::pipelines::people_count {

// The HOG pass, shared by the gated detector and the plain full-frame
// reference so that both judge with the same parameters.
struct HogParams {
  double upscale = 1.5;        // image scale before HOG; people below 128/upscale px are missed
  double hit_threshold = 0.0;  // SVM margin
  double scale_step = 1.05;    // pyramid step
  int group_threshold = 2;     // groupRectangles: neighbours needed to keep a box
  // Tallest person the camera can see, in frame pixels (0: no limit). Caps
  // the scale pyramid, which is where HOG's large false boxes come from.
  int max_person_px = 0;
};

// The reference: HOG over the whole frame (resized by `upscale`), boxes in
// frame pixels, after the same overlap suppression the gated detector uses.
// What the gated detector is measured against. `hog` from MakePeopleHog.
[[nodiscard]] std::vector<cv::Rect> DetectPeopleFullFrame(const cv::HOGDescriptor& hog,
                                                          const cv::Mat& image,
                                                          const HogParams& params);

// A HOGDescriptor loaded with OpenCV's default people detector, its pyramid
// cut at params.max_person_px.
[[nodiscard]] cv::HOGDescriptor MakePeopleHog(const HogParams& params);

struct DetectorOptions {
  enum class Mode { kHog, kMotion };
  Mode mode = Mode::kHog;
  HogParams hog;
  int motion_width = 320;         // width of the copy MOG2 runs on
  double min_blob_area = 0.0005;  // fraction of the frame a moving blob must cover
  double roi_padding = 0.35;      // of the blob's size, on every side
  int warmup_frames = 6;          // frames MOG2 learns before blobs count
};

class Detector {
 public:
  explicit Detector(DetectorOptions options);

  // Boxes of people in `image` (BGR or gray, any size), in its pixels.
  // `hints` are boxes of tracked people, searched even when they stand still.
  [[nodiscard]] std::vector<cv::Rect> Detect(const cv::Mat& image,
                                             const std::vector<cv::Rect>& hints = {});

  // Regions HOG ran on in the last call (frame pixels), for tests and stats.
  [[nodiscard]] const std::vector<cv::Rect>& last_rois() const { return rois_; }
  // Fraction of the frame's pixels HOG looked at in the last call.
  [[nodiscard]] double last_coverage() const { return coverage_; }

 private:
  std::vector<cv::Rect> MovingBlobs(const cv::Mat& image);
  std::vector<cv::Rect> RegionsOfInterest(const std::vector<cv::Rect>& blobs,
                                          const std::vector<cv::Rect>& hints,
                                          const cv::Size& frame) const;
  std::vector<cv::Rect> HogOnRegion(const cv::Mat& image, const cv::Rect& roi);

  DetectorOptions options_;
  cv::Ptr<cv::BackgroundSubtractorMOG2> mog2_;
  cv::HOGDescriptor hog_;
  cv::Mat small_;
  cv::Mat mask_;
  std::int64_t frames_ = 0;
  std::vector<cv::Rect> rois_;
  double coverage_ = 0;
};

// Greedy non-maximum suppression: drops boxes overlapping an earlier, larger
// one by more than `iou`.
[[nodiscard]] std::vector<cv::Rect> SuppressOverlaps(std::vector<cv::Rect> boxes, double iou);
[[nodiscard]] double Iou(const cv::Rect& a, const cv::Rect& b);

}  // namespace cityedge::pipelines::people_count
