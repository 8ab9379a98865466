// SPDX-License-Identifier: Apache-2.0
#include "daemon/core/frame_io.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace cityedge {
namespace {

// Reads exactly `size` bytes; returns how many arrived before EOF or an error.
Result<std::size_t> ReadFull(int fd, char* data, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd, data + got, size - got);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return MakeError(Code::kUnavailable, "read: {}", std::strerror(errno));
    }
    got += static_cast<std::size_t>(n);
  }
  return got;
}

}  // namespace

Status ReadFrame(int fd, std::size_t max_bytes, std::string* out) {
  unsigned char header[kFrameHeaderBytes];
  auto got = ReadFull(fd, reinterpret_cast<char*>(header), sizeof header);
  if (!got) return std::unexpected(got.error());
  if (*got == 0) return MakeError(Code::kNotFound, "peer closed the connection");
  if (*got < sizeof header) return MakeError(Code::kUnavailable, "peer closed mid-header");
  const std::uint32_t size = (std::uint32_t{header[0]} << 24) | (std::uint32_t{header[1]} << 16) |
                             (std::uint32_t{header[2]} << 8) | std::uint32_t{header[3]};
  if (size > max_bytes) {
    return MakeError(Code::kResourceExhausted, "frame of {} bytes is above the limit of {} bytes",
                     size, max_bytes);
  }
  out->resize(size);
  got = ReadFull(fd, out->data(), size);
  if (!got) return std::unexpected(got.error());
  if (*got < size) return MakeError(Code::kUnavailable, "peer closed mid-frame");
  return OkStatus();
}

Status WriteFrame(int fd, std::string_view payload) {
  const auto size = static_cast<std::uint32_t>(payload.size());
  std::string buffer;
  buffer.reserve(kFrameHeaderBytes + payload.size());
  buffer.push_back(static_cast<char>(size >> 24));
  buffer.push_back(static_cast<char>(size >> 16));
  buffer.push_back(static_cast<char>(size >> 8));
  buffer.push_back(static_cast<char>(size));
  buffer.append(payload);
  std::size_t sent = 0;
  while (sent < buffer.size()) {
    const ssize_t n = ::send(fd, buffer.data() + sent, buffer.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return MakeError(Code::kUnavailable, "write: {}", std::strerror(errno));
    }
    sent += static_cast<std::size_t>(n);
  }
  return OkStatus();
}

}  // namespace cityedge
