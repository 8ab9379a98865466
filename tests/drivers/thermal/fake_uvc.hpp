// SPDX-License-Identifier: Apache-2.0
// A UVC thermal camera as V4L2 presents it, simulated in memory behind
// V4l2Io: one format of one size (Y16 unless told otherwise), mmap buffers,
// and the queue semantics of VIDIOC_QBUF / VIDIOC_DQBUF. The test plays the
// sensor: Deliver() fills the oldest queued buffer with a frame, in the
// device's byte order and row stride, as a PureThermal-style board does.
#pragma once

#include <linux/videodev2.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "drivers/thermal/v4l2_capture.hpp"

namespace cityedge::drivers::thermal::testing {

class FakeUvcDevice final : public V4l2Io {
 public:
  static constexpr const char* kPath = "/dev/fake-lepton";

  struct Spec {
    std::uint32_t width = 160;
    std::uint32_t height = 120;
    std::uint32_t bytes_per_line = 0;  // 0: width * 2 (no row padding)
    std::uint32_t pixel_format = V4L2_PIX_FMT_Y16;
    bool is_v4l2 = true;             // false: answers VIDIOC_QUERYCAP with ENOTTY
    std::uint32_t buffer_bytes = 0;  // 0: bytes_per_line * height
  };

  explicit FakeUvcDevice(Spec spec) : spec_(spec) {
    if (spec_.bytes_per_line == 0) spec_.bytes_per_line = spec_.width * 2;
    if (spec_.buffer_bytes == 0) spec_.buffer_bytes = spec_.bytes_per_line * spec_.height;
  }

  // Fills the oldest queued buffer with `pixels` (width x height, host order)
  // as little-endian Y16 rows `bytes_per_line` apart; row padding is 0xEE.
  // `short_fill` leaves the last row out of bytesused; `error` sets
  // V4L2_BUF_FLAG_ERROR. Returns false when no buffer is queued (the device
  // drops the frame, as a real one does).
  bool Deliver(const std::vector<std::uint16_t>& pixels, bool short_fill = false,
               bool error = false) {
    {
      std::lock_guard lock(mu_);
      if (queued_.empty()) return false;
      const std::uint32_t index = queued_.front();
      queued_.pop_front();
      Slot& slot = slots_[index];
      std::fill(slot.bytes.begin(), slot.bytes.end(), 0xEE);
      for (std::uint32_t y = 0; y < spec_.height; ++y) {
        for (std::uint32_t x = 0; x < spec_.width; ++x) {
          const std::uint16_t v = pixels[static_cast<std::size_t>(y) * spec_.width + x];
          std::uint8_t* at = slot.bytes.data() +
                             static_cast<std::size_t>(y) * spec_.bytes_per_line +
                             static_cast<std::size_t>(x) * 2;
          at[0] = static_cast<std::uint8_t>(v & 0xff);
          at[1] = static_cast<std::uint8_t>(v >> 8);
        }
      }
      slot.bytes_used = spec_.bytes_per_line * (short_fill ? spec_.height - 1 : spec_.height);
      slot.flags = error ? V4L2_BUF_FLAG_ERROR : 0;
      ready_.push_back(index);
    }
    changed_.notify_all();
    return true;
  }

  // The board is pulled out: poll reports a hang-up from now on.
  void Unplug() {
    {
      std::lock_guard lock(mu_);
      unplugged_ = true;
    }
    changed_.notify_all();
  }

  // Waits until the capture streams with every buffer queued.
  bool WaitStreaming(std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, limit,
                             [&] { return streaming_ && queued_.size() == slots_.size(); });
  }

  struct Counts {
    int opens = 0;
    int closes = 0;
    int maps = 0;
    int unmaps = 0;
    bool streaming = false;
    std::uint32_t requested_fps_milli = 0;
  };
  [[nodiscard]] Counts counts() const {
    std::lock_guard lock(mu_);
    return {opens_, closes_, maps_, unmaps_, streaming_, requested_fps_milli_};
  }

