// SPDX-License-Identifier: Apache-2.0
// Y16 capture from a UVC thermal device through V4L2 ioctls (the way boards
// of the PureThermal kind present a Lepton core: a UVC camera with a "Y16 "
// format of 16-bit radiometric counts).
//
// Why ioctls and not OpenCV's VideoCapture: with CAP_PROP_CONVERT_RGB on,
// OpenCV's V4L2 backend turns Y16 into 8-bit images (the radiometry is gone);
// with it off, the backend hands back the driver buffer as an undocumented
// one-row byte blob whose layout depends on the backend version. The ioctls
// give the 16-bit counts, the stride and the frame size the device reports.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

namespace cityedge::drivers::thermal {

// The system calls a capture makes, so that tests can stand a simulated
// device in for the kernel's. Each returns what the system call returns and
// sets errno the same way.
class V4l2Io {
 public:
  virtual ~V4l2Io() = default;
  virtual int Open(const char* path, int flags) = 0;
  virtual int Close(int fd) = 0;
  virtual int Ioctl(int fd, unsigned long request, void* arg) = 0;
  virtual void* Mmap(std::size_t length, int fd, off_t offset) = 0;
  virtual int Munmap(void* address, std::size_t length) = 0;
  virtual int Poll(pollfd* fds, nfds_t count, int timeout_ms) = 0;
};

// The kernel's V4L2.
V4l2Io& SystemV4l2Io();

// THREADING: one thread (the driver's). Not copyable; closes the device and
// unmaps its buffers on destruction.
class V4l2Capture {
 public:
  explicit V4l2Capture(V4l2Io& io = SystemV4l2Io()) : io_(io) {}
  ~V4l2Capture();
  V4l2Capture(const V4l2Capture&) = delete;
  V4l2Capture& operator=(const V4l2Capture&) = delete;

  // Opens `device`, selects Y16 (width/height 0: the device's current size;
  // fps 0: its current rate), maps buffers and starts streaming. Errors name
  // the device, the step and the system's reason.
  [[nodiscard]] std::expected<void, std::string> Open(const std::string& device,
                                                      std::uint32_t width, std::uint32_t height,
                                                      double fps);

  // Waits up to `timeout_ms` for a frame and copies it into `pixels` (host
  // order, tightly packed rows). Returns false on timeout (no frame yet) and
  // for a buffer filled short or flagged as errored (skipped and counted).
  [[nodiscard]] std::expected<bool, std::string> Read(int timeout_ms,
                                                      std::vector<std::uint16_t>* pixels);

  [[nodiscard]] std::uint32_t width() const { return width_; }
  [[nodiscard]] std::uint32_t height() const { return height_; }
  // Buffers the device filled short or flagged as errored, since Open.
  [[nodiscard]] std::uint64_t incomplete_frames() const { return incomplete_frames_; }

 private:
  struct Buffer {
    void* start = nullptr;
    std::size_t length = 0;
  };
  [[nodiscard]] std::expected<void, std::string> SetFormat(std::uint32_t width,
                                                           std::uint32_t height, double fps);
  [[nodiscard]] std::expected<void, std::string> MapBuffers();
  void Close();

  V4l2Io& io_;
  std::string device_;
  int fd_ = -1;
  bool streaming_ = false;
  std::uint32_t width_ = 0;
  std::uint32_t height_ = 0;
  std::uint32_t stride_ = 0;
  std::vector<Buffer> buffers_;
  std::uint64_t incomplete_frames_ = 0;
};

}  // namespace cityedge::drivers::thermal
