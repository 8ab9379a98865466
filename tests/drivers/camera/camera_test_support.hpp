// SPDX-License-Identifier: Apache-2.0
// Shared by the camera driver's tests: the driver type, an instance config
// and a frame listener that checks frames stay intact while they are held.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>

#include <catch2/catch.hpp>

#include "daemon/host/driver_host.hpp"
#include "daemon/host/driver_registry.hpp"
#include "tests/host/host_test_support.hpp"

extern "C" const ce_driver_descriptor* ce_driver_entry_camera(uint32_t, uint32_t);

namespace cityedge::drivers::camera::testing {

inline std::shared_ptr<const host::DriverType> CameraType() {
  auto type = host::CheckDriver(&ce_driver_entry_camera, "camera", "built-in 'camera'");
  REQUIRE(type.has_value());
  return *type;
}

inline v1::DriverInstance CameraInstance(const std::string& id, const std::string& source,
                                         const std::map<std::string, v1::SettingValue>& extra) {
  v1::DriverInstance instance;
  instance.set_id(id);
  instance.set_type("camera");
  instance.set_enabled(true);
  instance.set_publish(true);
  (*instance.mutable_settings())["source"] = host::testing::Text(source);
  for (const auto& [key, value] : extra) (*instance.mutable_settings())[key] = value;
  return instance;
}

inline v1::SettingValue Ms(std::int64_t ms) {
  v1::SettingValue v;
  v.set_int_value(ms);
  return v;
}

inline std::uint64_t Checksum(const Frame& frame) {
  std::uint64_t sum = 0;
  for (std::uint32_t y = 0; y < frame.height; ++y) {
    const std::uint8_t* row = frame.data + y * frame.stride;
    sum = std::accumulate(row, row + frame.width * BytesPerPixel(frame.format), sum);
  }
  return sum;
}

// Keeps the last `keep` frames (as a pipeline may) with the checksum they had
// on arrival; Intact() is false if a held buffer was written again.
class HoldingFrames final : public host::FrameListener {
 public:
  explicit HoldingFrames(std::size_t keep = 8) : keep_(keep) {}
  void OnFrame(const Frame& frame) override {
    std::lock_guard lock(mu_);
    ++count_;
    width_ = frame.width;
    height_ = frame.height;
    format_ = frame.format;
    for (const auto& [held, sum] : held_) intact_ = intact_ && Checksum(held) == sum;
    held_.emplace_back(frame, Checksum(frame));
    held_.back().first.source = {};
    if (held_.size() > keep_) held_.pop_front();
  }
  void Clear() {
    std::lock_guard lock(mu_);
    held_.clear();
  }
  std::uint64_t count() const {
    std::lock_guard lock(mu_);
    return count_;
  }
  bool Intact() const {
    std::lock_guard lock(mu_);
    return intact_;
  }
  std::uint32_t width() const {
    std::lock_guard lock(mu_);
    return width_;
  }
  std::uint32_t height() const {
    std::lock_guard lock(mu_);
    return height_;
  }
  PixelFormat format() const {
    std::lock_guard lock(mu_);
    return format_;
  }

 private:
  mutable std::mutex mu_;
  std::size_t keep_;
  std::deque<std::pair<Frame, std::uint64_t>> held_;
  std::uint64_t count_ = 0;
  bool intact_ = true;
  std::uint32_t width_ = 0;
  std::uint32_t height_ = 0;
  PixelFormat format_ = PixelFormat::kGray8;
};

}  // namespace cityedge::drivers::camera::testing
