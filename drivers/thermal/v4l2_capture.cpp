// SPDX-License-Identifier: Apache-2.0
#include "v4l2_capture.hpp"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>

namespace cityedge::drivers::thermal {
namespace {

constexpr std::uint32_t kBufferCount = 4;

class SystemIo final : public V4l2Io {
 public:
  int Open(const char* path, int flags) override { return ::open(path, flags); }
  int Close(int fd) override { return ::close(fd); }
  int Ioctl(int fd, unsigned long request, void* arg) override { return ::ioctl(fd, request, arg); }
  void* Mmap(std::size_t length, int fd, off_t offset) override {
    return ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
  }
  int Munmap(void* address, std::size_t length) override { return ::munmap(address, length); }
  int Poll(pollfd* fds, nfds_t count, int timeout_ms) override {
    return ::poll(fds, count, timeout_ms);
  }
};

int Xioctl(V4l2Io& io, int fd, unsigned long request, void* arg) {
  int r;
  do {
    r = io.Ioctl(fd, request, arg);
  } while (r == -1 && errno == EINTR);
  return r;
}

std::string FourCc(std::uint32_t code) {
  std::string s(4, ' ');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((code >> (8 * i)) & 0xff);
  return s;
}

}  // namespace

V4l2Io& SystemV4l2Io() {
  static SystemIo io;
  return io;
}

V4l2Capture::~V4l2Capture() { Close(); }

std::expected<void, std::string> V4l2Capture::Open(const std::string& device, std::uint32_t width,
                                                   std::uint32_t height, double fps) {
  Close();
  device_ = device;
  incomplete_frames_ = 0;
  fd_ = io_.Open(device.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) return std::unexpected("cannot open " + device + ": " + std::strerror(errno));
  v4l2_capability cap{};
  if (Xioctl(io_, fd_, VIDIOC_QUERYCAP, &cap) != 0) {
    return std::unexpected(device +
                           " is not a V4L2 device (VIDIOC_QUERYCAP: " + std::strerror(errno) + ")");
  }
  const std::uint32_t caps =
      (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
  if (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & V4L2_CAP_STREAMING)) {
    return std::unexpected(device + " (" + reinterpret_cast<const char*>(cap.card) +
                           ") cannot stream video capture");
  }
  if (auto s = SetFormat(width, height, fps); !s) return s;
  if (auto s = MapBuffers(); !s) return s;
  v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  if (Xioctl(io_, fd_, VIDIOC_STREAMON, &type) != 0) {
    return std::unexpected(device + ": VIDIOC_STREAMON: " + std::strerror(errno));
  }
  streaming_ = true;
  return {};
}

std::expected<void, std::string> V4l2Capture::SetFormat(std::uint32_t width, std::uint32_t height,
                                                        double fps) {
  v4l2_format fmt{};
  fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  if (Xioctl(io_, fd_, VIDIOC_G_FMT, &fmt) != 0) {
    return std::unexpected(device_ + ": VIDIOC_G_FMT: " + std::strerror(errno));
  }
  fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_Y16;
  if (width > 0) fmt.fmt.pix.width = width;
  if (height > 0) fmt.fmt.pix.height = height;
  fmt.fmt.pix.field = V4L2_FIELD_NONE;
  if (Xioctl(io_, fd_, VIDIOC_S_FMT, &fmt) != 0) {
    return std::unexpected(device_ + ": VIDIOC_S_FMT Y16: " + std::strerror(errno));
  }
  // S_FMT adjusts what it cannot do instead of failing: check what we got.
  if (fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_Y16) {
    return std::unexpected(device_ + " offers no Y16 format (it chose '" +
                           FourCc(fmt.fmt.pix.pixelformat) +
                           "'); radiometric capture needs a Y16 UVC mode");
  }
  if ((width > 0 && fmt.fmt.pix.width != width) || (height > 0 && fmt.fmt.pix.height != height)) {
    return std::unexpected(device_ + " cannot do " + std::to_string(width) + "x" +
                           std::to_string(height) + " Y16; it offers " +
                           std::to_string(fmt.fmt.pix.width) + "x" +
                           std::to_string(fmt.fmt.pix.height));
  }
  width_ = fmt.fmt.pix.width;
  height_ = fmt.fmt.pix.height;
  stride_ = fmt.fmt.pix.bytesperline >= width_ * 2 ? fmt.fmt.pix.bytesperline : width_ * 2;
  if (fps > 0) {
    // Best effort: many UVC thermal boards have one fixed rate.
    v4l2_streamparm parm{};
    parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    parm.parm.capture.timeperframe.numerator = 1000;
    parm.parm.capture.timeperframe.denominator =
        static_cast<std::uint32_t>(std::lround(fps * 1000));
    (void)Xioctl(io_, fd_, VIDIOC_S_PARM, &parm);
  }
  return {};
}

std::expected<void, std::string> V4l2Capture::MapBuffers() {
  v4l2_requestbuffers req{};
  req.count = kBufferCount;
  req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  req.memory = V4L2_MEMORY_MMAP;
  if (Xioctl(io_, fd_, VIDIOC_REQBUFS, &req) != 0 || req.count == 0) {
    return std::unexpected(device_ + ": VIDIOC_REQBUFS: " + std::strerror(errno));
  }
  for (std::uint32_t i = 0; i < req.count; ++i) {
    v4l2_buffer buf{};
    buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    buf.memory = V4L2_MEMORY_MMAP;
    buf.index = i;
    if (Xioctl(io_, fd_, VIDIOC_QUERYBUF, &buf) != 0) {
      return std::unexpected(device_ + ": VIDIOC_QUERYBUF: " + std::strerror(errno));
    }
    // A frame is read in place: the buffer must hold one whole.
    const std::size_t frame_bytes = static_cast<std::size_t>(stride_) * (height_ - 1) + width_ * 2;
    if (buf.length < frame_bytes) {
      return std::unexpected(device_ + ": buffer " + std::to_string(i) + " holds " +
                             std::to_string(buf.length) + " bytes, a " + std::to_string(width_) +
                             "x" + std::to_string(height_) + " Y16 frame needs " +
                             std::to_string(frame_bytes));
    }
    void* start = io_.Mmap(buf.length, fd_, static_cast<off_t>(buf.m.offset));
    if (start == MAP_FAILED) return std::unexpected(device_ + ": mmap: " + std::strerror(errno));
    buffers_.push_back({start, buf.length});
    if (Xioctl(io_, fd_, VIDIOC_QBUF, &buf) != 0) {
      return std::unexpected(device_ + ": VIDIOC_QBUF: " + std::strerror(errno));
    }
  }
  return {};
}

std::expected<bool, std::string> V4l2Capture::Read(int timeout_ms,
                                                   std::vector<std::uint16_t>* pixels) {
  pollfd pfd{fd_, POLLIN, 0};
  const int ready = io_.Poll(&pfd, 1, timeout_ms);
  if (ready < 0 && errno != EINTR)
    return std::unexpected(device_ + ": poll: " + std::strerror(errno));
  if (ready <= 0) return false;
  if (pfd.revents & (POLLERR | POLLHUP)) return std::unexpected(device_ + " was disconnected");
  v4l2_buffer buf{};
  buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  buf.memory = V4L2_MEMORY_MMAP;
  if (Xioctl(io_, fd_, VIDIOC_DQBUF, &buf) != 0) {
    if (errno == EAGAIN) return false;
    return std::unexpected(device_ + ": VIDIOC_DQBUF: " + std::strerror(errno));
  }
  if (buf.index >= buffers_.size()) {
    return std::unexpected(device_ + ": VIDIOC_DQBUF gave buffer " + std::to_string(buf.index) +
                           " of " + std::to_string(buffers_.size()));
  }
  const bool complete =
      buf.bytesused >= static_cast<std::size_t>(stride_) * (height_ - 1) + width_ * 2 &&
      !(buf.flags & V4L2_BUF_FLAG_ERROR);
  if (!complete) {
    ++incomplete_frames_;
  } else {
    // Copied out so the buffer goes straight back to the device: a pipeline
    // may hold a frame for as long as it likes, which would starve the ring.
    pixels->resize(static_cast<std::size_t>(width_) * height_);
    const auto* base = static_cast<const std::uint8_t*>(buffers_[buf.index].start);
    for (std::uint32_t y = 0; y < height_; ++y) {
      std::memcpy(pixels->data() + static_cast<std::size_t>(y) * width_,
                  base + static_cast<std::size_t>(y) * stride_, width_ * 2);
    }
    // V4L2 defines Y16 as little endian; frames travel in host order.
    if constexpr (std::endian::native == std::endian::big) {
      for (std::uint16_t& v : *pixels) v = static_cast<std::uint16_t>((v >> 8) | (v << 8));
    }
  }
  if (Xioctl(io_, fd_, VIDIOC_QBUF, &buf) != 0) {
    return std::unexpected(device_ + ": VIDIOC_QBUF: " + std::strerror(errno));
  }
  return complete;
}

void V4l2Capture::Close() {
  if (fd_ < 0) return;
  if (streaming_) {
    v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    (void)Xioctl(io_, fd_, VIDIOC_STREAMOFF, &type);
    streaming_ = false;
  }
  for (const Buffer& b : buffers_) io_.Munmap(b.start, b.length);
  buffers_.clear();
  io_.Close(fd_);
  fd_ = -1;
}

}  // namespace cityedge::drivers::thermal
