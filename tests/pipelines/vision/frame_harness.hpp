// SPDX-License-Identifier: Apache-2.0
// Feeds cv::Mat frames to a vision pipeline the way the router does, with
// capture times chosen by the test, and checks that no event carries pixels.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <opencv2/core.hpp>

#include "tests/pipelines/support/support.hpp"

namespace cityedge::pipelines::testing {

class FrameHarness {
 public:
  FrameHarness(std::string_view type, const std::map<std::string, std::string>& yaml,
               std::string camera = "cam1")
      : camera_(std::move(camera)) {
    const PipelineType& t = TypeNamed(type);
    REQUIRE(t.consumes_frames);
    auto created = t.create(MakeSettings(t.schema, yaml), Context{"p1", {camera_}, &sink, &clock});
    INFO((created ? "" : created.error().ToString()));
    REQUIRE(created.has_value());
    pipeline_ = std::move(*created);
  }

  // `image` is CV_8UC3 (BGR) or CV_8UC1; captured at t_ns (wall clock).
  void Feed(const cv::Mat& image, std::int64_t t_ns) {
    auto owned = std::make_shared<cv::Mat>(image.clone());
    Frame frame;
    frame.source = camera_;
    frame.format = owned->channels() == 3 ? PixelFormat::kBgr8 : PixelFormat::kGray8;
    frame.width = static_cast<std::uint32_t>(owned->cols);
    frame.height = static_cast<std::uint32_t>(owned->rows);
    frame.stride = owned->step[0];
    frame.data = owned->data;
    frame.capture_time.set_wall_unix_ns(t_ns);
    frame.capture_time.set_monotonic_ns(t_ns - kT0 + kSec);
    frame.hold = std::shared_ptr<const void>(owned, owned->data);
    pipeline_->OnFrame(frame);
  }

  void Tick(std::int64_t monotonic_ns) { pipeline_->OnTick(monotonic_ns); }

  fakes::FakeClock clock;
  fakes::RecordingSink sink;

 private:
  std::string camera_;
  std::unique_ptr<Pipeline> pipeline_;
};

// Size of the largest bytes/string field anywhere in `message` (bytes only
// when `bytes_only`). Events must never carry pixels.
inline std::size_t LargestBytesField(const google::protobuf::Message& message) {
  namespace pb = google::protobuf;
  std::size_t largest = 0;
  const pb::Reflection* r = message.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  for (const pb::FieldDescriptor* f : fields) {
    if (f->type() == pb::FieldDescriptor::TYPE_BYTES) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(message, f); ++i) {
          largest = std::max(largest, r->GetRepeatedString(message, f, i).size());
        }
      } else {
        largest = std::max(largest, r->GetString(message, f).size());
      }
    } else if (f->type() == pb::FieldDescriptor::TYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(message, f); ++i) {
          largest = std::max(largest, LargestBytesField(r->GetRepeatedMessage(message, f, i)));
        }
      } else {
        largest = std::max(largest, LargestBytesField(r->GetMessage(message, f)));
      }
    }
  }
  return largest;
}

// No event of `events` has a bytes field longer than a boot id (16 bytes),
// and none is bigger than a few hundred bytes in all.
inline void RequireNoPixels(const std::vector<v1::Event>& events) {
  for (const v1::Event& e : events) {
    INFO(e.ShortDebugString());
    CHECK(LargestBytesField(e) <= 16);
    CHECK(e.ByteSizeLong() < 1024);
  }
}

}  // namespace cityedge::pipelines::testing
