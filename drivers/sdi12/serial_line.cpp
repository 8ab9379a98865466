// SPDX-License-Identifier: Apache-2.0
#include "serial_line.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace cityedge::drivers::sdi12 {
namespace {

std::string ErrnoMessage(std::string_view what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

// A line longer than any response is noise; it is handed up whole so the
// session refuses it instead of waiting for a <CR><LF> that never comes.
constexpr std::size_t kMaxLine = 2 * kLongestResponse;

}  // namespace

SerialLine::SerialLine() : wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

SerialLine::~SerialLine() {
  Close();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void SerialLine::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  pending_.clear();
}

void SerialLine::Wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof(one));
}

sdk::Status SerialLine::Open(const std::string& path) {
  Close();
  if (wake_fd_ < 0) return sdk::Retry(ErrnoMessage("cannot create an eventfd for", path));
  // O_NOCTTY: a sensor port must never become the daemon's controlling tty.
  const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return sdk::Retry(ErrnoMessage("cannot open serial device", path));
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) {
    auto error = sdk::Fatal(ErrnoMessage("not a serial device", path));
    ::close(fd);
    return error;
  }
  ::cfmakeraw(&tio);
  // SDI-12: 1200 baud, 7 data bits, even parity, 1 stop bit.
  tio.c_cflag &= ~static_cast<tcflag_t>(CSIZE | CSTOPB | PARODD | CRTSCTS);
  tio.c_cflag |= CS7 | PARENB | CLOCAL | CREAD;
  tio.c_iflag |= INPCK;
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  ::cfsetispeed(&tio, B1200);
  ::cfsetospeed(&tio, B1200);
  if (::tcsetattr(fd, TCSANOW, &tio) != 0) {
    auto error = sdk::Retry(ErrnoMessage("cannot configure serial device", path));
    ::close(fd);
    return error;
  }
  ::tcflush(fd, TCIOFLUSH);
  fd_ = fd;
  path_ = path;
  return {};
}

sdk::Status SerialLine::SetBreak(bool on) {
  if (fd_ < 0) return sdk::Retry("serial device is not open");
  if (::ioctl(fd_, on ? TIOCSBRK : TIOCCBRK) != 0) {
    return sdk::Retry(ErrnoMessage("cannot send a break on", path_));
  }
  return {};
}

void SerialLine::DiscardInput() {
  pending_.clear();
  if (fd_ >= 0) ::tcflush(fd_, TCIFLUSH);
}

sdk::Status SerialLine::Write(std::string_view text) {
  if (fd_ < 0) return sdk::Retry("serial device is not open");
  while (!text.empty()) {
    const ssize_t n = ::write(fd_, text.data(), text.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      pollfd pfd{fd_, POLLOUT, 0};
      ::poll(&pfd, 1, 100);
      continue;
    }
    if (n <= 0) return sdk::Retry(ErrnoMessage("write to serial device", path_));
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

sdk::Result<std::optional<std::string>> SerialLine::ReadLine(Micros first_byte, Micros whole_line) {
  if (fd_ < 0) return sdk::Retry("serial device is not open");
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  std::string line;
  std::string buffer = std::move(pending_);
  pending_.clear();
  while (true) {
    for (std::size_t i = 0; i < buffer.size(); ++i) {
      // The UART drops the parity bit; a pty passes bytes as written.
      const char c = static_cast<char>(buffer[i] & 0x7F);
      line += c;
      if (line.ends_with("\r\n") || line.size() >= kMaxLine) {
        pending_ = buffer.substr(i + 1);
        if (line.ends_with("\r\n")) line.resize(line.size() - 2);
        return line;
      }
    }
    buffer.clear();
    const Micros limit = line.empty() ? first_byte : whole_line;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        start + limit - Clock::now() + std::chrono::microseconds(999));
    if (left.count() <= 0) {
      // A line cut short is handed up (and refused as garbled); none at all is silence.
      if (line.empty()) return std::optional<std::string>();
      return line;
    }
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return sdk::Retry(ErrnoMessage("poll on serial device", path_));
    }
    if ((fds[1].revents & POLLIN) != 0) {
      std::uint64_t count = 0;
      [[maybe_unused]] const ssize_t n = ::read(wake_fd_, &count, sizeof(count));
      return sdk::Retry("woken");
    }
    if (ready == 0) continue;
    if ((fds[0].revents & POLLIN) == 0) {
      // POLLHUP/POLLERR without data: the adapter or the other end of a pty is gone.
      return sdk::Retry(fmt::format("serial device {} hung up", path_));
    }
    char chunk[128];
    const ssize_t n = ::read(fd_, chunk, sizeof(chunk));
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return sdk::Retry(ErrnoMessage("read from serial device", path_));
    }
    if (n == 0) return sdk::Retry(fmt::format("serial device {} reached end of file", path_));
    buffer.assign(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace cityedge::drivers::sdi12
