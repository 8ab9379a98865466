// SPDX-License-Identifier: Apache-2.0
// Face detection in visible-camera frames, behind a small interface so a
// pipeline's logic (fever_screen's fusion) can be tested with a fake and the
// detector swapped later. One cascade file named in the pipeline's settings,
// per instance; the privacy filter's detector (privacy_face_detector.hpp) is
// another: every system cascade, shared, tuned for recall.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "daemon/core/status.hpp"

namespace cityedge::pipelines::vision {

// THREADING: one thread at a time (the pipeline's frame thread).
class FaceDetector {
 public:
  virtual ~FaceDetector() = default;
  // Faces in an 8-bit grey image, as boxes in its pixel coordinates.
  [[nodiscard]] virtual std::vector<cv::Rect> Detect(const cv::Mat& gray) = 0;
};

// OpenCV's Haar cascade (Viola-Jones), e.g. Debian opencv-data's
// haarcascade_frontalface_default.xml. Fails naming the file when it cannot
// be loaded. Faces smaller than `min_size_px` are ignored.
[[nodiscard]] Result<std::unique_ptr<FaceDetector>> MakeHaarFaceDetector(
    const std::string& cascade_path, int min_size_px);

}  // namespace cityedge::pipelines::vision
