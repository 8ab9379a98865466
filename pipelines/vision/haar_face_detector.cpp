// SPDX-License-Identifier: Apache-2.0
#include "pipelines/vision/haar_face_detector.hpp"

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

namespace cityedge::pipelines::vision {
namespace {

class HaarFaceDetector final : public FaceDetector {
 public:
  HaarFaceDetector(cv::CascadeClassifier cascade, int min_size_px)
      : cascade_(std::move(cascade)), min_size_px_(min_size_px) {}

  std::vector<cv::Rect> Detect(const cv::Mat& gray) override {
    std::vector<cv::Rect> faces;
    try {
      cv::Mat equalised;
      cv::equalizeHist(gray, equalised);
      cascade_.detectMultiScale(equalised, faces, 1.1, 4, 0, cv::Size(min_size_px_, min_size_px_));
    } catch (const cv::Exception&) {
      faces.clear();  // an image OpenCV cannot handle has no faces we can use
    }
    return faces;
  }

 private:
  cv::CascadeClassifier cascade_;
  int min_size_px_;
};

}  // namespace

Result<std::unique_ptr<FaceDetector>> MakeHaarFaceDetector(const std::string& cascade_path,
                                                           int min_size_px) {
  cv::CascadeClassifier cascade;
  bool loaded = false;
  try {
    loaded = cascade.load(cascade_path);
  } catch (const cv::Exception& e) {
    return MakeError(Code::kInvalidArgument, "face cascade {}: {}", cascade_path, e.what());
  }
  if (!loaded || cascade.empty()) {
    return MakeError(Code::kInvalidArgument,
                     "face cascade {} cannot be loaded (missing or not a cascade file; Debian "
                     "package opencv-data installs the default one)",
                     cascade_path);
  }
  return std::make_unique<HaarFaceDetector>(std::move(cascade), min_size_px);
}

}  // namespace cityedge::pipelines::vision
