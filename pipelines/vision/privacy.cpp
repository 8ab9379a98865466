// SPDX-License-Identifier: Apache-2.0
#include "pipelines/vision/privacy.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "pipelines/vision/frame_view.hpp"
#include "pipelines/vision/privacy_face_detector.hpp"

namespace cityedge::pipelines::privacy {
namespace {

constexpr int kMaxRounds = 4;

// Replaces `box` (grown by `grow` of its size on every side) with coarse blocks.
void Pixelate(cv::Mat& image, cv::Rect box, double grow, int blocks_across) {
  const int dx = static_cast<int>(box.width * grow);
  const int dy = static_cast<int>(box.height * grow);
  box = cv::Rect(box.x - dx, box.y - dy, box.width + 2 * dx, box.height + 2 * dy) &
        cv::Rect(0, 0, image.cols, image.rows);
  if (box.width < 2 || box.height < 2) return;
  const int across = std::clamp(blocks_across, 2, box.width);
  const int down = std::clamp(across * box.height / std::max(1, box.width), 2, box.height);
  cv::Mat region = image(box);
  cv::Mat tiny;
  cv::resize(region, tiny, cv::Size(across, down), 0, 0, cv::INTER_AREA);
  cv::resize(tiny, region, region.size(), 0, 0, cv::INTER_NEAREST);
}

std::vector<cv::Rect> People(const cv::Mat& gray) {
  // HOGDescriptor::detectMultiScale is const: one shared, built once.
  static const cv::HOGDescriptor* hog = [] {
    auto* h = new cv::HOGDescriptor();
    h->setSVMDetector(cv::HOGDescriptor::getDefaultPeopleDetector());
    return h;
  }();
  std::vector<cv::Rect> found;
  if (gray.cols < 64 || gray.rows < 128) return found;
  // Low threshold and no grouping floor: a person missed here is a person
  // shown; a pixelated patch of wall costs nothing.
  hog->detectMultiScale(gray, found, 0.0, cv::Size(8, 8), cv::Size(), 1.05, 1);
  return found;
}

}  // namespace

Result<std::string> EncodePrivateJpeg(const Frame& frame, const PrivacyOptions& options) {
  if (frame.data == nullptr || frame.width == 0 || frame.height == 0) {
    return MakeError(Code::kInvalidArgument, "snapshot: empty frame");
  }
  try {
    const cv::Mat view = vision::ViewOf(frame);
    cv::Mat image;
    if (view.type() == CV_16UC1) {
      image = vision::GrayOf(view);
    } else {
      image = view.clone();  // the driver's buffer is never written
    }
    const cv::Mat original = image.channels() == 1 ? image.clone() : vision::GrayOf(image);
    auto faces = DetectFacesGray(original, true);
    if (!faces) return std::unexpected(faces.error());
    if (options.pixelate_people) {
      for (const cv::Rect& person : People(original)) {
        Pixelate(image, person, 0.05, options.blocks_across);
      }
    }
    for (const cv::Rect& face : *faces) Pixelate(image, face, 0.25, options.blocks_across);
    // Blocks can themselves look like a face to a cascade: look again at the
    // result and pixelate what is still found, until nothing is.
    for (int round = 0;; ++round) {
      const cv::Mat gray = image.channels() == 1 ? image.clone() : vision::GrayOf(image);
      faces = DetectFacesGray(gray, true);
      if (!faces) return std::unexpected(faces.error());
      if (faces->empty()) break;
      if (round == kMaxRounds) {
        return MakeError(Code::kInternal,
                         "snapshot: faces still found after {} rounds of pixelation; not encoded",
                         kMaxRounds);
      }
      for (const cv::Rect& face : *faces) Pixelate(image, face, 0.25, options.blocks_across);
    }
    if (options.max_width > 0 && image.cols > options.max_width) {
      const double s = static_cast<double>(options.max_width) / image.cols;
      cv::Mat scaled;
      cv::resize(image, scaled, cv::Size(), s, s, cv::INTER_AREA);
      image = scaled;
    }
    std::vector<std::uint8_t> jpeg;
    if (!cv::imencode(".jpg", image, jpeg,
                      {cv::IMWRITE_JPEG_QUALITY, std::clamp(options.jpeg_quality, 1, 100)})) {
      return MakeError(Code::kInternal, "snapshot: JPEG encoding failed");
    }
    return std::string(jpeg.begin(), jpeg.end());
  } catch (const cv::Exception& e) {
    return MakeError(Code::kInternal, "snapshot: {}", e.what());
  }
}

Result<Frame> DecodeImage(const std::string& bytes) {
  try {
    const std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
    auto image = std::make_shared<cv::Mat>(cv::imdecode(data, cv::IMREAD_COLOR));
    if (image->empty()) return MakeError(Code::kInvalidArgument, "image does not decode");
    Frame frame;
    frame.format = PixelFormat::kBgr8;
    frame.width = static_cast<std::uint32_t>(image->cols);
    frame.height = static_cast<std::uint32_t>(image->rows);
    frame.stride = image->step[0];
    frame.data = image->data;
    frame.hold = std::shared_ptr<const void>(image, image->data);
    return frame;
  } catch (const cv::Exception& e) {
    return MakeError(Code::kInvalidArgument, "image does not decode: {}", e.what());
  }
}

}  // namespace cityedge::pipelines::privacy
