// SPDX-License-Identifier: Apache-2.0
#include "serial_port.hpp"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace cityedge::drivers::pms5003 {
namespace {

struct BaudEntry {
  std::int64_t baud;
  speed_t speed;
};
constexpr std::array<BaudEntry, 8> kBauds = {{
    {1200, B1200},
    {2400, B2400},
    {4800, B4800},
    {9600, B9600},
    {19200, B19200},
    {38400, B38400},
    {57600, B57600},
    {115200, B115200},
}};

const BaudEntry* FindBaud(std::int64_t baud) {
  for (const auto& entry : kBauds) {
    if (entry.baud == baud) return &entry;
  }
  return nullptr;
}

std::string ErrnoMessage(std::string_view what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

}  // namespace

bool IsSupportedBaud(std::int64_t baud) { return FindBaud(baud) != nullptr; }

SerialPort::~SerialPort() { Close(); }

void SerialPort::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

sdk::Status SerialPort::Open(const std::string& path, std::int64_t baud) {
  Close();
  const BaudEntry* entry = FindBaud(baud);
  if (entry == nullptr) return sdk::Fatal(fmt::format("unsupported baud rate {}", baud));
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
  tio.c_cflag &= ~static_cast<tcflag_t>(CSTOPB | PARENB | CRTSCTS | CSIZE);
  tio.c_cflag |= CS8 | CLOCAL | CREAD;
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  ::cfsetispeed(&tio, entry->speed);
  ::cfsetospeed(&tio, entry->speed);
  if (::tcsetattr(fd, TCSANOW, &tio) != 0) {
    auto error = sdk::Retry(ErrnoMessage("cannot configure serial device", path));
    ::close(fd);
    return error;
  }
  // Bytes queued before we opened belong to no frame we can date.
  ::tcflush(fd, TCIFLUSH);
  fd_ = fd;
  path_ = path;
  return {};
}

sdk::Result<std::size_t> SerialPort::Read(std::span<std::uint8_t> buffer,
                                          std::chrono::milliseconds timeout) {
  if (fd_ < 0) return sdk::Retry("serial device is not open");
  pollfd pfd{fd_, POLLIN, 0};
  const int ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  if (ready < 0) {
    if (errno == EINTR) return std::size_t{0};
    return sdk::Retry(ErrnoMessage("poll on serial device", path_));
  }
  if (ready == 0) return std::size_t{0};
  if ((pfd.revents & POLLIN) == 0) {
    // POLLHUP/POLLERR without data: the device or the other end of a pty is gone.
    return sdk::Retry(fmt::format("serial device {} hung up", path_));
  }
  const ssize_t n = ::read(fd_, buffer.data(), buffer.size());
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return std::size_t{0};
    return sdk::Retry(ErrnoMessage("read from serial device", path_));
  }
  if (n == 0) return sdk::Retry(fmt::format("serial device {} reached end of file", path_));
  return static_cast<std::size_t>(n);
}

}  // namespace cityedge::drivers::pms5003
