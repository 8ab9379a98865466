// SPDX-License-Identifier: Apache-2.0
#include "pipelines/vision/privacy_face_detector.hpp"

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "pipelines/vision/frame_view.hpp"
#include "pipelines/vision/privacy.hpp"

namespace cityedge::pipelines::privacy {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFrontal = "haarcascades/haarcascade_frontalface_default.xml";
constexpr const char* kFrontalAlt2 = "haarcascades/haarcascade_frontalface_alt2.xml";
constexpr const char* kProfile = "haarcascades/haarcascade_profileface.xml";
constexpr const char* kLbpFrontal = "lbpcascades/lbpcascade_frontalface_improved.xml";

std::vector<std::string> Candidates() {
  std::vector<std::string> folders;
  if (const char* env = std::getenv("CITYEDGE_OPENCV_DATA"); env != nullptr && *env != '\0') {
    folders.emplace_back(env);
  }
  folders.emplace_back("/usr/share/opencv4");
  folders.emplace_back("/usr/local/share/opencv4");
  folders.emplace_back("/usr/share/opencv");
  return folders;
}

struct Cascades {
  std::mutex mu;  // CascadeClassifier::detectMultiScale is not const
  Result<std::string> folder = MakeError(Code::kInternal, "not loaded");
  cv::CascadeClassifier frontal;
  cv::CascadeClassifier frontal_alt2;
  cv::CascadeClassifier profile;
  cv::CascadeClassifier lbp_frontal;
};

Result<std::string> Load(Cascades& c) {
  std::string searched;
  for (const std::string& folder : Candidates()) {
    searched += (searched.empty() ? "" : ", ") + folder;
    if (!fs::exists(fs::path(folder) / kFrontal)) continue;
    try {
      if (!c.frontal.load(folder + "/" + kFrontal) ||
          !c.frontal_alt2.load(folder + "/" + kFrontalAlt2) ||
          !c.profile.load(folder + "/" + kProfile)) {
        return MakeError(Code::kDataLoss, "face cascades in {} do not load; reinstall opencv-data",
                         folder);
      }
      // The LBP cascade adds recall where present; its absence is not fatal.
      (void)c.lbp_frontal.load(folder + "/" + kLbpFrontal);
    } catch (const cv::Exception& e) {
      return MakeError(Code::kDataLoss, "face cascades in {}: {}", folder, e.what());
    }
    return folder;
  }
  return MakeError(Code::kNotFound,
                   "face cascades ({}) not found in {}; install Debian's opencv-data or set "
                   "CITYEDGE_OPENCV_DATA to the folder holding haarcascades/",
                   kFrontal, searched);
}

Cascades& Shared() {
  static Cascades* cascades = [] {
    auto* c = new Cascades();  // lives for the process: detached threads may still use it
    c->folder = Load(*c);
    return c;
  }();
  return *cascades;
}

void Run(cv::CascadeClassifier& cascade, const cv::Mat& gray, int neighbours, cv::Size min,
         std::vector<cv::Rect>* out) {
  if (cascade.empty()) return;
  std::vector<cv::Rect> found;
  cascade.detectMultiScale(gray, found, 1.1, neighbours, 0, min);
  out->insert(out->end(), found.begin(), found.end());
}

}  // namespace

Result<std::vector<cv::Rect>> DetectFacesGray(const cv::Mat& gray, bool thorough) {
  Cascades& c = Shared();
  if (!c.folder) return std::unexpected(c.folder.error());
  std::vector<cv::Rect> faces;
  try {
    cv::Mat equalized;
    cv::equalizeHist(gray, equalized);
    std::lock_guard lock(c.mu);
    if (!thorough) {
      Run(c.frontal, equalized, 3, cv::Size(24, 24), &faces);
      return faces;
    }
    const cv::Size min(16, 16);
    Run(c.frontal, equalized, 2, min, &faces);
    Run(c.frontal_alt2, equalized, 2, min, &faces);
    Run(c.profile, equalized, 2, min, &faces);
    Run(c.lbp_frontal, equalized, 2, min, &faces);
    // Profiles facing the other way: the cascade knows only one side.
    cv::Mat mirrored;
    cv::flip(equalized, mirrored, 1);
    std::vector<cv::Rect> flipped;
    Run(c.profile, mirrored, 2, min, &flipped);
    for (cv::Rect r : flipped) {
      r.x = gray.cols - r.x - r.width;
      faces.push_back(r);
    }
  } catch (const cv::Exception& e) {
    return MakeError(Code::kInternal, "face detection failed: {}", e.what());
  }
  return faces;
}

Result<std::string> CascadeFolder() { return Shared().folder; }

namespace {
Result<std::vector<Box>> Detect(const Frame& frame, bool thorough) {
  if (frame.data == nullptr || frame.width == 0 || frame.height == 0) {
    return MakeError(Code::kInvalidArgument, "face detection: empty frame");
  }
  auto faces = DetectFacesGray(vision::GrayOf(vision::ViewOf(frame)), thorough);
  if (!faces) return std::unexpected(faces.error());
  std::vector<Box> boxes;
  for (const cv::Rect& r : *faces) boxes.push_back(Box{r.x, r.y, r.width, r.height});
  return boxes;
}
}  // namespace

Result<std::vector<Box>> DetectFaces(const Frame& frame) { return Detect(frame, true); }
Result<std::vector<Box>> DetectFacesPlain(const Frame& frame) { return Detect(frame, false); }

}  // namespace cityedge::pipelines::privacy