  int Open(const char* path, int) override {
    std::lock_guard lock(mu_);
    if (std::string(path) != kPath) {
      errno = ENOENT;
      return -1;
    }
    ++opens_;
    unplugged_ = false;
    return kFd;
  }
  int Close(int fd) override {
    std::lock_guard lock(mu_);
    if (fd != kFd) return Fail(EBADF);
    ++closes_;
    streaming_ = false;
    return 0;
  }
  void* Mmap(std::size_t length, int fd, off_t offset) override {
    std::lock_guard lock(mu_);
    const auto index = static_cast<std::size_t>(offset) / kPage;
    if (fd != kFd || index >= slots_.size() || length != slots_[index].bytes.size()) {
      errno = EINVAL;
      return reinterpret_cast<void*>(-1);  // MAP_FAILED
    }
    ++maps_;
    return slots_[index].bytes.data();
  }
  int Munmap(void*, std::size_t) override {
    std::lock_guard lock(mu_);
    ++unmaps_;
    return 0;
  }
  int Poll(pollfd* fds, nfds_t, int timeout_ms) override {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                      [&] { return unplugged_ || !ready_.empty(); });
    fds[0].revents = unplugged_ ? POLLHUP | POLLERR : ready_.empty() ? 0 : POLLIN;
    return fds[0].revents != 0 ? 1 : 0;
  }
  int Ioctl(int fd, unsigned long request, void* arg) override {
    int result = 0;
    {
      std::lock_guard lock(mu_);
      result = fd == kFd ? Handle(request, arg) : Fail(EBADF);
    }
    changed_.notify_all();
    return result;
  }

 private:
  static constexpr int kFd = 1000;
  static constexpr std::size_t kPage = 4096;

  struct Slot {
    std::vector<std::uint8_t> bytes;
    std::uint32_t bytes_used = 0;
    std::uint32_t flags = 0;
  };

  static int Fail(int error) {
    errno = error;
    return -1;
  }

  // Caller holds mu_.
  int Handle(unsigned long request, void* arg) {
    switch (request) {
      case VIDIOC_QUERYCAP: {
        if (!spec_.is_v4l2) return Fail(ENOTTY);
        auto* cap = static_cast<v4l2_capability*>(arg);
        *cap = {};
        std::strncpy(reinterpret_cast<char*>(cap->card), "PureThermal (simulated)",
                     sizeof(cap->card) - 1);
        cap->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
        cap->capabilities = cap->device_caps | V4L2_CAP_DEVICE_CAPS;
        return 0;
      }
      case VIDIOC_G_FMT:
      case VIDIOC_S_FMT: {
        // One mode only: S_FMT adjusts every request to it, as drivers do.
        auto* fmt = static_cast<v4l2_format*>(arg);
        fmt->fmt.pix.width = spec_.width;
        fmt->fmt.pix.height = spec_.height;
        fmt->fmt.pix.pixelformat = spec_.pixel_format;
        fmt->fmt.pix.field = V4L2_FIELD_NONE;
        fmt->fmt.pix.bytesperline = spec_.bytes_per_line;
        fmt->fmt.pix.sizeimage = spec_.bytes_per_line * spec_.height;
        return 0;
      }
      case VIDIOC_S_PARM: {
        const auto* parm = static_cast<v4l2_streamparm*>(arg);
        const auto& t = parm->parm.capture.timeperframe;
        requested_fps_milli_ = t.numerator == 0 ? 0 : t.denominator * 1000 / t.numerator;
        return 0;
      }
      case VIDIOC_REQBUFS: {
        auto* req = static_cast<v4l2_requestbuffers*>(arg);
        if (req->memory != V4L2_MEMORY_MMAP) return Fail(EINVAL);
        req->count = std::min<std::uint32_t>(req->count, 4);
        slots_.assign(req->count, Slot{});
        for (Slot& s : slots_) s.bytes.assign(spec_.buffer_bytes, 0);
        queued_.clear();
        ready_.clear();
        return 0;
      }
      case VIDIOC_QUERYBUF: {
        auto* buf = static_cast<v4l2_buffer*>(arg);
        if (buf->index >= slots_.size()) return Fail(EINVAL);
        buf->length = static_cast<std::uint32_t>(slots_[buf->index].bytes.size());
        buf->m.offset = static_cast<std::uint32_t>(buf->index * kPage);
        return 0;
      }
      case VIDIOC_QBUF: {
        const auto* buf = static_cast<v4l2_buffer*>(arg);
        if (buf->index >= slots_.size()) return Fail(EINVAL);
        queued_.push_back(buf->index);
        return 0;
      }
      case VIDIOC_DQBUF: {
        if (ready_.empty()) return Fail(EAGAIN);
        auto* buf = static_cast<v4l2_buffer*>(arg);
        buf->index = ready_.front();
        ready_.pop_front();
        buf->bytesused = slots_[buf->index].bytes_used;
        buf->flags = slots_[buf->index].flags;
        return 0;
      }
      case VIDIOC_STREAMON:
        streaming_ = true;
        return 0;
      case VIDIOC_STREAMOFF:
        streaming_ = false;
        return 0;
      default:
        return Fail(EINVAL);
    }
  }

  Spec spec_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::vector<Slot> slots_;
  std::deque<std::uint32_t> queued_;
  std::deque<std::uint32_t> ready_;
  bool streaming_ = false;
  bool unplugged_ = false;
  int opens_ = 0;
  int closes_ = 0;
  int maps_ = 0;
  int unmaps_ = 0;
  std::uint32_t requested_fps_milli_ = 0;
};

}  // namespace cityedge::drivers::thermal::testing
